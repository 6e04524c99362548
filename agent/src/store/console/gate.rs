//! What the gate (`auth::gate`) asks of the console before any handler runs: whether a
//! path is the console's, the session token in its cookie, whether a form comes from the
//! store's own pages, and the page it answers when it refuses. Also where a page may send a
//! person next (never off the console).

use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use intake_common::sessions;

use super::super::{State, html};
use super::words::Msg;
use super::{COOKIE, HOME, Page, bare, lang_of};

/// Whether a console POST comes from the store's own pages: its `Origin` is this store.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    match (host, origin) {
        (Some(host), Some(origin)) => origin
            .strip_prefix("https://")
            .is_some_and(|o| o.eq_ignore_ascii_case(host)),
        _ => false,
    }
}

/// The session token in the console cookie, if there is one of a session's shape.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    html::cookie(headers, COOKIE)
        .filter(|v| v.starts_with(sessions::TOKEN_PREFIX) && v.len() <= 128 && html::is_token(v))
        .map(str::to_owned)
}

/// What the gate answers a console request it refuses: no session (sign in first), a
/// foreign origin, a role without the permission, a path the console does not have, a
/// body too large.
pub enum Refusal {
    SignIn,
    Origin,
    Forbidden(String),
    NotFound,
    TooLarge,
}

/// The gate's answer for a console request it refuses.
pub fn refuse(
    state: &State,
    method: &Method,
    headers: &HeaderMap,
    path_and_query: &str,
    why: Refusal,
) -> Response {
    let lang = lang_of(headers);
    let w = state.console.words(lang);
    match why {
        Refusal::SignIn if *method == Method::GET => {
            let next: String = form_urlencoded::byte_serialize(path_and_query.as_bytes()).collect();
            Page::redirect(&format!("/console/sign-in?next={next}"))
                // A cookie the store no longer knows is cleared.
                .with_cookie(&format!(
                    "{COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0"
                ))
                .into_response()
        }
        Refusal::SignIn => bare(
            state,
            lang,
            StatusCode::UNAUTHORIZED,
            &w.get(Msg::SessionEnded),
        )
        .into_response(),
        Refusal::Origin => bare(
            state,
            lang,
            StatusCode::FORBIDDEN,
            &w.get(Msg::RefusedOrigin),
        )
        .into_response(),
        Refusal::Forbidden(why) => {
            let body = w.get(Msg::ForbiddenWhy);
            bare(
                state,
                lang,
                StatusCode::FORBIDDEN,
                &format!("{body} ({why})"),
            )
            .into_response()
        }
        Refusal::NotFound => {
            bare(state, lang, StatusCode::NOT_FOUND, &w.get(Msg::NoSuchPage)).into_response()
        }
        Refusal::TooLarge => bare(
            state,
            lang,
            StatusCode::PAYLOAD_TOO_LARGE,
            &w.get(Msg::TooLarge),
        )
        .into_response(),
    }
}

/// Whether `path` is a console page.
pub fn is_console(path: &str) -> bool {
    path == "/console" || path.starts_with("/console/")
}

/// `next` if it is a console path of this store, else the console's start.
pub(super) fn safe_next(next: &str) -> String {
    let ok = next.starts_with("/console")
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(|c| c.is_control())
        && next.len() <= 2048
        && next.split(['?', '#']).next().is_some_and(is_console);
    if ok {
        next.to_string()
    } else {
        HOME.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_the_console() {
        assert_eq!(
            safe_next("/console/customers?q=a"),
            "/console/customers?q=a"
        );
        assert_eq!(
            safe_next("/console/sign-in?next=%2Fconsole"),
            "/console/sign-in?next=%2Fconsole"
        );
        for bad in [
            "https://evil.example/console",
            "//evil.example/console",
            "/\\evil.example",
            "/consolex",
            "/v1/customers",
            "/console\n/customers",
            "",
        ] {
            assert_eq!(safe_next(bad), HOME, "{bad:?}");
        }
    }

    #[test]
    fn only_the_store_itself_is_the_same_origin() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, "127.0.0.1:8443".parse().unwrap());
        assert!(!same_origin(&h), "no Origin at all");
        h.insert(header::ORIGIN, "https://127.0.0.1:8443".parse().unwrap());
        assert!(same_origin(&h));
        for other in [
            "http://127.0.0.1:8443",
            "https://127.0.0.1:8444",
            "https://127.0.0.1:8443.evil.example",
            "null",
        ] {
            h.insert(header::ORIGIN, other.parse().unwrap());
            assert!(!same_origin(&h), "{other}");
        }
    }
}
