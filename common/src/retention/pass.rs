//! The retention pass: what passed its date under the shop's policy is deleted for good,
//! as mutations (so devices and webhooks hear of it), and summarised in the audit log by
//! counts only.
//!
//! - A release goes at its date ([`Retention::release_due`]): a live customer's, or a
//!   restricted one of someone erased.
//! - A medical record goes once its customer keeps no release and it is older than a
//!   release's period.
//! - A customer goes (erased, reason `retention`) once no release of theirs is kept and
//!   their last visit is older than [`Retention::customer_years`].
//! - Audit log entries older than [`Retention::audit_years`] go.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::Reason;
use crate::db::{Connection, Db, params};
use crate::error::Result;
use crate::mutation::{Mutation, Op};
use crate::settings::{Retention, birthdate};
use crate::users::{Actor, Permission};

/// Who the pass's mutations and audit entries are by.
pub const ACTOR: &str = "retention";
/// The meta key holding when the daily pass last ran.
const LAST_RUN: &str = "retention_last_run";
/// Mutations per write transaction: the lock is let go between batches.
const BATCH: usize = 250;

/// What a pass deletes (or, dry, would delete): counts only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Releases (with their signatures and health answers), of customers still here and of
    /// those erased with them.
    pub releases: usize,
    /// Restricted releases of erased customers.
    pub restricted_releases: usize,
    pub medical_records: usize,
    pub customers: usize,
    pub audit_entries: usize,
    pub dry_run: bool,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} release(s), {} restricted release(s), {} medical record(s), {} customer(s) and {} audit entrie(s)",
            if self.dry_run {
                "would delete"
            } else {
                "deleted"
            },
            self.releases,
            self.restricted_releases,
            self.medical_records,
            self.customers,
            self.audit_entries
        )
    }
}

/// What is due, worked out from one snapshot.
#[derive(Debug, Default)]
struct Plan {
    /// A live customer's releases and medical records.
    expire: BTreeMap<Uuid, (Vec<Uuid>, Vec<Uuid>)>,
    /// An erased customer's restricted releases.
    restricted: BTreeMap<Uuid, Vec<Uuid>>,
    /// Customers with nothing left to keep, with every release they still have and their
    /// change number when seen.
    erase: BTreeMap<Uuid, (Vec<Uuid>, i64)>,
    audit_before: String,
    audit_entries: usize,
}

/// Runs the pass as of `now` for `actor` (`legal:customer`); with `dry_run`, only counts.
pub fn run(
    db: &mut Db,
    actor: &Actor,
    policy: &Retention,
    adult_age: u32,
    now: DateTime<Utc>,
    dry_run: bool,
) -> Result<Summary> {
    actor.require(Permission::LegalCustomer)?;
    crate::sync::refuse_on_device(db.conn(), "the retention pass runs")?;
    let plan = plan(db, policy, adult_age, now)?;
    let mut summary = Summary {
        releases: plan.expire.values().map(|(r, _)| r.len()).sum::<usize>()
            + plan.erase.values().map(|(r, _)| r.len()).sum::<usize>(),
        restricted_releases: plan.restricted.values().map(Vec::len).sum(),
        medical_records: plan.expire.values().map(|(_, m)| m.len()).sum(),
        customers: plan.erase.len(),
        audit_entries: plan.audit_entries,
        dry_run,
    };
    if dry_run {
        return Ok(summary);
    }
    let at = |m: Mutation| Mutation { at: now, ..m };
    let mut ms: Vec<Mutation> = Vec::new();
    for (customer, (releases, seen)) in &plan.erase {
        ms.push(at(Mutation::new(
            ACTOR,
            Op::EraseCustomer {
                customer: *customer,
                reason: Reason::Retention,
                purge: releases.clone(),
                seen: Some(*seen),
            },
        )));
    }
    for (customer, (releases, medical)) in &plan.expire {
        ms.push(at(Mutation::new(
            ACTOR,
            Op::Expire {
                customer: *customer,
                releases: releases.clone(),
                medical: medical.clone(),
            },
        )));
    }
    for (customer, releases) in &plan.restricted {
        ms.push(at(Mutation::new(
            ACTOR,
            Op::Expire {
                customer: *customer,
                releases: releases.clone(),
                medical: Vec::new(),
            },
        )));
    }
    for batch in ms.chunks(BATCH) {
        crate::mutation::submit_all(db, batch)?;
    }
    // Someone who came back between the plan and their erasure was not erased.
    let erased: Vec<super::log::Entry> = plan
        .erase
        .keys()
        .filter_map(|id| match super::erased(db.conn(), *id) {
            Ok(Some((at, reason))) => Some(Ok((*id, at, reason))),
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        })
        .collect::<Result<_>>()?;
    summary.customers = erased.len();
    let tx = db.write()?;
    tx.execute(
        "INSERT INTO meta(key, value) VALUES ('audit_kept_from', ?1)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value WHERE excluded.value > meta.value",
        [&plan.audit_before],
    )?;
    summary.audit_entries =
        tx.execute("DELETE FROM audit_log WHERE at < ?1", [&plan.audit_before])?;
    crate::audit::record(
        &tx,
        &actor.name,
        "retention.run",
        None,
        &summary.to_string(),
    )?;
    tx.commit()?;
    super::log::append(db, &erased)?;
    db.empty_wal();
    Ok(summary)
}

/// The store's daily pass, by the system itself: run when it has not run in the last 23
/// hours, claimed in the database so that of several store processes on one database one
/// runs it. `None` when it was not due. A pass that fails gives its claim back, so it runs
/// again at the next look rather than a day later.
pub fn run_daily(
    db: &mut Db,
    policy: &Retention,
    adult_age: u32,
    now: DateTime<Utc>,
) -> Result<Option<Summary>> {
    if !claim_daily(db, now)? {
        return Ok(None);
    }
    let actor = Actor {
        name: ACTOR.into(),
        role: crate::users::Role::Owner,
    };
    match run(db, &actor, policy, adult_age, now, false) {
        Ok(summary) => Ok(Some(summary)),
        Err(e) => {
            let _ = unclaim_daily(db, now);
            Err(e)
        }
    }
}

/// Whether the daily pass is due, claimed for this process when it is.
fn claim_daily(db: &mut Db, now: DateTime<Utc>) -> Result<bool> {
    let since = crate::time::format(now - chrono::Duration::hours(23));
    let tx = db.write()?;
    let claimed = tx.execute(
        "INSERT INTO meta(key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value WHERE meta.value < ?3",
        params![LAST_RUN, crate::time::format(now), since],
    )?;
    tx.commit()?;
    Ok(claimed == 1)
}

/// Gives back the claim [`claim_daily`] made at `now`.
fn unclaim_daily(db: &mut Db, now: DateTime<Utc>) -> Result<()> {
    let tx = db.write()?;
    tx.execute(
        "DELETE FROM meta WHERE key = ?1 AND value = ?2",
        params![LAST_RUN, crate::time::format(now)],
    )?;
    tx.commit()?;
    Ok(())
}

fn plan(db: &Db, policy: &Retention, adult_age: u32, now: DateTime<Utc>) -> Result<Plan> {
    let conn = db.conn();
    let tx = conn.begin_read()?;
    let mut plan = Plan {
        audit_before: crate::time::format(policy.audit_cutoff(now)),
        ..Plan::default()
    };
    let due = |signed: &str, born: Option<chrono::NaiveDate>| {
        super::kept_until(policy, signed, born, adult_age) <= now
    };
    // Releases, and how many each customer keeps.
    let mut keeps: HashMap<Uuid, usize> = HashMap::new();
    let mut all: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    {
        let mut stmt = tx.prepare(
            "SELECT r.id, r.customer_id, r.signed_at, c.birthdate
             FROM releases r JOIN customers c ON c.id = r.customer_id",
        )?;
        let mut sealed = tx.prepare("SELECT sealed FROM releases WHERE id = ?1")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let (id, customer): (Uuid, Uuid) = (r.get(0)?, r.get(1)?);
            let signed: String = r.get(2)?;
            let stored: Option<String> = r.get(3)?;
            let born = match birthdate(stored.as_deref()) {
                Some(b) => Some(b),
                // No birthdate on file any more: the one the release was signed with.
                None => {
                    let content: Vec<u8> = sealed.query_row([id], |r| r.get(0))?;
                    super::restricted::signed_birthdate(db, id, &content)
                }
            };
            all.entry(customer).or_default().push(id);
            if due(&signed, born) {
                plan.expire.entry(customer).or_default().0.push(id);
            } else {
                *keeps.entry(customer).or_default() += 1;
            }
        }
    }
    // Restricted releases: the birthdate is the one they were signed with.
    {
        let mut stmt =
            tx.prepare("SELECT id, customer_id, signed_at, sealed FROM restricted_releases")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let (id, customer): (Uuid, Uuid) = (r.get(0)?, r.get(1)?);
            let signed: String = r.get(2)?;
            let born = super::restricted::signed_birthdate(db, id, r.get_ref(3)?.as_blob()?);
            if due(&signed, born) {
                plan.restricted.entry(customer).or_default().push(id);
            }
        }
    }
    // Customers with nothing kept whose last visit is long enough ago.
    let visits = last_visits(&tx)?;
    let seqs = change_seqs(&tx)?;
    for (customer, last) in visits {
        if keeps.contains_key(&customer) {
            continue;
        }
        let last = crate::time::parse(&last).unwrap_or(now);
        if policy.customer_due(last) <= now {
            plan.expire.remove(&customer);
            let seen = seqs.get(&customer).copied().unwrap_or(i64::MAX);
            plan.erase
                .insert(customer, (all.remove(&customer).unwrap_or_default(), seen));
        }
    }
    // Medical records of customers who keep no release, older than a release's period.
    {
        let mut stmt = tx.prepare("SELECT id, customer_id, created_at FROM medical_conditions")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let (id, customer): (Uuid, Uuid) = (r.get(0)?, r.get(1)?);
            let created: String = r.get(2)?;
            if keeps.contains_key(&customer) || plan.erase.contains_key(&customer) {
                continue;
            }
            let created = crate::time::parse(&created).unwrap_or(now);
            if crate::settings::add_years(created, policy.release_years) <= now {
                plan.expire.entry(customer).or_default().1.push(id);
            }
        }
    }
    let entries: i64 = tx.query_row(
        "SELECT count(*) FROM audit_log WHERE at < ?1",
        [&plan.audit_before],
        |r| r.get(0),
    )?;
    plan.audit_entries = usize::try_from(entries).unwrap_or(0);
    tx.commit()?;
    Ok(plan)
}

/// Each customer's change number: an erasure planned from it does nothing if it moved.
fn change_seqs(conn: &Connection) -> Result<HashMap<Uuid, i64>> {
    let mut stmt = conn.prepare("SELECT id, change_seq FROM customers")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<crate::db::Result<_>>()?)
}

/// Each customer's last visit: the latest of when they were added, signed a release, had
/// a service, or had their Safety Panel read.
fn last_visits(conn: &Connection) -> Result<HashMap<Uuid, String>> {
    let mut last: HashMap<Uuid, String> = HashMap::new();
    for sql in [
        "SELECT id, created_at FROM customers",
        "SELECT customer_id, max(signed_at) FROM releases GROUP BY customer_id",
        "SELECT customer_id, max(started_at) FROM services GROUP BY customer_id",
        "SELECT customer_id, max(acknowledged_at) FROM safety_acks GROUP BY customer_id",
    ] {
        let mut stmt = conn.prepare(sql)?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let (id, at): (Uuid, Option<String>) = (r.get(0)?, r.get(1)?);
            let Some(at) = at else { continue };
            match last.get_mut(&id) {
                Some(seen) if *seen >= at => {}
                Some(seen) => *seen = at,
                None => {
                    last.insert(id, at);
                }
            }
        }
    }
    Ok(last)
}
