//! Killing an import at any moment leaves a sound database holding either none of the
//! file or all of it, and never loses what was there before.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn agent() -> Command {
    let path = intake_tests::binary("intake-agent");
    assert!(
        path.exists(),
        "{} is missing: run `cargo test --workspace`, which builds it",
        path.display()
    );
    let mut cmd = Command::new(path);
    cmd.env("INTAKE_PIN", "123456").env_remove("INTAKE_USER");
    cmd
}

#[test]
fn an_import_killed_at_random_moments_is_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let ok = agent()
        .arg("--data-dir")
        .arg(&data)
        .args(["user", "add", "olive", "--role", "owner"])
        .status()
        .unwrap();
    assert!(ok.success());
    // What was there before the crashes must survive them.
    let first = dir.path().join("first.csv");
    std::fs::write(
        &first,
        "FirstName,LastName,PhoneNumber,Birthdate\nAnn,Lee,5125550000,1990-01-02\n",
    )
    .unwrap();
    let ok = agent()
        .arg("--data-dir")
        .arg(&data)
        .args(["--user", "olive", "import"])
        .arg(&first)
        .status()
        .unwrap();
    assert!(ok.success());

    let rows = 20_000i64;
    let big = dir.path().join("big.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&big).unwrap());
    writeln!(f, "FirstName,LastName,PhoneNumber,Birthdate,Email").unwrap();
    for i in 0..rows {
        writeln!(
            f,
            "P{i},Q{},+1 (3{:02}) {:03}-0000,1980-01-{:02},p{i}@example.com",
            i % 97,
            i % 100,
            i / 100,
            1 + i % 28
        )
        .unwrap();
    }
    drop(f);

    // Learn how long a whole import takes, then kill runs at moments spread across it.
    let started = Instant::now();
    let probe = dir.path().join("probe");
    let ok = agent()
        .arg("--data-dir")
        .arg(&probe)
        .args(["user", "add", "olive", "--role", "owner"])
        .status()
        .unwrap();
    assert!(ok.success());
    let ok = agent()
        .arg("--data-dir")
        .arg(&probe)
        .args(["--user", "olive", "import"])
        .arg(&big)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(ok.success());
    let full = started.elapsed();
    let probe_db = rusqlite::Connection::open(probe.join("intake.db")).unwrap();
    let in_file: i64 = probe_db
        .query_row("SELECT count(*) FROM customers", [], |r| r.get(0))
        .unwrap();
    assert_eq!(in_file, rows, "every row of the file is its own customer");

    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    for attempt in 0..12 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let at = Duration::from_micros(seed % (full.as_micros() as u64 + 1));
        let mut child = agent()
            .arg("--data-dir")
            .arg(&data)
            .args(["--user", "olive", "import"])
            .arg(&big)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(at);
        let _ = child.kill(); // SIGKILL: no chance to clean up
        let status = child.wait().unwrap();
        let _ = status;

        let conn = rusqlite::Connection::open(data.join("intake.db")).unwrap();
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok", "attempt {attempt}");
        let count: i64 = conn
            .query_row("SELECT count(*) FROM customers", [], |r| r.get(0))
            .unwrap();
        assert!(
            count == 1 || count == 1 + rows,
            "attempt {attempt}: {count} customers: a partial import survived a kill"
        );
        let ann: i64 = conn
            .query_row(
                "SELECT count(*) FROM customers WHERE first_name = 'Ann'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(ann, 1, "what was stored before is never lost");
        if count == 1 + rows {
            break; // the file is in: later runs would only find it unchanged
        }
    }
}
