//! Web Sign in a real headless Chromium against a real store process: fields filled by
//! their labels, Yes/No and ticks chosen by theirs, the signature drawn on the canvas with
//! pointer actions, and axe-core's WCAG 2.2 AA rules run on every page met on the way. What
//! is stored is read back through the CLI and the release's PDF.
//!
//! `INTAKE_WEB_SIGN_PNG=DIR` writes the pages shown as `DIR/web-sign-*.png` (the README's
//! screenshots: `INTAKE_WEB_SIGN_PNG=docs/screenshots`, run from the workspace root).

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::path::{Path, PathBuf};
use std::time::Duration;

use intake_common::settings::{Audience, Confirm, Details, Lang, Settings};
use intake_tests::browser::{Browser, Viewport};
use serde_json::Value;
use uuid::Uuid;

use crate::support::{Store, add_owner, agent};

/// A signature as a hand draws it: two strokes across the pad (fractions of its size).
const SIGNATURE: [&[(f64, f64)]; 2] = [
    &[
        (0.08, 0.70),
        (0.18, 0.25),
        (0.28, 0.75),
        (0.38, 0.30),
        (0.48, 0.70),
    ],
    &[(0.55, 0.55), (0.70, 0.35), (0.82, 0.65), (0.92, 0.40)],
];

/// One customer's browser on a store with Web Sign on; counts what they did.
struct Visit {
    browser: Browser,
    store: Store,
    settings: Settings,
    lang: Lang,
    /// The pages axe-core passed, by their headings.
    checked: Vec<String>,
    /// Taps: buttons, radio buttons, checkboxes, a stroke of the signature.
    taps: usize,
    /// Fields typed into.
    typed: usize,
}

impl Visit {
    fn start(dir: &Path, viewport: Viewport) -> Visit {
        add_owner(dir);
        let store = Store::start(dir, &["--web-sign"]);
        let pem = std::fs::read_to_string(dir.join("store-cert.pem")).unwrap();
        let browser = Browser::open(viewport, &[&pem]).unwrap();
        browser.goto(&format!("{}/sign", store.url)).unwrap();
        Visit {
            browser,
            store,
            settings: Settings::defaults(),
            lang: Lang::En,
            checked: Vec::new(),
            taps: 0,
            typed: 0,
        }
    }

    fn heading(&self) -> String {
        let h1 = self
            .browser
            .eval("return document.querySelector('h1').textContent;", vec![])
            .unwrap();
        h1.as_str().unwrap().trim().to_string()
    }

    /// axe-core on the page shown; `png` names its screenshot.
    fn check(&mut self, png: Option<&str>) {
        let heading = self.heading();
        if let Err(e) = self.browser.check_accessible() {
            panic!("{heading:?} at {:?}: {e}", self.browser.viewport());
        }
        self.checked.push(heading);
        if let (Some(name), Some(dir)) = (png, std::env::var_os("INTAKE_WEB_SIGN_PNG")) {
            let path = PathBuf::from(dir).join(format!("web-sign-{name}.png"));
            self.browser.eval("window.scrollTo(0, 0);", vec![]).unwrap();
            self.browser.screenshot(&path).unwrap();
        }
    }

    fn fill(&mut self, label: &str, value: &str) {
        self.browser.fill(label, value).unwrap();
        self.typed += 1;
    }

    fn choose_in(&mut self, near: &str, label: &str) {
        self.browser.choose_in(near, label).unwrap();
        self.taps += 1;
    }

    fn click(&mut self, button: &str) {
        self.browser.click_button(button).unwrap();
        self.taps += 1;
    }

    fn next(&mut self) {
        let next = if self.lang == Lang::Es {
            "Siguiente"
        } else {
            "Next"
        };
        self.click(next);
    }

    fn yes_no(&self, yes: bool) -> &'static str {
        match (yes, self.lang) {
            (true, Lang::Es) => "Sí",
            (true, _) => "Yes",
            (false, _) => "No",
        }
    }

    /// The health questions: the first answered Yes with details, the rest No.
    fn health(&mut self, png: Option<&str>) {
        self.check(png);
        let questions = self.settings.questions.clone();
        for (i, q) in questions.iter().enumerate() {
            let text = q.text.get(self.lang);
            self.choose_in(text, self.yes_no(i == 0));
            if i == 0 && q.details != Details::None {
                let details = if self.lang == Lang::Es {
                    "Detalles"
                } else {
                    "Details"
                };
                self.browser.fill_in(text, details, "latex").unwrap();
                self.typed += 1;
            }
        }
        self.next();
    }

    /// The release: initials where asked, a tick where asked, the optional clauses declined.
    fn release(&mut self, initials: &str, guardian_initials: &str, minor: bool, png: Option<&str>) {
        self.check(png);
        let (yours, guardians, agree) = match self.lang {
            Lang::Es => (
                "Sus iniciales",
                "Iniciales del padre, madre o tutor",
                "Estoy de acuerdo",
            ),
            _ => ("Your initials", "Parent or guardian's initials", "I agree"),
        };
        let clauses = self.settings.template.clauses.clone();
        for c in clauses.iter().filter(|c| c.audience.shown_to(minor)) {
            let text = c.text.get(self.lang);
            if c.optional {
                self.choose_in(text, "No");
            } else if c.confirm == Confirm::Initials {
                let (label, value) = if c.audience == Audience::Guardian {
                    (guardians, guardian_initials)
                } else {
                    (yours, initials)
                };
                self.browser.fill_in(text, label, value).unwrap();
                self.typed += 1;
            } else {
                self.choose_in(text, agree);
            }
        }
        self.next();
    }

    /// A signature drawn on the pad nearest `near` (its legend), one tap a stroke.
    fn draw(&mut self, near: &str) {
        self.browser.draw(near, &SIGNATURE).unwrap();
        self.taps += SIGNATURE.len();
    }

    fn releases(&self) -> Vec<Value> {
        let listed = agent(&self.store.dir, &["release", "list", "--json"]);
        serde_json::from_str::<Value>(&listed)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }
}

/// The words of a release's PDF, after `release pdf` wrote and checked it.
fn pdf_text(dir: &Path, release: &str) -> String {
    let out = dir.join(format!("{release}.pdf"));
    agent(
        dir,
        &["release", "pdf", release, "--out", out.to_str().unwrap()],
    );
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    let text = std::process::Command::new("pdftotext")
        .args([out.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext runs: install poppler-utils");
    assert!(text.status.success(), "pdftotext could not read the PDF");
    String::from_utf8_lossy(&text.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The about-you step for an adult, as a phone's autofill would leave it.
fn about(v: &mut Visit) {
    v.fill("First name (required)", "Ana");
    v.fill("Last name (required)", "Reyes");
    // A date field takes the digits in the locale's order (month, day, year here).
    v.fill("Date of birth (required)", "04231990");
    v.fill("Mobile phone (required)", "512 555 0100");
    v.fill("Email (optional)", "ana@example.com");
    v.next();
}

fn address_and_contacts(v: &mut Visit) {
    v.fill("Street address (optional)", "12 Elm St");
    v.fill("City (optional)", "Austin");
    v.fill("State or province (optional)", "TX");
    v.fill("ZIP or postal code (optional)", "78701");
    v.next();
    assert_eq!(v.heading(), "Emergency contact and physician");
    v.fill("Contact's name (required)", "Sam Reyes");
    v.fill("Contact's phone (required)", "5125550101");
    v.fill("Relationship to you (optional)", "brother");
    v.next();
}

#[test]
fn an_adult_signs_on_a_phone_by_drawing_and_every_page_passes_axe() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut v = Visit::start(dir, Viewport::Phone);
    assert_eq!(v.heading(), "About you");
    v.check(Some("phone-about"));
    // Next with nothing filled: the error summary, which axe checks too.
    v.click("Next");
    let text = v.browser.text().unwrap();
    assert!(text.contains("There is a problem"), "{text}");
    v.check(None);
    // The errors page's tap is not the adult's: the count starts on a clean page.
    v.taps = 0;
    about(&mut v);
    assert_eq!(v.heading(), "Your address");
    v.check(None);
    address_and_contacts(&mut v);
    assert_eq!(v.heading(), "Health questions");
    v.health(Some("phone-health"));
    assert_eq!(v.heading(), "The release");
    v.release("AR", "", false, Some("phone-release"));
    assert_eq!(v.heading(), "Your signature");
    v.check(None);
    v.draw("Your signature");
    if let Some(dir) = std::env::var_os("INTAKE_WEB_SIGN_PNG") {
        // The pad with the signature drawn on it, where the customer sees it.
        v.browser
            .screenshot(&PathBuf::from(dir).join("web-sign-phone-signature.png"))
            .unwrap();
    }
    v.next();
    assert_eq!(v.heading(), "Check your answers");
    let review = v.browser.text().unwrap();
    assert!(review.contains("ana@example.com"), "{review}");
    assert!(review.contains("Yes — latex"), "{review}");
    // No name was typed: the signature on the review is the one drawn through the pad.
    let shown = v
        .browser
        .eval(
            "return [...document.querySelectorAll('img.adopted')].map((i) => i.naturalWidth);",
            vec![],
        )
        .unwrap();
    assert_eq!(
        shown,
        serde_json::json!([600]),
        "the drawn signature on the review"
    );
    v.check(Some("phone-review"));
    assert!(
        v.releases().is_empty(),
        "nothing is stored before the submit"
    );
    v.click("Sign and send");
    v.browser
        .wait_for_text("Thank you, Ana", Duration::from_secs(5))
        .unwrap();
    v.check(Some("phone-done"));

    let list = v.releases();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["customer_name"], "Ana Reyes");
    assert_eq!(list[0]["device"], "web-sign");
    let text = pdf_text(dir, list[0]["id"].as_str().unwrap());
    assert!(text.contains("Signed by Ana Reyes"), "{text}");
    assert!(text.contains("Initials: AR"), "{text}");
    eprintln!(
        "an adult on a phone: {} fields typed, {} taps; axe passed on {:?}",
        v.typed, v.taps, v.checked
    );

    // A counter paired with the store holds the release after its next sync.
    let counter = tempfile::tempdir().unwrap();
    pair_counter(&v.store, counter.path());
    agent(counter.path(), &["run", "--once"]);
    let id = |v: &Value| Uuid::parse_str(v.as_str().unwrap()).unwrap();
    let db = intake_tests::cluster::open_db(counter.path());
    let (customer, device, sha256): (Uuid, String, String) = db
        .conn()
        .query_row(
            "SELECT customer_id, device, content_sha256 FROM releases WHERE id = ?1",
            [id(&list[0]["id"])],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("the release on the counter");
    assert_eq!(customer, id(&list[0]["customer_id"]));
    assert_eq!(device, "web-sign");
    assert_eq!(sha256.len(), 64, "the signed content's hash came with it");
}

/// Adds a counter device on the store and pairs `dir` with it.
fn pair_counter(store: &Store, dir: &Path) {
    let made: Value = serde_json::from_str(&agent(
        &store.dir,
        &["device", "add", "desk", "--role", "counter", "--json"],
    ))
    .unwrap();
    agent(
        dir,
        &[
            "pair",
            "--store",
            &store.url,
            "--code",
            made["code"].as_str().unwrap(),
            "--fingerprint",
            made["fingerprint"].as_str().unwrap(),
        ],
    );
}

/// What the page shows: its text and the values of its visible fields.
fn shown(v: &Visit) -> String {
    let values = v
        .browser
        .eval(
            "return [...document.querySelectorAll('input:not([type=hidden]), textarea')].map((e) => e.value).join('\\n');",
            vec![],
        )
        .unwrap();
    format!(
        "{}\n{}",
        v.browser.text().unwrap(),
        values.as_str().unwrap()
    )
}

#[test]
fn a_returning_customer_on_a_second_visit_is_attached_and_shown_nothing_on_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut v = Visit::start(dir, Viewport::Phone);
    about(&mut v);
    address_and_contacts(&mut v);
    v.health(None);
    v.release("AR", "", false, None);
    v.draw("Your signature");
    v.next();
    v.click("Sign and send");
    v.browser
        .wait_for_text("Thank you, Ana", Duration::from_secs(5))
        .unwrap();

    // Another day, a fresh browser: the same name, phone and birthdate; no e-mail, no
    // address, no relationship typed. Every page is read, fields' values included.
    let pem = std::fs::read_to_string(dir.join("store-cert.pem")).unwrap();
    v.browser = Browser::open(Viewport::Phone, &[&pem]).unwrap();
    v.browser.goto(&format!("{}/sign", v.store.url)).unwrap();
    let mut pages = shown(&v);
    v.fill("First name (required)", "Ana");
    v.fill("Last name (required)", "Reyes");
    v.fill("Date of birth (required)", "04231990");
    v.fill("Mobile phone (required)", "512 555 0100");
    v.next();
    assert_eq!(v.heading(), "Your address");
    pages.push_str(&shown(&v));
    v.next();
    assert_eq!(v.heading(), "Emergency contact and physician");
    pages.push_str(&shown(&v));
    v.fill("Contact's name (required)", "Sam Reyes");
    v.fill("Contact's phone (required)", "5125550101");
    v.next();
    pages.push_str(&shown(&v));
    v.health(None);
    pages.push_str(&shown(&v));
    v.release("AR", "", false, None);
    pages.push_str(&shown(&v));
    v.draw("Your signature");
    v.next();
    assert_eq!(v.heading(), "Check your answers");
    pages.push_str(&shown(&v));
    v.click("Sign and send");
    v.browser
        .wait_for_text("Thank you, Ana", Duration::from_secs(5))
        .unwrap();
    pages.push_str(&shown(&v));
    for stored in ["ana@example.com", "12 Elm St", "Austin", "78701", "brother"] {
        assert!(
            !pages.contains(stored),
            "{stored:?} shown on the second visit"
        );
    }

    let list = v.releases();
    assert_eq!(list.len(), 2);
    assert_eq!(
        list[0]["customer_id"], list[1]["customer_id"],
        "both visits' releases are the one customer's"
    );
    let customers: Value =
        serde_json::from_str(&agent(dir, &["customer", "list", "--json"])).unwrap();
    assert_eq!(customers.as_array().unwrap().len(), 1, "{customers}");
}

#[test]
fn a_minor_and_their_guardian_sign_in_spanish_on_a_phone() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut v = Visit::start(dir, Viewport::Phone);
    v.click("Español");
    v.lang = Lang::Es;
    assert_eq!(v.heading(), "Sobre usted");
    v.check(None);
    let year = chrono::Utc::now().format("%Y").to_string();
    let year = year.parse::<i32>().unwrap() - 15;
    v.fill("Nombre (obligatorio)", "Lucía");
    v.fill("Apellido (obligatorio)", "Núñez");
    v.fill("Fecha de nacimiento (obligatorio)", &format!("0115{year}"));
    v.fill("Teléfono móvil (obligatorio)", "512 555 0177");
    v.next();
    assert_eq!(v.heading(), "Su dirección");
    v.check(None);
    v.next();
    assert_eq!(v.heading(), "Contacto de emergencia y médico");
    v.check(None);
    v.fill("Nombre del contacto (obligatorio)", "Marta Núñez");
    v.fill("Teléfono del contacto (obligatorio)", "5125550101");
    v.next();
    assert_eq!(v.heading(), "Padre, madre o tutor");
    v.check(None);
    // The guardian step's error summary, in Spanish.
    v.next();
    let text = v.browser.text().unwrap();
    assert!(text.contains("Hay un problema"), "{text}");
    v.check(None);
    v.fill(
        "Nombre completo del padre, madre o tutor (obligatorio)",
        "Marta Núñez",
    );
    v.fill("Relación con usted (obligatorio)", "madre");
    v.next();
    assert_eq!(v.heading(), "Preguntas de salud");
    v.health(None);
    assert_eq!(v.heading(), "La exención");
    v.release("LN", "MN", true, None);
    assert_eq!(v.heading(), "Su firma");
    v.check(None);
    v.draw("Su firma");
    v.draw("Firma del padre, madre o tutor");
    v.next();
    assert_eq!(v.heading(), "Revise sus respuestas");
    v.check(None);
    v.click("Firmar y enviar");
    v.browser
        .wait_for_text("Gracias, Lucía", Duration::from_secs(5))
        .unwrap();
    v.check(None);

    let list = v.releases();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["customer_name"], "Lucía Núñez");
    let text = pdf_text(dir, list[0]["id"].as_str().unwrap());
    for words in ["Iniciales: MN", "Iniciales: LN", "Marta Núñez"] {
        assert!(text.contains(words), "{words:?} missing:\n{text}");
    }
}

#[test]
fn an_adult_signs_with_a_typed_name_on_a_desktop_and_a_refusal_passes_axe() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut v = Visit::start(dir, Viewport::Desktop);
    v.check(Some("desktop-about"));
    v.click("Next");
    v.check(None);
    about(&mut v);
    v.check(None);
    address_and_contacts(&mut v);
    v.health(None);
    v.release("AR", "", false, None);
    assert_eq!(v.heading(), "Your signature");
    v.check(None);
    // A typed name without "this is my signature" is refused, and the page says so.
    v.fill("Full name", "Ana Reyes");
    v.next();
    let text = v.browser.text().unwrap();
    assert!(text.contains("There is a problem"), "{text}");
    v.check(None);
    v.fill("Full name", "Ana Reyes");
    v.choose_in("", "This typed name is my signature");
    v.next();
    assert_eq!(v.heading(), "Check your answers");
    v.check(None);
    v.click("Sign and send");
    v.browser
        .wait_for_text("Thank you, Ana", Duration::from_secs(5))
        .unwrap();
    v.check(None);
    let list = v.releases();
    assert_eq!(list.len(), 1);
    let text = pdf_text(dir, list[0]["id"].as_str().unwrap());
    assert!(text.contains("Signed by Ana Reyes"), "{text}");

    // A page whose token was changed is refused with a page of its own.
    v.browser.goto(&format!("{}/sign", v.store.url)).unwrap();
    v.browser
        .eval(
            "document.querySelectorAll('input[name=csrf]').forEach((i) => { i.value = 'forged'; });",
            vec![],
        )
        .unwrap();
    v.click("Next");
    assert_eq!(v.heading(), "This form could not be used");
    v.check(None);
    assert_eq!(v.releases().len(), 1, "the refusal stored nothing");
}
