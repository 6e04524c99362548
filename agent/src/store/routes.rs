//! The one table of routes: what each needs from its caller, how large a body it takes,
//! which handler serves it, and what it reads and answers (query, body, success status and
//! type, its own error statuses). The router, the gate in front of it (`auth::gate`) and
//! `/openapi.json` (`openapi`) are all made from this table, so no route exists outside it,
//! and a route's declared answer type must be its handler's, or the table does not compile.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter};
use intake_common::Permission;
use intake_common::csvio::ImportReport;
use intake_common::customer::Customer;
use intake_common::customers::Detail;
use intake_common::duplicates::MergeReport;
use intake_common::sessions::Session;
use intake_common::sync::check::{CheckAnswer, CheckRequest};
use intake_common::sync::{
    self, DeviceRecord, NewDevice, PairRequest, PairResponse, PullRequest, PullResponse,
    PushRequest, PushResponse,
};
use intake_common::visit_links::VisitLink;
use serde::Serialize;
use serde_json::Value;
use utoipa::openapi::path::{Parameter, ParameterIn};
use utoipa::openapi::schema::{AdditionalProperties, ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{IntoParams, ToSchema};

use super::admin::{
    DeviceRevoked, DuplicatesPage, DuplicatesQuery, MergeBody, NewDeviceBody, NotDuplicates,
    PairBody, SessionEnded,
};
use super::auth::{SignIn, SignedIn};
use super::customers::{
    ContactBody, Fields, FlagBody, MedicalBody, NoteBody, Saved, SearchQuery, ServiceBody, Updated,
};
use super::error::ApiError;
use super::exit::{ExitAllowed, ExitRequest};
use super::files::{ExportQuery, ImportQuery};
use super::links::{NewLink, NewLinkBody};
use super::web_sign::{self, SignQuery};
use super::{
    State, admin, auth, console, customers, exit, files, links, openapi, sync as sync_routes,
};

/// What a route needs from its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Anyone (what a pairing or signing-in device or person needs before it has a token).
    Public,
    /// A paired device (push and pull).
    Device,
    /// A signed-in staff member (the route checks what more it needs).
    Staff,
    /// A signed-in staff member, or a counter display, holding this permission. A lobby
    /// kiosk never reaches these: a stolen kiosk does not hand over the customer list.
    Permission(Permission),
}

/// Puts a route's handler on its path's method router, for the method `MethodFilter` names.
pub type Install = fn(MethodRouter<Arc<State>>, MethodFilter) -> MethodRouter<Arc<State>>;

#[derive(Debug, Clone)]
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub need: Need,
    /// The largest request body the route reads; a larger one is answered 413.
    pub limit: usize,
    pub summary: &'static str,
    pub install: Install,
    /// The query string it reads.
    pub query: Option<Params>,
    /// The body it reads.
    pub body: Body,
    /// Its answer when all goes well: the status and the body.
    pub ok: (StatusCode, Body),
    /// The errors the route itself gives. The gate's (401 and 403 unless the route is
    /// public, 413 for a body over the limit) are added from `need` and `limit`.
    pub errors: &'static [StatusCode],
}

impl Route {
    /// Whether the route answers with pages (Web Sign, the console), its refusals included.
    pub fn is_page(&self) -> bool {
        matches!(self.ok.1, Body::Html)
    }

    /// Whether the route is the staff console's: a signed-in browser's, whose caller comes
    /// from the console's cookie.
    pub fn is_console(&self) -> bool {
        console::is_console(self.path)
    }
}

/// A request's or an answer's body, as the OpenAPI description names it.
#[derive(Debug, Clone, Copy)]
pub enum Body {
    None,
    /// JSON of a type's schema: adds the schemas it needs to the components, returns its own
    /// (a reference to a named one).
    Json(Shape),
    /// CSV text.
    Csv,
    /// An HTML page (Web Sign's).
    Html,
    /// A form post (`application/x-www-form-urlencoded`).
    Form,
    /// A stylesheet.
    Css,
    /// A script.
    Js,
}

pub type Shape = fn(&mut Schemas) -> RefOr<Schema>;
pub type Schemas = Vec<(String, RefOr<Schema>)>;
pub type Params = fn() -> Vec<Parameter>;

/// One value of type `T`, by reference to its named schema.
pub fn one<T: ToSchema>(schemas: &mut Schemas) -> RefOr<Schema> {
    schemas.push((T::name().into_owned(), T::schema()));
    T::schemas(schemas);
    Ref::from_schema_name(T::name()).into()
}

/// A JSON array of `T`.
pub fn list<T: ToSchema>(schemas: &mut Schemas) -> RefOr<Schema> {
    ArrayBuilder::new().items(one::<T>(schemas)).into()
}

/// A JSON object of any keys (this document).
fn object(_: &mut Schemas) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .additional_properties(Some(AdditionalProperties::FreeForm(true)))
        .into()
}

/// The fields of `T` as query parameters.
pub fn query<T: IntoParams>() -> Vec<Parameter> {
    T::into_params(|| Some(ParameterIn::Query))
}

/// Bodies of the public routes (sign-in, pairing) and of reads.
pub const SMALL: usize = 4 << 10;
/// A Web Sign form post: a step's answers, the page's sealed state and up to two drawn
/// signatures (64 KiB of PNG each, carried in base64 in the state and in the post).
pub const PAGE: usize = 512 << 10;
/// Bodies of a customer's changes.
pub const FORM: usize = 64 << 10;
/// A push of [`sync::PUSH_BATCH`] registrations (about 23 KB each, mostly two signature
/// PNGs) or a CSV import.
pub const BULK: usize = 64 << 20;

/// What a handler answers, as the table names it: the type of its JSON body, [`Csv`] for
/// CSV text.
pub trait Answer {
    type Body;
}

/// An answer of CSV text (a streamed [`Response`]).
#[derive(Debug)]
pub struct Csv;

impl<T> Answer for Json<T> {
    type Body = T;
}

impl<T> Answer for (StatusCode, Json<T>) {
    type Body = T;
}

impl Answer for Response {
    type Body = Csv;
}

/// An HTML page.
#[derive(Debug)]
pub struct Html;
/// A stylesheet.
#[derive(Debug)]
pub struct Css;
/// A script.
#[derive(Debug)]
pub struct Js;

impl Answer for web_sign::Page {
    type Body = Html;
}

impl Answer for web_sign::Stylesheet {
    type Body = Css;
}

impl Answer for web_sign::Script {
    type Body = Js;
}

impl Answer for console::Page {
    type Body = Html;
}

impl Answer for console::Stylesheet {
    type Body = Css;
}

impl<A: Answer> Answer for Result<A, ApiError> {
    type Body = A::Body;
}

/// A handler taking `Args`, and the body type of its answer.
pub trait Handles<Args> {
    type Body;
}

macro_rules! handles {
    ($($arg:ident),*) => {
        impl<F, Fut, $($arg),*> Handles<($($arg,)*)> for F
        where
            F: Fn($($arg),*) -> Fut,
            Fut: std::future::Future,
            Fut::Output: Answer,
        {
            type Body = <Fut::Output as Answer>::Body;
        }
    };
}

handles!();
handles!(A1);
handles!(A1, A2);
handles!(A1, A2, A3);
handles!(A1, A2, A3, A4);
handles!(A1, A2, A3, A4, A5);

/// Compiles only when `handler` answers `B`: the table cannot name another type than the
/// handler returns.
pub const fn answers<B, Args, H: Handles<Args, Body = B>>(_: &H) {}

macro_rules! answer_type {
    (csv) => { Csv };
    (html) => { Html };
    (css) => { Css };
    (js) => { Js };
    (object) => { Value };
    ([$t:ty]) => { Vec<$t> };
    ($t:ty) => { $t };
}

macro_rules! body {
    (-) => {
        Body::None
    };
    (csv) => {
        Body::Csv
    };
    (html) => {
        Body::Html
    };
    (form) => {
        Body::Form
    };
    (css) => {
        Body::Css
    };
    (js) => {
        Body::Js
    };
    (object) => {
        Body::Json(object)
    };
    ([$t:ty]) => {
        Body::Json(list::<$t>)
    };
    ($t:ty) => {
        Body::Json(one::<$t>)
    };
}

/// `METHOD "path", need, body limit, handler, "summary", [query: Params,] body: In,
/// ok: STATUS Out, errors: [STATUS...]`, where a body is `-` (none), `csv`, `object` (any
/// JSON object), `Type` or `[Type]` (a JSON array), and for Web Sign `html` (a page),
/// `form` (a form post), `css` and `js`.
macro_rules! route {
    ($method:ident $path:literal, $need:expr, $limit:expr, $handler:path, $summary:literal,
     $(query: $query:ty,)? body: $body:tt, ok: $ok:ident $out:tt, errors: [$($e:ident),*]) => {
        {
            // The handler answers the type the table names, or this does not compile.
            const _: () = answers::<answer_type!($out), _, _>(&$handler);
            Route {
                method: Method::$method,
                path: $path,
                need: $need,
                limit: $limit,
                summary: $summary,
                install: |m, f| m.on(f, $handler),
                query: route!(@query $($query)?),
                body: body!($body),
                ok: (StatusCode::$ok, body!($out)),
                errors: &[$(StatusCode::$e),*],
            }
        }
    };
    (@query) => { None };
    (@query $query:ty) => { Some(query::<$query>) };
}

use Need::Permission as P;
use Permission as Pm;

#[path = "routes/console.rs"]
mod console_pages;

/// Every route the store serves: the API's and Web Sign's below, then the staff
/// console's (`routes/console.rs`).
pub static ROUTES: std::sync::LazyLock<Vec<Route>> =
    std::sync::LazyLock::new(|| [API, console_pages::ROUTES].concat());

/// The API's routes and Web Sign's pages.
static API: &[Route] = &[
    route!(GET "/v1/health", Need::Public, SMALL, health,
        "Whether the store is up, and its version",
        body: -, ok: OK Health, errors: []),
    route!(GET "/openapi.json", Need::Public, SMALL, openapi,
        "This API, described in OpenAPI 3.1",
        body: -, ok: OK object, errors: []),
    route!(POST "/v1/pair", Need::Public, SMALL, sync_routes::pair,
        "Pair a device with a one-time code; returns its token",
        body: PairRequest, ok: OK PairResponse, errors: [BAD_REQUEST, UNAUTHORIZED, TOO_MANY_REQUESTS]),
    route!(POST "/v1/sessions", Need::Public, SMALL, auth::sign_in,
        "Sign a staff member in with name and PIN; returns a bearer token and the session's id",
        body: SignIn, ok: OK SignedIn, errors: [BAD_REQUEST, UNAUTHORIZED, TOO_MANY_REQUESTS]),
    route!(GET "/v1/sessions", P(Pm::ManageUsers), SMALL, admin::list_sessions,
        "Staff sessions that have not ended: user, role, created, last seen, client address, expiry",
        body: -, ok: OK [Session], errors: []),
    route!(DELETE "/v1/sessions/{id}", Need::Staff, SMALL, admin::revoke_session,
        "End a session (by id or a prefix of it): one's own (sign out), or anyone's with manage:users",
        body: -, ok: OK SessionEnded, errors: [BAD_REQUEST, NOT_FOUND]),
    route!(POST "/v1/sync/push", Need::Device, BULK, sync_routes::push,
        "Apply a batch of a device's mutations, in order",
        body: PushRequest, ok: OK PushResponse, errors: [BAD_REQUEST, CONFLICT]),
    route!(POST "/v1/sync/pull", Need::Device, SMALL, sync_routes::pull,
        "Changes after a cursor, as the device's role may hold them",
        body: PullRequest, ok: OK PullResponse, errors: [BAD_REQUEST]),
    route!(POST "/v1/sync/check", Need::Device, SMALL, sync_routes::check,
        "What the device's role should hold up to its cursor: a count and a hash",
        body: CheckRequest, ok: OK CheckAnswer, errors: [BAD_REQUEST]),
    route!(POST "/v1/kiosk/exit", Need::Device, SMALL, exit::check,
        "A lobby kiosk's staff exit: whose staff PIN this is (user and role), throttled per kiosk",
        body: ExitRequest, ok: OK ExitAllowed, errors: [BAD_REQUEST, TOO_MANY_REQUESTS]),
    route!(GET "/v1/customers", P(Pm::ReadCustomer), SMALL, customers::search,
        "Search customers by name, e-mail or phone (q)",
        query: SearchQuery, body: -, ok: OK [Customer], errors: [BAD_REQUEST]),
    route!(POST "/v1/customers", P(Pm::WriteCustomer), FORM, customers::create,
        "Add a customer",
        body: Fields, ok: CREATED Saved, errors: [BAD_REQUEST]),
    route!(GET "/v1/customers/{id}", P(Pm::ReadCustomer), SMALL, customers::show,
        "A customer with flags, notes, contacts, services; medical details only with medical:customer (audited)",
        body: -, ok: OK Detail, errors: [BAD_REQUEST, NOT_FOUND]),
    route!(PATCH "/v1/customers/{id}", P(Pm::WriteCustomer), FORM, customers::update,
        "Change a customer's fields (null clears one)",
        body: Fields, ok: OK Updated, errors: [BAD_REQUEST, NOT_FOUND]),
    route!(POST "/v1/customers/{id}/notes", P(Pm::WriteCustomer), FORM, customers::add_note,
        "Add a note",
        body: NoteBody, ok: CREATED Saved, errors: [BAD_REQUEST, NOT_FOUND]),
    route!(POST "/v1/customers/{id}/flags", P(Pm::WriteCustomer), FORM, customers::add_flag,
        "Flag a customer",
        body: FlagBody, ok: CREATED Saved, errors: [BAD_REQUEST, NOT_FOUND]),
    route!(PUT "/v1/customers/{id}/contacts/{kind}", P(Pm::WriteCustomer), FORM,
        customers::set_contact, "Set the emergency or physician contact",
        body: ContactBody, ok: OK Saved, errors: [BAD_REQUEST, NOT_FOUND]),
    route!(POST "/v1/customers/{id}/services", P(Pm::WriteCustomer), FORM,
        customers::add_service, "Record a service (session)",
        body: ServiceBody, ok: CREATED Saved, errors: [BAD_REQUEST, NOT_FOUND]),
    route!(POST "/v1/customers/{id}/medical", P(Pm::MedicalCustomer), FORM,
        customers::add_medical, "Record a medical condition, allergy or medication",
        body: MedicalBody, ok: CREATED Saved, errors: [BAD_REQUEST, NOT_FOUND]),
    route!(POST "/v1/imports", P(Pm::ImportCustomer), BULK, files::import,
        "Import customers from a CSV body",
        query: ImportQuery, body: csv, ok: OK ImportReport, errors: [BAD_REQUEST]),
    route!(GET "/v1/exports", P(Pm::ExportCustomer), SMALL, files::export,
        "Export customers as CSV, streamed as it is made (audited)",
        query: ExportQuery, body: -, ok: OK csv, errors: [BAD_REQUEST]),
    route!(GET "/v1/duplicates", P(Pm::ReadCustomer), SMALL, admin::list_duplicates,
        "Groups of likely duplicate customers, a page at a time (audited)",
        query: DuplicatesQuery, body: -, ok: OK DuplicatesPage, errors: [BAD_REQUEST]),
    route!(POST "/v1/merges", P(Pm::MergeCustomer), FORM, admin::merge,
        "Merge duplicates into a target customer",
        body: MergeBody, ok: OK MergeReport, errors: [BAD_REQUEST, NOT_FOUND]),
    route!(POST "/v1/not-duplicates", P(Pm::MergeCustomer), FORM, admin::not_duplicate,
        "Mark two customers as not duplicates",
        body: PairBody, ok: OK NotDuplicates, errors: [BAD_REQUEST, NOT_FOUND]),
    route!(GET "/v1/devices", P(Pm::ManageDevices), SMALL, admin::list_devices,
        "Paired devices",
        body: -, ok: OK [DeviceRecord], errors: []),
    route!(POST "/v1/devices", P(Pm::ManageDevices), SMALL, admin::add_device,
        "Add a device; returns its one-time pairing code",
        body: NewDeviceBody, ok: CREATED NewDevice, errors: [BAD_REQUEST]),
    route!(DELETE "/v1/devices/{name}", P(Pm::ManageDevices), SMALL, admin::revoke_device,
        "Revoke a device",
        body: -, ok: OK DeviceRevoked, errors: [BAD_REQUEST]),
    route!(POST "/v1/web-sign/links", P(Pm::InviteCustomer), SMALL, links::make,
        "Make a Web Sign link for one visit (a customer on file, or a name); its address holds the token, shown once (audited)",
        body: NewLinkBody, ok: CREATED NewLink, errors: [BAD_REQUEST, NOT_FOUND]),
    route!(GET "/v1/web-sign/links", P(Pm::InviteCustomer), SMALL, links::list,
        "Web Sign links, newest first, each open, used, revoked or expired (audited)",
        body: -, ok: OK [VisitLink], errors: []),
    route!(DELETE "/v1/web-sign/links/{id}", P(Pm::InviteCustomer), SMALL, links::revoke,
        "Revoke a Web Sign link (by id or a prefix of it) (audited)",
        body: -, ok: OK VisitLink, errors: [BAD_REQUEST, NOT_FOUND]),
    // Web Sign: public pages (a customer on their own phone), answered with pages, also
    // when refused; 404 while the store serves without --web-sign.
    route!(GET "/sign", Need::Public, SMALL, web_sign::open,
        "Web Sign: the first step of the registration and release, with a fresh form",
        query: SignQuery, body: -, ok: OK html, errors: [NOT_FOUND, TOO_MANY_REQUESTS]),
    route!(POST "/sign", Need::Public, PAGE, web_sign::post,
        "Web Sign: a step's answers, a move between steps, a change of language, or the submit",
        body: form, ok: OK html,
        errors: [BAD_REQUEST, FORBIDDEN, NOT_FOUND, UNPROCESSABLE_ENTITY, TOO_MANY_REQUESTS, SERVICE_UNAVAILABLE]),
    route!(GET "/sign/v/{token}", Need::Public, SMALL, web_sign::open_visit,
        "Web Sign through a link for one visit: the first step, bound to that visit; a used, revoked, expired or unknown link gets one same page",
        query: SignQuery, body: -, ok: OK html, errors: [NOT_FOUND, TOO_MANY_REQUESTS, SERVICE_UNAVAILABLE]),
    route!(GET "/sign/style.css", Need::Public, SMALL, web_sign::style,
        "Web Sign's stylesheet",
        body: -, ok: OK css, errors: []),
    route!(GET "/sign/pad.js", Need::Public, SMALL, web_sign::script,
        "Web Sign's signature pad (the pages' only script)",
        body: -, ok: OK js, errors: []),
];

/// What the table says about a request's path: the route for its method, or why none.
pub enum Lookup {
    Found(&'static Route),
    /// The path is known, the method not: these are the ones it takes.
    MethodNotAllowed(Vec<&'static str>),
    NotFound,
}

/// Finds the route for `method` on `path` (the request's path as sent, before decoding).
pub fn lookup(method: &Method, path: &str) -> Lookup {
    let mut allowed = Vec::new();
    for route in ROUTES.iter().filter(|r| matches(r.path, path)) {
        if route.method == method {
            return Lookup::Found(route);
        }
        allowed.push(route.method.as_str());
    }
    if allowed.is_empty() {
        Lookup::NotFound
    } else {
        Lookup::MethodNotAllowed(allowed)
    }
}

/// Whether `path` fits `pattern`: the same literal segments, and a non-empty segment for
/// each `{name}`.
fn matches(pattern: &str, path: &str) -> bool {
    let mut want = pattern.split('/');
    let mut got = path.split('/');
    loop {
        match (want.next(), got.next()) {
            (None, None) => return true,
            (Some(w), Some(g)) if w.starts_with('{') && w.ends_with('}') => {
                if g.is_empty() {
                    return false;
                }
            }
            (Some(w), Some(g)) if w == g => {}
            _ => return false,
        }
    }
}

/// The router, made from [`ROUTES`] alone, behind the gate.
pub fn router(state: Arc<State>) -> anyhow::Result<Router> {
    let mut paths: Vec<(&str, MethodRouter<Arc<State>>)> = Vec::new();
    for r in ROUTES.iter() {
        let filter = MethodFilter::try_from(r.method.clone())
            .map_err(|e| anyhow::anyhow!("route {} {}: {e}", r.method, r.path))?;
        match paths.iter_mut().find(|(p, _)| *p == r.path) {
            Some((_, m)) => *m = (r.install)(std::mem::take(m), filter),
            None => paths.push((r.path, (r.install)(MethodRouter::new(), filter))),
        }
    }
    let mut router = Router::new();
    for (path, methods) in paths {
        router = router.route(path, methods);
    }
    Ok(router
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            auth::gate,
        ))
        // Each route's own limit is applied by the gate.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state(state))
}

pub async fn not_found() -> Response {
    ApiError::new(StatusCode::NOT_FOUND, "no such route: see /openapi.json").into_response()
}

/// 405 with the methods the path takes, before any handler runs.
pub fn method_not_allowed(method: &Method, allowed: &[&str]) -> Response {
    let mut resp = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!(
            "this route does not take {method}; it takes {}",
            allowed.join(", ")
        ),
    )
    .into_response();
    if let Ok(v) = allowed.join(", ").parse() {
        resp.headers_mut().insert(header::ALLOW, v);
    }
    resp
}

/// Whether the store is up.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// Always `ok`.
    pub status: String,
    pub version: String,
    /// The sync protocol it speaks.
    pub protocol: u32,
}

async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        protocol: sync::PROTOCOL,
    })
}

/// `/openapi.json` is public: the document is made once per process, not per request.
async fn openapi() -> Json<Value> {
    static DOCUMENT: std::sync::LazyLock<Value> = std::sync::LazyLock::new(openapi::document);
    Json(DOCUMENT.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_their_patterns_only() {
        assert!(matches("/v1/customers/{id}", "/v1/customers/abc"));
        assert!(!matches("/v1/customers/{id}", "/v1/customers/"));
        assert!(!matches("/v1/customers/{id}", "/v1/customers/abc/notes"));
        assert!(!matches("/v1/health", "/v1/health/"));
        assert!(
            matches!(lookup(&Method::HEAD, "/v1/health"), Lookup::MethodNotAllowed(m) if m == ["GET"])
        );
        assert!(matches!(
            lookup(&Method::GET, "/v1/nothing"),
            Lookup::NotFound
        ));
    }

    #[test]
    fn a_literal_path_finds_its_own_route_before_any_pattern() {
        for r in ROUTES.iter().filter(|r| !r.path.contains('{')) {
            match lookup(&r.method, r.path) {
                Lookup::Found(found) => assert_eq!(found.path, r.path, "{} {}", r.method, r.path),
                _ => panic!("{} {} not found", r.method, r.path),
            }
        }
    }

    #[test]
    fn every_console_page_but_signing_in_needs_a_session() {
        let public: Vec<&str> = ROUTES
            .iter()
            .filter(|r| r.is_console() && r.need == Need::Public)
            .map(|r| r.path)
            .collect();
        assert_eq!(
            public,
            [
                "/console/style.css",
                "/console/sign-in",
                "/console/sign-in",
                "/console/language"
            ]
        );
    }

    #[test]
    fn every_route_is_once_in_the_table() {
        for (i, a) in ROUTES.iter().enumerate() {
            assert!(
                MethodFilter::try_from(a.method.clone()).is_ok(),
                "{}",
                a.path
            );
            for b in &ROUTES[i + 1..] {
                assert!(
                    !(a.method == b.method && a.path == b.path),
                    "{} {} twice",
                    a.method,
                    a.path
                );
            }
        }
    }
}
