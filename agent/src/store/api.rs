//! The store's routes: one table says what each needs, one middleware enforces it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{MatchedPath, Path, Query, Request, State as St};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use base64::Engine;
use intake_common::csvio::{self, ExportOptions, ImportOptions};
use intake_common::customer::{Contact, ContactKind, MedicalCondition, MedicalKind};
use intake_common::sync::{self, DeviceAuth, DeviceRole, PullRequest, PushRequest};
use intake_common::{
    Actor, Db, Error, Field, Op, Permission, Profile, counter, customers, duplicates, users,
};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{SESSION_LIFETIME, Session, State};

/// What a route needs from its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Anyone (what a pairing or signing-in device or person needs before it has a token).
    Public,
    /// A paired device (push and pull).
    Device,
    /// A signed-in staff member, or a counter display, holding this permission. A lobby
    /// kiosk never reaches these: a stolen kiosk does not hand over the customer list.
    Permission(Permission),
}

#[derive(Debug, Clone)]
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub need: Need,
    pub summary: &'static str,
}

const fn route(method: Method, path: &'static str, need: Need, summary: &'static str) -> Route {
    Route {
        method,
        path,
        need,
        summary,
    }
}

use Need::Permission as P;
use Permission as Pm;

/// Every route the store serves.
pub const ROUTES: &[Route] = &[
    route(
        Method::GET,
        "/v1/health",
        Need::Public,
        "Whether the store is up, and its version",
    ),
    route(
        Method::GET,
        "/openapi.json",
        Need::Public,
        "This API, described in OpenAPI 3.1",
    ),
    route(
        Method::POST,
        "/v1/pair",
        Need::Public,
        "Pair a device with a one-time code; returns its token",
    ),
    route(
        Method::POST,
        "/v1/sessions",
        Need::Public,
        "Sign a staff member in with name and PIN; returns a bearer token",
    ),
    route(
        Method::POST,
        "/v1/sync/push",
        Need::Device,
        "Apply a batch of a device's mutations, in order",
    ),
    route(
        Method::POST,
        "/v1/sync/pull",
        Need::Device,
        "Changes after a cursor, as the device's role may hold them",
    ),
    route(
        Method::POST,
        "/v1/sync/check",
        Need::Device,
        "What the device's role should hold up to its cursor: a count and a hash",
    ),
    route(
        Method::GET,
        "/v1/customers",
        P(Pm::ReadCustomer),
        "Search customers by name, e-mail or phone (q)",
    ),
    route(
        Method::POST,
        "/v1/customers",
        P(Pm::WriteCustomer),
        "Add a customer",
    ),
    route(
        Method::GET,
        "/v1/customers/{id}",
        P(Pm::ReadCustomer),
        "A customer with flags, notes, contacts, services; medical details only with medical:customer (audited)",
    ),
    route(
        Method::PATCH,
        "/v1/customers/{id}",
        P(Pm::WriteCustomer),
        "Change a customer's fields (null clears one)",
    ),
    route(
        Method::POST,
        "/v1/customers/{id}/notes",
        P(Pm::WriteCustomer),
        "Add a note",
    ),
    route(
        Method::POST,
        "/v1/customers/{id}/flags",
        P(Pm::WriteCustomer),
        "Flag a customer",
    ),
    route(
        Method::PUT,
        "/v1/customers/{id}/contacts/{kind}",
        P(Pm::WriteCustomer),
        "Set the emergency or physician contact",
    ),
    route(
        Method::POST,
        "/v1/customers/{id}/services",
        P(Pm::WriteCustomer),
        "Record a service (session)",
    ),
    route(
        Method::POST,
        "/v1/customers/{id}/medical",
        P(Pm::MedicalCustomer),
        "Record a medical condition, allergy or medication",
    ),
    route(
        Method::POST,
        "/v1/imports",
        P(Pm::ImportCustomer),
        "Import customers from a CSV body",
    ),
    route(
        Method::GET,
        "/v1/exports",
        P(Pm::ExportCustomer),
        "Export customers as CSV (audited)",
    ),
    route(
        Method::GET,
        "/v1/duplicates",
        P(Pm::ReadCustomer),
        "Groups of likely duplicate customers",
    ),
    route(
        Method::POST,
        "/v1/merges",
        P(Pm::MergeCustomer),
        "Merge duplicates into a target customer",
    ),
    route(
        Method::POST,
        "/v1/not-duplicates",
        P(Pm::MergeCustomer),
        "Mark two customers as not duplicates",
    ),
    route(
        Method::GET,
        "/v1/devices",
        P(Pm::ManageDevices),
        "Paired devices",
    ),
    route(
        Method::POST,
        "/v1/devices",
        P(Pm::ManageDevices),
        "Add a device; returns its one-time pairing code",
    ),
    route(
        Method::DELETE,
        "/v1/devices/{name}",
        P(Pm::ManageDevices),
        "Revoke a device",
    ),
];

pub fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/v1/health", get(health))
        .route("/openapi.json", get(openapi))
        .route("/v1/pair", post(pair))
        .route("/v1/sessions", post(sign_in))
        .route("/v1/sync/push", post(push))
        .route("/v1/sync/pull", post(pull))
        .route("/v1/sync/check", post(super::check::check))
        .route("/v1/customers", get(search).post(create_customer))
        .route("/v1/customers/{id}", get(customer).patch(update_customer))
        .route("/v1/customers/{id}/notes", post(add_note))
        .route("/v1/customers/{id}/flags", post(add_flag))
        .route("/v1/customers/{id}/contacts/{kind}", put(set_contact))
        .route("/v1/customers/{id}/services", post(add_service))
        .route("/v1/customers/{id}/medical", post(add_medical))
        .route("/v1/imports", post(import))
        .route("/v1/exports", get(export))
        .route("/v1/duplicates", get(list_duplicates))
        .route("/v1/merges", post(merge))
        .route("/v1/not-duplicates", post(not_duplicate))
        .route("/v1/devices", get(list_devices).post(add_device))
        .route("/v1/devices/{name}", delete(revoke_device))
        .route_layer(middleware::from_fn_with_state(
            Arc::clone(&state),
            authorize,
        ))
        // A CSV import can be large; everything else is small.
        .layer(axum::extract::DefaultBodyLimit::max(256 * 1024 * 1024))
        .with_state(state)
}

/// Who is calling.
#[derive(Debug, Clone)]
pub enum Caller {
    Device(DeviceAuth),
    Staff(Actor),
}

impl Caller {
    pub fn may(&self, p: Permission) -> bool {
        match self {
            Caller::Device(d) => d.role != DeviceRole::Kiosk && d.may(p),
            Caller::Staff(a) => a.may(p),
        }
    }

    pub fn actor(&self) -> Actor {
        match self {
            Caller::Device(d) => d.actor(),
            Caller::Staff(a) => a.clone(),
        }
    }

    fn name(&self) -> String {
        self.actor().name
    }

    /// The same rule for a change as the store applies to pushed mutations.
    fn permitted(&self, op: &Op) -> Result<(), ApiError> {
        let (role, medical) = match self {
            Caller::Device(d) => (d.role.role(), d.medical),
            Caller::Staff(a) => (a.role, false),
        };
        op.permitted(role, medical).map_err(|p| {
            ApiError::new(
                StatusCode::FORBIDDEN,
                format!("{} lacks the permission {p}", self.name()),
            )
        })
    }
}

/// An error as the API reports it: a status and a sentence, as JSON `{"error": ...}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    fn bad(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        let status = match &e {
            Error::Invalid(_) | Error::Csv(_) => StatusCode::BAD_REQUEST,
            Error::CustomerNotFound(_) | Error::UserNotFound(_) => StatusCode::NOT_FOUND,
            Error::BadCredentials | Error::BadPairingCode => StatusCode::UNAUTHORIZED,
            Error::Forbidden { .. } => StatusCode::FORBIDDEN,
            Error::UserExists(_) => StatusCode::CONFLICT,
            e if sync::is_transient(e) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status.is_server_error() {
            tracing::error!(error = %e, "request failed");
        }
        Self::new(status, e.to_string())
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        match e.downcast::<Error>() {
            Ok(e) => e.into(),
            Err(e) => Self::internal(format!("{e:#}")),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (self.status, Json(json!({ "error": self.message }))).into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        resp
    }
}

type ApiResult<T> = Result<T, ApiError>;

/// Checks the caller against [`ROUTES`] before the handler runs.
async fn authorize(
    St(state): St<Arc<State>>,
    matched: Option<MatchedPath>,
    mut req: Request,
    next: Next,
) -> Response {
    let Some(path) = matched.map(|m| m.as_str().to_string()) else {
        return next.run(req).await;
    };
    let Some(route) = ROUTES
        .iter()
        .find(|r| r.path == path && r.method == req.method())
    else {
        return next.run(req).await;
    };
    if route.need == Need::Public {
        return next.run(req).await;
    }
    let caller = match caller(&state, req.headers()).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let allowed = match (route.need, &caller) {
        (Need::Device, Caller::Device(_)) => Ok(()),
        (Need::Device, Caller::Staff(a)) => Err(format!(
            "{} is a person: only paired devices push and pull",
            a.name
        )),
        (Need::Permission(_), Caller::Device(d)) if d.role == DeviceRole::Kiosk => Err(format!(
            "kiosk {} only pushes registrations and pulls what it needs to recognise customers",
            d.name
        )),
        (Need::Permission(p), c) if !c.may(p) => {
            Err(format!("{} lacks the permission {p}", c.name()))
        }
        _ => Ok(()),
    };
    if let Err(message) = allowed {
        return ApiError::new(StatusCode::FORBIDDEN, message).into_response();
    }
    req.extensions_mut().insert(caller);
    next.run(req).await
}

async fn caller(state: &Arc<State>, headers: &HeaderMap) -> ApiResult<Caller> {
    let unauthorized = |m: &str| ApiError::new(StatusCode::UNAUTHORIZED, m);
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or_else(|| unauthorized("sign in first: send Authorization: Bearer <token>"))?
        .to_string();
    if token.starts_with("is_") {
        let key = session_key(&token);
        let mut sessions = state.sessions.lock().unwrap_or_else(|p| p.into_inner());
        sessions.retain(|_, s| s.expires > Instant::now());
        return sessions
            .get(&key)
            .map(|s| Caller::Staff(s.actor.clone()))
            .ok_or_else(|| unauthorized("the session has ended or is unknown: sign in again"));
    }
    let found = state
        .pool
        .run(move |db| Ok(sync::authenticate(db.conn(), &token)?))
        .await?;
    found
        .map(Caller::Device)
        .ok_or_else(|| unauthorized("unknown or revoked device token: pair the device again"))
}

fn session_key(token: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn caller_of(req_caller: Option<axum::Extension<Caller>>) -> ApiResult<Caller> {
    req_caller
        .map(|axum::Extension(c)| c)
        .ok_or_else(|| ApiError::internal("no caller on an authorised route"))
}

type Who = Option<axum::Extension<Caller>>;

// ---- public

async fn health() -> Json<Value> {
    Json(
        json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION"), "protocol": sync::PROTOCOL }),
    )
}

async fn openapi() -> Json<Value> {
    Json(openapi_document())
}

/// The OpenAPI description, made from [`ROUTES`].
pub fn openapi_document() -> Value {
    let mut paths = serde_json::Map::new();
    for r in ROUTES {
        let entry = paths.entry(r.path.to_string()).or_insert_with(|| json!({}));
        let mut op = json!({
            "summary": r.summary,
            "responses": {
                "200": { "description": "Success" },
                "400": { "description": "Bad input, named in the error" },
                "401": { "description": "No valid token" },
                "403": { "description": "The caller lacks what the route needs" },
            },
        });
        let params: Vec<Value> = r
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
            .collect();
        if !params.is_empty() {
            op["parameters"] = Value::Array(params);
        }
        match r.need {
            Need::Public => op["security"] = json!([]),
            Need::Device => op["x-intake-needs"] = json!("a paired device's token"),
            Need::Permission(p) => op["x-intake-needs"] = json!(p.name()),
        }
        entry[r.method.as_str().to_ascii_lowercase()] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Intake store",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The shop's store: device pairing and sync, and what staff and admins do remotely. Every route but the public ones takes `Authorization: Bearer <token>`: a staff session from POST /v1/sessions, or a paired device's token.",
        },
        "components": { "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } } },
        "security": [ { "bearer": [] } ],
        "paths": Value::Object(paths),
    })
}

async fn pair(
    St(state): St<Arc<State>>,
    Json(req): Json<sync::PairRequest>,
) -> ApiResult<Json<Value>> {
    let paired = state
        .pool
        .run(move |db| Ok(sync::pair(db, &req.code)?))
        .await?;
    Ok(Json(
        serde_json::to_value(paired).map_err(|e| ApiError::internal(e.to_string()))?,
    ))
}

#[derive(Deserialize)]
struct SignIn {
    user: String,
    pin: String,
}

async fn sign_in(St(state): St<Arc<State>>, Json(req): Json<SignIn>) -> ApiResult<Json<Value>> {
    let actor = state
        .pool
        .run(move |db| Ok(users::sign_in(db, &req.user, &req.pin)?))
        .await?;
    let token = format!(
        "is_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random32())
    );
    state
        .sessions
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(
            session_key(&token),
            Session {
                actor: actor.clone(),
                expires: Instant::now() + SESSION_LIFETIME,
            },
        );
    let permissions: Vec<&str> = actor.role.permissions().iter().map(|p| p.name()).collect();
    Ok(Json(json!({
        "token": token,
        "user": actor.name,
        "role": actor.role.name(),
        "permissions": permissions,
        "expires_in": SESSION_LIFETIME.as_secs(),
    })))
}

fn random32() -> [u8; 32] {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("the system's random source works");
    b
}

// ---- sync

async fn push(
    St(state): St<Arc<State>>,
    who: Who,
    Json(req): Json<PushRequest>,
) -> ApiResult<Json<Value>> {
    let Caller::Device(device) = caller_of(who)? else {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "only devices push"));
    };
    check_protocol(req.protocol)?;
    if req.mutations.len() > sync::PUSH_BATCH {
        return Err(ApiError::bad(format!(
            "a push carries at most {} mutations, this one {}",
            sync::PUSH_BATCH,
            req.mutations.len()
        )));
    }
    if let Some(after) = req.after {
        wait_for_batch(&state, device.id, after).await?;
    }
    let (id, last) = (device.id, req.last);
    let results = state
        .pool
        .run(move |db| {
            let started = std::time::Instant::now();
            let results = sync::apply_push(db, &device, &req.mutations)?;
            tracing::debug!(
                device = %device.name,
                mutations = results.len(),
                took_ms = started.elapsed().as_millis() as u64,
                "applied a push"
            );
            Ok(results)
        })
        .await?;
    state
        .pushed
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(id, last);
    state.pushed_moved.notify_waiters();
    Ok(Json(json!({ "results": results })))
}

/// Waits until the device's batch ending at `after` was applied. Batches from one device
/// travel side by side but apply in outbox order; one whose predecessor never arrives (it
/// failed, or the store restarted) is refused, and the device starts its round again.
async fn wait_for_batch(state: &Arc<State>, device: Uuid, after: i64) -> ApiResult<()> {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let moved = state.pushed_moved.notified();
        tokio::pin!(moved);
        moved.as_mut().enable();
        let at = state
            .pushed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&device)
            .copied();
        if at.is_some_and(|at| at >= after) {
            return Ok(());
        }
        if tokio::time::timeout_at(deadline, moved).await.is_err() {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "the batch before this one was never applied: send the outbox again from its start",
            ));
        }
    }
}

async fn pull(
    St(state): St<Arc<State>>,
    who: Who,
    Json(req): Json<PullRequest>,
) -> ApiResult<Json<Value>> {
    let Caller::Device(device) = caller_of(who)? else {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "only devices pull"));
    };
    check_protocol(req.protocol)?;
    let pulled = state
        .pool
        .run(move |db| Ok(sync::pull(db, &device, req.cursor, req.limit)?))
        .await?;
    Ok(Json(
        serde_json::to_value(pulled).map_err(|e| ApiError::internal(e.to_string()))?,
    ))
}

fn check_protocol(protocol: u32) -> ApiResult<()> {
    if protocol != sync::PROTOCOL {
        return Err(ApiError::bad(format!(
            "this store speaks sync protocol {}, the device {protocol}: update the older one",
            sync::PROTOCOL
        )));
    }
    Ok(())
}

// ---- customers

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
    limit: Option<u32>,
}

async fn search(
    St(state): St<Arc<State>>,
    who: Who,
    Query(q): Query<SearchQuery>,
) -> ApiResult<Json<Value>> {
    let actor = caller_of(who)?.actor();
    let query = q.q.unwrap_or_default();
    if query.trim().is_empty() {
        return Err(ApiError::bad(
            "q: give a name, e-mail or phone number to search for",
        ));
    }
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let found = state
        .pool
        .run(move |db| Ok(counter::search(db, &actor, &query, limit)?))
        .await?;
    let list: Vec<Value> = found
        .into_iter()
        .map(|c| Value::Object(c.to_json()))
        .collect();
    Ok(Json(Value::Array(list)))
}

#[derive(Deserialize)]
struct Fields {
    fields: BTreeMap<String, Option<String>>,
}

fn parse_fields(
    fields: &BTreeMap<String, Option<String>>,
) -> ApiResult<Vec<(Field, Option<String>)>> {
    fields
        .iter()
        .map(|(name, value)| {
            crate::fields::parse(name, value.as_deref().unwrap_or(""))
                .map_err(|e| ApiError::bad(format!("fields.{name}: {e}")))
        })
        .collect()
}

fn parse_id(raw: &str) -> ApiResult<Uuid> {
    Ok(customers::parse_id(raw)?)
}

/// Makes a change as the caller, under the same rule as pushed mutations.
async fn act(state: &Arc<State>, caller: &Caller, op: Op) -> ApiResult<Uuid> {
    caller.permitted(&op)?;
    let m = intake_common::Mutation::new(caller.name(), op);
    let id = m.id;
    state
        .pool
        .run(move |db: &mut Db| {
            intake_common::mutation::submit(db, &m)?;
            Ok(())
        })
        .await?;
    Ok(id)
}

async fn create_customer(
    St(state): St<Arc<State>>,
    who: Who,
    Json(body): Json<Fields>,
) -> ApiResult<impl IntoResponse> {
    let caller = caller_of(who)?;
    let mut profile = Profile::default();
    for (field, value) in parse_fields(&body.fields)? {
        profile.set(field, value);
    }
    if !profile.is_identifiable() {
        return Err(ApiError::bad(
            "fields: a customer needs at least one of FirstName, LastName, Email, PhoneNumber",
        ));
    }
    let id = Uuid::now_v7();
    act(
        &state,
        &caller,
        Op::CreateCustomer {
            customer: id,
            profile,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))))
}

async fn customer(
    St(state): St<Arc<State>>,
    who: Who,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let actor = caller_of(who)?.actor();
    let id = parse_id(&id)?;
    let detail = state
        .pool
        .run(move |db| Ok(customers::detail(db, &actor, id)?))
        .await?;
    Ok(Json(detail.to_json()))
}

async fn update_customer(
    St(state): St<Arc<State>>,
    who: Who,
    Path(id): Path<String>,
    Json(body): Json<Fields>,
) -> ApiResult<Json<Value>> {
    let caller = caller_of(who)?;
    let customer = existing(&state, parse_id(&id)?).await?;
    let changes = parse_fields(&body.fields)?.into_iter().collect();
    let mutation = act(&state, &caller, Op::UpdateCustomer { customer, changes }).await?;
    Ok(Json(json!({ "id": customer, "mutation": mutation })))
}

/// The customer `id` resolves to, which must exist.
async fn existing(state: &Arc<State>, id: Uuid) -> ApiResult<Uuid> {
    state
        .pool
        .run(move |db| Ok(customers::get(db.conn(), id)?.id))
        .await
}

#[derive(Deserialize)]
struct NoteBody {
    body: String,
}

async fn add_note(
    St(state): St<Arc<State>>,
    who: Who,
    Path(id): Path<String>,
    Json(b): Json<NoteBody>,
) -> ApiResult<impl IntoResponse> {
    let caller = caller_of(who)?;
    let customer = existing(&state, parse_id(&id)?).await?;
    let body = b.body.trim().to_string();
    if body.is_empty() {
        return Err(ApiError::bad("body: the note is empty"));
    }
    let note = Uuid::now_v7();
    act(
        &state,
        &caller,
        Op::AddNote {
            customer,
            id: note,
            body,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": note }))))
}

#[derive(Deserialize)]
struct FlagBody {
    kind: String,
    note: Option<String>,
}

async fn add_flag(
    St(state): St<Arc<State>>,
    who: Who,
    Path(id): Path<String>,
    Json(b): Json<FlagBody>,
) -> ApiResult<impl IntoResponse> {
    let caller = caller_of(who)?;
    let customer = existing(&state, parse_id(&id)?).await?;
    let kind = b.kind.trim().to_string();
    if kind.is_empty() {
        return Err(ApiError::bad("kind: name the kind of flag, e.g. no-show"));
    }
    let flag = Uuid::now_v7();
    act(
        &state,
        &caller,
        Op::AddFlag {
            customer,
            id: flag,
            kind,
            note: b.note,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": flag }))))
}

#[derive(Deserialize)]
struct ContactBody {
    name: String,
    phone: Option<String>,
    relation: Option<String>,
}

async fn set_contact(
    St(state): St<Arc<State>>,
    who: Who,
    Path((id, kind)): Path<(String, String)>,
    Json(b): Json<ContactBody>,
) -> ApiResult<Json<Value>> {
    let caller = caller_of(who)?;
    let customer = existing(&state, parse_id(&id)?).await?;
    let kind = match kind.as_str() {
        "emergency" => ContactKind::Emergency,
        "physician" => ContactKind::Physician,
        other => {
            return Err(ApiError::bad(format!(
                "{other:?} is not a contact kind: use emergency or physician"
            )));
        }
    };
    let name = b.name.trim().to_string();
    if name.is_empty() {
        return Err(ApiError::bad("name: the contact needs a name"));
    }
    let phone = b
        .phone
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            intake_common::normalize::phone(&p).map_err(|e| ApiError::bad(format!("phone: {e}")))
        })
        .transpose()?;
    let contact = Contact {
        kind,
        name,
        phone,
        relation: b.relation,
    };
    act(&state, &caller, Op::SetContact { customer, contact }).await?;
    Ok(Json(json!({ "id": customer })))
}

#[derive(Deserialize)]
struct ServiceBody {
    description: String,
    artist: Option<String>,
    started_at: Option<chrono::DateTime<chrono::Utc>>,
    ended_at: Option<chrono::DateTime<chrono::Utc>>,
}

async fn add_service(
    St(state): St<Arc<State>>,
    who: Who,
    Path(id): Path<String>,
    Json(b): Json<ServiceBody>,
) -> ApiResult<impl IntoResponse> {
    let caller = caller_of(who)?;
    let customer = existing(&state, parse_id(&id)?).await?;
    let description = b.description.trim().to_string();
    if description.is_empty() {
        return Err(ApiError::bad("description: say what the service is"));
    }
    let started_at = b.started_at.unwrap_or_else(chrono::Utc::now);
    if b.ended_at.is_some_and(|e| e < started_at) {
        return Err(ApiError::bad(
            "ended_at: a service cannot end before it starts",
        ));
    }
    let service = Uuid::now_v7();
    act(
        &state,
        &caller,
        Op::RecordService {
            customer,
            id: service,
            description,
            artist: b.artist,
            started_at,
            ended_at: b.ended_at,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": service }))))
}

#[derive(Deserialize)]
struct MedicalBody {
    kind: String,
    name: String,
    details: Option<String>,
}

async fn add_medical(
    St(state): St<Arc<State>>,
    who: Who,
    Path(id): Path<String>,
    Json(b): Json<MedicalBody>,
) -> ApiResult<impl IntoResponse> {
    let caller = caller_of(who)?;
    let customer = existing(&state, parse_id(&id)?).await?;
    let kind: MedicalKind = b
        .kind
        .parse()
        .map_err(|e: String| ApiError::bad(format!("kind: {e}")))?;
    let name = b.name.trim().to_string();
    if name.is_empty() {
        return Err(ApiError::bad(
            "name: name the condition, allergy or medication",
        ));
    }
    let record = Uuid::now_v7();
    let condition = MedicalCondition {
        kind,
        name,
        details: b.details,
    };
    act(
        &state,
        &caller,
        Op::AddMedicalCondition {
            customer,
            id: record,
            condition,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": record }))))
}

// ---- CSV

#[derive(Deserialize)]
struct ImportQuery {
    format: Option<String>,
    date_format: Option<String>,
    #[serde(default)]
    dry_run: bool,
}

async fn import(
    St(state): St<Arc<State>>,
    who: Who,
    Query(q): Query<ImportQuery>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let actor = caller_of(who)?.actor();
    let format = q
        .format
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(|e: String| ApiError::bad(format!("format: {e}")))?;
    let date_format = q
        .date_format
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(|e: String| ApiError::bad(format!("date_format: {e}")))?;
    let dir = state.data_dir.join("uploads");
    let report = state
        .pool
        .run(move |db| {
            std::fs::create_dir_all(&dir)
                .map_err(|e| ApiError::internal(format!("{}: {e}", dir.display())))?;
            let file = tempfile_in(&dir, "import", ".csv")?;
            std::fs::write(&file.0, &body).map_err(|e| ApiError::internal(e.to_string()))?;
            let options = ImportOptions {
                format,
                map: Vec::new(),
                date_format,
                dry_run: q.dry_run,
                progress: None,
                bulk: None,
            };
            Ok(csvio::import(db, &actor, &file.0, options)?)
        })
        .await?;
    Ok(Json(
        serde_json::to_value(report).map_err(|e| ApiError::internal(e.to_string()))?,
    ))
}

#[derive(Deserialize)]
struct ExportQuery {
    columns: Option<String>,
}

async fn export(
    St(state): St<Arc<State>>,
    who: Who,
    Query(q): Query<ExportQuery>,
) -> ApiResult<Response> {
    let actor = caller_of(who)?.actor();
    let dir = state.data_dir.join("uploads");
    let bytes = state
        .pool
        .run(move |db| {
            std::fs::create_dir_all(&dir)
                .map_err(|e| ApiError::internal(format!("{}: {e}", dir.display())))?;
            let file = tempfile_in(&dir, "export", ".csv")?;
            let _ = std::fs::remove_file(&file.0); // the export makes the file itself
            let options = ExportOptions {
                format: csvio::ExportFormat::Csv,
                columns: q
                    .columns
                    .map(|c| {
                        c.split(',')
                            .map(|s| s.trim().to_string())
                            .filter(|s| !s.is_empty())
                            .collect()
                    })
                    .unwrap_or_default(),
            };
            csvio::export(db, &actor, Some(&file.0), &options)?;
            std::fs::read(&file.0).map_err(|e| ApiError::internal(e.to_string()))
        })
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"customers.csv\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

/// A file name in `dir` that is removed when dropped.
struct TempPath(std::path::PathBuf);

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn tempfile_in(dir: &std::path::Path, prefix: &str, suffix: &str) -> ApiResult<TempPath> {
    Ok(TempPath(
        dir.join(format!("{prefix}-{}{suffix}", Uuid::now_v7())),
    ))
}

// ---- duplicates

async fn list_duplicates(St(state): St<Arc<State>>, who: Who) -> ApiResult<Json<Value>> {
    let actor = caller_of(who)?.actor();
    let groups = state
        .pool
        .run(move |db| Ok(duplicates::find(db, &actor)?))
        .await?;
    Ok(Json(Value::Array(
        groups.iter().map(duplicates::Group::to_json).collect(),
    )))
}

#[derive(Deserialize)]
struct MergeBody {
    target: String,
    duplicates: Vec<String>,
}

async fn merge(
    St(state): St<Arc<State>>,
    who: Who,
    Json(b): Json<MergeBody>,
) -> ApiResult<Json<Value>> {
    let actor = caller_of(who)?.actor();
    let target = parse_id(&b.target)?;
    let dups = b
        .duplicates
        .iter()
        .map(|d| parse_id(d))
        .collect::<ApiResult<Vec<_>>>()?;
    if dups.is_empty() {
        return Err(ApiError::bad(
            "duplicates: name at least one customer to merge",
        ));
    }
    let report = state
        .pool
        .run(move |db| Ok(duplicates::merge(db, &actor, target, &dups)?))
        .await?;
    Ok(Json(json!({
        "target": report.target,
        "merged": report.merged,
        "fields_filled": report.fields_filled,
        "records_moved": report.records_moved,
    })))
}

#[derive(Deserialize)]
struct PairBody {
    a: String,
    b: String,
}

async fn not_duplicate(
    St(state): St<Arc<State>>,
    who: Who,
    Json(b): Json<PairBody>,
) -> ApiResult<Json<Value>> {
    let actor = caller_of(who)?.actor();
    let (a, bb) = (parse_id(&b.a)?, parse_id(&b.b)?);
    state
        .pool
        .run(move |db| Ok(duplicates::mark_not_duplicate(db, &actor, a, bb)?))
        .await?;
    Ok(Json(json!({ "a": a, "b": bb })))
}

// ---- devices

async fn list_devices(St(state): St<Arc<State>>, who: Who) -> ApiResult<Json<Value>> {
    let actor = caller_of(who)?.actor();
    let list = state
        .pool
        .run(move |db| Ok(sync::list_devices(db, &actor)?))
        .await?;
    Ok(Json(
        serde_json::to_value(list).map_err(|e| ApiError::internal(e.to_string()))?,
    ))
}

#[derive(Deserialize)]
struct NewDeviceBody {
    name: String,
    role: String,
    #[serde(default)]
    medical: bool,
}

async fn add_device(
    St(state): St<Arc<State>>,
    who: Who,
    Json(b): Json<NewDeviceBody>,
) -> ApiResult<impl IntoResponse> {
    let actor = caller_of(who)?.actor();
    let role: DeviceRole = b
        .role
        .parse()
        .map_err(|e: String| ApiError::bad(format!("role: {e}")))?;
    let made = state
        .pool
        .run(move |db| Ok(sync::add_device(db, &actor, &b.name, role, b.medical)?))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::to_value(made).map_err(|e| ApiError::internal(e.to_string()))?),
    ))
}

async fn revoke_device(
    St(state): St<Arc<State>>,
    who: Who,
    Path(name): Path<String>,
) -> ApiResult<Json<Value>> {
    let actor = caller_of(who)?.actor();
    let revoked = name.clone();
    state
        .pool
        .run(move |db| Ok(sync::revoke_device(db, &actor, &name)?))
        .await?;
    Ok(Json(json!({ "revoked": revoked })))
}
