//! Every route of a real store process called over HTTPS, a success and an error each, and
//! every answer held against the schema the store's OpenAPI description declares for that
//! route and status (see `openapi::Api`). A route in the table that this test does not
//! call, or calls without seeing both a success and an error, fails it.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::collections::BTreeSet;
use std::sync::Mutex;

use serde_json::{Value, json};

use crate::openapi::{Api, Send, document};
use crate::support::{OWNER, PIN, Store, add_owner, agent, client};

fn j(v: Value) -> Send {
    Send::Json(v)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_as_the_document_says() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    add_owner(dir);
    let code = |name: &str, role: &str, extra: &[&str]| {
        let mut args = vec!["device", "add", name, "--role", role, "--json"];
        args.extend_from_slice(extra);
        let made: Value = serde_json::from_str(&agent(dir, &args)).unwrap();
        made["code"].as_str().unwrap().to_string()
    };
    let kiosk_code = code("lobby", "kiosk", &[]);
    let counter_code = code("desk", "counter", &["--medical"]);
    let store = Store::start(dir, &["--web-sign"]);
    let http = client(dir);
    let doc = document(&http, &store).await;
    let api = Api {
        http,
        url: store.url.clone(),
        doc,
        seen: Mutex::new(BTreeSet::new()),
    };
    let id = |v: &Value| v["id"].as_str().unwrap().to_string();
    let token = |v: &Value| v["token"].as_str().unwrap().to_string();

    // Public routes: pairing a kiosk and a counter (with medical details), signing in.
    let big = || Send::Bytes(5 << 10);
    api.expect_all(vec![
        (200, "GET /v1/health".into(), None, Send::None),
        (413, "GET /v1/health".into(), None, big()),
        (200, "GET /openapi.json".into(), None, Send::None),
        (413, "GET /openapi.json".into(), None, big()),
        (
            401,
            "POST /v1/pair".into(),
            None,
            j(json!({ "code": "AAAA-BBBB-CCCC" })),
        ),
        (
            401,
            "POST /v1/sessions".into(),
            None,
            j(json!({ "user": OWNER, "pin": "000000" })),
        ),
    ])
    .await;
    let kiosk = token(
        &api.expect(200, "POST /v1/pair", None, j(json!({ "code": kiosk_code })))
            .await,
    );
    let counter = token(
        &api.expect(
            200,
            "POST /v1/pair",
            None,
            j(json!({ "code": counter_code })),
        )
        .await,
    );
    let (kiosk, counter) = (Some(kiosk.as_str()), Some(counter.as_str()));
    let sign_in = || j(json!({ "user": OWNER, "pin": PIN }));
    let owner = token(&api.expect(200, "POST /v1/sessions", None, sign_in()).await);
    let owner = Some(owner.as_str());
    let spare = api.expect(200, "POST /v1/sessions", None, sign_in()).await;
    let spare = spare["session"].as_str().unwrap();

    // Customers: two who look like duplicates, and everything attached to the first.
    let fields = |first: &str| {
        j(
            json!({ "fields": { "FirstName": first, "LastName": "Moss", "Birthdate": "1990-04-02", "PhoneNumber": "5125550100" } }),
        )
    };
    let ann = id(&api
        .expect(201, "POST /v1/customers", owner, fields("Ann"))
        .await);
    let annie = id(&api
        .expect(201, "POST /v1/customers", owner, fields("Annie"))
        .await);
    let on = |rest: &str| format!("/v1/customers/{ann}{rest}");
    let unknown = "/v1/customers/01a2023a-7136-71a7-a493-450e20328c82";
    let contact = json!({ "name": "Sam Moss", "phone": "5125550101", "relation": "brother" });
    let backwards = json!({ "description": "x", "started_at": "2026-01-02T10:00:00Z", "ended_at": "2026-01-02T09:00:00Z" });
    let csv = "FirstName,LastName,PhoneNumber,Birthdate\nBea,Lind,5125550102,1985-07-09\n";
    api.expect_all(vec![
        (200, "GET /v1/sessions".into(), owner, Send::None),
        (401, "GET /v1/sessions".into(), None, Send::None),
        (
            200,
            format!("DELETE /v1/sessions/{spare}"),
            owner,
            Send::None,
        ),
        (400, "DELETE /v1/sessions/zz".into(), owner, Send::None),
        (
            400,
            "POST /v1/customers".into(),
            owner,
            j(json!({ "fields": {} })),
        ),
        (200, "GET /v1/customers?q=Moss".into(), owner, Send::None),
        (400, "GET /v1/customers".into(), owner, Send::None),
        (
            200,
            format!("PATCH {}", on("")),
            owner,
            j(json!({ "fields": { "Email": "ann@example.com", "Nickname": null } })),
        ),
        (
            400,
            format!("PATCH {}", on("")),
            owner,
            j(json!({ "fields": { "Shoe": "9" } })),
        ),
        (
            201,
            format!("POST {}", on("/notes")),
            owner,
            j(json!({ "body": "prefers mornings" })),
        ),
        (
            400,
            format!("POST {}", on("/notes")),
            owner,
            j(json!({ "body": " " })),
        ),
        (
            201,
            format!("POST {}", on("/flags")),
            owner,
            j(json!({ "kind": "no-show", "note": "twice" })),
        ),
        (
            404,
            format!("POST {unknown}/flags"),
            owner,
            j(json!({ "kind": "no-show" })),
        ),
        (
            200,
            format!("PUT {}", on("/contacts/emergency")),
            owner,
            j(contact.clone()),
        ),
        (
            400,
            format!("PUT {}", on("/contacts/friend")),
            owner,
            j(contact),
        ),
        (
            201,
            format!("POST {}", on("/services")),
            owner,
            j(json!({ "description": "fine line", "artist": "olive" })),
        ),
        (
            400,
            format!("POST {}", on("/services")),
            owner,
            j(backwards),
        ),
        (
            201,
            format!("POST {}", on("/medical")),
            owner,
            j(json!({ "kind": "allergy", "name": "latex", "details": "hives" })),
        ),
        (
            400,
            format!("POST {}", on("/medical")),
            owner,
            j(json!({ "kind": "mood", "name": "x" })),
        ),
        (404, format!("GET {unknown}"), owner, Send::None),
        (200, "POST /v1/imports".into(), owner, Send::Csv(csv)),
        (
            400,
            "POST /v1/imports?format=scroll".into(),
            owner,
            Send::Csv(csv),
        ),
        (
            200,
            "GET /v1/exports?columns=FirstName,LastName".into(),
            owner,
            Send::None,
        ),
        (403, "GET /v1/exports".into(), kiosk, Send::None),
        (401, "GET /v1/duplicates".into(), None, Send::None),
        (400, "GET /v1/duplicates?limit=0".into(), owner, Send::None),
        (
            400,
            "GET /v1/duplicates?after=not-a-cursor".into(),
            owner,
            Send::None,
        ),
    ])
    .await;
    let detail = api
        .expect(200, &format!("GET {}", on("")), owner, Send::None)
        .await;
    assert_eq!(detail["MedicalConditions"][0]["name"], "latex");
    let page = api
        .expect(200, "GET /v1/duplicates?limit=10", owner, Send::None)
        .await;
    assert_eq!(page["groups"].as_array().unwrap().len(), 1, "{page}");
    assert!(page["next"].is_null(), "{page}");

    // Merges and devices.
    api.expect_all(vec![
        (
            400,
            "POST /v1/not-duplicates".into(),
            owner,
            j(json!({ "a": ann, "b": "nope" })),
        ),
        (
            200,
            "POST /v1/not-duplicates".into(),
            owner,
            j(json!({ "a": ann, "b": annie })),
        ),
        (
            400,
            "POST /v1/merges".into(),
            owner,
            j(json!({ "target": ann, "duplicates": [] })),
        ),
        (
            200,
            "POST /v1/merges".into(),
            owner,
            j(json!({ "target": ann, "duplicates": [annie] })),
        ),
        (200, "GET /v1/devices".into(), owner, Send::None),
        (
            401,
            "GET /v1/devices".into(),
            Some("not-a-token"),
            Send::None,
        ),
        (
            201,
            "POST /v1/devices".into(),
            owner,
            j(json!({ "name": "spare", "role": "kiosk" })),
        ),
        (
            400,
            "POST /v1/devices".into(),
            owner,
            j(json!({ "name": "toaster", "role": "toaster" })),
        ),
        (200, "DELETE /v1/devices/spare".into(), owner, Send::None),
        (400, "DELETE /v1/devices/spare".into(), owner, Send::None),
    ])
    .await;

    // Sync: a kiosk's registration pushed, then pulled by the counter with everything
    // attached (medical details included), and by the kiosk as recognition entries.
    let protocol = intake_common::sync::PROTOCOL;
    let registration = json!({
        "id": uuid::Uuid::now_v7(),
        "at": chrono::Utc::now(),
        "actor": "lobby",
        "op": { "op": "create_customer", "customer": uuid::Uuid::now_v7(),
                "profile": { "FirstName": "Kim", "LastName": "Ode", "PhoneNumber": "5125550103", "Birthdate": "2001-02-03" } },
    });
    // And a minor's registration signed as a kiosk signs it: the guardian's clause, photo
    // consent declined, in Spanish. The push body is held against the document.
    let (minor, signed) = signed_release();
    let minor = json!({
        "id": uuid::Uuid::now_v7(), "at": chrono::Utc::now(), "actor": "lobby",
        "op": { "op": "create_customer", "customer": signed.customer_id, "profile": minor },
    });
    let release = json!({
        "id": uuid::Uuid::now_v7(), "at": chrono::Utc::now(), "actor": "lobby",
        "op": { "op": "sign_release", "customer": signed.customer_id, "release": signed,
                "sha256": signed.sha256() },
    });
    let push =
        json!({ "protocol": protocol, "mutations": [registration, minor, release], "last": 3 });
    let pushed = api.expect(200, "POST /v1/sync/push", kiosk, j(push)).await;
    for result in pushed["results"].as_array().unwrap() {
        assert_eq!(result["outcome"], "applied", "{pushed}");
    }
    // The store holds it whole: the choices and who confirmed what, its fingerprint intact.
    let db = intake_tests::cluster::open_db(dir);
    let owner_actor = intake_common::Actor {
        name: OWNER.into(),
        role: intake_common::Role::Owner,
    };
    let stored = intake_common::release::open(&db, &owner_actor, signed.release_id).unwrap();
    assert_eq!(stored, signed);
    assert!(stored.clauses.iter().any(|c| !c.accepted()));
    drop(db);
    let pull = json!({ "protocol": protocol, "cursor": 0, "limit": 100 });
    let pulled = api
        .expect(200, "POST /v1/sync/pull", counter, j(pull.clone()))
        .await;
    let changes = pulled["changes"].as_array().unwrap();
    assert!(
        changes
            .iter()
            .any(|c| c["change"] == "customer" && c["medical"]["medical"] == "details"),
        "{pulled}"
    );
    let exit = || j(json!({ "pin": PIN }));
    api.expect_all(vec![
        (
            400,
            "POST /v1/sync/push".into(),
            kiosk,
            j(json!({ "protocol": 999, "mutations": [] })),
        ),
        (200, "POST /v1/sync/pull".into(), kiosk, j(pull.clone())),
        (403, "POST /v1/sync/pull".into(), owner, j(pull)),
        (
            200,
            "POST /v1/sync/check".into(),
            counter,
            j(json!({ "protocol": protocol, "cursor": 0 })),
        ),
        (
            400,
            "POST /v1/sync/check".into(),
            counter,
            j(json!({ "protocol": protocol, "cursor": -1 })),
        ),
        (200, "POST /v1/kiosk/exit".into(), kiosk, exit()),
        (403, "POST /v1/kiosk/exit".into(), counter, exit()),
    ])
    .await;

    // Web Sign: its pages, their assets, a step posted with the page's state and cookie,
    // and refusals (no cookie; a body over the limit), each a page.
    let opened = api
        .http
        .get(format!("{}/sign", store.url))
        .send()
        .await
        .unwrap();
    let cookie = opened.headers()["set-cookie"].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_string();
    let page = opened.text().await.unwrap();
    let value = |name: &str| {
        let at = page.find(&format!("name=\"{name}\" value=\"")).unwrap() + name.len() + 15;
        page[at..at + page[at..].find('"').unwrap()].to_string()
    };
    let form = |action: &str| Send::Form {
        body: format!(
            "sealed={}&csrf={}&action={action}&lang=es",
            value("sealed"),
            value("csrf")
        ),
        cookie: cookie.clone(),
    };
    api.expect_all(vec![
        (200, "GET /sign".into(), None, Send::None),
        (413, "GET /sign".into(), None, big()),
        (200, "GET /sign/style.css".into(), None, Send::None),
        (413, "GET /sign/style.css".into(), None, big()),
        (200, "GET /sign/pad.js".into(), None, Send::None),
        (413, "GET /sign/pad.js".into(), None, big()),
        (200, "POST /sign".into(), None, form("language")),
        (422, "POST /sign".into(), None, form("next")),
        (400, "POST /sign".into(), None, form("nothing")),
        (
            403,
            "POST /sign".into(),
            None,
            Send::Form {
                body: "action=next".into(),
                cookie: String::new(),
            },
        ),
        (413, "POST /sign".into(), None, Send::Bytes(600 << 10)),
    ])
    .await;

    // Web Sign links for one visit: made, opened, listed, revoked.
    let made = api
        .expect(
            201,
            "POST /v1/web-sign/links",
            owner,
            j(json!({ "customer": ann, "name": "Ann Moss", "hours": 2 })),
        )
        .await;
    let url = made["url"].as_str().unwrap();
    let link_token = &url[url.find("/v/").unwrap() + 3..];
    let link = made["link"]["id"].as_str().unwrap();
    api.expect_all(vec![
        (
            400,
            "POST /v1/web-sign/links".into(),
            owner,
            j(json!({ "hours": 2 })),
        ),
        (200, format!("GET /sign/v/{link_token}"), None, Send::None),
        (404, "GET /sign/v/not-a-link".into(), None, Send::None),
        (200, "GET /v1/web-sign/links".into(), owner, Send::None),
        (401, "GET /v1/web-sign/links".into(), None, Send::None),
        (
            200,
            format!("DELETE /v1/web-sign/links/{link}"),
            owner,
            Send::None,
        ),
        (
            404,
            "DELETE /v1/web-sign/links/0000aaaa".into(),
            owner,
            Send::None,
        ),
    ])
    .await;

    // Throttled: Retry-After, as declared. Last, as it locks the name.
    let mut status = 0;
    for _ in 0..10 {
        let wrong = j(json!({ "user": OWNER, "pin": "000000" }));
        (status, _) = api.call("POST", "/v1/sessions", None, wrong).await;
        if status == 429 {
            break;
        }
    }
    assert_eq!(status, 429);

    // Outside the routes: an unknown path, and a method a path does not take.
    api.outside("GET", "/v1/nothing", 404, "NoSuchRoute").await;
    api.outside("PUT", "/v1/health", 405, "MethodNotAllowed")
        .await;

    // Every route in the document was called, and answered both a success and an error.
    let seen = api.seen.lock().unwrap().clone();
    let mut missing = Vec::new();
    for (path, item) in api.doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let method = method.to_ascii_uppercase();
            for (success, what) in [(true, "success"), (false, "error")] {
                if !seen.contains(&(method.clone(), path.clone(), success)) {
                    missing.push(format!("{method} {path} ({what})"));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "routes not checked against the document: {missing:#?}"
    );
}

/// A minor's registration (number 5 of the sample ones: Spanish, photo consent declined)
/// signed as a kiosk named "lobby" signs it, with the customer's profile.
fn signed_release() -> (Value, intake_common::release::ReleaseContent) {
    use intake_common::release::{self, Signer, Signing, TemplateRef};
    let settings = intake_common::settings::Settings::defaults();
    let png = intake_tests::registrations::signature_png(5);
    let reg = intake_tests::registrations::registration(&settings, 5, &png);
    let template = TemplateRef {
        id: settings.template.id.clone(),
        version: 1,
        sha256: "ab".repeat(32),
    };
    let signing = Signing::new("lobby", &settings, &template);
    let customer = uuid::Uuid::now_v7();
    let signed = release::sign(&reg, &signing, customer, "lobby").unwrap();
    assert!(signed.guardian.is_some());
    assert!(signed.clauses.iter().any(|c| c.by == Signer::Guardian));
    assert!(signed.clauses.iter().any(|c| !c.accepted()));
    (serde_json::to_value(&reg.profile).unwrap(), signed)
}
