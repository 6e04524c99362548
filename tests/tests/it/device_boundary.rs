//! A stolen or tampered lobby kiosk, against the real programs: a store (`intake-agent
//! serve`), a kiosk and a counter display syncing over HTTPS on loopback.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::path::Path;

use intake_common::{Field, Mutation, Op, Profile, mutation};
use intake_tests::cluster::{Store, agent, agent_output, agent_with, register};
use uuid::Uuid;

fn status(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&agent(dir, &["status", "--json"])).unwrap()
}

/// The database file and its WAL, as bytes.
fn files(dir: &Path) -> Vec<u8> {
    let mut bytes = std::fs::read(dir.join("intake.db")).unwrap();
    bytes.extend(std::fs::read(dir.join("intake.db-wal")).unwrap_or_default());
    bytes
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn city(store: &Path, id: Uuid) -> Option<String> {
    let db = intake_tests::cluster::open_db(store);
    intake_common::customers::get(db.conn(), id)
        .unwrap()
        .profile
        .get(Field::City)
        .map(str::to_owned)
}

#[test]
fn a_kiosk_holds_no_pin_hash_gets_its_exit_code_and_a_counter_still_signs_in_offline() {
    let dir = tempfile::tempdir().unwrap();
    let (store_dir, kiosk, desk) = (
        dir.path().join("store"),
        dir.path().join("kiosk"),
        dir.path().join("desk"),
    );
    let mut store = Store::create(&store_dir);
    store.pair(&kiosk, "lobby", "kiosk", false, &store.url);
    store.pair(&desk, "desk", "counter", false, &store.url);
    let added = agent(&store_dir, &["device", "add", "patio", "--role", "kiosk"]);
    assert!(added.contains("device set-exit-code patio"), "{added}");

    register(&kiosk, 1, 2);
    agent(&kiosk, &["run", "--once"]);
    assert!(
        !contains(&files(&kiosk), b"$argon2"),
        "a PIN hash reached the kiosk"
    );

    agent_with(
        &store_dir,
        &["device", "set-exit-code", "lobby"],
        &[("INTAKE_NEW_PIN", "246813")],
    );
    let short = agent_output(&store_dir, &["device", "set-exit-code", "desk"]);
    assert!(!short.status.success(), "a counter has no exit code");
    agent(&kiosk, &["run", "--once"]);
    let exit: String = intake_tests::cluster::open_db(&kiosk)
        .conn()
        .query_row(
            "SELECT value FROM meta WHERE key = 'kiosk_exit_hash'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(exit.starts_with("$argon2id$"), "{exit}");
    assert!(!exit.contains("246813"));
    let staff_hash: String = intake_tests::cluster::open_db(&store_dir)
        .conn()
        .query_row("SELECT pin_hash FROM users", [], |r| r.get(0))
        .unwrap();
    assert!(!contains(&files(&kiosk), staff_hash.as_bytes()));

    // The counter holds the staff list and signs the owner in with the store gone.
    agent(&desk, &["run", "--once"]);
    store.stop();
    let listed = agent(&desk, &["customer", "list"]);
    assert_eq!(
        listed.lines().count(),
        3,
        "a header and two customers: {listed}"
    );
}

#[test]
fn a_device_whose_clock_runs_ahead_keeps_its_outbox_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let (store_dir, kiosk) = (dir.path().join("store"), dir.path().join("kiosk"));
    let store = Store::create(&store_dir);
    store.pair(&kiosk, "lobby", "kiosk", false, &store.url);
    register(&kiosk, 1, 1);
    let three_days = (3 * 24 * 3600).to_string();
    let out = agent_output(
        &kiosk,
        &["run", "--once", "--clock-offset-secs", &three_days],
    );
    assert!(!out.status.success());
    let s = status(&kiosk);
    assert_eq!(
        s["last_error"],
        "this device's clock is 3 days ahead of the store's: set the date and time"
    );
    assert!(
        s["pending"].as_i64().unwrap() > 0,
        "the outbox is kept: {s}"
    );
    let shown = agent(&kiosk, &["status"]);
    assert!(shown.contains("3 days ahead"), "{shown}");
    // Set right, it sends everything.
    agent(&kiosk, &["run", "--once"]);
    let s = status(&kiosk);
    assert_eq!(
        (s["pending"].as_i64(), s["rejected"].as_i64()),
        (Some(0), Some(0))
    );
}

#[test]
fn a_kiosk_cannot_rewrite_someone_else_and_the_owner_edit_afterwards_wins() {
    let dir = tempfile::tempdir().unwrap();
    let (store_dir, kiosk) = (dir.path().join("store"), dir.path().join("kiosk"));
    let store = Store::create(&store_dir);
    store.pair(&kiosk, "lobby", "kiosk", false, &store.url);
    let made: serde_json::Value = serde_json::from_str(&agent(
        &store_dir,
        &["customer", "add", "--set", "LastName=Other", "--json"],
    ))
    .unwrap();
    let theirs: Uuid = made["id"].as_str().unwrap().parse().unwrap();

    // A tampered kiosk queues edits of someone it never registered, one with an id dated
    // as far ahead as a UUIDv7 goes and the owner's name as its author.
    let update = |value: &str| Op::UpdateCustomer {
        customer: theirs,
        changes: [(Field::City, Some(value.to_string()))]
            .into_iter()
            .collect(),
    };
    let mut pinned = Mutation::new("olive", update("Forever"));
    pinned.id = Uuid::parse_str("ffffffff-ffff-7fff-bfff-ffffffffffff").unwrap();
    {
        let mut db = intake_tests::cluster::open_db(&kiosk);
        let local = Mutation::new(
            "olive",
            Op::CreateCustomer {
                customer: theirs,
                profile: Profile::default().with(Field::LastName, "Other"),
            },
        );
        let hijack = Mutation::new("olive", update("Hijacked"));
        mutation::submit_all(&mut db, &[local, hijack, pinned]).unwrap();
    }
    agent(&kiosk, &["run", "--once"]);
    let s = status(&kiosk);
    assert_eq!(s["rejected"].as_i64(), Some(2), "both kept aside: {s}");
    assert_eq!(city(&store_dir, theirs), None);

    agent(
        &store_dir,
        &[
            "customer",
            "update",
            &theirs.to_string(),
            "--set",
            "City=Austin",
        ],
    );
    assert_eq!(city(&store_dir, theirs).as_deref(), Some("Austin"));

    // The kiosk's own registrations still go through.
    register(&kiosk, 10, 1);
    agent(&kiosk, &["run", "--once"]);
    assert_eq!(status(&kiosk)["rejected"].as_i64(), Some(2));
    let db = intake_tests::cluster::open_db(&store_dir);
    let releases: i64 = db
        .conn()
        .query_row(
            "SELECT count(*) FROM releases WHERE device = 'lobby'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(releases, 1);
}
