//! What the store's tests share: a store process of their own (with its process id, to look
//! at its open files), HTTPS clients that trust its certificate, and a raw TLS connection
//! for clients that misbehave.

#![allow(dead_code, clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

pub use intake_tests::cluster::{OWNER, PIN, add_owner, agent, database_env, mark_store};

pub struct Store {
    pub child: Child,
    pub url: String,
    pub port: u16,
    pub dir: PathBuf,
}

impl Drop for Store {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Store {
    /// `intake-agent serve` on a free loopback port.
    pub fn start(dir: &Path, args: &[&str]) -> Store {
        Store::start_with(dir, args, &[])
    }

    /// [`Store::start`] with environment variables.
    pub fn start_with(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Store {
        mark_store(dir);
        let mut child = Command::new(env!("CARGO_BIN_EXE_intake-agent"))
            .arg("--data-dir")
            .arg(dir)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .envs(database_env(dir))
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        lines.read_line(&mut first).unwrap();
        let url = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap()
            .to_string();
        std::thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = lines.read_to_end(&mut sink);
        });
        let port = url.rsplit(':').next().unwrap().parse().unwrap();
        Store {
            child,
            url,
            port,
            dir: dir.to_path_buf(),
        }
    }

    /// How many files (sockets included) the store process holds open.
    pub fn open_files(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.child.id()))
            .unwrap()
            .count()
    }
}

pub fn client(dir: &Path) -> reqwest::Client {
    intake_tests::web_sign::client(dir, None)
}

/// A TLS connection to the store, written and read by hand.
pub fn tls(dir: &Path, port: u16) -> rustls::StreamOwned<rustls::ClientConnection, TcpStream> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(dir.join("store-cert.pem")).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let mut stream = tls_to(roots, "127.0.0.1", port);
    while stream.conn.is_handshaking() {
        stream.conn.complete_io(&mut stream.sock).unwrap();
    }
    stream
}

/// A TLS connection to the store on `port` as `name`, trusting `roots`; the handshake
/// happens at the first write or read.
pub fn tls_to(
    roots: rustls::RootCertStore,
    name: &str,
    port: u16,
) -> rustls::StreamOwned<rustls::ClientConnection, TcpStream> {
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let name = rustls::pki_types::ServerName::try_from(name.to_string()).unwrap();
    let conn = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    rustls::StreamOwned::new(conn, tcp)
}

/// Reads until the peer closes the connection (or it fails); returns what came.
pub fn read_to_close(stream: &mut impl Read) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return got,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
}

/// Signs `user` in over the API; returns (token, session id).
pub async fn sign_in(http: &reqwest::Client, url: &str, user: &str, pin: &str) -> (String, String) {
    let resp = http
        .post(format!("{url}/v1/sessions"))
        .json(&serde_json::json!({ "user": user, "pin": pin }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "signing {user} in");
    let v: serde_json::Value = resp.json().await.unwrap();
    (
        v["token"].as_str().unwrap().to_string(),
        v["session"].as_str().unwrap().to_string(),
    )
}
