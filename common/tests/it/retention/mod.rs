//! Retention and erasure under a test clock: releases signed "years ago" through the
//! kiosk's own submit (its signing time set back), then the pass and erasures as of now.

use chrono::{DateTime, Datelike, Duration, Months, Utc};
use intake_common::backup::{self, RestoreOptions};
use intake_common::customer::{Contact, ContactKind};
use intake_common::mutation::{self, Mutation, Op};
use intake_common::release::{self, ClauseAnswer, Guardian};
use intake_common::retention::{self, pass, restricted};
use intake_common::settings::Lang;
use intake_common::settings::Retention;
use intake_common::{Db, Error, Field, Role, customers};
use uuid::Uuid;

use crate::open_db;
use crate::release::{Kiosk, actor, adult, signature_png};

const POLICY: Retention = Retention {
    release_years: 2,
    minor_years_after_majority: 3,
    customer_years: 5,
    audit_years: 6,
};

fn years_ago(now: DateTime<Utc>, years: u32) -> DateTime<Utc> {
    now - Months::new(12 * years)
}

/// A birthdate making someone `age` (whole years) at `at`.
fn born_aged(at: DateTime<Utc>, age: i32) -> String {
    let d = at.date_naive();
    let born = d.with_year(d.year() - age).unwrap() - Duration::days(30);
    born.format("%Y-%m-%d").to_string()
}

/// Registers `profile` at the kiosk as of `at`, "yes" to allergies with `allergy`; a
/// guardian signs for a minor.
fn sign_at(
    db: &mut Db,
    kiosk: &Kiosk,
    profile: intake_common::Profile,
    allergy: &str,
    at: DateTime<Utc>,
    minor: bool,
) -> release::Submitted {
    let mut reg = kiosk.registration(profile, &[("allergies", allergy)]);
    // The clauses for their age on the day they signed.
    reg.clauses = kiosk
        .settings
        .template
        .clauses_for(minor)
        .map(|c| ClauseAnswer::agreed(c, Lang::En, "AL"))
        .collect();
    if minor {
        reg.guardian = Some(Guardian {
            name: "Jo Guardian".into(),
            relationship: "mother".into(),
            signature_png: signature_png(),
        });
    }
    let mut signing = kiosk.signing();
    signing.now = at;
    release::submit(db, &reg, &signing).unwrap()
}

fn run(db: &mut Db, now: DateTime<Utc>, dry_run: bool) -> pass::Summary {
    pass::run(db, &actor(Role::Owner), &POLICY, 18, now, dry_run).unwrap()
}

fn count(db: &Db, sql: &str) -> i64 {
    db.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn the_pass_deletes_what_passed_its_date_and_keeps_a_minors_release_until_majority_plus_n() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = open_db(dir.path());
    let kiosk = Kiosk::new(&mut db);
    let now = Utc::now();

    // Signed 2 years and 1 day ago: past its date. Their customer stays (seen 2 years ago).
    let old_at = years_ago(now, 2) - Duration::days(1);
    let old = sign_at(
        &mut db,
        &kiosk,
        adult("Olga", "Old", "5125550101", &born_aged(old_at, 30)),
        "penicillin",
        old_at,
        false,
    );
    // Signed a year ago: kept.
    let recent_at = years_ago(now, 1);
    let recent = sign_at(
        &mut db,
        &kiosk,
        adult("Rita", "Recent", "5125550102", &born_aged(recent_at, 30)),
        "latex",
        recent_at,
        false,
    );
    // A 16-year-old three years ago: 18 about a year ago, so kept 2 more years.
    let minor_at = years_ago(now, 3);
    let minor = sign_at(
        &mut db,
        &kiosk,
        adult("Mina", "Minor", "5125550103", &born_aged(minor_at, 16)),
        "nickel",
        minor_at,
        true,
    );
    // A 16-year-old six years ago: of age 4 years ago, +3 is past; last seen 6 years ago,
    // longer than 5, so the customer goes too.
    let gone_at = years_ago(now, 6);
    let gone = sign_at(
        &mut db,
        &kiosk,
        adult("Gus", "Gone", "5125550104", &born_aged(gone_at, 16)),
        "bees",
        gone_at,
        true,
    );

    let due = Retention::release_due(
        &POLICY,
        minor_at,
        intake_common::settings::birthdate(Some(&born_aged(minor_at, 16))),
        18,
    );
    assert!(
        due > now && due < years_ago(now, 0) + Months::new(30),
        "the minor's release is kept until about 2 years from now: {due}"
    );

    let before = count(&db, "SELECT count(*) FROM releases");
    let dry = run(&mut db, now, true);
    assert_eq!(
        (
            dry.releases,
            dry.customers,
            dry.medical_records,
            dry.restricted_releases
        ),
        (2, 1, 1, 0),
        "{dry:?}"
    );
    assert_eq!(
        count(&db, "SELECT count(*) FROM releases"),
        before,
        "a dry run deletes nothing"
    );

    let done = run(&mut db, now, false);
    assert_eq!(
        (done.releases, done.customers, done.medical_records),
        (2, 1, 1),
        "{done:?}"
    );
    let owner = actor(Role::Owner);
    assert!(
        release::open(&db, &owner, old.release).is_err(),
        "2 years and 1 day: purged"
    );
    assert!(
        customers::get(db.conn(), old.customer).is_ok(),
        "seen 2 years ago: the customer stays"
    );
    assert_eq!(
        db.conn()
            .query_row(
                "SELECT count(*) FROM medical_conditions WHERE customer_id = ?1",
                [old.customer],
                |r| r.get::<_, i64>(0)
            )
            .unwrap(),
        0
    );
    assert!(
        release::open(&db, &owner, recent.release).is_ok(),
        "1 year: kept"
    );
    assert!(
        release::open(&db, &owner, minor.release).is_ok(),
        "a minor's: kept until majority + 3"
    );
    match customers::get(db.conn(), gone.customer) {
        Err(Error::CustomerErased { at, .. }) => {
            assert!(at.starts_with(&now.format("%Y-").to_string()))
        }
        other => panic!("the customer with nothing to keep is erased: {other:?}"),
    }
    let reason: String = db
        .conn()
        .query_row(
            "SELECT reason FROM tombstones WHERE customer_id = ?1",
            [gone.customer],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(reason, "retention");
    // The audit log says how many, never who or what.
    let detail: String = db
        .conn()
        .query_row(
            "SELECT detail FROM audit_log WHERE action = 'retention.run'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        detail.contains("2 release(s)") && detail.contains("1 customer(s)"),
        "{detail}"
    );
    for word in ["Olga", "Gus", "penicillin", "bees"] {
        assert_eq!(
            count(
                &db,
                &format!("SELECT count(*) FROM audit_log WHERE detail LIKE '%{word}%'")
            ),
            0
        );
    }
    // Nothing more is due: a second pass deletes nothing.
    let again = run(&mut db, now, false);
    assert_eq!(
        (
            again.releases,
            again.customers,
            again.medical_records,
            again.restricted_releases
        ),
        (0, 0, 0, 0)
    );

    // Two and a half years on, the minor's release is due, and with nothing left to keep
    // and no visit for 5.5 years, so is she; the adult signed a year ago loses her release
    // but stays a customer.
    let later = now + Months::new(30);
    let aged = run(&mut db, later, false);
    assert_eq!((aged.releases, aged.customers), (2, 1), "{aged:?}");
    assert!(release::open(&db, &owner, minor.release).is_err());
    assert!(matches!(
        customers::get(db.conn(), minor.customer),
        Err(Error::CustomerErased { .. })
    ));
    assert!(release::open(&db, &owner, recent.release).is_err());
    assert!(customers::get(db.conn(), recent.customer).is_ok());
}

#[test]
fn the_audit_log_is_kept_its_years_and_no_longer() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = open_db(dir.path());
    let now = Utc::now();
    // An entry from seven years ago (appending is all the log allows), and one from now.
    let old = intake_common::time::format(years_ago(now, 7));
    db.conn()
        .execute(
            "INSERT INTO audit_log(at, actor, action, customer_id, detail)
             VALUES (?1, 'olive', 'user.add', NULL, 'added someone')",
            [&old],
        )
        .unwrap();
    intake_common::audit::record(db.conn(), "olive", "user.add", None, "added someone else")
        .unwrap();
    // No entry can be deleted by hand, old or new, before a pass has moved the cut.
    assert!(db.conn().execute("DELETE FROM audit_log", []).is_err());
    let n = count(&db, "SELECT count(*) FROM audit_log");
    let done = run(&mut db, now, false);
    assert_eq!(done.audit_entries, 1, "six years are kept");
    assert_eq!(
        count(&db, "SELECT count(*) FROM audit_log"),
        n - 1 + 1,
        "the old one went; the pass wrote its own"
    );
    // Still append-only for everything newer than the cut.
    assert!(db.conn().execute("DELETE FROM audit_log", []).is_err());
    assert!(
        db.conn()
            .execute("UPDATE audit_log SET detail = 'x'", [])
            .is_err()
    );
}

#[test]
fn a_retention_erasure_does_nothing_to_someone_changed_or_merged_since_the_pass_looked() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = open_db(dir.path());
    let add = |db: &mut Db, last: &str| {
        let id = Uuid::now_v7();
        let m = Mutation {
            at: years_ago(Utc::now(), 9),
            ..Mutation::new(
                "olive",
                Op::CreateCustomer {
                    customer: id,
                    profile: intake_common::Profile::default().with(Field::LastName, last),
                },
            )
        };
        mutation::submit(db, &m).unwrap();
        id
    };
    let seq = |db: &Db, id: Uuid| -> i64 {
        db.conn()
            .query_row(
                "SELECT change_seq FROM customers WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .unwrap()
    };
    let erase_as_planned = |db: &mut Db, id: Uuid, seen: i64| {
        let m = Mutation::new(
            pass::ACTOR,
            Op::EraseCustomer {
                customer: id,
                reason: retention::Reason::Retention,
                purge: Vec::new(),
                seen: Some(seen),
            },
        );
        mutation::submit(db, &m).unwrap();
    };
    // Changed after the plan (a note added at the counter): kept.
    let changed = add(&mut db, "Changed");
    let seen = seq(&db, changed);
    let note = Op::AddNote {
        customer: changed,
        id: Uuid::now_v7(),
        body: "came in today".into(),
    };
    mutation::submit(&mut db, &Mutation::new("olive", note)).unwrap();
    erase_as_planned(&mut db, changed, seen);
    assert!(customers::get(db.conn(), changed).is_ok());
    // Merged into a live customer after the plan: the survivor is kept.
    let merged = add(&mut db, "Merged");
    let seen = seq(&db, merged);
    let survivor = add(&mut db, "Survivor");
    let merge = Op::MergeCustomers {
        target: survivor,
        duplicates: vec![merged],
    };
    mutation::submit(&mut db, &Mutation::new("olive", merge)).unwrap();
    erase_as_planned(&mut db, merged, seen);
    assert!(customers::get(db.conn(), survivor).is_ok());
    // Deleted after the plan: nothing to do, and no error stops the pass.
    let deleted = add(&mut db, "Deleted");
    let seen = seq(&db, deleted);
    let delete = Op::DeleteCustomer { customer: deleted };
    mutation::submit(&mut db, &Mutation::new("olive", delete)).unwrap();
    erase_as_planned(&mut db, deleted, seen);
    // Unchanged: erased.
    let due = add(&mut db, "Due");
    let seen = seq(&db, due);
    erase_as_planned(&mut db, due, seen);
    assert!(matches!(
        customers::get(db.conn(), due),
        Err(Error::CustomerErased { .. })
    ));
}

mod erase;
