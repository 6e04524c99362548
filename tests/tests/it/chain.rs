//! Two store processes on one database behind one address: devices pushing and pulling at
//! once through a proxy that hands each connection to the next process in turn, and one
//! process killed in the middle. Nothing is lost, nothing arrives twice, and every counter
//! ends with what the store has; a device's batches keep their order whichever process
//! applies each. Run on SQLite (two processes on one file) and, with
//! `INTAKE_TEST_ENGINE=postgres`, on one PostgreSQL database.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::path::Path;
use std::time::Duration;

use intake_common::sync;
use intake_tests::cluster::{Proxy, Store, SyncLoop, agent, open_db, register, wait_for};

fn count(dir: &Path, sql: &str) -> i64 {
    open_db(dir)
        .conn()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

/// Each customer's id and name, in id order.
fn customers(dir: &Path) -> Vec<(String, String)> {
    let db = open_db(dir);
    let mut stmt = db
        .conn()
        .prepare("SELECT id, coalesce(first_name, '') || ' ' || coalesce(last_name, '') FROM customers ORDER BY id")
        .unwrap();
    stmt.query_map([], |r| {
        Ok((r.get::<_, uuid::Uuid>(0)?.to_string(), r.get(1)?))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

fn add_customers(counter: &Path, prefix: &str, n: usize) {
    for i in 0..n {
        agent(
            counter,
            &[
                "customer",
                "add",
                "--set",
                &format!("FirstName={prefix}{i}"),
                "--set",
                "LastName=Chain",
            ],
        );
    }
}

#[test]
fn two_store_processes_serve_four_devices_and_one_dies_mid_push() {
    let root = tempfile::tempdir().unwrap();
    let store_dir = root.path().join("store");
    let mut first = Store::create(&store_dir);
    let second = Store::start(&store_dir, 0);
    let proxy = Proxy::start_over(&[first.port, second.port]);
    let device = |name: &str| {
        let dir = root.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    };
    let (lobby, door, front, back) = (
        device("lobby"),
        device("door"),
        device("front"),
        device("back"),
    );
    first.pair(&lobby, "lobby", "kiosk", false, &proxy.url);
    first.pair(&door, "door", "kiosk", false, &proxy.url);
    first.pair(&front, "front", "counter", false, &proxy.url);
    first.pair(&back, "back", "counter", false, &proxy.url);
    // The counters learn their staff before working offline.
    agent(&front, &["run", "--once"]);
    agent(&back, &["run", "--once"]);

    // Work queued on every device, then all four sync at once.
    register(&lobby, 1000, 30);
    register(&door, 2000, 30);
    add_customers(&front, "Front", 15);
    add_customers(&back, "Back", 15);
    let loops: Vec<SyncLoop> = [&lobby, &door, &front, &back]
        .iter()
        .map(|d| SyncLoop::start(d, 50))
        .collect();

    // One process dies while the pushes are under way; the other carries on alone.
    assert!(wait_for(Duration::from_secs(60), || count(
        &store_dir,
        "SELECT count(*) FROM customers"
    ) > 0));
    first.stop();
    register(&lobby, 3000, 10);

    let expected = 30 + 30 + 15 + 15 + 10;
    let settled = wait_for(Duration::from_secs(120), || {
        count(&store_dir, "SELECT count(*) FROM customers") == expected
            && [&lobby, &door, &front, &back]
                .iter()
                .all(|d| sync::status(open_db(d).conn()).unwrap().pending == 0)
    });
    let pending: Vec<i64> = [&lobby, &door, &front, &back]
        .iter()
        .map(|d| sync::status(open_db(d).conn()).unwrap().pending)
        .collect();
    assert!(
        settled,
        "store: {} customers of {expected}; waiting on the devices: {pending:?}",
        count(&store_dir, "SELECT count(*) FROM customers")
    );
    // Nothing twice: one release per registration, one customer per name.
    assert_eq!(count(&store_dir, "SELECT count(*) FROM releases"), 70);
    assert_eq!(
        count(
            &store_dir,
            "SELECT count(*) FROM (SELECT first_name FROM customers GROUP BY first_name, last_name HAVING count(*) > 1) AS twice"
        ),
        0
    );
    // Every counter ends with what the store has.
    let on_store = customers(&store_dir);
    for counter in [&front, &back] {
        assert!(
            wait_for(Duration::from_secs(60), || customers(counter) == on_store),
            "{} differs from the store",
            counter.display()
        );
    }
    drop(loops);

    // A large queue goes out in batches, two at a time, each applied only after the one
    // before it: here each lands on whichever process the proxy picks. A batch whose
    // predecessor another process applied must see it (the order is kept in the
    // database), or the round is refused after 30 s and `run --once` fails.
    first.restart();
    let csv = root.path().join("many.csv");
    let mut text = String::from("FirstName,LastName,PhoneNumber,Birthdate\n");
    for i in 0..5000 {
        text.push_str(&format!("Many{i},Batch,,\n"));
    }
    std::fs::write(&csv, text).unwrap();
    agent(&back, &["import", csv.to_str().unwrap()]);
    assert!(sync::status(open_db(&back).conn()).unwrap().pending > sync::PUSH_BATCH as i64);
    agent(&back, &["run", "--once"]);
    assert_eq!(sync::status(open_db(&back).conn()).unwrap().pending, 0);
    assert_eq!(
        count(&store_dir, "SELECT count(*) FROM customers"),
        expected + 5000
    );
}
