//! What a paired device may do itself, and what belongs to its store.
//!
//! A device's changes reach the store only through its outbox. A change the store would
//! refuse from this device (a counter may not merge), or that is not a customer change at
//! all (users, devices, webhooks, settings), is refused here before anything is written,
//! with a message that says where to do it. Nothing a person is told is done stays on one
//! device or vanishes at the next pull.

use crate::db::{Connection, Transaction, params};
use serde::Serialize;

use super::{DeviceRole, KEY_DEVICE_ROLE, KEY_MEDICAL, KEY_STORE_URL, meta};
use crate::crypto::Sealer;
use crate::error::{Error, Result};
use crate::mutation::{Mutation, Op};

/// This database's store, if it is a paired device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paired {
    /// The store's address.
    pub store: String,
    pub role: DeviceRole,
    /// Paired to hold medical details (a counter).
    pub medical: bool,
}

/// The pairing, if this database belongs to a paired device (`sync_store_url` is set).
pub fn paired(conn: &Connection) -> Result<Option<Paired>> {
    let Some(store) = meta(conn, KEY_STORE_URL)?.filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    // A device whose role cannot be read is treated as the most limited one.
    let role = meta(conn, KEY_DEVICE_ROLE)?
        .and_then(|r| r.parse().ok())
        .unwrap_or(DeviceRole::Kiosk);
    Ok(Some(Paired {
        store,
        role,
        medical: meta(conn, KEY_MEDICAL)?.as_deref() == Some("1"),
    }))
}

/// Refuses, on a paired device, what only the store does. `what` completes "… on the
/// store", e.g. "webhooks are managed".
pub fn refuse_on_device(conn: &Connection, what: &str) -> Result<()> {
    match paired(conn)? {
        Some(p) => Err(store_only(&p, what)),
        None => Ok(()),
    }
}

/// On a paired device: whether `op` may be queued for the store, which applies it under
/// the device's role; refused (with `what`, as for [`refuse_on_device`]) if the store
/// would refuse it. `Ok(false)`: not a device, nothing to queue.
pub fn queue_or_refuse(conn: &Connection, op: &Op, what: &str) -> Result<bool> {
    let Some(p) = paired(conn)? else {
        return Ok(false);
    };
    match op.permitted(p.role.role(), p.medical) {
        Ok(()) => Ok(true),
        Err(_) => Err(store_only(&p, what)),
    }
}

pub(crate) fn store_only(p: &Paired, what: &str) -> Error {
    Error::StoreOnly {
        what: what.to_string(),
        store: p.store.clone(),
        device: p.role.name(),
    }
}

/// Adds `m` (applied in `tx` already) to the outbox, sealed, in the same transaction.
pub(crate) fn queue(tx: &Transaction<'_>, sealer: &Sealer, m: &Mutation) -> Result<()> {
    tx.prepare_cached("INSERT INTO outbox(mutation_id, sealed, created_at) VALUES (?1, ?2, ?3)")?
        .execute(params![
            m.id,
            sealer.seal_json(m.id.as_bytes(), m),
            crate::time::now()
        ])?;
    Ok(())
}

/// How many mutations of one kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KindCount {
    pub kind: String,
    pub count: i64,
}

/// Mutations the store refused for good, by kind and reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefusedGroup {
    pub kind: String,
    pub reason: String,
    pub count: i64,
    /// When the newest of them was refused.
    pub last_refused_at: String,
}

/// What a device's outbox holds: the kinds of mutations waiting, and those refused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Waiting {
    pub pending: Vec<KindCount>,
    pub refused: Vec<RefusedGroup>,
}

/// The kinds of mutations waiting and refused (every queued mutation was applied here
/// first, so its kind is in `applied_mutations`).
pub fn waiting(conn: &Connection) -> Result<Waiting> {
    let mut stmt = conn.prepare(
        "SELECT coalesce(a.kind, 'unknown'), count(*) FROM outbox o
         LEFT JOIN applied_mutations a ON a.id = o.mutation_id
         GROUP BY 1 ORDER BY 2 DESC, 1",
    )?;
    let pending = stmt
        .query_map([], |r| {
            Ok(KindCount {
                kind: r.get(0)?,
                count: r.get(1)?,
            })
        })?
        .collect::<crate::db::Result<_>>()?;
    let mut stmt = conn.prepare(
        "SELECT coalesce(a.kind, 'unknown'), o.reason, count(*), max(o.rejected_at)
         FROM outbox_rejected o LEFT JOIN applied_mutations a ON a.id = o.mutation_id
         GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2",
    )?;
    let refused = stmt
        .query_map([], |r| {
            Ok(RefusedGroup {
                kind: r.get(0)?,
                reason: r.get(1)?,
                count: r.get(2)?,
                last_refused_at: r.get(3)?,
            })
        })?
        .collect::<crate::db::Result<_>>()?;
    Ok(Waiting { pending, refused })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;
    use crate::sync::set_meta;
    use uuid::Uuid;

    fn device(dir: &std::path::Path, role: &str) -> Db {
        let db = Db::open_dir(dir).unwrap();
        set_meta(db.conn(), KEY_STORE_URL, "https://store.example:8443").unwrap();
        set_meta(db.conn(), KEY_DEVICE_ROLE, role).unwrap();
        set_meta(db.conn(), "sync_role", "device").unwrap();
        db
    }

    #[test]
    fn a_store_refuses_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open_dir(dir.path()).unwrap();
        assert!(paired(db.conn()).unwrap().is_none());
        refuse_on_device(db.conn(), "webhooks are managed").unwrap();
        let merge = Op::MergeCustomers {
            target: Uuid::now_v7(),
            duplicates: vec![Uuid::now_v7()],
        };
        assert!(!queue_or_refuse(db.conn(), &merge, "merges are decided").unwrap());
    }

    #[test]
    fn a_device_says_where_to_go() {
        let dir = tempfile::tempdir().unwrap();
        let db = device(dir.path(), "counter");
        let err = refuse_on_device(db.conn(), "webhooks are managed")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("webhooks are managed on the store")
                && err.contains("https://store.example:8443"),
            "{err}"
        );
        let merge = Op::MergeCustomers {
            target: Uuid::now_v7(),
            duplicates: vec![Uuid::now_v7()],
        };
        let err = queue_or_refuse(db.conn(), &merge, "merges are decided")
            .unwrap_err()
            .to_string();
        assert!(err.contains("merges are decided on the store"), "{err}");
        let note = Op::AddNote {
            customer: Uuid::now_v7(),
            id: Uuid::now_v7(),
            body: "x".into(),
        };
        assert!(queue_or_refuse(db.conn(), &note, "notes are added").unwrap());
    }
}
