//! Looking after users: the list with sign-in state, changing a PIN, disabling and enabling.
//! Every change is audited, and refused on a device paired with a store (its users are the
//! store's, replaced at the next pull).

use crate::db::{Connection, OptionalExtension, params};
use chrono::{DateTime, Utc};
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
        .collect::<crate::db::Result<Vec<_>>>()?;
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

/// Changes `name`'s role (manage:users). Nobody changes their own role, and the last active
/// owner stays an owner. When the new role asks for a longer PIN than the old one (front
/// desk to a role that sees medical details), `new_pin` must come with it and follow the
/// new role's rule: a four-digit PIN never guards more than front-desk work. Sessions begun
/// under the old role end (`sessions::authenticate` compares the roles). Returns whether
/// anything changed.
pub fn set_role(
    db: &mut Db,
    by: &Actor,
    name: &str,
    role: Role,
    new_pin: Option<&str>,
) -> Result<bool> {
    refuse_on_device(db.conn())?;
    by.require(Permission::ManageUsers)?;
    if !Role::STAFF.contains(&role) {
        return Err(Error::Invalid(format!(
            "role: {role} is a device role; staff roles are owner, manager, artist and front-desk"
        )));
    }
    let (_, target, was, _) = find(db.conn(), name)?;
    if was == role {
        return Ok(false);
    }
    if by.name.eq_ignore_ascii_case(&target) {
        return Err(Error::Invalid(format!(
            "role: {target}, you cannot change your own role; another user with manage:users can"
        )));
    }
    let needs_pin = pin::min_pin_digits(role) > pin::min_pin_digits(was);
    let hash = match (new_pin, needs_pin) {
        (Some(p), _) => {
            pin::check_pin(role, p)?;
            Some(pin::hash(p)?)
        }
        (None, true) => {
            return Err(Error::Invalid(format!(
                "PIN: {role} PINs are {} to {} digits and {target}'s may be shorter: give a new PIN with the role",
                pin::min_pin_digits(role),
                pin::MAX_PIN_DIGITS
            )));
        }
        (None, false) => None,
    };
    let tx = db.write()?;
    let (id, target, was, disabled) = find(&tx, &target)?;
    if was == Role::Owner && !disabled {
        let active_owners: i64 = tx.query_row(
            "SELECT count(*) FROM users WHERE role = 'owner' AND disabled = 0",
            [],
            |r| r.get(0),
        )?;
        if active_owners <= 1 {
            return Err(Error::Invalid(format!(
                "role: {target} is the last active owner: add or enable another owner first"
            )));
        }
    }
    tx.execute(
        "UPDATE users SET role = ?2 WHERE id = ?1",
        params![id, role.name()],
    )?;
    if let Some(hash) = hash {
        tx.execute(
            "UPDATE users SET pin_hash = ?2, pin_changed_at = ?3 WHERE id = ?1",
            params![id, hash, crate::time::now()],
        )?;
        throttle::clear(&tx, &sign_in::name_key(&target))?;
        throttle::clear(&tx, &sign_in::cli_name_key(&target))?;
    }
    audit::record(
        &tx,
        &by.name,
        "user.set-role",
        None,
        &format!(
            "changed the role of {target} from {was} to {role}{}",
            if new_pin.is_some() {
                ", with a new PIN"
            } else {
                ""
            }
        ),
    )?;
    tx.commit()?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::users::{add, sign_in};

    fn shop() -> (tempfile::TempDir, Db, Actor) {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::open_dir(dir.path()).unwrap();
        add(&mut db, None, "olive", Role::Owner, "246810").unwrap();
        let owner = sign_in(&db, "olive", "246810").unwrap();
        add(&mut db, Some(&owner), "fay", Role::FrontDesk, "1357").unwrap();
        add(&mut db, Some(&owner), "ari", Role::Artist, "135790").unwrap();
        (dir, db, owner)
    }

    fn role_of(db: &Db, name: &str) -> String {
        db.conn()
            .query_row("SELECT role FROM users WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .unwrap()
    }

    fn last_action(db: &Db) -> (String, String, String) {
        db.conn()
            .query_row(
                "SELECT actor, action, detail FROM audit_log ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap()
    }

    #[test]
    fn a_role_changes_audited_and_only_with_manage_users() {
        let (_dir, mut db, owner) = shop();
        let ari = sign_in(&db, "ari", "135790").unwrap();
        assert!(matches!(
            set_role(&mut db, &ari, "fay", Role::Artist, Some("975310")),
            Err(Error::Forbidden { .. })
        ));
        assert!(set_role(&mut db, &owner, "ARI", Role::Manager, None).unwrap());
        assert_eq!(role_of(&db, "ari"), "manager");
        assert_eq!(
            last_action(&db),
            (
                "olive".into(),
                "user.set-role".into(),
                "changed the role of ari from artist to manager".into()
            )
        );
        // The same role again changes nothing and records nothing.
        let before: i64 = db
            .conn()
            .query_row("SELECT max(seq) FROM audit_log", [], |r| r.get(0))
            .unwrap();
        assert!(!set_role(&mut db, &owner, "ari", Role::Manager, None).unwrap());
        let after: i64 = db
            .conn()
            .query_row("SELECT max(seq) FROM audit_log", [], |r| r.get(0))
            .unwrap();
        assert_eq!(before, after);
        assert!(matches!(
            set_role(&mut db, &owner, "nobody", Role::Artist, None),
            Err(Error::UserNotFound(_))
        ));
        let device = set_role(&mut db, &owner, "ari", Role::Kiosk, None).unwrap_err();
        assert!(device.to_string().starts_with("role: "), "{device}");
    }

    #[test]
    fn a_longer_pin_rule_takes_a_new_pin_with_the_role() {
        let (_dir, mut db, owner) = shop();
        let refused = set_role(&mut db, &owner, "fay", Role::Artist, None).unwrap_err();
        assert!(refused.to_string().starts_with("PIN: "), "{refused}");
        let short = set_role(&mut db, &owner, "fay", Role::Artist, Some("2468")).unwrap_err();
        assert!(short.to_string().contains("6 to 12 digits"), "{short}");
        assert_eq!(role_of(&db, "fay"), "front-desk", "nothing changed");
        assert!(set_role(&mut db, &owner, "fay", Role::Artist, Some("864213")).unwrap());
        assert_eq!(role_of(&db, "fay"), "artist");
        assert!(sign_in(&db, "fay", "1357").is_err());
        assert_eq!(sign_in(&db, "fay", "864213").unwrap().role, Role::Artist);
        // Down to front desk the old PIN is long enough.
        assert!(set_role(&mut db, &owner, "fay", Role::FrontDesk, None).unwrap());
        sign_in(&db, "fay", "864213").unwrap();
    }

    #[test]
    fn the_last_active_owner_stays_and_nobody_changes_their_own_role() {
        let (_dir, mut db, owner) = shop();
        let own = set_role(&mut db, &owner, "olive", Role::Manager, None).unwrap_err();
        assert!(own.to_string().contains("your own role"), "{own}");
        add(&mut db, Some(&owner), "otto", Role::Owner, "975312").unwrap();
        let otto = sign_in(&db, "otto", "975312").unwrap();
        // With otto disabled, olive is the last active owner: not even an owner acting from
        // before otto was disabled demotes her.
        set_disabled(&mut db, &owner, "otto", true).unwrap();
        let last = set_role(&mut db, &otto, "olive", Role::Manager, None).unwrap_err();
        assert!(last.to_string().contains("last active owner"), "{last}");
        assert_eq!(role_of(&db, "olive"), "owner");
        set_disabled(&mut db, &owner, "otto", false).unwrap();
        assert!(set_role(&mut db, &otto, "olive", Role::Manager, None).unwrap());
        // Olive, a manager now, no longer manages users.
        let manager = sign_in(&db, "olive", "246810").unwrap();
        assert!(matches!(
            set_role(&mut db, &manager, "otto", Role::Artist, None),
            Err(Error::Forbidden { .. })
        ));
    }
}
