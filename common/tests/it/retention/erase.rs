//! Erasure: nothing of the customer left in the files, their releases kept restricted
//! until their date, and a restore that does not bring them back.

use super::*;

/// A customer with everything a person can leave behind, signed `signed` ago.
fn zebulon(db: &mut Db, kiosk: &Kiosk, at: DateTime<Utc>) -> release::Submitted {
    let profile = adult("Zebulon", "Quickfoot", "5125550177", &born_aged(at, 40))
        .with(Field::Email, "zebulon.quickfoot@example.com");
    let done = sign_at(db, kiosk, profile, "Xylomarker-allergy", at, false);
    for op in [
        Op::AddNote {
            customer: done.customer,
            id: Uuid::now_v7(),
            body: "Zebulon prefers mornings".into(),
        },
        Op::AddFlag {
            customer: done.customer,
            id: Uuid::now_v7(),
            kind: "vip".into(),
            note: Some("Quickfoot family".into()),
        },
        Op::SetContact {
            customer: done.customer,
            contact: Contact {
                kind: ContactKind::Emergency,
                name: "Zelda Quickfoot".into(),
                phone: Some("+15125550178".into()),
                relation: Some("sister".into()),
            },
        },
    ] {
        mutation::submit(db, &Mutation::new("olive", op)).unwrap();
    }
    done
}

fn file_bytes(dir: &std::path::Path) -> Vec<u8> {
    let mut all = Vec::new();
    for name in ["intake.db", "intake.db-wal"] {
        if let Ok(b) = std::fs::read(dir.join(name)) {
            all.extend(b);
        }
    }
    all
}

fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn an_erased_customer_leaves_no_trace_in_the_files_and_their_restricted_release_still_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = open_db(dir.path());
    let kiosk = Kiosk::new(&mut db);
    let now = Utc::now();
    let z = zebulon(&mut db, &kiosk, years_ago(now, 1));
    // One signed long ago, past its date: it goes with the erasure.
    let mut reg = kiosk.registration(
        adult("Zebulon", "Quickfoot", "5125550177", &born_aged(now, 40)),
        &[],
    );
    reg.existing = Some(z.customer);
    let mut signing = kiosk.signing();
    signing.now = years_ago(now, 3);
    let old = release::submit(&mut db, &reg, &signing).unwrap();

    if !crate::on_postgres() {
        let bytes = file_bytes(dir.path());
        assert!(
            holds(&bytes, "Quickfoot") && holds(&bytes, "zebulon.quickfoot@example.com"),
            "the test looks for what is there"
        );
    }

    // Only legal:customer erases.
    let refused = retention::erase(&mut db, &actor(Role::Manager), z.customer, &POLICY, 18, now);
    assert!(
        matches!(refused, Err(Error::Forbidden { .. })),
        "{refused:?}"
    );
    assert!(customers::get(db.conn(), z.customer).is_ok());

    let dates = retention::release_dates(&db, z.customer, &POLICY, 18).unwrap();
    let erased =
        retention::erase(&mut db, &actor(Role::Owner), z.customer, &POLICY, 18, now).unwrap();
    assert_eq!((erased.kept, erased.purged, erased.applied), (1, 1, true));
    match customers::get(db.conn(), z.customer) {
        Err(e @ Error::CustomerErased { .. }) => {
            assert!(e.to_string().contains("was erased on"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    for table in [
        "customers",
        "medical_conditions",
        "notes",
        "flags",
        "contacts",
        "releases",
    ] {
        assert_eq!(
            count(&db, &format!("SELECT count(*) FROM {table}")),
            0,
            "{table}"
        );
    }

    // The restricted release: listed and opened only with legal:customer, each view audited,
    // and it still verifies against the fingerprint taken at signing.
    let owner = actor(Role::Owner);
    let kept = restricted::list(&db, &owner, Some(z.customer), &POLICY, 18).unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].id, z.release);
    let shown_before = dates.iter().find(|d| d.id == z.release).unwrap();
    assert_eq!(
        kept[0].kept_until, shown_before.kept_until,
        "kept until the date the erase page showed"
    );
    assert!(restricted::list(&db, &actor(Role::Manager), None, &POLICY, 18).is_err());
    assert!(
        release::open(&db, &actor(Role::Manager), z.release).is_err(),
        "a manager lacks legal:customer"
    );
    let content = release::open(&db, &owner, z.release).unwrap();
    assert_eq!(content.sha256(), z.sha256);
    assert!(
        release::open(&db, &owner, old.release).is_err(),
        "past its date: gone"
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM audit_log WHERE action = 'release.view-restricted'"
        ),
        1
    );
    let listed: i64 = db
        .conn()
        .query_row(
            "SELECT count(*) FROM audit_log WHERE action = 'release.list-restricted'
             AND customer_id = ?1 AND detail = '1 listed' AND actor = ?2",
            intake_common::db::params![z.customer, owner.name],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        listed, 1,
        "the owner's listing is audited, the manager's refused one is not"
    );

    // Erasing again changes nothing; what an offline device sends for them stores nothing,
    // but a release it filed is kept, restricted.
    let again = retention::erase(&mut db, &owner, z.customer, &POLICY, 18, now).unwrap();
    assert!(!again.applied);
    let mut late = kiosk.registration(
        adult("Zebulon", "Quickfoot", "5125550177", &born_aged(now, 40)),
        &[],
    );
    late.existing = Some(z.customer);
    let late = release::submit(&mut db, &late, &kiosk.signing()).unwrap();
    assert_eq!(
        count(&db, "SELECT count(*) FROM customers"),
        0,
        "nothing comes back"
    );
    assert_eq!(
        restricted::list(&db, &owner, Some(z.customer), &POLICY, 18)
            .unwrap()
            .len(),
        2
    );
    assert!(release::open(&db, &owner, late.release).is_ok());

    if !crate::on_postgres() {
        let bytes = file_bytes(dir.path());
        for s in [
            "Zebulon",
            "Quickfoot",
            "zebulon.quickfoot@example.com",
            "Xylomarker",
            "mornings",
            "Zelda",
        ] {
            assert!(!holds(&bytes, s), "{s:?} is still in the database files");
        }
    }
}

/// An erased minor's release is kept, and listed as kept until majority plus N, by the
/// birthdate it was signed with, even when theirs was cleared before the erasure (by the
/// adult rule it would be past its date and purged).
#[test]
fn an_erased_minors_release_is_kept_until_majority_plus_n_even_with_their_birthdate_cleared() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = open_db(dir.path());
    let kiosk = Kiosk::new(&mut db);
    let now = Utc::now();
    let at = years_ago(now, 3);
    let born = born_aged(at, 16);
    let minor = sign_at(
        &mut db,
        &kiosk,
        adult("Mina", "Minor", "5125550166", &born),
        "none",
        at,
        true,
    );
    let cleared = Op::UpdateCustomer {
        customer: minor.customer,
        changes: [(Field::Birthdate, None)].into_iter().collect(),
    };
    mutation::submit(&mut db, &Mutation::new("olive", cleared)).unwrap();
    let erased = retention::erase(
        &mut db,
        &actor(Role::Owner),
        minor.customer,
        &POLICY,
        18,
        now,
    )
    .unwrap();
    assert_eq!((erased.kept, erased.purged), (1, 0));
    let kept =
        restricted::list(&db, &actor(Role::Owner), Some(minor.customer), &POLICY, 18).unwrap();
    assert_eq!(kept.len(), 1);
    let born = chrono::NaiveDate::parse_from_str(&born, "%Y-%m-%d").unwrap();
    // 18, then 3 more years: later than the 2 years after signing.
    assert_eq!(
        kept[0].kept_until.date_naive(),
        born + Months::new(12 * (18 + 3))
    );
    assert!(kept[0].kept_until > now);
}

#[test]
fn a_backup_from_before_an_erasure_restored_after_it_does_not_bring_the_customer_back() {
    if crate::on_postgres() {
        return; // backups are of the SQLite file; a PostgreSQL store's are the server's
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut db = open_db(&data);
    let kiosk = Kiosk::new(&mut db);
    let now = Utc::now();
    let z = zebulon(&mut db, &kiosk, years_ago(now, 1));
    let keep = sign_at(
        &mut db,
        &kiosk,
        adult("Kim", "Kept", "5125550190", &born_aged(now, 30)),
        "none",
        now,
        false,
    );
    drop(db);
    let file = dir.path().join("before.intake-backup");
    backup::backup(&data, &file).unwrap();

    let mut db = Db::open_dir(&data).unwrap();
    retention::erase(&mut db, &actor(Role::Owner), z.customer, &POLICY, 18, now).unwrap();
    drop(db);
    let log = std::fs::read_to_string(data.join(retention::log::LOG_FILE)).unwrap();
    assert!(
        log.starts_with(&z.customer.to_string()) && log.lines().count() == 1,
        "{log}"
    );
    assert!(!log.contains("Zebulon"));

    let restored = backup::restore(
        &file,
        &data,
        &RestoreOptions {
            key: None,
            replace: true,
        },
    )
    .unwrap();
    assert_eq!(restored.erasures_reapplied, 1);
    let db = Db::open_dir(&data).unwrap();
    assert!(matches!(
        customers::get(db.conn(), z.customer),
        Err(Error::CustomerErased { .. })
    ));
    assert!(
        customers::get(db.conn(), keep.customer).is_ok(),
        "everyone else is back"
    );
    assert_eq!(
        restricted::list(&db, &actor(Role::Owner), Some(z.customer), &POLICY, 18)
            .unwrap()
            .len(),
        1
    );
    let bytes = file_bytes(&data);
    for s in ["Quickfoot", "zebulon.quickfoot@example.com", "Xylomarker"] {
        assert!(!holds(&bytes, s), "{s:?} came back with the restore");
    }

    // Also when the log file is all that is left of the erasure (the database it replaced
    // was lost): restore the old backup once more over a fresh directory holding only the
    // key and the log.
    let bare = dir.path().join("bare");
    std::fs::create_dir(&bare).unwrap();
    std::fs::copy(
        data.join(retention::log::LOG_FILE),
        bare.join(retention::log::LOG_FILE),
    )
    .unwrap();
    let key = data.join(intake_common::db::KEY_FILE);
    let restored = backup::restore(
        &file,
        &bare,
        &RestoreOptions {
            key: Some(key),
            replace: false,
        },
    )
    .unwrap();
    assert_eq!(restored.erasures_reapplied, 1);
    let db = Db::open_dir(&bare).unwrap();
    assert!(customers::get(db.conn(), z.customer).is_err());
}
