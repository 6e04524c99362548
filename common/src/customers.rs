//! Reading customers and what is attached to them.

use std::sync::LazyLock;

use crate::db::{Connection, OptionalExtension, Row};
use serde::Serialize;
use uuid::Uuid;

use crate::audit;
use crate::customer::{Contact, ContactKind, Customer, Field, MedicalCondition, Profile};
use crate::db::{Db, resolve_customer};
use crate::error::{Error, Result};
use crate::users::{Actor, Permission};

/// The profile columns in [`Field::ALL`] order, for SELECTs.
pub static PROFILE_COLUMNS: LazyLock<String> = LazyLock::new(|| {
    Field::ALL
        .iter()
        .map(|f| f.db_column())
        .collect::<Vec<_>>()
        .join(", ")
});

/// Reads a profile from `row`, starting at column `start`.
pub fn profile_from_row(row: &Row<'_>, start: usize) -> crate::db::Result<Profile> {
    let mut p = Profile::with_capacity(256);
    for (i, f) in Field::ALL.iter().enumerate() {
        let value = row.get_ref(start + i)?.as_str_or_null()?;
        p.set_str(*f, value);
    }
    Ok(p)
}

/// `SELECT id, created_at, updated_at, <profile>` for [`customer_from_row`].
pub static SELECT_CUSTOMER: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT id, created_at, updated_at, {} FROM customers",
        *PROFILE_COLUMNS
    )
});

pub fn customer_from_row(row: &Row<'_>) -> crate::db::Result<Customer> {
    customer_from_row_at(row, 0)
}

/// A customer read from `row` whose columns, as [`SELECT_CUSTOMER`] orders them, start at
/// `start`.
pub fn customer_from_row_at(row: &Row<'_>, start: usize) -> crate::db::Result<Customer> {
    let created: String = row.get(start + 1)?;
    let updated: String = row.get(start + 2)?;
    Ok(Customer {
        id: row.get(start)?,
        created_at: crate::time::parse(&created).unwrap_or_default(),
        updated_at: crate::time::parse(&updated).unwrap_or_default(),
        profile: profile_from_row(row, start + 3)?,
    })
}

/// The customer `id` names, following merges to the survivor.
pub fn get(conn: &Connection, id: Uuid) -> Result<Customer> {
    let resolved = resolve_customer(conn, id)?;
    conn.prepare_cached(&format!("{} WHERE id = ?1", *SELECT_CUSTOMER))?
        .query_row([resolved], customer_from_row)
        .optional()?
        .ok_or_else(|| crate::retention::missing(conn, id))
}

/// Parses a customer id as a user types it, naming the problem if it is not one.
pub fn parse_id(raw: &str) -> Result<Uuid> {
    Uuid::parse_str(raw.trim())
        .map_err(|_| Error::Invalid(format!("{raw:?} is not a customer id (a UUID)")))
}

/// Every customer, oldest first, streamed to `each`.
pub fn for_each<E: From<Error>>(
    conn: &Connection,
    mut each: impl FnMut(Customer) -> Result<(), E>,
) -> Result<(), E> {
    let sql = format!("{} ORDER BY created_at, rowid", *SELECT_CUSTOMER);
    let mut stmt = conn.prepare(&sql).map_err(Error::from)?;
    let mut rows = stmt.query([]).map_err(Error::from)?;
    while let Some(row) = rows.next().map_err(Error::from)? {
        each(customer_from_row(&row).map_err(Error::from)?)?;
    }
    Ok(())
}

/// Every customer for `actor` (who needs `read:customer`), oldest first; the listing is
/// audited, since a full list leaves the store as surely as an export does.
pub fn list<E: From<Error>>(
    db: &Db,
    actor: &Actor,
    each: impl FnMut(Customer) -> Result<(), E>,
) -> Result<(), E> {
    actor.require(Permission::ReadCustomer)?;
    let n = count(db.conn())?;
    audit::record(
        db.conn(),
        &actor.name,
        "customer.list",
        None,
        &format!("listed {n} customers"),
    )?;
    for_each(db.conn(), each)
}

pub fn count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM customers", [], |r| r.get(0))?)
}

/// Medical details as a viewer may see them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum MedicalView {
    /// The viewer holds `medical:customer`: each record with when it was recorded.
    Details(Vec<MedicalRecord>),
    /// Everyone else sees how many there are.
    Count { count: i64 },
}

/// A medical condition as recorded: a health answer at a check-in, or staff's entry.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct MedicalRecord {
    #[serde(flatten)]
    pub condition: MedicalCondition,
    /// When it was recorded (RFC 3339, UTC).
    pub recorded_at: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct FlagRecord {
    pub kind: String,
    pub note: Option<String>,
    pub created_at: String,
    pub created_by: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct NoteRecord {
    pub body: String,
    pub author: String,
    pub created_at: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct ServiceRecord {
    pub id: Uuid,
    pub description: String,
    pub artist: Option<String>,
    pub started_at: String,
    pub ended_at: Option<String>,
}

/// A customer with everything attached, as `actor` may see it: the customer's own keys,
/// then these.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Detail {
    #[serde(flatten)]
    pub customer: Customer,
    #[serde(rename = "MedicalConditions")]
    pub medical: MedicalView,
    #[serde(rename = "Flags")]
    pub flags: Vec<FlagRecord>,
    #[serde(rename = "CustomerNotes")]
    pub notes: Vec<NoteRecord>,
    #[serde(rename = "EmergencyContact")]
    pub emergency_contact: Option<Contact>,
    #[serde(rename = "PhysicianContact")]
    pub physician_contact: Option<Contact>,
    #[serde(rename = "Services")]
    pub services: Vec<ServiceRecord>,
    #[serde(rename = "Releases")]
    pub releases: i64,
    #[serde(rename = "Files")]
    pub files: i64,
}

impl Detail {
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

/// Reads a customer's detail for `actor`. Medical details appear only with
/// `medical:customer`, and every such view is written to the audit log.
pub fn detail(db: &Db, actor: &Actor, id: Uuid) -> Result<Detail> {
    actor.require(Permission::ReadCustomer)?;
    let conn = db.conn();
    let customer = get(conn, id)?;
    let cid = customer.id;
    // A counter paired without medical details holds empty placeholders: a count only.
    let placeholders: bool = conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM medical_conditions WHERE customer_id = ?1 AND length(sealed) = 0)",
        [cid],
        |r| r.get(0),
    )?;
    let medical = if actor.may(Permission::MedicalCustomer) && !placeholders {
        let conditions = medical_records(db, cid)?;
        audit::record(
            conn,
            &actor.name,
            "medical.view",
            Some(cid),
            &format!("viewed {} medical record(s)", conditions.len()),
        )?;
        MedicalView::Details(conditions)
    } else {
        MedicalView::Count {
            count: conn.query_row(
                "SELECT count(*) FROM medical_conditions WHERE customer_id = ?1",
                [cid],
                |r| r.get(0),
            )?,
        }
    };
    let flags = collect(
        conn,
        "SELECT kind, note, created_at, created_by FROM flags WHERE customer_id = ?1 ORDER BY created_at, id",
        cid,
        |r| {
            Ok(FlagRecord {
                kind: r.get(0)?,
                note: r.get(1)?,
                created_at: r.get(2)?,
                created_by: r.get(3)?,
            })
        },
    )?;
    let notes = collect(
        conn,
        "SELECT body, author, created_at FROM notes WHERE customer_id = ?1 ORDER BY created_at, id",
        cid,
        |r| {
            Ok(NoteRecord {
                body: r.get(0)?,
                author: r.get(1)?,
                created_at: r.get(2)?,
            })
        },
    )?;
    let services = collect(
        conn,
        "SELECT id, description, artist, started_at, ended_at FROM services WHERE customer_id = ?1 ORDER BY started_at",
        cid,
        |r| {
            Ok(ServiceRecord {
                id: r.get(0)?,
                description: r.get(1)?,
                artist: r.get(2)?,
                started_at: r.get(3)?,
                ended_at: r.get(4)?,
            })
        },
    )?;
    let count = |table: &str| -> Result<i64> {
        Ok(conn.query_row(
            &format!("SELECT count(*) FROM {table} WHERE customer_id = ?1"),
            [cid],
            |r| r.get(0),
        )?)
    };
    Ok(Detail {
        medical,
        flags,
        notes,
        emergency_contact: contact(conn, cid, ContactKind::Emergency)?,
        physician_contact: contact(conn, cid, ContactKind::Physician)?,
        services,
        releases: count("releases")?,
        files: count("files")?,
        customer,
    })
}

/// Decrypts a customer's medical conditions. Callers check `medical:customer` and audit.
pub(crate) fn medical_conditions(db: &Db, customer: Uuid) -> Result<Vec<MedicalCondition>> {
    Ok(medical_records(db, customer)?
        .into_iter()
        .map(|r| r.condition)
        .collect())
}

/// Decrypts a customer's medical conditions with their dates, oldest first. Callers check
/// `medical:customer` and audit.
fn medical_records(db: &Db, customer: Uuid) -> Result<Vec<MedicalRecord>> {
    let mut stmt = db.conn().prepare_cached(
        "SELECT id, sealed, created_at FROM medical_conditions WHERE customer_id = ?1
         ORDER BY created_at, id",
    )?;
    let rows = stmt.query_map([customer], |r| {
        Ok((
            r.get::<_, Uuid>(0)?,
            r.get::<_, Vec<u8>>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, sealed, recorded_at) = row?;
        out.push(MedicalRecord {
            condition: db.sealer().open_json(id.as_bytes(), &sealed)?,
            recorded_at,
        });
    }
    Ok(out)
}

pub(crate) fn contact(
    conn: &Connection,
    customer: Uuid,
    kind: ContactKind,
) -> Result<Option<Contact>> {
    Ok(conn
        .prepare_cached(
            "SELECT name, phone, relation FROM contacts WHERE customer_id = ?1 AND kind = ?2",
        )?
        .query_row(crate::db::params![customer, kind.as_str()], |r| {
            Ok(Contact {
                kind,
                name: r.get(0)?,
                phone: r.get(1)?,
                relation: r.get(2)?,
            })
        })
        .optional()?)
}

fn collect<T>(
    conn: &Connection,
    sql: &str,
    id: Uuid,
    f: impl FnMut(&Row<'_>) -> crate::db::Result<T>,
) -> Result<Vec<T>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([id], f)?;
    Ok(rows.collect::<Result<_, _>>()?)
}
