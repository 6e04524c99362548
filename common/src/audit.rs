//! The audit log: who did what, when, to which customer. Nothing updates or deletes it
//! (the schema's triggers refuse both).

use rusqlite::{Connection, params};
use serde::Serialize;
use uuid::Uuid;

use crate::error::Result;

pub fn record(
    conn: &Connection,
    actor: &str,
    action: &str,
    customer: Option<Uuid>,
    detail: &str,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO audit_log(at, actor, action, customer_id, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![crate::time::now(), actor, action, customer, detail])?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub customer_id: Option<Uuid>,
    pub detail: String,
}

/// The newest `limit` entries, newest first.
pub fn recent(conn: &Connection, limit: u32) -> Result<Vec<Entry>> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, actor, action, customer_id, detail FROM audit_log ORDER BY seq DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], entry)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The newest `limit` entries about `customer`, newest first.
pub fn for_customer(conn: &Connection, customer: Uuid, limit: u32) -> Result<Vec<Entry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, at, actor, action, customer_id, detail FROM audit_log
         WHERE customer_id = ?1 ORDER BY seq DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![customer, limit], entry)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn entry(r: &rusqlite::Row<'_>) -> rusqlite::Result<Entry> {
    Ok(Entry {
        seq: r.get(0)?,
        at: r.get(1)?,
        actor: r.get(2)?,
        action: r.get(3)?,
        customer_id: r.get(4)?,
        detail: r.get(5)?,
    })
}
