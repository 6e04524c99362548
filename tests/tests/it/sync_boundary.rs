//! What the store accepts from a paired device, against real SQLite files in one process:
//! ids that would pin last-writer-wins in the future, forged names and times, a kiosk
//! reaching past its own registrations, releases that do not match what was signed, and
//! each kiosk's own recognition key.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use intake_common::change::{self, Caller};
use intake_common::customer::{MedicalCondition, MedicalKind};
use intake_common::release::{self, Signing};
use intake_common::settings::Settings;
use intake_common::sync::{self, DeviceAuth, DeviceRole, Outcome, PushResult};
use intake_common::{Actor, Db, Field, Mutation, Op, Profile, Role, mutation, users};
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

/// Pairs a new device `name` of `role` in `dir` with `store`.
fn pair(store: &mut Db, dir: &std::path::Path, name: &str, role: DeviceRole) -> (Db, DeviceAuth) {
    let made = sync::add_device(store, &owner(), name, role, false).unwrap();
    let answer = sync::pair(store, &made.code).unwrap();
    let auth = sync::authenticate(store.conn(), &answer.token)
        .unwrap()
        .unwrap();
    let mut device = Db::open_dir(&dir.join(name)).unwrap();
    sync::configure(
        &mut device,
        "https://store.invalid:8443",
        Some("AA"),
        &answer,
    )
    .unwrap();
    (device, auth)
}

fn store(dir: &std::path::Path) -> Db {
    let mut db = Db::open_dir(&dir.join("store")).unwrap();
    users::add(&mut db, None, "olive", Role::Owner, "246810").unwrap();
    db
}

/// Pushes the device's whole outbox and applies the answers, as `intake-agent run` does.
fn push(store: &mut Db, device: &mut Db, auth: &DeviceAuth) -> Vec<PushResult> {
    let (batch, _) = sync::next_batch(device, 0, sync::PUSH_BATCH).unwrap();
    let results = sync::apply_push(store, auth, &batch).unwrap();
    sync::acknowledge(device, &results).unwrap();
    results
}

fn pull_all(store: &Db, device: &mut Db, auth: &DeviceAuth) {
    loop {
        let answer = sync::pull(store, auth, sync::cursor(device.conn()).unwrap(), 1000).unwrap();
        let pulled = sync::apply_pull(device, &answer).unwrap();
        if !answer.more && !pulled.restarted {
            break;
        }
    }
}

fn rejected(r: &PushResult) -> &str {
    match &r.outcome {
        Outcome::Rejected { reason } => reason,
        other => panic!("{} was not refused: {other:?}", r.id),
    }
}

fn city(db: &Db, customer: Uuid) -> Option<String> {
    intake_common::customers::get(db.conn(), customer)
        .unwrap()
        .profile
        .get(Field::City)
        .map(str::to_owned)
}

fn new_customer(last: &str) -> (Uuid, Op) {
    let customer = Uuid::now_v7();
    let profile = Profile::default()
        .with(Field::FirstName, "Ann")
        .with(Field::LastName, last)
        .with(Field::PhoneNumber, "+15125550123")
        .with(Field::Birthdate, "1990-04-02");
    (customer, Op::CreateCustomer { customer, profile })
}

fn set_city(customer: Uuid, value: &str) -> Op {
    Op::UpdateCustomer {
        customer,
        changes: [(Field::City, Some(value.to_string()))]
            .into_iter()
            .collect(),
    }
}

/// A v7 id dated `secs` from now.
fn id_in(secs: i64) -> Uuid {
    let at = chrono::Utc::now() + chrono::Duration::seconds(secs);
    Uuid::new_v7(uuid::Timestamp::from_unix(
        uuid::NoContext,
        u64::try_from(at.timestamp()).unwrap(),
        at.timestamp_subsec_nanos(),
    ))
}

#[test]
fn ids_from_the_future_or_not_time_ordered_are_refused_and_a_later_staff_edit_wins() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(dir.path());
    let (mut kiosk, auth) = pair(&mut store, dir.path(), "lobby", DeviceRole::Kiosk);
    let (customer, create) = new_customer("Moss");
    mutation::submit(&mut kiosk, &Mutation::new("kiosk:lobby", create)).unwrap();
    push(&mut store, &mut kiosk, &auth);

    // What a tampered kiosk sends straight to the store: its own customer, so only the ids
    // are wrong.
    let forged = |id: Uuid, value: &str| Mutation {
        id,
        at: chrono::Utc::now(),
        actor: "olive".into(),
        op: set_city(customer, value),
    };
    let all_f = Uuid::parse_str("ffffffff-ffff-7fff-bfff-ffffffffffff").unwrap();
    let mut skewed = forged(id_in(60), "");
    skewed.op = Op::UpdateCustomer {
        customer,
        changes: [(Field::Nickname, Some("Annie".to_string()))]
            .into_iter()
            .collect(),
    };
    let batch = [
        forged(all_f, "Forever"),
        forged(id_in(3600), "In an hour"),
        forged(
            Uuid::from_u128(0x6ba7b810_9dad_41d1_80b4_00c04fd430c8),
            "Random",
        ),
        skewed,
    ];
    let results = sync::apply_push(&mut store, &auth, &batch).unwrap();
    assert!(rejected(&results[0]).contains("ahead of the store's clock"));
    assert!(rejected(&results[1]).contains("ahead of the store's clock"));
    assert!(rejected(&results[2]).contains("not a UUIDv7"));
    assert_eq!(results[3].outcome, Outcome::Applied, "a small skew is fine");
    assert_eq!(city(&store, customer), None);

    // Nothing pinned the field in the future: the owner's edit afterwards wins.
    change::submit(
        &mut store,
        &Caller::Staff(owner()),
        set_city(customer, "Boston"),
    )
    .unwrap();
    assert_eq!(city(&store, customer).as_deref(), Some("Boston"));
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM applied_mutations WHERE id = x'ffffffffffff7fffbfffffffffffffff'"
        ),
        0,
        "the all-f id was never recorded"
    );
}

#[test]
fn the_store_names_who_made_a_pushed_change_and_when() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(dir.path());
    let (mut kiosk, kiosk_auth) = pair(&mut store, dir.path(), "lobby", DeviceRole::Kiosk);
    let (mut desk, desk_auth) = pair(&mut store, dir.path(), "desk", DeviceRole::Counter);
    let (customer, create) = new_customer("Moss");
    let condition = Op::AddMedicalCondition {
        customer,
        id: Uuid::now_v7(),
        condition: MedicalCondition {
            kind: MedicalKind::Allergy,
            name: "Latex".into(),
            details: None,
        },
    };
    let long_ago = chrono::DateTime::parse_from_rfc3339("1999-01-01T00:00:00Z")
        .unwrap()
        .to_utc();
    for op in [create, condition] {
        let mut m = Mutation::new("olive", op); // a kiosk claiming to be the owner
        m.at = long_ago;
        mutation::submit(&mut kiosk, &m).unwrap();
    }
    assert!(
        push(&mut store, &mut kiosk, &kiosk_auth)
            .iter()
            .all(|r| r.outcome == Outcome::Applied)
    );
    let (by, at): (String, String) = store
        .conn()
        .query_row(
            "SELECT created_by, created_at FROM medical_conditions",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(by, "kiosk:lobby");
    assert!(
        at.starts_with(&chrono::Utc::now().format("%Y-").to_string()),
        "{at}"
    );

    // A counter names the staff member signed in there, if the store knows them.
    pull_all(&store, &mut desk, &desk_auth);
    for actor in ["olive", "mallory"] {
        let note = Op::AddNote {
            customer,
            id: Uuid::now_v7(),
            body: format!("by {actor}"),
        };
        mutation::submit(&mut desk, &Mutation::new(actor, note)).unwrap();
    }
    push(&mut store, &mut desk, &desk_auth);
    let authors: Vec<String> = store
        .conn()
        .prepare("SELECT author FROM notes ORDER BY body DESC")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(authors, ["olive@counter:desk", "counter:desk"]);
}

#[test]
fn a_kiosk_changes_only_the_registrations_it_made() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(dir.path());
    let (mut kiosk, auth) = pair(&mut store, dir.path(), "lobby", DeviceRole::Kiosk);
    // Someone the kiosk never registered, made on the store.
    let (theirs, create) = new_customer("Other");
    change::submit(&mut store, &Caller::Staff(owner()), create).unwrap();

    let (mine, create_mine) = new_customer("Moss");
    let ops = vec![
        create_mine,
        set_city(mine, "Austin"),
        // The kiosk's local copy of the other customer, then edits of them.
        Op::CreateCustomer {
            customer: theirs,
            profile: Profile::default().with(Field::LastName, "Other"),
        },
        set_city(theirs, "Hijacked"),
        Op::SetContact {
            customer: theirs,
            contact: intake_common::customer::Contact {
                kind: intake_common::customer::ContactKind::Emergency,
                name: "Mallory".into(),
                phone: None,
                relation: None,
            },
        },
        // A field the kiosk never asks for, even on its own registration.
        Op::UpdateCustomer {
            customer: mine,
            changes: [(Field::MembershipNumber, Some("VIP".to_string()))]
                .into_iter()
                .collect(),
        },
    ];
    let ms: Vec<Mutation> = ops
        .into_iter()
        .map(|op| Mutation::new("kiosk:lobby", op))
        .collect();
    mutation::submit_all(&mut kiosk, &ms).unwrap();
    let results = push(&mut store, &mut kiosk, &auth);
    assert_eq!(results[0].outcome, Outcome::Applied);
    assert_eq!(results[1].outcome, Outcome::Applied);
    assert_eq!(
        results[2].outcome,
        Outcome::Applied,
        "a create of someone known changes nothing"
    );
    assert!(rejected(&results[3]).contains("did not register"));
    assert!(rejected(&results[4]).contains("did not register"));
    assert!(rejected(&results[5]).contains("MembershipNumber"));
    assert_eq!(city(&store, theirs), None);
    assert_eq!(city(&store, mine).as_deref(), Some("Austin"));
    assert_eq!(count(&store, "SELECT count(*) FROM contacts"), 0);
    let status = sync::status(kiosk.conn()).unwrap();
    assert_eq!(
        (status.pending, status.rejected),
        (0, 3),
        "refusals kept aside"
    );
    let reasons: Vec<String> = kiosk
        .conn()
        .prepare("SELECT reason FROM outbox_rejected ORDER BY seq")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        reasons[0].contains("kiosk lobby may not change customer"),
        "{reasons:?}"
    );
}

/// A registration signed at `kiosk`, as its outbox holds it: (the create, the release).
fn signed(kiosk: &mut Db, n: u64) -> (Mutation, Mutation) {
    let settings = Settings::defaults();
    let template = release::register_template(kiosk, &settings.template).unwrap();
    let signature = registrations::signature_png(n);
    let reg = registrations::registration(&settings, n, &signature);
    release::submit(kiosk, &reg, &Signing::new("ignored", &settings, &template)).unwrap();
    let (batch, last) = sync::next_batch(kiosk, 0, 100).unwrap();
    // Out of the outbox: the test sends its own versions.
    kiosk
        .conn()
        .execute("DELETE FROM outbox WHERE seq <= ?1", [last])
        .unwrap();
    let create = batch
        .iter()
        .find(|m| matches!(m.op, Op::CreateCustomer { .. }))
        .unwrap()
        .clone();
    let release = batch
        .iter()
        .find(|m| matches!(m.op, Op::SignRelease { .. }))
        .unwrap()
        .clone();
    (create, release)
}

#[test]
fn a_release_must_be_what_was_signed_by_the_device_that_sends_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(dir.path());
    let (mut kiosk, auth) = pair(&mut store, dir.path(), "lobby", DeviceRole::Kiosk);
    let (create, good) = signed(&mut kiosk, 1);
    let Op::SignRelease { release, .. } = &good.op else {
        unreachable!()
    };
    assert_eq!(
        release.device, "lobby",
        "a paired kiosk signs under its paired name"
    );
    let variant = |f: &dyn Fn(&mut intake_common::release::ReleaseContent, &mut Option<String>)| {
        let mut m = good.clone();
        m.id = Uuid::now_v7();
        if let Op::SignRelease {
            release, sha256, ..
        } = &mut m.op
        {
            release.release_id = Uuid::now_v7();
            *sha256 = Some(release.sha256());
            f(release, sha256);
        }
        m
    };
    let tampered = variant(&|r, _| r.title.push_str(" (amended)"));
    let oversized = variant(&|r, sha| {
        r.signature_png = vec![0u8; sync::SIGNATURE_MAX_BYTES + 1];
        *sha = Some(r.sha256());
    });
    let elsewhere = variant(&|r, sha| {
        r.device = "back-office".into();
        *sha = Some(r.sha256());
    });
    let future = variant(&|r, sha| {
        r.signed_at += chrono::Duration::days(1);
        *sha = Some(r.sha256());
    });
    let batch = [create, tampered, oversized, elsewhere, future, good];
    let results = sync::apply_push(&mut store, &auth, &batch).unwrap();
    assert_eq!(results[0].outcome, Outcome::Applied);
    assert!(rejected(&results[1]).contains("does not match the SHA-256"));
    assert!(rejected(&results[2]).contains("signature image"));
    assert!(rejected(&results[3]).contains("names device \"back-office\""));
    // Signed while the kiosk's clock ran a day ahead: kept, never lost.
    assert_eq!(results[4].outcome, Outcome::Applied);
    assert_eq!(results[5].outcome, Outcome::Applied);
    assert_eq!(count(&store, "SELECT count(*) FROM releases"), 2);
}

#[test]
fn a_kiosk_files_a_release_for_someone_else_only_with_their_phone_and_birthdate() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(dir.path());
    let (mut lobby, lobby_auth) = pair(&mut store, dir.path(), "lobby", DeviceRole::Kiosk);
    let (mut other, other_auth) = pair(&mut store, dir.path(), "patio", DeviceRole::Kiosk);
    // The patio kiosk registers someone; the lobby kiosk tries to attach to them.
    let (create, _) = signed(&mut other, 2);
    let customer = create.op.customer().unwrap();
    sync::apply_push(&mut store, &other_auth, &[create]).unwrap();
    let (_, release) = signed(&mut lobby, 2); // the same person, so the same phone and birthdate
    let retarget = |m: &Mutation, phone: &str| {
        let mut m = m.clone();
        m.id = Uuid::now_v7();
        if let Op::SignRelease {
            customer: c,
            release,
            sha256,
        } = &mut m.op
        {
            *c = customer;
            release.customer_id = customer;
            release.release_id = Uuid::now_v7();
            release
                .customer
                .insert(Field::PhoneNumber.column().to_string(), phone.to_string());
            *sha256 = Some(release.sha256());
        }
        m
    };
    let Op::SignRelease { release: r, .. } = &release.op else {
        unreachable!()
    };
    let right_phone = r.customer[Field::PhoneNumber.column()].clone();
    let guess = retarget(&release, "+15125559999");
    let known = retarget(&release, &right_phone);
    let update = Mutation::new("kiosk:lobby", set_city(customer, "Austin"));
    let results = sync::apply_push(&mut store, &lobby_auth, &[guess, update.clone()]).unwrap();
    assert!(rejected(&results[0]).contains("phone number and birthdate"));
    assert!(rejected(&results[1]).contains("did not register"));
    let mut again = update;
    again.id = Uuid::now_v7();
    let results = sync::apply_push(&mut store, &lobby_auth, &[known, again]).unwrap();
    assert_eq!(results[0].outcome, Outcome::Applied);
    assert_eq!(
        results[1].outcome,
        Outcome::Applied,
        "then what belongs to the visit"
    );
    assert_eq!(city(&store, customer).as_deref(), Some("Austin"));
}

#[test]
fn each_kiosk_has_its_own_recognition_key_and_revoking_one_deletes_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(dir.path());
    let (mut lobby, lobby_auth) = pair(&mut store, dir.path(), "lobby", DeviceRole::Kiosk);
    let (mut patio, patio_auth) = pair(&mut store, dir.path(), "patio", DeviceRole::Kiosk);
    let settings = Settings::defaults();
    let reg = registrations::registration(&settings, 3, &registrations::signature_png(3));
    let (created, _) = signed(&mut lobby, 3);
    sync::apply_push(&mut store, &lobby_auth, &[created]).unwrap();
    sync::purge_kiosk_replica(&mut lobby).unwrap();
    pull_all(&store, &mut lobby, &lobby_auth);
    pull_all(&store, &mut patio, &patio_auth);
    let keys: Vec<Option<String>> = store
        .conn()
        .prepare("SELECT recognition_key FROM devices ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        keys[0].is_some() && keys[1].is_some() && keys[0] != keys[1],
        "{keys:?}"
    );
    let phone = reg.profile.get(Field::PhoneNumber).unwrap();
    let born = reg.profile.birthdate().unwrap();
    let found = |db: &Db| release::find_returning(db.conn(), phone, born).unwrap();
    assert!(found(&lobby).is_some() && found(&patio).is_some());
    // The same customer's entry differs from kiosk to kiosk: one kiosk's key opens nothing
    // of another's.
    let lookup = |db: &Db| -> String {
        db.conn()
            .query_row("SELECT lookup FROM recognition", [], |r| r.get(0))
            .unwrap()
    };
    assert_ne!(lookup(&lobby), lookup(&patio));

    sync::revoke_device(&mut store, &owner(), "lobby").unwrap();
    let gone: Option<String> = store
        .conn()
        .query_row(
            "SELECT recognition_key FROM devices WHERE name = 'lobby'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(gone, None);
    pull_all(&store, &mut patio, &patio_auth);
    assert!(
        found(&patio).is_some(),
        "the other kiosk still recognises them"
    );

    // A kiosk paired when all kiosks shared one key gets its own at its next pull.
    store
        .conn()
        .execute(
            "UPDATE devices SET recognition_key = NULL WHERE name = 'patio'",
            [],
        )
        .unwrap();
    pull_all(&store, &mut patio, &patio_auth);
    let new_key: String = store
        .conn()
        .query_row(
            "SELECT recognition_key FROM devices WHERE name = 'patio'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_ne!(Some(new_key), keys[1]);
    assert!(
        found(&patio).is_some(),
        "its entries were sent again under the new key"
    );
}

#[test]
fn a_kiosk_keeps_no_staff_pin_hashes_only_its_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(dir.path());
    let (mut kiosk, auth) = pair(&mut store, dir.path(), "lobby", DeviceRole::Kiosk);
    // An older kiosk received every staff member's PIN hash.
    let hash: String = store
        .conn()
        .query_row("SELECT pin_hash FROM users", [], |r| r.get(0))
        .unwrap();
    kiosk
        .conn()
        .execute(
            "INSERT INTO users(id, name, role, pin_hash, created_at, disabled)
             VALUES (?1, 'olive', 'owner', ?2, '2024-01-01T00:00:00Z', 0)",
            rusqlite::params![Uuid::now_v7(), hash],
        )
        .unwrap();
    assert!(sync::set_exit_code(&mut store, &owner(), "lobby", "12345").is_err());
    assert!(sync::set_exit_code(&mut store, &owner(), "lobby", "12345x").is_err());
    sync::set_exit_code(&mut store, &owner(), "lobby", "246813").unwrap();
    pull_all(&store, &mut kiosk, &auth);
    assert_eq!(count(&kiosk, "SELECT count(*) FROM users"), 0);
    let exit: String = kiosk
        .conn()
        .query_row(
            "SELECT value FROM meta WHERE key = ?1",
            [sync::KEY_KIOSK_EXIT],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        exit.starts_with("$argon2id$v=19$m=65536,t=3,p=1$"),
        "{exit}"
    );
    let kiosk_dir = dir.path().join("lobby");
    drop(kiosk);
    let mut bytes = std::fs::read(kiosk_dir.join("intake.db")).unwrap();
    bytes.extend(std::fs::read(kiosk_dir.join("intake.db-wal")).unwrap_or_default());
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        !text.contains(&hash),
        "a staff PIN hash is left in the kiosk's files"
    );
}

/// A kiosk's registration sets only what its screens ask for, and cannot bring back a
/// customer the store deleted.
#[test]
fn a_kiosk_registers_only_its_own_fields_and_never_revives_a_deleted_customer() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(dir.path());
    let (mut kiosk, auth) = pair(&mut store, dir.path(), "lobby", DeviceRole::Kiosk);
    let (gone, create) = new_customer("Gone");
    change::submit(&mut store, &Caller::Staff(owner()), create).unwrap();
    change::submit(
        &mut store,
        &Caller::Staff(owner()),
        Op::DeleteCustomer { customer: gone },
    )
    .unwrap();

    let ops = vec![
        Op::CreateCustomer {
            customer: Uuid::now_v7(),
            profile: Profile::default()
                .with(Field::LastName, "Moss")
                .with(Field::Notes, "VIP: no deposit needed"),
        },
        Op::CreateCustomer {
            customer: gone,
            profile: Profile::default().with(Field::LastName, "Gone"),
        },
    ];
    let ms: Vec<Mutation> = ops
        .into_iter()
        .map(|op| Mutation::new("kiosk:lobby", op))
        .collect();
    mutation::submit_all(&mut kiosk, &ms).unwrap();
    let results = push(&mut store, &mut kiosk, &auth);
    assert!(rejected(&results[0]).contains("Notes"), "{results:?}");
    assert!(rejected(&results[1]).contains("deleted"), "{results:?}");
    assert_eq!(count(&store, "SELECT count(*) FROM customers"), 0);
}

/// Changes made while a device's clock ran days ahead: once the store's time is known they
/// go with ids of that time, in their order, and every one is applied (none kept aside).
#[test]
fn changes_made_while_the_clock_ran_ahead_get_the_stores_time_and_arrive() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(dir.path());
    let (mut kiosk, auth) = pair(&mut store, dir.path(), "lobby", DeviceRole::Kiosk);
    let days_ahead = |n: i64| {
        let at = chrono::Utc::now() + chrono::Duration::days(3) + chrono::Duration::milliseconds(n);
        Uuid::new_v7(uuid::Timestamp::from_unix(
            uuid::NoContext,
            at.timestamp() as u64,
            at.timestamp_subsec_nanos(),
        ))
    };
    let (mine, create) = new_customer("Moss");
    let ops = [create, set_city(mine, "Austin"), set_city(mine, "Boston")];
    let ms: Vec<Mutation> = ops
        .into_iter()
        .enumerate()
        .map(|(i, op)| {
            let mut m = Mutation::new("kiosk:lobby", op);
            m.id = days_ahead(i as i64);
            m
        })
        .collect();
    mutation::submit_all(&mut kiosk, &ms).unwrap();
    assert_eq!(
        sync::remint_future_ids(&mut kiosk, chrono::Utc::now()).unwrap(),
        3
    );
    assert_eq!(
        sync::remint_future_ids(&mut kiosk, chrono::Utc::now()).unwrap(),
        0
    );
    let results = push(&mut store, &mut kiosk, &auth);
    assert!(
        results.iter().all(|r| r.outcome == Outcome::Applied),
        "{results:?}"
    );
    assert_eq!(
        city(&store, mine).as_deref(),
        Some("Boston"),
        "the later edit wins"
    );
    assert_eq!(sync::status(kiosk.conn()).unwrap().rejected, 0);
}

#[test]
fn what_a_kiosk_sends_for_someone_erased_meanwhile_stores_nothing_but_a_release_is_kept_restricted()
{
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(dir.path());
    let (mut kiosk, auth) = pair(&mut store, dir.path(), "lobby", DeviceRole::Kiosk);
    // The kiosk registers someone; the store has them.
    let settings = Settings::defaults();
    let template = release::register_template(&mut kiosk, &settings.template).unwrap();
    let signature = registrations::signature_png(1);
    let reg = registrations::registration(&settings, 1, &signature);
    let done = release::submit(
        &mut kiosk,
        &reg,
        &Signing::new("lobby", &settings, &template),
    )
    .unwrap();
    assert!(
        push(&mut store, &mut kiosk, &auth)
            .iter()
            .all(|r| r.outcome == Outcome::Applied)
    );
    // Offline, the kiosk files a second release and an edit for them; meanwhile the store
    // erases them.
    let mut again = reg.clone();
    again.existing = Some(done.customer);
    let late = release::submit(
        &mut kiosk,
        &again,
        &Signing::new("lobby", &settings, &template),
    )
    .unwrap();
    intake_common::retention::erase(
        &mut store,
        &owner(),
        done.customer,
        &settings.shop.retention(),
        settings.shop.adult_age,
        chrono::Utc::now(),
    )
    .unwrap();
    let results = push(&mut store, &mut kiosk, &auth);
    assert!(
        results.iter().all(|r| r.outcome == Outcome::Applied),
        "accepted, not refused and left on the kiosk: {results:?}"
    );
    let status = sync::status(kiosk.conn()).unwrap();
    assert_eq!((status.pending, status.rejected), (0, 0));
    assert_eq!(
        count(&store, "SELECT count(*) FROM customers"),
        0,
        "nothing comes back"
    );
    let kept =
        intake_common::retention::restricted::list(&store, &owner(), Some(done.customer)).unwrap();
    let ids: Vec<Uuid> = kept.iter().map(|r| r.id).collect();
    assert!(
        ids.contains(&done.release) && ids.contains(&late.release),
        "{ids:?}"
    );
    // And the kiosk, at its next pull, holds nothing of them.
    pull_all(&store, &mut kiosk, &auth);
    assert_eq!(count(&kiosk, "SELECT count(*) FROM customers"), 0);
    assert_eq!(count(&kiosk, "SELECT count(*) FROM recognition"), 0);
}

#[test]
fn a_counter_forgets_the_changes_the_store_refused_for_someone_who_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(dir.path());
    let (mut desk, auth) = pair(&mut store, dir.path(), "desk", DeviceRole::Counter);
    let (id, create) = new_customer("Gone");
    change::submit(&mut store, &Caller::Staff(owner()), create).unwrap();
    pull_all(&store, &mut desk, &auth);
    // A change the store refuses (a field no value may have), kept aside on the counter.
    let bad = Mutation::new(
        "desk",
        Op::AddFlag {
            customer: id,
            id: Uuid::now_v7(),
            kind: "x".repeat(500),
            note: Some("Gone's secret".into()),
        },
    );
    mutation::submit(&mut desk, &bad).ok();
    push(&mut store, &mut desk, &auth);
    assert_eq!(sync::status(desk.conn()).unwrap().rejected, 1);
    intake_common::retention::erase(
        &mut store,
        &owner(),
        id,
        &Settings::defaults().shop.retention(),
        18,
        chrono::Utc::now(),
    )
    .unwrap();
    pull_all(&store, &mut desk, &auth);
    assert_eq!(count(&desk, "SELECT count(*) FROM customers"), 0);
    assert_eq!(
        sync::status(desk.conn()).unwrap().rejected,
        0,
        "nothing of them kept aside"
    );
}
