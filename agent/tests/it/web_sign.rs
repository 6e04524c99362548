//! Web Sign over real HTTPS against a real store process: the pages read as HTML and the
//! forms posted back as a browser posts them, the CSRF cookie carried by hand. What is
//! stored is read back through the CLI, the counter's check-ins and the release's PDF.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::path::Path;

use base64::Engine;
use intake_common::settings::Settings;
use intake_tests::web_sign::{ADULT, Person, Phone, fill, hidden};
use serde_json::Value;

use crate::support::{OWNER, PIN, Store, add_owner, agent};

fn s(v: &str) -> String {
    v.to_string()
}

async fn web_store(dir: &Path) -> (Store, Phone) {
    add_owner(dir);
    let store = Store::start(dir, &["--web-sign"]);
    let mut phone = Phone::new(&store.dir, &store.url);
    assert_eq!(phone.open("").await, 200, "{}", phone.page);
    (store, phone)
}

pub fn releases(dir: &Path) -> Vec<Value> {
    serde_json::from_str::<Value>(&agent(dir, &["release", "list", "--json"]))
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

pub fn customers(dir: &Path) -> Vec<Value> {
    serde_json::from_str::<Value>(&agent(dir, &["customer", "list", "--json"]))
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn pdf_of(dir: &Path, release: &str) -> String {
    let out = dir.join(format!("{release}.pdf"));
    agent(
        dir,
        &["release", "pdf", release, "--out", out.to_str().unwrap()],
    );
    let text = std::process::Command::new("pdftotext")
        .args([out.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext runs: install poppler-utils");
    String::from_utf8_lossy(&text.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_adult_signs_on_their_phone_and_the_counter_sees_the_check_in() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (_store, mut phone) = web_store(dir).await;
    // The first page: every field labelled and autofilled, strict headers, a cookie.
    assert_eq!(phone.heading(), "About you");
    for token in ["given-name", "family-name", "bday", "tel", "email"] {
        assert!(phone.shows(&format!("autocomplete=\"{token}\"")), "{token}");
    }
    assert!(phone.shows("<label for=\"f-first_name\">"));
    assert!(
        phone
            .cookie
            .as_deref()
            .unwrap()
            .starts_with("__Host-intake-sign=")
    );
    let csp = phone.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert!(!csp.contains("unsafe-inline"));
    assert!(!phone.shows("<script>") && !phone.shows("style="));
    assert_eq!(phone.headers["cache-control"], "no-store");
    assert_eq!(phone.headers["x-content-type-options"], "nosniff");
    assert_eq!(phone.headers["referrer-policy"], "no-referrer");
    assert!(phone.headers.contains_key("strict-transport-security"));
    // Next with nothing filled: a summary linking to each missing field, nothing stored.
    assert_eq!(phone.post("next", &[]).await, 422);
    assert!(phone.shows("There is a problem"));
    for field in ["first_name", "last_name", "birthdate", "phone"] {
        assert!(phone.shows(&format!("href=\"#f-{field}\"")), "{field}");
    }
    assert!(!phone.shows("href=\"#f-email\""));
    // A phone number that is not one of the shop's region's, an e-mail that is not one.
    phone
        .post("next", &[("phone", s("12")), ("email", s("ana@"))])
        .await;
    assert!(phone.shows("Enter a phone number that can be dialled"));
    assert!(phone.shows("Enter an email address like"));

    fill(&mut phone, &ADULT).await;
    assert_eq!(phone.heading(), "Check your answers");
    assert!(phone.shows("ana@example.com"));
    assert!(
        releases(dir).is_empty(),
        "nothing is stored before the submit"
    );
    let review = phone.page.clone();
    assert_eq!(phone.post("submit", &[]).await, 200, "{}", phone.page);
    assert!(phone.shows("Thank you, Ana"));

    let list = releases(dir);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["customer_name"], "Ana Reyes");
    assert_eq!(list[0]["device"], "web-sign");
    let text = pdf_of(dir, list[0]["id"].as_str().unwrap());
    assert!(text.contains("Signed by Ana Reyes"), "{text}");
    assert!(text.contains("Initials: AR"), "{text}");

    // The counter's check-ins, as a counter reads them.
    let db = intake_tests::cluster::open_db(dir);
    let owner = intake_common::users::sign_in_from(&db, OWNER, PIN, "test").unwrap();
    let now = chrono::Utc::now();
    let check_ins = intake_common::counter::check_ins(
        &db,
        &owner,
        now - chrono::Duration::hours(1),
        now + chrono::Duration::hours(1),
    )
    .unwrap();
    assert_eq!(check_ins.len(), 1);
    assert_eq!(check_ins[0].name, "Ana Reyes");
    assert_eq!(
        check_ins[0].medical, 1,
        "the yes to a health question is on file"
    );

    // The same page sent again stores nothing more.
    phone.page = review;
    assert_eq!(phone.post("submit", &[]).await, 400);
    assert!(phone.shows("already sent"), "{}", phone.page);
    assert_eq!(releases(dir).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_minor_signs_with_a_guardian_in_spanish_with_a_typed_signature() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (_store, mut phone) = web_store(dir).await;
    // The language switch keeps the form; every word after it is Spanish.
    assert_eq!(phone.post("language", &[("lang", s("es"))]).await, 200);
    assert_eq!(phone.heading(), "Sobre usted");
    assert!(phone.shows("<html lang=\"es\">"));
    let year = chrono::Utc::now()
        .format("%Y")
        .to_string()
        .parse::<i32>()
        .unwrap()
        - 15;
    let birthdate: &'static str = Box::leak(format!("{year}-01-15").into_boxed_str());
    let minor = Person {
        first: "Lucía",
        last: "Núñez",
        birthdate,
        phone: "512 555 0177",
        email: "",
        initials: "LN",
        guardian: Some(("Marta Núñez", "madre", "MN")),
        typed: true,
    };
    fill(&mut phone, &minor).await;
    assert_eq!(phone.heading(), "Revise sus respuestas");
    assert!(phone.shows("Marta Núñez"));
    // A minor is never shown an adult's clause.
    let settings = Settings::defaults();
    for c in settings
        .template
        .clauses
        .iter()
        .filter(|c| !c.audience.shown_to(true))
    {
        assert!(
            !phone.shows(c.text.get(intake_common::settings::Lang::Es)),
            "{}",
            c.id
        );
    }
    assert_eq!(phone.post("submit", &[]).await, 200, "{}", phone.page);
    assert!(phone.shows("Gracias, Lucía"));
    let list = releases(dir);
    assert_eq!(list.len(), 1);
    let text = pdf_of(dir, list[0]["id"].as_str().unwrap());
    for words in ["Iniciales: MN", "Iniciales: LN", "Marta Núñez"] {
        assert!(text.contains(words), "{words:?} missing:\n{text}");
    }
    assert!(
        !text.contains("Signed by"),
        "no English in a Spanish release:\n{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_typed_signature_needs_its_confirmation() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (_store, mut phone) = web_store(dir).await;
    let mut p = ADULT;
    p.typed = true;
    fill(&mut phone, &p).await;
    assert_eq!(phone.heading(), "Check your answers");
    // Back to the signature: a typed name without "this is my signature" is refused.
    phone.post("edit:sign", &[]).await;
    assert_eq!(phone.heading(), "Your signature");
    assert!(phone.shows("Signed. Sign again below to replace it."));
    assert_eq!(
        phone.post("next", &[("typed_name", s("Ana Reyes"))]).await,
        422
    );
    assert!(phone.shows("href=\"#f-signature\""));
    assert!(
        phone.shows("Tick &quot;This typed name is my signature&quot;")
            || phone.shows("Tick \"This typed name")
    );
    phone
        .post(
            "next",
            &[("typed_name", s("Ana Reyes")), ("typed_confirm", s("yes"))],
        )
        .await;
    assert_eq!(phone.post("submit", &[]).await, 200, "{}", phone.page);
    let list = releases(dir);
    let text = pdf_of(dir, list[0]["id"].as_str().unwrap());
    assert!(text.contains("Signed by Ana Reyes"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_returning_customer_is_attached_only_on_an_exact_match_never_shown_and_never_cleared() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    add_owner(dir);
    let added: Value = serde_json::from_str(&agent(
        dir,
        &[
            "customer",
            "add",
            "--json",
            "--set",
            "FirstName=ANA",
            "--set",
            "LastName=Réyes",
            "--set",
            "PhoneNumber=+1 512 555 0100",
            "--set",
            "Birthdate=1990-04-23",
            "--set",
            "Email=secret-ana@example.org",
            "--set",
            "Street=99 Hidden Way",
            "--set",
            "Street2=Apt 4",
        ],
    ))
    .unwrap();
    let id = added["id"].as_str().unwrap().to_string();
    let store = Store::start(dir, &["--web-sign"]);
    let mut pages = String::new();
    // Phone, birthdate and name as on file (case and accents aside): attached. The same
    // phone and birthdate with another first name: a new customer.
    let mut other = ADULT;
    other.first = "Anna";
    for (p, expect_new) in [(&ADULT, false), (&other, true)] {
        let mut phone = Phone::new(&store.dir, &store.url);
        phone.open("").await;
        pages.push_str(&phone.page);
        fill(&mut phone, p).await;
        pages.push_str(&phone.page);
        assert_eq!(phone.post("submit", &[]).await, 200, "{}", phone.page);
        pages.push_str(&phone.page);
        let list = releases(dir);
        assert_eq!(
            list[0]["customer_id"].as_str().unwrap() != id,
            expect_new,
            "{}",
            p.first
        );
    }
    assert_eq!(customers(dir).len(), 2, "one new customer, one attached");
    // What they typed goes to their file; what they left empty keeps what is on file (the
    // page never showed it, so an empty field is not a wish to clear it).
    let file: Value =
        serde_json::from_str(&agent(dir, &["customer", "show", &id, "--json"])).unwrap();
    assert_eq!(file["Email"], "ana@example.com", "{file}");
    assert_eq!(file["Street"], "12 Elm St", "{file}");
    assert_eq!(
        file["Street2"], "Apt 4",
        "an empty field cleared the file: {file}"
    );
    // What a page shows, without the sealed state and token it carries (random base64
    // that may spell anything).
    let shown = without_hidden_inputs(&pages);
    for secret in ["secret-ana", "99 Hidden Way", "ANA", "Réyes"] {
        assert!(!shown.contains(secret), "{secret} shown on a page");
    }
    // The new one is left for duplicates to show.
    let dups = agent(dir, &["duplicates", "--json"]);
    assert!(dups.contains(&id), "{dups}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_posts_are_refused_with_a_page_and_store_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (store, mut phone) = web_store(dir).await;
    fill(&mut phone, &ADULT).await;
    let review = phone.page.clone();
    let refused = |phone: &Phone, status: u16, words: &str| {
        assert_eq!(phone.status, status, "{}", phone.page);
        assert!(
            phone.heading().contains("could not be used"),
            "{}",
            phone.page
        );
        assert!(phone.shows(words), "{words:?} not in {}", phone.page);
        assert_eq!(phone.headers["cache-control"], "no-store");
        assert!(phone.headers.contains_key("content-security-policy"));
    };
    // No token, a forged one, another browser's cookie.
    let form = |page: &str, csrf: &str| {
        vec![
            (s("sealed"), hidden(page, "sealed")),
            (s("csrf"), s(csrf)),
            (s("action"), s("submit")),
        ]
    };
    phone.send(&form(&review, "")).await;
    refused(&phone, 403, "could not be checked");
    phone.send(&form(&review, &"A".repeat(43))).await;
    refused(&phone, 403, "could not be checked");
    let mine = phone.cookie.clone();
    phone.cookie = Some(format!("__Host-intake-sign={}", "B".repeat(43)));
    phone.send(&form(&review, &"B".repeat(43))).await;
    refused(&phone, 403, "could not be checked");
    phone.cookie = mine;
    // A tampered state: one character changed.
    let csrf = hidden(&review, "csrf");
    let mut sealed = hidden(&review, "sealed").into_bytes();
    sealed[40] = if sealed[40] == b'A' { b'B' } else { b'A' };
    phone
        .send(&[
            (s("sealed"), String::from_utf8(sealed).unwrap()),
            (s("csrf"), csrf.clone()),
            (s("action"), s("submit")),
        ])
        .await;
    refused(&phone, 403, "could not be checked");
    // An oversized field, an oversized signature, a body over the route's limit.
    phone.page = review.clone();
    phone
        .post("next", &[("first_name", "x".repeat(5000))])
        .await;
    refused(&phone, 400, "longer than 2000 characters");
    phone.page = review.clone();
    phone.post("edit:sign", &[]).await;
    let huge = format!("data:image/png;base64,{}", "A".repeat(200_000));
    phone.post("next", &[("signature", huge)]).await;
    refused(&phone, 400, "signature");
    phone.page = review.clone();
    phone.post("edit:sign", &[]).await;
    let wide = intake_common::release::signature::render_png(
        &[vec![(1.0, 1.0), (3000.0, 90.0)]],
        3000,
        100,
    )
    .unwrap();
    let wide = format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(wide)
    );
    assert_eq!(phone.post("next", &[("signature", wide)]).await, 422);
    assert!(
        phone.shows("could not be used: clear it and sign again"),
        "{}",
        phone.page
    );
    phone.page = review.clone();
    phone
        .post("next", &[("padding", "x".repeat(600 << 10))])
        .await;
    refused(&phone, 413, "larger than 512 KiB");
    assert!(releases(dir).is_empty());
    assert!(customers(dir).is_empty());

    // A burst of openings from one address, then of submits.
    let mut burst = Phone::new(&store.dir, &store.url);
    let mut last = 0;
    for _ in 0..40 {
        last = burst.open("").await;
        if last == 429 {
            break;
        }
    }
    assert_eq!(last, 429);
    refused(&burst, 429, "Too many tries");
    assert!(burst.headers.contains_key("retry-after"));
    // Submits from one address: the first stores, the same page again stores nothing,
    // and past the limit every submit is refused before it is read.
    let mut statuses = Vec::new();
    for _ in 0..8 {
        phone.page = review.clone();
        statuses.push(phone.post("submit", &[]).await);
    }
    assert_eq!(statuses, [200, 400, 400, 400, 400, 400, 429, 429]);
    refused(&phone, 429, "Too many tries");
    assert_eq!(releases(dir).len(), 1);
}

/// `html` without its `<input type="hidden" …>` elements.
fn without_hidden_inputs(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find("<input type=\"hidden\"") {
        out.push_str(&rest[..at]);
        rest = rest[at..].split_once('>').map_or("", |(_, after)| after);
    }
    out.push_str(rest);
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn a_submitted_form_is_stored_once_whichever_store_process_receives_it() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path();
    let (first, mut phone) = web_store(dir).await;
    // A second process on the same data directory and database, as behind a load balancer.
    let second = Store::start(dir, &["--web-sign"]);
    fill(&mut phone, &ADULT).await;
    let review = phone.page.clone();
    assert_eq!(phone.post("submit", &[]).await, 200, "{}", phone.page);
    // The same page sent again, to the other process (the cookie goes with it): refused.
    let mut replay = Phone::new(&second.dir, &second.url);
    replay.cookie = phone.cookie.clone();
    replay.page = review.clone();
    assert_eq!(replay.post("submit", &[]).await, 400, "{}", replay.page);
    assert!(replay.shows("already"), "{}", replay.page);
    // And to the first again.
    phone.page = review;
    assert_eq!(phone.post("submit", &[]).await, 400);
    assert_eq!(releases(dir).len(), 1);
    assert_eq!(customers(dir).len(), 1);

    // On PostgreSQL one address's openings count together on both processes: 30 a minute
    // in all (the first process counted one opening above), never 30 on each. (A SQLite
    // store is served by one process, and counts in memory.)
    if !intake_tests::cluster::on_postgres() {
        return;
    }
    let mut on_first = Phone::new(&first.dir, &first.url);
    let mut on_second = Phone::new(&second.dir, &second.url);
    let mut statuses = Vec::new();
    for i in 0..32 {
        let phone = if i % 2 == 0 {
            &mut on_first
        } else {
            &mut on_second
        };
        statuses.push(phone.open("").await);
    }
    let opened = statuses.iter().filter(|s| **s == 200).count();
    assert_eq!(opened, 29, "{statuses:?}");
    assert_eq!(&statuses[29..], [429, 429, 429], "{statuses:?}");
    assert!(on_second.headers.contains_key("retry-after"));
    drop((first, second));
}
