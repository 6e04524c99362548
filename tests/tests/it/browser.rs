//! The browser harness itself: real headless Chromium on real HTTPS pages served from
//! loopback by a certificate made here, pinned by its public key.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::collections::HashMap;
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::Form;
use axum::extract::State;
use axum::response::Html;
use axum::routing::{get, post};
use intake_tests::browser::{
    Browser, BrowserError, CHROMEDRIVER, CHROMIUM, Driver, Viewport, locate, spki_pin,
};

/// The pages: a small accessible form, and one that breaks two rules.
const GOOD: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Check in</title>
<style>
  body { font: 18px/1.5 sans-serif; color: #1a1a1a; background: #fff; margin: 1rem; }
  label, input, button { display: block; font: inherit; }
  input { width: 100%; max-width: 20rem; min-height: 44px; margin-bottom: 1rem; }
  button { min-height: 44px; padding: 0 1.5rem; }
</style></head>
<body><main><h1>Check in</h1>
<form method="post" action="/submit">
  <label for="name">Your name</label>
  <input id="name" name="name" autocomplete="name">
  <label for="email">E-mail</label>
  <input id="email" name="email" type="email" autocomplete="email">
  <button type="submit">Send</button>
</form></main></body></html>"#;

const BAD: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Faint</title></head>
<body><main><h1>Faint</h1>
<p id="faint" style="color: #c8c8c8; background: #fff">Words nobody can read</p>
<form><input id="unlabelled" name="unlabelled"></form>
</main></body></html>"#;

type Posted = Arc<Mutex<Vec<HashMap<String, String>>>>;

/// An HTTPS server on a loopback port with a certificate of its own; stops when dropped.
struct Pages {
    base: String,
    cert_pem: String,
    posted: Posted,
    handle: axum_server::Handle<std::net::SocketAddr>,
}

impl Pages {
    fn start() -> Pages {
        let made = rcgen::generate_simple_self_signed(vec![
            "localhost".to_string(),
            "127.0.0.1".to_string(),
        ])
        .unwrap();
        let cert_pem = made.cert.pem();
        let key_pem = made.signing_key.serialize_pem();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let base = format!(
            "https://127.0.0.1:{}",
            listener.local_addr().unwrap().port()
        );
        let posted = Posted::default();
        let app = axum::Router::new()
            .route("/good", get(|| async { Html(GOOD) }))
            .route("/bad", get(|| async { Html(BAD) }))
            .route("/submit", post(submit))
            .with_state(Arc::clone(&posted));
        let handle = axum_server::Handle::new();
        let server = handle.clone();
        let (cert, key) = (cert_pem.clone(), key_pem);
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let _ = rustls::crypto::ring::default_provider().install_default();
                let config =
                    axum_server::tls_rustls::RustlsConfig::from_pem(cert.into(), key.into())
                        .await
                        .unwrap();
                axum_server::tls_rustls::from_tcp_rustls(listener, config)
                    .unwrap()
                    .handle(server)
                    .serve(app.into_make_service())
                    .await
                    .unwrap();
            });
        });
        Pages {
            base,
            cert_pem,
            posted,
            handle,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Pages {
    fn drop(&mut self) {
        self.handle.shutdown();
    }
}

async fn submit(
    State(posted): State<Posted>,
    Form(form): Form<HashMap<String, String>>,
) -> Html<String> {
    // A slow answer: the click must wait for the page it brings, not read the old one.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let name = form.get("name").cloned().unwrap_or_default();
    posted.lock().unwrap().push(form);
    let name = name.replace('&', "&amp;").replace('<', "&lt;");
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><title>Thanks</title></head>\
         <body><main><h1>Thanks, {name}</h1></main></body></html>"
    ))
}

fn open(viewport: Viewport, pages: &Pages) -> Browser {
    let browser = Browser::open(viewport, &[&pages.cert_pem]).unwrap();
    eprintln!("{viewport:?} session started in {:?}", browser.started_in());
    browser
}

/// The width and height in a PNG's header.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(
        &bytes[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is a PNG",
        path.display()
    );
    let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (be(16), be(20))
}

#[test]
fn the_phone_viewport_is_a_phone_390_px_wide() {
    let pages = Pages::start();
    let browser = open(Viewport::Phone, &pages);
    browser.goto(&pages.url("/good")).unwrap();
    let seen = browser
        .eval(
            // Touch as a page meets it: touch events, a coarse pointer and no hover.
            // (`navigator.maxTouchPoints` stays 0 under emulation since Chromium 148.)
            "return [window.innerWidth, window.innerHeight, 'ontouchstart' in window, \
             /Mobile/.test(navigator.userAgent), matchMedia('(pointer: coarse)').matches, \
             matchMedia('(hover: none)').matches];",
            vec![],
        )
        .unwrap();
    assert_eq!(seen, serde_json::json!([390, 844, true, true, true, true]));
}

#[test]
fn the_desktop_viewport_is_1280_by_800_without_touch() {
    let pages = Pages::start();
    let browser = open(Viewport::Desktop, &pages);
    browser.goto(&pages.url("/good")).unwrap();
    let seen = browser
        .eval(
            "return [window.innerWidth, window.innerHeight, /Mobile/.test(navigator.userAgent)];",
            vec![],
        )
        .unwrap();
    assert_eq!(seen, serde_json::json!([1280, 800, false]));
}

#[test]
fn a_form_is_filled_by_label_and_name_and_posted() {
    let pages = Pages::start();
    let browser = open(Viewport::Phone, &pages);
    browser.goto(&pages.url("/good")).unwrap();
    browser.fill("Your name", "Ann Lee").unwrap();
    browser.fill("email", "ann@example.com").unwrap();
    browser.click_button("Send").unwrap();
    assert!(
        browser.text().unwrap().contains("Thanks, Ann Lee"),
        "the answer page shows"
    );
    let posted = pages.posted.lock().unwrap().clone();
    assert_eq!(posted.len(), 1, "{posted:?}");
    assert_eq!(posted[0]["name"], "Ann Lee");
    assert_eq!(posted[0]["email"], "ann@example.com");
}

#[test]
fn a_field_or_button_not_there_is_named_with_those_that_are() {
    let pages = Pages::start();
    let browser = open(Viewport::Desktop, &pages);
    browser.goto(&pages.url("/good")).unwrap();
    let err = browser.fill("Phone", "555").unwrap_err().to_string();
    assert!(
        err.contains("\"Phone\"") && err.contains("\"Your name\", \"E-mail\""),
        "{err}"
    );
    let err = browser.click_button("Submit").unwrap_err().to_string();
    assert!(
        err.contains("\"Submit\"") && err.contains("\"Send\""),
        "{err}"
    );
}

#[test]
fn axe_finds_nothing_on_the_accessible_page() {
    let pages = Pages::start();
    for viewport in [Viewport::Phone, Viewport::Desktop] {
        let browser = open(viewport, &pages);
        browser.goto(&pages.url("/good")).unwrap();
        let report = browser.check_accessible().unwrap();
        eprintln!("axe-core ran in {:?} ({viewport:?})", report.took);
        assert_eq!(report.axe_version, "4.14.1");
    }
}

#[test]
fn axe_reports_the_missing_label_and_the_low_contrast() {
    let pages = Pages::start();
    let browser = open(Viewport::Desktop, &pages);
    browser.goto(&pages.url("/bad")).unwrap();
    let report = browser.axe().unwrap();
    eprintln!("axe-core ran in {:?}", report.took);
    let ids = report.rule_ids();
    assert!(ids.contains(&"label"), "{report}");
    assert!(ids.contains(&"color-contrast"), "{report}");
    let label = report.violation("label").unwrap();
    assert_eq!(label.impact, "critical");
    assert_eq!(label.nodes[0].selector, "#unlabelled");
    let contrast = report.violation("color-contrast").unwrap();
    assert_eq!(contrast.nodes[0].selector, "#faint");
    // The report a failing test prints names the rule, the element and the help.
    let err = browser.check_accessible().unwrap_err().to_string();
    assert!(
        err.contains("- label (critical): Form elements must have labels")
            && err.contains("#unlabelled: Fix")
            && err.contains("#faint"),
        "{err}"
    );
}

#[test]
fn a_screenshot_is_a_png_of_the_viewport() {
    let pages = Pages::start();
    let dir = tempfile::tempdir().unwrap();
    for viewport in [Viewport::Phone, Viewport::Desktop] {
        let browser = open(viewport, &pages);
        browser.goto(&pages.url("/good")).unwrap();
        let path = dir.path().join(format!("shots/{viewport:?}.png"));
        browser.screenshot(&path).unwrap();
        assert_eq!(
            png_size(&path),
            (viewport.width(), viewport.height()),
            "{viewport:?}"
        );
    }
}

#[test]
fn only_the_pinned_certificate_is_trusted() {
    let pinned = Pages::start();
    let other = Pages::start();
    assert_ne!(
        spki_pin(&pinned.cert_pem).unwrap(),
        spki_pin(&other.cert_pem).unwrap()
    );
    let browser = open(Viewport::Desktop, &pinned);
    browser.goto(&pinned.url("/good")).unwrap();
    assert!(browser.text().unwrap().contains("Check in"));
    match browser.goto(&other.url("/good")) {
        Err(BrowserError::Refused { reason, .. }) => {
            assert!(
                reason.contains("CERT"),
                "refused for its certificate: {reason}"
            )
        }
        other => panic!("a certificate not pinned was accepted: {other:?}"),
    }
    assert!(other.posted.lock().unwrap().is_empty());
}

#[test]
fn the_spki_pin_is_the_sha256_of_the_public_key() {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let spki = rcgen::PublicKeyData::subject_public_key_info(&made.signing_key);
    let expected = {
        use base64::Engine;
        use sha2::Digest;
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&spki))
    };
    assert_eq!(spki_pin(&made.cert.pem()).unwrap(), expected);
    let err = spki_pin("not a certificate").unwrap_err().to_string();
    assert!(err.contains("not a PEM certificate"), "{err}");
}

#[test]
fn a_missing_browser_names_the_package_to_install() {
    let empty = tempfile::tempdir().unwrap();
    let err = locate(CHROMEDRIVER, Some(empty.path().as_os_str()))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`chromedriver` is not installed")
            && err.contains("apt-get install chromium-driver"),
        "{err}"
    );
    assert!(
        locate(CHROMIUM, None).is_ok(),
        "chromium is installed here: apt-get install chromium"
    );
}

#[test]
fn a_driver_stops_when_dropped() {
    let driver = Driver::start().unwrap();
    let address = driver.url().trim_start_matches("http://").to_string();
    assert!(
        TcpStream::connect(&address).is_ok(),
        "chromedriver listens on {address}"
    );
    drop(driver);
    assert!(
        TcpStream::connect(&address).is_err(),
        "chromedriver still listens on {address}"
    );
}
