//! The bodies webhook endpoints receive: `{"type", "timestamp", "data"}`, with `data` one of
//! the types here according to `type`. The store's OpenAPI description takes their schemas
//! from these types.

use serde::Serialize;
use uuid::Uuid;

use crate::customer::{Customer, MedicalCondition};

/// Every message: what happened, when the message was made, and what it is about.
#[derive(Debug, Clone, Serialize)]
pub struct Envelope<D> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub timestamp: String,
    pub data: D,
}

/// `customer.created` and `customer.updated`: the customer as it is now. An endpoint
/// allowed medical details also finds `medical_conditions` (see
/// [`super::events::body_for`]).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerEvent {
    #[serde(flatten)]
    pub customer: Customer,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medical_conditions: Option<Vec<MedicalCondition>>,
}

/// `customer.deleted`: the customer is gone; `merged_into` names the survivor of a merge,
/// `reason` says why.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerDeleted {
    pub id: Uuid,
    pub deleted_at: String,
    pub merged_into: Option<Uuid>,
    pub reason: DeletionReason,
}

/// Why a customer is gone. A receiver that keeps its own copy deletes it whatever the
/// reason; `erased` and `retention` mean it must not keep one either. A counter's pull
/// carries it too (`sync::Change::Gone`); a kiosk's says only `erased`, or nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeletionReason {
    /// Deleted by staff.
    Deleted,
    /// Merged into `merged_into`.
    Merged,
    /// Erased on the customer's request.
    Erased,
    /// The shop's retention policy: nothing of theirs was left to keep.
    Retention,
}

impl DeletionReason {
    /// The reason of a tombstone: its erasure reason (`tombstones.reason`, set only by an
    /// erasure) and the survivor it was merged into, if any.
    pub fn of_tombstone(erasure: Option<&str>, survivor: Option<Uuid>) -> Self {
        match (erasure, survivor) {
            (Some("retention"), _) => DeletionReason::Retention,
            (Some(_), _) => DeletionReason::Erased,
            (None, Some(_)) => DeletionReason::Merged,
            (None, None) => DeletionReason::Deleted,
        }
    }

    /// Erased, on request or by the retention policy: nobody may keep a copy.
    pub fn is_erasure(self) -> bool {
        matches!(self, DeletionReason::Erased | DeletionReason::Retention)
    }
}

/// `customer.merged`: the survivor, and everyone merged into it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerMerged {
    pub id: Uuid,
    pub merged: Vec<Uuid>,
}

/// `release.signed`: a signed release's record (its content, signature and health answers
/// stay on the store).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReleaseSigned {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub template_id: String,
    pub template_version: i64,
    pub signed_at: String,
    pub device: String,
    pub content_sha256: String,
}
