//! Customer routes: search, show, create, change, and what is attached to a customer.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State as St};
use axum::http::StatusCode;
use intake_common::customer::Customer;
use intake_common::customer::{Contact, ContactKind, MedicalCondition, MedicalKind};
use intake_common::customers::Detail;
use intake_common::normalize::Region;
use intake_common::{Db, Field, Op, Profile, counter, customers};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::State;
use super::auth::{Caller, Who, caller_of};
use super::error::{ApiError, ApiResult};

#[derive(Deserialize, utoipa::IntoParams)]
pub struct SearchQuery {
    /// A name, e-mail or phone number.
    q: Option<String>,
    /// At most this many (50 if left out; 1 to 500).
    limit: Option<u32>,
}

pub async fn search(
    St(state): St<Arc<State>>,
    who: Who,
    Query(q): Query<SearchQuery>,
) -> ApiResult<Json<Vec<Customer>>> {
    let actor = caller_of(who)?.actor();
    let query = q.q.unwrap_or_default();
    if query.trim().is_empty() {
        return Err(ApiError::bad(
            "q: give a name, e-mail or phone number to search for",
        ));
    }
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let found = state
        .pool
        .run(move |db| Ok(counter::search(db, &actor, &query, limit)?))
        .await?;
    Ok(Json(found))
}

/// A customer's fields by studio column name (FirstName, Birthdate, ...); null clears one.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct Fields {
    fields: BTreeMap<String, Option<String>>,
}

/// The id of what was made or changed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Saved {
    pub id: Uuid,
}

/// The customer changed, and the mutation that changed it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Updated {
    pub id: Uuid,
    pub mutation: Uuid,
}

fn parse_fields(
    fields: &BTreeMap<String, Option<String>>,
    region: Region,
) -> ApiResult<Vec<(Field, Option<String>)>> {
    fields
        .iter()
        .map(|(name, value)| {
            crate::fields::parse(name, value.as_deref().unwrap_or(""), region)
                .map_err(|e| ApiError::bad(format!("fields.{name}: {e}")))
        })
        .collect()
}

pub fn parse_id(raw: &str) -> ApiResult<Uuid> {
    Ok(customers::parse_id(raw)?)
}

/// Makes a change as the caller, under the same rule as pushed mutations.
async fn act(state: &Arc<State>, caller: &Caller, op: Op) -> ApiResult<Uuid> {
    let by = caller.change_caller();
    state
        .pool
        .run(move |db: &mut Db| Ok(intake_common::change::submit(db, &by, op)?))
        .await
}

pub async fn create(
    St(state): St<Arc<State>>,
    who: Who,
    Json(body): Json<Fields>,
) -> ApiResult<(StatusCode, Json<Saved>)> {
    let caller = caller_of(who)?;
    let mut profile = Profile::default();
    for (field, value) in parse_fields(&body.fields, state.region)? {
        profile.set(field, value);
    }
    if !profile.is_identifiable() {
        return Err(ApiError::bad(
            "fields: a customer needs at least one of FirstName, LastName, Email, PhoneNumber",
        ));
    }
    let id = Uuid::now_v7();
    act(
        &state,
        &caller,
        Op::CreateCustomer {
            customer: id,
            profile,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Saved { id })))
}

pub async fn show(
    St(state): St<Arc<State>>,
    who: Who,
    Path(id): Path<String>,
) -> ApiResult<Json<Detail>> {
    let actor = caller_of(who)?.actor();
    let id = parse_id(&id)?;
    let detail = state
        .pool
        .run(move |db| Ok(customers::detail(db, &actor, id)?))
        .await?;
    Ok(Json(detail))
}

pub async fn update(
    St(state): St<Arc<State>>,
    who: Who,
    Path(id): Path<String>,
    Json(body): Json<Fields>,
) -> ApiResult<Json<Updated>> {
    let caller = caller_of(who)?;
    let customer = existing(&state, parse_id(&id)?).await?;
    let changes = parse_fields(&body.fields, state.region)?
        .into_iter()
        .collect();
    let mutation = act(&state, &caller, Op::UpdateCustomer { customer, changes }).await?;
    Ok(Json(Updated {
        id: customer,
        mutation,
    }))
}

/// The customer `id` resolves to, which must exist.
async fn existing(state: &Arc<State>, id: Uuid) -> ApiResult<Uuid> {
    state
        .pool
        .run(move |db| Ok(customers::get(db.conn(), id)?.id))
        .await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NoteBody {
    body: String,
}

pub async fn add_note(
    St(state): St<Arc<State>>,
    who: Who,
    Path(id): Path<String>,
    Json(b): Json<NoteBody>,
) -> ApiResult<(StatusCode, Json<Saved>)> {
    let caller = caller_of(who)?;
    let customer = existing(&state, parse_id(&id)?).await?;
    let body = b.body.trim().to_string();
    if body.is_empty() {
        return Err(ApiError::bad("body: the note is empty"));
    }
    let note = Uuid::now_v7();
    act(
        &state,
        &caller,
        Op::AddNote {
            customer,
            id: note,
            body,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Saved { id: note })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct FlagBody {
    kind: String,
    note: Option<String>,
}

pub async fn add_flag(
    St(state): St<Arc<State>>,
    who: Who,
    Path(id): Path<String>,
    Json(b): Json<FlagBody>,
) -> ApiResult<(StatusCode, Json<Saved>)> {
    let caller = caller_of(who)?;
    let customer = existing(&state, parse_id(&id)?).await?;
    let kind = b.kind.trim().to_string();
    if kind.is_empty() {
        return Err(ApiError::bad("kind: name the kind of flag, e.g. no-show"));
    }
    let flag = Uuid::now_v7();
    act(
        &state,
        &caller,
        Op::AddFlag {
            customer,
            id: flag,
            kind,
            note: b.note,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Saved { id: flag })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ContactBody {
    name: String,
    phone: Option<String>,
    relation: Option<String>,
}

pub async fn set_contact(
    St(state): St<Arc<State>>,
    who: Who,
    Path((id, kind)): Path<(String, String)>,
    Json(b): Json<ContactBody>,
) -> ApiResult<Json<Saved>> {
    let caller = caller_of(who)?;
    let customer = existing(&state, parse_id(&id)?).await?;
    let kind = match kind.as_str() {
        "emergency" => ContactKind::Emergency,
        "physician" => ContactKind::Physician,
        other => {
            return Err(ApiError::bad(format!(
                "{other:?} is not a contact kind: use emergency or physician"
            )));
        }
    };
    let name = b.name.trim().to_string();
    if name.is_empty() {
        return Err(ApiError::bad("name: the contact needs a name"));
    }
    let phone = b
        .phone
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            intake_common::normalize::phone(&p, state.region)
                .map_err(|e| ApiError::bad(format!("phone: {e}")))
        })
        .transpose()?;
    let contact = Contact {
        kind,
        name,
        phone,
        relation: b.relation,
    };
    act(&state, &caller, Op::SetContact { customer, contact }).await?;
    Ok(Json(Saved { id: customer }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ServiceBody {
    description: String,
    artist: Option<String>,
    started_at: Option<chrono::DateTime<chrono::Utc>>,
    ended_at: Option<chrono::DateTime<chrono::Utc>>,
}

pub async fn add_service(
    St(state): St<Arc<State>>,
    who: Who,
    Path(id): Path<String>,
    Json(b): Json<ServiceBody>,
) -> ApiResult<(StatusCode, Json<Saved>)> {
    let caller = caller_of(who)?;
    let customer = existing(&state, parse_id(&id)?).await?;
    let description = b.description.trim().to_string();
    if description.is_empty() {
        return Err(ApiError::bad("description: say what the service is"));
    }
    let started_at = b.started_at.unwrap_or_else(chrono::Utc::now);
    if b.ended_at.is_some_and(|e| e < started_at) {
        return Err(ApiError::bad(
            "ended_at: a service cannot end before it starts",
        ));
    }
    let service = Uuid::now_v7();
    act(
        &state,
        &caller,
        Op::RecordService {
            customer,
            id: service,
            description,
            artist: b.artist,
            started_at,
            ended_at: b.ended_at,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Saved { id: service })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct MedicalBody {
    kind: String,
    name: String,
    details: Option<String>,
}

pub async fn add_medical(
    St(state): St<Arc<State>>,
    who: Who,
    Path(id): Path<String>,
    Json(b): Json<MedicalBody>,
) -> ApiResult<(StatusCode, Json<Saved>)> {
    let caller = caller_of(who)?;
    let customer = existing(&state, parse_id(&id)?).await?;
    let kind: MedicalKind = b
        .kind
        .parse()
        .map_err(|e: String| ApiError::bad(format!("kind: {e}")))?;
    let name = b.name.trim().to_string();
    if name.is_empty() {
        return Err(ApiError::bad(
            "name: name the condition, allergy or medication",
        ));
    }
    let record = Uuid::now_v7();
    let condition = MedicalCondition {
        kind,
        name,
        details: b.details,
    };
    act(
        &state,
        &caller,
        Op::AddMedicalCondition {
            customer,
            id: record,
            condition,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Saved { id: record })))
}
