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
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use intake_common::csvio::layout::{Target, parse_target};
use intake_common::csvio::{self, Format, ImportOptions, ImportReport, Layout};
use intake_common::normalize::DateFormat;
use intake_common::uploads::{self, Limits, State};
use uuid::Uuid;

use super::super::State as StoreState;
use super::super::error::{ApiError, ApiResult};
use super::super::files::{UPLOADS, private_dir};
use super::words::Msg;
use super::{Page, Posted, Staff, import_pages as pages};

mod jobs;
mod read;
pub use jobs::Jobs;
pub use jobs::PREFIX as UPLOAD_PREFIX;
pub(super) use jobs::local_file;
use jobs::{RunLock, remove_local, settle_all, settle_cut_short};
use read::{picked_layout, read_job};

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
        let here = state.console.imports.running_here();
        let data_dir = state.data_dir.clone();
        let wanted = state
            .pool
            .run(move |db| {
                uploads::expire(db, now(), LIMITS.keep)?;
                settle_all(db, &data_dir, &here)?;
                Ok(uploads::ids(db.conn())?)
            })
            .await;
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
    let here = staff.console().imports.running_here();
    let data_dir = staff.state.data_dir.clone();
    let listed = staff
        .state
        .pool
        .run(move |db| {
            // Imports cut short by a process that died hold their places until settled.
            settle_all(db, &data_dir, &here)?;
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
    let here = staff.console().imports.running_here();
    let data_dir = staff.state.data_dir.clone();
    let taken = staff
        .state
        .pool
        .run(move |db| {
            // Imports cut short by a process that died give their places back first.
            settle_all(db, &data_dir, &here)?;
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
    w: &super::Words<'_>,
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
        let report = run_import(&staff.state, staff.actor.clone(), &path, &chosen).await;
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

/// The importer's options for the mapping `chosen`.
fn options(chosen: &Chosen, dry_run: bool, read: Option<Arc<AtomicU64>>) -> ImportOptions {
    ImportOptions {
        extra_to_notes: chosen.extra_to_notes,
        format: chosen.format,
        map: Vec::new(),
        chosen: chosen.chosen.clone(),
        date_format: chosen.dates.clone(),
        region: None,
        dry_run,
        progress: read.map(|read| {
            Box::new(move |pos: u64| {
                if pos != u64::MAX {
                    read.store(pos, Ordering::Relaxed);
                }
            }) as csvio::import::Progress
        }),
        bulk: None,
    }
}

/// Checks the job's file as `actor` (a dry run: nothing is stored).
async fn run_import(
    state: &Arc<StoreState>,
    actor: intake_common::Actor,
    path: &std::path::Path,
    chosen: &Chosen,
) -> ApiResult<ImportReport> {
    let path = path.to_path_buf();
    let options = options(chosen, true, None);
    state
        .pool
        .run(move |db| Ok(csvio::import(db, &actor, &path, options)?))
        .await
}

/// How often the process running an import tells the database how far it has read.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

/// `POST /console/import/{id}/run`: the import itself, in the background; the job's page
/// shows its progress, then its report, whichever store process serves it.
pub async fn run(Path(id): Path<String>, posted: Posted) -> Page {
    let staff = &posted.staff;
    let started = async {
        let id = parse_id(&id)?;
        let (_, path, read) = ready(staff, id, posted.get("from")).await?;
        let chosen = chosen(&posted, &read.0)?;
        start_import(staff, id, path, options_later(chosen)).await?;
        Ok::<_, ApiError>(id)
    }
    .await;
    match started {
        Ok(id) => Page::redirect(&format!("/console/import/{id}")),
        Err(e) => staff.failed(e),
    }
}

/// The chosen mapping, for options made where the import runs (they hold its progress).
fn options_later(chosen: Chosen) -> impl FnOnce(Arc<AtomicU64>) -> ImportOptions + Send {
    move |read| options(&chosen, false, Some(read))
}

/// Claims upload `id` and runs its import on a handle of its own: the lock that tells
/// other processes it runs is taken before the claim (a post for an upload whose lock is
/// held, or that is claimed already, is refused: 409) and let go after the outcome is
/// kept. Answers once the claim is made.
async fn start_import(
    staff: &Staff,
    id: Uuid,
    path: std::path::PathBuf,
    make_options: impl FnOnce(Arc<AtomicU64>) -> ImportOptions + Send + 'static,
) -> ApiResult<()> {
    let conflict = || ApiError::new(StatusCode::CONFLICT, "this upload was imported already");
    let (claimed_tx, claimed) = tokio::sync::oneshot::channel::<ApiResult<()>>();
    let (state, actor) = (Arc::clone(&staff.state), staff.actor.clone());
    let data_dir = state.data_dir.clone();
    let here = Arc::clone(&state);
    tokio::spawn(async move {
        let ran = here
            .pool
            .run(move |db| {
                let Some(lock) = RunLock::try_take(db, &data_dir, id)? else {
                    let _ = claimed_tx.send(Err(conflict()));
                    return Ok(());
                };
                match uploads::claim(db, id, &actor.name) {
                    Ok(true) => {}
                    not_claimed => {
                        lock.release(db, &data_dir, id);
                        let _ = claimed_tx.send(Err(match not_claimed {
                            Err(e) => e.into(),
                            Ok(_) => conflict(),
                        }));
                        return Ok(());
                    }
                }
                let read = Arc::new(AtomicU64::new(0));
                state.console.imports.started(id, Arc::clone(&read));
                let _ = claimed_tx.send(Ok(()));
                let outcome = csvio::import(db, &actor, &path, make_options(read))
                    .map_err(|e| ApiError::from(e).message().to_string());
                let kept = uploads::finish(db, id, &outcome);
                state.console.imports.ended(id);
                lock.release(db, &data_dir, id);
                remove_local(&data_dir, id);
                Ok(kept?)
            })
            .await;
        if let Err(e) = ran {
            tracing::error!(%id, error = %e.message(), "a console import's outcome was not kept");
        }
    });
    claimed
        .await
        .map_err(|_| ApiError::internal("the import could not start"))??;
    if staff.state.pool.is_postgres() {
        // The other processes' pages show the progress as this one last noted it.
        let state = Arc::clone(&staff.state);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(PROGRESS_EVERY).await;
                let Some(read) = state.console.imports.progress(id) else {
                    break;
                };
                let at = read.load(Ordering::Relaxed);
                let noted = state
                    .pool
                    .run(move |db| Ok(uploads::note_progress(db.conn(), id, at)?))
                    .await;
                if let Err(e) = noted {
                    tracing::debug!(%id, error = %e.message(), "an import's progress was not noted");
                }
            }
        });
    }
    Ok(())
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
