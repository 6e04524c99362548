//! Sync between a device and the shop's store: the protocol's types, and what each side
//! does to its own database. No network code: the agent carries these over HTTPS.
//!
//! - Push: a device sends its outbox in order, in batches. The store applies each mutation
//!   in the batch's transaction (which records its id, so a replay changes nothing) and
//!   answers with a result for every id. The device drops a mutation from its outbox only
//!   when the answer names it; one the store refused for good moves to `outbox_rejected`.
//! - Pull: the store's change sequence numbers every change to a customer (and every
//!   deletion, through `tombstones`). A device asks for what came after its cursor and gets
//!   what its role may hold: a counter whole customers (medical details only when it was
//!   paired for them), a kiosk only its recognition entries.

mod boundary;
pub mod check;
mod device;
mod devices;
mod locations;
pub mod paired;
mod store;

pub use boundary::*;
pub use device::*;
pub use devices::*;
pub use locations::*;
pub use paired::{queue_or_refuse, refuse_on_device};
pub use store::*;

use crate::db::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::customer::{Contact, MedicalCondition, Profile};
use crate::error::Result;
use crate::mutation::Mutation;
use crate::users::Role;

/// The protocol's version, sent with every request.
pub const PROTOCOL: u32 = 1;
/// The most mutations one push carries (a few MB with signatures: fewer round trips and
/// fewer commits matter more than small requests).
pub const PUSH_BATCH: usize = 2000;
/// The most changes one pull returns.
pub const PULL_BATCH: u32 = 1000;
/// How far a device's clock, and the time in what it sends, may run ahead of the store's.
pub const CLOCK_TOLERANCE_SECS: i64 = 5 * 60;
/// Where a kiosk keeps the argon2id hash of its staff exit code (in `meta`).
pub const KEY_KIOSK_EXIT: &str = "kiosk_exit_hash";

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PairRequest {
    pub code: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PairResponse {
    pub device_id: Uuid,
    pub name: String,
    pub role: DeviceRole,
    pub medical: bool,
    pub token: String,
    /// A kiosk's key for recognising returning customers (base64); `None` for a counter.
    pub recognition_key: Option<String>,
}

/// What a paired device is.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceRole {
    Kiosk,
    Counter,
}

impl DeviceRole {
    pub fn name(self) -> &'static str {
        match self {
            Self::Kiosk => "kiosk",
            Self::Counter => "counter",
        }
    }

    pub fn role(self) -> Role {
        match self {
            Self::Kiosk => Role::Kiosk,
            Self::Counter => Role::Counter,
        }
    }
}

impl std::str::FromStr for DeviceRole {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "kiosk" => Ok(Self::Kiosk),
            "counter" => Ok(Self::Counter),
            other => Err(format!(
                "unknown device role {other:?}: use kiosk or counter"
            )),
        }
    }
}

impl std::fmt::Display for DeviceRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushRequest {
    pub protocol: u32,
    pub mutations: Vec<Mutation>,
    /// With several batches on their way at once: the outbox position the previous batch
    /// ended at, which the store must have applied before this one. `None` for a round's
    /// first batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<i64>,
    /// The outbox position this batch ends at.
    #[serde(default)]
    pub last: i64,
}

/// A [`PushRequest`] as a device sends it: the mutations as the JSON they were queued as.
#[derive(Debug, Serialize)]
pub struct RawPushRequest {
    pub protocol: u32,
    pub mutations: Vec<Box<serde_json::value::RawValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<i64>,
    pub last: i64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushResponse {
    pub results: Vec<PushResult>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResult {
    pub id: Uuid,
    #[serde(flatten)]
    pub outcome: Outcome,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Applied,
    /// Applied before (a replay): nothing changed.
    AlreadyApplied,
    /// Refused for good: the device keeps it aside and does not send it again.
    Rejected {
        reason: String,
    },
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PullRequest {
    pub protocol: u32,
    /// The change sequence the device has seen up to (0: nothing yet).
    pub cursor: i64,
    pub limit: u32,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PullResponse {
    pub changes: Vec<Change>,
    /// Where the next pull starts.
    pub cursor: i64,
    /// Whether more changes wait after `cursor`.
    pub more: bool,
    /// Staff who may sign in on the device (names, roles and PIN hashes). A counter's
    /// only: a kiosk never receives them.
    #[serde(default)]
    pub users: Vec<SyncedUser>,
    /// A kiosk's staff exit code (argon2id PHC string); `None`: none set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kiosk_exit_hash: Option<String>,
    /// A kiosk's own recognition key (base64), in each of its pulls. A kiosk holding another
    /// (one paired before each kiosk had its own) drops its entries and pulls from the start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recognition_key: Option<String>,
    /// The store's clock when it answered, so a device can tell its own clock is wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_time: Option<chrono::DateTime<chrono::Utc>>,
    /// The chain location the device belongs to, in each of its pulls; `None`: none (a
    /// single shop, or a device not placed yet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncedUser {
    pub id: Uuid,
    pub name: String,
    pub role: String,
    pub pin_hash: String,
    pub created_at: String,
    pub disabled: bool,
}

// A customer record is a few KiB; a pull holds a few hundred of them.
#[allow(clippy::large_enum_variant)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    /// A counter's copy of a customer and everything attached.
    Customer(CustomerRecord),
    /// A kiosk's entry for recognising a returning customer.
    Recognition(RecognitionEntry),
    /// The customer is gone: deleted, merged into `survivor` or erased, as `reason` says.
    /// A kiosk hears only `erased` (on request or by the retention policy alike) or no
    /// reason: deleted, merged, or nothing left to recognise them by (no phone or no
    /// birthdate).
    Gone {
        customer: Uuid,
        survivor: Option<Uuid>,
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            deserialize_with = "lenient_reason"
        )]
        reason: Option<crate::webhook::payload::DeletionReason>,
    },
}

/// A reason this device does not know (from a newer store) reads as none, the side that
/// keeps what the device holds, rather than failing the whole pull.
fn lenient_reason<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<crate::webhook::payload::DeletionReason>, D::Error> {
    let raw = Option::<serde_json::Value>::deserialize(d)?;
    Ok(raw.and_then(|v| serde_json::from_value(v).ok()))
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerRecord {
    pub id: Uuid,
    pub profile: Profile,
    /// Field -> id of the mutation that last set it (JSON), for last-writer-wins.
    pub versions: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub flags: Vec<FlagRow>,
    pub notes: Vec<NoteRow>,
    pub contacts: Vec<ContactRow>,
    pub services: Vec<ServiceRow>,
    pub acknowledgements: Vec<AckRow>,
    pub releases: Vec<ReleaseRow>,
    pub medical: MedicalRows,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlagRow {
    pub id: Uuid,
    pub kind: String,
    pub note: Option<String>,
    pub created_at: String,
    pub created_by: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoteRow {
    pub id: Uuid,
    pub body: String,
    pub author: String,
    pub created_at: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactRow {
    pub contact: Contact,
    pub updated_at: String,
    pub version: Uuid,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceRow {
    pub id: Uuid,
    pub description: String,
    pub artist: Option<String>,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub created_at: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AckRow {
    pub id: Uuid,
    pub by: String,
    pub at: String,
    pub flags: i64,
    pub medical: i64,
}

/// A signed release's record. Its sealed content (signature, answers) stays on the store.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleaseRow {
    pub id: Uuid,
    pub template_id: String,
    pub template_version: u32,
    pub signed_at: String,
    pub device: String,
    pub sha256: String,
    /// The chain location it was signed at (the store's record of the device's location).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

/// Medical records as a device may hold them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "medical", rename_all = "snake_case")]
pub enum MedicalRows {
    Details {
        records: Vec<MedicalRow>,
    },
    /// A device without `medical:customer` learns only how many there are.
    Count {
        count: i64,
    },
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MedicalRow {
    pub id: Uuid,
    pub condition: MedicalCondition,
    pub created_at: String,
    pub created_by: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecognitionEntry {
    pub customer: Uuid,
    /// Keyed hash of phone (E.164) and birthdate, hex.
    pub lookup: String,
    /// The profile and contacts, sealed under a key made from the same two values (base64).
    pub sealed: String,
}

/// Where this database stands in sync, for `intake-agent status` and the counter display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    /// `None`: no store configured, this database is its own store (the embedded default).
    pub device: Option<DeviceInfo>,
    /// Mutations waiting to be pushed.
    pub pending: i64,
    /// Mutations the store refused for good (kept in `outbox_rejected`).
    pub rejected: i64,
    pub last_success: Option<String>,
    pub last_attempt: Option<String>,
    pub last_error: Option<String>,
    pub cursor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceInfo {
    pub name: String,
    pub role: DeviceRole,
    pub store: String,
    pub medical: bool,
}

/// Reads the sync status. Cheap: a few rows of `meta` and two counts.
pub fn status(conn: &Connection) -> Result<Status> {
    let device = match meta(conn, KEY_STORE_URL)? {
        Some(store) => Some(DeviceInfo {
            name: meta(conn, KEY_DEVICE_NAME)?.unwrap_or_default(),
            role: meta(conn, KEY_DEVICE_ROLE)?
                .and_then(|r| r.parse().ok())
                .unwrap_or(DeviceRole::Kiosk),
            store,
            medical: meta(conn, KEY_MEDICAL)?.as_deref() == Some("1"),
        }),
        None => None,
    };
    Ok(Status {
        device,
        pending: conn.query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))?,
        rejected: conn.query_row("SELECT count(*) FROM outbox_rejected", [], |r| r.get(0))?,
        last_success: meta(conn, KEY_LAST_SUCCESS)?,
        last_attempt: meta(conn, KEY_LAST_ATTEMPT)?,
        last_error: meta(conn, KEY_LAST_ERROR)?.filter(|e| !e.is_empty()),
        cursor: meta(conn, KEY_CURSOR)?
            .and_then(|c| c.parse().ok())
            .unwrap_or(0),
    })
}

pub(crate) const KEY_STORE_URL: &str = "sync_store_url";
pub(crate) const KEY_FINGERPRINT: &str = "sync_store_fingerprint";
pub(crate) const KEY_TOKEN: &str = "sync_token";
pub(crate) const KEY_DEVICE_ID: &str = "sync_device_id";
pub(crate) const KEY_DEVICE_NAME: &str = "sync_device_name";
pub(crate) const KEY_DEVICE_ROLE: &str = "sync_device_role";
pub(crate) const KEY_MEDICAL: &str = "sync_medical";
pub(crate) const KEY_RECOGNITION: &str = "sync_recognition_key";
pub(crate) const KEY_CURSOR: &str = "sync_cursor";
pub(crate) const KEY_LAST_SUCCESS: &str = "sync_last_success";
pub(crate) const KEY_LAST_ATTEMPT: &str = "sync_last_attempt";
pub(crate) const KEY_LAST_ERROR: &str = "sync_last_error";

pub(crate) fn meta(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

pub(crate) fn set_meta(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO meta(key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    )?
    .execute([key, value])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhook::payload::DeletionReason;

    #[test]
    fn a_gone_change_reads_its_reason_and_an_unknown_or_missing_one_as_none() {
        let read = |reason: &str| -> Change {
            serde_json::from_str(&format!(
                r#"{{"change":"gone","customer":"0193b2c4-0000-7000-8000-000000000001","survivor":null{reason}}}"#
            ))
            .unwrap()
        };
        let reason = |c: Change| match c {
            Change::Gone { reason, .. } => reason,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            reason(read(r#","reason":"erased""#)),
            Some(DeletionReason::Erased)
        );
        assert_eq!(reason(read(r#","reason":"archived""#)), None);
        assert_eq!(reason(read("")), None, "an older store says none");
    }
}
