//! `serve --acme` against a real ACME server (pebble) over real HTTPS: the certificate a
//! client trusting only pebble's root accepts, its renewal swapped into the running store,
//! a paired device that keeps syncing across the renewal, and a renewal with the ACME
//! server gone that leaves the store serving what it had, with a log line saying so.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::pki_types::CertificateDer;

use crate::pebble::Pebble;
use crate::support::{add_owner, agent};
use intake_tests::cluster::wait_for;

const DOMAIN: &str = "store.test";

/// `--acme` keeps its certificate and challenges in one process, and is refused with a
/// PostgreSQL database ([`acme_is_refused_with_a_postgres_database`]): these tests run when
/// stores run on SQLite, and pass over the PostgreSQL run.
fn skipped_on_postgres() -> bool {
    intake_tests::cluster::on_postgres()
}

#[test]
fn acme_is_refused_with_a_postgres_database() {
    let tmp = tempfile::tempdir().unwrap();
    let url = intake_common::db::scratch::Server::shared().fresh_database("acme");
    let out = Command::new(env!("CARGO_BIN_EXE_intake-agent"))
        .arg("--data-dir")
        .arg(tmp.path())
        .args(["--database", &url, "serve", "--listen", "127.0.0.1:0"])
        .args(["--acme", DOMAIN])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("--acme") && stderr.contains("PostgreSQL"),
        "{stderr}"
    );
    // Nothing was listening, and the certificate was not ordered.
    assert!(!tmp.path().join("acme-account.json").exists());
}

/// `intake-agent serve --acme store.test` against `pebble`, its log lines kept.
struct AcmeStore {
    child: Child,
    port: u16,
    log: Arc<Mutex<Vec<String>>>,
}

impl Drop for AcmeStore {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl AcmeStore {
    fn start(dir: &Path, pebble: &Pebble, extra: &[&str]) -> AcmeStore {
        let mut child = Command::new(env!("CARGO_BIN_EXE_intake-agent"))
            .arg("--data-dir")
            .arg(dir)
            .args(["serve", "--listen", "127.0.0.1:0", "--acme", DOMAIN])
            .args(["--acme-directory", &pebble.directory])
            .arg("--acme-ca")
            .arg(&pebble.ca)
            .args(extra)
            .env("INTAKE_LOG", "warn,intake_agent=info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        lines.read_line(&mut first).unwrap();
        let port = first.trim().rsplit(':').next().unwrap().parse().unwrap();
        std::thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = lines.read_to_end(&mut sink);
        });
        let log = Arc::new(Mutex::new(Vec::new()));
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let kept = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                kept.lock().unwrap().push(line);
            }
        });
        AcmeStore { child, port, log }
    }

    fn logged(&self, text: &str) -> bool {
        self.log.lock().unwrap().iter().any(|l| l.contains(text))
    }
}

/// A GET of /v1/health as a phone makes it: to store.test, trusting `root` alone. Returns
/// the certificate the store showed, or the TLS error.
fn phone_get(port: u16, root: &CertificateDer<'static>) -> Result<CertificateDer<'static>, String> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(root.clone()).unwrap();
    let mut tls = crate::support::tls_to(roots, DOMAIN, port);
    tls.write_all(b"GET /v1/health HTTP/1.1\r\nHost: store.test\r\nConnection: close\r\n\r\n")
        .map_err(|e| e.to_string())?;
    let mut answer = Vec::new();
    let _ = tls.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    if !answer.starts_with("HTTP/1.1 200") {
        return Err(format!("no 200 from the store: {answer:?}"));
    }
    Ok(tls.conn.peer_certificates().unwrap()[0].clone())
}

/// The first certificate pebble's root vouches for that the store shows (within a minute).
fn first_certificate(store: &AcmeStore, root: &CertificateDer<'static>) -> CertificateDer<'static> {
    let mut shown = None;
    assert!(
        wait_for(Duration::from_secs(60), || {
            shown = phone_get(store.port, root).ok();
            shown.is_some()
        }),
        "no certificate from pebble; the store's log:\n{}",
        store.log.lock().unwrap().join("\n")
    );
    shown.unwrap()
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_trusting_the_acme_root_accepts_the_store_and_a_restart_reuses_what_it_got() {
    if skipped_on_postgres() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let pebble = Pebble::start(&tmp.path().join("pebble"));
    let root = pebble.issuing_root().await;
    let dir = tmp.path().join("store");
    add_owner(&dir);
    let store = AcmeStore::start(&dir, &pebble, &[]);
    let shown = first_certificate(&store, &root);
    assert!(store.logged("serving a new certificate obtained by ACME"));
    // Kept for the owner alone, beside the store's key.
    assert_eq!(mode(&dir.join("acme-account.json")), 0o600);
    assert_eq!(mode(&dir.join("acme-cert.pem")), 0o600);
    let account = std::fs::read(dir.join("acme-account.json")).unwrap();
    drop(store);

    // A restart serves the kept certificate at once, with the same account, and orders no
    // new one (pebble is gone).
    let mut pebble = pebble;
    pebble.stop();
    let store = AcmeStore::start(&dir, &pebble, &[]);
    assert_eq!(phone_get(store.port, &root).unwrap(), shown);
    assert_eq!(
        std::fs::read(dir.join("acme-account.json")).unwrap(),
        account
    );
    std::thread::sleep(Duration::from_millis(500));
    assert!(!store.logged("could not obtain"), "a restart ordered again");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_renewal_is_swapped_into_the_running_store_and_a_paired_device_still_syncs() {
    if skipped_on_postgres() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let pebble = Pebble::start(&tmp.path().join("pebble"));
    let root = pebble.issuing_root().await;
    let dir = tmp.path().join("store");
    add_owner(&dir);
    // A device paired while the store still serves its self-signed certificate.
    let store = AcmeStore::start(&dir, &pebble, &["--acme-renew-after", "4"]);
    let made: serde_json::Value = serde_json::from_str(&agent(
        &dir,
        &["device", "add", "desk", "--role", "counter", "--json"],
    ))
    .unwrap();
    let device = tmp.path().join("device");
    std::fs::create_dir_all(&device).unwrap();
    let url = format!("https://127.0.0.1:{}", store.port);
    let fingerprint = made["fingerprint"].as_str().unwrap();
    agent(
        &device,
        &[
            "pair",
            "--store",
            &url,
            "--code",
            made["code"].as_str().unwrap(),
            "--fingerprint",
            fingerprint,
        ],
    );

    let first = first_certificate(&store, &root);
    agent(&device, &["check"]);
    // Renewed a few seconds on, in the same process, and served from the next handshake.
    assert!(
        wait_for(Duration::from_secs(60), || {
            phone_get(store.port, &root).is_ok_and(|c| c != first)
        }),
        "the store never served a renewed certificate; its log:\n{}",
        store.log.lock().unwrap().join("\n")
    );
    let renewed = phone_get(store.port, &root).unwrap();
    // The same key throughout, so the pin made at pairing still holds.
    assert_eq!(
        intake_common::pinned_tls::key_fingerprint(&renewed).unwrap(),
        intake_common::pinned_tls::key_fingerprint(&first).unwrap()
    );
    assert_eq!(
        intake_common::pinned_tls::key_fingerprint(&renewed).unwrap(),
        fingerprint
    );
    agent(&device, &["check"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn with_the_acme_server_down_the_store_keeps_serving_its_certificate_and_says_why() {
    if skipped_on_postgres() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut pebble = Pebble::start(&tmp.path().join("pebble"));
    let root = pebble.issuing_root().await;
    let dir = tmp.path().join("store");
    add_owner(&dir);
    let store = AcmeStore::start(&dir, &pebble, &["--acme-renew-after", "3"]);
    let first = first_certificate(&store, &root);
    let kept = std::fs::read(dir.join("acme-cert.pem")).unwrap();
    pebble.stop();
    assert!(
        wait_for(Duration::from_secs(30), || store.logged(
            "could not obtain a certificate by ACME; still serving the current one"
        )),
        "no log line about the failed renewal; the store's log:\n{}",
        store.log.lock().unwrap().join("\n")
    );
    let line = store
        .log
        .lock()
        .unwrap()
        .iter()
        .find(|l| l.contains("could not obtain"))
        .cloned()
        .unwrap();
    assert!(
        line.contains(DOMAIN) && line.contains("retry_in_seconds"),
        "{line}"
    );
    assert_eq!(phone_get(store.port, &root).unwrap(), first);
    assert_eq!(std::fs::read(dir.join("acme-cert.pem")).unwrap(), kept);
}
