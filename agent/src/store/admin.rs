//! Admin routes: duplicates and merges, devices, and staff sessions.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State as St};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use intake_common::sync::{self, DeviceRole};
use intake_common::{duplicates, sessions};
use serde::Deserialize;
use serde_json::{Value, json};

use super::State;
use super::auth::{Caller, Who, caller_of};
use super::customers::parse_id;
use super::error::{ApiError, ApiResult, to_json};

pub async fn list_duplicates(St(state): St<Arc<State>>, who: Who) -> ApiResult<Json<Value>> {
    let actor = caller_of(who)?.actor();
    let groups = state
        .pool
        .run(move |db| Ok(duplicates::find(db, &actor)?))
        .await?;
    Ok(Json(Value::Array(
        groups.iter().map(duplicates::Group::to_json).collect(),
    )))
}

#[derive(Deserialize)]
pub struct MergeBody {
    target: String,
    duplicates: Vec<String>,
}

pub async fn merge(
    St(state): St<Arc<State>>,
    who: Who,
    Json(b): Json<MergeBody>,
) -> ApiResult<Json<Value>> {
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
    Ok(Json(json!({
        "target": report.target,
        "merged": report.merged,
        "fields_filled": report.fields_filled,
        "records_moved": report.records_moved,
    })))
}

#[derive(Deserialize)]
pub struct PairBody {
    a: String,
    b: String,
}

pub async fn not_duplicate(
    St(state): St<Arc<State>>,
    who: Who,
    Json(b): Json<PairBody>,
) -> ApiResult<Json<Value>> {
    let actor = caller_of(who)?.actor();
    let (a, bb) = (parse_id(&b.a)?, parse_id(&b.b)?);
    state
        .pool
        .run(move |db| Ok(duplicates::mark_not_duplicate(db, &actor, a, bb)?))
        .await?;
    Ok(Json(json!({ "a": a, "b": bb })))
}

pub async fn list_devices(St(state): St<Arc<State>>, who: Who) -> ApiResult<Json<Value>> {
    let actor = caller_of(who)?.actor();
    let list = state
        .pool
        .run(move |db| Ok(sync::list_devices(db, &actor)?))
        .await?;
    to_json(list)
}

#[derive(Deserialize)]
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
) -> ApiResult<impl IntoResponse> {
    let actor = caller_of(who)?.actor();
    let role: DeviceRole = b
        .role
        .parse()
        .map_err(|e: String| ApiError::bad(format!("role: {e}")))?;
    let made = state
        .pool
        .run(move |db| Ok(sync::add_device(db, &actor, &b.name, role, b.medical)?))
        .await?;
    Ok((StatusCode::CREATED, to_json(made)?))
}

pub async fn revoke_device(
    St(state): St<Arc<State>>,
    who: Who,
    Path(name): Path<String>,
) -> ApiResult<Json<Value>> {
    let actor = caller_of(who)?.actor();
    let revoked = name.clone();
    state
        .pool
        .run(move |db| Ok(sync::revoke_device(db, &actor, &name)?))
        .await?;
    Ok(Json(json!({ "revoked": revoked })))
}

// ---- sessions

pub async fn list_sessions(St(state): St<Arc<State>>, who: Who) -> ApiResult<Json<Value>> {
    let actor = caller_of(who)?.actor();
    let list = state
        .pool
        .run(move |db| Ok(sessions::list(db, &actor)?))
        .await?;
    to_json(list)
}

/// Ends a session: the caller's own (signing out), or, with manage:users, anyone's.
pub async fn revoke_session(
    St(state): St<Arc<State>>,
    who: Who,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let Caller::Staff { actor, session } = caller_of(who)? else {
        return Err(ApiError::forbidden(
            "only a signed-in staff member's session ends sessions",
        ));
    };
    let ended = state
        .pool
        .run(move |db| Ok(sessions::revoke(db, &actor, &id, Some(session))?))
        .await?;
    Ok(Json(json!({
        "revoked": ended.id,
        "user": ended.user,
        "signed_out": ended.id == session,
    })))
}
