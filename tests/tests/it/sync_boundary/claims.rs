//! What a pushed change may claim: its id and time, its author, and what was signed.

use super::*;

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
