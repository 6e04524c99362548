//! The store's OpenAPI description against the official OpenAPI 3.1 schema, and what the
//! route tests (`openapi_routes`) call the store through: each answer, and each JSON body
//! sent, is held against the schema the document declares for its route and status.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::collections::BTreeSet;
use std::sync::Mutex;

use serde_json::{Value, json};

use intake_tests::jsonschema;
use intake_tests::openapi::{assert_matches, problems, validator, webhook_schema};

use crate::support::{Store, client};

/// The official schema of OpenAPI 3.1 documents (spec.openapis.org/oas/3.1/schema/2022-10-07).
const OAS_3_1: &str = include_str!("../data/openapi-3.1-schema-2022-10-07.json");

fn oas_validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(OAS_3_1).unwrap();
    jsonschema::draft202012::new(&schema).unwrap()
}

pub async fn document(http: &reqwest::Client, store: &Store) -> Value {
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
    // A signed release's clauses carry an optional clause's choice and who confirmed it.
    let schemas = &doc["components"]["schemas"];
    let clause = &schemas["ClauseAnswer"]["properties"];
    assert_eq!(
        clause["by"]["$ref"], "#/components/schemas/Signer",
        "{clause}"
    );
    assert!(
        clause["choice"]
            .to_string()
            .contains("#/components/schemas/Choice"),
        "{clause}"
    );
    assert_eq!(schemas["Choice"]["enum"], json!(["accepted", "declined"]));
    assert_eq!(schemas["Signer"]["enum"], json!(["customer", "guardian"]));
    let required = &schemas["ClauseAnswer"]["required"];
    assert_eq!(
        *required,
        json!(["id", "text", "confirm"]),
        "older releases have neither"
    );
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
pub enum Send {
    None,
    Json(Value),
    Csv(&'static str),
    /// A body of this many bytes, with its length declared.
    Bytes(usize),
    /// A form post, with the cookie a browser would send beside it.
    Form {
        body: String,
        cookie: String,
    },
}

/// Calls the store and holds each answer against the document.
pub struct Api {
    pub http: reqwest::Client,
    pub url: String,
    pub doc: Value,
    /// (method, path pattern, whether the answer was a success).
    pub seen: Mutex<BTreeSet<(String, String, bool)>>,
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
    pub async fn call(
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
            Send::Form { body, cookie } => {
                assert!(
                    op["requestBody"]["content"]["application/x-www-form-urlencoded"].is_object()
                );
                req.header("content-type", "application/x-www-form-urlencoded")
                    .header("cookie", cookie)
                    .body(body)
            }
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

    /// [`Api::call`] for `"METHOD /path"`, which must answer `status`; returns the answer.
    pub async fn expect(&self, status: u16, call: &str, token: Option<&str>, body: Send) -> Value {
        let (method, path) = call.split_once(' ').unwrap();
        let (got, v) = self.call(method, path, token, body).await;
        assert_eq!(got, status, "{call}: {v}");
        v
    }

    /// Each call in turn, as [`Api::expect`].
    pub async fn expect_all(&self, calls: Vec<(u16, String, Option<&str>, Send)>) {
        for (status, call, token, body) in calls {
            self.expect(status, &call, token, body).await;
        }
    }

    /// A request the route table does not take, answered as the document's `response`
    /// (`NoSuchRoute`, `MethodNotAllowed`) says.
    pub async fn outside(&self, method: &str, path: &str, status: u16, response: &str) {
        let req = self
            .http
            .request(method.parse().unwrap(), format!("{}{path}", self.url));
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), status, "{method} {path}");
        let declared = json!({ "$ref": format!("#/components/responses/{response}") });
        self.answer(resp, &declared, &format!("{method} {path}"))
            .await;
    }

    /// Checks an answer against a declared response: its headers, media type and schema.
    pub async fn answer(&self, resp: reqwest::Response, declared: &Value, what: &str) -> Value {
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
