//! The database layer's own promises, on whichever engine the tests run: transactions do
//! not nest, a transaction a failed statement aborted does not report a commit, errors do
//! not quote stored values, and a connection the server dropped says so.

use intake_common::db::DbError;

use crate::{on_postgres, open_db};

#[test]
fn a_transaction_cannot_begin_inside_another() {
    let dir = tempfile::tempdir().unwrap();
    let db = open_db(dir.path());
    let conn = db.conn();
    let outer = conn.begin_write().unwrap();
    let inner = conn.begin_write();
    assert!(
        matches!(inner, Err(DbError::NestedTransaction)),
        "{inner:?}"
    );
    assert!(matches!(conn.begin_read(), Err(DbError::NestedTransaction)));
    outer.rollback().unwrap();
    // Once it ended, the next one begins.
    conn.begin_read().unwrap().commit().unwrap();
    drop(conn.begin_write().unwrap());
    conn.begin_write().unwrap().commit().unwrap();
}

#[test]
fn a_commit_after_a_failed_statement_never_claims_what_did_not_land() {
    let dir = tempfile::tempdir().unwrap();
    let db = open_db(dir.path());
    let conn = db.conn();
    let tx = conn.begin_write().unwrap();
    tx.execute(
        "INSERT INTO meta(key, value) VALUES ('layer_probe', 'kept?')",
        [],
    )
    .unwrap();
    let failed = tx.execute(
        "INSERT INTO meta(key, value) VALUES ('layer_probe', 'again')",
        [],
    );
    assert!(failed.is_err());
    let committed = tx.commit();
    let landed: i64 = conn
        .query_row(
            "SELECT count(*) FROM meta WHERE key = 'layer_probe'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    // SQLite undoes only the failed statement; PostgreSQL the whole transaction, and then
    // the commit must say so.
    match committed {
        Ok(()) => assert_eq!(landed, 1),
        Err(_) => assert_eq!(landed, 0),
    }
    assert_eq!(committed.is_err(), on_postgres());
    // The connection goes on working.
    conn.begin_write().unwrap().commit().unwrap();
}

#[test]
fn a_refused_write_names_the_constraint_not_the_values() {
    let dir = tempfile::tempdir().unwrap();
    let db = open_db(dir.path());
    let marker = "Secret-Marker-7731";
    db.conn()
        .execute("INSERT INTO meta(key, value) VALUES (?1, 'x')", [marker])
        .unwrap();
    let err = db
        .conn()
        .execute("INSERT INTO meta(key, value) VALUES (?1, 'y')", [marker])
        .unwrap_err()
        .to_string();
    assert!(!err.contains(marker), "{err}");
    assert!(err.contains("meta"), "{err}");
}

#[test]
fn a_connection_the_server_dropped_is_known_broken() {
    let dir = tempfile::tempdir().unwrap();
    let db = open_db(dir.path());
    assert!(!db.conn().is_broken());
    if !on_postgres() {
        return; // a file cannot be taken away from its connection
    }
    let other = open_db(dir.path());
    let pid: i32 = db
        .conn()
        .query_row("SELECT pg_backend_pid()", [], |r| r.get(0))
        .unwrap();
    other
        .conn()
        .query_row("SELECT pg_terminate_backend(?1)", [pid], |_| Ok(()))
        .unwrap();
    let failed = db.conn().query_row("SELECT 1", [], |r| r.get::<_, i64>(0));
    let err = failed.unwrap_err();
    assert!(err.is_transient(), "{err}");
    assert!(db.conn().is_broken());
    assert!(!other.conn().is_broken());
}
