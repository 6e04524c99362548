//! Every route of a real store process called over HTTPS, a success and an error each, and
//! every answer held against the schema the store's OpenAPI description declares for that
//! route and status (see `openapi::Api`). A route in the table that this test does not
//! call, or calls without seeing both a success and an error, fails it.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Mutex;

use serde_json::{Value, json};

use crate::openapi::{Api, Send, document};
use crate::support::{OWNER, PIN, Store, add_owner, agent, client};

fn cli_json(dir: &Path, args: &[&str]) -> Value {
    serde_json::from_str(&agent(dir, args)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_as_the_document_says() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    add_owner(dir);
    let code = |name: &str, role: &str, medical: bool| {
        let mut args = vec!["device", "add", name, "--role", role, "--json"];
        if medical {
            args.push("--medical");
        }
        cli_json(dir, &args)["code"].as_str().unwrap().to_string()
    };
    let (kiosk_code, counter_code) = (code("lobby", "kiosk", false), code("desk", "counter", true));
    let store = Store::start(dir, &[]);
    let http = client(dir);
    let doc = document(&http, &store).await;
    let api = Api {
        http,
        url: store.url.clone(),
        doc,
        seen: Mutex::new(BTreeSet::new()),
    };
    let id = |v: &Value| v["id"].as_str().unwrap().to_string();

    // Public routes.
    api.expect(200, "GET", "/v1/health", None, Send::None).await;
    api.expect(413, "GET", "/v1/health", None, Send::Bytes(5 << 10))
        .await;
    api.expect(200, "GET", "/openapi.json", None, Send::None)
        .await;
    api.expect(413, "GET", "/openapi.json", None, Send::Bytes(5 << 10))
        .await;
    let kiosk = api
        .expect(
            200,
            "POST",
            "/v1/pair",
            None,
            Send::Json(json!({ "code": kiosk_code })),
        )
        .await;
    let counter = api
        .expect(
            200,
            "POST",
            "/v1/pair",
            None,
            Send::Json(json!({ "code": counter_code })),
        )
        .await;
    let (kiosk, counter) = (
        kiosk["token"].as_str().unwrap(),
        counter["token"].as_str().unwrap(),
    );
    api.expect(
        401,
        "POST",
        "/v1/pair",
        None,
        Send::Json(json!({ "code": "AAAA-BBBB-CCCC" })),
    )
    .await;
    let signed = api
        .expect(
            200,
            "POST",
            "/v1/sessions",
            None,
            Send::Json(json!({ "user": OWNER, "pin": PIN })),
        )
        .await;
    let owner = signed["token"].as_str().unwrap().to_string();
    let owner = Some(owner.as_str());
    api.expect(
        401,
        "POST",
        "/v1/sessions",
        None,
        Send::Json(json!({ "user": OWNER, "pin": "000000" })),
    )
    .await;

    // Sessions.
    let spare = api
        .expect(
            200,
            "POST",
            "/v1/sessions",
            None,
            Send::Json(json!({ "user": OWNER, "pin": PIN })),
        )
        .await;
    api.expect(200, "GET", "/v1/sessions", owner, Send::None)
        .await;
    api.expect(401, "GET", "/v1/sessions", None, Send::None)
        .await;
    let spare = spare["session"].as_str().unwrap();
    api.expect(
        200,
        "DELETE",
        &format!("/v1/sessions/{spare}"),
        owner,
        Send::None,
    )
    .await;
    api.expect(400, "DELETE", "/v1/sessions/zz", owner, Send::None)
        .await;

    // Customers.
    let fields = |first: &str| json!({ "fields": { "FirstName": first, "LastName": "Moss", "Birthdate": "1990-04-02", "PhoneNumber": "5125550100" } });
    let ann = id(&api
        .expect(
            201,
            "POST",
            "/v1/customers",
            owner,
            Send::Json(fields("Ann")),
        )
        .await);
    let annie = id(&api
        .expect(
            201,
            "POST",
            "/v1/customers",
            owner,
            Send::Json(fields("Annie")),
        )
        .await);
    api.expect(
        400,
        "POST",
        "/v1/customers",
        owner,
        Send::Json(json!({ "fields": {} })),
    )
    .await;
    api.expect(200, "GET", "/v1/customers?q=Moss", owner, Send::None)
        .await;
    api.expect(400, "GET", "/v1/customers", owner, Send::None)
        .await;
    let on = |rest: &str| format!("/v1/customers/{ann}{rest}");
    let unknown = "/v1/customers/01a2023a-7136-71a7-a493-450e20328c82";
    api.expect(
        200,
        "PATCH",
        &on(""),
        owner,
        Send::Json(json!({ "fields": { "Email": "ann@example.com", "Nickname": null } })),
    )
    .await;
    api.expect(
        400,
        "PATCH",
        &on(""),
        owner,
        Send::Json(json!({ "fields": { "Shoe": "9" } })),
    )
    .await;
    api.expect(
        201,
        "POST",
        &on("/notes"),
        owner,
        Send::Json(json!({ "body": "prefers mornings" })),
    )
    .await;
    api.expect(
        400,
        "POST",
        &on("/notes"),
        owner,
        Send::Json(json!({ "body": " " })),
    )
    .await;
    api.expect(
        201,
        "POST",
        &on("/flags"),
        owner,
        Send::Json(json!({ "kind": "no-show", "note": "twice" })),
    )
    .await;
    api.expect(
        404,
        "POST",
        &format!("{unknown}/flags"),
        owner,
        Send::Json(json!({ "kind": "no-show" })),
    )
    .await;
    let contact = json!({ "name": "Sam Moss", "phone": "5125550101", "relation": "brother" });
    api.expect(
        200,
        "PUT",
        &on("/contacts/emergency"),
        owner,
        Send::Json(contact.clone()),
    )
    .await;
    api.expect(
        400,
        "PUT",
        &on("/contacts/friend"),
        owner,
        Send::Json(contact),
    )
    .await;
    api.expect(
        201,
        "POST",
        &on("/services"),
        owner,
        Send::Json(json!({ "description": "fine line", "artist": "olive" })),
    )
    .await;
    let backwards = json!({ "description": "x", "started_at": "2026-01-02T10:00:00Z", "ended_at": "2026-01-02T09:00:00Z" });
    api.expect(400, "POST", &on("/services"), owner, Send::Json(backwards))
        .await;
    api.expect(
        201,
        "POST",
        &on("/medical"),
        owner,
        Send::Json(json!({ "kind": "allergy", "name": "latex", "details": "hives" })),
    )
    .await;
    api.expect(
        400,
        "POST",
        &on("/medical"),
        owner,
        Send::Json(json!({ "kind": "mood", "name": "x" })),
    )
    .await;
    let detail = api.expect(200, "GET", &on(""), owner, Send::None).await;
    assert_eq!(detail["MedicalConditions"][0]["name"], "latex");
    api.expect(404, "GET", unknown, owner, Send::None).await;

    // Files.
    let csv = "FirstName,LastName,PhoneNumber,Birthdate\nBea,Lind,5125550102,1985-07-09\n";
    api.expect(200, "POST", "/v1/imports", owner, Send::Csv(csv))
        .await;
    api.expect(
        400,
        "POST",
        "/v1/imports?format=scroll",
        owner,
        Send::Csv(csv),
    )
    .await;
    api.expect(
        200,
        "GET",
        "/v1/exports?columns=FirstName,LastName",
        owner,
        Send::None,
    )
    .await;
    api.expect(403, "GET", "/v1/exports", Some(kiosk), Send::None)
        .await;

    // Duplicates and merges.
    let groups = api
        .expect(200, "GET", "/v1/duplicates", owner, Send::None)
        .await;
    assert_eq!(groups.as_array().unwrap().len(), 1, "{groups}");
    api.expect(401, "GET", "/v1/duplicates", None, Send::None)
        .await;
    api.expect(
        400,
        "POST",
        "/v1/not-duplicates",
        owner,
        Send::Json(json!({ "a": ann, "b": "nope" })),
    )
    .await;
    api.expect(
        200,
        "POST",
        "/v1/not-duplicates",
        owner,
        Send::Json(json!({ "a": ann, "b": annie })),
    )
    .await;
    api.expect(
        400,
        "POST",
        "/v1/merges",
        owner,
        Send::Json(json!({ "target": ann, "duplicates": [] })),
    )
    .await;
    api.expect(
        200,
        "POST",
        "/v1/merges",
        owner,
        Send::Json(json!({ "target": ann, "duplicates": [annie] })),
    )
    .await;

    // Devices.
    api.expect(200, "GET", "/v1/devices", owner, Send::None)
        .await;
    api.expect(401, "GET", "/v1/devices", Some("not-a-token"), Send::None)
        .await;
    api.expect(
        201,
        "POST",
        "/v1/devices",
        owner,
        Send::Json(json!({ "name": "spare", "role": "kiosk" })),
    )
    .await;
    api.expect(
        400,
        "POST",
        "/v1/devices",
        owner,
        Send::Json(json!({ "name": "toaster", "role": "toaster" })),
    )
    .await;
    api.expect(200, "DELETE", "/v1/devices/spare", owner, Send::None)
        .await;
    api.expect(400, "DELETE", "/v1/devices/spare", owner, Send::None)
        .await;

    // Sync: a kiosk's registration pushed, then pulled by the counter with everything
    // attached (medical details included), and by the kiosk as recognition entries.
    let protocol = intake_common::sync::PROTOCOL;
    let customer = uuid::Uuid::now_v7();
    let registration = json!({
        "id": uuid::Uuid::now_v7(),
        "at": chrono::Utc::now(),
        "actor": "lobby",
        "op": { "op": "create_customer", "customer": customer,
                "profile": { "FirstName": "Kim", "LastName": "Ode", "PhoneNumber": "5125550103", "Birthdate": "2001-02-03" } },
    });
    let push = json!({ "protocol": protocol, "mutations": [registration], "last": 1 });
    let pushed = api
        .expect(200, "POST", "/v1/sync/push", Some(kiosk), Send::Json(push))
        .await;
    assert_eq!(pushed["results"][0]["outcome"], "applied", "{pushed}");
    api.expect(
        400,
        "POST",
        "/v1/sync/push",
        Some(kiosk),
        Send::Json(json!({ "protocol": 999, "mutations": [] })),
    )
    .await;
    let pull = json!({ "protocol": protocol, "cursor": 0, "limit": 100 });
    let pulled = api
        .expect(
            200,
            "POST",
            "/v1/sync/pull",
            Some(counter),
            Send::Json(pull.clone()),
        )
        .await;
    assert!(
        pulled["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["change"] == "customer" && c["medical"]["medical"] == "details"),
        "{pulled}"
    );
    api.expect(
        200,
        "POST",
        "/v1/sync/pull",
        Some(kiosk),
        Send::Json(pull.clone()),
    )
    .await;
    api.expect(403, "POST", "/v1/sync/pull", owner, Send::Json(pull))
        .await;
    api.expect(
        200,
        "POST",
        "/v1/sync/check",
        Some(counter),
        Send::Json(json!({ "protocol": protocol, "cursor": 0 })),
    )
    .await;
    api.expect(
        400,
        "POST",
        "/v1/sync/check",
        Some(counter),
        Send::Json(json!({ "protocol": protocol, "cursor": -1 })),
    )
    .await;
    api.expect(
        200,
        "POST",
        "/v1/kiosk/exit",
        Some(kiosk),
        Send::Json(json!({ "pin": PIN })),
    )
    .await;
    api.expect(
        403,
        "POST",
        "/v1/kiosk/exit",
        Some(counter),
        Send::Json(json!({ "pin": PIN })),
    )
    .await;

    // Throttled: Retry-After, as declared. Last, as it locks the name.
    let mut status = 0;
    for _ in 0..10 {
        (status, _) = api
            .call(
                "POST",
                "/v1/sessions",
                None,
                Send::Json(json!({ "user": OWNER, "pin": "000000" })),
            )
            .await;
        if status == 429 {
            break;
        }
    }
    assert_eq!(status, 429);

    // Outside the routes: an unknown path, and a method a path does not take.
    let resp = api
        .http
        .get(format!("{}/v1/nothing", api.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    api.answer(
        resp,
        &json!({ "$ref": "#/components/responses/NoSuchRoute" }),
        "GET /v1/nothing",
    )
    .await;
    let resp = api
        .http
        .put(format!("{}/v1/health", api.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);
    api.answer(
        resp,
        &json!({ "$ref": "#/components/responses/MethodNotAllowed" }),
        "PUT /v1/health",
    )
    .await;

    // Every route in the document was called, and answered both a success and an error.
    let seen = api.seen.lock().unwrap().clone();
    let mut missing = Vec::new();
    for (path, item) in api.doc["paths"].as_object().unwrap() {
        for (method, _) in item.as_object().unwrap() {
            let method = method.to_ascii_uppercase();
            for success in [true, false] {
                if !seen.contains(&(method.clone(), path.clone(), success)) {
                    missing.push(format!(
                        "{method} {path} ({})",
                        if success { "success" } else { "error" }
                    ));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "routes not checked against the document: {missing:#?}"
    );
}
