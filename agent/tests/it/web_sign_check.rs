//! `web-sign check` and `web-sign poster`: whether a phone would open the shop's Web Sign
//! address, asked of a real store over HTTPS with certificates from an authority of the
//! test's own; and the poster a shop prints, read back from its PDF and its QR code.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::path::Path;
use std::process::{Command, Output};

use intake_tests::authority::Authority;
use intake_tests::cluster::agent_output;

use crate::support::{Store, add_owner, agent};

fn refused(out: &Output, says: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a phone would open it? {stderr}");
    assert!(stderr.contains(says), "{says:?} not in: {stderr}");
    assert!(
        stderr.contains("hides its Web Sign QR code"),
        "the refusal says what the kiosk does: {stderr}"
    );
}

fn check(dir: &Path, address: &str, roots: Option<&Path>) -> Output {
    let mut args = vec!["web-sign", "check", "--address", address];
    if let Some(r) = roots {
        args.extend(["--phone-roots", r.to_str().unwrap()]);
    }
    agent_output(dir, &args)
}

/// A store serving Web Sign with a certificate `ca` issued for `names`.
fn store_with(root: &Path, name: &str, ca: &Authority, names: &[&str], expired: bool) -> Store {
    let dir = root.join(name);
    add_owner(&dir);
    let (cert, key) = ca.issue(names, expired).write(root, name);
    Store::start(
        &dir,
        &[
            "--web-sign",
            "--cert",
            cert.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
        ],
    )
}

#[test]
fn a_phone_opens_the_address_only_with_a_trusted_certificate_for_its_name() {
    let tmp = tempfile::tempdir().unwrap();
    let ca = Authority::new("Intake test root");
    let root = ca.write_root(tmp.path(), "root.pem");
    let store = store_with(tmp.path(), "store", &ca, &["localhost"], false);
    let dir = &store.dir;
    let at = |host: &str, path: &str| format!("https://{host}:{}{path}", store.port);

    // A phone whose makers trust this authority opens the page.
    let out = agent(
        dir,
        &[
            "web-sign",
            "check",
            "--address",
            &at("localhost", "/sign"),
            "--phone-roots",
            root.to_str().unwrap(),
        ],
    );
    assert!(out.contains("Phones can open"), "{out}");

    // The same certificate with only the public authorities: a real phone says no.
    refused(
        &check(dir, &at("localhost", "/sign"), None),
        "not signed by an authority phones trust",
    );
    // The right authority, but a name the certificate is not for.
    refused(
        &check(dir, &at("127.0.0.1", "/sign"), Some(&root)),
        "the certificate is not for 127.0.0.1",
    );
    // The certificate is fine, the page is not there.
    refused(
        &check(dir, &at("localhost", "/nowhere"), Some(&root)),
        "answered 404",
    );
    // Not HTTPS, and nothing listening.
    let plain = format!("http://localhost:{}/sign", store.port);
    refused(&check(dir, &plain, Some(&root)), "not an https:// address");
    refused(
        &check(dir, "https://localhost:1/sign", Some(&root)),
        "no answer from localhost",
    );
    // Roots that are not certificates are named with the file.
    let junk = tmp.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate").unwrap();
    let out = check(dir, &at("localhost", "/sign"), Some(&junk));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("junk.pem"),
        "{stderr}"
    );
}

#[test]
fn an_expired_or_self_signed_certificate_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let ca = Authority::new("Intake test root");
    let root = ca.write_root(tmp.path(), "root.pem");
    let expired = store_with(tmp.path(), "expired", &ca, &["localhost"], true);
    let address = format!("https://localhost:{}/sign", expired.port);
    refused(&check(&expired.dir, &address, Some(&root)), "has expired");
    drop(expired);

    // The store's own certificate, made on its first start: every phone refuses it.
    let dir = tmp.path().join("self-signed");
    add_owner(&dir);
    let store = Store::start(&dir, &["--web-sign"]);
    let address = format!("https://localhost:{}/sign", store.port);
    refused(
        &check(&dir, &address, Some(&root)),
        "not signed by an authority phones trust",
    );
}

#[test]
fn the_poster_carries_the_address_as_a_code_a_phone_reads_in_the_shops_languages() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let settings = dir.join("settings");
    std::fs::create_dir(&settings).unwrap();
    std::fs::write(
        settings.join("shop.toml"),
        "name = \"Ink Lab\"\nlanguages = [\"es\", \"en\"]\nregion = \"ES\"\n\
         web_sign_url = \"https://sign.example.com/ink-lab\"\n",
    )
    .unwrap();
    let pdf = dir.join("poster.pdf");
    let settings_arg = settings.to_str().unwrap();
    let out = agent(
        dir,
        &[
            "--settings",
            settings_arg,
            "web-sign",
            "poster",
            "--out",
            pdf.to_str().unwrap(),
        ],
    );
    assert!(out.contains("sign.example.com"), "{out}");

    let run = |program: &str, args: &[&str]| -> String {
        let out = Command::new(program)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{program} runs ({e}): install poppler-utils, zbar-tools"));
        assert!(out.status.success(), "{program} {args:?}: {out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let pdf_arg = pdf.to_str().unwrap();
    // A4 for a shop in Spain, one page, Spanish first and English below.
    let info = run("pdfinfo", &[pdf_arg]);
    assert!(info.contains("595.28 x 841.89 pts (A4)"), "{info}");
    assert!(info.contains("Pages:           1"), "{info}");
    let text = run("pdftotext", &[pdf_arg, "-"]);
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for words in [
        "Ink Lab",
        "Firme su exención en su teléfono",
        "Sign your release on your phone",
        "https://sign.example.com/ink-lab",
        "Toque el enlace",
    ] {
        assert!(text.contains(words), "{words:?} not on the poster: {text}");
    }
    assert!(
        text.find("Firme su").unwrap() < text.find("Sign your").unwrap(),
        "the shop's first language comes first: {text}"
    );
    // The code, scanned from the printed page, is the address.
    let png = dir.join("poster");
    run(
        "pdftoppm",
        &[
            "-r",
            "100",
            "-png",
            "-singlefile",
            pdf_arg,
            png.to_str().unwrap(),
        ],
    );
    let scanned = run(
        "zbarimg",
        &["--quiet", "--raw", dir.join("poster.png").to_str().unwrap()],
    );
    assert_eq!(scanned.trim(), "https://sign.example.com/ink-lab");

    // Letter by --paper; an address a phone cannot open makes no poster.
    agent(
        dir,
        &[
            "web-sign",
            "poster",
            "--address",
            "https://sign.example.com/x",
            "--paper",
            "letter",
            "--out",
            pdf_arg,
        ],
    );
    assert!(run("pdfinfo", &[pdf_arg]).contains("612 x 792 pts (letter)"));
    let out = agent_output(
        dir,
        &[
            "web-sign",
            "poster",
            "--address",
            "http://sign.example.com/x",
            "--out",
            dir.join("bad.pdf").to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an https:// address"));
    assert!(!dir.join("bad.pdf").exists(), "nothing written");
    // Without an address or settings that give one, the command says where to put it.
    let out = agent_output(dir, &["web-sign", "poster", "--out", pdf_arg]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("web_sign_url"));
}

/// An HTTPS server (a certificate from `ca` for localhost) whose every page redirects to
/// `to`, or answers 200 without one; returns its port. It runs until the test's runtime
/// ends.
async fn page(ca: &Authority, to: Option<String>) -> u16 {
    use axum::response::{IntoResponse, Redirect};
    let issued = ca.issue(&["localhost"], false);
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = axum_server::tls_rustls::RustlsConfig::from_pem(
        issued.cert_pem.into_bytes(),
        issued.key_pem.into_bytes(),
    )
    .await
    .unwrap();
    let app = axum::Router::new().fallback(move || {
        let to = to.clone();
        async move {
            match to {
                Some(to) => Redirect::temporary(&to).into_response(),
                None => "the form".into_response(),
            }
        }
    });
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = axum_server::tls_rustls::from_tcp_rustls(listener, config).unwrap();
    tokio::spawn(server.serve(app.into_make_service()));
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_is_followed_as_a_phone_would_but_never_to_plain_http() {
    use intake_common::phone_trust::{Refusal, Roots, Verdict, check};
    let tmp = tempfile::tempdir().unwrap();
    let ca = Authority::new("Intake test root");
    let roots = Roots::with_extra(&ca.write_root(tmp.path(), "root.pem")).unwrap();
    let at = |port: u16| format!("https://localhost:{port}/sign");
    // To another HTTPS page that opens: followed, and trusted.
    let form = page(&ca, None).await;
    let hop = page(&ca, Some(at(form))).await;
    assert_eq!(check(&at(hop), &roots).await, Verdict::Trusted);
    // To plain HTTP (a server is there): not followed, the form would travel in the clear.
    let plain = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let plain_url = format!(
        "http://localhost:{}/sign",
        plain.local_addr().unwrap().port()
    );
    let to_plain = page(&ca, Some(plain_url.clone())).await;
    assert_eq!(
        check(&at(to_plain), &roots).await,
        Verdict::Refused(Refusal::NotHttps(plain_url))
    );
    // Six redirects in a row: a phone gives up, and so does the check.
    let a = page(&ca, Some(at(hop))).await;
    let b = page(&ca, Some(at(a))).await;
    let c = page(&ca, Some(at(b))).await;
    let d = page(&ca, Some(at(c))).await;
    let e = page(&ca, Some(at(d))).await;
    assert_eq!(
        check(&at(e), &roots).await,
        Verdict::Refused(Refusal::TooManyRedirects)
    );
}
