//! Web Sign links for one visit, made, listed and revoked by staff with `invite:customer`
//! (see `intake_common::visit_links`; each call audited there).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State as St};
use axum::http::{HeaderMap, StatusCode, header};
use intake_common::visit_links::{self, VisitLink};
use serde::{Deserialize, Serialize};

use super::State;
use super::auth::{Who, caller_of};
use super::customers::parse_id;
use super::error::ApiResult;

/// A link to make: for a customer on file (`customer`), or someone new (`name`).
#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewLinkBody {
    /// The customer's id.
    customer: Option<String>,
    /// The name staff typed: someone new's, or the greeting's (its first word).
    name: Option<String>,
    /// How long the link lasts: 1 to 336 (14 days); 72 when left out.
    hours: Option<u32>,
}

/// A link just made: its address holds the token, shown this once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NewLink {
    pub link: VisitLink,
    pub url: String,
}

/// The shop's Web Sign address: the one in its settings, else the one this request came to.
fn sign_address(state: &State, headers: &HeaderMap) -> String {
    if let Some(a) = state.web_sign.as_ref().and_then(|w| w.address()) {
        return a;
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("STORE");
    format!("https://{host}/sign")
}

pub async fn make(
    St(state): St<Arc<State>>,
    who: Who,
    headers: HeaderMap,
    Json(b): Json<NewLinkBody>,
) -> ApiResult<(StatusCode, Json<NewLink>)> {
    let actor = caller_of(who)?.actor();
    let customer = b.customer.as_deref().map(parse_id).transpose()?;
    let hours = b.hours.unwrap_or(visit_links::DEFAULT_HOURS);
    let made = state
        .pool
        .run(move |db| {
            Ok(visit_links::make(
                db,
                &actor,
                customer,
                b.name.as_deref(),
                hours,
            )?)
        })
        .await?;
    let url = visit_links::url(&sign_address(&state, &headers), &made.token);
    Ok((
        StatusCode::CREATED,
        Json(NewLink {
            link: made.link,
            url,
        }),
    ))
}

pub async fn list(St(state): St<Arc<State>>, who: Who) -> ApiResult<Json<Vec<VisitLink>>> {
    let actor = caller_of(who)?.actor();
    let list = state
        .pool
        .run(move |db| Ok(visit_links::list(db, &actor)?))
        .await?;
    Ok(Json(list))
}

pub async fn revoke(
    St(state): St<Arc<State>>,
    who: Who,
    Path(id): Path<String>,
) -> ApiResult<Json<VisitLink>> {
    let actor = caller_of(who)?.actor();
    let link = state
        .pool
        .run(move |db| Ok(visit_links::revoke(db, &actor, &id)?))
        .await?;
    Ok(Json(link))
}
