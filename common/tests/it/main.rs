//! intake-common's integration tests: the domain, import and export, releases and users on
//! real SQLite files, or with `INTAKE_TEST_ENGINE=postgres` the same tests on a real
//! PostgreSQL server (see [`open_db`]).
//!
//! One test binary for the crate: each module was a binary of its own, and linking
//! each of them took longer than running it.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

mod csv_fuzz;
mod cursor;
mod domain;
mod duplicates;
mod export;
mod import_paths;
mod layer;
mod phone;
mod presets;
mod presets_abuse;
mod release;
mod release_clauses;
mod release_pdf;
mod retention;
mod search;
mod users;

use std::path::Path;

use intake_common::Profile;
use intake_common::db::Db;
use intake_common::mutation::{self, Mutation, Op};
use uuid::Uuid;

/// The engine these tests run on, from `INTAKE_TEST_ENGINE`: `sqlite` (the default) or
/// `postgres`.
pub fn on_postgres() -> bool {
    match std::env::var("INTAKE_TEST_ENGINE").as_deref() {
        Ok("postgres") => true,
        Ok("sqlite") | Err(_) => false,
        Ok(other) => panic!("INTAKE_TEST_ENGINE is `sqlite` or `postgres`, not `{other}`"),
    }
}

/// The store for the data directory `dir`: its SQLite file, or on PostgreSQL a scratch
/// database of its own (the same one whenever `dir` is opened again), with its key in `dir`
/// either way.
pub fn open_db(dir: &Path) -> Db {
    if !on_postgres() {
        return Db::open_dir(dir).unwrap();
    }
    let url = intake_common::db::scratch::Server::shared().database_for(dir);
    Db::open_postgres_in(&url, dir).unwrap()
}

#[test]
fn the_store_runs_on_the_engine_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(open_db(dir.path()).conn().is_postgres(), on_postgres());
}

/// Adds the customer `id` as the owner does, from the console or the command line.
pub fn add_customer(db: &mut Db, id: Uuid, profile: Profile) -> Uuid {
    mutation::submit(
        db,
        &Mutation::new(
            "olive",
            Op::CreateCustomer {
                customer: id,
                profile,
            },
        ),
    )
    .unwrap();
    id
}
