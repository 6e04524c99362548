//! What the store accepts from a paired device. The device's word is taken for nothing it
//! could forge: the store names who made a change and when, refuses ids that would pin
//! last-writer-wins in the future, checks a release against the device that sent it, and
//! lets a lobby kiosk touch only the customers it registered (or proved it knows).

use crate::db::{Connection, OptionalExtension, params};
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::*;
use crate::customer::Field;
use crate::error::Result;
use crate::mutation::{Mutation, Op};
use crate::release::{KIOSK_FIELDS, ReleaseContent};

/// The largest signature image (PNG) a release may carry, each.
pub const SIGNATURE_MAX_BYTES: usize = 256 * 1024;

/// A pushed mutation the store accepted: as it will be applied (stamped by the store), and
/// the customer the device may go on changing once it applied.
#[derive(Debug)]
pub(crate) struct Admitted {
    pub mutation: Mutation,
    pub grant: Option<Uuid>,
}

/// Checks one mutation `device` pushed, at the store's time `now`. `Ok(Err(reason))`: refused
/// for good (the device keeps it aside); `Err`: the database failed.
pub(crate) fn admit(
    conn: &Connection,
    device: &DeviceAuth,
    m: &Mutation,
    now: DateTime<Utc>,
) -> Result<std::result::Result<Admitted, String>> {
    if let Err(reason) = check_id(m.id, now) {
        return Ok(Err(reason));
    }
    if let Err(p) = m.op.permitted(device.role.role(), device.medical) {
        return Ok(Err(format!(
            "{} {} may not {} (needs {p})",
            device.role,
            device.name,
            m.op.kind()
        )));
    }
    if let Err(e) = crate::change::validate(&m.op, crate::phone_keys::region(conn)?) {
        return Ok(Err(format!("{}: {e}", m.op.kind())));
    }
    // (The content's SHA-256 is checked where the release is applied, from the one
    // serialisation that is also sealed: `release::apply_signed`.)
    if let Op::SignRelease {
        customer, release, ..
    } = &m.op
        && let Err(reason) = check_release(device, *customer, release)
    {
        return Ok(Err(reason));
    }
    // For someone erased meanwhile there is nothing left to guard: what the device made
    // changes nothing, and a release it filed is kept restricted (as the erasure would
    // have kept it) rather than refused and left on the device.
    let erased = crate::retention::erased_target(conn, &m.op)?.is_some();
    let grant = match device.role {
        DeviceRole::Kiosk if erased => None,
        DeviceRole::Kiosk => match kiosk_may(conn, device, &m.op)? {
            Ok(grant) => grant,
            Err(reason) => return Ok(Err(reason)),
        },
        DeviceRole::Counter => None,
    };
    let actor = match device.role {
        DeviceRole::Kiosk => device.actor().name,
        DeviceRole::Counter => match active_staff(conn, &m.actor)? {
            Some(staff) => format!("{staff}@counter:{}", device.name),
            None => device.actor().name,
        },
    };
    Ok(Ok(Admitted {
        mutation: Mutation {
            id: m.id,
            at: now,
            actor,
            op: m.op.clone(),
        },
        grant,
    }))
}

/// A mutation id must be a UUIDv7 not dated ahead of the store's clock (beyond
/// [`CLOCK_TOLERANCE_SECS`]): last-writer-wins orders by these ids, and one from the future
/// would beat every later edit.
pub fn check_id(id: Uuid, now: DateTime<Utc>) -> std::result::Result<(), String> {
    if id.get_version() != Some(uuid::Version::SortRand) {
        return Err(format!(
            "mutation id {id} is not a UUIDv7 (time-ordered): refused"
        ));
    }
    let at = id
        .get_timestamp()
        .map(|t| t.to_unix())
        .and_then(|(secs, nanos)| DateTime::from_timestamp(i64::try_from(secs).ok()?, nanos))
        .ok_or_else(|| format!("mutation id {id} carries no time: refused"))?;
    let ahead = at - now;
    if ahead > Duration::seconds(CLOCK_TOLERANCE_SECS) {
        return Err(format!(
            "mutation id {id} is dated {}, {} ahead of the store's clock: the device's clock is wrong",
            crate::time::format(at),
            describe(ahead)
        ));
    }
    Ok(())
}

/// A span of time as a person says it, to the nearest unit: "3 days", "1 hour", "7 minutes".
pub fn describe(d: Duration) -> String {
    let secs = d.num_seconds().max(0);
    let (n, unit) = match secs {
        86_400.. => ((secs + 43_200) / 86_400, "day"),
        3_600.. => ((secs + 1_800) / 3_600, "hour"),
        60.. => ((secs + 30) / 60, "minute"),
        _ => (secs, "second"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// The message a device shows when its clock runs ahead of the store's by `ahead`.
pub fn clock_ahead_message(ahead: Duration) -> String {
    format!(
        "this device's clock is {} ahead of the store's: set the date and time",
        describe(ahead)
    )
}

fn check_release(
    device: &DeviceAuth,
    customer: Uuid,
    release: &ReleaseContent,
) -> std::result::Result<(), String> {
    let id = release.release_id;
    if release.device != device.name {
        return Err(format!(
            "release {id} names device {:?}, but {} {} sent it",
            release.device, device.role, device.name
        ));
    }
    if release.customer_id != customer {
        return Err(format!(
            "release {id} is for customer {}, filed under {customer}",
            release.customer_id
        ));
    }
    // A release signed while the device's clock ran ahead keeps the time it was signed
    // under (it is part of what was signed and hashed); refusing it would lose the release.
    // The mutation carrying it is stamped with the store's own time like every other.
    let images = std::iter::once(("signature", &release.signature_png)).chain(
        release
            .guardian
            .as_ref()
            .map(|g| ("guardian's signature", &g.signature_png)),
    );
    for (what, png) in images {
        if png.len() > SIGNATURE_MAX_BYTES {
            return Err(format!(
                "release {id}: the {what} image is {} bytes; at most {SIGNATURE_MAX_BYTES}",
                png.len()
            ));
        }
    }
    Ok(())
}

/// Whether a kiosk may make this change: a new registration and what belongs to it, never
/// an edit of someone else. `Ok(Ok(Some(id)))`: applying it lets the kiosk go on with `id`.
fn kiosk_may(
    conn: &Connection,
    device: &DeviceAuth,
    op: &Op,
) -> Result<std::result::Result<Option<Uuid>, String>> {
    let refuse = |what: String| Ok(Err(format!("kiosk {} may not {what}", device.name)));
    match op {
        Op::CreateCustomer { customer, profile } => {
            if let Some((field, _)) = profile
                .iter()
                .find(|(f, v)| v.is_some() && !KIOSK_FIELDS.contains(f))
            {
                return refuse(format!(
                    "set {}: a kiosk registers only what its screens ask for",
                    field.column()
                ));
            }
            let deleted: bool = conn
                .prepare_cached(
                    "SELECT EXISTS(SELECT 1 FROM tombstones t WHERE t.customer_id = ?1
                     AND NOT EXISTS(SELECT 1 FROM merged_customers m WHERE m.merged_id = ?1))",
                )?
                .query_row([customer], |r| r.get(0))?;
            if deleted {
                return refuse(format!(
                    "register customer {customer} again: that customer was deleted on the store"
                ));
            }
            let resolved = crate::db::resolve_customer(conn, *customer)?;
            if resolved == *customer && !customer_exists(conn, resolved)? {
                return Ok(Ok(Some(*customer)));
            }
            // A returning customer's registration makes the kiosk's local row first; on
            // the store the customer is there and the create changes nothing.
            Ok(Ok(None))
        }
        Op::UpdateCustomer { customer, changes } => {
            if let Some(field) = changes.keys().find(|f| !KIOSK_FIELDS.contains(f)) {
                return refuse(format!(
                    "change {}: a kiosk changes only what its screens ask for",
                    field.column()
                ));
            }
            if !granted(conn, device, *customer)? {
                return refuse(format!("change customer {customer}: {NOT_ITS_OWN}"));
            }
            Ok(Ok(None))
        }
        Op::SetContact { customer, .. } | Op::AddMedicalCondition { customer, .. } => {
            if !granted(conn, device, *customer)? {
                return refuse(format!(
                    "{} for customer {customer}: {NOT_ITS_OWN}",
                    op.kind()
                ));
            }
            Ok(Ok(None))
        }
        Op::SignRelease {
            customer, release, ..
        } => {
            if granted(conn, device, *customer)? || knows_customer(conn, *customer, release)? {
                return Ok(Ok(Some(*customer)));
            }
            refuse(format!(
                "file a release for customer {customer}: it neither registered them nor \
                 gave their phone number and birthdate as the store holds them"
            ))
        }
        other => refuse(other.kind().to_string()),
    }
}

const NOT_ITS_OWN: &str = "this kiosk did not register that customer in this visit";

/// How long after registering (or recognising) a customer a kiosk may still send what
/// belongs to that registration: long enough for a kiosk that was offline for a while.
const GRANT_DAYS: i64 = 30;

fn granted(conn: &Connection, device: &DeviceAuth, customer: Uuid) -> Result<bool> {
    let resolved = crate::db::resolve_customer(conn, customer)?;
    let since = crate::time::format(Utc::now() - Duration::days(GRANT_DAYS));
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM device_customers
             WHERE device_id = ?1 AND customer_id IN (?2, ?3) AND granted_at >= ?4",
        )?
        .query_row(params![device.id, customer, resolved, since], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Records that `device` may go on with `customer` (inside the push's transaction).
pub(crate) fn grant(
    conn: &Connection,
    device: &DeviceAuth,
    customer: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    let resolved = crate::db::resolve_customer(conn, customer)?;
    conn.prepare_cached(
        "INSERT INTO device_customers(device_id, customer_id, granted_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(device_id, customer_id) DO UPDATE SET granted_at = excluded.granted_at",
    )?
    .execute(params![device.id, resolved, crate::time::format(now)])?;
    Ok(())
}

/// Whether the release carries the customer's exact phone (as its E.164 key) and birthdate
/// as the store holds them: what the kiosk needed to recognise them.
fn knows_customer(conn: &Connection, customer: Uuid, release: &ReleaseContent) -> Result<bool> {
    let resolved = crate::db::resolve_customer(conn, customer)?;
    let stored: Option<(Option<String>, Option<String>)> = conn
        .prepare_cached("SELECT phone_key, birthdate FROM customers WHERE id = ?1")?
        .query_row([resolved], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((Some(phone_key), Some(birthdate))) = stored else {
        return Ok(false);
    };
    let given = |f: Field| release.customer.get(f.column()).map(String::as_str);
    let region = crate::phone_keys::region(conn)?;
    let phone = given(Field::PhoneNumber).and_then(|p| crate::normalize::phone_key(p, region).ok());
    let born = given(Field::Birthdate)
        .and_then(|b| Field::Birthdate.parse(b, region).ok().flatten())
        .map(|b| b.into_owned());
    Ok(phone.as_deref() == Some(phone_key.as_str()) && born.as_deref() == Some(birthdate.as_str()))
}

fn customer_exists(conn: &Connection, id: Uuid) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM customers WHERE id = ?1)")?
        .query_row([id], |r| r.get(0))?)
}

/// The staff member `name` names, if they exist and are active on the store.
fn active_staff(conn: &Connection, name: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT name FROM users WHERE name = ?1 AND disabled = 0")?
        .query_row([name.trim()], |r| r.get(0))
        .optional()?)
}

/// Applies `ms` as `device` would push them, in one transaction, all or none: the front
/// door's path for a device's change on the store. A refusal is an error naming why.
pub(crate) fn apply_as_device(
    db: &mut crate::db::Db,
    device: &DeviceAuth,
    ms: &[Mutation],
) -> Result<()> {
    let now = Utc::now();
    let (tx, sealer) = db.write_sealed()?;
    for m in ms {
        let admitted = admit(&tx, device, m, now)?.map_err(crate::error::Error::Invalid)?;
        crate::mutation::apply(&tx, sealer, &admitted.mutation)?;
        if let Some(customer) = admitted.grant {
            grant(&tx, device, customer, now)?;
        }
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_judged_by_the_time_they_carry() {
        let now = Utc::now();
        assert!(check_id(Uuid::now_v7(), now).is_ok());
        let far = Uuid::parse_str("ffffffff-ffff-7fff-bfff-ffffffffffff").expect("a uuid");
        assert!(check_id(far, now).is_err_and(|e| e.contains("ahead of the store's clock")));
        assert!(
            check_id(Uuid::from_u128(0x6ba7b810_9dad_41d1_80b4_00c04fd430c8), now)
                .is_err_and(|e| e.contains("not a UUIDv7"))
        );
        assert!(check_id(Uuid::nil(), now).is_err());
    }

    #[test]
    fn spans_read_as_people_say_them() {
        assert_eq!(describe(Duration::days(3) + Duration::hours(2)), "3 days");
        assert_eq!(describe(Duration::minutes(61)), "1 hour");
        assert_eq!(describe(Duration::seconds(400)), "7 minutes");
        assert_eq!(describe(Duration::days(3) - Duration::seconds(2)), "3 days");
        assert_eq!(
            clock_ahead_message(Duration::days(3)),
            "this device's clock is 3 days ahead of the store's: set the date and time"
        );
    }
}
