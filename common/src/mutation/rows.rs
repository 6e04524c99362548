//! The customer row as mutations write it: whether it is there, the id a change lands on,
//! its place in the change sequence, and the INSERT and UPDATEs that keep its match keys,
//! name keys and per-field versions together.

use std::collections::BTreeMap;

use crate::db::{Transaction, params};
use uuid::Uuid;

use crate::customer::{Field, Profile};
use crate::db::{next_change_seq, resolve_customer};
use crate::error::Result;

/// Whether the customer row `id` is there (no merge followed).
pub(crate) fn exists(conn: &crate::db::Connection, id: Uuid) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM customers WHERE id = ?1)")?
        .query_row([id], |r| r.get(0))?)
}

/// The id a mutation for `id` lands on, which must exist.
pub(super) fn live_customer(tx: &Transaction<'_>, id: Uuid) -> Result<Uuid> {
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
