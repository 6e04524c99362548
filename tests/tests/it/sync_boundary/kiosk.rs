//! A kiosk reaches only its own registrations, fields and recognition key.

use super::*;

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
