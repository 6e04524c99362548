//! The store's boundary against flooding: bodies over a route's limit refused before
//! anything is stored, slow and idle connections closed, a cap on connections, and an
//! export that never lands on the store's disk. Real `intake-agent serve` over HTTPS.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::{OWNER, PIN, Store, add_owner, agent, client, read_to_close, sign_in, tls};

/// Audit rows and the database's bytes on disk (after a checkpoint, on SQLite; its
/// tables' pages, on PostgreSQL).
fn stored(dir: &Path) -> (i64, u64) {
    let db = intake_tests::cluster::open_db(dir);
    let audit: i64 = db
        .conn()
        .query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))
        .unwrap();
    let Some(sqlite) = db.conn().sqlite() else {
        let bytes: i64 = db
            .conn()
            .query_row(
                "SELECT CAST(sum(pg_total_relation_size(oid)) AS BIGINT) FROM pg_class
                 WHERE relkind = 'r' AND relnamespace = CAST('public' AS regnamespace)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        return (audit, bytes as u64);
    };
    sqlite
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    let size = |name: &str| std::fs::metadata(dir.join(name)).map_or(0, |m| m.len());
    (audit, size("intake.db") + size("intake.db-wal"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_route_limit_is_refused_and_nothing_is_stored() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    add_owner(&dir);
    let store = Store::start(&dir, &[]);
    let http = client(&dir);
    let before = stored(&dir);

    // A 20 MB body declared with Content-Length, to sign-in and to pairing: answered 413
    // from the head alone, before the body is read.
    for path in ["/v1/sessions", "/v1/pair"] {
        let mut conn = tls(&dir, store.port);
        conn.write_all(
            format!(
                "POST {path} HTTP/1.1\r\nHost: store\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                20 << 20,
            )
            .as_bytes(),
        )
        .unwrap();
        conn.flush().unwrap();
        let answer = String::from_utf8_lossy(&read_to_close(&mut conn)).into_owned();
        assert!(answer.starts_with("HTTP/1.1 413"), "{path}: {answer}");
        assert!(answer.contains("4 KiB"), "{path}: {answer}");
    }

    // The same without a declared length: the body is cut off once it passes the limit.
    let mut conn = tls(&dir, store.port);
    conn.write_all(
        b"POST /v1/sessions HTTP/1.1\r\nHost: store\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
    )
    .unwrap();
    let chunk = format!("{{\"user\":\"{}", "y".repeat(5 << 10));
    conn.write_all(format!("{:x}\r\n{chunk}\r\n", chunk.len()).as_bytes())
        .unwrap();
    conn.flush().unwrap();
    let answer = String::from_utf8_lossy(&read_to_close(&mut conn)).into_owned();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("4 KiB"), "{answer}");

    // A well-sized wrong sign-in is still answered, and audited, as before.
    let resp = http
        .post(format!("{}/v1/sessions", store.url))
        .json(&serde_json::json!({ "user": OWNER, "pin": "0000" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let after = stored(&dir);
    assert_eq!(
        after.0,
        before.0 + 1,
        "only the small wrong sign-in is audited"
    );
    assert!(
        after.1 <= before.1 + 64 * 1024,
        "the database grew from {} to {} bytes",
        before.1,
        after.1
    );
}

#[test]
fn slow_and_idle_connections_are_closed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    add_owner(&dir);
    let store = Store::start(&dir, &[]);

    // Half a request head, then nothing: closed by the header-read timeout (10 s).
    let mut slow = tls(&dir, store.port);
    slow.write_all(b"GET /v1/health HTTP/1.1\r\nHost: st")
        .unwrap();
    slow.flush().unwrap();
    let started = Instant::now();
    let answer = read_to_close(&mut slow);
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(13) && took > Duration::from_secs(8),
        "a half-sent head was dropped after {took:?}"
    );
    assert!(!String::from_utf8_lossy(&answer).contains("200 OK"));

    // A kept-alive connection answered once and then left idle: closed as well.
    let mut idle = tls(&dir, store.port);
    idle.write_all(b"GET /v1/health HTTP/1.1\r\nHost: store\r\n\r\n")
        .unwrap();
    idle.flush().unwrap();
    let mut first = [0u8; 12];
    idle.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    let started = Instant::now();
    read_to_close(&mut idle);
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(13),
        "an idle kept-alive connection lived {took:?}"
    );

    // A TCP connection that never starts TLS: closed by the handshake timeout (5 s).
    let mut raw = TcpStream::connect(("127.0.0.1", store.port)).unwrap();
    let started = Instant::now();
    read_to_close(&mut raw);
    assert!(started.elapsed() < Duration::from_secs(8));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_keeps_answering_while_a_thousand_idle_connections_are_open() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    add_owner(&dir);
    let store = Store::start(&dir, &[]);
    let http = client(&dir);
    let quiet = store.open_files();

    // 512 hold a slot, 512 wait for one, the rest are closed at once.
    let flood: Vec<TcpStream> = (0..1500)
        .map(|_| TcpStream::connect(("127.0.0.1", store.port)).unwrap())
        .collect();
    std::thread::sleep(Duration::from_secs(1));
    let held = store.open_files().saturating_sub(quiet);
    assert!(
        held <= 512 + 512 + 16,
        "the store holds {held} connections' files"
    );
    drop(flood);
    std::thread::sleep(Duration::from_secs(7));

    // While a thousand idle connections are open, another client is still answered: the
    // idle ones give their slots up at the handshake timeout.
    let idle: Vec<TcpStream> = (0..1000)
        .map(|_| TcpStream::connect(("127.0.0.1", store.port)).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let held = store.open_files().saturating_sub(quiet);

    let started = Instant::now();
    let resp = http
        .get(format!("{}/v1/health", store.url))
        .timeout(Duration::from_secs(20))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let waited = started.elapsed();
    eprintln!("answered after {waited:?} with 1200 idle connections open ({held} held)");
    assert!(waited < Duration::from_secs(15), "{waited:?}");
    drop(idle);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_streams_to_the_client_and_never_touches_the_disk() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    add_owner(&dir);
    let csv = tmp.path().join("customers.csv");
    let mut rows = String::from("FirstName,LastName,Email,PhoneNumber,Birthdate\n");
    for i in 0..20_000 {
        rows.push_str(&format!(
            "Ann{i},Moss{i},ann{i}@example.com,,1990-01-{:02}\n",
            i % 28 + 1
        ));
    }
    std::fs::write(&csv, rows).unwrap();
    agent(&dir, &["import", csv.to_str().unwrap()]);
    let store = Store::start(&dir, &[]);
    let http = client(&dir);
    let (token, _) = sign_in(&http, &store.url, OWNER, PIN).await;

    let files = |dir: &Path| -> Vec<String> {
        let mut out = Vec::new();
        let mut todo = vec![dir.to_path_buf()];
        while let Some(d) = todo.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                if e.path().is_dir() {
                    todo.push(e.path());
                } else {
                    out.push(e.path().strip_prefix(dir).unwrap().display().to_string());
                }
            }
        }
        out.sort();
        out
    };
    let known = files(&dir);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watcher = {
        let (dir, stop, known) = (dir.clone(), stop.clone(), known.clone());
        std::thread::spawn(move || {
            let mut seen = std::collections::BTreeSet::new();
            let mut looks = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                for f in files(&dir) {
                    if !known.contains(&f) {
                        seen.insert(f);
                    }
                }
                looks += 1;
            }
            (seen, looks)
        })
    };
    let resp = http
        .get(format!("{}/v1/exports", store.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().get("content-length").is_none(), "streamed");
    let body = resp.text().await.unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (seen, looks) = watcher.join().unwrap();
    assert!(looks > 10, "the data directory was looked at {looks} times");
    assert!(
        seen.is_empty(),
        "files appeared during the export: {seen:?}"
    );
    assert_eq!(files(&dir), known);

    let mut lines = body.lines();
    assert!(lines.next().unwrap().starts_with("Id,"));
    let emails: std::collections::BTreeSet<&str> = lines
        .map(|l| l.split(',').find(|c| c.contains('@')).unwrap())
        .collect();
    assert_eq!(emails.len(), 20_000);
    assert!(emails.contains("ann0@example.com") && emails.contains("ann19999@example.com"));

    // An import's upload is gone once it was read, whether the file was good or not.
    for body in [
        "FirstName,LastName,PhoneNumber,Birthdate\nBea,Lund,,\n",
        "\u{0}\u{0}not a csv",
    ] {
        let resp = http
            .post(format!("{}/v1/imports", store.url))
            .bearer_auth(&token)
            .body(body)
            .send()
            .await
            .unwrap();
        assert!(
            resp.status() == 200 || resp.status() == 400,
            "{}",
            resp.status()
        );
    }
    let uploads = dir.join("uploads");
    assert_eq!(std::fs::read_dir(&uploads).map_or(0, |d| d.count()), 0);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&uploads).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }
}

/// Guessing pairing codes: after ten wrong codes from one address the store answers 429
/// before writing anything, so a flood adds no audit rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessing_pairing_codes_is_locked_out_and_writes_nothing_more() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    add_owner(&dir);
    let store = Store::start(&dir, &[]);
    let http = client(&dir);
    let audited = || -> i64 {
        let db = intake_tests::cluster::open_db(&dir);
        db.conn()
            .query_row(
                "SELECT count(*) FROM audit_log WHERE action = 'device.pair_failed'",
                [],
                |r| r.get(0),
            )
            .unwrap()
    };
    let mut statuses = Vec::new();
    for i in 0..40 {
        let status = http
            .post(format!("{}/v1/pair", store.url))
            .json(&serde_json::json!({ "code": format!("AAAA-BBBB-{i:04}") }))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        statuses.push(status);
    }
    assert!(statuses[..10].iter().all(|s| *s == 401), "{statuses:?}");
    assert!(statuses[10..].iter().all(|s| *s == 429), "{statuses:?}");
    assert_eq!(audited(), 10, "a locked address writes nothing");
}
