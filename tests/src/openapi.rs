//! Holding JSON against the store's OpenAPI description: a schema the document declares
//! (for a route's answer or a webhook's message) is checked with the document's components
//! beside it, so its `#/components/schemas/...` references resolve, offline.

use serde_json::{Value, json};

/// A validator for `schema`, a schema inside `doc`. When `closed`, an object may hold no
/// key at the top level beyond those the schema names: an answer with more than its type
/// says fails too.
pub fn validator(
    doc: &Value,
    schema: &Value,
    closed: bool,
) -> Result<jsonschema::Validator, String> {
    let mut root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "allOf": [schema],
    });
    if closed {
        root["unevaluatedProperties"] = json!(false);
    }
    root["components"] = doc["components"].clone();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&root)
        .map_err(|e| e.to_string())
}

/// What is wrong with `instance`, one line each, with where.
pub fn problems(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

/// Panics, naming `what` and each problem, unless `instance` matches `schema` (closed).
pub fn assert_matches(doc: &Value, schema: &Value, instance: &Value, what: &str) {
    let validator = validator(doc, schema, true)
        .unwrap_or_else(|e| panic!("the schema for {what} is not a valid schema: {e}"));
    let found = problems(&validator, instance);
    assert!(
        found.is_empty(),
        "{what} does not match its schema: {found:#?}\n{instance:#}"
    );
}

/// The schema the document declares for a webhook message of type `event`.
pub fn webhook_schema<'a>(doc: &'a Value, event: &str) -> &'a Value {
    &doc["webhooks"][event]["post"]["requestBody"]["content"]["application/json"]["schema"]
}
