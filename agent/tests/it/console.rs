//! The staff console over real HTTPS against a real store process, as a browser and as an
//! attacker meet it: every page refused without a session (a forged cookie, a bearer token,
//! another role), every form refused without its token or from another origin, sign-in
//! throttled, sign-out and a PIN change ending the session; then the customer list (search,
//! sort, paging, columns per user) and a customer's page, form and deletion.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::path::Path;
use std::time::Duration;

use intake_tests::console::{Answer, COOKIE_NAME, Console};
use intake_tests::receiver::Receiver;
use serde_json::{Value, json};

use intake_tests::cluster::agent_with;

use crate::support::{OWNER, PIN, Store, add_owner, agent, client, sign_in};

/// The console's pages as this test knows them: (method, path, what each needs).
pub(crate) const PAGES: &[(&str, &str, &str)] = &[
    ("GET", "/console", "staff"),
    ("GET", "/console/style.css", "public"),
    ("GET", "/console/sign-in", "public"),
    ("POST", "/console/sign-in", "public"),
    ("POST", "/console/sign-out", "staff"),
    ("GET", "/console/language", "public"),
    ("GET", "/console/customers", "read:customer"),
    ("POST", "/console/customers", "write:customer"),
    ("GET", "/console/customers/new", "write:customer"),
    ("POST", "/console/customers/columns", "read:customer"),
    ("GET", "/console/customers/{id}", "read:customer"),
    ("POST", "/console/customers/{id}", "write:customer"),
    ("GET", "/console/customers/{id}/edit", "write:customer"),
    ("GET", "/console/customers/{id}/delete", "merge:customer"),
    ("POST", "/console/customers/{id}/delete", "merge:customer"),
    ("POST", "/console/customers/{id}/notes", "write:customer"),
    ("POST", "/console/customers/{id}/flags", "write:customer"),
    (
        "GET",
        "/console/customers/{id}/releases/{file}",
        "medical:customer",
    ),
    ("GET", "/console/import", "import:customer"),
    ("POST", "/console/import", "import:customer"),
    ("GET", "/console/import/{id}", "import:customer"),
    ("POST", "/console/import/{id}/check", "import:customer"),
    ("POST", "/console/import/{id}/run", "import:customer"),
    ("POST", "/console/import/{id}/discard", "import:customer"),
    ("GET", "/console/import/{id}/report.csv", "import:customer"),
    ("GET", "/console/duplicates", "read:customer"),
    ("POST", "/console/duplicates/merge", "merge:customer"),
    (
        "POST",
        "/console/duplicates/not-duplicate",
        "merge:customer",
    ),
    ("GET", "/console/export", "export:customer"),
    ("POST", "/console/export", "export:customer"),
    ("GET", "/console/webhooks", "manage:webhooks"),
    ("POST", "/console/webhooks", "manage:webhooks"),
    ("GET", "/console/webhooks/new", "manage:webhooks"),
    ("GET", "/console/webhooks/{id}", "manage:webhooks"),
    ("POST", "/console/webhooks/{id}/enable", "manage:webhooks"),
    ("POST", "/console/webhooks/{id}/disable", "manage:webhooks"),
    ("POST", "/console/webhooks/{id}/test", "manage:webhooks"),
    (
        "POST",
        "/console/webhooks/{id}/rotate-secret",
        "manage:webhooks",
    ),
    ("POST", "/console/webhooks/{id}/recover", "manage:webhooks"),
    (
        "POST",
        "/console/webhooks/{id}/deliveries/{message}/replay",
        "manage:webhooks",
    ),
    ("GET", "/console/staff", "manage:users"),
    ("POST", "/console/staff", "manage:users"),
    ("GET", "/console/staff/{id}", "manage:users"),
    ("POST", "/console/staff/{id}/pin", "manage:users"),
    ("POST", "/console/staff/{id}/role", "manage:users"),
    ("POST", "/console/staff/{id}/disable", "manage:users"),
    ("POST", "/console/staff/{id}/enable", "manage:users"),
    (
        "POST",
        "/console/staff/{id}/sessions/revoke",
        "manage:users",
    ),
    ("GET", "/console/devices", "manage:devices"),
    ("POST", "/console/devices", "manage:devices"),
    ("GET", "/console/devices/{id}/exit-code", "manage:devices"),
    ("POST", "/console/devices/{id}/exit-code", "manage:devices"),
    ("GET", "/console/devices/{id}/revoke", "manage:devices"),
    ("POST", "/console/devices/{id}/revoke", "manage:devices"),
    ("GET", "/console/audit", "manage:users"),
    ("GET", "/console/settings", "manage:settings"),
    ("POST", "/console/settings/shop", "manage:settings"),
    ("POST", "/console/settings/logo", "manage:settings"),
    ("POST", "/console/settings/template", "manage:settings"),
    ("POST", "/console/settings/questions", "manage:settings"),
    ("GET", "/console/settings/sample.pdf", "manage:settings"),
];

/// What each staff role holds, as the studio documents it.
fn holds(role: &str, needs: &str) -> bool {
    let front_desk = ["read:customer", "write:customer"];
    match role {
        _ if needs == "staff" => true,
        "owner" => true,
        "artist" => front_desk.contains(&needs) || needs == "medical:customer",
        "front-desk" => front_desk.contains(&needs),
        _ => false,
    }
}

pub(crate) fn add_user(dir: &Path, name: &str, role: &str, pin: &str) {
    agent_with(
        dir,
        &["user", "add", name, "--role", role],
        &[
            ("INTAKE_NEW_PIN", pin),
            ("INTAKE_PIN", PIN),
            ("INTAKE_USER", OWNER),
        ],
    );
}

/// A store with its owner, an artist (ari) and a front-desk user (fran).
fn shop(dir: &Path) -> Store {
    add_owner(dir);
    add_user(dir, "ari", "artist", "135790");
    add_user(dir, "fran", "front-desk", "975310");
    Store::start(dir, &[])
}

pub(crate) async fn signed_in(dir: &Path, store: &Store, user: &str, pin: &str) -> Console {
    let mut c = Console::new(dir, &store.url);
    let a = c.sign_in(user, pin).await;
    assert_eq!(a.status, 303, "{user} signs in: {}", a.body);
    assert!(c.cookie.is_some());
    c
}

/// Adds a customer through the console's form; returns its id.
pub(crate) async fn add_customer(c: &Console, fields: &[(&str, &str)]) -> String {
    let a = c.post("/console/customers", fields).await;
    assert_eq!(a.status, 303, "{}", a.body);
    a.location()
        .unwrap()
        .strip_prefix("/console/customers/")
        .unwrap()
        .to_string()
}

pub(crate) fn is_page(a: &Answer) -> bool {
    a.headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_page_opens_without_a_session_of_a_role_that_may_open_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let store = shop(dir);

    // The store lists its console pages apart from the API; this test's list is the same.
    let doc: Value = client(dir)
        .get(format!("{}/openapi.json", store.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut listed: Vec<(String, String, String)> = doc["x-console"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["method"].as_str().unwrap().to_string(),
                p["path"].as_str().unwrap().to_string(),
                p["needs"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut known: Vec<(String, String, String)> = PAGES
        .iter()
        .map(|(m, p, n)| (m.to_string(), p.to_string(), n.to_string()))
        .collect();
    listed.sort();
    known.sort();
    assert_eq!(
        listed, known,
        "a console page without a test, or a test without a page"
    );
    assert!(
        !doc["paths"]
            .as_object()
            .unwrap()
            .keys()
            .any(|p| p.starts_with("/console")),
        "the console is not part of the API's paths"
    );

    let owner = signed_in(dir, &store, OWNER, PIN).await;
    let id = add_customer(&owner, &[("FirstName", "Ada"), ("LastName", "Moss")]).await;
    let http = client(dir);
    let (token, _) = sign_in(&http, &store.url, OWNER, PIN).await;
    let anonymous = Console::new(dir, &store.url);
    let forged = anonymous.with_cookie(Some(&format!("is_{}", "A".repeat(43))));
    let garbage = anonymous.with_cookie(Some("../../etc/passwd"));
    let fran = signed_in(dir, &store, "fran", "975310").await;
    let ari = signed_in(dir, &store, "ari", "135790").await;

    let mut failures = Vec::new();
    for (method, path, needs) in PAGES.iter().filter(|(_, _, n)| *n != "public") {
        let path = path
            .replace("{id}", &id)
            .replace("{file}", "0190a0a0-0000-7000-8000-000000000000.pdf")
            .replace("{message}", "msg_0190a0a000007000800000000000000");
        // No session, a forged one, a malformed one: GET goes to sign-in, POST is refused.
        for (who, c) in [
            ("nobody", &anonymous),
            ("forged", &forged),
            ("garbage", &garbage),
        ] {
            let a = if *method == "GET" {
                c.get(&path).await
            } else {
                c.post(&path, &[("csrf", "x")]).await
            };
            let ok = match *method {
                "GET" => {
                    a.status == 303
                        && a.location()
                            .is_some_and(|l| l.starts_with("/console/sign-in?next=%2Fconsole"))
                }
                _ => a.status == 401 && is_page(&a),
            };
            if !ok {
                failures.push(format!(
                    "{method} {path} as {who}: {} {:?}",
                    a.status,
                    a.location()
                ));
            }
        }
        // An API session's bearer token opens no page: the console reads its cookie only.
        let bearer = format!("Bearer {token}");
        let a = anonymous
            .request(
                method,
                &path,
                &[("authorization", &bearer), ("origin", &store.url)],
            )
            .await;
        if ![303, 401].contains(&a.status)
            || a.location()
                .is_some_and(|l| !l.starts_with("/console/sign-in"))
        {
            failures.push(format!("{method} {path} with a bearer token: {}", a.status));
        }
        // Each role: 403 (a page saying so) exactly where it lacks the permission. (Signing
        // out is every staff member's, and tried in another test.)
        let roles = if path == "/console/sign-out" {
            vec![]
        } else {
            vec![("front-desk", &fran), ("artist", &ari)]
        };
        for (role, c) in roles {
            let a = if *method == "GET" {
                c.get(&path).await
            } else {
                c.post(&path, &[]).await
            };
            let refused = a.status == 403 && is_page(&a);
            if refused == holds(role, needs) {
                failures.push(format!("{method} {path} as {role}: {}", a.status));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // Nothing links to what a role cannot open.
    let page = fran.get(&format!("/console/customers/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&format!("/console/customers/{id}/edit")));
    assert!(!page.body.contains("/delete"), "front desk sees no Delete");
    let page = owner.get(&format!("/console/customers/{id}")).await;
    assert!(
        page.body
            .contains(&format!("/console/customers/{id}/delete"))
    );

    // A path the console does not have is a page too; a method it does not take is 405.
    let a = owner.get("/console/nothing-here").await;
    assert_eq!(a.status, 404);
    assert!(is_page(&a));
    let a = owner.post("/console/customers/new", &[]).await;
    assert_eq!(a.status, 405);
    // Every page carries the console's strict headers and is never cached.
    for a in [
        owner.get("/console/customers").await,
        anonymous.get("/console/sign-in").await,
    ] {
        let h = |n: &str| a.headers.get(n).unwrap().to_str().unwrap().to_string();
        assert!(h("content-security-policy").contains("default-src 'none'"));
        assert!(h("content-security-policy").contains("frame-ancestors 'none'"));
        assert_eq!(h("cache-control"), "no-store");
        assert_eq!(h("x-frame-options"), "DENY");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_is_refused_without_its_token_from_another_origin_or_too_large() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let store = shop(dir);
    let owner = signed_in(dir, &store, OWNER, PIN).await;
    let id = add_customer(&owner, &[("FirstName", "Ada"), ("City", "Austin")]).await;
    let path = format!("/console/customers/{id}");
    let csrf = owner.csrf().await;
    let other = signed_in(dir, &store, OWNER, PIN).await;
    let others_csrf = other.csrf().await;
    assert_ne!(
        csrf, others_csrf,
        "each session's forms carry their own token"
    );
    let change = |csrf: &str| {
        form_urlencoded::Serializer::new(String::new())
            .append_pair("FirstName", "Ada")
            .append_pair("City", "Hacked")
            .append_pair("csrf", csrf)
            .finish()
    };
    let url = store.url.clone();
    let plain = url.replace("https", "http");
    let cases: Vec<(&str, String, Option<&str>, u16)> = vec![
        (
            "no token",
            change("").replace("&csrf=", ""),
            Some(&url),
            403,
        ),
        ("a forged token", change(&"A".repeat(43)), Some(&url), 403),
        (
            "another session's token",
            change(&others_csrf),
            Some(&url),
            403,
        ),
        (
            "another origin",
            change(&csrf),
            Some("https://evil.example"),
            403,
        ),
        ("plain http origin", change(&csrf), Some(&plain), 403),
        ("no origin", change(&csrf), None, 403),
    ];
    for (what, body, origin, status) in cases {
        let a = owner.post_raw(&path, body, origin).await;
        assert_eq!(a.status, status, "{what}: {}", a.body);
        assert!(is_page(&a), "{what}");
    }
    // Too large for the route (64 KiB for a customer's form): refused before it is read.
    let big = format!("{}&Notes={}", change(&csrf), "x".repeat(70 << 10));
    let a = owner.post_raw(&path, big, Some(&url)).await;
    assert_eq!(a.status, 413);
    assert!(is_page(&a));
    // More fields than any page sends.
    let many = format!("{}{}", change(&csrf), "&x=1".repeat(500));
    let a = owner.post_raw(&path, many, Some(&url)).await;
    assert_eq!(a.status, 400);
    // Not a form.
    let a = owner
        .post_raw(&path, "{\"City\":\"Json\"}".into(), Some(&url))
        .await;
    assert_eq!(a.status, 403, "a body without the token is refused first");
    let page = owner.get(&path).await;
    assert!(page.body.contains("Austin") && !page.body.contains("Hacked"));
    // With its token, from the store itself: changed.
    let a = owner.post_raw(&path, change(&csrf), Some(&url)).await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert!(owner.get(&path).await.body.contains("Hacked"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_is_throttled_and_sign_out_or_a_new_pin_ends_the_session() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let store = shop(dir);
    let mut c = Console::new(dir, &store.url);

    // The sign-in page keeps only a console path to go on to.
    let page = c
        .get("/console/sign-in?next=%2F%2Fevil.example%2Fconsole")
        .await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("name=\"next\" value=\"/console/customers\"")
    );
    let a = c
        .post(
            "/console/sign-in",
            &[
                ("user", OWNER),
                ("pin", PIN),
                ("next", "https://evil.example/"),
            ],
        )
        .await;
    assert_eq!(a.location(), Some("/console/customers"));
    let set = a.headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(set.starts_with(&format!("{COOKIE_NAME}=is_")), "{set}");
    for part in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set.contains(part), "{set} lacks {part}");
    }
    let a = c
        .post(
            "/console/sign-in",
            &[
                ("user", OWNER),
                ("pin", PIN),
                ("next", "/console/customers?q=moss"),
            ],
        )
        .await;
    assert_eq!(a.location(), Some("/console/customers?q=moss"));

    // A wrong PIN: the page again, saying so, and no cookie.
    let a = c.sign_in("fran", "000000").await;
    assert_eq!(a.status, 401);
    assert!(a.body.contains("That name and PIN do not match"));
    assert!(a.headers.get("set-cookie").is_none());
    assert!(c.cookie.is_none());
    // Five wrong PINs lock the name: even the right PIN is refused, with how long to wait.
    for _ in 0..4 {
        c.sign_in("fran", "000000").await;
    }
    let a = c.sign_in("fran", "975310").await;
    assert_eq!(a.status, 429, "{}", a.body);
    assert!(a.headers.get("retry-after").is_some());
    assert!(a.body.contains("locked"), "{}", a.body);
    // An over-long name is a plain refusal, not an error.
    let a = c.sign_in(&"x".repeat(5000), PIN).await;
    assert!([401, 413].contains(&a.status), "{}", a.status);

    // Sign-out ends the session: the cookie opens nothing afterwards.
    let owner = signed_in(dir, &store, OWNER, PIN).await;
    let a = owner.post("/console/sign-out", &[]).await;
    assert_eq!(a.status, 303);
    assert_eq!(a.location(), Some("/console/sign-in"));
    let cleared = a.headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    let a = owner.get("/console/customers").await;
    assert_eq!(a.status, 303, "the old cookie no longer opens a page");

    // A new PIN ends every session that began before it.
    let ari = signed_in(dir, &store, "ari", "135790").await;
    assert_eq!(ari.get("/console/customers").await.status, 200);
    agent_with(
        dir,
        &["user", "set-pin", "ari"],
        &[
            ("INTAKE_NEW_PIN", "864200"),
            ("INTAKE_PIN", PIN),
            ("INTAKE_USER", OWNER),
        ],
    );
    assert_eq!(ari.get("/console/customers").await.status, 303);
    signed_in(dir, &store, "ari", "864200").await;

    // The language chosen is kept by the browser; only the console's paths are gone back to.
    let a = c
        .get("/console/language?to=es&next=%2Fconsole%2Fsign-in%3Fnext%3D%252Fconsole")
        .await;
    assert_eq!(a.location(), Some("/console/sign-in?next=%2Fconsole"));
    let lang = a.headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(lang.starts_with("__Host-intake-console-lang=es"), "{lang}");
    let a = c
        .get("/console/language?to=es&next=https%3A%2F%2Fevil.example")
        .await;
    assert_eq!(a.location(), Some("/console/customers"));
}

/// The names, in order, of the rows of a list page.
fn names(page: &str) -> Vec<String> {
    page.split("<th scope=\"row\"><a href=\"/console/customers/")
        .skip(1)
        .map(|row| {
            let name = row.split_once("\">").unwrap().1;
            name.split("</a>").next().unwrap().replace("&amp;", "&")
        })
        .collect()
}

fn next_link(page: &str) -> Option<String> {
    let at = page.find("rel=\"next\" href=\"")?;
    let rest = &page[at + 17..];
    Some(rest.split('"').next().unwrap().replace("&amp;", "&"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_searches_sorts_pages_and_shows_each_users_columns() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    add_owner(dir);
    add_user(dir, "fran", "front-desk", "975310");
    let sample = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/data/customers-rev23-sample.csv"
    );
    agent(dir, &["import", sample]);
    let store = Store::start(dir, &[]);
    let owner = signed_in(dir, &store, OWNER, PIN).await;
    add_customer(
        &owner,
        &[
            ("FirstName", "Lucía"),
            ("LastName", "Quiñones"),
            ("PhoneNumber", "+1 512 555 0199"),
        ],
    )
    .await;
    add_customer(&owner, &[("FirstName", "<script>alert(1)</script>")]).await;

    let first = owner.get("/console/customers").await;
    assert_eq!(first.status, 200);
    // The whole store is counted (the sample's rows that are one person twice were merged
    // by the import).
    let total: usize = first
        .body
        .split_once("class=\"count\">(")
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(n, _)| n.parse().unwrap())
        .unwrap();
    assert!(total > 300, "{total}");
    assert!(first.body.contains("&lt;script&gt;"), "names are escaped");
    assert!(!first.body.contains("<script>"));
    // Every customer once, over pages of 50, in name order.
    let mut all = Vec::new();
    let mut ids = Vec::new();
    let mut page = first.body.clone();
    let mut pages = 1;
    loop {
        let rows = names(&page);
        assert!(rows.len() <= 50);
        all.extend(rows);
        ids.extend(
            page.split("<th scope=\"row\"><a href=\"/console/customers/")
                .skip(1)
                .map(|r| r[..36].to_string()),
        );
        match next_link(&page) {
            Some(next) => {
                page = owner.get(&next).await.body;
                pages += 1;
            }
            None => break,
        }
    }
    assert_eq!(all.len(), total);
    assert_eq!(pages, total.div_ceil(50));
    let mut distinct = ids.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), total, "no customer twice across pages");
    let lasts: Vec<String> = all
        .iter()
        .filter_map(|n| {
            n.split_once(", ")
                .map(|(l, _)| intake_common::normalize::search_key(l))
        })
        .collect();
    assert!(
        lasts.windows(2).all(|w| w[0] <= w[1]),
        "sorted by last name, case and accents ignored: {lasts:?}"
    );
    // Descending is the same list backwards.
    let desc = owner
        .get("/console/customers?sort=name&dir=desc")
        .await
        .body;
    assert_eq!(names(&desc)[..5], {
        let mut r = all.clone();
        r.reverse();
        r[..5].to_vec()
    });
    // Newest first: the two just added lead.
    let newest = owner
        .get("/console/customers?sort=added&dir=desc")
        .await
        .body;
    assert_eq!(names(&newest)[1], "Quiñones, Lucía");

    // Search ignores case and accents, and finds phone numbers by their digits.
    for q in ["quinones", "QUIÑONES", "lucia quin", "5550199"] {
        let found = owner
            .get(&format!(
                "/console/customers?q={}",
                form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
            ))
            .await;
        assert_eq!(names(&found.body), ["Quiñones, Lucía"], "{q}");
        assert!(
            !found.body.contains("class=\"count\""),
            "a search is not counted"
        );
    }
    let none = owner.get("/console/customers?q=zzzzqqq").await;
    assert!(none.body.contains("No customer matches"));
    // LIKE's own characters are text.
    let none = owner.get("/console/customers?q=%25").await;
    assert!(names(&none.body).is_empty());

    // What cannot be read is named.
    let a = owner.get("/console/customers?sort=shoe_size").await;
    assert_eq!(a.status, 400);
    assert!(a.body.contains("sort"));
    let a = owner.get("/console/customers?after=bm90LWEtY3Vyc29y").await;
    assert_eq!(a.status, 400);
    assert!(a.body.contains("after"));
    let a = owner
        .get(&format!("/console/customers?q={}", "a".repeat(300)))
        .await;
    assert_eq!(a.status, 400);

    // Columns are each user's own.
    let a = owner
        .post(
            "/console/customers/columns",
            &[
                ("column", "Company"),
                ("column", "MembershipNumber"),
                ("next", "/console/customers?sort=added"),
            ],
        )
        .await;
    assert_eq!(a.location(), Some("/console/customers?sort=added"));
    let mine = owner.get("/console/customers").await.body;
    assert!(mine.contains(">Membership number</th>"));
    assert!(!mine.contains(">E-mail</th>"));
    let fran = signed_in(dir, &store, "fran", "975310").await;
    let hers = fran.get("/console/customers").await.body;
    assert!(hers.contains(">E-mail</th>") && !hers.contains(">Membership number</th>"));
    let a = owner
        .post("/console/customers/columns", &[("column", "pin_hash")])
        .await;
    assert_eq!(a.status, 400);
    assert!(a.body.contains("pin_hash"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_is_added_changed_flagged_shown_by_role_and_deleted_once_confirmed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    add_owner(dir);
    add_user(dir, "ari", "artist", "135790");
    add_user(dir, "fran", "front-desk", "975310");
    let receiver = Receiver::start();
    let private = [("INTAKE_WEBHOOK_ALLOW_PRIVATE", "1")];
    let added = agent_with(dir, &["webhook", "add", &receiver.url, "--json"], &private);
    let added: Value = serde_json::from_str(&added).unwrap();
    receiver.trust(added["secret"].as_str().unwrap());
    let store = Store::start_with(dir, &[], &private);
    let owner = signed_in(dir, &store, OWNER, PIN).await;

    // A form with mistakes: each named beside its field, nothing stored.
    let a = owner
        .post(
            "/console/customers",
            &[
                ("FirstName", "Noor"),
                ("Email", "not-an-email"),
                ("Birthdate", "2099-01-01"),
                ("Status", "active"),
            ],
        )
        .await;
    assert_eq!(a.status, 422, "{}", a.body);
    assert!(a.body.contains("href=\"#f-Email\"") && a.body.contains("href=\"#f-Birthdate\""));
    assert!(a.body.contains("value=\"Noor\""), "what was typed stays");
    assert!(owner.get("/console/customers").await.body.contains("(0)"));
    let a = owner
        .post("/console/customers", &[("City", "Austin")])
        .await;
    assert_eq!(a.status, 422, "a customer needs a name, e-mail or phone");

    let id = add_customer(
        &owner,
        &[
            ("FirstName", "Noor"),
            ("LastName", "Haddad"),
            ("Email", "noor@example.com"),
            ("Status", "active"),
            ("OptIn", "yes"),
            ("MembershipNumber", "M-0042"),
            ("Company", "Haddad Design"),
        ],
    )
    .await;
    let path = format!("/console/customers/{id}");
    let page = owner.get(&path).await.body;
    for shown in ["Haddad, Noor", "M-0042", "Haddad Design", "Active"] {
        assert!(page.contains(shown), "{shown}");
    }
    // Changing one field keeps the others.
    let edit = owner.get(&format!("{path}/edit")).await.body;
    assert!(edit.contains("value=\"noor@example.com\""));
    let a = owner
        .post(
            &path,
            &[
                ("FirstName", "Noor"),
                ("LastName", "Haddad"),
                ("Email", "noor@example.com"),
                ("Status", "inactive"),
                ("OptIn", "yes"),
                ("MembershipNumber", "M-0042"),
                ("Company", "Haddad Design"),
                ("City", "Austin"),
            ],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    let page = owner.get(&path).await.body;
    assert!(page.contains("Inactive") && page.contains("Austin") && page.contains("M-0042"));
    let a = owner.post(&path, &[("Status", "maybe")]).await;
    assert_eq!(a.status, 422);

    // A flag and a note, with who and when.
    assert_eq!(
        owner
            .post(
                &format!("{path}/flags"),
                &[("kind", "allergy"), ("note", "latex gloves")]
            )
            .await
            .status,
        303
    );
    assert_eq!(
        owner
            .post(&format!("{path}/notes"), &[("body", "Prefers afternoons")])
            .await
            .status,
        303
    );
    assert_eq!(
        owner
            .post(&format!("{path}/notes"), &[("body", "  ")])
            .await
            .status,
        400
    );
    let page = owner.get(&path).await.body;
    assert!(page.contains("latex gloves") && page.contains("Prefers afternoons"));

    // Medical details: an artist sees them and the view is audited; front desk sees a count.
    let http = client(dir);
    let (token, _) = sign_in(&http, &store.url, OWNER, PIN).await;
    let resp = http
        .post(format!("{}/v1/customers/{id}/medical", store.url))
        .bearer_auth(&token)
        .json(&json!({ "kind": "allergy", "name": "Latex", "details": "hives" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let ari = signed_in(dir, &store, "ari", "135790").await;
    let page = ari.get(&path).await.body;
    assert!(page.contains("Latex") && page.contains("hives"));
    let audit: Value =
        serde_json::from_str(&agent(dir, &["audit", "--json", "--limit", "20"])).unwrap();
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "medical.view" && e["actor"] == "ari"),
        "{audit}"
    );
    let fran = signed_in(dir, &store, "fran", "975310").await;
    let page = fran.get(&path).await.body;
    assert!(!page.contains("Latex") && !page.contains("hives"));
    assert!(page.contains("1 medical record(s)"));
    // The history names who changed what, never the values.
    assert!(page.contains("History of changes"));
    assert!(
        page.contains("change.update: changed City, Status"),
        "{page}"
    );
    assert!(page.contains("change.flag: flagged allergy"));
    assert!(
        !page.contains("latex gloves</td>"),
        "values stay out of the history"
    );

    // A customer with a signed release is not deleted: the shop must keep the release.
    let settings = intake_common::settings::Settings::defaults();
    let signed = {
        let mut db = intake_common::Db::open_dir(dir).unwrap();
        let template =
            intake_common::release::register_template(&mut db, &settings.template).unwrap();
        let signature = intake_tests::registrations::signature_png(7);
        let reg = intake_tests::registrations::registration(&settings, 7, &signature);
        intake_common::release::submit(
            &mut db,
            &reg,
            &intake_common::release::Signing::new("lobby", &settings, &template),
        )
        .unwrap();
        let id: uuid::Uuid = db
            .conn()
            .query_row("SELECT customer_id FROM releases", [], |r| r.get(0))
            .unwrap();
        id
    };
    let signed_path = format!("/console/customers/{signed}");
    let a = owner
        .post(&format!("{signed_path}/delete"), &[("confirm", "yes")])
        .await;
    assert_eq!(a.status, 400, "{}", a.body);
    assert!(a.body.contains("signed release"), "{}", a.body);
    assert_eq!(owner.get(&signed_path).await.status, 200, "still on file");

    // Deleting takes the confirmation; then the customer is gone and webhooks hear of it.
    let a = owner.post(&format!("{path}/delete"), &[]).await;
    assert_eq!(a.status, 400);
    assert_eq!(owner.get(&path).await.status, 200);
    let a = owner
        .post(&format!("{path}/delete"), &[("confirm", "yes")])
        .await;
    assert_eq!(a.status, 303);
    assert_eq!(owner.get(&path).await.status, 404);
    let deleted = (0..100).find_map(|_| {
        let found = receiver
            .received()
            .iter()
            .any(|r| r.event() == "customer.deleted" && r.data_id() == id);
        if !found {
            std::thread::sleep(Duration::from_millis(100));
        }
        found.then_some(())
    });
    assert!(deleted.is_some(), "customer.deleted was announced");
}
