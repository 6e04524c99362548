//! `POST /v1/sync/check`: what the calling device's role should hold up to its cursor, as
//! a count and a hash (see `intake_common::sync::check`).

use std::sync::Arc;

use axum::Json;
use axum::extract::State as St;
use axum::http::StatusCode;
use intake_common::sync::{
    self,
    check::{CheckAnswer, CheckRequest},
};

use super::State;
use super::api::{ApiError, Caller};

pub async fn check(
    St(state): St<Arc<State>>,
    who: Option<axum::Extension<Caller>>,
    Json(req): Json<CheckRequest>,
) -> Result<Json<CheckAnswer>, ApiError> {
    let Some(axum::Extension(Caller::Device(device))) = who else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "only paired devices check what they hold",
        ));
    };
    if req.protocol != sync::PROTOCOL {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!(
                "this store speaks sync protocol {}, the device {}: update the older one",
                sync::PROTOCOL,
                req.protocol
            ),
        ));
    }
    if req.cursor < 0 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "cursor: give the change sequence the device has pulled up to (0 or more)",
        ));
    }
    let answer = state
        .pool
        .run(move |db| Ok(sync::check::store_summary(db, &device, req.cursor)?))
        .await?;
    Ok(Json(answer))
}
