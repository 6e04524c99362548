//! `/openapi.json`: the store's API in OpenAPI 3.1, made from the route table
//! ([`routes::ROUTES`]) alone. Each route names the types its handler reads and answers,
//! and their schemas are derived from those types (utoipa's `ToSchema`), so the document
//! and the handlers cannot name different shapes. Error answers, the two kinds of bearer
//! token, and the webhook messages the store sends are described here too.

use axum::http::StatusCode;
use intake_common::customer::MedicalCondition;
use intake_common::webhook::payload::{
    CustomerDeleted, CustomerEvent, CustomerMerged, ReleaseSigned,
};
use serde_json::{Value, json};
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{
    AdditionalProperties, KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type,
};
use utoipa::openapi::{Ref, Required};
use utoipa::{PartialSchema, ToSchema};

use super::error::{ErrorBody, size};
use super::routes::{self, Body, Need, Route, Schemas, Shape, one};

/// The header a 429 or 503 answer carries: seconds to wait.
const RETRY_AFTER: &str = "Retry-After";

/// The OpenAPI description of the store, made from [`routes::ROUTES`].
pub fn document() -> Value {
    let mut schemas = Schemas::new();
    one::<ErrorBody>(&mut schemas);
    let mut paths = serde_json::Map::new();
    // The console's pages are for a signed-in browser, not an API: listed apart, with what
    // each needs.
    let mut console = Vec::new();
    for route in routes::ROUTES.iter() {
        if route.is_console() {
            console.push(json!({
                "method": route.method.as_str(),
                "path": route.path,
                "needs": match route.need {
                    Need::Public => "public".to_string(),
                    Need::Device => "device".to_string(),
                    Need::Staff => "staff".to_string(),
                    Need::Permission(p) => p.name().to_string(),
                },
                "summary": route.summary,
            }));
            continue;
        }
        let entry = paths
            .entry(route.path.to_string())
            .or_insert_with(|| json!({}));
        entry[route.method.as_str().to_ascii_lowercase()] = operation(route, &mut schemas);
    }
    let webhooks = webhooks(&mut schemas);
    let mut components = serde_json::Map::new();
    for (name, schema) in schemas {
        components.insert(name, to_value(&schema));
    }
    json!({
        "x-console": console,
        "openapi": "3.1.0",
        "info": {
            "title": "Intake store",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The shop's store: device pairing and sync, and what staff and admins do remotely. \
                Every route but the public ones takes `Authorization: Bearer <token>`: a staff session's \
                token from POST /v1/sessions, or a paired device's token from POST /v1/pair. Every error \
                is `{\"error\": \"...\"}` naming what is wrong and where. A path the store does not serve \
                is answered 404, a method a path does not take 405 with `Allow`.",
        },
        "components": {
            "schemas": components,
            "responses": {
                "NoSuchRoute": to_value(&error("No such route")),
                "MethodNotAllowed": to_value(&with_header(
                    error("The path does not take this method"),
                    "Allow",
                    "The methods the path takes",
                    Type::String,
                )),
            },
            "securitySchemes": {
                "session": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A staff session's token (`is_...`), from POST /v1/sessions; it ends at sign-out, expiry, or when the user is disabled",
                },
                "device": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A paired device's token, from POST /v1/pair; a kiosk's reaches push, pull, check and its staff exit only",
                },
            },
        },
        "paths": paths,
        "webhooks": webhooks,
    })
}

fn to_value(v: &impl serde::Serialize) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn operation(route: &Route, schemas: &mut Schemas) -> Value {
    let mut op = OperationBuilder::new()
        .summary(Some(route.summary))
        .operation_id(Some(operation_id(route)));
    for name in path_params(route.path) {
        op = op.parameter(
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .schema(Some(String::schema())),
        );
    }
    if let Some(query) = route.query {
        for param in query() {
            op = op.parameter(param);
        }
    }
    if let Some(content) = content(route.body, schemas) {
        op = op.request_body(Some(
            RequestBodyBuilder::new()
                .content(content.0, content.1)
                .required(Some(Required::True))
                .build(),
        ));
    }
    let (status, answer) = route.ok;
    let mut ok = ResponseBuilder::new().description(status.canonical_reason().unwrap_or("Done"));
    if let Some((media, content)) = content(answer, schemas) {
        ok = ok.content(media, content);
    }
    op = op.response(status.as_str(), ok.build());
    for status in errors(route) {
        op = op.response(status.as_str(), error_for(route, status));
    }
    op = op.response(
        "default",
        error("Any other failure: the store could not do it"),
    );
    let mut op = to_value(&op.build());
    op["security"] = match route.need {
        Need::Public => json!([]),
        Need::Device => json!([{ "device": [] }]),
        Need::Staff => json!([{ "session": [] }]),
        // A counter display's token holds permissions too; a kiosk's never reaches these.
        Need::Permission(_) => json!([{ "session": [] }, { "device": [] }]),
    };
    op["x-intake-needs"] = match route.need {
        Need::Public => json!("nothing"),
        Need::Device => json!("a paired device's token"),
        Need::Staff => json!("a staff session"),
        Need::Permission(p) => json!(p.name()),
    };
    op["x-intake-body-limit"] = json!(route.limit);
    op
}

/// Every error status a route declares: its own, then the gate's.
pub fn errors(route: &Route) -> Vec<StatusCode> {
    let mut all = route.errors.to_vec();
    if route.need != Need::Public {
        all.extend([StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN]);
    }
    // Any route may find the database busy, or outlast the gate's time for a request.
    all.extend([
        StatusCode::PAYLOAD_TOO_LARGE,
        StatusCode::SERVICE_UNAVAILABLE,
    ]);
    all.sort();
    all.dedup();
    all
}

/// `get_v1_customers_id`, from the method and the path.
fn operation_id(route: &Route) -> String {
    let mut id = route.method.as_str().to_ascii_lowercase();
    for part in route.path.split(['/', '.', '-']).filter(|p| !p.is_empty()) {
        id.push('_');
        id.push_str(part.trim_matches(['{', '}']));
    }
    id
}

fn path_params(path: &str) -> impl Iterator<Item = &str> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
}

/// A body's media type and content.
fn content(body: Body, schemas: &mut Schemas) -> Option<(&'static str, utoipa::openapi::Content)> {
    match body {
        Body::None => None,
        Body::Json(shape) => Some((
            "application/json",
            ContentBuilder::new().schema(Some(shape(schemas))).build(),
        )),
        Body::Csv => Some(text("text/csv")),
        Body::Html => Some(text("text/html")),
        Body::Css => Some(text("text/css")),
        Body::Js => Some(text("text/javascript")),
        Body::Form => Some((
            "application/x-www-form-urlencoded",
            ContentBuilder::new()
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::Object)
                        .additional_properties(Some(AdditionalProperties::<Schema>::FreeForm(
                            true,
                        ))),
                ))
                .build(),
        )),
    }
}

/// Text of a media type.
fn text(media: &'static str) -> (&'static str, utoipa::openapi::Content) {
    (
        media,
        ContentBuilder::new().schema(Some(String::schema())).build(),
    )
}

fn error(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(ErrorBody::name())))
                .build(),
        )
        .build()
}

fn with_header(response: Response, name: &str, description: &str, ty: Type) -> Response {
    let mut response = response;
    response.headers.insert(
        name.to_string(),
        HeaderBuilder::new()
            .schema(ObjectBuilder::new().schema_type(ty))
            .description(Some(description))
            .build(),
    );
    response
}

fn error_for(route: &Route, status: StatusCode) -> Response {
    let description = match status {
        StatusCode::BAD_REQUEST => {
            "Bad input, named in the error (the field, the line); nothing was stored".to_string()
        }
        StatusCode::UNAUTHORIZED if route.need == Need::Public => {
            "The name and PIN, or the pairing code, were not right".to_string()
        }
        StatusCode::UNAUTHORIZED => {
            "No valid token: none sent, unknown, expired or revoked".to_string()
        }
        StatusCode::FORBIDDEN => "The caller lacks what the route needs".to_string(),
        StatusCode::NOT_FOUND => "What the path names does not exist".to_string(),
        StatusCode::CONFLICT => {
            "It clashes with what is stored (or, for a push, the batch before it never arrived)"
                .to_string()
        }
        StatusCode::PAYLOAD_TOO_LARGE => format!(
            "The body is larger than {}: nothing was stored",
            size(route.limit)
        ),
        StatusCode::TOO_MANY_REQUESTS if route.is_page() => {
            "Too many from this address: wait a while".to_string()
        }
        StatusCode::TOO_MANY_REQUESTS => "Too many failed tries: locked for a while".to_string(),
        StatusCode::UNPROCESSABLE_ENTITY => {
            "The step again, its problems summarised at the top and beside each field".to_string()
        }
        StatusCode::SERVICE_UNAVAILABLE if route.is_page() => {
            "The store cannot take this now: the page says why".to_string()
        }
        StatusCode::SERVICE_UNAVAILABLE => {
            "The store's database was busy, or the request took longer than the store allows: try again after Retry-After".to_string()
        }
        other => other.canonical_reason().unwrap_or("Failed").to_string(),
    };
    // A page's refusal is a page saying what is wrong.
    let response = if route.is_page() {
        ResponseBuilder::new()
            .description(description)
            .content("text/html", text("text/html").1)
            .build()
    } else {
        error(&description)
    };
    if status == StatusCode::TOO_MANY_REQUESTS {
        return with_header(
            response,
            RETRY_AFTER,
            "Seconds until the next try may succeed",
            Type::Integer,
        );
    }
    response
}

/// The messages webhook endpoints receive, one per event type (OpenAPI 3.1 `webhooks`).
fn webhooks(schemas: &mut Schemas) -> Value {
    let events: [(&str, &str, Shape); 5] = [
        (
            "customer.created",
            "A customer was added (by a kiosk, the counter, an import or the API)",
            one::<CustomerEvent>,
        ),
        (
            "customer.updated",
            "A customer's fields or what is attached to them changed",
            one::<CustomerEvent>,
        ),
        (
            "customer.deleted",
            "A customer was deleted or merged into another",
            one::<CustomerDeleted>,
        ),
        (
            "customer.merged",
            "Customers were merged into this one",
            one::<CustomerMerged>,
        ),
        (
            "release.signed",
            "A release was signed",
            one::<ReleaseSigned>,
        ),
    ];
    one::<MedicalCondition>(schemas);
    let mut out = serde_json::Map::new();
    for (event, summary, data) in events {
        let body = ObjectBuilder::new()
            .schema_type(Type::Object)
            .property(
                "type",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some([event])),
            )
            .required("type")
            .property(
                "timestamp",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime))),
            )
            .required("timestamp")
            .property("data", data(schemas))
            .required("data")
            .build();
        let mut op = OperationBuilder::new()
            .summary(Some(summary))
            .operation_id(Some(format!("webhook_{}", event.replace('.', "_"))))
            .description(Some(
                "Sent as Standard Webhooks describes: the headers webhook-id (the same on every \
                 attempt), webhook-timestamp (Unix seconds) and webhook-signature (`v1,` and the \
                 base64 HMAC-SHA256 of `{id}.{timestamp}.{body}` under the endpoint's secret). \
                 Only a 2xx answer is success; Retry-After is honoured; 410 disables the endpoint.",
            ))
            .request_body(Some(
                RequestBodyBuilder::new()
                    .content(
                        "application/json",
                        ContentBuilder::new().schema(Some(body)).build(),
                    )
                    .required(Some(Required::True))
                    .build(),
            ))
            .response(
                "2XX",
                ResponseBuilder::new().description("Received").build(),
            )
            .response(
                "410",
                ResponseBuilder::new()
                    .description("Gone: the store disables the endpoint")
                    .build(),
            );
        for (name, what) in [
            ("webhook-id", "The message's id, the same on every attempt"),
            (
                "webhook-timestamp",
                "When this attempt was signed, in Unix seconds",
            ),
            (
                "webhook-signature",
                "`v1,` and the base64 HMAC-SHA256 signature (more than one, space-separated, while a secret is rotated)",
            ),
        ] {
            op = op.parameter(
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Header)
                    .required(Required::True)
                    .description(Some(what))
                    .schema(Some(String::schema())),
            );
        }
        out.insert(event.to_string(), json!({ "post": to_value(&op.build()) }));
    }
    Value::Object(out)
}
