//! What a file or a map must not do through an app's layout: wipe notes staff wrote, bring
//! card, identity or medical columns in, send one column's choice to another of the same
//! name, or cost the importer more than a header's worth of work.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::path::Path;

use intake_common::csvio::{self, ImportOptions, ImportReport, Layout, layout::Target};
use intake_common::customer::{Field, Profile};
use intake_common::{Actor, Db, Role, customers};

fn owner() -> Actor {
    Actor {
        name: "olive".into(),
        role: Role::Owner,
    }
}

fn import(db: &mut Db, path: &Path, options: ImportOptions) -> intake_common::Result<ImportReport> {
    csvio::import(db, &owner(), path, options)
}

fn named(db: &Db, first: &str) -> Profile {
    let mut found = None;
    customers::for_each(db.conn(), |c| -> intake_common::Result<()> {
        if c.profile.get(Field::FirstName) == Some(first) {
            found = Some(c.profile);
        }
        Ok(())
    })
    .unwrap();
    found.unwrap_or_else(|| panic!("no customer {first}"))
}

fn notes() -> ImportOptions {
    ImportOptions {
        extra_to_notes: true,
        ..ImportOptions::default()
    }
}

#[test]
fn lines_from_other_columns_are_added_to_the_notes_staff_wrote_never_over_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = crate::open_db(dir.path());
    let studio = dir.path().join("studio.csv");
    std::fs::write(
        &studio,
        "FirstName,LastName,PhoneNumber,Birthdate,Email,Notes\nOwen,Marsh,,,owen.marsh@example.com,ALLERGIC TO LATEX - use nitrile\n",
    )
    .unwrap();
    import(&mut db, &studio, ImportOptions::default()).unwrap();
    let square = dir.path().join("square.csv");
    std::fs::write(
        &square,
        "Reference ID,First Name,Last Name,Email Address,Birthday,Memo,Square Customer ID,Email Subscription Status\n\
         ,Owen,Marsh,owen.marsh@example.com,03-14,,1N4V,Unknown\n",
    )
    .unwrap();
    let r = import(&mut db, &square, notes()).unwrap();
    assert_eq!((r.updated, r.failed), (1, 0), "{:?}", r.errors);
    assert_eq!(
        named(&db, "Owen").get(Field::Notes),
        Some("ALLERGIC TO LATEX - use nitrile\nBirthday: 03-14\nSquare Customer ID: 1N4V")
    );
    // Again: nothing is added twice.
    let r = import(&mut db, &square, notes()).unwrap();
    assert_eq!((r.updated, r.unchanged), (0, 1));
}

#[test]
fn card_identity_and_medical_columns_never_come_in_whoever_asks() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = crate::open_db(dir.path());
    let file = dir.path().join("studio.csv");
    std::fs::write(
        &file,
        "FirstName,LastName,PhoneNumber,Birthdate,Card Number,SSN,Driver License,Favourite Colour\n\
         Ada,Moss,,,4111111111111111,123-45-6789,D123,Teal\n",
    )
    .unwrap();
    let r = import(&mut db, &file, notes()).unwrap();
    assert_eq!(
        named(&db, "Ada").get(Field::Notes),
        Some("Favourite Colour: Teal")
    );
    for col in ["Card Number", "SSN", "Driver License"] {
        assert!(
            r.ignored_columns.contains(&format!(
                "{col} (payment or identity details: never imported)"
            )),
            "{col}: {:?}",
            r.ignored_columns
        );
    }
    // A map asking for one is refused, nothing stored.
    for (col, to) in [
        ("Card Number", "+Notes"),
        ("SSN", "Occupation"),
        ("Driver License", "MembershipNumber"),
    ] {
        let e = import(
            &mut db,
            &file,
            ImportOptions {
                map: vec![(col.into(), to.into())],
                ..ImportOptions::default()
            },
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("cannot be imported: payment or identity"),
            "{col}: {e}"
        );
    }
    // Medical details only ever come in through their own sealed path.
    let export = dir.path().join("export.csv");
    std::fs::write(
        &export,
        "FirstName,LastName,PhoneNumber,Birthdate,MedicalConditions\nBo,Kim,,,Diabetes\n",
    )
    .unwrap();
    let e = import(
        &mut db,
        &export,
        ImportOptions {
            map: vec![("MedicalConditions".into(), "+Notes".into())],
            ..ImportOptions::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("not profile information"), "{e}");
    import(&mut db, &export, notes()).unwrap();
    assert_eq!(named(&db, "Bo").get(Field::Notes), None);
}

#[test]
fn two_columns_of_one_name_are_told_apart_by_place_and_never_by_a_map() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = crate::open_db(dir.path());
    let file = dir.path().join("twice.csv");
    std::fs::write(
        &file,
        "First Name,Last Name,Email,Phone,Days Since Last Appointment,Info,Info\n\
         Ada,Moss,ada@example.com,,3,left out,kept\n",
    )
    .unwrap();
    let e = import(
        &mut db,
        &file,
        ImportOptions {
            map: vec![("Info".into(), "+Notes".into())],
            ..ImportOptions::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("the file has two columns \"Info\": rename one"),
        "{e}"
    );
    // As the console sends it: every column by its place.
    let (layout, _) = Layout::peek(&file, csvio::Ask::default()).unwrap();
    let mut chosen = layout.targets.clone();
    chosen[5] = None;
    chosen[6] = Some(Target::Note);
    let r = import(
        &mut db,
        &file,
        ImportOptions {
            format: Some(layout.format),
            chosen: Some(chosen),
            ..ImportOptions::default()
        },
    )
    .unwrap();
    assert_eq!((r.format.as_str(), r.created), ("acuity", 1));
    assert_eq!(named(&db, "Ada").get(Field::Notes), Some("Info: kept"));
    // A column with no name is never a notes line, asked or not.
    let blank = dir.path().join("blank.csv");
    std::fs::write(
        &blank,
        "FirstName,LastName,PhoneNumber,Birthdate,\nCy,Ng,,,hidden\n",
    )
    .unwrap();
    let r = import(&mut db, &blank, notes()).unwrap();
    assert_eq!(r.created, 1);
    assert_eq!(named(&db, "Cy").get(Field::Notes), None);
    assert!(r.columns.iter().all(|c| !c.column.is_empty()));
}

#[test]
fn a_map_names_the_columns_of_a_header_below_report_lines() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = crate::open_db(dir.path());
    let vagaro = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/data/presets/vagaro.csv"
    ));
    let r = import(
        &mut db,
        vagaro,
        ImportOptions {
            map: vec![
                ("Tags".into(), "+Notes".into()),
                ("Membership".into(), String::new()),
            ],
            ..ImportOptions::default()
        },
    )
    .unwrap();
    assert_eq!(
        (r.format.as_str(), r.header_line, r.created),
        ("vagaro", 5, 3)
    );
    assert_eq!(
        named(&db, "Dana").get(Field::Notes),
        Some("Tags: Returning; Blackwork")
    );
    // A problem of a header found below report lines is named on its own line.
    let wide = dir.path().join("wide.csv");
    let mut text = String::from("Customer List\nCustomer Since,First Name,Refered By");
    text.push_str(&",x".repeat(300));
    text.push_str("\nDana\n");
    std::fs::write(&wide, text).unwrap();
    let e = import(&mut db, &wide, ImportOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 1: the first line is not a header"), "{e}");
    let narrow = dir.path().join("narrow.csv");
    std::fs::write(
        &narrow,
        "Customer List\nCustomer Since,Refered By\n2021-01-01,Instagram\n",
    )
    .unwrap();
    let e = import(&mut db, &narrow, ImportOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 2: no identifying column"), "{e}");
}

#[test]
fn a_date_with_a_time_shows_its_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = crate::open_db(dir.path());
    let file = dir.path().join("rev23.csv");
    std::fs::write(
        &file,
        "FirstName,LastName,StateProvince,ZipPostal,Birthday,MobilePhoneNumber\n\
         Jo,Lee,CO,80202,03/04/1988 00:00:00,\n\
         Al,Ray,CO,80202,31/01/1990 00:00:00,\n",
    )
    .unwrap();
    let r = import(&mut db, &file, ImportOptions::default()).unwrap();
    assert_eq!(
        (r.format.as_str(), r.created, r.failed),
        ("rev23-desktop", 2, 0),
        "{:?}",
        r.errors
    );
    assert_eq!(named(&db, "Jo").get(Field::Birthdate), Some("1988-04-03"));
}
