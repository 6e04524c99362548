//! What every HTML answer of the store shares (Web Sign's pages, and the staff console's):
//! strict headers under a page's own content policy, pages never cached, files served
//! beside them, a browser's token cookie read back, new tokens, and tokens compared in
//! constant time.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use maud::Markup;

/// What a set of pages declares about itself: its content security policy, and what the
/// browser may tell other addresses of where it came from.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub csp: &'static str,
    /// `no-referrer` where a page's address is itself a secret (Web Sign's links);
    /// `same-origin` where forms must carry their `Origin` (a browser sends `Origin: null`
    /// from a `no-referrer` page).
    pub referrer: &'static str,
}

/// Sets the headers every HTML answer carries: the policy's content security policy and
/// referrer policy, HSTS, no sniffing, no framing, and `cache` as its caching rule.
pub fn strict(resp: &mut Response, policy: Policy, cache: &'static str) {
    let h = resp.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, policy.csp),
        (header::STRICT_TRANSPORT_SECURITY, "max-age=31536000"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, policy.referrer),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CACHE_CONTROL, cache),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
}

/// A page under `policy`: it may hold personal data, so no browser or proxy keeps it.
pub fn page(status: StatusCode, markup: Markup, policy: Policy) -> Response {
    let mut resp = (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        markup.into_string(),
    )
        .into_response();
    strict(&mut resp, policy, "no-store");
    resp
}

/// A file served beside the pages (a stylesheet, a script), kept by browsers for an hour.
pub fn asset(content_type: &'static str, body: &'static str, policy: Policy) -> Response {
    let mut resp = ([(header::CONTENT_TYPE, content_type)], body).into_response();
    strict(&mut resp, policy, "public, max-age=3600");
    resp
}

/// The token in the cookie `name`, if the browser sent one shaped as [`new_token`] makes
/// them (anything else is no token).
pub fn cookie_token(headers: &HeaderMap, name: &str) -> Option<String> {
    cookie(headers, name)
        .filter(|v| v.len() == 43 && is_token(v))
        .map(str::to_owned)
}

/// The value of the cookie `name` the browser sent, as sent.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

/// Whether `v` is made only of URL-safe base64's characters.
pub fn is_token(v: &str) -> bool {
    v.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// 32 random bytes, URL-safe base64 without padding (43 characters).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    let _ = getrandom::fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Compares two tokens in time that does not depend on where they differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_token_is_read_only_in_its_own_shape() {
        let token = new_token();
        assert_eq!(token.len(), 43);
        let mut headers = HeaderMap::new();
        let cookie = format!("other=1; __Host-x={token}");
        headers.insert(header::COOKIE, cookie.parse().unwrap());
        assert_eq!(cookie_token(&headers, "__Host-x"), Some(token.clone()));
        assert_eq!(cookie_token(&headers, "__Host-y"), None);
        headers.insert(header::COOKIE, "__Host-x=short".parse().unwrap());
        assert_eq!(cookie_token(&headers, "__Host-x"), None);
        assert!(same(&token, &token));
        assert!(!same(&token, &new_token()));
        assert!(!same("abc", "abcd"));
    }
}
