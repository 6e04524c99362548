//! Admin commands run on a paired device, each a real process against a real store over
//! HTTPS on loopback: after a sync, store and device agree, or the command was refused
//! before it changed anything, saying where to run it.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use intake_tests::cluster::{Store, agent, agent_output};

fn count(dir: &Path, sql: &str) -> i64 {
    intake_tests::cluster::open_db(dir)
        .conn()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

/// Everything a refused command must leave as it was, on a device.
fn fingerprint(dir: &Path) -> Vec<i64> {
    [
        "SELECT count(*) FROM customers",
        "SELECT count(*) FROM outbox",
        "SELECT count(*) FROM outbox_rejected",
        "SELECT count(*) FROM applied_mutations",
        "SELECT count(*) FROM not_duplicates",
        "SELECT count(*) FROM merged_customers",
        "SELECT count(*) FROM webhook_endpoints",
        "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'change_seq'",
    ]
    .iter()
    .map(|sql| count(dir, sql))
    .collect()
}

/// Every customer as `export` writes it, sorted (store and device number rows apart).
fn exported(dir: &Path) -> Vec<String> {
    let mut lines: Vec<String> = agent(dir, &["export"]).lines().map(str::to_owned).collect();
    lines.sort();
    lines
}

fn add_customer(dir: &Path, sets: &[&str]) -> String {
    let mut args = vec!["customer", "add", "--json"];
    for s in sets {
        args.push("--set");
        args.push(s);
    }
    let out: serde_json::Value = serde_json::from_str(&agent(dir, &args)).unwrap();
    out["id"].as_str().unwrap().to_string()
}

/// A store with two likely duplicates (same last name and birthdate) and a device of
/// `role` paired with it and synced once. Returns the store, the device's directory and
/// the two customers' ids.
fn shop(tmp: &Path, role: &str) -> (Store, std::path::PathBuf, String, String) {
    let store = Store::create(&tmp.join("store"));
    let a = add_customer(
        &store.dir,
        &[
            "FirstName=Ann",
            "LastName=Lee",
            "Birthdate=1990-01-02",
            "PhoneNumber=5125550100",
            "Email=ann@example.com",
        ],
    );
    let b = add_customer(
        &store.dir,
        &[
            "FirstName=Anne",
            "LastName=Lee",
            "Birthdate=1990-01-02",
            "PhoneNumber=5125550101",
        ],
    );
    let device = tmp.join(role);
    store.pair(&device, &format!("{role}-1"), role, false, &store.url);
    agent(&device, &["run", "--once"]);
    (store, device, a, b)
}

/// Runs a command that must be refused on the device: it fails, says where to run it,
/// and changes nothing there.
fn refused(device: &Path, args: &[&str], says: &str) {
    let before = fingerprint(device);
    let out = agent_output(device, args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{args:?} succeeded on a device");
    assert!(
        stderr.contains(says) && stderr.contains("run this there"),
        "{args:?}: {stderr}"
    );
    assert_eq!(fingerprint(device), before, "{args:?} changed the device");
}

fn write_csv(path: &Path, rows: usize, update_email: &str) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(f, "FirstName,LastName,Email,PhoneNumber,Birthdate,City").unwrap();
    // The first row updates a customer the store already has (matched by e-mail).
    writeln!(f, "Ann,Lee,{update_email},,1990-01-02,Austin").unwrap();
    for i in 0..rows {
        writeln!(
            f,
            "Imported{i},Moss,imported{i}@example.com,737555{:04},1985-03-{:02},Dallas",
            i % 10_000,
            1 + i % 28
        )
        .unwrap();
    }
}

#[test]
fn an_import_on_a_counter_is_queued_and_reaches_the_store() {
    let tmp = tempfile::tempdir().unwrap();
    let (store, counter, _, _) = shop(tmp.path(), "counter");
    let csv = tmp.path().join("customers.csv");
    write_csv(&csv, 5000, "ann@example.com");

    let started = Instant::now();
    let out = agent(&counter, &["import", csv.to_str().unwrap()]);
    let import_took = started.elapsed();
    assert!(out.contains("5000 created, 1 updated"), "{out}");
    let status: serde_json::Value =
        serde_json::from_str(&agent(&counter, &["status", "--json"])).unwrap();
    assert_eq!(status["pending"], 5001, "{status}");
    let kinds: Vec<(String, i64)> = status["waiting"]["pending"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["kind"].as_str().unwrap().to_string(),
                k["count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("create_customer".to_string(), 5000),
            ("update_customer".to_string(), 1)
        ]
    );

    let started = Instant::now();
    agent(&counter, &["run", "--once"]);
    let sync_took = started.elapsed();
    println!(
        "5,000-row import on a counter: {} ms; pushed to the store in {} ms",
        import_took.as_millis(),
        sync_took.as_millis()
    );
    assert_eq!(count(&counter, "SELECT count(*) FROM outbox"), 0);
    assert_eq!(count(&counter, "SELECT count(*) FROM outbox_rejected"), 0);
    assert_eq!(count(&store.dir, "SELECT count(*) FROM customers"), 5002);
    assert_eq!(
        count(
            &store.dir,
            "SELECT count(*) FROM customers WHERE email = 'ann@example.com' AND city = 'Austin'"
        ),
        1
    );
    let on_store = exported(&store.dir);
    assert_eq!(on_store.len(), 5003); // the header and every customer once
    assert_eq!(exported(&counter), on_store);

    let check: serde_json::Value =
        serde_json::from_str(&agent(&counter, &["check", "--json"])).unwrap();
    assert_eq!(check["agree"], true, "{check}");
    assert_eq!(check["store_held"], 5002, "{check}");
}

#[test]
fn merges_and_marks_on_a_counter_are_refused_and_the_store_still_offers_the_group() {
    let tmp = tempfile::tempdir().unwrap();
    let (store, counter, a, b) = shop(tmp.path(), "counter");
    refused(
        &counter,
        &["merge", &a, &b],
        "merges and not-duplicate marks are decided on the store",
    );
    refused(
        &counter,
        &["not-duplicate", &a, &b],
        "merges and not-duplicate marks are decided on the store",
    );
    agent(&counter, &["run", "--once"]);
    let groups: serde_json::Value =
        serde_json::from_str(&agent(&store.dir, &["duplicates", "--json"])).unwrap();
    assert_eq!(groups.as_array().unwrap().len(), 1, "{groups}");
    assert_eq!(exported(&counter), exported(&store.dir));

    // Done on the store, the merge reaches the counter.
    agent(&store.dir, &["merge", &a, &b]);
    agent(&counter, &["run", "--once"]);
    assert_eq!(count(&counter, "SELECT count(*) FROM customers"), 1);
    assert_eq!(exported(&counter), exported(&store.dir));
}

#[test]
fn store_only_commands_are_refused_on_every_device() {
    let tmp = tempfile::tempdir().unwrap();
    let (store, counter, a, _) = shop(tmp.path(), "counter");
    let pdf = tmp.path().join("release.pdf");
    let kiosk = tmp.path().join("kiosk");
    store.pair(&kiosk, "kiosk-1", "kiosk", false, &store.url);
    agent(&kiosk, &["run", "--once"]);
    for device in [&counter, &kiosk] {
        for args in [
            &["webhook", "add", "https://hooks.example.com/intake"][..],
            &["webhook", "list"][..],
            &["webhook", "disable", "ep_1"][..],
            &["webhook", "recover", "--since", "2h"][..],
        ] {
            refused(device, args, "webhooks are managed and sent on the store");
        }
        refused(
            device,
            &["release", "pdf", &a, "--out", pdf.to_str().unwrap()],
            "signed releases are opened on the store",
        );
        for args in [
            &["device", "add", "patio", "--role", "kiosk"][..],
            &["device", "list"][..],
            &["device", "revoke", "lobby"][..],
        ] {
            refused(device, args, "devices are managed on the store");
        }
        assert!(!pdf.exists());
    }
}

#[test]
fn a_kiosk_refuses_imports_and_merges() {
    let tmp = tempfile::tempdir().unwrap();
    let (store, kiosk, a, b) = shop(tmp.path(), "kiosk");
    let csv = tmp.path().join("customers.csv");
    write_csv(&csv, 10, "ann@example.com");
    refused(
        &kiosk,
        &["import", csv.to_str().unwrap()],
        "customers are imported on the store",
    );
    refused(
        &kiosk,
        &["import", "--dry-run", csv.to_str().unwrap()],
        "customers are imported on the store",
    );
    refused(
        &kiosk,
        &["merge", &a, &b],
        "merges and not-duplicate marks are decided on the store",
    );
    agent(&kiosk, &["run", "--once"]);
    assert_eq!(count(&store.dir, "SELECT count(*) FROM customers"), 2);
    let check: serde_json::Value =
        serde_json::from_str(&agent(&kiosk, &["check", "--json"])).unwrap();
    assert_eq!(check["agree"], true, "{check}");
    assert_eq!(check["store_held"], 2, "{check}");
}

#[test]
fn check_finds_customers_the_store_never_got() {
    let tmp = tempfile::tempdir().unwrap();
    let (_store, counter, _, _) = shop(tmp.path(), "counter");
    let check: serde_json::Value =
        serde_json::from_str(&agent(&counter, &["check", "--json"])).unwrap();
    assert_eq!(check["agree"], true, "{check}");

    // A customer written on the device without the outbox, as imports and merges once did.
    {
        let db = intake_tests::cluster::open_db(&counter);
        db.conn()
            .execute(
                "INSERT INTO customers(id, first_name, created_at, updated_at, change_seq, created_seq)
                 VALUES (randomblob(16), 'Stray', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 0, 0)",
                [],
            )
            .unwrap();
    }
    let out = agent_output(&counter, &["check"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stdout}");
    assert!(
        stderr.contains("differs from the store with nothing waiting"),
        "{stderr}"
    );
    let status = agent(&counter, &["status"]);
    assert!(status.contains("Last check:"), "{status}");
    assert!(status.contains("differs from the store"), "{status}");
}

/// A counter paired without medical details: staff who may record medical details on the
/// store are still refused here, before anything changes — the store would refuse the
/// change from this counter, and the next pull would make it vanish.
#[test]
fn a_change_the_store_would_refuse_from_this_counter_is_refused_first() {
    let tmp = tempfile::tempdir().unwrap();
    let (store, counter, a, _) = shop(tmp.path(), "counter");
    refused(
        &counter,
        &[
            "customer", "medical", &a, "--kind", "allergy", "--name", "latex",
        ],
        "this change is made on the store",
    );
    agent(&counter, &["run", "--once"]);
    assert_eq!(
        count(&store.dir, "SELECT count(*) FROM medical_conditions"),
        0
    );
    assert_eq!(count(&counter, "SELECT count(*) FROM outbox_rejected"), 0);
}
