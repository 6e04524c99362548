//! The gate every request passes before routing: the route table decides (unknown path 404,
//! a method the path does not take 405, a body over the route's limit 413), then the caller
//! is checked against what the route needs. Also who a caller is, and signing in.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State as St};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use intake_common::sync::{self, DeviceAuth, DeviceRole};
use intake_common::{Actor, Permission, change, sessions, users};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::error::{ApiError, ApiResult};
use super::routes::{self, Lookup, Need};
use super::{State, console};

/// How long a request's body may take to arrive.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(120);
/// How long a request may take, body and answer (a streamed answer's body is not counted).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(300);

/// Who is calling.
#[derive(Debug, Clone)]
pub enum Caller {
    Device(DeviceAuth),
    Staff { actor: Actor, session: Uuid },
}

impl Caller {
    /// The caller as the one front door for changes (`intake_common::change`) knows it:
    /// the API's permission answers and every change it makes go through that.
    pub fn change_caller(&self) -> change::Caller {
        match self {
            Caller::Device(d) => change::Caller::Device(d.clone()),
            Caller::Staff { actor, .. } => change::Caller::Staff(actor.clone()),
        }
    }

    pub fn may(&self, p: Permission) -> bool {
        self.change_caller().may(p)
    }

    pub fn actor(&self) -> Actor {
        self.change_caller().actor()
    }

    pub fn name(&self) -> String {
        self.actor().name
    }
}

/// The caller the gate found, as handlers receive it.
pub type Who = Option<axum::Extension<Caller>>;

pub fn caller_of(who: Who) -> ApiResult<Caller> {
    who.map(|axum::Extension(c)| c)
        .ok_or_else(|| ApiError::internal("no caller on an authorised route"))
}

/// The client's address, as the connection gave it.
pub fn client_of(req: &Request) -> String {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_string(), |c| c.0.to_string())
}

/// Checks every request against [`routes::ROUTES`] before any handler runs, and fails
/// closed: what the table does not name is refused.
pub async fn gate(St(state): St<Arc<State>>, mut req: Request, next: Next) -> Response {
    let on_console = console::is_console(req.uri().path());
    // A console request the gate refuses gets a page, not JSON.
    let refuse = |req: &Request, why: console::Refusal| {
        let here = req
            .uri()
            .path_and_query()
            .map_or(console::HOME, |p| p.as_str());
        console::refuse(&state, req.method(), req.headers(), here, why)
    };
    let route = match routes::lookup(req.method(), req.uri().path()) {
        Lookup::Found(route) => route,
        Lookup::MethodNotAllowed(allowed) => {
            return routes::method_not_allowed(req.method(), &allowed);
        }
        Lookup::NotFound if on_console => return refuse(&req, console::Refusal::NotFound),
        Lookup::NotFound => return routes::not_found().await,
    };
    // The console's forms are posted from its own pages only.
    if on_console && req.method() == Method::POST && !console::same_origin(req.headers()) {
        return refuse(&req, console::Refusal::Origin);
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let (method, headers) = (req.method().clone(), req.headers().clone());
    let too_large = |state: &State| {
        if on_console {
            return console::refuse(state, &method, &headers, "", console::Refusal::TooLarge);
        }
        route
            .is_page()
            .then(|| super::web_sign::too_large(state, route.limit))
            .flatten()
            .unwrap_or_else(|| ApiError::too_large(route.limit).into_response())
    };
    if let Some(n) = declared.filter(|n| *n > route.limit as u64) {
        if route.is_page() && n <= PAGE_DRAIN as u64 {
            // A browser posting a form too large for the page still gets the page that says
            // so: the body is read and dropped first, so the connection is not reset under
            // the browser before it reads the answer. A larger one is cut off as anywhere.
            // Each chunk is dropped as it arrives: nothing of it is kept, so a client that
            // never signed in holds no memory here, only its connection slot.
            let mut body = http_body_util::Limited::new(req.into_body(), PAGE_DRAIN);
            let drain = async {
                while let Some(Ok(_)) = http_body_util::BodyExt::frame(&mut body).await {}
            };
            let _ = tokio::time::timeout(BODY_TIMEOUT, drain).await;
        }
        return too_large(&state);
    }
    if route.need != Need::Public {
        let client = client_of(&req);
        let found = if on_console {
            console_caller(&state, req.headers(), client).await
        } else {
            caller(&state, req.headers(), client).await
        };
        let caller = match found {
            Ok(c) => c,
            Err(_) if on_console => return refuse(&req, console::Refusal::SignIn),
            Err(e) => return e.into_response(),
        };
        if let Err(message) = allowed(route.need, &caller) {
            if on_console {
                return refuse(&req, console::Refusal::Forbidden(message));
            }
            return ApiError::forbidden(message).into_response();
        }
        req.extensions_mut().insert(caller);
    }
    let late = Arc::new(AtomicBool::new(false));
    let req = req.map(|body| {
        Body::new(http_body_util::Limited::new(
            Deadline::new(body, BODY_TIMEOUT, Arc::clone(&late)),
            route.limit,
        ))
    });
    let Ok(resp) = tokio::time::timeout(REQUEST_TIMEOUT, next.run(req)).await else {
        return ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "the request took longer than {} s",
                REQUEST_TIMEOUT.as_secs()
            ),
        )
        .into_response();
    };
    if late.load(Ordering::Relaxed) {
        return ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "the request body did not arrive within {} s: nothing was stored",
                BODY_TIMEOUT.as_secs()
            ),
        )
        .into_response();
    }
    if resp.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return too_large(&state);
    }
    resp
}

/// The most a page route reads and drops of a body over its limit, so the browser gets
/// the page that says it was too large rather than a reset connection.
const PAGE_DRAIN: usize = 4 << 20;

/// Whether `caller` may use a route that needs `need`.
fn allowed(need: Need, caller: &Caller) -> Result<(), String> {
    match (need, caller) {
        (Need::Public, _) | (Need::Device, Caller::Device(_)) => Ok(()),
        (Need::Staff, Caller::Staff { .. }) => Ok(()),
        (Need::Device, Caller::Staff { actor, .. }) => Err(format!(
            "{} is a person: only paired devices push and pull",
            actor.name
        )),
        (Need::Staff, Caller::Device(d)) => Err(format!(
            "{} is a device: only a signed-in staff member's session does this",
            d.name
        )),
        (Need::Permission(_), Caller::Device(d)) if d.role == DeviceRole::Kiosk => Err(format!(
            "kiosk {} only pushes registrations and pulls what it needs to recognise customers",
            d.name
        )),
        (Need::Permission(p), c) if !c.may(p) => {
            Err(format!("{} lacks the permission {p}", c.name()))
        }
        (Need::Permission(_), _) => Ok(()),
    }
}

async fn caller(state: &Arc<State>, headers: &HeaderMap, client: String) -> ApiResult<Caller> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.len() <= 256)
        .ok_or_else(|| ApiError::unauthorized("sign in first: send Authorization: Bearer <token>"))?
        .to_string();
    if token.starts_with(sessions::TOKEN_PREFIX) {
        let found = state
            .pool
            .run(move |db| Ok(sessions::authenticate(db, &token, &client)?))
            .await?;
        return found
            .map(|s| Caller::Staff {
                actor: s.actor,
                session: s.session,
            })
            .ok_or_else(|| {
                ApiError::unauthorized("the session has ended or is unknown: sign in again")
            });
    }
    let found = state
        .pool
        .run(move |db| Ok(sync::authenticate(db.conn(), &token)?))
        .await?;
    found.map(Caller::Device).ok_or_else(|| {
        ApiError::unauthorized("unknown or revoked device token: pair the device again")
    })
}

/// A console page's caller: the staff session in the console's cookie, never a bearer
/// token (a page cannot be made to act by a token a script holds).
async fn console_caller(
    state: &Arc<State>,
    headers: &HeaderMap,
    client: String,
) -> ApiResult<Caller> {
    let token = console::session_token(headers)
        .ok_or_else(|| ApiError::unauthorized("sign in to the console first"))?;
    let found = state
        .pool
        .run(move |db| Ok(sessions::authenticate(db, &token, &client)?))
        .await?;
    found
        .map(|s| Caller::Staff {
            actor: s.actor,
            session: s.session,
        })
        .ok_or_else(|| ApiError::unauthorized("the session has ended or is unknown"))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SignIn {
    user: String,
    pin: String,
}

/// A new staff session: its bearer token (shown once), its id, and who it is for.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SignedIn {
    pub token: String,
    pub session: Uuid,
    pub user: String,
    pub role: String,
    pub permissions: Vec<String>,
    pub expires_at: String,
    /// Seconds.
    pub expires_in: u64,
}

pub async fn sign_in(
    St(state): St<Arc<State>>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Json(req): Json<SignIn>,
) -> ApiResult<Json<SignedIn>> {
    let from = throttle_address(client.ip());
    let client = client.to_string();
    let (actor, started) = state
        .pool
        .run(move |db| {
            let actor = users::sign_in_from(db, &req.user, &req.pin, &from)?;
            let started = sessions::create(db, &actor, &client)?;
            Ok((actor, started))
        })
        .await?;
    Ok(Json(SignedIn {
        token: started.token,
        session: started.id,
        role: actor.role.name().to_string(),
        permissions: actor
            .role
            .permissions()
            .iter()
            .map(|p| p.name().to_string())
            .collect(),
        user: actor.name,
        expires_at: started.expires_at,
        expires_in: sessions::LIFETIME.as_secs(),
    }))
}

/// The address sign-in throttling counts by: an IPv4 address, or an IPv6 address's /64
/// (one host holds a whole /64, so counting single IPv6 addresses would count nothing).
pub fn throttle_address(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V6(v6) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        std::net::IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map_or(ip.to_string(), |v4| v4.to_string()),
        std::net::IpAddr::V4(v4) => v4.to_string(),
    }
}

/// A request body that fails once `timeout` has passed, marking `late` so the gate can say
/// why.
struct Deadline {
    inner: Body,
    sleep: Pin<Box<tokio::time::Sleep>>,
    late: Arc<AtomicBool>,
}

impl Deadline {
    fn new(inner: Body, timeout: Duration, late: Arc<AtomicBool>) -> Self {
        Self {
            inner,
            sleep: Box::pin(tokio::time::sleep(timeout)),
            late,
        }
    }
}

impl http_body::Body for Deadline {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        if self.sleep.as_mut().poll(cx).is_ready() {
            self.late.store(true, Ordering::Relaxed);
            return Poll::Ready(Some(Err(axum::Error::new(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the request body did not arrive in time",
            )))));
        }
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}
