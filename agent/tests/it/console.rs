//! The staff console over real HTTPS against a real store process, as a browser and as an
//! attacker meet it: every page refused without a session (a forged cookie, a bearer token,
//! another role), every form refused without its token or from another origin, sign-in
//! throttled, sign-out and a PIN change ending the session; then the customer list (search,
//! sort, paging, columns per user) and a customer's page, form and deletion.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use intake_tests::console::{Answer, COOKIE_NAME, Console};
use serde_json::Value;
use std::path::Path;

use intake_tests::cluster::agent_with;

use crate::support::{OWNER, PIN, Store, add_owner, client, sign_in};

mod customers;

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
    ("GET", "/console/customers/{id}/erase", "legal:customer"),
    ("POST", "/console/customers/{id}/erase", "legal:customer"),
    ("POST", "/console/customers/{id}/notes", "write:customer"),
    ("POST", "/console/customers/{id}/flags", "write:customer"),
    (
        "GET",
        "/console/customers/{id}/releases/{file}",
        "medical:customer",
    ),
    (
        "GET",
        "/console/customers/{id}/restricted/{file}",
        "legal:customer",
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

    // Signing in again ends the session the browser held before: no session stays open
    // that no browser holds.
    let mut again = Console::new(dir, &store.url);
    assert_eq!(again.sign_in(OWNER, PIN).await.status, 303);
    let first = again.cookie.clone();
    assert_eq!(again.sign_in(OWNER, PIN).await.status, 303);
    assert_ne!(again.cookie, first);
    let earlier = again.with_cookie(first.as_deref());
    assert_eq!(earlier.get("/console/customers").await.status, 303);
    assert_eq!(again.get("/console/customers").await.status, 200);

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
