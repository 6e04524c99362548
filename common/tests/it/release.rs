//! Kiosk registrations and signed releases against a real SQLite file.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate, Utc};
use intake_common::customer::{Contact, ContactKind, MedicalCondition};
use intake_common::customers::{self, MedicalView};
use intake_common::mutation::{self, Mutation, Op};
use intake_common::release::{
    self, ClauseAnswer, Guardian, HealthAnswer, KIOSK_FIELDS, Registration, Signing, TemplateRef,
    signature,
};
use intake_common::settings::{Lang, Settings, Template};
use intake_common::{Actor, Db, Error, Field, Profile, Role, audit};
use uuid::Uuid;

const TABLES: [&str; 7] = [
    "customers",
    "contacts",
    "medical_conditions",
    "releases",
    "applied_mutations",
    "outbox",
    "release_templates",
];

pub(crate) fn actor(role: Role) -> Actor {
    Actor {
        name: role.name().into(),
        role,
    }
}

/// Rows in every table a registration writes to.
pub(crate) fn counts(db: &Db) -> BTreeMap<&'static str, i64> {
    TABLES
        .into_iter()
        .map(|t| {
            let n = db
                .conn()
                .query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
                .unwrap();
            (t, n)
        })
        .collect()
}

/// A kiosk with the shipped settings, its template registered.
pub(crate) struct Kiosk {
    pub(crate) settings: Settings,
    pub(crate) template: TemplateRef,
}

impl Kiosk {
    pub(crate) fn new(db: &mut Db) -> Self {
        let settings = Settings::defaults();
        let template = release::register_template(db, &settings.template).unwrap();
        Self { settings, template }
    }

    pub(crate) fn signing(&self) -> Signing<'_> {
        Signing::new("lobby-1", &self.settings, &self.template)
    }

    /// A complete registration: every clause confirmed, every question answered, "yes"
    /// to the questions named in `yes` with the details given there.
    pub(crate) fn registration(&self, profile: Profile, yes: &[(&str, &str)]) -> Registration {
        registration_for(&self.settings.template, &self.settings, profile, yes)
    }
}

pub(crate) fn registration_for(
    template: &Template,
    settings: &Settings,
    profile: Profile,
    yes: &[(&str, &str)],
) -> Registration {
    let health = settings
        .questions
        .iter()
        .map(|q| {
            let answer = yes.iter().find(|(id, _)| *id == q.id);
            HealthAnswer::new(
                q,
                Lang::En,
                answer.is_some(),
                answer.map(|(_, d)| (*d).to_owned()),
            )
        })
        .collect();
    let minor = profile
        .birthdate()
        .is_some_and(|b| release::age_on(b, Utc::now().date_naive()) < settings.shop.adult_age);
    let clauses = template
        .clauses_for(minor)
        .map(|c| ClauseAnswer::agreed(c, Lang::En, "AL"))
        .collect();
    Registration {
        existing: None,
        shown_stored: true,
        profile,
        emergency: Some(Contact {
            kind: ContactKind::Emergency,
            name: "Bea Lee".into(),
            phone: Some("512-555-0199".into()),
            relation: Some("sister".into()),
        }),
        physician: Some(Contact {
            kind: ContactKind::Physician,
            name: "Dr Ortiz".into(),
            phone: None,
            relation: Some("Eastside Clinic".into()),
        }),
        health,
        language: Lang::En,
        clauses,
        guardian: None,
        signature_png: signature_png(),
    }
}

pub(crate) fn signature_png() -> Vec<u8> {
    signature::render_png(
        &[
            vec![(10.0, 60.0), (40.0, 20.0), (70.0, 70.0), (120.0, 30.0)],
            vec![(140.0, 50.0), (200.0, 52.0)],
        ],
        240,
        90,
    )
    .unwrap()
}

pub(crate) fn adult(first: &str, last: &str, phone: &str, born: &str) -> Profile {
    Profile::default()
        .with(Field::FirstName, first)
        .with(Field::LastName, last)
        .with(Field::PhoneNumber, phone)
        .with(Field::Birthdate, born)
        .with(
            Field::Email,
            &format!("{}@example.com", first.to_lowercase()),
        )
        .with(Field::City, "Austin")
}

/// A birthdate `years` years before today (a day later, so the age is `years - 1`).
pub(crate) fn born_years_ago(years: i32) -> String {
    let today = Utc::now().date_naive();
    let date = NaiveDate::from_ymd_opt(today.year() - years, today.month(), 1).unwrap()
        + Duration::days(i64::from(today.day()));
    date.format("%Y-%m-%d").to_string()
}

fn conditions(db: &Db, customer: Uuid) -> Vec<MedicalCondition> {
    match customers::detail(db, &actor(Role::Owner), customer)
        .unwrap()
        .medical
    {
        MedicalView::Details(c) => c.into_iter().map(|r| r.condition).collect(),
        MedicalView::Count { .. } => unreachable!("an owner sees details"),
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

pub(crate) fn invalid_message(e: Error) -> String {
    match e {
        Error::Invalid(m) => m,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn an_adult_registration_stores_customer_contacts_conditions_and_release() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = crate::open_db(dir.path());
    let kiosk = Kiosk::new(&mut db);
    let marker = "MARKER-q7Zk latex gloves and nickel";
    let reg = kiosk.registration(
        adult("Ann", "Lindqvist", "+15125550121", "1990-01-02"),
        &[("allergies", marker), ("diabetes", "type 1")],
    );
    let ctx = kiosk.signing();
    let done = release::submit(&mut db, &reg, &ctx).unwrap();

    let stored = customers::get(db.conn(), done.customer).unwrap();
    assert_eq!(stored.profile, reg.profile);
    let detail = customers::detail(&db, &actor(Role::Owner), done.customer).unwrap();
    assert_eq!(detail.emergency_contact, reg.emergency);
    assert_eq!(detail.physician_contact, reg.physician);
    assert_eq!(detail.releases, 1);

    // One sealed condition per "yes", none for a "no".
    let yes: Vec<MedicalCondition> = reg
        .health
        .iter()
        .filter_map(HealthAnswer::condition)
        .collect();
    assert_eq!(yes.len(), 2);
    assert_eq!(conditions(&db, done.customer), yes);
    assert_eq!(yes[0].details.as_deref(), Some(marker));

    let summaries = release::list(&db, &actor(Role::Owner), Some(done.customer), 10).unwrap();
    assert_eq!(summaries.len(), 1);
    assert_eq!(summaries[0].id, done.release);
    assert_eq!(summaries[0].customer_name, "Ann Lindqvist");
    assert_eq!(summaries[0].device, "lobby-1");
    assert_eq!(
        (
            summaries[0].template_id.as_str(),
            summaries[0].template_version
        ),
        ("studio-release", 1)
    );

    let content = release::open(&db, &actor(Role::Owner), done.release).unwrap();
    assert_eq!(content.release_id, done.release);
    assert_eq!(content.customer_id, done.customer);
    assert_eq!(content.template, kiosk.template);
    assert_eq!(content.title, kiosk.settings.template.title.get(Lang::En));
    assert_eq!(content.language, Lang::En);
    assert_eq!(content.signed_at, ctx.now);
    assert_eq!(
        content.age_at_signing,
        release::age_on(
            NaiveDate::from_ymd_opt(1990, 1, 2).unwrap(),
            ctx.now.date_naive()
        )
    );
    assert_eq!(content.customer["LastName"], "Lindqvist");
    assert_eq!(content.customer["PhoneNumber"], "+15125550121");
    assert_eq!(content.emergency, reg.emergency);
    assert_eq!(content.physician, reg.physician);
    assert_eq!(content.health, reg.health);
    assert_eq!(content.clauses, reg.clauses);
    assert_eq!(content.guardian, None);
    assert_eq!(content.signature_png, reg.signature_png);
    // The stored fingerprint is the content's.
    assert_eq!(content.sha256(), done.sha256);
    assert_eq!(summaries[0].sha256, content.sha256());
    let stored_sha: String = db
        .conn()
        .query_row(
            "SELECT content_sha256 FROM releases WHERE id = ?1",
            [done.release],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored_sha, content.sha256());

    // Health details are sealed wherever they land: neither the database file nor its
    // write-ahead log holds them in the clear (while names, which are not sealed, are).
    // (A PostgreSQL store's files are the server's; what it is given is sealed the same way.)
    if crate::on_postgres() {
        return;
    }
    let mut raw = std::fs::read(dir.path().join("intake.db")).unwrap();
    let wal = std::fs::read(dir.path().join("intake.db-wal")).unwrap();
    assert!(
        !wal.is_empty(),
        "the write-ahead log holds the registration"
    );
    raw.extend(wal);
    assert!(
        contains(&raw, "Lindqvist"),
        "the scan reads what was written"
    );
    assert!(
        !contains(&raw, "MARKER-q7Zk"),
        "a health detail is in the clear"
    );
    assert!(!contains(&raw, "type 1"), "a health detail is in the clear");
}

#[test]
fn a_minor_needs_a_guardian() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = crate::open_db(dir.path());
    let kiosk = Kiosk::new(&mut db);
    let born = born_years_ago(kiosk.settings.shop.adult_age as i32);
    let mut reg = kiosk.registration(adult("Kit", "Moss", "5125550150", &born), &[]);
    let before = counts(&db);
    let message = invalid_message(release::submit(&mut db, &reg, &kiosk.signing()).unwrap_err());
    assert!(message.contains("guardian"), "{message}");
    assert!(message.contains("under 18"), "{message}");
    assert_eq!(counts(&db), before, "a refused registration writes nothing");

    // A guardian without a signature is no guardian.
    reg.guardian = Some(Guardian {
        name: "Jo Moss".into(),
        relationship: "mother".into(),
        signature_png: Vec::new(),
    });
    let message = invalid_message(release::submit(&mut db, &reg, &kiosk.signing()).unwrap_err());
    assert!(message.contains("guardian"), "{message}");
    assert_eq!(counts(&db), before);

    reg.guardian = Some(Guardian {
        name: "Jo Moss".into(),
        relationship: "mother".into(),
        signature_png: signature_png(),
    });
    let done = release::submit(&mut db, &reg, &kiosk.signing()).unwrap();
    let content = release::open(&db, &actor(Role::Owner), done.release).unwrap();
    assert_eq!(content.guardian, reg.guardian);
    assert_eq!(content.age_at_signing, kiosk.settings.shop.adult_age - 1);
    assert_eq!(counts(&db)["releases"], before["releases"] + 1);
}

#[test]
fn an_incomplete_registration_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = crate::open_db(dir.path());
    let kiosk = Kiosk::new(&mut db);
    let good = kiosk.registration(
        adult("Ann", "Lee", "5125550121", "1990-01-02"),
        &[("allergies", "latex")],
    );
    let before = counts(&db);

    let mut no_last_name = good.clone();
    no_last_name.profile.set_str(Field::LastName, None);
    let mut no_initials = good.clone();
    no_initials.clauses[0].initials = Some("  ".into());
    let mut unsigned = good.clone();
    unsigned.signature_png.clear();
    let mut yes_without_details = good.clone();
    yes_without_details.health[0].details = None;
    let mut future = good.clone();
    let tomorrow = Utc::now().date_naive() + Duration::days(2);
    future.profile.set_str(
        Field::Birthdate,
        Some(&tomorrow.format("%Y-%m-%d").to_string()),
    );
    let mut unanswered = good.clone();
    unanswered.health.pop();

    let cases = [
        (no_last_name, "LastName is required"),
        (no_initials, "clause \"sober\": it needs initials"),
        (unsigned, "not signed"),
        (yes_without_details, "\"allergies\": a yes needs details"),
        (future, "in the future"),
        (unanswered, "every health question needs an answer"),
    ];
    for (reg, want) in cases {
        let ctx = kiosk.signing();
        assert!(release::validate(&reg, &ctx).is_err(), "{want}");
        let message = invalid_message(release::submit(&mut db, &reg, &ctx).unwrap_err());
        assert!(message.contains(want), "{message:?} should say {want:?}");
        assert_eq!(counts(&db), before, "{want}: a refused registration wrote");
    }

    release::submit(&mut db, &good, &kiosk.signing()).unwrap();
    assert_eq!(counts(&db)["releases"], before["releases"] + 1);
}

#[test]
fn template_versions_are_kept_and_never_rewritten() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = crate::open_db(dir.path());
    let v1 = Settings::defaults().template;
    let first = release::register_template(&mut db, &v1).unwrap();
    let again = release::register_template(&mut db, &v1).unwrap();
    assert_eq!(first.version, 1);
    assert_eq!(again, first);

    // A release signed under version 1.
    let kiosk = Kiosk::new(&mut db);
    assert_eq!(kiosk.template, first);
    let reg = kiosk.registration(adult("Ann", "Lee", "5125550121", "1990-01-02"), &[]);
    let done = release::submit(&mut db, &reg, &kiosk.signing()).unwrap();

    // The shop edits one clause: a new version.
    let mut v2 = v1.clone();
    v2.clauses[1].text = intake_common::settings::Text::english("Edited risks clause.");
    let second = release::register_template(&mut db, &v2).unwrap();
    assert_eq!(second.version, 2);
    assert_ne!(second.sha256, first.sha256);
    assert_eq!(release::register_template(&mut db, &v2).unwrap(), second);

    let content = release::open(&db, &actor(Role::Owner), done.release).unwrap();
    assert_eq!(content.template, first);
    let signed_under =
        release::template(db.conn(), &content.template.id, content.template.version).unwrap();
    assert_eq!(signed_under, v1, "the old body is unchanged");
    assert_eq!(
        content.clauses[1].text,
        signed_under.clauses[1].text.get(Lang::En)
    );
    assert_eq!(release::template(db.conn(), &v1.id, 2).unwrap(), v2);
    assert!(release::template(db.conn(), &v1.id, 3).is_err());

    // The table itself refuses edits.
    let update = db.conn().execute(
        "UPDATE release_templates SET body = '{}' WHERE version = 1",
        [],
    );
    assert!(update.unwrap_err().to_string().contains("never edited"));
    let delete = db
        .conn()
        .execute("DELETE FROM release_templates WHERE version = 1", []);
    assert!(delete.unwrap_err().to_string().contains("never deleted"));
    assert_eq!(release::template(db.conn(), &v1.id, 1).unwrap(), v1);
}

#[test]
fn a_returning_customer_is_found_and_updated_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = crate::open_db(dir.path());
    let kiosk = Kiosk::new(&mut db);
    let born = NaiveDate::from_ymd_opt(1990, 1, 2).unwrap();
    let first = kiosk.registration(
        adult("Ann", "Lee", "+15125550121", "1990-01-02"),
        &[("allergies", "latex")],
    );
    let done = release::submit(&mut db, &first, &kiosk.signing()).unwrap();
    // An import later filled fields the kiosk never asks about.
    mutation::submit(
        &mut db,
        &Mutation::new(
            "import",
            Op::UpdateCustomer {
                customer: done.customer,
                changes: BTreeMap::from([
                    (Field::Notes, Some("prefers mornings".to_owned())),
                    (Field::MembershipNumber, Some("M-77".to_owned())),
                ]),
            },
        ),
    )
    .unwrap();

    // Found by the phone in another format and the birthdate; not with another birthdate.
    let found = release::find_returning(db.conn(), "(512) 555-0121", born)
        .unwrap()
        .unwrap();
    assert_eq!(found.id, done.customer);
    assert_eq!(found.emergency, first.emergency);
    assert_eq!(found.physician, first.physician);
    let wrong_day = NaiveDate::from_ymd_opt(1990, 1, 3).unwrap();
    assert!(
        release::find_returning(db.conn(), "(512) 555-0121", wrong_day)
            .unwrap()
            .is_none()
    );
    assert!(
        release::find_returning(db.conn(), "not a phone", born)
            .unwrap()
            .is_none()
    );

    // They come back: a new city, the same allergy, and now a medication.
    let mut profile = Profile::default();
    for field in KIOSK_FIELDS {
        profile.set_str(field, found.profile.get(field));
    }
    profile.set_str(Field::City, Some("Round Rock"));
    let mut back = kiosk.registration(
        profile,
        &[("allergies", "latex"), ("medications", "ibuprofen")],
    );
    back.existing = Some(found.id);
    back.emergency = found.emergency.clone();
    back.physician = found.physician.clone();
    let again = release::submit(&mut db, &back, &kiosk.signing()).unwrap();
    assert_eq!(again.customer, done.customer);
    assert_ne!(again.release, done.release);
    assert_eq!(customers::count(db.conn()).unwrap(), 1);

    let stored = customers::get(db.conn(), done.customer).unwrap().profile;
    assert_eq!(stored.get(Field::City), Some("Round Rock"));
    assert_eq!(stored.get(Field::FirstName), Some("Ann"));
    assert_eq!(stored.get(Field::Notes), Some("prefers mornings"));
    assert_eq!(stored.get(Field::MembershipNumber), Some("M-77"));
    // Only the changed field was written: it alone carries the kiosk's version.
    let versions: String = db
        .conn()
        .query_row(
            "SELECT versions FROM customers WHERE id = ?1",
            [done.customer],
            |r| r.get(0),
        )
        .unwrap();
    let versions: BTreeMap<String, Uuid> = serde_json::from_str(&versions).unwrap();
    let fields: Vec<&str> = versions.keys().map(String::as_str).collect();
    assert_eq!(fields, ["City", "MembershipNumber", "Notes"]);

    // The same answer is not filed twice; the new one is.
    let names: Vec<String> = conditions(&db, done.customer)
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, ["Allergies", "Current medication"]);
    let releases = release::list(&db, &actor(Role::Owner), Some(done.customer), 10).unwrap();
    assert_eq!(releases.len(), 2);

    // Two customers sharing phone and birthdate: a guess finds neither.
    release::submit(
        &mut db,
        &kiosk.registration(adult("Bo", "Lee", "512.555.0121", "1990-01-02"), &[]),
        &kiosk.signing(),
    )
    .unwrap();
    assert!(
        release::find_returning(db.conn(), "+1 512 555 0121", born)
            .unwrap()
            .is_none()
    );
}

#[test]
fn on_a_device_a_registration_joins_the_outbox_whole_and_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = crate::open_db(dir.path());
    mutation::set_device_role(&db, true).unwrap();
    let kiosk = Kiosk::new(&mut db);
    let reg = kiosk.registration(
        adult("Ann", "Lee", "5125550121", "1990-01-02"),
        &[("allergies", "latex"), ("heart", "")],
    );

    let mut bad = reg.clone();
    bad.signature_png.clear();
    let before = mutation::outbox_len(&db).unwrap();
    assert!(release::submit(&mut db, &bad, &kiosk.signing()).is_err());
    assert_eq!(mutation::outbox_len(&db).unwrap(), before);

    let done = release::submit(&mut db, &reg, &kiosk.signing()).unwrap();
    assert_eq!(mutation::outbox_len(&db).unwrap(), before + 6);

    let rows: Vec<(Uuid, Vec<u8>)> = db
        .conn()
        .prepare("SELECT mutation_id, sealed FROM outbox ORDER BY seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let queued: Vec<Mutation> = rows
        .iter()
        .map(|(id, sealed)| db.sealer().open_json(id.as_bytes(), sealed).unwrap())
        .collect();
    let kinds: Vec<&str> = queued.iter().map(|m| m.op.kind()).collect();
    assert_eq!(
        kinds,
        [
            "create_customer",
            "sign_release",
            "set_contact",
            "set_contact",
            "add_medical_condition",
            "add_medical_condition",
        ]
    );
    assert!(queued.windows(2).all(|w| w[0].id < w[1].id), "ids in order");
    for (m, (id, _)) in queued.iter().zip(&rows) {
        assert_eq!(m.id, *id);
        assert_eq!(m.actor, "kiosk:lobby-1");
        let applied: bool = db
            .conn()
            .query_row(
                "SELECT EXISTS(SELECT 1 FROM applied_mutations WHERE id = ?1)",
                [m.id],
                |r| r.get(0),
            )
            .unwrap();
        assert!(applied);
    }
    // The release right after the customer: it is what lets a kiosk send the rest.
    match &queued[1].op {
        Op::SignRelease {
            customer, release, ..
        } => {
            assert_eq!(*customer, done.customer);
            assert_eq!(release.release_id, done.release);
            assert_eq!(release.sha256(), done.sha256);
        }
        other => panic!("second is {other:?}"),
    }
}

#[test]
fn releases_are_listed_with_read_and_opened_with_medical_permission() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = crate::open_db(dir.path());
    let kiosk = Kiosk::new(&mut db);
    let done = release::submit(
        &mut db,
        &kiosk.registration(adult("Ann", "Lee", "5125550121", "1990-01-02"), &[]),
        &kiosk.signing(),
    )
    .unwrap();

    let forbidden = |e: Error| matches!(e, Error::Forbidden { .. });
    assert!(forbidden(
        release::list(&db, &actor(Role::Kiosk), None, 10).unwrap_err()
    ));
    let listed = release::list(&db, &actor(Role::FrontDesk), None, 10).unwrap();
    assert_eq!(listed.len(), 1);

    let views = |db: &Db| {
        audit::recent(db.conn(), 100)
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "release.view")
            .collect::<Vec<_>>()
    };
    match release::open(&db, &actor(Role::FrontDesk), done.release).unwrap_err() {
        Error::Forbidden { permission, .. } => assert_eq!(permission, "medical:customer"),
        other => panic!("{other:?}"),
    }
    assert!(forbidden(
        release::open(&db, &actor(Role::Kiosk), done.release).unwrap_err()
    ));
    assert!(views(&db).is_empty());

    release::open(&db, &actor(Role::Artist), done.release).unwrap();
    let seen = views(&db);
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].actor, "artist");
    assert_eq!(seen[0].customer_id, Some(done.customer));
    assert!(seen[0].detail.contains(&done.release.to_string()));

    // An unknown id is an error, not a view.
    assert!(release::open(&db, &actor(Role::Artist), Uuid::now_v7()).is_err());
    assert_eq!(views(&db).len(), 1);
}
