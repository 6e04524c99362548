//! A returning customer recognised at the kiosk by exact phone and birthdate.

use crate::db::{Connection, params};
use chrono::NaiveDate;
use uuid::Uuid;

use crate::customer::{Contact, ContactKind, Profile};
use crate::error::Result;

/// A returning customer found by phone and birthdate.
#[derive(Debug, Clone)]
pub struct Returning {
    pub id: Uuid,
    pub profile: Profile,
    pub emergency: Option<Contact>,
    pub physician: Option<Contact>,
}

/// The one customer whose phone and birthdate both match exactly, if exactly one does.
/// Anything else — no match, a phone that matches with another birthdate, two customers
/// sharing both — finds nobody, so a guess reveals nothing. The phone is compared as E.164
/// in the database's region, so a number typed nationally or with its country code finds
/// the same customer.
pub fn find_returning(
    conn: &Connection,
    phone: &str,
    birthdate: NaiveDate,
) -> Result<Option<Returning>> {
    let region = crate::phone_keys::region(conn)?;
    let Ok(key) = crate::normalize::phone_key(phone, region) else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM customers WHERE phone_key = ?1 AND birthdate = ?2 LIMIT 2",
    )?;
    let ids: Vec<Uuid> = stmt
        .query_map(
            params![key, birthdate.format("%Y-%m-%d").to_string()],
            |r| r.get(0),
        )?
        .collect::<crate::db::Result<_>>()?;
    let id = match ids[..] {
        [id] => id,
        // A kiosk paired with a store keeps only recognition entries for customers it
        // has already handed over.
        [] => return crate::sync::find_recognised(conn, &key, birthdate),
        _ => return Ok(None),
    };
    let customer = crate::customers::get(conn, id)?;
    Ok(Some(Returning {
        id,
        profile: customer.profile,
        emergency: crate::customers::contact(conn, id, ContactKind::Emergency)?,
        physician: crate::customers::contact(conn, id, ContactKind::Physician)?,
    }))
}
