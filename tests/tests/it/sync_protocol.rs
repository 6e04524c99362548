//! The sync protocol's two sides against real SQLite files, in one process: what each
//! role may push and pull, pairing, and a returning customer recognised at a kiosk.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use intake_common::customer::{MedicalCondition, MedicalKind};
use intake_common::release::{self, Signing};
use intake_common::settings::Settings;
use intake_common::sync::{self, Change, DeviceAuth, DeviceRole, MedicalRows, Outcome};
use intake_common::{Actor, Db, Error, Field, Mutation, Op, Profile, Role, audit, mutation};
use intake_tests::registrations;
use uuid::Uuid;

fn owner() -> Actor {
    Actor {
        name: "olive".into(),
        role: Role::Owner,
    }
}

fn count(db: &Db, sql: &str) -> i64 {
    db.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

/// A store and one paired device of `role`: (store, device db, the device as the store
/// knows it).
fn paired(dir: &std::path::Path, role: DeviceRole, medical: bool) -> (Db, Db, DeviceAuth) {
    let mut store = Db::open_dir(&dir.join("store")).unwrap();
    let made = sync::add_device(&mut store, &owner(), "dev-1", role, medical).unwrap();
    let answer = sync::pair(&mut store, &made.code).unwrap();
    let auth = sync::authenticate(store.conn(), &answer.token)
        .unwrap()
        .unwrap();
    let mut device = Db::open_dir(&dir.join("device")).unwrap();
    sync::configure(
        &mut device,
        "https://store.invalid:8443",
        Some("AA"),
        &answer,
    )
    .unwrap();
    (store, device, auth)
}

/// Adds `customer` with a latex allergy on file, as the owner.
fn add_with_allergy(store: &mut Db, customer: Uuid, profile: Profile) {
    for op in [
        Op::CreateCustomer { customer, profile },
        Op::AddMedicalCondition {
            customer,
            id: Uuid::now_v7(),
            condition: MedicalCondition {
                kind: MedicalKind::Allergy,
                name: "Latex".into(),
                details: None,
            },
        },
    ] {
        mutation::submit(store, &Mutation::new("olive", op)).unwrap();
    }
}

/// One round as `intake-agent run` does it, without the network.
fn sync_round(store: &mut Db, device: &mut Db, auth: &DeviceAuth) {
    loop {
        let (batch, _) = sync::next_batch(device, 0, sync::PUSH_BATCH).unwrap();
        if batch.is_empty() {
            break;
        }
        let results = sync::apply_push(store, auth, &batch).unwrap();
        sync::acknowledge(device, &results).unwrap();
    }
    sync::purge_kiosk_replica(device).unwrap();
    loop {
        let cursor = sync::cursor(device.conn()).unwrap();
        let answer = sync::pull(store, auth, cursor, sync::PULL_BATCH).unwrap();
        let more = answer.more;
        let pulled = sync::apply_pull(device, &answer).unwrap();
        assert!(!pulled.deferred);
        if !more && !pulled.restarted {
            break;
        }
    }
}

#[test]
fn a_pairing_code_works_once_and_a_revoked_device_is_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Db::open_dir(dir.path()).unwrap();
    let made = sync::add_device(&mut store, &owner(), "lobby", DeviceRole::Kiosk, false).unwrap();
    assert_eq!(made.code.len(), 14, "three groups of four: {}", made.code);
    // Typed in lower case without dashes, it still works.
    let typed = made.code.replace('-', "").to_lowercase();
    let answer = sync::pair(&mut store, &typed).unwrap();
    assert!(
        answer.recognition_key.is_some(),
        "a kiosk gets its recognition key"
    );
    assert!(matches!(
        sync::pair(&mut store, &made.code),
        Err(Error::BadPairingCode)
    ));
    assert!(
        sync::authenticate(store.conn(), &answer.token)
            .unwrap()
            .is_some()
    );
    assert!(
        sync::authenticate(store.conn(), "ik_guess")
            .unwrap()
            .is_none()
    );
    sync::revoke_device(&mut store, &owner(), "lobby").unwrap();
    assert!(
        sync::authenticate(store.conn(), &answer.token)
            .unwrap()
            .is_none()
    );
    // Only managers and owners add devices; a kiosk never holds medical details.
    let desk = Actor {
        name: "fd".into(),
        role: Role::FrontDesk,
    };
    assert!(matches!(
        sync::add_device(&mut store, &desk, "x", DeviceRole::Counter, false),
        Err(Error::Forbidden { .. })
    ));
    assert!(sync::add_device(&mut store, &owner(), "y", DeviceRole::Kiosk, true).is_err());
    // The token and the code are never stored, only their hashes.
    let stored: String = store
        .conn()
        .query_row(
            "SELECT token_hash FROM devices WHERE name = 'lobby'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_ne!(stored, answer.token);
    assert!(
        audit::recent(store.conn(), 50)
            .unwrap()
            .iter()
            .any(|e| e.action == "device.revoke")
    );
}

#[test]
fn a_kiosk_push_of_what_kiosks_may_not_do_is_refused_alone_and_kept_aside() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, mut kiosk, auth) = paired(dir.path(), DeviceRole::Kiosk, false);
    let customer = Uuid::now_v7();
    let ops = [
        Op::CreateCustomer {
            customer,
            profile: Profile::default().with(Field::LastName, "Moss"),
        },
        Op::AddNote {
            customer,
            id: Uuid::now_v7(),
            body: "sneaky".into(),
        },
        Op::UpdateCustomer {
            customer,
            changes: [(Field::City, Some("Austin".to_string()))]
                .into_iter()
                .collect(),
        },
    ];
    let ms: Vec<Mutation> = ops
        .into_iter()
        .map(|op| Mutation::new("kiosk:lobby", op))
        .collect();
    mutation::submit_all(&mut kiosk, &ms).unwrap();
    let (batch, _) = sync::next_batch(&kiosk, 0, 100).unwrap();
    let results = sync::apply_push(&mut store, &auth, &batch).unwrap();
    assert_eq!(results[0].outcome, Outcome::Applied);
    assert!(
        matches!(&results[1].outcome, Outcome::Rejected { reason } if reason.contains("add_note"))
    );
    assert_eq!(
        results[2].outcome,
        Outcome::Applied,
        "the rest of the batch still applies"
    );
    assert_eq!(count(&store, "SELECT count(*) FROM notes"), 0);
    // Replayed, the batch changes nothing.
    let again = sync::apply_push(&mut store, &auth, &batch).unwrap();
    assert_eq!(again[0].outcome, Outcome::AlreadyApplied);
    assert_eq!(again[2].outcome, Outcome::AlreadyApplied);
    let ack = sync::acknowledge(&mut kiosk, &results).unwrap();
    assert_eq!((ack.removed, ack.rejected), (3, 1));
    let status = sync::status(kiosk.conn()).unwrap();
    assert_eq!((status.pending, status.rejected), (0, 1));
}

#[test]
fn each_role_pulls_only_what_it_may_hold() {
    let dir = tempfile::tempdir().unwrap();
    for (role, medical) in [
        (DeviceRole::Counter, false),
        (DeviceRole::Counter, true),
        (DeviceRole::Kiosk, false),
    ] {
        let sub = dir.path().join(format!("{role}-{medical}"));
        let (mut store, mut device, auth) = paired(&sub, role, medical);
        let customer = Uuid::now_v7();
        let profile = Profile::default()
            .with(Field::FirstName, "Ann")
            .with(Field::LastName, "Lee")
            .with(Field::PhoneNumber, "+15125550123")
            .with(Field::Birthdate, "1990-04-02");
        add_with_allergy(&mut store, customer, profile);
        let answer = sync::pull(&store, &auth, 0, 100).unwrap();
        assert_eq!(answer.changes.len(), 1);
        match (&answer.changes[0], role, medical) {
            (Change::Customer(c), DeviceRole::Counter, false) => {
                assert_eq!(c.medical, MedicalRows::Count { count: 1 });
            }
            (Change::Customer(c), DeviceRole::Counter, true) => {
                assert!(
                    matches!(&c.medical, MedicalRows::Details { records } if records[0].condition.name == "Latex")
                );
                assert!(
                    audit::recent(store.conn(), 10)
                        .unwrap()
                        .iter()
                        .any(|e| e.action == "medical.sync")
                );
            }
            (Change::Recognition(r), DeviceRole::Kiosk, _) => {
                let text = serde_json::to_string(r).unwrap();
                assert!(!text.contains("Lee") && !text.contains("5550123"), "{text}");
            }
            (other, role, medical) => panic!("{role} (medical {medical}) pulled {other:?}"),
        }
        sync::apply_pull(&mut device, &answer).unwrap();
        assert_eq!(sync::cursor(device.conn()).unwrap(), answer.cursor);
        // Staff PIN hashes go to counters (offline sign-in), never to a lobby kiosk.
        let staff = match role {
            DeviceRole::Counter => count(&store, "SELECT count(*) FROM users"),
            DeviceRole::Kiosk => 0,
        };
        assert_eq!(count(&device, "SELECT count(*) FROM users"), staff);
        // A device never applies a pull over changes it has not pushed yet.
        if role == DeviceRole::Counter {
            mutation::submit(
                &mut device,
                &Mutation::new(
                    "olive",
                    Op::AddNote {
                        customer,
                        id: Uuid::now_v7(),
                        body: "hi".into(),
                    },
                ),
            )
            .unwrap();
            assert!(sync::apply_pull(&mut device, &answer).unwrap().deferred);
        }
    }
}

#[test]
fn a_returning_customer_recognised_at_a_kiosk_stays_one_customer_with_their_new_details() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, mut kiosk, auth) = paired(dir.path(), DeviceRole::Kiosk, false);
    let settings = Settings::defaults();
    let template = release::register_template(&mut kiosk, &settings.template).unwrap();
    let signature = registrations::signature_png(1);
    let first = registrations::registration(&settings, 7, &signature);
    release::submit(
        &mut kiosk,
        &first,
        &Signing::new("lobby", &settings, &template),
    )
    .unwrap();
    sync_round(&mut store, &mut kiosk, &auth);
    assert_eq!(
        count(&kiosk, "SELECT count(*) FROM customers"),
        0,
        "the kiosk handed them over"
    );
    assert_eq!(count(&kiosk, "SELECT count(*) FROM recognition"), 1);
    let conditions = count(&store, "SELECT count(*) FROM medical_conditions");
    assert!(conditions > 0);

    let phone = first.profile.get(Field::PhoneNumber).unwrap();
    let born = first.profile.birthdate().unwrap();
    let found = release::find_returning(kiosk.conn(), phone, born)
        .unwrap()
        .unwrap();
    assert_eq!(
        found.profile.get(Field::Email),
        first.profile.get(Field::Email)
    );
    let mut again = registrations::registration(&settings, 7, &signature);
    again.existing = Some(found.id);
    again
        .profile
        .set(Field::Email, Some("new@example.com".into()));
    release::submit(
        &mut kiosk,
        &again,
        &Signing::new("lobby", &settings, &template),
    )
    .unwrap();
    sync_round(&mut store, &mut kiosk, &auth);

    assert_eq!(count(&store, "SELECT count(*) FROM customers"), 1);
    assert_eq!(count(&store, "SELECT count(*) FROM releases"), 2);
    assert_eq!(
        count(&store, "SELECT count(*) FROM medical_conditions"),
        conditions,
        "the same answers are not filed twice"
    );
    let stored = intake_common::customers::get(store.conn(), found.id).unwrap();
    assert_eq!(stored.profile.get(Field::Email), Some("new@example.com"));
    assert_eq!(sync::status(kiosk.conn()).unwrap().rejected, 0);
}

#[test]
fn a_medical_counter_pulls_while_the_store_keeps_writing() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _device, auth) = paired(dir.path(), DeviceRole::Counter, true);
    for n in 0..40 {
        let customer = Uuid::now_v7();
        let profile = Profile::default()
            .with(Field::FirstName, &format!("Med{n}"))
            .with(Field::LastName, "Lee");
        add_with_allergy(&mut store, customer, profile);
    }
    // Another connection commits as fast as it can while the counter pulls everything
    // again and again: each pull's audit entry must not trip over those commits.
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut writer = Db::open_dir(&dir.path().join("store")).unwrap();
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let m = Mutation::new(
                    "olive",
                    Op::CreateCustomer {
                        customer: Uuid::now_v7(),
                        profile: Profile::default().with(Field::FirstName, &format!("W{n}")),
                    },
                );
                mutation::submit(&mut writer, &m).unwrap();
                n += 1;
            }
        });
        for _ in 0..60 {
            let pulled = sync::pull(&store, &auth, 0, sync::PULL_BATCH);
            assert!(pulled.is_ok(), "{:?}", pulled.err());
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    let audited = count(
        &store,
        "SELECT count(*) FROM audit_log WHERE action = 'medical.sync'",
    );
    assert_eq!(audited, 60);
}
