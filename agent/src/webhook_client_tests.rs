//! The webhook client against raw loopback servers: proxy variables in the environment are
//! ignored (only INTAKE_WEBHOOK_PROXY is used), and a receiver's endless answer is not read.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use intake_common::webhook::{self, AddressPolicy, queue};
use intake_common::{Actor, Db, Role, users};

use super::{MAX_ANSWER_BYTES, Options, SystemClock, client, send};

const LOOSE: AddressPolicy = AddressPolicy {
    allow_private: true,
};

/// A loopback HTTP server that answers every request with `answer_bytes` bytes of body,
/// counting connections and the body bytes it managed to write.
struct RawServer {
    url: String,
    connections: Arc<AtomicUsize>,
    written: Arc<AtomicUsize>,
    finished: Arc<AtomicBool>,
}

impl RawServer {
    /// `answer_bytes: None`: accept and close without answering (a proxy that records).
    fn start(answer_bytes: Option<usize>) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let connections = Arc::new(AtomicUsize::new(0));
        let written = Arc::new(AtomicUsize::new(0));
        let finished = Arc::new(AtomicBool::new(false));
        let (c, w, f) = (
            Arc::clone(&connections),
            Arc::clone(&written),
            Arc::clone(&finished),
        );
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                c.fetch_add(1, Ordering::SeqCst);
                if let Some(n) = answer_bytes {
                    answer(stream, n, &w);
                    f.store(true, Ordering::SeqCst);
                }
            }
        });
        RawServer {
            url,
            connections,
            written,
            finished,
        }
    }
}

/// Reads one request, then writes a `len`-byte answer until done or the peer goes away.
fn answer(stream: TcpStream, len: usize, written: &AtomicUsize) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut content_length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            content_length = v.trim().parse().unwrap_or(0);
        }
        if line == "\r\n" {
            break;
        }
    }
    let mut body = vec![0u8; content_length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let mut stream = stream;
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {len}\r\n\r\n"
    );
    if stream.write_all(head.as_bytes()).is_err() {
        return;
    }
    let chunk = vec![b'x'; 64 * 1024];
    let mut left = len;
    while left > 0 {
        let n = left.min(chunk.len());
        match stream.write(&chunk[..n]) {
            Ok(0) | Err(_) => return,
            Ok(k) => {
                written.fetch_add(k, Ordering::SeqCst);
                left -= k;
            }
        }
    }
}

/// Set (to the receiver's URL) only in the process [`proxy_variables_are_ignored`] starts.
const CHILD: &str = "INTAKE_TEST_WEBHOOK_CHILD";

/// Not a test of its own: the child process of [`proxy_variables_are_ignored`], which
/// sends one request through the webhook client made from its environment.
#[test]
fn child_sends_one_request() {
    let Ok(url) = std::env::var(CHILD) else {
        return;
    };
    let options = Options::from_env().unwrap();
    let client = client(&options).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let status = runtime.block_on(async {
        client
            .post(&url)
            .body("{}")
            .send()
            .await
            .map(|r| r.status().as_u16())
    });
    println!("child result: {status:?}");
}

fn run_child(receiver: &str, proxy: &str, webhook_proxy: Option<&str>) -> String {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "webhook::client_tests::child_sends_one_request",
        "--exact",
        "--nocapture",
        "--test-threads=1",
    ])
    .env(CHILD, receiver)
    .env("INTAKE_WEBHOOK_ALLOW_PRIVATE", "1")
    .env_remove("NO_PROXY")
    .env_remove("no_proxy")
    .env_remove("INTAKE_WEBHOOK_PROXY");
    for var in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        cmd.env(var, proxy);
    }
    if let Some(p) = webhook_proxy {
        cmd.env("INTAKE_WEBHOOK_PROXY", p);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn proxy_variables_are_ignored() {
    let proxy = RawServer::start(None);
    let receiver = RawServer::start(Some(2));
    let stdout = run_child(&receiver.url, &proxy.url, None);
    assert!(stdout.contains("child result: Ok(200)"), "{stdout}");
    assert_eq!(
        proxy.connections.load(Ordering::SeqCst),
        0,
        "the proxy from the environment was used"
    );
    assert_eq!(receiver.connections.load(Ordering::SeqCst), 1);

    // The proxy named for webhooks is used, and only it.
    let chosen = RawServer::start(None);
    let stdout = run_child(&receiver.url, &proxy.url, Some(&chosen.url));
    assert!(stdout.contains("child result: Err("), "{stdout}");
    assert!(chosen.connections.load(Ordering::SeqCst) >= 1);
    assert_eq!(proxy.connections.load(Ordering::SeqCst), 0);
    assert_eq!(receiver.connections.load(Ordering::SeqCst), 1);
}

#[test]
fn a_receivers_huge_answer_is_not_read() {
    const HUGE: usize = 100 << 20;
    let server = RawServer::start(Some(HUGE));
    let dir = tempfile::tempdir().unwrap();
    let mut db = Db::open_dir(dir.path()).unwrap();
    users::add(&mut db, None, "olive", Role::Owner, "246810").unwrap();
    let owner = Actor {
        name: "olive".into(),
        role: Role::Owner,
    };
    let events = webhook::parse_events("*").unwrap();
    let added = webhook::add(&mut db, &owner, &server.url, &events, false, LOOSE).unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    let due = queue::ping(&mut db, &owner, &added.id, now).unwrap();
    let options = Options {
        policy: LOOSE,
        extra_ca: None,
        concurrency: 1,
        proxy: None,
    };
    let client = client(&options).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // The client and its runtime live on, as in the worker: the connection must be closed
    // by the client itself, not by the process going away.
    let finished = Arc::clone(&server.finished);
    let (outcome, closed) = runtime.block_on(async {
        let outcome = send(&client, LOOSE, &SystemClock, &due).await;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while !finished.load(Ordering::SeqCst) && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        (outcome, finished.load(Ordering::SeqCst))
    });
    assert_eq!(outcome.status, Some(200), "{:?}", outcome.error);
    // The delivery log keeps only the start of it.
    assert_eq!(
        outcome.answer.as_deref().map(|a| a.chars().count()),
        Some(queue::ANSWER_EXCERPT)
    );
    // The agent stopped reading and closed the connection: the server's writes failed.
    assert!(closed, "the server is still writing");
    let written = server.written.load(Ordering::SeqCst);
    println!(
        "answer of {HUGE} bytes: {written} written before the agent closed the connection (reads at most {MAX_ANSWER_BYTES})"
    );
    assert!(
        written < 16 << 20,
        "{written} bytes of a {HUGE}-byte answer went to the agent"
    );
}
