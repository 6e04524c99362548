//! Erasure end to end: a customer registered at a kiosk, known at a counter and announced
//! to a webhook receiver is erased on the store with the real `intake-agent`; the counter
//! and the kiosk lose them at their next pull, the receiver hears `customer.deleted` with
//! the reason, and no database file keeps their name.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::path::Path;
use std::time::Duration;

use intake_tests::cluster::{
    Store, SyncLoop, agent_output_with, agent_with, on_postgres, open_db, register, wait_for,
};
use intake_tests::receiver::Receiver;

const WAIT: Duration = Duration::from_secs(30);
const ALLOW: &[(&str, &str)] = &[("INTAKE_WEBHOOK_ALLOW_PRIVATE", "1")];

fn count(dir: &Path, sql: &str) -> i64 {
    open_db(dir)
        .conn()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

/// Every byte of a device's (or an SQLite store's) database and WAL.
fn file_bytes(dir: &Path) -> Vec<u8> {
    ["intake.db", "intake.db-wal"]
        .iter()
        .filter_map(|name| std::fs::read(dir.join(name)).ok())
        .flatten()
        .collect()
}

fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn an_erased_customer_leaves_the_counter_the_kiosk_and_the_receivers_copy() {
    let root = tempfile::tempdir().unwrap();
    let store = Store::create_with(&root.path().join("store"), ALLOW);
    let receiver = Receiver::start();
    let added: serde_json::Value = serde_json::from_str(&agent_with(
        &store.dir,
        &["webhook", "add", &receiver.url, "--json"],
        ALLOW,
    ))
    .unwrap();
    receiver.trust(added["secret"].as_str().unwrap());
    let kiosk = root.path().join("kiosk");
    let desk = root.path().join("desk");
    std::fs::create_dir_all(&kiosk).unwrap();
    store.pair(&kiosk, "lobby", "kiosk", false, &store.url);
    store.pair(&desk, "desk", "counter", false, &store.url);
    let _k = SyncLoop::start(&kiosk, 100);
    let _d = SyncLoop::start(&desk, 100);

    register(&kiosk, 300, 2);
    assert!(
        wait_for(WAIT, || count(&desk, "SELECT count(*) FROM customers") == 2
            && count(&kiosk, "SELECT count(*) FROM recognition") == 2),
        "both customers reach the counter and the kiosk's recognition entries"
    );
    let (id, phone, email): (String, String, String) = open_db(&desk)
        .conn()
        .query_row(
            "SELECT lower(hex(id)), phone, email FROM customers ORDER BY created_at LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    let id = uuid::Uuid::parse_str(&id).unwrap().to_string();
    assert!(
        holds(&file_bytes(&desk), &email),
        "the counter holds what is looked for"
    );

    // Only legal:customer erases: a manager is refused and nothing changes.
    agent_with(
        &store.dir,
        &["user", "add", "max", "--role", "manager"],
        &[("INTAKE_NEW_PIN", "135792")],
    );
    let refused = agent_output_with(
        &store.dir,
        &["customer", "erase", &id],
        &[("INTAKE_USER", "max"), ("INTAKE_PIN", "135792")],
    );
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("legal:customer"));

    let out = agent_with(&store.dir, &["customer", "erase", &id, "--json"], &[]);
    let erased: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        erased["kept"], 1,
        "their release is kept, restricted: {out}"
    );
    assert_eq!(erased["applied"], true);

    // The counter and the kiosk lose them at their next pull, and keep no page of them.
    assert!(
        wait_for(WAIT, || count(&desk, "SELECT count(*) FROM customers") == 1
            && count(&kiosk, "SELECT count(*) FROM recognition") == 1),
        "the counter holds {} customers, the kiosk {} recognition entries",
        count(&desk, "SELECT count(*) FROM customers"),
        count(&kiosk, "SELECT count(*) FROM recognition")
    );
    let clean = wait_for(WAIT, || {
        let bytes = file_bytes(&desk);
        !holds(&bytes, &email) && !holds(&bytes, &phone)
    });
    assert!(clean, "the counter's files still hold the erased customer");

    // The receiver hears it, with the reason.
    assert!(wait_for(WAIT, || receiver
        .received()
        .iter()
        .any(
            |r| r.event() == "customer.deleted" && r.json["data"]["id"] == id.as_str()
        )));
    let got = receiver.received();
    let deleted = got
        .iter()
        .find(|r| r.event() == "customer.deleted" && r.json["data"]["id"] == id.as_str())
        .unwrap();
    assert!(deleted.valid);
    assert_eq!(deleted.json["data"]["reason"], "erased");
    assert!(deleted.json["data"]["merged_into"].is_null());

    // Their id resolves to "erased" everywhere; the release stays, for legal:customer only.
    let shown = agent_output_with(&store.dir, &["customer", "show", &id], &[]);
    assert!(!shown.status.success());
    assert!(
        String::from_utf8_lossy(&shown.stderr).contains("was erased on"),
        "{shown:?}"
    );
    let kept: serde_json::Value = serde_json::from_str(&agent_with(
        &store.dir,
        &["release", "restricted", "--customer", &id, "--json"],
        &[],
    ))
    .unwrap();
    assert_eq!(kept.as_array().unwrap().len(), 1);
    // Kept five years from its signing under the default policy.
    let until = intake_tests::day_years_after(kept[0]["signed_at"].as_str().unwrap(), 5);
    assert!(
        kept[0]["kept_until"].as_str().unwrap().starts_with(&until),
        "{kept}"
    );
    let release = kept[0]["id"].as_str().unwrap();
    let pdf = root.path().join("kept.pdf");
    agent_with(
        &store.dir,
        &["release", "pdf", release, "--out", pdf.to_str().unwrap()],
        &[],
    );
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
    let as_manager = agent_output_with(
        &store.dir,
        &["release", "pdf", release, "--out", pdf.to_str().unwrap()],
        &[("INTAKE_USER", "max"), ("INTAKE_PIN", "135792")],
    );
    assert!(!as_manager.status.success());
    // Exports and duplicates never show them.
    let export = agent_with(&store.dir, &["export"], &[]);
    assert!(!export.contains(&email) && !export.contains(&phone));
    if !on_postgres() {
        assert!(
            wait_for(WAIT, || {
                let bytes = file_bytes(&store.dir);
                !holds(&bytes, &email) && !holds(&bytes, &phone)
            }),
            "the store's files still hold the erased customer"
        );
    }

    // The retention pass runs from the command line too; a dry run deletes nothing.
    let dry: serde_json::Value = serde_json::from_str(&agent_with(
        &store.dir,
        &["retention", "run", "--dry-run", "--json"],
        &[],
    ))
    .unwrap();
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["customers"], 0, "{dry}");
}

/// Adds a customer to the store's database as if registered `years` years ago.
fn add_old_customer(dir: &Path, first: &str, years: u32) -> uuid::Uuid {
    use intake_common::mutation::{self, Mutation, Op};
    let id = uuid::Uuid::now_v7();
    let profile = intake_common::Profile::default()
        .with(intake_common::Field::FirstName, first)
        .with(intake_common::Field::LastName, "Longago")
        .with(
            intake_common::Field::Email,
            &format!("{}@old.example", first.to_lowercase()),
        );
    let m = Mutation {
        at: chrono::Utc::now() - chrono::Months::new(12 * years),
        ..Mutation::new(
            "olive",
            Op::CreateCustomer {
                customer: id,
                profile,
            },
        )
    };
    mutation::submit(&mut open_db(dir), &m).unwrap();
    id
}

#[test]
fn the_store_runs_the_retention_pass_daily_and_devices_and_receivers_follow_it() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("store");
    intake_tests::cluster::add_owner(&dir);
    // Seen six years ago, nothing signed: past the default five years before the store
    // even starts.
    let ancient = add_old_customer(&dir, "Ancient", 6);
    let store = Store::start_env(&dir, 0, ALLOW);
    let runs = |dir: &Path| {
        count(
            dir,
            "SELECT count(*) FROM audit_log WHERE action = 'retention.run'",
        )
    };
    assert!(
        wait_for(Duration::from_secs(60), || runs(&dir) == 1),
        "the store runs the daily pass soon after it starts"
    );
    let shown = agent_output_with(&dir, &["customer", "show", &ancient.to_string()], &[]);
    assert!(String::from_utf8_lossy(&shown.stderr).contains("was erased on"));

    // A customer who passes their date while the store runs goes at the next pass: here one
    // run from the command line. The counter holds them first, and loses them.
    let receiver = Receiver::start();
    let added: serde_json::Value = serde_json::from_str(&agent_with(
        &dir,
        &["webhook", "add", &receiver.url, "--json"],
        ALLOW,
    ))
    .unwrap();
    receiver.trust(added["secret"].as_str().unwrap());
    let desk = root.path().join("desk");
    store.pair(&desk, "desk", "counter", false, &store.url);
    let _d = SyncLoop::start(&desk, 100);
    let old = add_old_customer(&dir, "Olden", 7);
    assert!(wait_for(WAIT, || count(
        &desk,
        "SELECT count(*) FROM customers"
    ) == 1));
    let dry: serde_json::Value = serde_json::from_str(&agent_with(
        &dir,
        &["retention", "run", "--dry-run", "--json"],
        &[],
    ))
    .unwrap();
    assert_eq!(dry["customers"], 1, "{dry}");
    assert_eq!(
        count(&dir, "SELECT count(*) FROM customers"),
        1,
        "a dry run deletes nothing"
    );
    let out = agent_with(&dir, &["retention", "run"], &[]);
    assert!(
        out.contains("deleted 0 release(s)") && out.contains("1 customer(s)"),
        "{out}"
    );
    assert!(wait_for(WAIT, || count(
        &desk,
        "SELECT count(*) FROM customers"
    ) == 0));
    assert!(wait_for(WAIT, || receiver
        .received()
        .iter()
        .any(
            |r| r.event() == "customer.deleted" && r.json["data"]["id"] == old.to_string().as_str()
        )));
    let got = receiver.received();
    let deleted = got
        .iter()
        .find(|r| {
            r.event() == "customer.deleted" && r.json["data"]["id"] == old.to_string().as_str()
        })
        .unwrap();
    assert_eq!(deleted.json["data"]["reason"], "retention");
    // The daily pass does not run again on a restart within the day.
    drop(store);
    let _store = Store::start_env(&dir, 0, ALLOW);
    std::thread::sleep(Duration::from_secs(12));
    assert_eq!(
        runs(&dir),
        2,
        "one daily pass and the one from the command line"
    );
}

#[test]
fn a_store_whose_settings_state_no_policy_deletes_nothing_by_itself() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("store");
    intake_tests::cluster::add_owner(&dir);
    // A shop.toml written before there was a retention policy.
    let settings = dir.join("settings");
    std::fs::create_dir_all(&settings).unwrap();
    std::fs::write(settings.join("shop.toml"), "name = \"Old Shop\"\n").unwrap();
    let ancient = add_old_customer(&dir, "Ancient", 9);
    let _store = Store::start(&dir, 0);
    std::thread::sleep(Duration::from_secs(14));
    assert_eq!(
        count(
            &dir,
            "SELECT count(*) FROM audit_log WHERE action = 'retention.run'"
        ),
        0
    );
    let shown = agent_with(&dir, &["customer", "show", &ancient.to_string()], &[]);
    assert!(shown.contains("Ancient"));
    let policy: serde_json::Value =
        serde_json::from_str(&agent_with(&dir, &["retention", "policy", "--json"], &[])).unwrap();
    assert_eq!(policy["stated"], false);
}
