//! Mutations: every change to customer data, with an id made where the change happens.
//!
//! Applying a mutation records its id in the same transaction; applying it again is a
//! no-op. A mutation naming a merged-away customer lands on the survivor. Updates are
//! last-writer-wins per field: each field remembers the id of the mutation that set it,
//! and UUIDv7 ids order by time with a deterministic tie-break.

use std::collections::BTreeMap;

use crate::db::{OptionalExtension, Transaction, params};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::crypto::Sealer;
use crate::customer::{Contact, Field, MedicalCondition, Profile};
use crate::db::{Db, next_change_seq, resolve_customer};
use crate::error::{Error, Result};
use crate::users::{Permission, Role};

mod history;
mod rows;

use rows::live_customer;
pub(crate) use rows::*;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mutation {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// Who made it: a user name, or a device's name.
    pub actor: String,
    pub op: Op,
}

// A profile is a few hundred bytes inline; mutations are made one at a time, so the
// size difference costs nothing worth an allocation.
#[allow(clippy::large_enum_variant)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    CreateCustomer {
        customer: Uuid,
        profile: Profile,
    },
    /// `None` clears a field.
    UpdateCustomer {
        customer: Uuid,
        changes: BTreeMap<Field, Option<String>>,
    },
    DeleteCustomer {
        customer: Uuid,
    },
    AddMedicalCondition {
        customer: Uuid,
        id: Uuid,
        condition: MedicalCondition,
    },
    AddFlag {
        customer: Uuid,
        id: Uuid,
        kind: String,
        note: Option<String>,
    },
    AddNote {
        customer: Uuid,
        id: Uuid,
        body: String,
    },
    SetContact {
        customer: Uuid,
        contact: Contact,
    },
    RecordService {
        customer: Uuid,
        id: Uuid,
        description: String,
        artist: Option<String>,
        started_at: DateTime<Utc>,
        ended_at: Option<DateTime<Utc>>,
    },
    MergeCustomers {
        target: Uuid,
        duplicates: Vec<Uuid>,
    },
    MarkNotDuplicate {
        a: Uuid,
        b: Uuid,
    },
    /// A session that was started ends.
    EndService {
        customer: Uuid,
        id: Uuid,
        ended_at: DateTime<Utc>,
    },
    /// Staff read the Safety Panel (what it showed: so many flags and medical records)
    /// before starting work.
    AcknowledgeSafety {
        customer: Uuid,
        id: Uuid,
        flags: u32,
        medical: u32,
    },
    /// A release signed at a kiosk; its content carries its own id.
    SignRelease {
        customer: Uuid,
        release: Box<crate::release::ReleaseContent>,
        /// The content's SHA-256 (hex) when it was signed; the store refuses a release whose
        /// content no longer matches it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sha256: Option<String>,
    },
    /// A customer erased, on request or by the retention pass once nothing of theirs is
    /// left to keep (`legal:customer`). The releases in `purge` are past their date and
    /// go; every other release is kept restricted until its date.
    EraseCustomer {
        customer: Uuid,
        reason: crate::retention::Reason,
        #[serde(default)]
        purge: Vec<Uuid>,
        /// The retention pass: the customer's change number when it found them due; if
        /// they changed since (a visit, an edit), they are not erased.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        seen: Option<i64>,
    },
    /// The retention pass: releases (a customer's, or restricted ones of someone erased)
    /// and medical records past their date go (`legal:customer`).
    Expire {
        customer: Uuid,
        #[serde(default)]
        releases: Vec<Uuid>,
        #[serde(default)]
        medical: Vec<Uuid>,
    },
}

impl Op {
    pub fn kind(&self) -> &'static str {
        match self {
            Op::CreateCustomer { .. } => "create_customer",
            Op::UpdateCustomer { .. } => "update_customer",
            Op::DeleteCustomer { .. } => "delete_customer",
            Op::AddMedicalCondition { .. } => "add_medical_condition",
            Op::AddFlag { .. } => "add_flag",
            Op::AddNote { .. } => "add_note",
            Op::SetContact { .. } => "set_contact",
            Op::SignRelease { .. } => "sign_release",
            Op::RecordService { .. } => "record_service",
            Op::MergeCustomers { .. } => "merge_customers",
            Op::MarkNotDuplicate { .. } => "mark_not_duplicate",
            Op::EndService { .. } => "end_service",
            Op::AcknowledgeSafety { .. } => "acknowledge_safety",
            Op::EraseCustomer { .. } => "erase_customer",
            Op::Expire { .. } => "expire",
        }
    }

    /// The customer the mutation is about (a merge: its target).
    pub fn customer(&self) -> Option<Uuid> {
        match self {
            Op::CreateCustomer { customer, .. }
            | Op::UpdateCustomer { customer, .. }
            | Op::DeleteCustomer { customer }
            | Op::AddMedicalCondition { customer, .. }
            | Op::AddFlag { customer, .. }
            | Op::AddNote { customer, .. }
            | Op::SetContact { customer, .. }
            | Op::RecordService { customer, .. }
            | Op::EndService { customer, .. }
            | Op::AcknowledgeSafety { customer, .. }
            | Op::SignRelease { customer, .. }
            | Op::EraseCustomer { customer, .. }
            | Op::Expire { customer, .. } => Some(*customer),
            Op::MergeCustomers { target, .. } => Some(*target),
            Op::MarkNotDuplicate { a, .. } => Some(*a),
        }
    }

    /// Whether someone in `role` may make this change. A lobby kiosk registers customers
    /// and signs releases and nothing else; staff and counters need `write:customer`,
    /// medical records also `medical:customer` (a kiosk files the answers it was given,
    /// without being able to read any back), and merges `merge:customer`.
    pub fn permitted(&self, role: Role, medical: bool) -> std::result::Result<(), Permission> {
        if role == Role::Kiosk {
            return match self {
                Op::CreateCustomer { .. }
                | Op::UpdateCustomer { .. }
                | Op::SetContact { .. }
                | Op::AddMedicalCondition { .. }
                | Op::SignRelease { .. } => Ok(()),
                _ => Err(Permission::WriteCustomer),
            };
        }
        let needs: &[Permission] = match self {
            Op::DeleteCustomer { .. } | Op::MergeCustomers { .. } | Op::MarkNotDuplicate { .. } => {
                &[Permission::MergeCustomer]
            }
            Op::AddMedicalCondition { .. } => {
                &[Permission::WriteCustomer, Permission::MedicalCustomer]
            }
            Op::EraseCustomer { .. } | Op::Expire { .. } => &[Permission::LegalCustomer],
            _ => &[Permission::WriteCustomer],
        };
        for p in needs {
            let held = role.has(*p) || (medical && *p == Permission::MedicalCustomer);
            if !held {
                return Err(*p);
            }
        }
        Ok(())
    }
}

impl Mutation {
    pub fn new(actor: impl Into<String>, op: Op) -> Self {
        Self {
            id: Uuid::now_v7(),
            at: Utc::now(),
            actor: actor.into(),
            op,
        }
    }
}

/// What applying a mutation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    Applied,
    /// Its id was applied before: nothing changed.
    AlreadyApplied,
}

/// Applies `m` in one durable transaction; on a device, the mutation also joins the outbox.
pub fn submit(db: &mut Db, m: &Mutation) -> Result<Applied> {
    Ok(submit_all(db, std::slice::from_ref(m))?[0])
}

/// Applies `ms` in order in one durable transaction: all of them or none. On a device each
/// applied mutation joins the outbox, in the same order.
pub fn submit_all(db: &mut Db, ms: &[Mutation]) -> Result<Vec<Applied>> {
    submit_all_with(db, ms, |_| Ok(()))
}

/// [`submit_all`], with `also` run in the same transaction after the mutations: an error
/// from it stores none of them.
pub fn submit_all_with(
    db: &mut Db,
    ms: &[Mutation],
    also: impl FnOnce(&Transaction<'_>) -> Result<()>,
) -> Result<Vec<Applied>> {
    let outbox = is_device(db.conn())?;
    let (tx, sealer) = db.write_sealed()?;
    let mut results = Vec::with_capacity(ms.len());
    for m in ms {
        let applied = apply(&tx, sealer, m)?;
        if outbox && applied == Applied::Applied {
            crate::sync::paired::queue(&tx, sealer, m)?;
        }
        results.push(applied);
    }
    also(&tx)?;
    tx.commit()?;
    Ok(results)
}

fn is_device(conn: &crate::db::Connection) -> Result<bool> {
    let role: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'sync_role'", [], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(role.as_deref() == Some("device"))
}

/// Records the id; `false` if it was there already.
pub(crate) fn record_id(tx: &Transaction<'_>, id: Uuid, kind: &str, at: &str) -> Result<bool> {
    let inserted = tx
        .prepare_cached(
            "INSERT INTO applied_mutations(id, kind, applied_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
        )?
        .execute(params![id, kind, at])?;
    Ok(inserted == 1)
}

/// Applies `m` inside `tx` (which the caller commits), and writes what it changed to the
/// audit log: a customer's history of changes, whoever made them (a kiosk, the counter, an
/// API client or the console). What changed is named (fields, a flag's kind, a contact's
/// kind), never the values: the log is read by more people than medical details are.
pub fn apply(tx: &Transaction<'_>, sealer: &Sealer, m: &Mutation) -> Result<Applied> {
    let applied = apply_op(tx, sealer, m)?;
    if applied == Applied::Applied
        && let Some((customer, action, detail)) = history::entry(&m.op)
    {
        crate::audit::record(tx, &m.actor, action, Some(customer), &detail)?;
    }
    Ok(applied)
}

fn apply_op(tx: &Transaction<'_>, sealer: &Sealer, m: &Mutation) -> Result<Applied> {
    if !record_id(tx, m.id, m.op.kind(), &crate::time::now())? {
        return Ok(Applied::AlreadyApplied);
    }
    let at = crate::time::format(m.at);
    if let Some(customer) = crate::retention::erased_target(tx, &m.op)? {
        // An erased customer stays erased: what a device made for them before it heard
        // changes nothing, but a release it filed is the shop's to keep, restricted.
        if let Op::SignRelease {
            release, sha256, ..
        } = &m.op
        {
            crate::retention::file_restricted(
                tx,
                sealer,
                customer,
                release,
                sha256.as_deref(),
                &crate::time::now(),
            )?;
        }
        return Ok(Applied::Applied);
    }
    match &m.op {
        Op::EraseCustomer {
            customer,
            reason,
            purge,
            seen,
        } => {
            crate::retention::apply_erase(tx, &m.actor, *customer, *reason, purge, *seen, &at)?;
        }
        Op::Expire {
            customer,
            releases,
            medical,
        } => {
            crate::retention::apply_expire(tx, *customer, releases, medical, &at)?;
        }
        Op::CreateCustomer { customer, profile } => {
            // A create that arrives for an id already merged away, or twice under
            // different mutation ids, must not make a second row.
            if resolve_customer(tx, *customer)? != *customer || exists(tx, *customer)? {
                return Ok(Applied::Applied);
            }
            insert_customer(tx, *customer, profile, &at)?;
        }
        Op::UpdateCustomer { customer, changes } => {
            let id = live_customer(tx, *customer)?;
            update_customer(tx, id, changes, m.id, next_change_seq(tx)?)?;
        }
        Op::DeleteCustomer { customer } => {
            let id = resolve_customer(tx, *customer)?;
            // Signed releases are what the shop must keep: deleting their customer would
            // take them too. (Erasure that keeps what the law asks for is its own work.)
            let releases: i64 = tx
                .prepare_cached("SELECT count(*) FROM releases WHERE customer_id = ?1")?
                .query_row([id], |r| r.get(0))?;
            if releases > 0 {
                return Err(Error::Invalid(format!(
                    "customer {id} has {releases} signed release(s), which the shop must keep: the customer was not deleted"
                )));
            }
            tx.prepare_cached("DELETE FROM customers WHERE id = ?1")?
                .execute([id])?;
        }
        Op::AddMedicalCondition {
            customer,
            id,
            condition,
        } => {
            let cid = live_customer(tx, *customer)?;
            // A returning customer answers the health questions again at a kiosk that
            // cannot read the old answers: the same record is not filed twice.
            if has_condition(tx, sealer, cid, condition)? {
                return Ok(Applied::Applied);
            }
            let sealed = sealer.seal_json(id.as_bytes(), condition);
            tx.prepare_cached(
                "INSERT INTO medical_conditions(id, customer_id, sealed, created_at, created_by)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
            )?
            .execute(params![id, cid, sealed, at, m.actor])?;
            touch(tx, cid, &at)?;
        }
        Op::AddFlag {
            customer,
            id,
            kind,
            note,
        } => {
            let cid = live_customer(tx, *customer)?;
            tx.prepare_cached(
                "INSERT INTO flags(id, customer_id, kind, note, created_at, created_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
            )?
            .execute(params![id, cid, kind, note, at, m.actor])?;
            touch(tx, cid, &at)?;
        }
        Op::AddNote { customer, id, body } => {
            let cid = live_customer(tx, *customer)?;
            tx.prepare_cached(
                "INSERT INTO notes(id, customer_id, body, author, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
            )?
            .execute(params![id, cid, body, m.actor, at])?;
            touch(tx, cid, &at)?;
        }
        Op::SetContact { customer, contact } => {
            let cid = live_customer(tx, *customer)?;
            tx.execute(
                // The later edit wins whatever the order of arrival: UUIDv7 ids order by
                // time, with a deterministic tie-break.
                "INSERT INTO contacts(customer_id, kind, name, phone, relation, updated_at, version)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT(customer_id, kind) DO UPDATE SET
                   name = excluded.name, phone = excluded.phone, relation = excluded.relation,
                   updated_at = excluded.updated_at, version = excluded.version
                 WHERE excluded.version > contacts.version",
                params![
                    cid,
                    contact.kind.as_str(),
                    contact.name,
                    contact.phone,
                    contact.relation,
                    at,
                    m.id
                ],
            )?;
            touch(tx, cid, &at)?;
        }
        Op::RecordService {
            customer,
            id,
            description,
            artist,
            started_at,
            ended_at,
        } => {
            let cid = live_customer(tx, *customer)?;
            tx.prepare_cached(
                "INSERT INTO services(id, customer_id, description, artist, started_at, ended_at, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING")?
                .execute(params![
                    id,
                    cid,
                    description,
                    artist,
                    crate::time::format(*started_at),
                    ended_at.map(crate::time::format),
                    at
                ])?;
            touch(tx, cid, &at)?;
        }
        Op::EndService {
            customer,
            id,
            ended_at,
        } => {
            let cid = live_customer(tx, *customer)?;
            // A later end time never moves back; a session ends once.
            tx.prepare_cached(
                "UPDATE services SET ended_at = ?2 WHERE id = ?1 AND ended_at IS NULL",
            )?
            .execute(params![id, crate::time::format(*ended_at)])?;
            touch(tx, cid, &at)?;
        }
        Op::AcknowledgeSafety {
            customer,
            id,
            flags,
            medical,
        } => {
            let cid = live_customer(tx, *customer)?;
            tx.prepare_cached(
                "INSERT INTO safety_acks(id, customer_id, acknowledged_by, acknowledged_at, flags, medical)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING")?
                .execute(params![id, cid, m.actor, at, flags, medical])?;
            touch(tx, cid, &at)?;
        }
        Op::MergeCustomers { target, duplicates } => {
            crate::duplicates::merge_in(tx, *target, duplicates, &m.actor, &at)?;
        }
        Op::SignRelease {
            customer,
            release,
            sha256,
        } => {
            let cid = live_customer(tx, *customer)?;
            crate::release::apply_signed(tx, sealer, cid, release, sha256.as_deref())?;
            touch(tx, cid, &at)?;
            // The release takes its place in the change sequence: release.signed.
            tx.prepare_cached(
                "UPDATE releases SET change_seq = (SELECT change_seq FROM customers WHERE id = ?2)
                 WHERE id = ?1 AND change_seq = 0",
            )?
            .execute(params![release.release_id, cid])?;
        }
        Op::MarkNotDuplicate { a, b } => {
            let (a, b) = (resolve_customer(tx, *a)?, resolve_customer(tx, *b)?);
            if a == b {
                return Err(Error::Invalid(
                    "a customer cannot be a duplicate of itself".into(),
                ));
            }
            let (lo, hi) = if a < b { (a, b) } else { (b, a) };
            tx.prepare_cached(
                "INSERT INTO not_duplicates(a, b, marked_by, marked_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT DO NOTHING",
            )?
            .execute(params![lo, hi, m.actor, at])?;
        }
    }
    Ok(Applied::Applied)
}

fn has_condition(
    tx: &Transaction<'_>,
    sealer: &Sealer,
    customer: Uuid,
    condition: &MedicalCondition,
) -> Result<bool> {
    let mut stmt =
        tx.prepare_cached("SELECT id, sealed FROM medical_conditions WHERE customer_id = ?1")?;
    let mut rows = stmt.query([customer])?;
    while let Some(row) = rows.next()? {
        let id: Uuid = row.get(0)?;
        let stored: MedicalCondition =
            sealer.open_json(id.as_bytes(), row.get_ref(1)?.as_blob()?)?;
        if &stored == condition {
            return Ok(true);
        }
    }
    Ok(false)
}

/// How many mutations wait in this device's outbox.
pub fn outbox_len(db: &Db) -> Result<i64> {
    Ok(db
        .conn()
        .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))?)
}

/// Marks this database as a device replica (its changes queue for the store) or not.
pub fn set_device_role(db: &Db, device: bool) -> Result<()> {
    db.conn().execute(
        "INSERT INTO meta(key, value) VALUES ('sync_role', ?1)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [if device { "device" } else { "store" }],
    )?;
    Ok(())
}
