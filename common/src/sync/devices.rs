//! The store's list of paired devices: adding one and its one-time pairing code, pairing,
//! the token check, revoking, and a kiosk's own recognition key and staff exit code.

use crate::db::{Connection, OptionalExtension, params};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{Duration, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::*;
use crate::audit;
use crate::crypto::hex;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::users::{Actor, Permission};

/// How long a pairing code works.
pub const PAIRING_CODE_HOURS: i64 = 24;
/// Letters and digits nobody confuses when reading a code aloud (no 0/O, 1/I/L).
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// A paired device, as the store knows it from its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceAuth {
    pub id: Uuid,
    pub name: String,
    pub role: DeviceRole,
    pub medical: bool,
}

impl DeviceAuth {
    /// The device as an actor, for permission checks and the audit log.
    pub fn actor(&self) -> Actor {
        Actor {
            name: format!("{}:{}", self.role, self.name),
            role: self.role.role(),
        }
    }

    pub fn may(&self, permission: Permission) -> bool {
        self.role.role().has(permission)
            || (self.medical && permission == Permission::MedicalCustomer)
    }
}

/// A device just added: the one-time code to pair it with.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct NewDevice {
    pub id: Uuid,
    pub name: String,
    pub role: DeviceRole,
    pub medical: bool,
    pub code: String,
    pub expires_at: String,
}

/// A device in the store's list (never its token).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct DeviceRecord {
    pub id: Uuid,
    pub name: String,
    pub role: DeviceRole,
    pub medical: bool,
    pub created_at: String,
    pub created_by: String,
    pub paired_at: Option<String>,
    pub last_seen_at: Option<String>,
    pub revoked_at: Option<String>,
    /// The chain location it belongs to, if any.
    pub location: Option<String>,
}

/// Adds a device and makes its one-time pairing code (needs `manage:devices`; a counter
/// allowed medical details also needs `medical:customer`).
pub fn add_device(
    db: &mut Db,
    actor: &Actor,
    name: &str,
    role: DeviceRole,
    medical: bool,
) -> Result<NewDevice> {
    add_device_at(db, actor, name, role, medical, None)
}

/// [`add_device`], placing the device at the chain location `location`.
pub fn add_device_at(
    db: &mut Db,
    actor: &Actor,
    name: &str,
    role: DeviceRole,
    medical: bool,
    location: Option<&str>,
) -> Result<NewDevice> {
    actor.require(Permission::ManageDevices)?;
    if medical {
        if role == DeviceRole::Kiosk {
            return Err(Error::Invalid(
                "a lobby kiosk never holds medical details: --medical is for counter displays"
                    .into(),
            ));
        }
        actor.require(Permission::MedicalCustomer)?;
    }
    let name = name.trim();
    if name.is_empty()
        || name.len() > 64
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(Error::Invalid(format!(
            "{name:?} is not a device name: use 1 to 64 letters, digits, '-', '_' or '.'"
        )));
    }
    if name.eq_ignore_ascii_case(crate::release::WEB_SIGN_DEVICE) {
        return Err(Error::Invalid(format!(
            "{name:?} is the name releases signed on customers' phones carry: pick another"
        )));
    }
    let code = new_code();
    let id = Uuid::now_v7();
    let expires_at = crate::time::format(Utc::now() + Duration::hours(PAIRING_CODE_HOURS));
    let tx = db.write()?;
    let location = location
        .map(|l| super::known_location(&tx, l))
        .transpose()?;
    let taken: bool = tx.query_row(
        "SELECT EXISTS(SELECT 1 FROM devices WHERE name = ?1)",
        [name],
        |r| r.get(0),
    )?;
    if taken {
        return Err(Error::Invalid(format!(
            "a device named {name:?} exists already: pick another name"
        )));
    }
    tx.execute(
        "INSERT INTO devices(id, name, role, medical, code_hash, code_expires_at, created_at, created_by,
                             location)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            id,
            name,
            role.name(),
            medical,
            code_hash(&code),
            expires_at,
            crate::time::now(),
            actor.name,
            location.as_ref().map(|l| &l.id)
        ],
    )?;
    audit::record(
        &tx,
        &actor.name,
        "device.add",
        None,
        &format!(
            "{role} {name}{}{}",
            if medical { " with medical details" } else { "" },
            location
                .as_ref()
                .map_or_else(String::new, |l| format!(" at {}", l.id))
        ),
    )?;
    tx.commit()?;
    Ok(NewDevice {
        id,
        name: name.to_string(),
        role,
        medical,
        code,
        expires_at,
    })
}

pub fn list_devices(db: &Db, actor: &Actor) -> Result<Vec<DeviceRecord>> {
    actor.require(Permission::ManageDevices)?;
    let mut stmt = db.conn().prepare(
        "SELECT id, name, role, medical, created_at, created_by, paired_at, last_seen_at, revoked_at,
                location
         FROM devices ORDER BY created_at, name",
    )?;
    let rows = stmt.query_map([], |r| {
        let role: String = r.get(2)?;
        Ok(DeviceRecord {
            id: r.get(0)?,
            name: r.get(1)?,
            role: role.parse().unwrap_or(DeviceRole::Kiosk),
            medical: r.get(3)?,
            created_at: r.get(4)?,
            created_by: r.get(5)?,
            paired_at: r.get(6)?,
            last_seen_at: r.get(7)?,
            revoked_at: r.get(8)?,
            location: r.get(9)?,
        })
    })?;
    Ok(rows.collect::<crate::db::Result<_>>()?)
}

/// Revokes a device: its next request is refused, and its code (if unused) no longer pairs.
pub fn revoke_device(db: &mut Db, actor: &Actor, name: &str) -> Result<()> {
    actor.require(Permission::ManageDevices)?;
    let tx = db.write()?;
    // Its recognition key and exit code go with it: nothing the store keeps for a stolen
    // kiosk can open anything again.
    let changed = tx.execute(
        "UPDATE devices SET revoked_at = ?2, code_hash = NULL, recognition_key = NULL,
                            exit_code_hash = NULL
         WHERE name = ?1 AND revoked_at IS NULL",
        params![name.trim(), crate::time::now()],
    )?;
    if changed == 0 {
        return Err(Error::Invalid(format!(
            "no active device named {:?}: `device list` shows them",
            name.trim()
        )));
    }
    tx.execute(
        "DELETE FROM device_customers WHERE device_id = (SELECT id FROM devices WHERE name = ?1)",
        [name.trim()],
    )?;
    audit::record(&tx, &actor.name, "device.revoke", None, name.trim())?;
    tx.commit()?;
    Ok(())
}

/// Pairs the device whose code this is: the code is used up, and the device gets its token.
pub fn pair(db: &mut Db, code: &str) -> Result<PairResponse> {
    pair_from(db, code, "unknown")
}

/// Wrong pairing codes from one client address before it must wait (a minute, doubling to
/// an hour). Codes are 59 bits and expire in a day, so this is about the audit log and the
/// write lock, not the odds.
pub const PAIR_TRIES: u32 = 10;

/// [`pair`] for a request from `client`: wrong codes are counted per address, and a locked
/// address is refused before any write (nothing audited, nothing stored).
pub fn pair_from(db: &mut Db, code: &str, client: &str) -> Result<PairResponse> {
    let key = format!("pair:{}", client.chars().take(64).collect::<String>());
    let keys = [crate::throttle::Key {
        key: &key,
        allowed: PAIR_TRIES,
    }];
    let tx = db.write()?;
    crate::throttle::reserve(&tx, &keys, chrono::Utc::now())?;
    tx.commit()?;
    let paired = pair_now(db, code);
    if paired.is_ok() {
        let tx = db.write()?;
        crate::throttle::clear(&tx, &key)?;
        tx.commit()?;
    }
    paired
}

fn pair_now(db: &mut Db, code: &str) -> Result<PairResponse> {
    let tx = db.write()?;
    let found: Option<(Uuid, String, String, bool, Option<String>)> = tx
        .query_row(
            "SELECT id, name, role, medical, code_expires_at FROM devices
             WHERE code_hash = ?1 AND revoked_at IS NULL",
            [code_hash(code)],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let now = crate::time::now();
    let Some((id, name, role, medical, expires)) = found else {
        audit::record(&tx, "pairing", "device.pair_failed", None, "unknown code")?;
        tx.commit()?;
        return Err(Error::BadPairingCode);
    };
    if expires.is_some_and(|e| e < now) {
        audit::record(
            &tx,
            "pairing",
            "device.pair_failed",
            None,
            &format!("expired code for {name}"),
        )?;
        tx.commit()?;
        return Err(Error::BadPairingCode);
    }
    let role: DeviceRole = role.parse().map_err(Error::Invalid)?;
    let token = format!("ik_{}", URL_SAFE_NO_PAD.encode(random::<32>()));
    // Each kiosk its own key: entries sealed for one kiosk open on no other.
    let recognition_key = match role {
        DeviceRole::Kiosk => Some(STANDARD.encode(random::<32>())),
        DeviceRole::Counter => None,
    };
    tx.execute(
        "UPDATE devices SET token_hash = ?2, code_hash = NULL, code_expires_at = NULL, paired_at = ?3,
                            recognition_key = ?4
         WHERE id = ?1",
        params![id, token_hash(&token), now, recognition_key],
    )?;
    audit::record(
        &tx,
        &format!("{role}:{name}"),
        "device.pair",
        None,
        "paired",
    )?;
    tx.commit()?;
    Ok(PairResponse {
        device_id: id,
        name,
        role,
        medical,
        token,
        recognition_key,
    })
}

/// The device a bearer token belongs to, if it is paired and not revoked.
pub fn authenticate(conn: &Connection, token: &str) -> Result<Option<DeviceAuth>> {
    let found = conn
        .prepare_cached(
            "SELECT id, name, role, medical FROM devices
             WHERE token_hash = ?1 AND revoked_at IS NULL",
        )?
        .query_row([token_hash(token)], |r| {
            let role: String = r.get(2)?;
            Ok((r.get(0)?, r.get(1)?, role, r.get(3)?))
        })
        .optional()?;
    Ok(match found {
        Some((id, name, role, medical)) => Some(DeviceAuth {
            id,
            name,
            role: role.parse().map_err(Error::Invalid)?,
            medical,
        }),
        None => None,
    })
}

/// Sets the code staff type to leave kiosk `name` (needs `manage:devices`). Only its
/// argon2id hash is kept — with costly parameters, since a stolen kiosk holds it — and the
/// kiosk receives that hash with its next pull.
pub fn set_exit_code(db: &mut Db, actor: &Actor, name: &str, code: &str) -> Result<()> {
    actor.require(Permission::ManageDevices)?;
    // The same argon2id cost as staff PINs, on the same bounded pool.
    let hash = crate::users::hash_exit_code(code)?;
    let tx = db.write()?;
    let role: Option<String> = tx
        .query_row(
            "SELECT role FROM devices WHERE name = ?1 AND revoked_at IS NULL",
            [name.trim()],
            |r| r.get(0),
        )
        .optional()?;
    match role.as_deref() {
        Some("kiosk") => {}
        Some(_) => {
            return Err(Error::Invalid(format!(
                "{:?} is a counter display: staff sign in there with their own PIN",
                name.trim()
            )));
        }
        None => {
            return Err(Error::Invalid(format!(
                "no active device named {:?}: `device list` shows them",
                name.trim()
            )));
        }
    }
    tx.execute(
        "UPDATE devices SET exit_code_hash = ?2 WHERE name = ?1 AND revoked_at IS NULL",
        params![name.trim(), hash],
    )?;
    audit::record(&tx, &actor.name, "device.exit_code", None, name.trim())?;
    tx.commit()?;
    Ok(())
}

/// A kiosk's recognition key, as bytes and as base64.
pub(crate) type KioskKey = ([u8; 32], String);

/// What the store keeps for a kiosk: its recognition key (made now if it has none: a kiosk
/// paired before each kiosk had its own) and its exit code's hash.
pub(crate) fn kiosk_secrets(
    db: &Db,
    device: &DeviceAuth,
) -> Result<(Option<KioskKey>, Option<String>)> {
    let conn = db.conn();
    conn.execute(
        "UPDATE devices SET recognition_key = ?2
         WHERE id = ?1 AND recognition_key IS NULL AND revoked_at IS NULL",
        params![device.id, STANDARD.encode(random::<32>())],
    )?;
    let (key, exit): (Option<String>, Option<String>) = conn
        .prepare_cached("SELECT recognition_key, exit_code_hash FROM devices WHERE id = ?1")?
        .query_row([device.id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let key = match key {
        Some(b64) => Some((decode_key(&b64)?, b64)),
        None => None,
    };
    Ok((key, exit))
}

pub(crate) fn decode_key(b64: &str) -> Result<[u8; 32]> {
    STANDARD
        .decode(b64)
        .ok()
        .and_then(|v| <[u8; 32]>::try_from(v.as_slice()).ok())
        .ok_or_else(|| Error::Invalid("the recognition key is damaged".into()))
}

pub(crate) fn code_hash(code: &str) -> String {
    let normal: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    hex(&Sha256::digest(
        format!("intake pairing code v1:{normal}").as_bytes(),
    ))
}

pub(crate) fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.trim().as_bytes()))
}

fn new_code() -> String {
    // Rejection sampling keeps every letter equally likely: 12 of 31 symbols, 59 bits.
    let limit = 256 - 256 % CODE_ALPHABET.len();
    let mut chars = Vec::with_capacity(12);
    while chars.len() < 12 {
        for b in random::<16>() {
            if (b as usize) < limit && chars.len() < 12 {
                chars.push(CODE_ALPHABET[b as usize % CODE_ALPHABET.len()] as char);
            }
        }
    }
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

pub(crate) fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the system's random source works");
    bytes
}
