//! The schema's migrations on each engine, and bringing a database up to date with them.

use std::path::{Path, PathBuf};

use super::Connection;
use crate::error::Error;

/// Append-only migrations: (version, SQL). Released files are never edited.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/V1__initial.sql")),
    (
        2,
        include_str!("../../migrations/V2__release_templates.sql"),
    ),
    (3, include_str!("../../migrations/V3__sync.sql")),
    (4, include_str!("../../migrations/V4__webhooks.sql")),
    (
        5,
        include_str!("../../migrations/V5__webhook_retention.sql"),
    ),
    (6, include_str!("../../migrations/V6__sessions.sql")),
    (7, include_str!("../../migrations/V7__sign_in_throttle.sql")),
    (8, include_str!("../../migrations/V8__device_boundary.sql")),
    (
        9,
        include_str!("../../migrations/V9__webhook_answer_excerpt.sql"),
    ),
    (
        10,
        include_str!("../../migrations/V10__phone_key_regions.sql"),
    ),
    (11, include_str!("../../migrations/V11__visit_links.sql")),
    (
        12,
        include_str!("../../migrations/V12__duplicates_by_creation.sql"),
    ),
    (13, include_str!("../../migrations/V13__console.sql")),
    (14, include_str!("../../migrations/V14__push_order.sql")),
    (15, include_str!("../../migrations/V15__chain.sql")),
    (16, include_str!("../../migrations/V16__shared_console.sql")),
    (17, include_str!("../../migrations/V17__retention.sql")),
];

/// The PostgreSQL store's migrations: one baseline equal to SQLite's V13, then each later
/// version beside its SQLite twin, with the same number.
pub(super) const PG_MIGRATIONS: &[(i64, &str)] = &[
    (13, include_str!("../../migrations/pg/V13__baseline.sql")),
    (14, include_str!("../../migrations/pg/V14__push_order.sql")),
    (15, include_str!("../../migrations/pg/V15__chain.sql")),
    (
        16,
        include_str!("../../migrations/pg/V16__shared_console.sql"),
    ),
    (17, include_str!("../../migrations/pg/V17__retention.sql")),
];

pub(super) fn migrate(conn: &mut rusqlite::Connection, path: &Path) -> crate::Result<()> {
    let known = MIGRATIONS.last().map_or(0, |m| m.0);
    // Up to date: nothing to lock for (a writer may hold the lock for a while).
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if current == known {
        return Ok(());
    }
    for (version, sql) in MIGRATIONS {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)?;
        // Read under the lock: another process may have migrated while this one waited.
        let current: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if current > known {
            return Err(Error::SchemaTooNew {
                path: path.to_path_buf(),
                found: current,
                known,
            });
        }
        if *version <= current {
            continue;
        }
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
        tracing::info!(version, "applied database migration");
    }
    Ok(())
}

/// Brings a PostgreSQL store's schema up to date. The write lock makes processes starting
/// together take turns: the first migrates, the others find it done.
pub(super) fn migrate_postgres(conn: &Connection, place: &str) -> crate::Result<()> {
    let known = PG_MIGRATIONS.last().map_or(0, |m| m.0);
    // Up to date: nothing to lock for (a writer may hold the lock for a while).
    if postgres_schema_version(conn)? == known {
        return Ok(());
    }
    for (version, sql) in PG_MIGRATIONS {
        let tx = conn.begin_write()?;
        let current = postgres_schema_version(&tx)?;
        if current > known {
            return Err(Error::SchemaTooNew {
                path: PathBuf::from(place),
                found: current,
                known,
            });
        }
        if *version <= current {
            continue;
        }
        tx.execute_batch(sql)?;
        tx.execute("DELETE FROM schema_version", [])?;
        tx.execute("INSERT INTO schema_version(version) VALUES (?1)", [version])?;
        tx.commit()?;
        tracing::info!(version, "applied database migration");
    }
    Ok(())
}

/// The PostgreSQL store's schema version; 0 before the first migration.
fn postgres_schema_version(conn: &Connection) -> crate::Result<i64> {
    let started: bool = conn.query_row(
        "SELECT to_regclass('schema_version') IS NOT NULL",
        [],
        |r| r.get(0),
    )?;
    if !started {
        return Ok(0);
    }
    Ok(conn
        .query_row("SELECT max(version) FROM schema_version", [], |r| {
            r.get::<_, Option<i64>>(0)
        })?
        .unwrap_or(0))
}
