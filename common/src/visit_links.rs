//! Web Sign links for one visit: staff make one for a customer on file, or for someone new
//! by the name they typed, and the customer opens `https://STORE/sign/v/TOKEN` on their own
//! phone. A link is used once, expires (72 hours by default, 14 days at most) and can be
//! revoked. The token (256 random bits) is shown once and kept only as its SHA-256.
//!
//! Making, listing and revoking need `invite:customer` and are audited; using a link marks
//! it used in the transaction that stores the registration (see [`mark_used`]).

use crate::db::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;
use uuid::Uuid;

use crate::audit;
use crate::db::{Db, resolve_customer};
use crate::error::{Error, Result};
use crate::sync::token_hash;
use crate::users::{Actor, Permission};

/// How long a link lasts when no other time is asked for.
pub const DEFAULT_HOURS: u32 = 72;
/// The longest a link may last: 14 days.
pub const MAX_HOURS: u32 = 14 * 24;
/// The longest name staff may type for the customer (as every name field).
pub const NAME_MAX: usize = 100;
/// A token's length: 32 bytes in URL-safe base64 without padding.
const TOKEN_LEN: usize = 43;

/// A link as listed (never with its token).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct VisitLink {
    pub id: Uuid,
    /// The customer on file it is for, if any.
    pub customer_id: Option<Uuid>,
    /// The name staff typed, if any.
    pub name: Option<String>,
    pub made_by: String,
    pub made_at: String,
    pub expires_at: String,
    pub used_at: Option<String>,
    /// The release signed through it.
    pub release_id: Option<Uuid>,
    pub revoked_at: Option<String>,
    /// `open`, `used`, `revoked` or `expired`.
    pub state: String,
}

/// A link just made: the token is shown to staff once and never stored.
#[derive(Debug, Clone)]
pub struct Made {
    pub link: VisitLink,
    pub token: String,
}

/// What an open link binds a Web Sign visit to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    pub id: Uuid,
    pub customer_id: Option<Uuid>,
    /// The first word of the name staff typed, to greet the customer with; nothing else
    /// on file is ever shown.
    pub greeting: Option<String>,
}

/// The address of a link: the shop's Web Sign address (`https://STORE/sign`) and the token.
pub fn url(sign_address: &str, token: &str) -> String {
    format!("{}/v/{token}", sign_address.trim_end_matches('/'))
}

fn new_token() -> Result<String> {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::Invalid(format!("the system's random source failed: {e}")))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// Makes a link for `customer` (on file) or `name` (someone new; with a customer, only a
/// greeting), good for `hours`. Needs `invite:customer`; audited.
pub fn make(
    db: &mut Db,
    by: &Actor,
    customer: Option<Uuid>,
    name: Option<&str>,
    hours: u32,
) -> Result<Made> {
    by.require(Permission::InviteCustomer)?;
    let name = name
        .map(|n| crate::normalize::clean_text(n).into_owned())
        .filter(|n| !n.is_empty());
    if let Some(n) = &name
        && n.chars().count() > NAME_MAX
    {
        return Err(Error::Invalid(format!(
            "name: at most {NAME_MAX} characters (this one has {})",
            n.chars().count()
        )));
    }
    if customer.is_none() && name.is_none() {
        return Err(Error::Invalid(
            "a link is for a customer on file (their id) or for someone new (their name): give one"
                .into(),
        ));
    }
    if !(1..=MAX_HOURS).contains(&hours) {
        return Err(Error::Invalid(format!(
            "hours: from 1 to {MAX_HOURS} (14 days), not {hours}"
        )));
    }
    let token = new_token()?;
    let id = Uuid::now_v7();
    let now = chrono::Utc::now();
    let (made_at, expires_at) = (
        crate::time::format(now),
        crate::time::format(now + chrono::Duration::hours(i64::from(hours))),
    );
    let tx = db.write()?;
    let customer = match customer {
        Some(c) => {
            let c = resolve_customer(&tx, c)?;
            crate::customers::get(&tx, c)?;
            Some(c)
        }
        None => None,
    };
    tx.execute(
        "INSERT INTO visit_links(token_hash, id, customer_id, name, made_by, made_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            token_hash(&token),
            id.to_string(),
            customer.map(|c| c.to_string()),
            name,
            by.name,
            made_at,
            expires_at
        ],
    )?;
    let whom = match (&customer, &name) {
        (Some(_), _) => "the customer".to_owned(),
        // Not the name: the log outlives an erasure of whoever it was.
        (None, Some(_)) => "someone new".to_owned(),
        (None, None) => String::new(),
    };
    audit::record(
        &tx,
        &by.name,
        "web_sign.link",
        customer,
        &format!("Web Sign link {id} for {whom}, until {expires_at}"),
    )?;
    let link = find(&tx, &id.to_string())?.ok_or(Error::LinkUnusable)?;
    tx.commit()?;
    Ok(Made { link, token })
}

const COLUMNS: &str =
    "id, customer_id, name, made_by, made_at, expires_at, used_at, release_id, revoked_at";

fn row(r: &crate::db::Row<'_>) -> crate::db::Result<[Option<String>; 9]> {
    let mut cols: [Option<String>; 9] = Default::default();
    for (i, c) in cols.iter_mut().enumerate() {
        *c = r.get(i)?;
    }
    Ok(cols)
}

fn link_of(cols: [Option<String>; 9], now: &str) -> Result<VisitLink> {
    let [
        id,
        customer,
        name,
        made_by,
        made_at,
        expires_at,
        used_at,
        release,
        revoked_at,
    ] = cols;
    let uuid = |v: Option<String>| -> Result<Option<Uuid>> {
        v.map(|s| {
            Uuid::parse_str(&s).map_err(|e| Error::Invalid(format!("stored link id {s:?}: {e}")))
        })
        .transpose()
    };
    let expires_at = expires_at.unwrap_or_default();
    let state = if used_at.is_some() {
        "used"
    } else if revoked_at.is_some() {
        "revoked"
    } else if expires_at.as_str() <= now {
        "expired"
    } else {
        "open"
    };
    Ok(VisitLink {
        id: uuid(id)?.unwrap_or_default(),
        customer_id: uuid(customer)?,
        name,
        made_by: made_by.unwrap_or_default(),
        made_at: made_at.unwrap_or_default(),
        expires_at,
        used_at,
        release_id: uuid(release)?,
        revoked_at,
        state: state.to_owned(),
    })
}

fn find(conn: &Connection, id: &str) -> Result<Option<VisitLink>> {
    let cols = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM visit_links WHERE id = ?1"))?
        .query_row([id], row)
        .optional()?;
    cols.map(|c| link_of(c, &crate::time::now())).transpose()
}

/// Every link, newest first. Needs `invite:customer`; audited.
pub fn list(db: &mut Db, by: &Actor) -> Result<Vec<VisitLink>> {
    by.require(Permission::InviteCustomer)?;
    let tx = db.write()?;
    let now = crate::time::now();
    let list = {
        let mut stmt = tx.prepare(&format!(
            "SELECT {COLUMNS} FROM visit_links ORDER BY made_at DESC, id DESC"
        ))?;
        let rows = stmt.query_map([], row)?;
        rows.map(|r| link_of(r?, &now))
            .collect::<Result<Vec<_>>>()?
    };
    audit::record(
        &tx,
        &by.name,
        "web_sign.links",
        None,
        &format!("{} Web Sign links listed", list.len()),
    )?;
    tx.commit()?;
    Ok(list)
}

/// Revokes the one link whose id starts with `id_prefix` (at least 4 characters). A link
/// already used, revoked or expired is left as it is. Needs `invite:customer`; audited.
pub fn revoke(db: &mut Db, by: &Actor, id_prefix: &str) -> Result<VisitLink> {
    by.require(Permission::InviteCustomer)?;
    let prefix = id_prefix.trim().to_ascii_lowercase();
    if prefix.len() < 4 || !prefix.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Err(Error::Invalid(format!(
            "link id {id_prefix:?}: give the id, or at least its first 4 characters, as `web-sign links` shows it"
        )));
    }
    let tx = db.write()?;
    let ids: Vec<String> = {
        let mut stmt =
            tx.prepare("SELECT id FROM visit_links WHERE substr(id, 1, ?2) = ?1 LIMIT 2")?;
        let rows = stmt.query_map(params![prefix, prefix.len() as i64], |r| r.get(0))?;
        rows.collect::<crate::db::Result<_>>()?
    };
    let id = match ids.as_slice() {
        [one] => one.clone(),
        [] => return Err(Error::LinkNotFound(id_prefix.trim().to_owned())),
        _ => {
            return Err(Error::Invalid(format!(
                "link id {id_prefix:?} matches more than one link: give more of it"
            )));
        }
    };
    let now = crate::time::now();
    let ended = tx.execute(
        "UPDATE visit_links SET revoked_at = ?1, revoked_by = ?2
         WHERE id = ?3 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?1",
        params![now, by.name, id],
    )?;
    let link = find(&tx, &id)?.ok_or_else(|| Error::LinkNotFound(id.clone()))?;
    if ended == 1 {
        audit::record(
            &tx,
            &by.name,
            "web_sign.revoke",
            link.customer_id,
            &format!("revoked Web Sign link {id}"),
        )?;
    }
    tx.commit()?;
    Ok(link)
}

/// The visit an open link's `token` starts: `None` for a token that is unknown, used,
/// revoked or expired, alike.
pub fn open(conn: &Connection, token: &str) -> Result<Option<Visit>> {
    let well_formed = token.len() == TOKEN_LEN
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !well_formed {
        return Ok(None);
    }
    usable(conn, "token_hash", &token_hash(token))
}

/// Takes a Web Sign draft's `nonce` for the submit being stored in `tx`, forgetting those
/// past their time: `false` when a submit took it already, in this store process or
/// another on the same database (the form sent twice, or replayed).
pub fn claim_submit(tx: &Transaction<'_>, nonce: &str, until: i64, now: i64) -> Result<bool> {
    // Kept an hour past its time, so a store process whose clock runs ahead does not forget
    // a nonce another, behind it, would still take.
    tx.prepare_cached("DELETE FROM web_sign_submitted WHERE until < ?1")?
        .execute([now - 3600])?;
    let claimed = tx
        .prepare_cached(
            "INSERT INTO web_sign_submitted(nonce, until) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        )?
        .execute(params![nonce, until])?;
    Ok(claimed == 1)
}

/// The visit of link `id` if it can still be used (at the submit, which may come hours
/// after the opening).
pub fn still_open(conn: &Connection, id: Uuid) -> Result<Option<Visit>> {
    usable(conn, "id", &id.to_string())
}

fn usable(conn: &Connection, by: &str, key: &str) -> Result<Option<Visit>> {
    let found: Option<(String, Option<String>, Option<String>)> = conn
        .prepare_cached(&format!(
            "SELECT id, customer_id, name FROM visit_links
             WHERE {by} = ?1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?2"
        ))?
        .query_row(params![key, crate::time::now()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let Some((id, customer, name)) = found else {
        return Ok(None);
    };
    let parse = |s: &str| {
        Uuid::parse_str(s).map_err(|e| Error::Invalid(format!("stored link id {s:?}: {e}")))
    };
    Ok(Some(Visit {
        id: parse(&id)?,
        customer_id: customer.as_deref().map(parse).transpose()?,
        greeting: name.and_then(|n| n.split_whitespace().next().map(str::to_owned)),
    }))
}

/// Marks link `id` used by `release`, for `customer`, inside the transaction that stores
/// the registration; [`Error::LinkUnusable`] (and so no registration) when it was used,
/// revoked or expired meanwhile.
pub fn mark_used(tx: &Transaction<'_>, id: Uuid, release: Uuid, customer: Uuid) -> Result<()> {
    let now = crate::time::now();
    let marked = tx
        .prepare_cached(
            "UPDATE visit_links SET used_at = ?1, release_id = ?2
             WHERE id = ?3 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?1",
        )?
        .execute(params![now, release.to_string(), id.to_string()])?;
    if marked != 1 {
        return Err(Error::LinkUnusable);
    }
    audit::record(
        tx,
        "web-sign",
        "web_sign.link_used",
        Some(customer),
        &format!("Web Sign link {id} signed release {release}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_links_address_is_the_sign_address_and_the_token() {
        assert_eq!(
            url("https://ink.example/sign/", "abc"),
            "https://ink.example/sign/v/abc"
        );
        assert_eq!(
            url("https://ink.example/sign", "abc"),
            "https://ink.example/sign/v/abc"
        );
    }
}
