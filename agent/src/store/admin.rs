//! Admin routes: duplicates and merges, devices, and staff sessions.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State as St};
use axum::http::StatusCode;
use intake_common::duplicates::{Group, MergeReport};
use intake_common::sessions::Session;
use intake_common::sync::{self, DeviceRole};
use intake_common::sync::{DeviceRecord, NewDevice};
use intake_common::{duplicates, sessions};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::State;
use super::auth::{Caller, Who, caller_of};
use super::customers::parse_id;
use super::error::{ApiError, ApiResult};

pub async fn list_duplicates(St(state): St<Arc<State>>, who: Who) -> ApiResult<Json<Vec<Group>>> {
    let actor = caller_of(who)?.actor();
    let groups = state
        .pool
        .run(move |db| Ok(duplicates::find(db, &actor)?))
        .await?;
    Ok(Json(groups))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct MergeBody {
    target: String,
    duplicates: Vec<String>,
}

pub async fn merge(
    St(state): St<Arc<State>>,
    who: Who,
    Json(b): Json<MergeBody>,
) -> ApiResult<Json<MergeReport>> {
    let actor = caller_of(who)?.actor();
    let target = parse_id(&b.target)?;
    let dups = b
        .duplicates
        .iter()
        .map(|d| parse_id(d))
        .collect::<ApiResult<Vec<_>>>()?;
    if dups.is_empty() {
        return Err(ApiError::bad(
            "duplicates: name at least one customer to merge",
        ));
    }
    let report = state
        .pool
        .run(move |db| Ok(duplicates::merge(db, &actor, target, &dups)?))
        .await?;
    Ok(Json(report))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PairBody {
    a: String,
    b: String,
}

/// The two customers now marked as not duplicates.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NotDuplicates {
    pub a: Uuid,
    pub b: Uuid,
}

pub async fn not_duplicate(
    St(state): St<Arc<State>>,
    who: Who,
    Json(b): Json<PairBody>,
) -> ApiResult<Json<NotDuplicates>> {
    let actor = caller_of(who)?.actor();
    let (a, bb) = (parse_id(&b.a)?, parse_id(&b.b)?);
    state
        .pool
        .run(move |db| Ok(duplicates::mark_not_duplicate(db, &actor, a, bb)?))
        .await?;
    Ok(Json(NotDuplicates { a, b: bb }))
}

pub async fn list_devices(
    St(state): St<Arc<State>>,
    who: Who,
) -> ApiResult<Json<Vec<DeviceRecord>>> {
    let actor = caller_of(who)?.actor();
    let list = state
        .pool
        .run(move |db| Ok(sync::list_devices(db, &actor)?))
        .await?;
    Ok(Json(list))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewDeviceBody {
    name: String,
    role: String,
    #[serde(default)]
    medical: bool,
}

pub async fn add_device(
    St(state): St<Arc<State>>,
    who: Who,
    Json(b): Json<NewDeviceBody>,
) -> ApiResult<(StatusCode, Json<NewDevice>)> {
    let actor = caller_of(who)?.actor();
    let role: DeviceRole = b
        .role
        .parse()
        .map_err(|e: String| ApiError::bad(format!("role: {e}")))?;
    let made = state
        .pool
        .run(move |db| Ok(sync::add_device(db, &actor, &b.name, role, b.medical)?))
        .await?;
    Ok((StatusCode::CREATED, Json(made)))
}

/// The device revoked, by name.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeviceRevoked {
    pub revoked: String,
}

pub async fn revoke_device(
    St(state): St<Arc<State>>,
    who: Who,
    Path(name): Path<String>,
) -> ApiResult<Json<DeviceRevoked>> {
    let actor = caller_of(who)?.actor();
    let revoked = name.clone();
    state
        .pool
        .run(move |db| Ok(sync::revoke_device(db, &actor, &name)?))
        .await?;
    Ok(Json(DeviceRevoked { revoked }))
}

// ---- sessions

pub async fn list_sessions(St(state): St<Arc<State>>, who: Who) -> ApiResult<Json<Vec<Session>>> {
    let actor = caller_of(who)?.actor();
    let list = state
        .pool
        .run(move |db| Ok(sessions::list(db, &actor)?))
        .await?;
    Ok(Json(list))
}

/// The session ended, whose it was, and whether it was the caller's own.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionEnded {
    pub revoked: Uuid,
    pub user: String,
    pub signed_out: bool,
}

/// Ends a session: the caller's own (signing out), or, with manage:users, anyone's.
pub async fn revoke_session(
    St(state): St<Arc<State>>,
    who: Who,
    Path(id): Path<String>,
) -> ApiResult<Json<SessionEnded>> {
    let Caller::Staff { actor, session } = caller_of(who)? else {
        return Err(ApiError::forbidden(
            "only a signed-in staff member's session ends sessions",
        ));
    };
    let ended = state
        .pool
        .run(move |db| Ok(sessions::revoke(db, &actor, &id, Some(session))?))
        .await?;
    Ok(Json(SessionEnded {
        revoked: ended.id,
        user: ended.user,
        signed_out: ended.id == session,
    }))
}
