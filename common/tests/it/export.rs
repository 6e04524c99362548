//! A large export: every customer exactly once, in order, across the parallel workers'
//! chunks, with gaps in the table left by merges.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::fmt::Write as _;

use intake_common::csvio::{self, ExportOptions, ImportOptions};
use intake_common::{Actor, Db, Role, customers, duplicates};

fn owner() -> Actor {
    Actor {
        name: "olive".into(),
        role: Role::Owner,
    }
}

#[test]
fn a_large_export_writes_every_customer_once_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = Db::open_dir(&dir.path().join("data")).unwrap();
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
