//! The bulk path (in-memory matching, indexes rebuilt at the end) and the indexed path
//! give the same result on the same files.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::path::{Path, PathBuf};

use intake_common::csvio::{self, ImportOptions, ImportReport};
use intake_common::{Actor, Db, Role, customers};

/// Sample customer lists in the studio and snake-case layouts, kept in the repository.
const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data");

fn owner() -> Actor {
    Actor {
        name: "olive".into(),
        role: Role::Owner,
    }
}

fn run(db: &mut Db, path: &Path, bulk: bool) -> ImportReport {
    let options = ImportOptions {
        bulk: Some(bulk),
        ..ImportOptions::default()
    };
    csvio::import(db, &owner(), path, options).unwrap()
}

fn summary(r: &ImportReport) -> (u64, u64, u64, u64, Vec<(u64, String)>) {
    let errors = r
        .errors
        .iter()
        .map(|e| (e.line, e.column.clone()))
        .collect();
    (r.created, r.updated, r.unchanged, r.failed, errors)
}

fn profiles(db: &Db) -> Vec<String> {
    let mut out = Vec::new();
    customers::for_each(db.conn(), |c| -> intake_common::Result<()> {
        out.push(format!("{:?}", c.profile));
        Ok(())
    })
    .unwrap();
    out.sort();
    out
}

#[test]
fn bulk_and_indexed_imports_agree() {
    let dir = tempfile::tempdir().unwrap();
    let tricky = dir.path().join("tricky.csv");
    std::fs::write(
        &tricky,
        "first_name,last_name,email,phone,city\n\
         Ann,Lee,ann@example.com,(512) 555-0121,Austin\n\
         Bo,Kim,bo@example.com,512-555-0199,Dallas\n\
         ,,ANN@example.com,,Houston\n\
         X,Y,bo@example.com,+15125550121,\n\
         Cy,Ng,cy@example.com,512-555-0199,\n\
         ,,,,\n",
    )
    .unwrap();
    let files: Vec<PathBuf> = vec![
        Path::new(SAMPLES).join("customers-rev23-sample.csv"),
        Path::new(SAMPLES).join("customers-snake-sample.csv"),
        tricky,
        Path::new(SAMPLES).join("customers-rev23-sample.csv"),
    ];
    let mut indexed = crate::open_db(&dir.path().join("a"));
    let mut bulk = crate::open_db(&dir.path().join("b"));
    for f in &files {
        let a = run(&mut indexed, f, false);
        let b = run(&mut bulk, f, true);
        assert_eq!(summary(&a), summary(&b), "{}", f.display());
    }
    assert_eq!(profiles(&indexed), profiles(&bulk));
    // The bulk path put every index back (SQLite), or kept them (PostgreSQL).
    let sql = if crate::on_postgres() {
        "SELECT indexdef FROM pg_indexes WHERE tablename = 'customers' AND indexdef NOT LIKE 'CREATE UNIQUE%' ORDER BY indexname"
    } else {
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'customers' ORDER BY name"
    };
    let indexes = |db: &Db| -> Vec<String> {
        let mut stmt = db.conn().prepare(sql).unwrap();
        stmt.query_map([], |r| r.get::<_, Option<String>>(0))
            .unwrap()
            .map(|r| r.unwrap().unwrap_or_default())
            .collect()
    };
    assert_eq!(indexes(&indexed), indexes(&bulk));
    assert_eq!(
        indexes(&bulk).len(),
        if crate::on_postgres() { 7 } else { 8 }
    );
    if !crate::on_postgres() {
        assert_eq!(bulk.integrity_check().unwrap(), "ok");
    }
}
