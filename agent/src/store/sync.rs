//! Device routes: pairing, push, pull, and the consistency check.

use std::sync::Arc;

use axum::Json;
use axum::extract::State as St;
use axum::http::StatusCode;
use intake_common::sync::check::{CheckAnswer, CheckRequest};
use intake_common::sync::{
    self, PairRequest, PairResponse, PullRequest, PullResponse, PushRequest, PushResponse,
};
use uuid::Uuid;

use super::State;
use super::auth::{Caller, Who, caller_of};
use super::error::{ApiError, ApiResult};

pub async fn pair(
    St(state): St<Arc<State>>,
    axum::extract::ConnectInfo(client): axum::extract::ConnectInfo<std::net::SocketAddr>,
    Json(req): Json<PairRequest>,
) -> ApiResult<Json<PairResponse>> {
    let from = super::auth::throttle_address(client.ip());
    let paired = state
        .pool
        .run(move |db| Ok(sync::pair_from(db, &req.code, &from)?))
        .await?;
    Ok(Json(paired))
}

pub async fn push(
    St(state): St<Arc<State>>,
    who: Who,
    Json(req): Json<PushRequest>,
) -> ApiResult<Json<PushResponse>> {
    let Caller::Device(device) = caller_of(who)? else {
        return Err(ApiError::forbidden("only devices push"));
    };
    check_protocol(req.protocol)?;
    if req.mutations.len() > sync::PUSH_BATCH {
        return Err(ApiError::bad(format!(
            "a push carries at most {} mutations, this one {}",
            sync::PUSH_BATCH,
            req.mutations.len()
        )));
    }
    if let Some(after) = req.after {
        wait_for_batch(&state, device.id, after).await?;
    }
    let through = sync::Through {
        last: req.last,
        first: req.after.is_none(),
    };
    let results = state
        .pool
        .run(move |db| {
            let started = std::time::Instant::now();
            let results = sync::apply_push_through(db, &device, &req.mutations, Some(through))?;
            tracing::debug!(
                device = %device.name,
                mutations = results.len(),
                took_ms = started.elapsed().as_millis() as u64,
                "applied a push"
            );
            Ok(results)
        })
        .await?;
    state.pushed_moved.notify_waiters();
    Ok(Json(PushResponse { results }))
}

/// Waits until the device's batch ending at `after` was applied, by this store process or
/// another on the same database. Batches from one device travel side by side but apply in
/// outbox order; one whose predecessor never arrives (it failed) is refused, and the device
/// starts its round again.
async fn wait_for_batch(state: &Arc<State>, device: Uuid, after: i64) -> ApiResult<()> {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        // Woken at once by a push this process applied; another process's is seen within
        // a poll.
        let moved = state.pushed_moved.notified();
        tokio::pin!(moved);
        moved.as_mut().enable();
        let at = state
            .pool
            .run(move |db| Ok(sync::pushed_through(db.conn(), device)?))
            .await?;
        if at.is_some_and(|at| at >= after) {
            return Ok(());
        }
        let poll = tokio::time::Instant::now() + PUSH_POLL;
        if poll >= deadline {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "the batch before this one was never applied: send the outbox again from its start",
            ));
        }
        let _ = tokio::time::timeout_at(poll, moved).await;
    }
}

/// How often a batch waiting for its predecessor looks for it in the database.
const PUSH_POLL: std::time::Duration = std::time::Duration::from_millis(25);

pub async fn pull(
    St(state): St<Arc<State>>,
    who: Who,
    Json(req): Json<PullRequest>,
) -> ApiResult<Json<PullResponse>> {
    let Caller::Device(device) = caller_of(who)? else {
        return Err(ApiError::forbidden("only devices pull"));
    };
    check_protocol(req.protocol)?;
    let pulled = state
        .pool
        .run(move |db| Ok(sync::pull(db, &device, req.cursor, req.limit)?))
        .await?;
    Ok(Json(pulled))
}

/// What the calling device's role should hold up to its cursor, as a count and a hash
/// (see `intake_common::sync::check`).
pub async fn check(
    St(state): St<Arc<State>>,
    who: Who,
    Json(req): Json<CheckRequest>,
) -> ApiResult<Json<CheckAnswer>> {
    let Caller::Device(device) = caller_of(who)? else {
        return Err(ApiError::forbidden(
            "only paired devices check what they hold",
        ));
    };
    check_protocol(req.protocol)?;
    if req.cursor < 0 {
        return Err(ApiError::bad(
            "cursor: give the change sequence the device has pulled up to (0 or more)",
        ));
    }
    let answer = state
        .pool
        .run(move |db| Ok(sync::check::store_summary(db, &device, req.cursor)?))
        .await?;
    Ok(Json(answer))
}

fn check_protocol(protocol: u32) -> ApiResult<()> {
    if protocol != sync::PROTOCOL {
        return Err(ApiError::bad(format!(
            "this store speaks sync protocol {}, the device {protocol}: update the older one",
            sync::PROTOCOL
        )));
    }
    Ok(())
}
