//! Admin routes: duplicates and merges, devices, and staff sessions.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State as St};
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

/// A page of duplicates holds this many groups unless asked for fewer...
pub const DUPLICATES_PAGE: usize = 50;
/// ...and never more than this.
pub const DUPLICATES_PAGE_MAX: usize = 500;

#[derive(Deserialize, utoipa::IntoParams)]
pub struct DuplicatesQuery {
    /// Where the page starts: the `next` of the page before (the first page if left out).
    after: Option<String>,
    /// At most this many groups: 50 if left out, 1 to 500 (more is taken as 500).
    #[param(value_type = Option<u32>, minimum = 1)]
    limit: Option<String>,
}

/// A page of groups of likely duplicates, in order of last name and birthdate.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DuplicatesPage {
    pub groups: Vec<Group>,
    /// Give it as `after` for the next page; null when this page is the last.
    pub next: Option<String>,
}

pub async fn list_duplicates(
    St(state): St<Arc<State>>,
    who: Who,
    Query(q): Query<DuplicatesQuery>,
) -> ApiResult<Json<DuplicatesPage>> {
    let actor = caller_of(who)?.actor();
    let limit = match q.limit.as_deref().map(str::trim) {
        None => DUPLICATES_PAGE,
        Some(raw) => match raw.parse::<u64>() {
            Ok(0) | Err(_) => {
                return Err(ApiError::bad(format!(
                    "limit: {raw:?} is not a number of groups; give 1 to {DUPLICATES_PAGE_MAX}"
                )));
            }
            Ok(n) => usize::try_from(n).map_or(DUPLICATES_PAGE_MAX, |n| n.min(DUPLICATES_PAGE_MAX)),
        },
    };
    let after = q
        .after
        .as_deref()
        .map(str::parse::<duplicates::Cursor>)
        .transpose()
        .map_err(|e| ApiError::bad(format!("after: {e}")))?;
    let page = state
        .pool
        .run(move |db| {
            let mut groups = Vec::new();
            let next = duplicates::for_each_group(db, &actor, after.as_ref(), Some(limit), |g| {
                groups.push(g);
                Ok::<_, intake_common::Error>(())
            })?;
            Ok(DuplicatesPage {
                groups,
                next: next.map(|c| c.to_string()),
            })
        })
        .await?;
    Ok(Json(page))
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
    /// The chain location it stands at (an id from `intake-agent location list`).
    #[serde(default)]
    location: Option<String>,
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
        .run(move |db| {
            Ok(sync::add_device_at(
                db,
                &actor,
                &b.name,
                role,
                b.medical,
                b.location.as_deref(),
            )?)
        })
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
