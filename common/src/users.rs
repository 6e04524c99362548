//! Users, roles and permissions. Staff sign in with a PIN, stored as an argon2id hash
//! (`pin`); signing in is throttled (`sign_in`); `manage` lists, changes PINs, disables.

mod manage;
pub mod pin;
mod sign_in;

pub use manage::{UserStatus, list, list_at, set_disabled, set_pin, set_role};
pub use pin::{check_exit_code, hash_exit_code, min_pin_digits};
pub use sign_in::{
    CLI_CLIENT, CLIENT_TRIES, KIOSK_EXIT_HASH, KIOSK_EXITS_PAD, MAX_INPUT_BYTES, NAME_TRIES,
    PINPAD_TRIES, check_kiosk_exit, check_kiosk_exit_at, kiosk_exit_on_store, kiosk_pad,
    pinpad_key, pinpad_locked_until, sign_in, sign_in_at, sign_in_by_pin, sign_in_by_pin_at,
    sign_in_from,
};

use crate::db::{Connection, params};
use serde::Serialize;
use uuid::Uuid;

use crate::audit;
use crate::db::Db;
use crate::error::{Error, Result};

/// A permission, named as the studio documents name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Permission {
    ReadCustomer,
    WriteCustomer,
    ExportCustomer,
    ImportCustomer,
    MedicalCustomer,
    MergeCustomer,
    ManageUsers,
    ManageWebhooks,
    ManageSettings,
    ManageDevices,
    /// Making, listing and revoking Web Sign links for one visit.
    InviteCustomer,
    /// Erasing customers, running the retention pass, and opening the releases an erasure
    /// kept restricted (each view audited).
    LegalCustomer,
}

impl Permission {
    pub const ALL: [Permission; 12] = [
        Self::ReadCustomer,
        Self::WriteCustomer,
        Self::ExportCustomer,
        Self::ImportCustomer,
        Self::MedicalCustomer,
        Self::MergeCustomer,
        Self::ManageUsers,
        Self::ManageWebhooks,
        Self::ManageSettings,
        Self::ManageDevices,
        Self::InviteCustomer,
        Self::LegalCustomer,
    ];

    pub const fn name(self) -> &'static str {
        match self {
            Self::ReadCustomer => "read:customer",
            Self::WriteCustomer => "write:customer",
            Self::ExportCustomer => "export:customer",
            Self::ImportCustomer => "import:customer",
            Self::MedicalCustomer => "medical:customer",
            Self::MergeCustomer => "merge:customer",
            Self::ManageUsers => "manage:users",
            Self::ManageWebhooks => "manage:webhooks",
            Self::ManageSettings => "manage:settings",
            Self::ManageDevices => "manage:devices",
            Self::InviteCustomer => "invite:customer",
            Self::LegalCustomer => "legal:customer",
        }
    }
}

impl std::fmt::Display for Permission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A role bundles permissions. Staff roles sign in; device roles belong to paired devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Owner,
    Manager,
    Artist,
    FrontDesk,
    /// A lobby kiosk: registers customers and nothing else.
    Kiosk,
    /// A counter display: reads and edits customers; medical details come from its signed-in user.
    Counter,
}

impl Role {
    pub const STAFF: [Role; 4] = [Role::Owner, Role::Manager, Role::Artist, Role::FrontDesk];

    pub const fn name(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Manager => "manager",
            Self::Artist => "artist",
            Self::FrontDesk => "front-desk",
            Self::Kiosk => "kiosk",
            Self::Counter => "counter",
        }
    }

    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Self::Owner => &Permission::ALL,
            Self::Manager => &[
                ReadCustomer,
                WriteCustomer,
                ExportCustomer,
                ImportCustomer,
                MedicalCustomer,
                MergeCustomer,
                ManageWebhooks,
                ManageSettings,
                ManageDevices,
                InviteCustomer,
            ],
            Self::Artist => &[ReadCustomer, WriteCustomer, MedicalCustomer],
            Self::FrontDesk => &[ReadCustomer, WriteCustomer],
            Self::Kiosk => &[WriteCustomer],
            Self::Counter => &[ReadCustomer, WriteCustomer],
        }
    }

    pub fn has(self, permission: Permission) -> bool {
        self.permissions().contains(&permission)
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "owner" => Ok(Self::Owner),
            "manager" => Ok(Self::Manager),
            "artist" => Ok(Self::Artist),
            "front-desk" | "frontdesk" => Ok(Self::FrontDesk),
            "kiosk" => Ok(Self::Kiosk),
            "counter" => Ok(Self::Counter),
            other => Err(format!(
                "unknown role {other:?}: use owner, manager, artist or front-desk"
            )),
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A stored user (never with the PIN hash).
#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
    pub created_at: String,
}

/// Someone acting: a signed-in user, or the system itself (migrations, the sync worker).
#[derive(Debug, Clone)]
pub struct Actor {
    pub name: String,
    pub role: Role,
}

impl Actor {
    pub fn require(&self, permission: Permission) -> Result<()> {
        if self.role.has(permission) {
            Ok(())
        } else {
            Err(Error::Forbidden {
                user: self.name.clone(),
                permission: permission.name(),
            })
        }
    }

    pub fn may(&self, permission: Permission) -> bool {
        self.role.has(permission)
    }
}

fn check_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.len() > 64 || name.chars().any(|c| c.is_control()) {
        return Err(Error::Invalid(
            "name: a user name is 1 to 64 printable characters".into(),
        ));
    }
    Ok(name.to_string())
}

/// Refuses a change to users on a device paired with a store: its users are the store's,
/// replaced at the next pull.
pub fn refuse_on_device(conn: &Connection) -> Result<()> {
    let paired: bool = conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM meta WHERE key = 'sync_store_url')",
        [],
        |r| r.get(0),
    )?;
    if paired {
        return Err(Error::Invalid(
            "users belong to the store: run this on the store (this device's users are replaced by its next sync)"
                .into(),
        ));
    }
    Ok(())
}

/// How many users exist: the first one may be added without signing in.
pub fn count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM users", [], |r| r.get(0))?)
}

/// Adds a user. `by` is `None` only for the very first user, who must be an owner.
pub fn add(db: &mut Db, by: Option<&Actor>, name: &str, role: Role, pin: &str) -> Result<User> {
    refuse_on_device(db.conn())?;
    let name = check_name(name)?;
    if !Role::STAFF.contains(&role) {
        return Err(Error::Invalid(format!(
            "role: {role} is a device role; staff roles are owner, manager, artist and front-desk"
        )));
    }
    pin::check_pin(role, pin)?;
    let hash = pin::hash(pin)?;
    let tx = db.write()?;
    let existing = count(&tx)?;
    let actor_name = match by {
        None if existing == 0 => {
            if role != Role::Owner {
                return Err(Error::Invalid(
                    "the first user must be an owner (--role owner)".into(),
                ));
            }
            "setup".to_string()
        }
        None => {
            return Err(Error::Invalid(
                "users exist already: sign in as a user with manage:users (--user NAME)".into(),
            ));
        }
        Some(actor) => {
            actor.require(Permission::ManageUsers)?;
            actor.name.clone()
        }
    };
    let taken: bool = tx.query_row(
        "SELECT EXISTS(SELECT 1 FROM users WHERE name = ?1)",
        [&name],
        |r| r.get(0),
    )?;
    if taken {
        return Err(Error::UserExists(name));
    }
    let user = User {
        id: Uuid::now_v7(),
        name,
        role,
        created_at: crate::time::now(),
    };
    tx.execute(
        "INSERT INTO users(id, name, role, pin_hash, created_at, pin_changed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        params![user.id, user.name, role.name(), hash, user.created_at],
    )?;
    audit::record(
        &tx,
        &actor_name,
        "user.add",
        None,
        &format!("added {} as {}", user.name, role),
    )?;
    tx.commit()?;
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_user_must_be_owner_and_later_ones_need_manage_users() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::open_dir(dir.path()).unwrap();
        assert!(add(&mut db, None, "ann", Role::Artist, "246802").is_err());
        add(&mut db, None, "olive", Role::Owner, "135790").unwrap();
        assert!(add(&mut db, None, "ann", Role::Artist, "246802").is_err());
        let owner = sign_in(&db, "olive", "135790").unwrap();
        add(&mut db, Some(&owner), "ann", Role::Artist, "246802").unwrap();
        let ann = sign_in(&db, "ann", "246802").unwrap();
        assert!(matches!(
            add(&mut db, Some(&ann), "bob", Role::Artist, "246802"),
            Err(Error::Forbidden { .. })
        ));
        assert!(matches!(
            sign_in(&db, "ann", "0000"),
            Err(Error::BadCredentials)
        ));
        assert!(matches!(
            sign_in(&db, "nobody", "0000"),
            Err(Error::BadCredentials)
        ));
        assert!(matches!(
            add(&mut db, Some(&owner), "ANN", Role::Artist, "246802"),
            Err(Error::UserExists(_))
        ));
        assert!(add(&mut db, Some(&owner), "cy", Role::Artist, "12a456").is_err());
        let hash: String = db
            .conn()
            .query_row("SELECT pin_hash FROM users WHERE name = 'ann'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert!(hash.starts_with("$argon2id$"));
    }

    #[test]
    fn roles_carry_what_the_studio_expects() {
        assert!(Role::Owner.has(Permission::ManageUsers));
        assert!(!Role::FrontDesk.has(Permission::MedicalCustomer));
        assert!(Role::Artist.has(Permission::MedicalCustomer));
        assert!(!Role::Kiosk.has(Permission::ReadCustomer));
        assert!(!Role::Counter.has(Permission::ExportCustomer));
    }
}
