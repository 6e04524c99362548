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

/// Whether the customer row `id` is there (no merge followed).
pub(crate) fn exists(conn: &crate::db::Connection, id: Uuid) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM customers WHERE id = ?1)")?
        .query_row([id], |r| r.get(0))?)
}

/// The id a mutation for `id` lands on, which must exist.
fn live_customer(tx: &Transaction<'_>, id: Uuid) -> Result<Uuid> {
    let resolved = resolve_customer(tx, id)?;
    if exists(tx, resolved)? {
        Ok(resolved)
    } else {
        Err(crate::retention::missing(tx, id))
    }
}

/// Moves the customer into the change sequence (devices pull them again, webhooks hear
/// of it), with `at` as their last change unless a later one is recorded.
pub(crate) fn touch(tx: &Transaction<'_>, id: Uuid, at: &str) -> Result<()> {
    let seq = next_change_seq(tx)?;
    tx.prepare_cached(
        "UPDATE customers SET updated_at = CASE WHEN updated_at > ?2 THEN updated_at ELSE ?2 END,
           change_seq = ?3 WHERE id = ?1",
    )?
    .execute(params![id, at, seq])?;
    Ok(())
}

/// The INSERT for a new customer row; its parameters come from [`customer_params`].
pub(crate) const INSERT_CUSTOMER: &str = "INSERT INTO customers(
    id, first_name, middle_name, last_name, nickname, email, phone, birthdate, gender,
    street, street2, city, state, postal_code, country, occupation, notes, company,
    reference_id, status, opt_in, membership_number, email_key, phone_key, last_name_key,
    created_at, updated_at, change_seq, created_seq, sort_last, sort_first, search_name)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
            ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?26, ?27, ?27, ?28, ?29, ?30)
    RETURNING rowid";

/// The folded keys a customer is sorted and searched by (`sort_last`, `sort_first`,
/// `search_name`), worked out here rather than by the database.
fn name_keys(profile: &Profile) -> [String; 3] {
    use crate::normalize::{search_key, search_name};
    let (first, last) = (profile.get(Field::FirstName), profile.get(Field::LastName));
    [
        last.map(search_key).unwrap_or_default(),
        first.map(search_key).unwrap_or_default(),
        search_name(first, last, profile.get(Field::Nickname)),
    ]
}

pub(crate) fn insert_customer(
    tx: &Transaction<'_>,
    id: Uuid,
    profile: &Profile,
    at: &str,
) -> Result<()> {
    let seq = next_change_seq(tx)?;
    let keys = profile.keys(crate::phone_keys::region(tx)?);
    insert_customer_keyed(tx, id, profile, &keys, at, seq)?;
    Ok(())
}

/// Inserts a customer whose match keys are already worked out; the row's `rowid`.
pub(crate) fn insert_customer_keyed(
    tx: &Transaction<'_>,
    id: Uuid,
    profile: &Profile,
    keys: &crate::customer::MatchKeys,
    at: &str,
    seq: i64,
) -> Result<i64> {
    let mut stmt = tx.prepare_cached(INSERT_CUSTOMER)?;
    let mut values: Vec<&dyn crate::db::ToSql> = Vec::with_capacity(30);
    values.push(&id);
    let fields: Vec<Option<&str>> = Field::ALL.iter().map(|f| profile.get(*f)).collect();
    for v in &fields {
        values.push(v);
    }
    let names = name_keys(profile);
    values.push(&keys.email);
    values.push(&keys.phone);
    values.push(&keys.last_name);
    values.push(&at);
    values.push(&seq);
    values.extend(names.iter().map(|k| k as &dyn crate::db::ToSql));
    Ok(stmt.query_row(values.as_slice(), |r| r.get(0))?)
}

/// The UPDATE [`update_customer_versioned`] runs: `?1` the id, then every profile field in
/// [`Field::ALL`] order, then the keys, versions, time and change sequence, then the name
/// keys ([`name_keys`]).
///
/// A stored number that does not read in the shop's region (one kept by the region's
/// recompute) keeps its key while the number stays the same: an edit of another field
/// never drops it. (The right-hand side sees the row as it was.)
static UPDATE_CUSTOMER: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let assignments: Vec<String> = Field::ALL
        .iter()
        .enumerate()
        .map(|(i, f)| format!("{} = ?{}", f.db_column(), i + 2))
        .collect();
    let n = Field::COUNT + 1;
    let phone = Field::PhoneNumber.index() + 2;
    format!(
        "UPDATE customers SET {}, email_key = ?{},
         phone_key = COALESCE(?{}, CASE WHEN phone IS NOT DISTINCT FROM ?{phone} THEN phone_key END),
         last_name_key = ?{}, versions = ?{}, updated_at = ?{}, change_seq = ?{},
         sort_last = ?{}, sort_first = ?{}, search_name = ?{} WHERE id = ?1",
        assignments.join(", "),
        n + 1,
        n + 2,
        n + 3,
        n + 4,
        n + 5,
        n + 6,
        n + 7,
        n + 8,
        n + 9
    )
});

/// Applies field changes under last-writer-wins; returns whether any value changed.
pub(crate) fn update_customer(
    tx: &Transaction<'_>,
    id: Uuid,
    changes: &BTreeMap<Field, Option<String>>,
    mutation: Uuid,
    seq: i64,
) -> Result<bool> {
    let versioned: Vec<(Field, Option<String>, Uuid)> = changes
        .iter()
        .map(|(f, v)| (*f, v.clone(), mutation))
        .collect();
    update_customer_versioned(tx, id, &versioned, seq)
}

/// The id of the mutation that last set each field (fields set at creation have none).
pub(crate) fn field_versions(tx: &Transaction<'_>, id: Uuid) -> Result<BTreeMap<Field, Uuid>> {
    let versions: Option<String> = tx
        .prepare_cached("SELECT versions FROM customers WHERE id = ?1")?
        .query_row([id], |r| r.get(0))?;
    Ok(versions
        .as_deref()
        .and_then(|v| serde_json::from_str(v).ok())
        .unwrap_or_default())
}

/// Like [`update_customer`], with a version of its own for each change: a merge copies a
/// duplicate's value together with the version it had there.
pub(crate) fn update_customer_versioned(
    tx: &Transaction<'_>,
    id: Uuid,
    changes: &[(Field, Option<String>, Uuid)],
    seq: i64,
) -> Result<bool> {
    let (versions, current): (Option<String>, Profile) = {
        let mut stmt = tx.prepare_cached(&format!(
            "SELECT versions, {} FROM customers WHERE id = ?1",
            *crate::customers::PROFILE_COLUMNS
        ))?;
        stmt.query_row([id], |r| {
            Ok((r.get(0)?, crate::customers::profile_from_row(r, 1)?))
        })?
    };
    let mut versions: BTreeMap<Field, Uuid> = versions
        .as_deref()
        .and_then(|v| serde_json::from_str(v).ok())
        .unwrap_or_default();
    let mut next = current.clone();
    let mut versions_moved = false;
    for (field, value, version) in changes {
        if versions.get(field).is_some_and(|v| v > version) {
            continue; // a later edit of this field already won
        }
        // The version moves even when the value stays: an older edit arriving later must
        // lose here exactly as it loses wherever this one arrived first.
        versions_moved |= versions.insert(*field, *version) != Some(*version);
        next.set_str(*field, value.as_deref());
    }
    let values_changed = next != current;
    if !values_changed && !versions_moved {
        return Ok(false);
    }
    let versions_json = serde_json::to_string(&versions).expect("versions serialise");
    overwrite_customer(
        tx,
        id,
        &next,
        Some(&versions_json),
        &crate::time::now(),
        seq,
    )?;
    Ok(values_changed)
}

/// Sets every field, the versions and the times as given: a device taking the store's copy.
pub(crate) fn overwrite_customer(
    tx: &Transaction<'_>,
    id: Uuid,
    profile: &Profile,
    versions: Option<&str>,
    updated_at: &str,
    seq: i64,
) -> Result<()> {
    let keys = profile.keys(crate::phone_keys::region(tx)?);
    let fields: Vec<Option<&str>> = Field::ALL.iter().map(|f| profile.get(*f)).collect();
    let mut values: Vec<&dyn crate::db::ToSql> = vec![&id];
    for v in &fields {
        values.push(v);
    }
    let names = name_keys(profile);
    values.extend([
        &keys.email as &dyn crate::db::ToSql,
        &keys.phone,
        &keys.last_name,
        &versions,
        &updated_at,
        &seq,
        &names[0],
        &names[1],
        &names[2],
    ]);
    tx.prepare_cached(&UPDATE_CUSTOMER)?
        .execute(values.as_slice())?;
    Ok(())
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
