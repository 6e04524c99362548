//! Every route of the store against every kind of caller, over real HTTPS on loopback:
//! the expected answer comes from the permission rules as the studio documents them,
//! written here independently of the server's own table.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

const PIN: &str = "246810";

/// The routes as this test knows them: (method, path, what it needs).
const ROUTES: &[(&str, &str, Need)] = &[
    ("GET", "/v1/health", Need::Public),
    ("GET", "/openapi.json", Need::Public),
    ("POST", "/v1/pair", Need::Public),
    ("POST", "/v1/sessions", Need::Public),
    ("GET", "/sign", Need::Public),
    ("POST", "/sign", Need::Public),
    ("GET", "/sign/style.css", Need::Public),
    ("GET", "/sign/pad.js", Need::Public),
    ("GET", "/sign/v/{token}", Need::Public),
    ("POST", "/v1/web-sign/links", Need::P("invite:customer")),
    ("GET", "/v1/web-sign/links", Need::P("invite:customer")),
    (
        "DELETE",
        "/v1/web-sign/links/{id}",
        Need::P("invite:customer"),
    ),
    // The session revoked is another owner session: only manage:users ends another's.
    ("GET", "/v1/sessions", Need::P("manage:users")),
    ("DELETE", "/v1/sessions/{id}", Need::P("manage:users")),
    ("POST", "/v1/sync/push", Need::Device),
    ("POST", "/v1/sync/pull", Need::Device),
    ("POST", "/v1/sync/check", Need::Device),
    ("POST", "/v1/kiosk/exit", Need::Kiosk),
    ("GET", "/v1/customers", Need::P("read:customer")),
    ("POST", "/v1/customers", Need::P("write:customer")),
    ("GET", "/v1/customers/{id}", Need::P("read:customer")),
    ("PATCH", "/v1/customers/{id}", Need::P("write:customer")),
    (
        "POST",
        "/v1/customers/{id}/notes",
        Need::P("write:customer"),
    ),
    (
        "POST",
        "/v1/customers/{id}/flags",
        Need::P("write:customer"),
    ),
    (
        "PUT",
        "/v1/customers/{id}/contacts/{kind}",
        Need::P("write:customer"),
    ),
    (
        "POST",
        "/v1/customers/{id}/services",
        Need::P("write:customer"),
    ),
    (
        "POST",
        "/v1/customers/{id}/medical",
        Need::P("medical:customer"),
    ),
    ("POST", "/v1/imports", Need::P("import:customer")),
    ("GET", "/v1/exports", Need::P("export:customer")),
    ("GET", "/v1/duplicates", Need::P("read:customer")),
    ("POST", "/v1/not-duplicates", Need::P("merge:customer")),
    ("GET", "/v1/devices", Need::P("manage:devices")),
    ("POST", "/v1/devices", Need::P("manage:devices")),
    ("DELETE", "/v1/devices/{name}", Need::P("manage:devices")),
    ("POST", "/v1/merges", Need::P("merge:customer")),
];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Need {
    Public,
    Device,
    /// A paired lobby kiosk (its staff exit), no other device and no person.
    Kiosk,
    P(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Caller {
    Nobody,
    BadToken,
    Staff(&'static str),
    Kiosk,
    Counter,
    CounterMedical,
    RevokedKiosk,
}

const CALLERS: [Caller; 10] = [
    Caller::Nobody,
    Caller::BadToken,
    Caller::Staff("owner"),
    Caller::Staff("manager"),
    Caller::Staff("artist"),
    Caller::Staff("front-desk"),
    Caller::Kiosk,
    Caller::Counter,
    Caller::CounterMedical,
    Caller::RevokedKiosk,
];

/// What each staff role holds, as the studio's documents describe the roles.
fn staff_may(role: &str, p: &str) -> bool {
    match role {
        "owner" => true,
        "manager" => p != "manage:users",
        "artist" => ["read:customer", "write:customer", "medical:customer"].contains(&p),
        "front-desk" => ["read:customer", "write:customer"].contains(&p),
        _ => false,
    }
}

/// Whether the caller gets past the permission check: `None` for "401", `Some(false)` for
/// "403", `Some(true)` for neither.
fn expected(need: Need, caller: Caller) -> Option<bool> {
    let signed_in = !matches!(
        caller,
        Caller::Nobody | Caller::BadToken | Caller::RevokedKiosk
    );
    match need {
        Need::Public => Some(true),
        _ if !signed_in => None,
        Need::Device => Some(!matches!(caller, Caller::Staff(_))),
        Need::Kiosk => Some(caller == Caller::Kiosk),
        Need::P(p) => Some(match caller {
            Caller::Staff(role) => staff_may(role, p),
            // A lobby kiosk reaches push and pull and nothing else.
            Caller::Kiosk => false,
            Caller::Counter => ["read:customer", "write:customer"].contains(&p),
            Caller::CounterMedical => {
                ["read:customer", "write:customer", "medical:customer"].contains(&p)
            }
            _ => unreachable!(),
        }),
    }
}

struct Store {
    child: Child,
    url: String,
}

impl Drop for Store {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn agent(dir: &Path, user: Option<&str>, args: &[&str]) -> String {
    intake_tests::cluster::mark_store(dir);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_intake-agent"));
    cmd.arg("--data-dir")
        .arg(dir)
        .envs(intake_tests::cluster::database_env(dir))
        .args(args)
        .env("INTAKE_PIN", PIN)
        .env("INTAKE_NEW_PIN", PIN)
        .env_remove("INTAKE_USER");
    if let Some(u) = user {
        cmd.arg("--user").arg(u);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn start(dir: &Path) -> Store {
    let mut child = Command::new(env!("CARGO_BIN_EXE_intake-agent"))
        .arg("--data-dir")
        .arg(dir)
        .envs(intake_tests::cluster::database_env(dir))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let url = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_string();
    Store { child, url }
}

fn client(dir: &Path) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let pem = std::fs::read(dir.join("store-cert.pem")).unwrap();
    reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&pem).unwrap()])
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_every_caller_as_the_permissions_say() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    agent(&dir, None, &["user", "add", "olive", "--role", "owner"]);
    for (name, role) in [("mia", "manager"), ("art", "artist"), ("fay", "front-desk")] {
        agent(&dir, Some("olive"), &["user", "add", name, "--role", role]);
    }
    let add = |name: &str, role: &str, medical: bool| -> String {
        let mut args = vec!["device", "add", name, "--role", role, "--json"];
        if medical {
            args.push("--medical");
        }
        let v: Value = serde_json::from_str(&agent(&dir, Some("olive"), &args)).unwrap();
        v["code"].as_str().unwrap().to_string()
    };
    let codes = [
        add("lobby", "kiosk", false),
        add("desk", "counter", false),
        add("desk-med", "counter", true),
        add("lost", "kiosk", false),
    ];
    add("spare", "kiosk", false);
    let a = json_id(&agent(
        &dir,
        Some("olive"),
        &[
            "customer",
            "add",
            "--json",
            "--set",
            "FirstName=Ann",
            "--set",
            "LastName=Moss",
            "--set",
            "Birthdate=1990-04-02",
        ],
    ));
    let b = json_id(&agent(
        &dir,
        Some("olive"),
        &[
            "customer",
            "add",
            "--json",
            "--set",
            "FirstName=Annie",
            "--set",
            "LastName=Moss",
            "--set",
            "Birthdate=1990-04-02",
        ],
    ));

    let store = start(&dir);
    let http = client(&dir);
    let post =
        |path: &str, body: Value| http.post(format!("{}{path}", store.url)).json(&body).send();
    let mut tokens = Vec::new();
    for code in &codes {
        let v: Value = post("/v1/pair", json!({ "code": code }))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        tokens.push(v["token"].as_str().unwrap().to_string());
    }
    agent(&dir, Some("olive"), &["device", "revoke", "lost"]);
    let mut sessions = std::collections::HashMap::new();
    for (user, role) in [
        ("olive", "owner"),
        ("mia", "manager"),
        ("art", "artist"),
        ("fay", "front-desk"),
    ] {
        let v: Value = post("/v1/sessions", json!({ "user": user, "pin": PIN }))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        sessions.insert(role, v["token"].as_str().unwrap().to_string());
    }
    let spare: Value = post("/v1/sessions", json!({ "user": "olive", "pin": PIN }))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let spare_session = spare["session"].as_str().unwrap().to_string();
    let token = |c: Caller| -> Option<String> {
        match c {
            Caller::Nobody => None,
            Caller::BadToken => Some("ik_not-a-token".into()),
            Caller::Staff(role) => Some(sessions[role].clone()),
            Caller::Kiosk => Some(tokens[0].clone()),
            Caller::Counter => Some(tokens[1].clone()),
            Caller::CounterMedical => Some(tokens[2].clone()),
            Caller::RevokedKiosk => Some(tokens[3].clone()),
        }
    };

    // The server describes exactly these routes.
    let doc: Value = http
        .get(format!("{}/openapi.json", store.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut described: Vec<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect();
    let mut known: Vec<(String, String)> = ROUTES
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    described.sort();
    known.sort();
    assert_eq!(
        described, known,
        "a route without a test, or a test without a route"
    );

    let mut failures = Vec::new();
    let mut n = 0;
    for (method, path, need) in ROUTES {
        for caller in CALLERS {
            n += 1;
            let id = if path.starts_with("/v1/sessions/") {
                &spare_session
            } else {
                &a
            };
            let url = format!(
                "{}{}",
                store.url,
                path.replace("{id}", id)
                    .replace("{kind}", "emergency")
                    .replace("{name}", "spare")
                    .replace("{token}", "not-a-link")
            );
            let body = match *path {
                "/v1/pair" => json!({ "code": "NOPE-NOPE-NOPE" }),
                "/v1/sessions" => json!({ "user": "olive", "pin": "0000" }),
                "/v1/sync/push" => json!({ "protocol": 1, "mutations": [] }),
                "/v1/sync/pull" => json!({ "protocol": 1, "cursor": 0, "limit": 10 }),
                "/v1/sync/check" => json!({ "protocol": 1, "cursor": 0 }),
                "/v1/kiosk/exit" => json!({ "pin": "0000" }),
                "/v1/customers" => json!({ "fields": { "FirstName": format!("Walk-in {n}") } }),
                "/v1/customers/{id}" => json!({ "fields": { "City": "Austin" } }),
                "/v1/customers/{id}/notes" => json!({ "body": "checked ID" }),
                "/v1/customers/{id}/flags" => json!({ "kind": "vip" }),
                "/v1/customers/{id}/contacts/{kind}" => json!({ "name": "Sam Moss" }),
                "/v1/customers/{id}/services" => json!({ "description": "consult" }),
                "/v1/customers/{id}/medical" => json!({ "kind": "allergy", "name": "Latex" }),
                "/v1/not-duplicates" => json!({ "a": a, "b": b }),
                "/v1/devices" => json!({ "name": format!("extra-{n}"), "role": "kiosk" }),
                "/v1/merges" => json!({ "target": a, "duplicates": [b] }),
                "/v1/web-sign/links" => json!({ "customer": a }),
                _ => Value::Null,
            };
            let url = match (*method, *path) {
                ("GET", "/v1/customers") => format!("{url}?q=Moss"),
                (_, "/v1/imports") => format!("{url}?format=studio"),
                _ => url,
            };
            let mut req = http.request(method.parse().unwrap(), &url);
            if *path == "/v1/imports" {
                req = req.body(format!(
                    "FirstName,LastName,PhoneNumber,Birthdate\nImported{n},Row,,\n"
                ));
            } else if !body.is_null() {
                req = req.json(&body);
            }
            if let Some(t) = token(caller) {
                req = req.bearer_auth(t);
            }
            let status = req.send().await.unwrap().status().as_u16();
            let ok = match (*path, expected(*need, caller)) {
                // A bad code or PIN is refused whoever asks: the caller's token plays no part.
                // (Repeated wrong PINs for one name, or wrong codes from one address, lock: 429.)
                ("/v1/pair", _) if *method == "POST" => status == 401 || status == 429,
                ("/v1/sessions", _) if *method == "POST" => status == 401 || status == 429,
                // The kiosk gets past the check, and its wrong PIN is refused (then locked).
                ("/v1/kiosk/exit", Some(true)) => status == 401 || status == 429,
                (_, None) => status == 401,
                (_, Some(false)) => status == 403,
                (_, Some(true)) => status != 401 && status != 403 && status < 500,
            };
            if !ok {
                failures.push(format!(
                    "{method} {path} as {caller:?}: {status} (expected {:?})",
                    expected(*need, caller)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {n} answers were wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(n, ROUTES.len() * CALLERS.len());

    // Every method a path does not take (HEAD on a GET route included) is refused with 405
    // and the methods it does take, whoever asks, before any handler; an unknown path is 404.
    let mut refused = 0;
    let mut paths: Vec<&str> = ROUTES.iter().map(|(_, p, _)| *p).collect();
    paths.sort();
    paths.dedup();
    for path in paths {
        let takes: Vec<&str> = ROUTES
            .iter()
            .filter(|(_, p, _)| *p == path)
            .map(|(m, _, _)| *m)
            .collect();
        let url = format!(
            "{}{}",
            store.url,
            path.replace("{id}", &a)
                .replace("{kind}", "emergency")
                .replace("{name}", "spare")
                .replace("{token}", "not-a-link")
        );
        for method in [
            "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND",
        ] {
            if takes.contains(&method) {
                continue;
            }
            for caller in CALLERS {
                let mut req = http.request(
                    reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                    &url,
                );
                if let Some(t) = token(caller) {
                    req = req.bearer_auth(t);
                }
                let resp = req.send().await.unwrap();
                let allow = resp
                    .headers()
                    .get("allow")
                    .map(|v| v.to_str().unwrap().to_string());
                let mut allowed: Vec<&str> = allow.iter().flat_map(|a| a.split(", ")).collect();
                allowed.sort();
                let mut expected = takes.clone();
                expected.sort();
                refused += 1;
                if resp.status() != 405 || allowed != expected {
                    failures.push(format!(
                        "{method} {path} as {caller:?}: {} allow {allow:?}",
                        resp.status()
                    ));
                }
            }
        }
    }
    for path in [
        "/v1/nothing",
        "/v1/health/",
        "/v1/customers//notes",
        "/v1/customers/x/y/z",
    ] {
        for method in ["GET", "HEAD", "POST", "OPTIONS"] {
            for caller in CALLERS {
                let mut req = http.request(
                    reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                    format!("{}{path}", store.url),
                );
                if let Some(t) = token(caller) {
                    req = req.bearer_auth(t);
                }
                let status = req.send().await.unwrap().status();
                refused += 1;
                if status != 404 {
                    failures.push(format!("{method} {path} as {caller:?}: {status}"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {refused} refusals were wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn json_id(out: &str) -> String {
    let v: Value = serde_json::from_str(out).unwrap();
    v["id"].as_str().unwrap().to_string()
}
