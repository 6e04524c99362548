//! The store's OpenAPI description against the official OpenAPI 3.1 schema, and against
//! the store itself: every route of a real store process is called over HTTPS, and each
//! answer (success and error), and each JSON body sent, must match the schema the document
//! declares for that route and status. A route in the table that this test does not call,
//! or calls without seeing both a success and an error, fails it.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Mutex;

use serde_json::{Value, json};

use intake_tests::jsonschema;
use intake_tests::openapi::{assert_matches, problems, validator, webhook_schema};

use crate::support::{OWNER, PIN, Store, add_owner, agent, client};

/// The official schema of OpenAPI 3.1 documents (spec.openapis.org/oas/3.1/schema/2022-10-07).
const OAS_3_1: &str = include_str!("../data/openapi-3.1-schema-2022-10-07.json");

fn oas_validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(OAS_3_1).unwrap();
    jsonschema::draft202012::new(&schema).unwrap()
}

async fn document(http: &reqwest::Client, store: &Store) -> Value {
    let resp = http
        .get(format!("{}/openapi.json", store.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_is_valid_openapi_3_1() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::start(tmp.path(), &[]);
    let http = client(tmp.path());
    let doc = document(&http, &store).await;
    let oas = oas_validator();
    let found = problems(&oas, &doc);
    assert!(found.is_empty(), "not OpenAPI 3.1: {found:#?}");
    assert_eq!(doc["openapi"], "3.1.0");
    // The schema can tell: a document that breaks the rules is refused.
    let mut broken = doc.clone();
    broken["paths"]["/v1/health"]["get"]["responses"]["200"] = json!({ "content": {} });
    assert!(!problems(&oas, &broken).is_empty());

    // Every schema the document names is a valid JSON Schema (2020-12, OpenAPI 3.1's).
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        validator(&doc, schema, false)
            .unwrap_or_else(|e| panic!("components.schemas.{name} is not a valid schema: {e}"));
    }
    // The webhook messages, one per event an endpoint can subscribe to.
    let hooks = doc["webhooks"].as_object().unwrap();
    assert_eq!(hooks.len(), intake_common::webhook::EVENT_TYPES.len());
    for event in intake_common::webhook::EVENT_TYPES {
        assert!(hooks.contains_key(event), "{event} is not described");
        validator(&doc, webhook_schema(&doc, event), false).unwrap();
    }
    for (scheme, _) in doc["components"]["securitySchemes"].as_object().unwrap() {
        assert!(["session", "device"].contains(&scheme.as_str()));
    }
}

/// A request body.
enum Send {
    None,
    Json(Value),
    Csv(&'static str),
    /// A body of this many bytes, with its length declared.
    Bytes(usize),
}

/// Calls the store and holds each answer against the document.
struct Api {
    http: reqwest::Client,
    url: String,
    doc: Value,
    /// (method, path pattern, whether the answer was a success).
    seen: Mutex<BTreeSet<(String, String, bool)>>,
}

impl Api {
    /// The document's path that `path` fits.
    fn pattern(&self, path: &str) -> String {
        let path = path.split('?').next().unwrap();
        let fits = |pattern: &str| {
            let (p, g): (Vec<&str>, Vec<&str>) =
                (pattern.split('/').collect(), path.split('/').collect());
            p.len() == g.len()
                && p.iter()
                    .zip(&g)
                    .all(|(p, g)| p == g || (p.starts_with('{') && !g.is_empty()))
        };
        self.doc["paths"]
            .as_object()
            .unwrap()
            .keys()
            .find(|p| fits(p))
            .unwrap_or_else(|| panic!("{path} is not in the document"))
            .clone()
    }

    /// Sends the request, checks it and its answer against the document; returns the
    /// status and the answer's JSON (or text, as a JSON string).
    async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Send,
    ) -> (u16, Value) {
        let pattern = self.pattern(path);
        let op = self.doc["paths"][&pattern][method.to_ascii_lowercase()].clone();
        assert!(op.is_object(), "{method} {pattern} is not in the document");
        let mut req = self
            .http
            .request(method.parse().unwrap(), format!("{}{path}", self.url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req = match body {
            Send::None => req,
            Send::Json(v) => {
                let schema = &op["requestBody"]["content"]["application/json"]["schema"];
                assert!(
                    schema.is_object(),
                    "{method} {pattern} declares no JSON body"
                );
                self.holds(schema, &v, &format!("the body sent to {method} {pattern}"));
                req.json(&v)
            }
            Send::Csv(text) => {
                assert!(op["requestBody"]["content"]["text/csv"].is_object());
                req.header("content-type", "text/csv").body(text)
            }
            Send::Bytes(n) => req.body(vec![b' '; n]),
        };
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let declared = op["responses"][status.to_string()].clone();
        assert!(
            declared.is_object(),
            "{method} {path} answered {status}, which the document does not declare for {pattern}"
        );
        let value = self
            .answer(resp, &declared, &format!("{method} {path} ({status})"))
            .await;
        self.seen
            .lock()
            .unwrap()
            .insert((method.to_string(), pattern, status < 400));
        (status, value)
    }

    /// Checks an answer against a declared response: its headers, media type and schema.
    async fn answer(&self, resp: reqwest::Response, declared: &Value, what: &str) -> Value {
        let declared = match declared["$ref"].as_str() {
            Some(r) => {
                let name = r.rsplit('/').next().unwrap();
                self.doc["components"]["responses"][name].clone()
            }
            None => declared.clone(),
        };
        for (name, _) in declared["headers"].as_object().into_iter().flatten() {
            assert!(
                resp.headers().contains_key(name.as_str()),
                "{what}: no {name} header"
            );
        }
        let media = resp.headers().get("content-type").map(|v| {
            v.to_str()
                .unwrap()
                .split(';')
                .next()
                .unwrap()
                .trim()
                .to_string()
        });
        let content = declared["content"].as_object().cloned().unwrap_or_default();
        match media.as_deref() {
            Some("application/json") => {
                let schema = &content
                    .get("application/json")
                    .unwrap_or_else(|| panic!("{what}: JSON, which the document does not declare"))
                    ["schema"];
                let v: Value = resp.json().await.unwrap();
                self.holds(schema, &v, what);
                v
            }
            Some(other) => {
                assert!(
                    content.contains_key(other),
                    "{what}: {other}, which the document does not declare"
                );
                Value::String(resp.text().await.unwrap())
            }
            None => {
                assert!(
                    content.is_empty(),
                    "{what}: no body, yet the document declares one"
                );
                Value::Null
            }
        }
    }

    fn holds(&self, schema: &Value, v: &Value, what: &str) {
        assert_matches(&self.doc, schema, v, what);
    }
}

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
    let ok = |(status, v): (u16, Value), want: u16| {
        assert_eq!(status, want, "{v}");
        v
    };
    let id = |v: &Value| v["id"].as_str().unwrap().to_string();

    // Public routes.
    ok(api.call("GET", "/v1/health", None, Send::None).await, 200);
    ok(
        api.call("GET", "/v1/health", None, Send::Bytes(5 << 10))
            .await,
        413,
    );
    ok(
        api.call("GET", "/openapi.json", None, Send::None).await,
        200,
    );
    ok(
        api.call("GET", "/openapi.json", None, Send::Bytes(5 << 10))
            .await,
        413,
    );
    let kiosk = ok(
        api.call(
            "POST",
            "/v1/pair",
            None,
            Send::Json(json!({ "code": kiosk_code })),
        )
        .await,
        200,
    );
    let counter = ok(
        api.call(
            "POST",
            "/v1/pair",
            None,
            Send::Json(json!({ "code": counter_code })),
        )
        .await,
        200,
    );
    let (kiosk, counter) = (
        kiosk["token"].as_str().unwrap(),
        counter["token"].as_str().unwrap(),
    );
    ok(
        api.call(
            "POST",
            "/v1/pair",
            None,
            Send::Json(json!({ "code": "AAAA-BBBB-CCCC" })),
        )
        .await,
        401,
    );
    let signed = ok(
        api.call(
            "POST",
            "/v1/sessions",
            None,
            Send::Json(json!({ "user": OWNER, "pin": PIN })),
        )
        .await,
        200,
    );
    let owner = signed["token"].as_str().unwrap().to_string();
    let owner = Some(owner.as_str());
    ok(
        api.call(
            "POST",
            "/v1/sessions",
            None,
            Send::Json(json!({ "user": OWNER, "pin": "000000" })),
        )
        .await,
        401,
    );

    // Sessions.
    let spare = ok(
        api.call(
            "POST",
            "/v1/sessions",
            None,
            Send::Json(json!({ "user": OWNER, "pin": PIN })),
        )
        .await,
        200,
    );
    ok(
        api.call("GET", "/v1/sessions", owner, Send::None).await,
        200,
    );
    ok(api.call("GET", "/v1/sessions", None, Send::None).await, 401);
    let spare = spare["session"].as_str().unwrap();
    ok(
        api.call(
            "DELETE",
            &format!("/v1/sessions/{spare}"),
            owner,
            Send::None,
        )
        .await,
        200,
    );
    ok(
        api.call("DELETE", "/v1/sessions/zz", owner, Send::None)
            .await,
        400,
    );

    // Customers.
    let fields = |first: &str| json!({ "fields": { "FirstName": first, "LastName": "Moss", "Birthdate": "1990-04-02", "PhoneNumber": "5125550100" } });
    let ann = id(&ok(
        api.call("POST", "/v1/customers", owner, Send::Json(fields("Ann")))
            .await,
        201,
    ));
    let annie = id(&ok(
        api.call("POST", "/v1/customers", owner, Send::Json(fields("Annie")))
            .await,
        201,
    ));
    ok(
        api.call(
            "POST",
            "/v1/customers",
            owner,
            Send::Json(json!({ "fields": {} })),
        )
        .await,
        400,
    );
    ok(
        api.call("GET", "/v1/customers?q=Moss", owner, Send::None)
            .await,
        200,
    );
    ok(
        api.call("GET", "/v1/customers", owner, Send::None).await,
        400,
    );
    let on = |rest: &str| format!("/v1/customers/{ann}{rest}");
    let unknown = "/v1/customers/01a2023a-7136-71a7-a493-450e20328c82";
    ok(
        api.call(
            "PATCH",
            &on(""),
            owner,
            Send::Json(json!({ "fields": { "Email": "ann@example.com", "Nickname": null } })),
        )
        .await,
        200,
    );
    ok(
        api.call(
            "PATCH",
            &on(""),
            owner,
            Send::Json(json!({ "fields": { "Shoe": "9" } })),
        )
        .await,
        400,
    );
    ok(
        api.call(
            "POST",
            &on("/notes"),
            owner,
            Send::Json(json!({ "body": "prefers mornings" })),
        )
        .await,
        201,
    );
    ok(
        api.call(
            "POST",
            &on("/notes"),
            owner,
            Send::Json(json!({ "body": " " })),
        )
        .await,
        400,
    );
    ok(
        api.call(
            "POST",
            &on("/flags"),
            owner,
            Send::Json(json!({ "kind": "no-show", "note": "twice" })),
        )
        .await,
        201,
    );
    ok(
        api.call(
            "POST",
            &format!("{unknown}/flags"),
            owner,
            Send::Json(json!({ "kind": "no-show" })),
        )
        .await,
        404,
    );
    let contact = json!({ "name": "Sam Moss", "phone": "5125550101", "relation": "brother" });
    ok(
        api.call(
            "PUT",
            &on("/contacts/emergency"),
            owner,
            Send::Json(contact.clone()),
        )
        .await,
        200,
    );
    ok(
        api.call("PUT", &on("/contacts/friend"), owner, Send::Json(contact))
            .await,
        400,
    );
    ok(
        api.call(
            "POST",
            &on("/services"),
            owner,
            Send::Json(json!({ "description": "fine line", "artist": "olive" })),
        )
        .await,
        201,
    );
    let backwards = json!({ "description": "x", "started_at": "2026-01-02T10:00:00Z", "ended_at": "2026-01-02T09:00:00Z" });
    ok(
        api.call("POST", &on("/services"), owner, Send::Json(backwards))
            .await,
        400,
    );
    ok(
        api.call(
            "POST",
            &on("/medical"),
            owner,
            Send::Json(json!({ "kind": "allergy", "name": "latex", "details": "hives" })),
        )
        .await,
        201,
    );
    ok(
        api.call(
            "POST",
            &on("/medical"),
            owner,
            Send::Json(json!({ "kind": "mood", "name": "x" })),
        )
        .await,
        400,
    );
    let detail = ok(api.call("GET", &on(""), owner, Send::None).await, 200);
    assert_eq!(detail["MedicalConditions"][0]["name"], "latex");
    ok(api.call("GET", unknown, owner, Send::None).await, 404);

    // Files.
    let csv = "FirstName,LastName,PhoneNumber,Birthdate\nBea,Lind,5125550102,1985-07-09\n";
    ok(
        api.call("POST", "/v1/imports", owner, Send::Csv(csv)).await,
        200,
    );
    ok(
        api.call("POST", "/v1/imports?format=scroll", owner, Send::Csv(csv))
            .await,
        400,
    );
    ok(
        api.call(
            "GET",
            "/v1/exports?columns=FirstName,LastName",
            owner,
            Send::None,
        )
        .await,
        200,
    );
    ok(
        api.call("GET", "/v1/exports", Some(kiosk), Send::None)
            .await,
        403,
    );

    // Duplicates and merges.
    let groups = ok(
        api.call("GET", "/v1/duplicates", owner, Send::None).await,
        200,
    );
    assert_eq!(groups.as_array().unwrap().len(), 1, "{groups}");
    ok(
        api.call("GET", "/v1/duplicates", None, Send::None).await,
        401,
    );
    ok(
        api.call(
            "POST",
            "/v1/not-duplicates",
            owner,
            Send::Json(json!({ "a": ann, "b": "nope" })),
        )
        .await,
        400,
    );
    ok(
        api.call(
            "POST",
            "/v1/not-duplicates",
            owner,
            Send::Json(json!({ "a": ann, "b": annie })),
        )
        .await,
        200,
    );
    ok(
        api.call(
            "POST",
            "/v1/merges",
            owner,
            Send::Json(json!({ "target": ann, "duplicates": [] })),
        )
        .await,
        400,
    );
    ok(
        api.call(
            "POST",
            "/v1/merges",
            owner,
            Send::Json(json!({ "target": ann, "duplicates": [annie] })),
        )
        .await,
        200,
    );

    // Devices.
    ok(api.call("GET", "/v1/devices", owner, Send::None).await, 200);
    ok(
        api.call("GET", "/v1/devices", Some("not-a-token"), Send::None)
            .await,
        401,
    );
    ok(
        api.call(
            "POST",
            "/v1/devices",
            owner,
            Send::Json(json!({ "name": "spare", "role": "kiosk" })),
        )
        .await,
        201,
    );
    ok(
        api.call(
            "POST",
            "/v1/devices",
            owner,
            Send::Json(json!({ "name": "toaster", "role": "toaster" })),
        )
        .await,
        400,
    );
    ok(
        api.call("DELETE", "/v1/devices/spare", owner, Send::None)
            .await,
        200,
    );
    ok(
        api.call("DELETE", "/v1/devices/spare", owner, Send::None)
            .await,
        400,
    );

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
    let pushed = ok(
        api.call("POST", "/v1/sync/push", Some(kiosk), Send::Json(push))
            .await,
        200,
    );
    assert_eq!(pushed["results"][0]["outcome"], "applied", "{pushed}");
    ok(
        api.call(
            "POST",
            "/v1/sync/push",
            Some(kiosk),
            Send::Json(json!({ "protocol": 999, "mutations": [] })),
        )
        .await,
        400,
    );
    let pull = json!({ "protocol": protocol, "cursor": 0, "limit": 100 });
    let pulled = ok(
        api.call(
            "POST",
            "/v1/sync/pull",
            Some(counter),
            Send::Json(pull.clone()),
        )
        .await,
        200,
    );
    assert!(
        pulled["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["change"] == "customer" && c["medical"]["medical"] == "details"),
        "{pulled}"
    );
    ok(
        api.call(
            "POST",
            "/v1/sync/pull",
            Some(kiosk),
            Send::Json(pull.clone()),
        )
        .await,
        200,
    );
    ok(
        api.call("POST", "/v1/sync/pull", owner, Send::Json(pull))
            .await,
        403,
    );
    ok(
        api.call(
            "POST",
            "/v1/sync/check",
            Some(counter),
            Send::Json(json!({ "protocol": protocol, "cursor": 0 })),
        )
        .await,
        200,
    );
    ok(
        api.call(
            "POST",
            "/v1/sync/check",
            Some(counter),
            Send::Json(json!({ "protocol": protocol, "cursor": -1 })),
        )
        .await,
        400,
    );
    ok(
        api.call(
            "POST",
            "/v1/kiosk/exit",
            Some(kiosk),
            Send::Json(json!({ "pin": PIN })),
        )
        .await,
        200,
    );
    ok(
        api.call(
            "POST",
            "/v1/kiosk/exit",
            Some(counter),
            Send::Json(json!({ "pin": PIN })),
        )
        .await,
        403,
    );

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
