//! Receiving an upload: its place among the waiting uploads is taken before the file
//! arrives, each part goes to the database sealed as it arrives, and this process keeps a
//! copy to read. A file that does not arrive whole gives its place back.

use std::sync::Arc;

use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::http::StatusCode;
use intake_common::uploads;
use uuid::Uuid;

use super::super::super::State as StoreState;
use super::super::super::error::{ApiError, ApiResult};
use super::super::super::files::{UPLOADS, private_dir};
use super::super::words::Msg;
use super::super::{Page, Staff, import_pages as pages};
use super::jobs::{self, remove_local, settled};
use super::{LIMITS, now};

/// `POST /console/import` (multipart): the CSV, after the form's token.
pub async fn upload(staff: Staff, multipart: Result<Multipart, MultipartRejection>) -> Page {
    match receive(&staff, multipart).await {
        Ok(id) => Page::redirect(&format!("/console/import/{id}")),
        Err((status, why)) => pages::start(&staff, &[], Some(&why), status),
    }
}

async fn receive(
    staff: &Staff,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Uuid, (StatusCode, String)> {
    let w = staff.words();
    let bad = |m: Msg| (StatusCode::BAD_REQUEST, w.get(m).into_owned());
    let failed = |e: ApiError| (e.status(), e.message().to_string());
    let mut multipart = multipart.map_err(|_| bad(Msg::ImportNotAForm))?;
    if !staff.token_first(&mut multipart).await {
        return Err((StatusCode::FORBIDDEN, w.get(Msg::RefusedForm).into_owned()));
    }
    // The place is taken before the file arrives, counted in the same transaction: uploads
    // sent at once, to any store process, cannot each pass the count.
    let id = Uuid::now_v7();
    let user = staff.actor.name.clone();
    let taken = settled(&staff.state, move |db| {
        Ok(uploads::reserve(db, id, &user, now(), LIMITS)?)
    })
    .await
    .map_err(failed)?;
    if !taken {
        return Err((
            StatusCode::TOO_MANY_REQUESTS,
            w.get(Msg::ImportTooMany).into_owned(),
        ));
    }
    let mut slot = Slot {
        state: Arc::clone(&staff.state),
        id,
        kept: false,
    };
    let mut field = loop {
        match multipart.next_field().await {
            Ok(Some(f)) if f.name() == Some("file") => break f,
            Ok(Some(_)) => continue,
            Ok(None) => return Err(bad(Msg::ImportNoFile)),
            Err(e) => return Err(too_large_or(e, &w)),
        }
    };
    let name: String = field
        .file_name()
        .unwrap_or("upload.csv")
        .chars()
        .filter(|c| !c.is_control())
        .take(120)
        .collect();
    // Each part goes to the database sealed as it arrives; this process keeps a copy to
    // read.
    let dir = staff.state.data_dir.join(UPLOADS);
    let io = |e: std::io::Error| {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("{}: {e}", dir.display()),
        )
    };
    private_dir(&dir).map_err(io)?;
    let mut copy = tempfile::Builder::new()
        .prefix(&format!(".{}", jobs::PREFIX))
        .tempfile_in(&dir)
        .map_err(io)?;
    let (mut part, mut n, mut bytes) = (Vec::with_capacity(uploads::PART), 0i64, 0u64);
    loop {
        let chunk = match field.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            Err(e) => return Err(too_large_or(e, &w)),
        };
        bytes += chunk.len() as u64;
        std::io::Write::write_all(copy.as_file_mut(), &chunk).map_err(io)?;
        let mut rest = &chunk[..];
        while !rest.is_empty() {
            let room = uploads::PART - part.len();
            let (now_in, later) = rest.split_at(room.min(rest.len()));
            part.extend_from_slice(now_in);
            rest = later;
            if part.len() == uploads::PART {
                store_part(staff, id, n, std::mem::take(&mut part))
                    .await
                    .map_err(failed)?;
                n += 1;
            }
        }
    }
    if bytes == 0 {
        return Err(bad(Msg::ImportNoFile));
    }
    if !part.is_empty() {
        store_part(staff, id, n, part).await.map_err(failed)?;
    }
    copy.persist(jobs::upload_path(&staff.state.data_dir, id, "csv"))
        .map_err(|e| io(e.error))?;
    staff
        .state
        .pool
        .run(move |db| Ok(uploads::received(db, id, &name, bytes, now())?))
        .await
        .map_err(failed)?;
    slot.kept = true;
    tracing::info!(user = %staff.actor.name, bytes, "console upload received");
    Ok(id)
}

async fn store_part(staff: &Staff, id: Uuid, n: i64, part: Vec<u8>) -> ApiResult<()> {
    staff
        .state
        .pool
        .run(move |db| Ok(uploads::add_part(db, id, n, &part)?))
        .await
}

/// A place among the waiting uploads, taken before the file arrives; given back unless the
/// file arrived whole.
struct Slot {
    state: Arc<StoreState>,
    id: Uuid,
    kept: bool,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if self.kept {
            return;
        }
        let (state, id) = (Arc::clone(&self.state), self.id);
        remove_local(&state.data_dir, id);
        tokio::spawn(async move {
            if let Err(e) = state
                .pool
                .run(move |db| Ok(uploads::abandon(db, id)?))
                .await
            {
                tracing::warn!(%id, error = %e.message(), "could not give back an upload's place");
            }
        });
    }
}

/// A multipart error as the page says it: too large, or not readable.
fn too_large_or(
    e: axum::extract::multipart::MultipartError,
    w: &super::super::Words<'_>,
) -> (StatusCode, String) {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            w.get(Msg::TooLarge).into_owned(),
        )
    } else {
        (
            StatusCode::BAD_REQUEST,
            w.get(Msg::ImportNotAForm).into_owned(),
        )
    }
}
