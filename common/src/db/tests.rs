//! Opening, migrating and keying a database, on SQLite and PostgreSQL.

use super::*;

#[test]
fn opens_migrates_and_rejects_a_foreign_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open_dir(dir.path()).unwrap();
    assert_eq!(db.integrity_check().unwrap(), "ok");
    let mode: String = db
        .conn()
        .sqlite()
        .unwrap()
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    drop(db);
    // Reopening is a no-op migration.
    Db::open_dir(dir.path()).unwrap();
    // Without its key it does not open, and no new key is made for it.
    std::fs::rename(dir.path().join(KEY_FILE), dir.path().join("moved.key")).unwrap();
    let err = Db::open_dir(dir.path()).unwrap_err().to_string();
    assert!(err.contains("is missing"), "{err}");
    assert!(!dir.path().join(KEY_FILE).exists());
    std::fs::rename(dir.path().join("moved.key"), dir.path().join(KEY_FILE)).unwrap();
    Db::open_dir(dir.path()).unwrap();
    // Another key cannot open it.
    let other = dir.path().join("other.key");
    Sealer::load_or_create(&other).unwrap();
    let err = Db::open(&dir.path().join(DB_FILE), &other).unwrap_err();
    assert!(
        err.to_string().contains("different encryption key"),
        "{err}"
    );
}

#[test]
fn processes_starting_together_share_one_schema_and_one_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let path = path.clone();
            std::thread::spawn(move || {
                Db::open_dir(&path).map(|db| db.sealer().fingerprint().to_string())
            })
        })
        .collect();
    let prints: Vec<String> = threads
        .into_iter()
        .map(|t| t.join().unwrap().unwrap())
        .collect();
    assert!(prints.windows(2).all(|w| w[0] == w[1]), "{prints:?}");
}

/// Writes an audit entry, then finds it can be neither changed nor deleted.
fn assert_audit_log_append_only(db: &Db) {
    db.conn()
        .execute(
            "INSERT INTO audit_log(at, actor, action, detail) VALUES ('t', 'a', 'x', '')",
            [],
        )
        .unwrap();
    assert!(
        db.conn()
            .execute("UPDATE audit_log SET actor = 'b'", [])
            .is_err()
    );
    assert!(db.conn().execute("DELETE FROM audit_log", []).is_err());
}

#[test]
fn audit_log_is_append_only() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open_dir(dir.path()).unwrap();
    assert_audit_log_append_only(&db);
}

#[test]
fn a_postgres_store_migrates_once_keeps_its_key_and_refuses_another() {
    let url = scratch::Server::shared().fresh_database("db_open");
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join(KEY_FILE);
    // Processes starting together: one migrates, the others find it done.
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (url, key) = (url.clone(), key.clone());
            std::thread::spawn(move || {
                Db::open_postgres(&url, &key).map(|db| db.sealer().fingerprint().to_string())
            })
        })
        .collect();
    let prints: Vec<String> = threads
        .into_iter()
        .map(|t| t.join().unwrap().unwrap())
        .collect();
    assert!(prints.windows(2).all(|w| w[0] == w[1]), "{prints:?}");
    let mut db = Db::open_postgres(&url, &key).unwrap();
    assert!(db.path().is_none());
    let version: i64 = db
        .conn()
        .query_row("SELECT version FROM schema_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, schema::PG_MIGRATIONS.last().unwrap().0);
    // The change sequence, and a write transaction that rolls back when dropped.
    {
        let tx = db.write().unwrap();
        assert_eq!(next_change_seq(&tx).unwrap(), 1);
    }
    let tx = db.write().unwrap();
    assert_eq!(next_change_seq(&tx).unwrap(), 1);
    tx.commit().unwrap();
    // The audit log stays append-only.
    assert_audit_log_append_only(&db);
    // Another key cannot open it.
    let other = dir.path().join("other.key");
    Sealer::load_or_create(&other).unwrap();
    let err = Db::open_postgres(&url, &other).unwrap_err();
    assert!(
        err.to_string().contains("different encryption key"),
        "{err}"
    );
    // A server that does not answer is named without its password.
    let err = Db::open_postgres("postgres://ana:hunter2@127.0.0.1:1/none", &key).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("postgres://ana@127.0.0.1/none"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
}

#[test]
fn values_cross_to_postgres_and_back_as_they_do_on_sqlite() {
    let url = scratch::Server::shared().fresh_database("db_values");
    let dir = tempfile::tempdir().unwrap();
    let pg = Db::open_postgres(&url, &dir.path().join(KEY_FILE)).unwrap();
    let lite = Db::open_dir(dir.path()).unwrap();
    let id = Uuid::now_v7();
    for db in [&pg, &lite] {
        let c = db.conn();
        // A uuid, text, an integer into a text column.
        c.execute(
            "INSERT INTO audit_log(at, actor, action, customer_id, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
            params!["2026-01-01T00:00:00.000Z", "ana", 7, id, ""],
        )
        .unwrap();
        let (seq, action, back, n, exists): (i64, String, Uuid, i64, bool) = c
            .query_row(
                "SELECT seq, action, customer_id, (SELECT count(*) FROM audit_log), \
                 EXISTS(SELECT 1 FROM audit_log WHERE actor = ?1) FROM audit_log",
                ["ana"],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .unwrap();
        assert_eq!(
            (seq, action.as_str(), back, n, exists),
            (1, "7", id, 1, true)
        );
        // Unnumbered placeholders, a sum, no row at all.
        let total: i64 = c
            .query_row(
                "SELECT sum(seq) + ? FROM audit_log WHERE actor = ?",
                params![2, "ana"],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(total, 3);
        let none = c
            .query_row("SELECT seq FROM audit_log WHERE actor = ?1", ["bo"], |r| {
                r.get::<_, i64>(0)
            })
            .optional()
            .unwrap();
        assert_eq!(none, None);
        // A value bound but not used by the statement (`?1` here).
        let seq: i64 = c
            .query_row(
                "SELECT seq FROM audit_log WHERE actor = ?2 LIMIT ?3",
                params![999, "ana", 5],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(seq, 1);
        // A value that does not fit the column says which column.
        let err = c
            .query_row("SELECT actor FROM audit_log", [], |r| r.get::<_, i64>(0))
            .unwrap_err();
        assert!(err.to_string().contains('0'), "{err}");
    }
}
