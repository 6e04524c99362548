//! Web Sign: customers register and sign their release on their own phone, at
//! `https://STORE/sign`, with the same steps and rules as the kiosk and the same settings.
//!
//! Plain server-rendered forms (`pages`); the form between steps lives only in the page,
//! sealed and bound to the browser's CSRF cookie (`draft`); each step's answers are read
//! and checked with the kiosk's validators (`fields`, `flow`); the submit is the kiosk's
//! own `release::submit`, so it is one durable transaction and the counter, webhooks and
//! the PDF see a kiosk registration. Every answer carries strict headers; openings and
//! submits are limited per address (`limits`).

mod draft;
mod fields;
mod flow;
mod limits;
mod pages;
mod submit;
mod words;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, RawQuery, State as St};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use intake_common::crypto::Sealer;
use intake_common::i18n::Tr;
use intake_common::settings::Lang;
use intake_common::visit_links::{self, Visit};
use maud::Markup;

use super::auth::throttle_address;
use super::live::{Current, Live};
use super::{State, html};
use draft::Draft;
use fields::Step;
use flow::Post;
use words::{WebMsg, Words};

/// The device name releases signed on the web carry (no paired device may take it).
pub const DEVICE: &str = intake_common::release::WEB_SIGN_DEVICE;
/// The key the pages' drafts are sealed under, in the data directory.
pub const KEY_FILE: &str = "web-sign.key";
/// The browser's CSRF token.
const COOKIE: &str = "__Host-intake-sign";
/// Every Web Sign answer's policy: nothing from elsewhere, no inline script or style, no
/// framing, forms posted only here; images also from `data:` (the signature adopted).
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";
/// Web Sign's pages: a link's address holds its token, so no page says where it came from.
const POLICY: html::Policy = html::Policy {
    csp: CSP,
    referrer: "no-referrer",
};
/// The most name/value pairs a post may hold.
const MAX_PAIRS: usize = 200;

/// Web Sign as a store serves it: the shop's settings, the template version releases are
/// signed under, the drafts' key and the limits.
pub struct WebSign {
    /// The settings in force (the console may replace them while the store runs).
    live: Live,
    /// The words of the pages: the shop's own over the built-in ones, as at start.
    tr: Tr,
    key: Sealer,
    /// The key of the addresses' hashes the limits count by (the console's key, which
    /// every store process shares).
    count_key: [u8; 32],
    opens: limits::Window,
    submits: limits::Window,
}

impl WebSign {
    /// Web Sign for the store in `data_dir`, under the settings in force (`live`, whose
    /// template the store registered): loads or makes the drafts' key.
    pub fn new(data_dir: &std::path::Path, live: Live) -> anyhow::Result<Self> {
        let key = Sealer::load_or_create(&data_dir.join(KEY_FILE))
            .context("the key Web Sign seals its pages' state with")?;
        let tr = live.get().settings.tr.clone();
        Ok(Self {
            live,
            tr,
            key,
            count_key: super::console::load_key(&data_dir.join(super::console::KEY_FILE))?,
            opens: limits::Window::new("open", limits::OPENS, limits::OPEN_WINDOW),
            submits: limits::Window::new("submit", limits::SUBMITS, limits::SUBMIT_WINDOW),
        })
    }

    fn words(&self, lang: Lang) -> Words<'_> {
        Words::new(&self.tr, lang)
    }

    /// The settings in force now.
    fn current(&self) -> Arc<Current> {
        self.live.get()
    }

    /// The shop's Web Sign address (`web_sign_url` in shop.toml), if it set one.
    pub fn address(&self) -> Option<String> {
        self.current().settings.shop.web_sign_url.clone()
    }

    /// The page for a link that cannot be used: the same for one used, revoked, expired or
    /// never made, so the page tells a guesser nothing.
    fn link_refused(&self, lang: Lang) -> Page {
        let why = self.words(lang).get(WebMsg::RefusedLink);
        self.refusal(lang, StatusCode::NOT_FOUND, &why)
    }

    /// The shop's first language: for a page that cannot tell the customer's.
    fn first_lang(&self) -> Lang {
        self.current()
            .settings
            .shop
            .languages
            .first()
            .copied()
            .unwrap_or(Lang::En)
    }

    /// The language asked for, if the shop speaks it.
    fn lang(&self, code: &str) -> Option<Lang> {
        self.current()
            .settings
            .shop
            .languages
            .iter()
            .copied()
            .find(|l| code.eq_ignore_ascii_case(l.code()))
    }

    fn refusal(&self, lang: Lang, status: StatusCode, why: &str) -> Page {
        page(
            status,
            pages::refused(self.words(lang), &self.current().settings, why),
        )
    }
}

/// An HTML page with Web Sign's headers.
#[derive(Debug)]
pub struct Page(Response);

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        self.0
    }
}

/// The stylesheet.
#[derive(Debug)]
pub struct Stylesheet(Response);

impl IntoResponse for Stylesheet {
    fn into_response(self) -> Response {
        self.0
    }
}

/// The signature pad's script.
#[derive(Debug)]
pub struct Script(Response);

impl IntoResponse for Script {
    fn into_response(self) -> Response {
        self.0
    }
}

fn page(status: StatusCode, markup: Markup) -> Page {
    Page(html::page(status, markup, POLICY))
}

fn with_retry_after(mut p: Page, secs: u64) -> Page {
    p.0.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    p
}

/// A page saying Web Sign is off, in English and Spanish (no settings to say more).
fn off() -> Page {
    let tr = intake_common::i18n::Tr::built_in();
    let why: Vec<String> = Lang::ALL
        .iter()
        .map(|l| tr.get(*l, WebMsg::RefusedOff.id()).into_owned())
        .collect();
    page(
        StatusCode::NOT_FOUND,
        maud::html! {
            (maud::DOCTYPE)
            html lang="en" {
                head { meta charset="utf-8"; title { "Web Sign" } link rel="stylesheet" href="/sign/style.css"; }
                body { main { @for w in &why { p.refusal { (w) } } } }
            }
        },
    )
}

/// The answer to a body larger than a Web Sign route takes, as a page.
pub fn too_large(state: &State, limit: usize) -> Option<Response> {
    let ws = state.web_sign.as_ref()?;
    let lang = ws.first_lang();
    let size = super::error::size(limit);
    let why = ws
        .words(lang)
        .with(WebMsg::RefusedTooLarge, &[("size", size)]);
    Some(
        ws.refusal(lang, StatusCode::PAYLOAD_TOO_LARGE, &why)
            .into_response(),
    )
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// The query `GET /sign` reads.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct SignQuery {
    /// The language to start in (`en`, `es`); else the browser's, else the shop's first.
    #[allow(dead_code)]
    pub lang: Option<String>,
}

/// `GET /sign`: the first step, with a fresh draft.
pub async fn open(
    St(state): St<Arc<State>>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Page {
    match opening(&state, client, query.as_deref(), &headers).await {
        Ok((ws, lang)) => first_page(ws, lang, &headers, None),
        Err(refused) => *refused,
    }
}

/// `GET /sign/v/{token}`: the first step, bound to the visit of a link staff made. Counted
/// with the other openings before the token is looked at, so guessing tokens is as
/// limited per address as opening the form.
pub async fn open_visit(
    St(state): St<Arc<State>>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Page {
    let (ws, lang) = match opening(&state, client, query.as_deref(), &headers).await {
        Ok(opened) => opened,
        Err(refused) => return *refused,
    };
    let found = state
        .pool
        .run(move |db| Ok(visit_links::open(db.conn(), &token)?))
        .await;
    match found {
        Ok(Some(visit)) => first_page(ws, lang, &headers, Some(visit)),
        Ok(None) => ws.link_refused(lang),
        Err(e) => {
            tracing::error!(error = ?e, "could not look a Web Sign link up");
            let why = ws.words(lang).get(WebMsg::RefusedUnavailable);
            ws.refusal(lang, StatusCode::SERVICE_UNAVAILABLE, &why)
        }
    }
}

/// An opening of the form: Web Sign and the language to open in, or the page refusing it
/// (Web Sign off, or too many openings from the address, counted here).
async fn opening<'a>(
    state: &'a State,
    client: SocketAddr,
    query: Option<&str>,
    headers: &HeaderMap,
) -> Result<(&'a WebSign, Lang), Box<Page>> {
    let ws = state.web_sign.as_deref().ok_or_else(|| Box::new(off()))?;
    let lang = opening_lang(ws, query, headers);
    match count(state, ws, &ws.opens, lang, client).await {
        Some(busy) => Err(Box::new(busy)),
        None => Ok((ws, lang)),
    }
}

/// The language to open in: asked for in the query, else the browser's, else the shop's
/// first.
fn opening_lang(ws: &WebSign, query: Option<&str>, headers: &HeaderMap) -> Lang {
    let asked = query
        .and_then(|q| form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "lang"))
        .and_then(|(_, v)| ws.lang(&v));
    let browser = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .and_then(|v| ws.lang(v.trim().get(..2).unwrap_or("")));
    asked.or(browser).unwrap_or_else(|| ws.first_lang())
}

/// Counts a request from `client` in `window` (openings or submits); the refusal once its
/// address has made too many.
async fn count(
    state: &State,
    ws: &WebSign,
    window: &limits::Window,
    lang: Lang,
    client: SocketAddr,
) -> Option<Page> {
    let secs = window
        .count(&state.pool, &ws.count_key, &throttle_address(client.ip()))
        .await
        .err()?;
    let why = ws.words(lang).with(
        WebMsg::RefusedBusy,
        &[("minutes", secs.div_ceil(60).to_string())],
    );
    Some(with_retry_after(
        ws.refusal(lang, StatusCode::TOO_MANY_REQUESTS, &why),
        secs,
    ))
}

/// The first step with a fresh draft (bound to `visit`, if opened through a link), and
/// the CSRF cookie if the browser has none.
fn first_page(ws: &WebSign, lang: Lang, headers: &HeaderMap, visit: Option<Visit>) -> Page {
    let (csrf, fresh) = match html::cookie_token(headers, COOKIE) {
        Some(t) => (t, false),
        None => (html::new_token(), true),
    };
    let current = ws.current();
    let mut draft = Draft::new(&current, lang, Utc::now().timestamp());
    if let Some(v) = visit {
        draft.visit = Some(v.id);
        draft.greeting = v.greeting;
    }
    let mut p = render(ws, &draft, &csrf, &Vec::new(), StatusCode::OK);
    if fresh {
        let cookie = format!("{COOKIE}={csrf}; Path=/; Secure; HttpOnly; SameSite=Strict");
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            p.0.headers_mut().insert(header::SET_COOKIE, v);
        }
    }
    p
}

fn render(
    ws: &WebSign,
    draft: &Draft,
    csrf: &str,
    problems: &flow::Problems,
    status: StatusCode,
) -> Page {
    let state = draft.seal(&ws.key, csrf);
    let current = ws.current();
    let markup = pages::step(&pages::StepPage {
        words: ws.words(draft.lang),
        settings: &current.settings,
        draft,
        hidden: pages::Hidden {
            state: &state,
            csrf,
        },
        problems,
        today: today(),
    });
    page(status, markup)
}

/// Reads a form post, refusing one that holds a value longer than its kind allows.
fn read_post(body: &[u8]) -> Result<Post, (String, usize)> {
    let mut post = Post::new();
    for (i, (name, value)) in form_urlencoded::parse(body).enumerate() {
        if i >= MAX_PAIRS {
            return Err(("(the form)".into(), MAX_PAIRS));
        }
        let max = match name.as_ref() {
            // The sealed draft: bounded by the route's body limit.
            "sealed" => usize::MAX,
            // A drawn signature as a data: URL, base64.
            "signature" | "guardian_signature" => flow::SIGNATURE_MAX_BYTES / 3 * 4 + 64,
            _ => fields::HARD_MAX,
        };
        if value.chars().count() > max {
            let label = name.chars().take(40).collect();
            return Err((label, max));
        }
        post.insert(name.into_owned(), value.into_owned());
    }
    Ok(post)
}

/// `POST /sign`: a step's answers, a move between steps, a change of language, or the
/// submit.
pub async fn post(
    St(state): St<Arc<State>>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Page {
    let Some(ws) = state.web_sign.as_ref() else {
        return off();
    };
    let fallback = ws.first_lang();
    let post = match read_post(&body) {
        Ok(p) => p,
        Err((field, max)) => {
            let why = ws.words(fallback).with(
                WebMsg::RefusedField,
                &[("field", field), ("max", max.to_string())],
            );
            return ws.refusal(fallback, StatusCode::BAD_REQUEST, &why);
        }
    };
    let get = |name: &str| post.get(name).map_or("", String::as_str);
    let forged = |lang| {
        ws.refusal(
            lang,
            StatusCode::FORBIDDEN,
            &ws.words(lang).get(WebMsg::RefusedForged),
        )
    };
    let Some(csrf) = html::cookie_token(&headers, COOKIE) else {
        return forged(fallback);
    };
    if !html::same(&csrf, get("csrf")) {
        return forged(fallback);
    }
    let Some(mut draft) = Draft::open(&ws.key, &csrf, get("sealed")) else {
        return forged(fallback);
    };
    let now = Utc::now().timestamp();
    if draft.expired(now) {
        let why = ws.words(draft.lang).get(WebMsg::RefusedExpired);
        return ws.refusal(draft.lang, StatusCode::BAD_REQUEST, &why);
    }
    // A draft begun under other clauses or questions answers them again: its answers
    // are by position, and a position may now hold another clause.
    let current = ws.current();
    draft.follow(&current);
    let today = today();
    let settings = &current.settings;
    let minor = |d: &Draft| flow::is_minor(d, settings, today);
    let action = get("action");
    match action {
        "language" => {
            if let Some(lang) = ws.lang(get("lang")) {
                draft.lang = lang;
            }
            render(ws, &draft, &csrf, &Vec::new(), StatusCode::OK)
        }
        "back" => {
            flow::apply(draft.step, &post, &mut draft, settings, today);
            let asked: Vec<Step> = Step::asked(minor(&draft)).collect();
            let here = asked.iter().position(|s| *s == draft.step).unwrap_or(0);
            draft.step = asked[here.saturating_sub(1)];
            draft.reviewing = false;
            render(ws, &draft, &csrf, &Vec::new(), StatusCode::OK)
        }
        "next" => {
            let mut problems = flow::apply(draft.step, &post, &mut draft, settings, today);
            for (name, p) in flow::check(draft.step, &draft, settings, today) {
                if !problems.iter().any(|(m, _)| *m == name) {
                    problems.push((name, p));
                }
            }
            if !problems.is_empty() {
                return render(
                    ws,
                    &draft,
                    &csrf,
                    &problems,
                    StatusCode::UNPROCESSABLE_ENTITY,
                );
            }
            let asked: Vec<Step> = Step::asked(minor(&draft)).collect();
            let here = asked.iter().position(|s| *s == draft.step).unwrap_or(0);
            draft.step = if draft.reviewing {
                // A change made from the review goes back there, unless it asks more (a
                // birthdate that makes a minor needs a guardian and their clauses).
                flow::first_unfinished(&draft, settings, today).map_or(Step::Review, |(s, _)| s)
            } else {
                asked.get(here + 1).copied().unwrap_or(Step::Review)
            };
            render(ws, &draft, &csrf, &Vec::new(), StatusCode::OK)
        }
        edit if edit.starts_with("edit:") => {
            if let Some(step) =
                Step::from_name(&edit[5..]).filter(|s| Step::asked(minor(&draft)).any(|a| a == *s))
            {
                draft.step = step;
                draft.reviewing = true;
            }
            render(ws, &draft, &csrf, &Vec::new(), StatusCode::OK)
        }
        "submit" => {
            let current = Arc::clone(&current);
            submit::submit(&state, ws, current, draft, &csrf, client).await
        }
        _ => {
            let why = ws.words(draft.lang).get(WebMsg::RefusedForm);
            ws.refusal(draft.lang, StatusCode::BAD_REQUEST, &why)
        }
    }
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    html::asset(content_type, body, POLICY)
}

/// `GET /sign/style.css`.
pub async fn style() -> Stylesheet {
    Stylesheet(asset("text/css; charset=utf-8", include_str!("style.css")))
}

/// `GET /sign/pad.js`.
pub async fn script() -> Script {
    Script(asset(
        "text/javascript; charset=utf-8",
        include_str!("pad.js"),
    ))
}
