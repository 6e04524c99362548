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
