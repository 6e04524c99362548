//! A webhook receiver for tests and benchmarks: a real HTTP (or HTTPS) server on a free
//! loopback port that checks each message's Standard Webhooks signature, keeps what it
//! got, and answers as the test tells it (fail, be slow, say 410, ask to retry later).

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use intake_common::webhook::{Secret, verify};

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Received {
    pub id: String,
    pub timestamp: i64,
    pub signature: String,
    pub body: String,
    pub json: serde_json::Value,
    /// Whether the signature matched one of the secrets the receiver holds.
    pub valid: bool,
    pub at: Instant,
}

impl Received {
    pub fn event(&self) -> &str {
        self.json["type"].as_str().unwrap_or_default()
    }

    pub fn data_id(&self) -> &str {
        self.json["data"]["id"].as_str().unwrap_or_default()
    }
}

/// How to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    Status(u16),
    /// A status with `Retry-After: seconds`.
    RetryAfter(u16, u64),
    /// Answer 200 after a wait.
    Slow(Duration),
}

type Rule = Box<dyn FnMut(&Received) -> Reply + Send>;

struct Shared {
    secrets: Vec<Secret>,
    received: Vec<Received>,
    rule: Rule,
}

/// A running receiver; stops when dropped.
pub struct Receiver {
    pub url: String,
    shared: Arc<Mutex<Shared>>,
    handle: axum_server::Handle<std::net::SocketAddr>,
    /// With TLS: the receiver's certificate (PEM), for the agent to trust.
    pub ca_pem: Option<String>,
}

impl Receiver {
    /// Plain HTTP on 127.0.0.1.
    pub fn start() -> Receiver {
        Self::start_inner(false)
    }

    /// HTTPS on 127.0.0.1 with a certificate made now for `localhost`.
    pub fn start_tls() -> Receiver {
        Self::start_inner(true)
    }

    fn start_inner(tls: bool) -> Receiver {
        let shared = Arc::new(Mutex::new(Shared {
            secrets: Vec::new(),
            received: Vec::new(),
            rule: Box::new(|_| Reply::Status(204)),
        }));
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        listener.set_nonblocking(true).expect("non-blocking");
        let port = listener.local_addr().expect("an address").port();
        let handle = axum_server::Handle::new();
        let state = Arc::clone(&shared);
        let app = axum::Router::new().fallback(move |headers: HeaderMap, body: Bytes| {
            let state = Arc::clone(&state);
            async move { receive(state, headers, body).await }
        });
        let (url, ca_pem, tls_config) = if tls {
            let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string()])
                .expect("a certificate");
            let cert_pem = made.cert.pem();
            let key_pem = made.signing_key.serialize_pem();
            (
                format!("https://localhost:{port}/hooks/intake"),
                Some(cert_pem.clone()),
                Some((cert_pem, key_pem)),
            )
        } else {
            (format!("http://127.0.0.1:{port}/hooks/intake"), None, None)
        };
        let server_handle = handle.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async move {
                let service = app.into_make_service();
                match tls_config {
                    None => axum_server::from_tcp(listener)
                        .expect("a listener")
                        .handle(server_handle)
                        .serve(service)
                        .await
                        .expect("the receiver runs"),
                    Some((cert, key)) => {
                        let _ = rustls::crypto::ring::default_provider().install_default();
                        let config = axum_server::tls_rustls::RustlsConfig::from_pem(
                            cert.into_bytes(),
                            key.into_bytes(),
                        )
                        .await
                        .expect("a TLS configuration");
                        axum_server::tls_rustls::from_tcp_rustls(listener, config)
                            .expect("a listener")
                            .handle(server_handle)
                            .serve(service)
                            .await
                            .expect("the receiver runs")
                    }
                }
            });
        });
        Receiver {
            url,
            shared,
            handle,
            ca_pem,
        }
    }

    /// Secrets a signature may match (after `webhook add` printed one).
    pub fn trust(&self, secret: &str) {
        let s = Secret::parse(secret).expect("a whsec_ secret");
        self.lock().secrets.push(s);
    }

    /// Forgets the secrets (to check that a new one alone verifies).
    pub fn forget_secrets(&self) {
        self.lock().secrets.clear();
    }

    /// How to answer from now on.
    pub fn answer(&self, rule: impl FnMut(&Received) -> Reply + Send + 'static) {
        self.lock().rule = Box::new(rule);
    }

    /// Everything received so far, in order of arrival.
    pub fn received(&self) -> Vec<Received> {
        self.lock().received.clone()
    }

    pub fn count(&self) -> usize {
        self.lock().received.len()
    }

    /// Waits until at least `n` requests arrived; false on timeout.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> bool {
        crate::cluster::wait_for(timeout, || self.count() >= n)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver").field("url", &self.url).finish()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.handle.shutdown();
    }
}

async fn receive(state: Arc<Mutex<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let at = Instant::now();
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let body = String::from_utf8_lossy(&body).into_owned();
    let id = header("webhook-id");
    let timestamp = header("webhook-timestamp").parse().unwrap_or(-1);
    let signature = header("webhook-signature");
    let reply = {
        let mut shared = state.lock().unwrap_or_else(|p| p.into_inner());
        let valid = shared
            .secrets
            .iter()
            .any(|s| verify(s, &id, timestamp, &body, &signature));
        let received = Received {
            json: serde_json::from_str(&body).unwrap_or_default(),
            id,
            timestamp,
            signature,
            body,
            valid,
            at,
        };
        let reply = (shared.rule)(&received);
        shared.received.push(received);
        reply
    };
    match reply {
        Reply::Status(s) => StatusCode::from_u16(s)
            .unwrap_or(StatusCode::OK)
            .into_response(),
        Reply::RetryAfter(s, secs) => (
            StatusCode::from_u16(s).unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
            [("retry-after", secs.to_string())],
        )
            .into_response(),
        Reply::Slow(d) => {
            tokio::time::sleep(d).await;
            StatusCode::OK.into_response()
        }
    }
}
