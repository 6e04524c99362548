//! The staff console: the shop's admin work in a browser, at `https://STORE/console`.
//!
//! Server-rendered pages (maud), one stylesheet, no script. Every page is a route of the
//! one table (`routes::ROUTES`) and passes the one gate (`auth::gate`), which for a
//! console route takes the caller from the `__Host-intake-console` cookie instead of
//! `Authorization`: the cookie holds an ordinary staff session token, so permissions,
//! expiry, revocation and "PIN changed, sessions end" are the API's own. Without a session
//! a page answers 303 to the sign-in page; a role without the permission gets a 403 page,
//! and the navigation never links to a page the role cannot open.
//!
//! Forgery: every POST carries a `csrf` field, an HMAC of the session's id under a key of
//! the store's own, checked by [`Posted`] before a handler sees a field; and the gate
//! refuses a console POST whose `Origin` is not the store itself.

mod audit_log;
mod customer;
mod customers;
mod device;
mod devices;
mod duplicates;
mod edit;
mod erase;
mod export;
mod form;
mod gate;
mod import;
mod import_pages;
mod layout;
mod member;
mod settings;
mod settings_release;
mod sign_in;
mod staff;
mod webhook;
mod webhooks;
mod words;

use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use intake_common::Actor;
use intake_common::i18n::Tr;
use intake_common::settings::Lang;
use uuid::Uuid;

use super::auth::Caller;
use super::error::ApiError;
use super::live::{Current, Live};
use super::{State, html};
use words::{Msg, Words};

pub use audit_log::log as audit;
pub use customer::{add_flag, add_note, release_pdf, show};
pub use customers::{list, set_columns};
pub use device::{
    exit_code, revoke as revoke_device, revoke_page as revoke_device_page, set_exit_code,
};
pub use devices::{add as add_device, list as devices};
pub use duplicates::{duplicates, merge, not_duplicate};
pub use edit::{create, delete, delete_page, edit, new, update};
pub use erase::{erase, erase_page, restricted_pdf};
pub use export::{download, export_page};
use gate::safe_next;
pub use gate::{Refusal, is_console, refuse, same_origin, session_token};
pub use import::{UPLOAD_PREFIX, tidy_uploads};
pub use import::{
    check as import_check, discard as import_discard, report_csv as import_report,
    run as import_run, show as import_show, start as import_start, upload as import_upload,
};
pub use member::{
    disable as disable_user, enable as enable_user, revoke_session, set_pin, set_role, show as user,
};
pub use settings::{save_logo, save_shop, show as settings};
pub use settings_release::{sample_pdf, save_questions, save_template};
pub use sign_in::{language, sign_in, sign_in_page, sign_out};
pub use staff::{add as add_user, list as staff};
pub use webhook::{
    disable as disable_webhook, enable as enable_webhook, recover as recover_webhook,
    replay as replay_webhook, rotate as rotate_webhook_secret, show as webhook,
    test as test_webhook,
};
pub use webhooks::{create as add_webhook, list as webhooks, new as new_webhook};

/// The browser's session cookie: an ordinary staff session token.
pub const COOKIE: &str = "__Host-intake-console";
/// The language the console speaks to this browser.
const LANG_COOKIE: &str = "__Host-intake-console-lang";
/// The key the forms' CSRF tokens are made with, in the data directory.
pub const KEY_FILE: &str = "console.key";
/// Every console answer's policy: nothing from elsewhere, no script at all, no framing,
/// forms posted only here.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
    form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
/// The console's pages: its forms carry the store's `Origin` (which a `no-referrer` page's
/// would not), and nothing of where a person was leaves the store.
const POLICY: html::Policy = html::Policy {
    csp: CSP,
    referrer: "same-origin",
};
/// Where the console starts.
pub const HOME: &str = "/console/customers";

/// The console as the store serves it: the shop's settings, the forms' key, and the
/// SHA-256 of the key the store's certificate carries (what a device pairing with it pins).
pub struct Console {
    /// The settings in force (the Settings page replaces them).
    live: Live,
    /// The words of the pages: the shop's own over the built-in ones, as at start.
    tr: Tr,
    key: [u8; 32],
    /// Uploads waiting for their import, and imports under way.
    imports: import::Jobs,
    fingerprint: Option<String>,
}

impl Console {
    pub fn new(data_dir: &std::path::Path, live: Live) -> anyhow::Result<Self> {
        Ok(Self {
            tr: live.get().settings.tr.clone(),
            live,
            key: load_key(&data_dir.join(KEY_FILE))?,
            imports: import::Jobs::default(),
            fingerprint: None,
        })
    }

    /// The console of a store serving HTTPS with the key whose SHA-256 is `fingerprint`:
    /// a new device's page shows it, for `intake-agent pair --fingerprint`.
    pub fn with_fingerprint(mut self, fingerprint: Option<String>) -> Self {
        self.fingerprint = fingerprint;
        self
    }

    /// The CSRF token of the forms a session's pages carry.
    fn csrf(&self, session: Uuid) -> String {
        URL_SAFE_NO_PAD.encode(intake_common::crypto::hmac_sha256(
            &self.key,
            &[b"intake console csrf\0", session.as_bytes()],
        ))
    }

    fn words(&self, lang: Lang) -> Words<'_> {
        Words::new(&self.tr, lang)
    }

    /// The settings in force now.
    fn current(&self) -> Arc<Current> {
        self.live.get()
    }
}

/// The forms' key: 32 random bytes made on first start, readable by the store alone.
pub(super) fn load_key(path: &std::path::Path) -> anyhow::Result<[u8; 32]> {
    use anyhow::Context as _;
    if let Ok(bytes) = std::fs::read(path) {
        return <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
            anyhow::anyhow!(
                "{} is not a console key (32 bytes): remove it and start again",
                path.display()
            )
        });
    }
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| anyhow::anyhow!("the random source failed: {e}"))?;
    intake_common::crypto::write_private(path, &key)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(key)
}

/// A console page with the console's headers.
#[derive(Debug)]
pub struct Page(Response);

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        self.0
    }
}

impl Page {
    fn html(status: StatusCode, markup: maud::Markup) -> Self {
        Self(html::page(status, markup, POLICY))
    }

    /// 303 to `to` (a path of the console's own).
    pub fn redirect(to: &str) -> Self {
        let mut resp = StatusCode::SEE_OTHER.into_response();
        if let Ok(v) = HeaderValue::from_str(to) {
            resp.headers_mut().insert(header::LOCATION, v);
        }
        html::strict(&mut resp, POLICY, "no-store");
        Self(resp)
    }

    /// A file to save (`Content-Disposition: attachment`), never kept by the browser.
    pub fn download(
        content_type: &'static str,
        file_name: &str,
        body: impl Into<axum::body::Body>,
    ) -> Self {
        let mut resp = Response::new(body.into());
        let h = resp.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        let safe: String = file_name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
            .collect();
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
        html::strict(&mut resp, POLICY, "no-store");
        Self(resp)
    }

    fn with_cookie(mut self, cookie: &str) -> Self {
        if let Ok(v) = HeaderValue::from_str(cookie) {
            self.0.headers_mut().append(header::SET_COOKIE, v);
        }
        self
    }
}

/// The console's stylesheet.
#[derive(Debug)]
pub struct Stylesheet(Response);

impl IntoResponse for Stylesheet {
    fn into_response(self) -> Response {
        self.0
    }
}

pub async fn style() -> Stylesheet {
    Stylesheet(html::asset(
        "text/css; charset=utf-8",
        include_str!("style.css"),
        POLICY,
    ))
}

/// The language for a browser: the one it chose here, else the first of its
/// `Accept-Language` the console speaks, else English.
pub fn lang_of(headers: &HeaderMap) -> Lang {
    let chosen = html::cookie(headers, LANG_COOKIE)
        .and_then(|v| Lang::ALL.into_iter().find(|l| l.code() == v));
    chosen.unwrap_or_else(|| {
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .into_iter()
            .flat_map(|v| v.split(','))
            .filter_map(|part| part.split(';').next())
            .filter_map(|tag| {
                let primary = tag.trim().split('-').next()?;
                Lang::ALL
                    .into_iter()
                    .find(|l| l.code().eq_ignore_ascii_case(primary))
            })
            .next()
            .unwrap_or(Lang::En)
    })
}

/// The signed-in staff member a console page is for, with what its pages need.
pub struct Staff {
    pub actor: Actor,
    pub session: Uuid,
    pub lang: Lang,
    pub csrf: String,
    pub state: Arc<State>,
    /// The path and query of the page asked for.
    pub here: String,
}

impl Staff {
    fn console(&self) -> &Console {
        &self.state.console
    }

    fn words(&self) -> Words<'_> {
        self.console().words(self.lang)
    }

    fn may(&self, p: intake_common::Permission) -> bool {
        self.actor.may(p)
    }

    /// A page in the console's frame: the navigation, who is signed in, `body`.
    fn page(&self, status: StatusCode, title: &str, body: maud::Markup) -> Page {
        Page::html(status, layout::frame(self, title, body, None))
    }

    /// A page that reloads itself every `secs` seconds (work under way).
    fn page_refreshing(
        &self,
        status: StatusCode,
        title: &str,
        body: maud::Markup,
        secs: u32,
    ) -> Page {
        Page::html(status, layout::frame(self, title, body, Some(secs)))
    }

    /// Whether a multipart form's first field is this session's `csrf` token. Uploads put
    /// it first, so nothing of a forged one is written.
    async fn token_first(&self, multipart: &mut axum::extract::Multipart) -> bool {
        match multipart.next_field().await.ok().flatten() {
            Some(f) if f.name() == Some("csrf") => {
                let sent = f.text().await.unwrap_or_default();
                html::same(&sent, &self.csrf)
            }
            _ => false,
        }
    }

    /// The page saying what went wrong, under the status the error carries.
    fn failed(&self, e: ApiError) -> Page {
        let w = self.words();
        let title = match e.status() {
            StatusCode::NOT_FOUND => w.get(Msg::NotFound),
            StatusCode::FORBIDDEN => w.get(Msg::Forbidden),
            _ => w.get(Msg::Failed),
        };
        // A fault of the store's own (a full disk, a database error) is in its log; the
        // page does not show its internals.
        let why = if e.status().is_server_error() {
            w.get(Msg::StoreFault).into_owned()
        } else {
            e.message().to_string()
        };
        let body = maud::html! {
            h1 { (title) }
            p.error role="alert" { (why) }
            p { a href=(HOME) { (w.get(Msg::BackToCustomers)) } }
        };
        self.page(e.status(), &title, body)
    }
}

impl FromRequestParts<Arc<State>> for Staff {
    type Rejection = Page;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<State>,
    ) -> Result<Self, Self::Rejection> {
        let lang = lang_of(&parts.headers);
        match parts.extensions.get::<Caller>() {
            Some(Caller::Staff { actor, session }) => Ok(Staff {
                actor: actor.clone(),
                session: *session,
                lang,
                csrf: state.console.csrf(*session),
                state: Arc::clone(state),
                here: parts
                    .uri
                    .path_and_query()
                    .map_or_else(|| HOME.to_string(), |p| p.as_str().to_string()),
            }),
            _ => Err(bare(
                state,
                lang,
                StatusCode::INTERNAL_SERVER_ERROR,
                "no staff member on a console page",
            )),
        }
    }
}

/// The most name/value pairs a console form may hold.
const MAX_PAIRS: usize = 400;

/// A console form post whose CSRF token matched the session's: its fields, in order.
pub struct Posted {
    pub staff: Staff,
    pub fields: Vec<(String, String)>,
}

impl Posted {
    /// The first value of `name`, trimmed; empty when it is not there.
    fn get(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.trim())
    }

    /// Every value of `name`.
    fn all(&self, name: &str) -> impl Iterator<Item = &str> {
        self.fields
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl FromRequest<Arc<State>> for Posted {
    type Rejection = Page;

    async fn from_request(req: Request, state: &Arc<State>) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let staff = Staff::from_request_parts(&mut parts, state).await?;
        let fields = read_form(Request::from_parts(parts, body), state).await?;
        let sent = fields
            .iter()
            .find(|(n, _)| n == "csrf")
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        if !html::same(sent, &staff.csrf) {
            let w = staff.words();
            return Err(staff.failed(ApiError::forbidden(w.get(Msg::RefusedForm))));
        }
        Ok(Posted { staff, fields })
    }
}

/// A form body's pairs, or the page saying why it cannot be read.
async fn read_form(req: Request, state: &Arc<State>) -> Result<Vec<(String, String)>, Page> {
    let lang = lang_of(req.headers());
    let form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form {
        return Err(bare(
            state,
            lang,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "a console form is posted as application/x-www-form-urlencoded",
        ));
    }
    let bytes = axum::body::to_bytes(req.into_body(), usize::MAX)
        .await
        .map_err(|_| {
            bare(
                state,
                lang,
                StatusCode::PAYLOAD_TOO_LARGE,
                "the form is larger than this page takes: nothing was stored",
            )
        })?;
    let fields: Vec<(String, String)> = form_urlencoded::parse(&bytes)
        .take(MAX_PAIRS + 1)
        .map(|(n, v)| (n.into_owned(), v.into_owned()))
        .collect();
    if fields.len() > MAX_PAIRS {
        return Err(bare(
            state,
            lang,
            StatusCode::BAD_REQUEST,
            "the form holds more fields than any console page sends",
        ));
    }
    Ok(fields)
}

/// A page outside the frame (no one signed in, or no one known): a heading and a sentence.
fn bare(state: &State, lang: Lang, status: StatusCode, why: &str) -> Page {
    let w = state.console.words(lang);
    let title = if status == StatusCode::FORBIDDEN {
        w.get(Msg::Forbidden)
    } else {
        w.get(Msg::Failed)
    };
    Page::html(status, layout::bare(&state.console, lang, &title, why))
}

/// `/console`: the customers.
pub async fn home() -> Page {
    Page::redirect(HOME)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_comes_from_the_choice_then_the_browser() {
        let mut h = HeaderMap::new();
        assert_eq!(lang_of(&h), Lang::En);
        h.insert(
            header::ACCEPT_LANGUAGE,
            "fr-FR, es-MX;q=0.8, en;q=0.5".parse().unwrap(),
        );
        assert_eq!(lang_of(&h), Lang::Es);
        h.insert(header::COOKIE, format!("{LANG_COOKIE}=en").parse().unwrap());
        assert_eq!(lang_of(&h), Lang::En);
        h.insert(header::COOKIE, format!("{LANG_COOKIE}=xx").parse().unwrap());
        assert_eq!(lang_of(&h), Lang::Es);
    }

    fn live() -> Live {
        let settings = intake_common::settings::Settings::defaults();
        let template = intake_common::release::TemplateRef {
            id: settings.template.id.clone(),
            version: 1,
            sha256: String::new(),
        };
        let region = settings.shop.region;
        Live::new(
            Current::new(settings, template, region),
            0,
            std::path::PathBuf::from("settings"),
        )
    }

    #[test]
    fn a_csrf_token_belongs_to_one_session_and_one_key() {
        let dir = tempfile::tempdir().unwrap();
        let a = Console::new(dir.path(), live()).unwrap();
        let again = Console::new(dir.path(), live()).unwrap();
        let (s1, s2) = (Uuid::now_v7(), Uuid::now_v7());
        assert_eq!(a.csrf(s1), again.csrf(s1), "the key is kept");
        assert_ne!(a.csrf(s1), a.csrf(s2));
        let other = tempfile::tempdir().unwrap();
        let b = Console::new(other.path(), live()).unwrap();
        assert_ne!(a.csrf(s1), b.csrf(s1));
        std::fs::write(dir.path().join(KEY_FILE), b"short").unwrap();
        assert!(Console::new(dir.path(), live()).is_err());
    }
}
