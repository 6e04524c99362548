//! Signing in and out of the console, and its language. Sign-in is the API's own: the
//! name and PIN checked by `users::sign_in_from`, locked after repeated failures per name
//! and per client address, and an ordinary staff session made, whose token the browser
//! keeps in a `Secure; HttpOnly; SameSite=Strict` cookie it never shows to a script.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, RawQuery, Request, State as St};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use intake_common::settings::Lang;
use intake_common::{sessions, users};
use maud::html;

use super::super::State;
use super::super::auth::throttle_address;
use super::super::error::ApiError;
use super::words::Msg;
use super::{COOKIE, LANG_COOKIE, Page, Posted, lang_of, layout, read_form, safe_next};

/// The value of `name` in a query string.
fn query_value(query: Option<&str>, name: &str) -> Option<String> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.into_owned())
}

/// What the sign-in page shows: the name typed, and what went wrong.
struct Form<'a> {
    user: &'a str,
    next: &'a str,
    problem: Option<String>,
}

fn page(state: &State, lang: Lang, status: StatusCode, form: Form<'_>) -> Page {
    let console = &state.console;
    let w = console.words(lang);
    let title = w.get(Msg::SignInTitle);
    let here = format!(
        "/console/sign-in?next={}",
        form_urlencoded::byte_serialize(form.next.as_bytes()).collect::<String>()
    );
    let body = html! {
        h1 { (title) }
        @if let Some(problem) = &form.problem {
            p.error #sign-in-problem role="alert" { (problem) }
        }
        form.sign-in method="post" action="/console/sign-in" {
            input type="hidden" name="next" value=(form.next);
            label for="user" { (w.get(Msg::Name)) }
            input #user type="text" name="user" value=(form.user) required
                maxlength="64" autocomplete="username" autocapitalize="none"
                spellcheck="false" aria-invalid=[form.problem.as_ref().map(|_| "true")]
                aria-describedby=[form.problem.as_ref().map(|_| "sign-in-problem")];
            label for="pin" { (w.get(Msg::Pin)) }
            input #pin type="password" name="pin" required maxlength="64"
                inputmode="numeric" autocomplete="current-password"
                aria-invalid=[form.problem.as_ref().map(|_| "true")];
            button type="submit" { (w.get(Msg::SignIn)) }
        }
    };
    Page::html(status, layout::outside(console, lang, &here, &title, body))
}

/// `GET /console/sign-in?next=PATH`.
pub async fn sign_in_page(
    St(state): St<Arc<State>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Page {
    let next = safe_next(&query_value(query.as_deref(), "next").unwrap_or_default());
    page(
        &state,
        lang_of(&headers),
        StatusCode::OK,
        Form {
            user: "",
            next: &next,
            problem: None,
        },
    )
}

/// `POST /console/sign-in`: name, PIN and where to go next.
pub async fn sign_in(
    St(state): St<Arc<State>>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    req: Request,
) -> Page {
    let lang = lang_of(req.headers());
    // A session this browser already holds ends when it signs in again: its cookie is
    // replaced, and a session no browser holds should not stay open.
    let earlier = super::gate::session_token(req.headers());
    let fields = match read_form(req, &state).await {
        Ok(f) => f,
        Err(page) => return page,
    };
    let get = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map_or(String::new(), |(_, v)| v.clone())
    };
    let (user, pin, next) = (get("user"), get("pin"), safe_next(&get("next")));
    // Signed in, the sign-in page is not where anyone means to go.
    let next = if next.starts_with("/console/sign-in") {
        super::HOME.to_string()
    } else {
        next
    };
    let from = throttle_address(client.ip());
    let client = client.to_string();
    let (name, secret) = (user.trim().to_string(), pin.clone());
    let started = state
        .pool
        .run(move |db| {
            let actor = users::sign_in_from(db, &name, &secret, &from)?;
            let started = sessions::create(db, &actor, &client)?;
            if let Some(token) = earlier
                && let Some(before) = sessions::authenticate(db, &token, &client)?
            {
                let id = before.session.to_string();
                sessions::revoke(db, &before.actor, &id, Some(before.session))?;
            }
            Ok(started)
        })
        .await;
    match started {
        Ok(started) => Page::redirect(&next).with_cookie(&format!(
            "{COOKIE}={}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age={}",
            started.token,
            sessions::LIFETIME.as_secs()
        )),
        Err(e) => refused(&state, lang, &user, &next, &e),
    }
}

/// The sign-in page again, saying why not: the name and PIN do not match (401), or the
/// name or this address is locked for a while (429 with `Retry-After`).
fn refused(state: &State, lang: Lang, user: &str, next: &str, e: &ApiError) -> Page {
    let w = state.console.words(lang);
    let problem = match (e.status(), e.retry_after()) {
        (StatusCode::UNAUTHORIZED, _) => w.get(Msg::BadPin).into_owned(),
        (StatusCode::TOO_MANY_REQUESTS, Some(secs)) => w
            .with(Msg::Locked, &[("minutes", secs.div_ceil(60).to_string())])
            .into_owned(),
        (status, _) if status.is_server_error() => w.get(Msg::StoreFault).into_owned(),
        _ => e.message().to_string(),
    };
    let mut page = page(
        state,
        lang,
        e.status(),
        Form {
            user: user.get(..64).unwrap_or(user),
            next,
            problem: Some(problem),
        },
    );
    if let Some(secs) = e.retry_after() {
        page.0
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    page
}

/// `POST /console/sign-out`: ends the session and forgets the cookie.
pub async fn sign_out(posted: Posted) -> Page {
    let staff = posted.staff;
    let (actor, session) = (staff.actor.clone(), staff.session);
    let ended = staff
        .state
        .pool
        .run(move |db| {
            Ok(sessions::revoke(
                db,
                &actor,
                &session.to_string(),
                Some(session),
            )?)
        })
        .await;
    match ended {
        Ok(_) => Page::redirect("/console/sign-in").with_cookie(&format!(
            "{COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0"
        )),
        Err(e) => staff.failed(e),
    }
}

/// `GET /console/language?to=es&next=PATH`: the console speaks `to` to this browser from
/// now on.
pub async fn language(RawQuery(query): RawQuery) -> Page {
    let next = safe_next(&query_value(query.as_deref(), "next").unwrap_or_default());
    let to = query_value(query.as_deref(), "to");
    match Lang::ALL
        .into_iter()
        .find(|l| Some(l.code()) == to.as_deref())
    {
        Some(lang) => Page::redirect(&next).with_cookie(&format!(
            "{LANG_COOKIE}={}; Path=/; Secure; SameSite=Lax; Max-Age=31536000",
            lang.code()
        )),
        None => Page::redirect(&next),
    }
}
