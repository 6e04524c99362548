//! A large export: every customer exactly once, in order, across the parallel workers'
//! chunks, with gaps in the table left by merges. An export into a file the caller made
//! (CSV or a workbook), audited as every export is.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::fmt::Write as _;
use std::io::{Read as _, Seek as _};
use std::path::Path;

use intake_common::change::{self, Caller};
use intake_common::csvio::export::{MEDICAL_COLUMN, column_names};
use intake_common::csvio::layout::ID_COLUMN;
use intake_common::csvio::{self, ExportFormat, ExportOptions, ImportOptions};
use intake_common::customer::{MedicalCondition, MedicalKind};
use intake_common::{Actor, Db, Error, Field, Op, Profile, Role, audit, customers, duplicates};
use uuid::Uuid;

fn owner() -> Actor {
    Actor {
        name: "olive".into(),
        role: Role::Owner,
    }
}

#[test]
fn a_large_export_writes_every_customer_once_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = crate::open_db(&dir.path().join("data"));
    let mut csv = String::from("FirstName,LastName,PhoneNumber,Birthdate,Notes\n");
    for i in 0..30_000 {
        // Every 1000th customer has a twin, so merges punch holes in the rowids.
        let twin = if i % 1000 == 0 { i + 1 } else { i };
        writeln!(csv, "P{i},L{twin},,1980-01-01,=note {i}").unwrap();
    }
    let input = dir.path().join("in.csv");
    std::fs::write(&input, csv).unwrap();
    let report = csvio::import(&mut db, &owner(), &input, ImportOptions::default()).unwrap();
    assert_eq!(report.created, 30_000);
    for g in duplicates::find(&db, &owner()).unwrap() {
        let dups: Vec<_> = g.duplicates.iter().map(|d| d.id).collect();
        duplicates::merge(&mut db, &owner(), g.target.id, &dups).unwrap();
    }
    let mut expected = Vec::new();
    customers::for_each(db.conn(), |c| -> intake_common::Result<()> {
        expected.push(c.id.to_string());
        Ok(())
    })
    .unwrap();
    assert_eq!(expected.len(), 30_000 - 30);

    let out = dir.path().join("out.csv");
    let summary = csvio::export(&db, &owner(), Some(&out), &ExportOptions::default()).unwrap();
    assert_eq!(summary.customers as usize, expected.len());
    let mut reader = csv::Reader::from_path(&out).unwrap();
    let headers = reader.headers().unwrap().clone();
    let notes = headers.iter().position(|h| h == "Notes").unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let ids: Vec<String> = rows.iter().map(|r| r[0].to_string()).collect();
    assert_eq!(ids, expected);
    assert!(
        rows.iter().all(|r| r[notes].starts_with("'=note ")),
        "formulas neutralised in every chunk"
    );
}

fn actor(role: Role) -> Actor {
    Actor {
        name: role.name().into(),
        role,
    }
}

/// A store of two customers, the first with an allergy on file.
fn two_customers(dir: &Path) -> (Db, Uuid) {
    let mut db = crate::open_db(dir);
    let by = Caller::Staff(owner());
    let ann = Uuid::now_v7();
    for (id, first) in [(ann, "Ann"), (Uuid::now_v7(), "=Bo")] {
        let profile = Profile::default().with(Field::FirstName, first);
        let op = Op::CreateCustomer {
            customer: id,
            profile,
        };
        change::submit(&mut db, &by, op).unwrap();
    }
    let condition = MedicalCondition {
        kind: MedicalKind::Allergy,
        name: "latex".into(),
        details: None,
    };
    let op = Op::AddMedicalCondition {
        customer: ann,
        id: Uuid::now_v7(),
        condition,
    };
    change::submit(&mut db, &by, op).unwrap();
    (db, ann)
}

fn written(file: &mut std::fs::File) -> Vec<u8> {
    file.rewind().unwrap();
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).unwrap();
    bytes
}

fn columns(format: ExportFormat, names: &[&str]) -> ExportOptions {
    ExportOptions {
        format,
        columns: names.iter().map(|n| n.to_string()).collect(),
    }
}

#[test]
fn an_export_into_a_file_is_csv_or_a_workbook_audited_like_any_export() {
    let dir = tempfile::tempdir().unwrap();
    let (db, ann) = two_customers(&dir.path().join("data"));

    let mut file = tempfile::tempfile().unwrap();
    let options = columns(ExportFormat::Csv, &["FirstName", MEDICAL_COLUMN]);
    let summary =
        csvio::export_to_file(&db, &owner(), &mut file, &options, "a test", None).unwrap();
    assert_eq!(summary.customers, 2);
    assert!(summary.medical);
    let text = String::from_utf8(written(&mut file)).unwrap();
    assert_eq!(
        text,
        "FirstName,MedicalConditions\nAnn,allergy: latex\n'=Bo,\n"
    );
    let audit = audit::recent(db.conn(), 10).unwrap();
    assert!(
        audit.iter().any(|e| e.action == "customer.export"
            && e.detail == "export to a test; columns: FirstName,MedicalConditions"),
        "{audit:?}"
    );
    assert!(
        audit
            .iter()
            .any(|e| e.action == "medical.export" && e.customer_id == Some(ann))
    );

    // A workbook, its scratch files where the caller says (and gone once it is written).
    let scratch = dir.path().join("scratch");
    std::fs::create_dir(&scratch).unwrap();
    let mut file = tempfile::tempfile().unwrap();
    let options = columns(ExportFormat::Xlsx, &[]);
    let summary =
        csvio::export_to_file(&db, &owner(), &mut file, &options, "a test", Some(&scratch))
            .unwrap();
    assert_eq!(summary.customers, 2);
    assert_eq!(summary.columns, column_names(true));
    assert!(written(&mut file).starts_with(b"PK\x03\x04"));
    assert_eq!(std::fs::read_dir(&scratch).unwrap().count(), 0);

    // Without export:customer nothing is written, and no export is recorded.
    let before = audit::recent(db.conn(), 100).unwrap().len();
    let mut file = tempfile::tempfile().unwrap();
    let options = columns(ExportFormat::Csv, &["FirstName"]);
    let refused = csvio::export_to_file(
        &db,
        &actor(Role::FrontDesk),
        &mut file,
        &options,
        "a test",
        None,
    );
    assert!(
        matches!(refused, Err(Error::Forbidden { .. })),
        "{refused:?}"
    );
    assert!(written(&mut file).is_empty());
    assert_eq!(audit::recent(db.conn(), 100).unwrap().len(), before);
}

#[test]
fn the_columns_offered_are_the_ones_an_export_takes() {
    let all = column_names(true);
    assert_eq!(all.first(), Some(&ID_COLUMN));
    assert_eq!(all.last(), Some(&MEDICAL_COLUMN));
    assert_eq!(column_names(false), all[..all.len() - 1]);
    // Every name offered is one an export takes, written in the order asked.
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = two_customers(&dir.path().join("data"));
    let mut reversed = all.clone();
    reversed.reverse();
    let mut file = tempfile::tempfile().unwrap();
    let summary = csvio::export_to_file(
        &db,
        &owner(),
        &mut file,
        &columns(ExportFormat::Csv, &reversed),
        "a test",
        None,
    )
    .unwrap();
    assert_eq!(summary.columns, reversed);
}
