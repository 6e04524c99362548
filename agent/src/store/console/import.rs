//! Importing a customer list from the console: upload a CSV, see which field each column
//! goes to and change any of them, check the whole file (a dry run: the per-line report,
//! nothing stored), then import it with a progress bar and keep the report.
//!
//! The import is the command line's own (`intake_common::csvio::import`), so its rules,
//! matching and report are the same. An upload waits in the database, sealed with the
//! store's key (`intake_common::uploads`), so every store process of a chain serves each
//! of its steps; each process reads its own owner-only copy of the file in `uploads/`. An
//! upload belongs to the staff member who sent it (another gets a 404), and is removed when
//! its import ends, when it is discarded, or after an hour. An import is one transaction:
//! if the process running it dies, the next look at it finds nothing stored and the upload
//! ready to run again.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use intake_common::csvio::layout::{Target, parse_target};
use intake_common::csvio::{Format, Layout};
use intake_common::normalize::DateFormat;
use intake_common::uploads::{self, Limits, State};
use uuid::Uuid;

use super::super::State as StoreState;
use super::super::error::{ApiError, ApiResult};
use super::super::files::UPLOADS;
use super::words::Msg;
use super::{Page, Posted, Staff, import_pages as pages};

mod jobs;
mod read;
mod run;
mod upload;
pub use jobs::Jobs;
pub use jobs::PREFIX as UPLOAD_PREFIX;
pub(super) use jobs::local_file;
use jobs::{remove_local, settle_cut_short, settled};
use read::{picked_layout, read_job};
pub use run::run;
pub use upload::upload;

/// Uploads waiting at once, per staff member and in all, and how long one waits for its
/// import (seconds).
const LIMITS: Limits = Limits {
    per_user: 3,
    in_all: 12,
    keep: 3600,
};

/// An upload's layout and first row, as read.
type Read = Arc<(Layout, Vec<String>)>;

fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no such upload: it was imported, discarded or waited more than an hour; upload the file again",
    )
}

fn parse_id(raw: &str) -> ApiResult<Uuid> {
    Uuid::parse_str(raw).map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "no such upload"))
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// `staff`'s upload `id` as it stands, an import cut short settled first.
async fn find(staff: &Staff, id: Uuid) -> ApiResult<uploads::Upload> {
    let user = staff.actor.name.clone();
    let here = staff.console().imports.running_here();
    let data_dir = staff.state.data_dir.clone();
    staff
        .state
        .pool
        .run(move |db| {
            let found = uploads::get(db.conn(), id, &user)?.ok_or_else(not_found)?;
            if found.state != State::Running {
                return Ok(found);
            }
            settle_cut_short(db, &data_dir, &[id], &here)?;
            uploads::get(db.conn(), id, &user)?.ok_or_else(not_found)
        })
        .await
}

/// How often a store process forgets the uploads that waited too long and its copies of
/// the files of uploads gone.
const TIDY_EVERY: Duration = Duration::from_secs(60);

/// Every [`TIDY_EVERY`] (and at once), until the process ends: forgets the uploads that
/// waited more than an hour, settles imports cut short, and removes this process's copies
/// of files whose upload is gone (imported, discarded or expired, on any process).
pub async fn tidy_uploads(state: Arc<StoreState>) {
    loop {
        // Expired first, on its own: an import cut short that is settled now keeps its
        // report until the next look, and a settling that fails never holds expiry up.
        let expired = state
            .pool
            .run(|db| Ok(uploads::expire(db, now(), LIMITS.keep)?))
            .await;
        if let Err(e) = expired {
            tracing::debug!(error = %e.message(), "old uploads not forgotten this time");
        }
        let wanted = settled(&state, |db| Ok(uploads::ids(db.conn())?)).await;
        match wanted {
            Ok(wanted) => state
                .console
                .imports
                .sweep(&state.data_dir.join(UPLOADS), &wanted),
            Err(e) => tracing::debug!(error = %e.message(), "uploads not tidied this time"),
        }
        tokio::time::sleep(TIDY_EVERY).await;
    }
}

/// `GET /console/import`: the upload form, and this staff member's uploads.
pub async fn start(staff: Staff) -> Page {
    let user = staff.actor.name.clone();
    let listed = settled(&staff.state, move |db| {
        Ok((uploads::list(db.conn(), &user)?, uploads::ids(db.conn())?))
    })
    .await;
    match listed {
        Ok((mine, all)) => {
            let uploads_dir = staff.state.data_dir.join(UPLOADS);
            staff.console().imports.sweep(&uploads_dir, &all);
            let mine: Vec<(Uuid, String, Msg)> = mine
                .into_iter()
                .map(|u| (u.id, u.name, pages::state_word(u.state)))
                .collect();
            pages::start(&staff, &mine, None, StatusCode::OK)
        }
        Err(e) => staff.failed(e),
    }
}

/// What a job shows now: the mapping form (read as `?from=APP` asks), the progress, or the
/// report.
pub async fn show(staff: Staff, Path(id): Path<String>, RawQuery(query): RawQuery) -> Page {
    let from: String = form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes())
        .find(|(k, _)| k == "from")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let (id, format) = match parse_id(&id).and_then(|id| Ok((id, picked_layout(&from)?))) {
        Ok(found) => found,
        Err(e) => return staff.failed(e),
    };
    let found = match find(&staff, id).await {
        Ok(found) => found,
        Err(e) => return staff.failed(e),
    };
    let picked = pages::Picked {
        dates: "",
        from: &from,
    };
    match found.state {
        State::Running => {
            // Where it runs, as it reads; elsewhere, as that process last said.
            let read = staff
                .console()
                .imports
                .progress(id)
                .map_or(found.progress, |read| read.load(Ordering::Relaxed));
            pages::progress(&staff, id, &found.name, read, found.bytes)
        }
        State::Done => match outcome(&staff, id).await {
            Ok(report) => pages::report(&staff, id, &found.name, &report),
            Err(e) => staff.failed(e),
        },
        State::Ready | State::Receiving => match read_job(&staff, id, &from, format).await {
            Ok(Ok(read)) => {
                let (layout, sample) = &*read;
                pages::mapping(
                    &staff,
                    id,
                    &found.name,
                    layout,
                    sample,
                    &layout.targets,
                    None,
                    picked,
                    StatusCode::OK,
                )
            }
            Ok(Err(e)) => pages::unreadable(&staff, id, &found.name, &e.to_string(), &from),
            Err(e) => staff.failed(e),
        },
    }
}

/// The finished import's report, or why it failed.
async fn outcome(staff: &Staff, id: Uuid) -> ApiResult<uploads::Outcome> {
    let user = staff.actor.name.clone();
    staff
        .state
        .pool
        .run(move |db| {
            uploads::outcome(db, id, &user)?
                .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "the import has not finished"))
        })
        .await
}

/// The layout and options a posted mapping form asks for: the layout read when the person
/// changed nothing, else every column as they chose it, by its place.
pub struct Chosen {
    format: Option<Format>,
    chosen: Option<Vec<Option<Target>>>,
    extra_to_notes: bool,
    dates: Option<DateFormat>,
    pub targets: Vec<Option<Target>>,
}

fn chosen(posted: &Posted, read: &Layout) -> ApiResult<Chosen> {
    let mut targets = Vec::with_capacity(read.header.len());
    for i in 0..read.header.len() {
        let raw = posted.get(&format!("col-{i}"));
        // The form offers no choice for what is never imported; a post that makes one is
        // not the form's.
        if let Some(why) = read.why[i].filter(|w| w.never())
            && !raw.is_empty()
        {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("{:?}: {}", read.header[i], why.describe()),
            ));
        }
        let target = match raw {
            "" => None,
            name => Some(parse_target(name).ok_or_else(|| {
                ApiError::bad(format!("col-{i}: {name:?} is not a customer field"))
            })?),
        };
        targets.push(target);
    }
    let dates = match posted.get("dates") {
        "" => None,
        d => Some(
            d.parse()
                .map_err(|e: String| ApiError::bad(format!("dates: {e}")))?,
        ),
    };
    let app = read.format.preset().is_some();
    if targets == read.targets {
        return Ok(Chosen {
            format: Some(read.format),
            chosen: None,
            extra_to_notes: app,
            dates,
            targets,
        });
    }
    Ok(Chosen {
        // An app's export keeps its way of reading the columns still going where it sent them.
        format: Some(if app { read.format } else { Format::Mapped }),
        chosen: Some(targets.clone()),
        extra_to_notes: false,
        dates,
        targets,
    })
}

/// The job's file (this process's copy) and its detected layout, if the job is still
/// waiting for its import.
async fn ready(
    staff: &Staff,
    id: Uuid,
    from: &str,
) -> ApiResult<(String, std::path::PathBuf, Read)> {
    let format = picked_layout(from)?;
    let found = find(staff, id).await?;
    if found.state != State::Ready {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "this upload was imported already",
        ));
    }
    let read = read_job(staff, id, from, format)
        .await?
        .map_err(|e| ApiError::bad(e.to_string()))?;
    let path = local_file(&staff.state, id).await?;
    Ok((found.name, path, read))
}

/// `POST /console/import/{id}/check`: the dry run of the mapping chosen.
pub async fn check(Path(id): Path<String>, posted: Posted) -> Page {
    let staff = &posted.staff;
    let found = async {
        let id = parse_id(&id)?;
        let (name, path, read) = ready(staff, id, posted.get("from")).await?;
        let chosen = chosen(&posted, &read.0)?;
        let report = run::dry_run(&staff.state, staff.actor.clone(), &path, &chosen).await;
        Ok::<_, ApiError>((id, name, read, chosen, report))
    }
    .await;
    match found {
        Ok((id, name, read, chosen, Ok(report))) => pages::checked(
            staff,
            id,
            &name,
            &read.0,
            &read.1,
            &chosen.targets,
            picked(&posted),
            &report,
        ),
        // A mapping the importer refuses: the form again, saying why.
        Ok((id, name, read, chosen, Err(e))) => pages::mapping(
            staff,
            id,
            &name,
            &read.0,
            &read.1,
            &chosen.targets,
            Some(e.message()),
            picked(&posted),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => staff.failed(e),
    }
}

/// The form's date order and layout, to carry into the next form.
fn picked(posted: &Posted) -> pages::Picked<'_> {
    pages::Picked {
        dates: posted.get("dates"),
        from: posted.get("from"),
    }
}

/// `POST /console/import/{id}/discard`: forgets the upload and removes its file.
pub async fn discard(Path(id): Path<String>, posted: Posted) -> Page {
    let staff = &posted.staff;
    let user = staff.actor.name.clone();
    let gone = match parse_id(&id) {
        Ok(id) => {
            staff
                .state
                .pool
                .run(move |db| {
                    if uploads::discard(db, id, &user)? {
                        Ok(id)
                    } else {
                        Err(ApiError::new(StatusCode::NOT_FOUND, "no such upload"))
                    }
                })
                .await
        }
        Err(e) => Err(e),
    };
    match gone {
        Ok(id) => {
            remove_local(&staff.state.data_dir, id);
            Page::redirect("/console/import")
        }
        Err(e) => staff.failed(e),
    }
}

/// `GET /console/import/{id}/report.csv`: the finished import's report as CSV.
pub async fn report_csv(staff: Staff, Path(id): Path<String>) -> Page {
    let report = match parse_id(&id) {
        Ok(id) => outcome(&staff, id)
            .await
            .and_then(|r| r.map_err(ApiError::bad)),
        Err(e) => Err(e),
    };
    match report {
        Ok(report) => Page::download(
            "text/csv; charset=utf-8",
            "import-report.csv",
            pages::report_as_csv(&report),
        ),
        Err(e) => staff.failed(e),
    }
}
