//! Looking after users: the list with sign-in state, changing a PIN, disabling and enabling.
//! Every change is audited, and refused on a device paired with a store (its users are the
//! store's, replaced at the next pull).

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use uuid::Uuid;

use super::{Actor, Permission, Role, pin, refuse_on_device, sign_in};
use crate::audit;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::throttle;

/// A user as `user list` shows them (never with the PIN hash).
#[derive(Debug, Clone, Serialize)]
pub struct UserStatus {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: String,
    pub last_sign_in_at: Option<String>,
    pub pin_changed_at: Option<String>,
    /// Wrong PINs counted against the name (within the last day).
    pub failures: u32,
    /// Sign-in refused until then, when the name is locked.
    pub locked_until: Option<String>,
}

/// Every user, disabled ones included, by name.
pub fn list(conn: &Connection) -> Result<Vec<UserStatus>> {
    list_at(conn, Utc::now())
}

/// [`list`], with lock states as at `now`.
pub fn list_at(conn: &Connection, now: DateTime<Utc>) -> Result<Vec<UserStatus>> {
    let mut stmt = conn.prepare(
        "SELECT id, name, role, disabled, created_at, last_sign_in_at, pin_changed_at
         FROM users ORDER BY name",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, Uuid>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, bool>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<String>>(6)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(
            |(id, name, role, disabled, created_at, last_sign_in_at, pin_changed_at)| {
                // The name's lock over the network, or at the command line: whichever
                // holds more failures.
                let network = throttle::state(conn, &sign_in::name_key(&name), now)?;
                let cli = throttle::state(conn, &sign_in::cli_name_key(&name), now)?;
                let state = match (network, cli) {
                    (Some(a), Some(b)) => Some(if b.failures > a.failures { b } else { a }),
                    (a, b) => a.or(b),
                };
                Ok(UserStatus {
                    id,
                    role: role
                        .parse()
                        .map_err(|e: String| Error::Invalid(format!("stored role: {e}")))?,
                    disabled,
                    created_at,
                    last_sign_in_at,
                    pin_changed_at,
                    failures: state.as_ref().map_or(0, |s| s.failures),
                    locked_until: state.and_then(|s| s.locked_until).map(crate::time::format),
                    name,
                })
            },
        )
        .collect()
}

/// The stored user called `name`: (id, exact name, role, disabled).
fn find(conn: &Connection, name: &str) -> Result<(Uuid, String, Role, bool)> {
    let row: Option<(Uuid, String, String, bool)> = conn
        .query_row(
            "SELECT id, name, role, disabled FROM users WHERE name = ?1",
            [name.trim()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let (id, name, role, disabled) =
        row.ok_or_else(|| Error::UserNotFound(name.trim().to_string()))?;
    let role = role
        .parse()
        .map_err(|e: String| Error::Invalid(format!("stored role: {e}")))?;
    Ok((id, name, role, disabled))
}

/// Changes `name`'s PIN: the user themselves, or someone with manage:users. The PIN must
/// follow the user's role's rule. Earlier failures against the name are forgotten, and
/// stored sessions older than the change stop being good (`users.pin_changed_at`).
pub fn set_pin(db: &mut Db, by: &Actor, name: &str, new_pin: &str) -> Result<()> {
    refuse_on_device(db.conn())?;
    let (_, target, role, _) = find(db.conn(), name)?;
    if !by.name.eq_ignore_ascii_case(&target) {
        by.require(Permission::ManageUsers)?;
    }
    pin::check_pin(role, new_pin)?;
    let hash = pin::hash(new_pin)?;
    let tx = db.write()?;
    let (id, target, _, _) = find(&tx, &target)?;
    tx.execute(
        "UPDATE users SET pin_hash = ?2, pin_changed_at = ?3 WHERE id = ?1",
        params![id, hash, crate::time::now()],
    )?;
    throttle::clear(&tx, &sign_in::name_key(&target))?;
    throttle::clear(&tx, &sign_in::cli_name_key(&target))?;
    audit::record(
        &tx,
        &by.name,
        "user.set-pin",
        None,
        &format!("changed the PIN of {target}"),
    )?;
    tx.commit()?;
    Ok(())
}

/// Disables (`disabled = true`) or enables a user (manage:users). Nobody disables
/// themselves, and the last active owner stays. Returns whether anything changed.
pub fn set_disabled(db: &mut Db, by: &Actor, name: &str, disabled: bool) -> Result<bool> {
    refuse_on_device(db.conn())?;
    by.require(Permission::ManageUsers)?;
    let tx = db.write()?;
    let (id, target, role, was) = find(&tx, name)?;
    if was == disabled {
        return Ok(false);
    }
    if disabled {
        if by.name.eq_ignore_ascii_case(&target) {
            return Err(Error::Invalid(format!(
                "{target}: you cannot disable yourself; another user with manage:users can"
            )));
        }
        let active_owners: i64 = tx.query_row(
            "SELECT count(*) FROM users WHERE role = 'owner' AND disabled = 0",
            [],
            |r| r.get(0),
        )?;
        if role == Role::Owner && active_owners <= 1 {
            return Err(Error::Invalid(format!(
                "{target} is the last active owner: add or enable another owner first"
            )));
        }
    }
    tx.execute(
        "UPDATE users SET disabled = ?2 WHERE id = ?1",
        params![id, disabled],
    )?;
    let (action, words) = if disabled {
        ("user.disable", "disabled")
    } else {
        ("user.enable", "enabled")
    };
    audit::record(&tx, &by.name, action, None, &format!("{words} {target}"))?;
    tx.commit()?;
    Ok(true)
}
