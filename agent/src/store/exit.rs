//! A lobby kiosk's staff exit, checked by the store: the kiosk holds no staff PIN hashes, so
//! when the PIN typed on its exit pad is not the kiosk's own exit code it asks here. The
//! store checks it against its active staff (the PIN-only sign-in), throttled per kiosk and across every kiosk together, and only for the
//! roles whose PINs are six digits or more (the front desk uses the kiosk's exit code).

use std::sync::Arc;

use axum::Json;
use axum::extract::State as St;
use intake_common::sync::DeviceRole;
use intake_common::{audit, users};
use serde::{Deserialize, Serialize};

use super::State;
use super::auth::{Caller, Who, caller_of};
use super::error::{ApiError, ApiResult};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ExitRequest {
    pin: String,
}

/// Whose staff PIN it was.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExitAllowed {
    pub user: String,
    pub role: String,
}

/// `POST /v1/kiosk/exit {"pin"}`: 200 `{"user", "role"}` for an active staff member's PIN,
/// 401 for any other, 429 (with `Retry-After`) once the kiosk's pad is locked. Only a kiosk
/// asks; a counter or a person is refused.
pub async fn check(
    St(state): St<Arc<State>>,
    who: Who,
    Json(req): Json<ExitRequest>,
) -> ApiResult<Json<ExitAllowed>> {
    let device = match caller_of(who)? {
        Caller::Device(d) if d.role == DeviceRole::Kiosk => d,
        Caller::Device(d) => {
            return Err(ApiError::forbidden(format!(
                "{} is a {}: only a lobby kiosk's staff exit asks the store for a PIN",
                d.name, d.role
            )));
        }
        Caller::Staff { actor, .. } => {
            return Err(ApiError::forbidden(format!(
                "{} is a person: only a lobby kiosk's staff exit asks the store for a PIN",
                actor.name
            )));
        }
    };
    let actor = state
        .pool
        .run(move |db| {
            let actor = users::kiosk_exit_on_store(db, &req.pin, &device.name, chrono::Utc::now())?;
            audit::record(
                db.conn(),
                &actor.name,
                "kiosk.exit",
                None,
                &format!("staff exit of kiosk {}, checked by the store", device.name),
            )?;
            tracing::info!(staff = %actor.name, kiosk = %device.name, "staff exit checked");
            Ok(actor)
        })
        .await?;
    Ok(Json(ExitAllowed {
        role: actor.role.name().to_string(),
        user: actor.name,
    }))
}
