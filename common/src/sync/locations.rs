//! A chain's locations. Each device belongs to at most one; a release keeps the location of
//! the device that sent it (stamped by the store, never taken from the device's word), so a
//! counter lists the check-ins of its own location and the console can show one location's.
//! Customers, their flags and releases stay the chain's: every location's counters hold and
//! find them all. A single shop has no location, and everything is as before.

use serde::{Deserialize, Serialize};

use crate::audit;
use crate::db::{Connection, Db, OptionalExtension, params};
use crate::error::{Error, Result};
use crate::users::{Actor, Permission};

/// The longest location id.
const MAX_ID: usize = 32;
/// The longest location name.
const MAX_NAME: usize = 80;

/// A location of the chain.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// Short and lower-case, as commands take it: `downtown`.
    pub id: String,
    /// As staff read it: `Downtown, 5th Ave`.
    pub name: String,
}

/// A location in the store's list, with how many active devices it has.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct LocationRecord {
    #[serde(flatten)]
    pub location: Location,
    pub created_at: String,
    pub created_by: String,
    pub devices: i64,
}

/// Checks a location id: 1 to 32 lower-case letters, digits or `-`, starting with a letter
/// or digit. Returns it trimmed.
pub fn location_id(id: &str) -> Result<&str> {
    let id = id.trim();
    let fits = !id.is_empty()
        && id.len() <= MAX_ID
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.starts_with('-');
    if fits {
        Ok(id)
    } else {
        Err(Error::Invalid(format!(
            "location {id:?}: use 1 to {MAX_ID} lower-case letters, digits or '-' (downtown, mall-2)"
        )))
    }
}

/// Adds a location (needs `manage:devices`).
pub fn add_location(db: &mut Db, actor: &Actor, id: &str, name: &str) -> Result<Location> {
    actor.require(Permission::ManageDevices)?;
    let id = location_id(id)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(Error::Invalid(format!(
            "name: give the location's name as staff read it, 1 to {MAX_NAME} characters"
        )));
    }
    let tx = db.write()?;
    let taken = tx
        .query_row("SELECT 1 FROM locations WHERE id = ?1", [id], |_| Ok(()))
        .optional()?
        .is_some();
    if taken {
        return Err(Error::Invalid(format!(
            "location {id:?} exists already: `location list` shows them"
        )));
    }
    tx.execute(
        "INSERT INTO locations(id, name, created_at, created_by) VALUES (?1, ?2, ?3, ?4)",
        params![id, name, crate::time::now(), actor.name],
    )?;
    audit::record(
        &tx,
        &actor.name,
        "location.add",
        None,
        &format!("{id}: {name}"),
    )?;
    tx.commit()?;
    Ok(Location {
        id: id.to_owned(),
        name: name.to_owned(),
    })
}

/// The chain's locations, by id (needs `read:customer`: staff pick one to filter by).
pub fn list_locations(conn: &Connection, actor: &Actor) -> Result<Vec<LocationRecord>> {
    actor.require(Permission::ReadCustomer)?;
    let mut stmt = conn.prepare_cached(
        "SELECT l.id, l.name, l.created_at, l.created_by,
                (SELECT count(*) FROM devices d WHERE d.location = l.id AND d.revoked_at IS NULL)
         FROM locations l ORDER BY l.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(LocationRecord {
            location: Location {
                id: r.get(0)?,
                name: r.get(1)?,
            },
            created_at: r.get(2)?,
            created_by: r.get(3)?,
            devices: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<crate::db::Result<_>>()?)
}

/// The location `id`, refused by name when there is none.
pub(crate) fn known_location(conn: &Connection, id: &str) -> Result<Location> {
    let id = location_id(id)?;
    conn.prepare_cached("SELECT id, name FROM locations WHERE id = ?1")?
        .query_row([id], |r| {
            Ok(Location {
                id: r.get(0)?,
                name: r.get(1)?,
            })
        })
        .optional()?
        .ok_or_else(|| {
            Error::Invalid(format!(
                "no location {id:?}: add it with `location add`, or see `location list`"
            ))
        })
}

/// Moves the active device `name` to `location` (`None`: no location) (needs
/// `manage:devices`). What it signed before stays where it was signed.
pub fn set_device_location(
    db: &mut Db,
    actor: &Actor,
    name: &str,
    location: Option<&str>,
) -> Result<()> {
    actor.require(Permission::ManageDevices)?;
    let name = name.trim();
    let tx = db.write()?;
    let location = location.map(|l| known_location(&tx, l)).transpose()?;
    let changed = tx.execute(
        "UPDATE devices SET location = ?2 WHERE name = ?1 AND revoked_at IS NULL",
        params![name, location.as_ref().map(|l| &l.id)],
    )?;
    if changed == 0 {
        return Err(Error::Invalid(format!(
            "no active device named {name:?}: `device list` shows them"
        )));
    }
    let to = location.map_or_else(|| "no location".to_owned(), |l| l.id);
    audit::record(
        &tx,
        &actor.name,
        "device.location",
        None,
        &format!("{name} to {to}"),
    )?;
    tx.commit()?;
    Ok(())
}

/// The location of the device `device` on the store, if it has one.
pub(crate) fn device_location(conn: &Connection, device: uuid::Uuid) -> Result<Option<Location>> {
    Ok(conn
        .prepare_cached(
            "SELECT l.id, l.name FROM devices d JOIN locations l ON l.id = d.location
             WHERE d.id = ?1",
        )?
        .query_row([device], |r| {
            Ok(Location {
                id: r.get(0)?,
                name: r.get(1)?,
            })
        })
        .optional()?)
}
