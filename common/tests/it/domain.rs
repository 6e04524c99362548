//! The domain's rules against a real SQLite file.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::collections::BTreeMap;

use intake_common::customer::{Contact, ContactKind, MedicalCondition, MedicalKind};
use intake_common::customers::{self, MedicalView};
use intake_common::mutation::{self, Applied, Mutation, Op};
use intake_common::{Actor, Db, Field, Profile, Role, duplicates};
use uuid::Uuid;

fn owner() -> Actor {
    Actor {
        name: "olive".into(),
        role: Role::Owner,
    }
}

fn create(db: &mut Db, profile: Profile) -> Uuid {
    let id = Uuid::now_v7();
    crate::add_customer(db, id, profile)
}

fn person(first: &str, last: &str, born: &str) -> Profile {
    Profile::default()
        .with(Field::FirstName, first)
        .with(Field::LastName, last)
        .with(Field::Birthdate, born)
}

#[test]
fn a_mutation_applied_twice_changes_nothing_more() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = crate::open_db(dir.path());
    let id = create(&mut db, person("Ann", "Lee", "1990-01-02"));
    let note = Mutation::new(
        "olive",
        Op::AddNote {
            customer: id,
            id: Uuid::now_v7(),
            body: "prefers mornings".into(),
        },
    );
    assert_eq!(mutation::submit(&mut db, &note).unwrap(), Applied::Applied);
    assert_eq!(
        mutation::submit(&mut db, &note).unwrap(),
        Applied::AlreadyApplied
    );
    let create_again = Mutation::new(
        "olive",
        Op::CreateCustomer {
            customer: id,
            profile: person("X", "Y", "1990-01-02"),
        },
    );
    mutation::submit(&mut db, &create_again).unwrap();
    let d = customers::detail(&db, &owner(), id).unwrap();
    assert_eq!(d.notes.len(), 1);
    assert_eq!(d.customer.profile.get(Field::FirstName), Some("Ann"));
    assert_eq!(customers::count(db.conn()).unwrap(), 1);
}

#[test]
fn later_edit_of_a_field_wins_whatever_the_arrival_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = crate::open_db(dir.path());
    let id = create(&mut db, person("Ann", "Lee", "1990-01-02"));
    let change = |field: Field, v: &str| Op::UpdateCustomer {
        customer: id,
        changes: BTreeMap::from([(field, Some(v.to_string()))]),
    };
    let earlier = Mutation::new("kiosk", change(Field::Email, "old@example.com"));
    let later = Mutation::new("counter", change(Field::Email, "new@example.com"));
    let other_field = Mutation::new("kiosk", change(Field::City, "Austin"));
    // The later edit arrives first; the earlier one must not overwrite it.
    mutation::submit(&mut db, &later).unwrap();
    mutation::submit(&mut db, &earlier).unwrap();
    mutation::submit(&mut db, &other_field).unwrap();
    let c = customers::get(db.conn(), id).unwrap();
    assert_eq!(c.profile.get(Field::Email), Some("new@example.com"));

    // Contacts too: the later edit wins even when it arrives first.
    let contact = |name: &str| Op::SetContact {
        customer: id,
        contact: Contact {
            kind: ContactKind::Physician,
            name: name.into(),
            phone: None,
            relation: None,
        },
    };
    let older = Mutation::new("kiosk", contact("Dr Old"));
    let newer = Mutation::new("counter", contact("Dr New"));
    mutation::submit(&mut db, &newer).unwrap();
    mutation::submit(&mut db, &older).unwrap();
    let d = customers::detail(&db, &owner(), id).unwrap();
    assert_eq!(d.physician_contact.unwrap().name, "Dr New");

    // An edit to the value a field already holds still counts as the newest edit.
    let v1 = Mutation::new("kiosk", change(Field::Nickname, "x"));
    let v2 = Mutation::new("kiosk", change(Field::Nickname, "y"));
    let v3 = Mutation::new("counter", change(Field::Nickname, "x"));
    for m in [&v1, &v3, &v2] {
        mutation::submit(&mut db, m).unwrap();
    }
    let c = customers::get(db.conn(), id).unwrap();
    assert_eq!(
        c.profile.get(Field::Nickname),
        Some("x"),
        "v3 is the newest edit"
    );
    assert_eq!(c.profile.get(Field::City), Some("Austin"));
}

#[test]
fn merge_fills_gaps_from_the_most_recent_duplicate_and_moves_everything() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = crate::open_db(dir.path());
    let target = create(&mut db, person("Ann", "Lee", "1990-01-02"));
    let older = create(
        &mut db,
        person("Annie", "LEE ", "1990-01-02")
            .with(Field::City, "Austin")
            .with(Field::Occupation, "Nurse"),
    );
    let newer = create(
        &mut db,
        person("A.", "lee", "1990-01-02").with(Field::City, "Dallas"),
    );
    let unrelated = create(&mut db, person("Bo", "Lee", "1991-01-02"));
    // Make `older` less recently entered than `newer` in a way a clock cannot blur.
    mutation::submit(
        &mut db,
        &Mutation::new(
            "olive",
            Op::UpdateCustomer {
                customer: newer,
                changes: BTreeMap::from([(Field::Gender, Some("Female".into()))]),
            },
        ),
    )
    .unwrap();
    let add = |db: &mut Db, op| mutation::submit(db, &Mutation::new("olive", op)).unwrap();
    add(
        &mut db,
        Op::AddNote {
            customer: older,
            id: Uuid::now_v7(),
            body: "note on older".into(),
        },
    );
    add(
        &mut db,
        Op::AddFlag {
            customer: newer,
            id: Uuid::now_v7(),
            kind: "no-show".into(),
            note: None,
        },
    );
    add(
        &mut db,
        Op::AddMedicalCondition {
            customer: older,
            id: Uuid::now_v7(),
            condition: MedicalCondition {
                kind: MedicalKind::Allergy,
                name: "latex".into(),
                details: None,
            },
        },
    );
    add(
        &mut db,
        Op::SetContact {
            customer: older,
            contact: Contact {
                kind: ContactKind::Emergency,
                name: "Sam".into(),
                phone: None,
                relation: Some("brother".into()),
            },
        },
    );

    add(
        &mut db,
        Op::RecordService {
            customer: newer,
            id: Uuid::now_v7(),
            description: "forearm rose, session 1".into(),
            artist: Some("ann".into()),
            started_at: chrono::Utc::now(),
            ended_at: None,
        },
    );
    // Releases and files arrive with the kiosk; the merge must carry them already.
    db.conn()
        .execute(
            "INSERT INTO releases(id, customer_id, template_id, template_version, signed_at, device, sealed, content_sha256)
             VALUES (?1, ?2, 'default', 1, '2026-01-01T00:00:00Z', 'lobby', ?3, 'abc')",
            rusqlite::params![Uuid::now_v7(), older, [0u8].as_slice()],
        )
        .unwrap();
    db.conn()
        .execute(
            "INSERT INTO files(id, customer_id, name, media_type, content, created_at)
             VALUES (?1, ?2, 'id.png', 'image/png', ?3, '2026-01-01T00:00:00Z')",
            rusqlite::params![Uuid::now_v7(), newer, [0x89u8].as_slice()],
        )
        .unwrap();
    let groups = duplicates::find(&db, &owner()).unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(
        groups[0].target.id, target,
        "the first created is the target"
    );
    assert_eq!(groups[0].duplicates.len(), 2);

    let report = duplicates::merge(&mut db, &owner(), target, &[older, newer]).unwrap();
    assert_eq!(report.records_moved, 6);
    let d = customers::detail(&db, &owner(), target).unwrap();
    let p = &d.customer.profile;
    assert_eq!(
        p.get(Field::FirstName),
        Some("Ann"),
        "the target's own values stay"
    );
    assert_eq!(
        p.get(Field::City),
        Some("Dallas"),
        "the most recently entered duplicate fills first"
    );
    assert_eq!(
        p.get(Field::Occupation),
        Some("Nurse"),
        "older duplicates fill what is left"
    );
    assert_eq!(p.get(Field::Gender), Some("Female"));
    assert_eq!(d.notes.len(), 1);
    assert_eq!(d.flags.len(), 1);
    assert!(matches!(&d.medical, MedicalView::Details(v) if v.len() == 1));
    assert_eq!(
        d.emergency_contact.as_ref().map(|c| c.name.as_str()),
        Some("Sam")
    );
    assert_eq!(d.services.len(), 1);
    assert_eq!((d.releases, d.files), (1, 1));
    assert_eq!(customers::count(db.conn()).unwrap(), 2);

    // Merged ids resolve to the survivor forever, and late mutations land there.
    assert_eq!(customers::get(db.conn(), older).unwrap().id, target);
    add(
        &mut db,
        Op::AddNote {
            customer: newer,
            id: Uuid::now_v7(),
            body: "late, from an offline device".into(),
        },
    );
    assert_eq!(
        customers::detail(&db, &owner(), target)
            .unwrap()
            .notes
            .len(),
        2
    );
    // Replaying the merge is harmless.
    duplicates::merge(&mut db, &owner(), target, &[older, newer]).unwrap();
    assert!(duplicates::find(&db, &owner()).unwrap().is_empty());
    let _ = unrelated;
}

#[test]
fn an_offline_edit_made_before_a_merge_still_lands_on_the_survivor() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = crate::open_db(dir.path());
    let target = create(&mut db, person("Ann", "Lee", "1990-01-02"));
    let dup = create(
        &mut db,
        person("Ann", "Lee", "1990-01-02").with(Field::PhoneNumber, "512-555-0100"),
    );
    // A device edits the duplicate's phone while offline...
    let offline_edit = Mutation::new(
        "counter",
        Op::UpdateCustomer {
            customer: dup,
            changes: BTreeMap::from([(Field::PhoneNumber, Some("512-555-0199".into()))]),
        },
    );
    std::thread::sleep(std::time::Duration::from_millis(3));
    // ...the store merges it away, copying the old phone to the survivor...
    duplicates::merge(&mut db, &owner(), target, &[dup]).unwrap();
    let c = customers::get(db.conn(), target).unwrap();
    assert_eq!(c.profile.get(Field::PhoneNumber), Some("512-555-0100"));
    // ...and the edit, arriving late, still wins: it is newer than the value it replaces.
    mutation::submit(&mut db, &offline_edit).unwrap();
    let c = customers::get(db.conn(), target).unwrap();
    assert_eq!(c.profile.get(Field::PhoneNumber), Some("512-555-0199"));
}

#[test]
fn not_a_duplicate_is_not_offered_again_and_survives_a_merge() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = crate::open_db(dir.path());
    let a = create(&mut db, person("Ann", "Lee", "1990-01-02"));
    let b = create(&mut db, person("Amy", "Lee", "1990-01-02"));
    assert_eq!(duplicates::find(&db, &owner()).unwrap().len(), 1);
    duplicates::mark_not_duplicate(&mut db, &owner(), a, b).unwrap();
    assert!(duplicates::find(&db, &owner()).unwrap().is_empty());
    // A third record of Ann merges into her; Amy is still not offered.
    let c = create(&mut db, person("Ann", "Lee", "1990-01-02"));
    let groups = duplicates::find(&db, &owner()).unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(
        groups[0]
            .duplicates
            .iter()
            .map(|d| d.id)
            .collect::<Vec<_>>(),
        vec![c]
    );
    duplicates::merge(&mut db, &owner(), a, &[c]).unwrap();
    assert!(duplicates::find(&db, &owner()).unwrap().is_empty());

    // Two candidates kept apart are never offered together for one merge.
    let t = create(&mut db, person("Tom", "Ng", "1970-05-05"));
    let u = create(&mut db, person("Ula", "Ng", "1970-05-05"));
    let v = create(&mut db, person("Val", "Ng", "1970-05-05"));
    duplicates::mark_not_duplicate(&mut db, &owner(), u, v).unwrap();
    let groups = duplicates::find(&db, &owner()).unwrap();
    for g in &groups {
        let ids: Vec<_> = std::iter::once(g.target.id)
            .chain(g.duplicates.iter().map(|d| d.id))
            .collect();
        assert!(
            !(ids.contains(&u) && ids.contains(&v)),
            "u and v offered together"
        );
    }
    assert!(groups.iter().any(|g| g.target.id == t));
}

#[test]
fn permissions_gate_medical_details_merges_and_exports() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = crate::open_db(dir.path());
    let id = create(&mut db, person("Ann", "Lee", "1990-01-02"));
    mutation::submit(
        &mut db,
        &Mutation::new(
            "olive",
            Op::AddMedicalCondition {
                customer: id,
                id: Uuid::now_v7(),
                condition: MedicalCondition {
                    kind: MedicalKind::Medication,
                    name: "warfarin".into(),
                    details: Some("blood thinner".into()),
                },
            },
        ),
    )
    .unwrap();
    let desk = Actor {
        name: "fred".into(),
        role: Role::FrontDesk,
    };
    let d = customers::detail(&db, &desk, id).unwrap();
    assert!(matches!(d.medical, MedicalView::Count { count: 1 }));
    assert!(!d.to_json().to_string().contains("warfarin"));
    assert!(duplicates::merge(&mut db, &desk, id, &[id]).is_err());
    let views = |db: &Db| -> i64 {
        db.conn()
            .query_row(
                "SELECT count(*) FROM audit_log WHERE action = 'medical.view'",
                [],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(views(&db), 0);
    let artist = Actor {
        name: "ann".into(),
        role: Role::Artist,
    };
    let d = customers::detail(&db, &artist, id).unwrap();
    assert!(d.to_json().to_string().contains("warfarin"));
    assert_eq!(views(&db), 1, "each view of medical details is audited");
}

#[test]
fn medical_details_never_reach_the_disk_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    // The files on disk are SQLite's (a device's, with its outbox).
    let mut db = Db::open_dir(dir.path()).unwrap();
    let marker = "MARKER-7f3a9-hepatitis";
    let id = create(&mut db, person("Ann", "Lee", "1990-01-02"));
    mutation::set_device_role(&db, true).unwrap(); // the outbox must be sealed too
    mutation::submit(
        &mut db,
        &Mutation::new(
            "olive",
            Op::AddMedicalCondition {
                customer: id,
                id: Uuid::now_v7(),
                condition: MedicalCondition {
                    kind: MedicalKind::Disease,
                    name: marker.into(),
                    details: Some(marker.into()),
                },
            },
        ),
    )
    .unwrap();
    assert_eq!(mutation::outbox_len(&db).unwrap(), 1);
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(
        files.iter().any(|p| p.to_string_lossy().ends_with("-wal")),
        "{files:?}"
    );
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        assert!(
            !bytes.windows(marker.len()).any(|w| w == marker.as_bytes()),
            "{} holds the marker",
            path.display()
        );
    }
    // ...and still reads back for someone allowed to see it.
    let d = customers::detail(&db, &owner(), id).unwrap();
    assert!(d.to_json().to_string().contains(marker));
}
