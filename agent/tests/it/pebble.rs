//! A local ACME server for the ACME tests: Debian's `pebble`, on free loopback ports, with
//! an HTTPS certificate made here and every challenge taken as valid (no DNS, nothing
//! reachable needed). Stopped when dropped.

#![allow(clippy::unwrap_used)]

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Pebble {
    child: Option<Child>,
    /// The directory URL.
    pub directory: String,
    /// The root (PEM) of pebble's own HTTPS, for `--acme-ca`.
    pub ca: PathBuf,
    management: u16,
}

impl Drop for Pebble {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The pebble binary, or a test failure that says how to get it.
fn binary() -> PathBuf {
    let path = std::env::var_os("PEBBLE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/pebble"));
    assert!(
        path.exists(),
        "the ACME tests need pebble, the ACME test server, at {}: apt-get install pebble (or set PEBBLE to its path)",
        path.display()
    );
    path
}

impl Pebble {
    pub fn start(dir: &Path) -> Pebble {
        let pebble = binary();
        std::fs::create_dir_all(dir).unwrap();
        // A CA for pebble's own HTTPS, and its certificate for 127.0.0.1.
        let authority = intake_tests::authority::Authority::new("pebble test CA");
        let ca = authority.write_root(dir, "ca.pem");
        let (cert, key) = authority
            .issue(&["127.0.0.1", "localhost"], false)
            .write(dir, "cert");

        let (listen, management) = (free_port(), free_port());
        let config = serde_json::json!({ "pebble": {
            "listenAddress": format!("127.0.0.1:{listen}"),
            "managementListenAddress": format!("127.0.0.1:{management}"),
            "certificate": cert,
            "privateKey": key,
            "httpPort": free_port(),
            "tlsPort": free_port(),
            "ocspResponderURL": "",
            "externalAccountBindingRequired": false
        }});
        std::fs::write(dir.join("pebble.json"), config.to_string()).unwrap();
        let child = Command::new(pebble)
            .arg("-config")
            .arg(dir.join("pebble.json"))
            .env("PEBBLE_VA_ALWAYS_VALID", "1")
            .env("PEBBLE_VA_NOSLEEP", "1")
            // Every nonce accepted: a retry on a rejected one is not what these tests test.
            .env("PEBBLE_WFE_NONCEREJECT", "0")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", listen)).is_err() {
            assert!(Instant::now() < deadline, "pebble did not start listening");
            std::thread::sleep(Duration::from_millis(50));
        }
        Pebble {
            child: Some(child),
            directory: format!("https://127.0.0.1:{listen}/dir"),
            ca,
            management,
        }
    }

    /// The root pebble issues under (made anew each time pebble starts).
    pub async fn issuing_root(&self) -> rustls::pki_types::CertificateDer<'static> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let pem = std::fs::read(&self.ca).unwrap();
        let http = reqwest::Client::builder()
            .tls_certs_only([reqwest::Certificate::from_pem(&pem).unwrap()])
            .build()
            .unwrap();
        let root = http
            .get(format!("https://127.0.0.1:{}/roots/0", self.management))
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap()
            .bytes()
            .await
            .unwrap();
        use rustls::pki_types::pem::PemObject;
        rustls::pki_types::CertificateDer::from_pem_slice(&root).unwrap()
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
