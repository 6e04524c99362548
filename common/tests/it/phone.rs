//! Phone keys are E.164 for the shop's region: the recompute on a database made by the
//! schema before regions, matching and returning-customer lookup across national and
//! international forms, imports from another region.
#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::path::Path;

use chrono::NaiveDate;
use intake_common::csvio::{self, ImportOptions};
use intake_common::mutation::{self, Mutation, Op};
use intake_common::normalize::Region;
use intake_common::{Actor, Db, Field, Profile, Role, phone_keys, release};
use rusqlite::{Connection, params};
use uuid::Uuid;

fn owner() -> Actor {
    Actor {
        name: "olive".into(),
        role: Role::Owner,
    }
}

fn region(code: &str) -> Region {
    code.parse().unwrap()
}

/// The migrations as they were before regions (V1 to V9), applied by hand.
const OLD_SCHEMA: &[&str] = &[
    include_str!("../../migrations/V1__initial.sql"),
    include_str!("../../migrations/V2__release_templates.sql"),
    include_str!("../../migrations/V3__sync.sql"),
    include_str!("../../migrations/V4__webhooks.sql"),
    include_str!("../../migrations/V5__webhook_retention.sql"),
    include_str!("../../migrations/V6__sessions.sql"),
    include_str!("../../migrations/V7__sign_in_throttle.sql"),
    include_str!("../../migrations/V8__device_boundary.sql"),
    include_str!("../../migrations/V9__webhook_answer_excerpt.sql"),
];

/// A database file at schema version 9 holding customers with the keys the North
/// American reading gave them: (first name, phone as written, old key).
fn old_database(dir: &Path, customers: &[(&str, &str, &str)]) -> Vec<Uuid> {
    let conn = Connection::open(dir.join(intake_common::db::DB_FILE)).unwrap();
    for sql in OLD_SCHEMA {
        conn.execute_batch(sql).unwrap();
    }
    conn.pragma_update(None, "user_version", 9).unwrap();
    conn.execute(
        "UPDATE meta SET value = ?1 WHERE key = 'change_seq'",
        [customers.len().to_string()],
    )
    .unwrap();
    customers
        .iter()
        .enumerate()
        .map(|(i, (first, phone, key))| {
            let id = Uuid::now_v7();
            conn.execute(
                "INSERT INTO customers(id, first_name, last_name, phone, birthdate, phone_key,
                     last_name_key, created_at, updated_at, change_seq, created_seq)
                 VALUES (?1, ?2, 'Garza', ?3, '1990-05-06', ?4, 'garza', '2025-01-01T00:00:00Z',
                     '2025-01-01T00:00:00Z', ?5, ?5)",
                params![id, first, phone, key, i as i64 + 1],
            )
            .unwrap();
            id
        })
        .collect()
}

fn stored_key(db: &Db, id: Uuid) -> Option<String> {
    db.conn()
        .query_row("SELECT phone_key FROM customers WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .unwrap()
}

fn audit_rows(db: &Db, action: &str) -> Vec<(Uuid, String)> {
    let mut stmt = db
        .conn()
        .prepare("SELECT customer_id, detail FROM audit_log WHERE action = ?1 ORDER BY seq")
        .unwrap();
    stmt.query_map([action], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<intake_common::db::Result<_>>()
        .unwrap()
}

#[test]
fn the_recompute_fixes_north_american_keys_of_an_old_database_and_keeps_what_does_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let ids = old_database(
        dir.path(),
        &[
            // A Mexico City mobile, read as a New Jersey number.
            ("Ana", "55 1234 5678", "+15512345678"),
            // Written with its country code: right before, right after.
            ("Beto", "+52 33 1234 5678", "+523312345678"),
            // A US number at a shop in Mexico: written with +1, so it stays.
            ("Cleo", "+1 512 555 0121", "+15125550121"),
            // Seven digits: a key before, no number in Mexico now. Kept, reported.
            ("Dani", "555 0199", "+5550199"),
        ],
    );
    // An old SQLite file, migrated.
    let mut db = Db::open_dir(dir.path()).unwrap();
    let version: i64 = db
        .conn()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert!(version >= 10, "migrated past V10: {version}");
    assert_eq!(phone_keys::recorded(db.conn()).unwrap(), None);

    let done = phone_keys::align(&mut db, region("MX"), "test")
        .unwrap()
        .expect("an old database is recomputed");
    assert_eq!(done.from, None);
    assert_eq!(done.region, region("MX"));
    assert_eq!(done.customers, 4);
    assert_eq!(done.changed.len(), 1);
    assert_eq!(done.changed[0].customer, ids[0]);
    assert_eq!(done.changed[0].old.as_deref(), Some("+15512345678"));
    assert_eq!(done.changed[0].new, "+525512345678");
    assert_eq!(done.kept.len(), 1);
    assert_eq!(done.kept[0].customer, ids[3]);
    assert!(
        done.kept[0].problem.contains("region MX"),
        "{:?}",
        done.kept
    );

    assert_eq!(stored_key(&db, ids[0]).as_deref(), Some("+525512345678"));
    assert_eq!(stored_key(&db, ids[1]).as_deref(), Some("+523312345678"));
    assert_eq!(stored_key(&db, ids[2]).as_deref(), Some("+15125550121"));
    assert_eq!(stored_key(&db, ids[3]).as_deref(), Some("+5550199"));
    // One audit entry per changed customer, one per number kept.
    let changed = audit_rows(&db, "customer.phone-key");
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].0, ids[0]);
    assert!(
        changed[0].1.contains("+15512345678 -> +525512345678"),
        "{changed:?}"
    );
    let kept = audit_rows(&db, "customer.phone-key-kept");
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].0, ids[3]);
    assert!(kept[0].1.contains("+5550199 kept"), "{kept:?}");
    // Devices take the changed customer again: its change number moved past every other.
    let seq = |id: Uuid| -> i64 {
        db.conn()
            .query_row(
                "SELECT change_seq FROM customers WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert!(seq(ids[0]) > seq(ids[3]));

    // Recorded: the same region again is no recompute, and writes nothing.
    assert_eq!(phone_keys::recorded(db.conn()).unwrap(), Some(region("MX")));
    assert_eq!(
        phone_keys::align(&mut db, region("MX"), "test").unwrap(),
        None
    );
    drop(db);
    let mut db = Db::open_dir(dir.path()).unwrap();
    assert_eq!(
        phone_keys::align(&mut db, region("MX"), "test").unwrap(),
        None
    );
    assert_eq!(audit_rows(&db, "customer.phone-key").len(), 1);

    // An edit of another field never drops the kept key.
    mutation::submit(
        &mut db,
        &Mutation::new(
            "olive",
            Op::UpdateCustomer {
                customer: ids[3],
                changes: [(Field::City, Some("Monterrey".into()))].into(),
            },
        ),
    )
    .unwrap();
    assert_eq!(stored_key(&db, ids[3]).as_deref(), Some("+5550199"));

    // Back to the US: the national number is read as North American again.
    let done = phone_keys::align(&mut db, Region::us(), "test")
        .unwrap()
        .unwrap();
    assert_eq!(done.from, Some(region("MX")));
    assert_eq!(stored_key(&db, ids[0]).as_deref(), Some("+15512345678"));
    let runs: i64 = db
        .conn()
        .query_row("SELECT count(*) FROM phone_key_regions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(runs, 2);
}

fn create(db: &mut Db, first: &str, phone: &str) -> Uuid {
    let id = Uuid::now_v7();
    let profile = Profile::default()
        .with(Field::FirstName, first)
        .with(Field::LastName, "Garza")
        .with(Field::Birthdate, "1990-05-06")
        .with(Field::PhoneNumber, phone);
    crate::add_customer(db, id, profile)
}

#[test]
fn a_returning_customer_is_found_by_the_number_written_either_way() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = crate::open_db(dir.path());
    phone_keys::align(&mut db, region("ES"), "test").unwrap();
    let id = create(&mut db, "Lucía", "612 345 678");
    let born = NaiveDate::from_ymd_opt(1990, 5, 6).unwrap();
    for typed in [
        "612345678",
        "+34612345678",
        "0034612345678",
        "+34 612 34 56 78",
    ] {
        let found = release::find_returning(db.conn(), typed, born).unwrap();
        assert_eq!(found.map(|r| r.id), Some(id), "{typed}");
    }
    // The same digits in another country, or the wrong birthdate, find nobody.
    assert!(
        release::find_returning(db.conn(), "+1 612 345 678", born)
            .unwrap()
            .is_none()
    );
    let other_day = NaiveDate::from_ymd_opt(1990, 5, 7).unwrap();
    assert!(
        release::find_returning(db.conn(), "612345678", other_day)
            .unwrap()
            .is_none()
    );
}

#[test]
fn an_import_matches_a_customer_across_national_and_international_forms() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = crate::open_db(dir.path());
    phone_keys::align(&mut db, region("MX"), "test").unwrap();
    let ana = create(&mut db, "Ana", "+52 55 1234 5678");
    let file = dir.path().join("sucursal.csv");
    std::fs::write(
        &file,
        "first_name,last_name,email,phone\n\
         Ana,Garza,ana@example.com,(55) 1234-5678\n\
         Rosa,Ruiz,,0052 33 1234 5678\n\
         Iker,Sanz,,612 345 678\n",
    )
    .unwrap();
    let report = csvio::import(&mut db, &owner(), &file, ImportOptions::default()).unwrap();
    assert_eq!((report.created, report.updated, report.failed), (1, 1, 1));
    let email: Option<String> = db
        .conn()
        .query_row("SELECT email FROM customers WHERE id = ?1", [ana], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(email.as_deref(), Some("ana@example.com"));
    // A Spanish mobile written nationally is no Mexican number: the message names both.
    let error = &report.errors[0];
    assert_eq!((error.line, error.column.as_str()), (4, "phone"));
    assert!(error.message.contains("\"612 345 678\""), "{error:?}");
    assert!(error.message.contains("region MX"), "{error:?}");
}

#[test]
fn an_import_with_another_region_keeps_each_number_in_its_country() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = crate::open_db(dir.path());
    phone_keys::align(&mut db, Region::us(), "test").unwrap();
    let file = dir.path().join("madrid.csv");
    std::fs::write(
        &file,
        "first_name,last_name,email,phone\n\
         Iker,Sanz,,612 345 678\n\
         Sam,Lee,,+1 512 555 0121\n\
         Nora,Gil,,555\n",
    )
    .unwrap();
    let options = ImportOptions {
        region: Some(region("ES")),
        ..ImportOptions::default()
    };
    let report = csvio::import(&mut db, &owner(), &file, options).unwrap();
    assert_eq!((report.created, report.failed), (2, 1));
    assert!(
        report.errors[0].message.contains("region ES"),
        "{:?}",
        report.errors
    );
    let rows: Vec<(String, String)> = db
        .conn()
        .prepare("SELECT phone, phone_key FROM customers ORDER BY phone_key")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<intake_common::db::Result<_>>()
        .unwrap();
    assert_eq!(
        rows,
        [
            // Written with its country code: kept as written.
            ("+1 512 555 0121".to_string(), "+15125550121".to_string()),
            ("+34 612 34 56 78".to_string(), "+34612345678".to_string()),
        ]
    );
    // Stored with its country, the Spanish number keeps its key whatever region reads it.
    phone_keys::align(&mut db, region("MX"), "test").unwrap();
    let key: String = db
        .conn()
        .query_row(
            "SELECT phone_key FROM customers WHERE first_name = 'Iker'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(key, "+34612345678");
}

#[test]
fn a_change_with_a_number_impossible_for_the_region_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = crate::open_db(dir.path());
    phone_keys::align(&mut db, region("GB"), "test").unwrap();
    let id = create(&mut db, "Ella", "07911 123456");
    assert_eq!(stored_key(&db, id).as_deref(), Some("+447911123456"));
    let by = intake_common::change::Caller::Staff(owner());
    let err = intake_common::change::submit(
        &mut db,
        &by,
        Op::UpdateCustomer {
            customer: id,
            changes: [(Field::PhoneNumber, Some("0123".into()))].into(),
        },
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("PhoneNumber"), "{err}");
    assert!(
        err.contains("\"0123\"") && err.contains("region GB"),
        "{err}"
    );
    assert_eq!(stored_key(&db, id).as_deref(), Some("+447911123456"));
}
