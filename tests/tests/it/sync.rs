//! A shop on one machine: a store, a lobby kiosk and a counter display, each a real
//! process syncing over HTTPS on loopback.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::{Duration as Days, Utc};
use intake_common::{Actor, Db, Field, Role, counter, customers, release, sync};
use intake_tests::cluster::{Proxy, Store, SyncLoop, agent, agent_output, register, wait_for};

fn owner() -> Actor {
    Actor {
        name: "olive".into(),
        role: Role::Owner,
    }
}

fn open(dir: &Path) -> Db {
    intake_tests::cluster::open_db(dir)
}

fn count(dir: &Path, sql: &str) -> i64 {
    open(dir).conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

fn all_customers(dir: &Path) -> Vec<intake_common::Customer> {
    let mut out = Vec::new();
    customers::for_each(open(dir).conn(), |c| -> intake_common::Result<()> {
        out.push(c);
        Ok(())
    })
    .unwrap();
    out
}

fn todays_check_ins(dir: &Path) -> Vec<counter::CheckIn> {
    let now = Utc::now();
    counter::check_ins(
        &open(dir),
        &owner(),
        now - Days::days(1),
        now + Days::days(1),
    )
    .unwrap()
}

/// Makes the kiosk's database a device before anything is registered there.
fn kiosk_dir(root: &Path) -> std::path::PathBuf {
    let dir = root.join("kiosk");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_registration_at_the_kiosk_reaches_the_counter_and_the_kiosk_keeps_no_list() {
    let root = tempfile::tempdir().unwrap();
    let store = Store::create(&root.path().join("store"));
    let kiosk = kiosk_dir(root.path());
    let desk = root.path().join("desk");
    store.pair(&kiosk, "lobby", "kiosk", false, &store.url);
    store.pair(&desk, "desk", "counter", false, &store.url);
    let _k = SyncLoop::start(&kiosk, 100);
    let _d = SyncLoop::start(&desk, 100);

    let released = register(&kiosk, 100, 6);
    assert_eq!(released.len(), 6);
    assert!(
        wait_for(Duration::from_secs(30), || todays_check_ins(&desk).len()
            == 6),
        "the counter shows {} of 6 check-ins",
        todays_check_ins(&desk).len()
    );
    // The store holds every release whole; the counter its record, not its content.
    assert_eq!(count(&store.dir, "SELECT count(*) FROM releases"), 6);
    // Whole means as signed: declined optional clauses, a minor's clauses (the guardian's
    // recorded as the guardian's, never the adult-only one), each fingerprint intact.
    let db = open(&store.dir);
    let signed: Vec<_> = released
        .iter()
        .map(|id| release::open(&db, &owner(), id.parse().unwrap()).unwrap())
        .collect();
    assert!(
        signed
            .iter()
            .any(|r| r.clauses.iter().any(|c| !c.accepted()))
    );
    let minors: Vec<_> = signed.iter().filter(|r| r.guardian.is_some()).collect();
    assert!(!minors.is_empty());
    for r in minors {
        assert!(r.clauses.iter().any(|c| c.by == release::Signer::Guardian));
        assert!(r.clauses.iter().all(|c| c.id != "own-decision"));
    }
    drop(db);
    assert_eq!(
        count(
            &desk,
            "SELECT count(*) FROM releases WHERE length(sealed) = 0"
        ),
        6
    );
    // A counter paired without medical details holds counts, never the details.
    let with_medical = todays_check_ins(&desk)
        .iter()
        .filter(|c| c.medical > 0)
        .count();
    assert!(with_medical > 0);
    assert_eq!(
        count(
            &desk,
            "SELECT count(*) FROM medical_conditions WHERE length(sealed) > 0"
        ),
        0
    );
    // Once the store has them, the kiosk drops its customers and keeps only sealed
    // recognition entries, through which a returning customer is still found.
    assert!(wait_for(Duration::from_secs(15), || {
        count(&kiosk, "SELECT count(*) FROM customers") == 0
            && count(&kiosk, "SELECT count(*) FROM recognition") == 6
    }));
    let db = open(&kiosk);
    let status = sync::status(db.conn()).unwrap();
    assert_eq!(status.pending, 0);
    assert!(status.last_success.is_some());
    let stored = all_customers(&store.dir);
    let ann = &stored[0].profile;
    let birthdate = ann.birthdate().unwrap();
    let phone = ann.get(Field::PhoneNumber).unwrap();
    let found = release::find_returning(db.conn(), phone, birthdate)
        .unwrap()
        .expect("the kiosk recognises a returning customer");
    assert_eq!(found.id, stored[0].id);
    assert_eq!(found.profile.get(Field::LastName), ann.get(Field::LastName));
    // A guess at the birthdate opens nothing.
    let wrong = birthdate.succ_opt().unwrap();
    assert!(
        release::find_returning(db.conn(), phone, wrong)
            .unwrap()
            .is_none()
    );
    // Nothing readable about customers is left in the kiosk's files, its WAL included.
    for file in ["intake.db", "intake.db-wal"] {
        let bytes = std::fs::read(kiosk.join(file)).unwrap_or_default();
        for c in &stored {
            let email = c.profile.get(Field::Email).unwrap();
            assert!(
                !bytes.windows(email.len()).any(|w| w == email.as_bytes()),
                "the kiosk's {file} still holds {email}"
            );
        }
    }
}

#[test]
fn registrations_queue_while_the_store_is_down_and_all_arrive_once_it_is_back() {
    let root = tempfile::tempdir().unwrap();
    let mut store = Store::create(&root.path().join("store"));
    let kiosk = kiosk_dir(root.path());
    store.pair(&kiosk, "lobby", "kiosk", false, &store.url);
    let _k = SyncLoop::start(&kiosk, 100);

    store.stop();
    let released = register(&kiosk, 200, 20);
    assert_eq!(released.len(), 20, "the kiosk works without its store");
    assert!(wait_for(Duration::from_secs(15), || {
        let s = sync::status(open(&kiosk).conn()).unwrap();
        s.last_error
            .is_some_and(|e| e.contains("cannot reach the store"))
    }));
    // At least the customer and the release of each wait, in order.
    assert!(sync::status(open(&kiosk).conn()).unwrap().pending >= 40);

    store.restart();
    assert!(
        wait_for(Duration::from_secs(60), || {
            let s = sync::status(open(&kiosk).conn()).unwrap();
            s.pending == 0 && s.last_error.is_none()
        }),
        "the outbox emptied once the store came back, and the error cleared"
    );
    assert_eq!(count(&store.dir, "SELECT count(*) FROM releases"), 20);
    assert_eq!(count(&store.dir, "SELECT count(*) FROM customers"), 20);
    if !intake_tests::cluster::on_postgres() {
        let integrity: String = open(&store.dir).integrity_check().unwrap();
        assert_eq!(integrity, "ok");
    }
}

#[test]
fn answers_lost_on_the_way_back_are_replayed_without_duplicates_or_losses() {
    let root = tempfile::tempdir().unwrap();
    let store = Store::create(&root.path().join("store"));
    let proxy = Proxy::start(store.port);
    let kiosk = kiosk_dir(root.path());
    store.pair(&kiosk, "lobby", "kiosk", false, &proxy.url);

    register(&kiosk, 300, 8);
    let queued = sync::status(open(&kiosk).conn()).unwrap().pending;
    proxy.lose_answers.store(true, Ordering::SeqCst);
    let out = agent_output(&kiosk, &["run", "--once"]);
    assert!(!out.status.success(), "a round whose answer was lost fails");
    assert!(proxy.lost.load(Ordering::SeqCst) >= 1);
    // The store applied the batch; the kiosk, not knowing, still holds all of it.
    assert_eq!(count(&store.dir, "SELECT count(*) FROM releases"), 8);
    assert_eq!(sync::status(open(&kiosk).conn()).unwrap().pending, queued);

    // More registrations, another lost answer, then the network heals: the replays change
    // nothing, the new ones arrive.
    register(&kiosk, 400, 4);
    assert!(!agent_output(&kiosk, &["run", "--once"]).status.success());
    proxy.lose_answers.store(false, Ordering::SeqCst);
    agent(&kiosk, &["run", "--once"]);
    assert_eq!(sync::status(open(&kiosk).conn()).unwrap().pending, 0);
    assert_eq!(count(&store.dir, "SELECT count(*) FROM releases"), 12);
    assert_eq!(count(&store.dir, "SELECT count(*) FROM customers"), 12);
    assert_eq!(
        count(
            &store.dir,
            "SELECT count(*) FROM (SELECT customer_id FROM contacts GROUP BY customer_id, kind HAVING count(*) > 1) AS twice"
        ),
        0
    );
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

#[test]
fn a_merge_on_the_store_while_a_counter_edits_the_merged_away_customer_offline() {
    let root = tempfile::tempdir().unwrap();
    let store = Store::create(&root.path().join("store"));
    let a = add_customer(
        &store.dir,
        &["FirstName=Ann", "LastName=Moss", "Birthdate=1990-04-02"],
    );
    let b = add_customer(
        &store.dir,
        &[
            "FirstName=Annie",
            "LastName=Moss",
            "Birthdate=1990-04-02",
            "City=Austin",
        ],
    );
    let desk = root.path().join("desk");
    store.pair(&desk, "desk", "counter", false, &store.url);
    agent(&desk, &["run", "--once"]);
    assert_eq!(all_customers(&desk).len(), 2);

    // Offline: the counter edits B while the store merges B into A.
    agent(&desk, &["customer", "note", &b, "prefers mornings"]);
    agent(
        &desk,
        &["customer", "update", &b, "--set", "Email=annie@example.com"],
    );
    agent(&store.dir, &["merge", &a, &b]);

    agent(&desk, &["run", "--once"]);
    let survivor = customers::detail(&open(&store.dir), &owner(), b.parse().unwrap()).unwrap();
    assert_eq!(
        survivor.customer.id.to_string(),
        a,
        "B resolves to A on the store"
    );
    assert_eq!(
        survivor.customer.profile.get(Field::Email),
        Some("annie@example.com"),
        "the offline edit of B landed on A"
    );
    assert_eq!(survivor.customer.profile.get(Field::City), Some("Austin"));
    assert!(survivor.notes.iter().any(|n| n.body == "prefers mornings"));
    // The counter converged: B is gone there too, and still resolves to A.
    let here = all_customers(&desk);
    assert_eq!(here.len(), 1);
    let on_desk = customers::detail(&open(&desk), &owner(), b.parse().unwrap()).unwrap();
    assert_eq!(on_desk.customer.id.to_string(), a);
    assert!(on_desk.notes.iter().any(|n| n.body == "prefers mornings"));
    assert_eq!(sync::status(open(&desk).conn()).unwrap().rejected, 0);
}

#[test]
fn concurrent_edits_of_different_fields_both_survive_and_of_one_field_the_later_wins() {
    let root = tempfile::tempdir().unwrap();
    let store = Store::create(&root.path().join("store"));
    let id = add_customer(&store.dir, &["FirstName=Bo", "LastName=Lindqvist"]);
    let (one, two) = (root.path().join("one"), root.path().join("two"));
    store.pair(&one, "desk-1", "counter", false, &store.url);
    store.pair(&two, "desk-2", "counter", false, &store.url);
    agent(&one, &["run", "--once"]);
    agent(&two, &["run", "--once"]);

    agent(
        &one,
        &[
            "customer",
            "update",
            &id,
            "--set",
            "Email=bo@example.com",
            "--set",
            "City=Austin",
        ],
    );
    std::thread::sleep(Duration::from_millis(5)); // the second edit is the later one
    agent(
        &two,
        &[
            "customer",
            "update",
            &id,
            "--set",
            "Occupation=Chef",
            "--set",
            "City=Dallas",
        ],
    );
    // The later edit arrives first.
    agent(&two, &["run", "--once"]);
    agent(&one, &["run", "--once"]);
    agent(&two, &["run", "--once"]);
    for dir in [&store.dir, &one, &two] {
        let c = customers::get(open(dir).conn(), id.parse().unwrap()).unwrap();
        assert_eq!(
            c.profile.get(Field::Email),
            Some("bo@example.com"),
            "{}",
            dir.display()
        );
        assert_eq!(
            c.profile.get(Field::Occupation),
            Some("Chef"),
            "{}",
            dir.display()
        );
        assert_eq!(
            c.profile.get(Field::City),
            Some("Dallas"),
            "{}",
            dir.display()
        );
    }
}

#[test]
fn an_offline_registration_of_a_known_customer_is_offered_as_a_duplicate_not_merged() {
    let root = tempfile::tempdir().unwrap();
    let store = Store::create(&root.path().join("store"));
    let kiosk = kiosk_dir(root.path());
    store.pair(&kiosk, "lobby", "kiosk", false, &store.url);
    // The kiosk registers offline (it never pulled); the store already knows the person.
    register(&kiosk, 500, 1);
    let c = all_customers(&kiosk).remove(0);
    let last = c.profile.get(Field::LastName).unwrap().to_string();
    let born = c.profile.get(Field::Birthdate).unwrap().to_string();
    add_customer(
        &store.dir,
        &[
            "FirstName=Known",
            &format!("LastName={last}"),
            &format!("Birthdate={born}"),
        ],
    );

    agent(&kiosk, &["run", "--once"]);
    assert_eq!(
        count(&store.dir, "SELECT count(*) FROM customers"),
        2,
        "not merged silently"
    );
    let groups = agent(&store.dir, &["duplicates", "--json"]);
    assert!(groups.contains(&c.id.to_string()), "{groups}");
}

#[test]
fn a_revoked_device_is_refused_and_keeps_what_it_has_not_delivered() {
    let root = tempfile::tempdir().unwrap();
    let store = Store::create(&root.path().join("store"));
    let kiosk = kiosk_dir(root.path());
    store.pair(&kiosk, "lobby", "kiosk", false, &store.url);
    register(&kiosk, 600, 2);
    agent(&kiosk, &["run", "--once"]);
    agent(&store.dir, &["device", "revoke", "lobby"]);

    register(&kiosk, 700, 1);
    let out = agent_output(&kiosk, &["run", "--once"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("refused this device"), "{err}");
    let status = sync::status(open(&kiosk).conn()).unwrap();
    assert!(
        status.pending > 0,
        "the undelivered registration stays queued"
    );
    assert!(status.last_error.unwrap().contains("revoked"));
    assert_eq!(count(&store.dir, "SELECT count(*) FROM releases"), 2);
    // Its pairing code is spent too: pairing again needs a new one.
    let listed = agent(&store.dir, &["device", "list"]);
    assert!(listed.contains("revoked"), "{listed}");
}
