//! Importing a customer list from the console: upload a CSV, see which field each column
//! goes to and change any of them, check the whole file (a dry run: the per-line report,
//! nothing stored), then import it with a progress bar and keep the report.
//!
//! The import is the command line's own (`intake_common::csvio::import`), so its rules,
//! matching and report are the same. An upload waits, owner-only, in the store's
//! `uploads/` directory, belongs to the staff member who sent it (another gets a 404), and
//! is removed when its import ends, when it is discarded, after an hour, or at the store's
//! next start.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use intake_common::csvio::layout::{Target, parse_target};
use intake_common::csvio::{self, Format, ImportOptions, ImportReport, Layout};
use intake_common::normalize::DateFormat;
use uuid::Uuid;

use super::super::error::{ApiError, ApiResult};
use super::super::files::{UPLOADS, Upload};
use super::words::Msg;
use super::{Page, Posted, Staff, import_pages as pages};

mod read;
use read::{picked_layout, read_job};

/// Uploads waiting at once, per staff member and in all.
const PER_USER: usize = 3;
const IN_ALL: usize = 12;
/// How long an upload waits for its import.
const KEEP: Duration = Duration::from_secs(3600);

/// The console's uploads and imports, by id.
#[derive(Default)]
pub struct Jobs(Mutex<HashMap<Uuid, Job>>);

pub struct Job {
    pub user: String,
    /// The file's name as the browser gave it (for the pages only).
    pub name: String,
    pub bytes: u64,
    made: Instant,
    /// The file, until its import ends.
    upload: Option<Upload>,
    /// The file as last read, and the layout (`from`) it was read as: the mapping page, its
    /// check and its run read the file once (a workbook is converted whole).
    read: Option<(String, Read)>,
    pub state: State,
}

/// An upload's layout and first row, as read.
type Read = Arc<(Layout, Vec<String>)>;

pub enum State {
    /// Its file still arriving: the place is taken, the job not yet shown.
    Receiving,
    /// Uploaded; its mapping not yet confirmed.
    Ready,
    /// Importing: bytes read so far of `bytes`.
    Running(Arc<AtomicU64>),
    Done(Box<Result<ImportReport, String>>),
}

impl Jobs {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Job>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Forgets what has waited too long (a running import is never cut short).
    fn sweep(jobs: &mut HashMap<Uuid, Job>) {
        jobs.retain(|_, j| {
            matches!(j.state, State::Running(_) | State::Receiving) || j.made.elapsed() < KEEP
        });
    }

    /// Runs `f` on `user`'s job `id`; another's, or none, is not found.
    fn with<T>(&self, id: Uuid, user: &str, f: impl FnOnce(&mut Job) -> T) -> ApiResult<T> {
        let mut jobs = self.lock();
        Self::sweep(&mut jobs);
        match jobs.get_mut(&id) {
            Some(job) if job.user == user && !matches!(job.state, State::Receiving) => Ok(f(job)),
            _ => Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "no such upload: it was imported, discarded or waited more than an hour; upload the file again",
            )),
        }
    }
}

fn parse_id(raw: &str) -> ApiResult<Uuid> {
    Uuid::parse_str(raw).map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "no such upload"))
}

/// `GET /console/import`: the upload form, and this staff member's uploads.
pub async fn start(staff: Staff) -> Page {
    let mine: Vec<(Uuid, String, Msg)> = {
        let mut jobs = staff.console().imports.lock();
        Jobs::sweep(&mut jobs);
        let mut mine: Vec<_> = jobs
            .iter()
            .filter(|(_, j)| j.user == staff.actor.name && !matches!(j.state, State::Receiving))
            .map(|(id, j)| (*id, j.name.clone(), pages::state_word(&j.state)))
            .collect();
        mine.sort_by_key(|(id, _, _)| *id);
        mine
    };
    pages::start(&staff, &mine, None, StatusCode::OK)
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
    let mut multipart = multipart.map_err(|_| bad(Msg::ImportNotAForm))?;
    if !staff.token_first(&mut multipart).await {
        return Err((StatusCode::FORBIDDEN, w.get(Msg::RefusedForm).into_owned()));
    }
    // The place is taken before the file arrives, in the same lock as the count: uploads
    // sent at once cannot each pass it.
    let imports = &staff.console().imports;
    let id = Uuid::now_v7();
    let mut slot = {
        let mut jobs = imports.lock();
        Jobs::sweep(&mut jobs);
        let mine = jobs.values().filter(|j| j.user == staff.actor.name).count();
        if mine >= PER_USER || jobs.len() >= IN_ALL {
            return Err((
                StatusCode::TOO_MANY_REQUESTS,
                w.get(Msg::ImportTooMany).into_owned(),
            ));
        }
        jobs.insert(
            id,
            Job {
                user: staff.actor.name.clone(),
                name: String::new(),
                bytes: 0,
                made: Instant::now(),
                upload: None,
                read: None,
                state: State::Receiving,
            },
        );
        Slot {
            jobs: imports,
            id,
            kept: false,
        }
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
    let dir = staff.state.data_dir.join(UPLOADS);
    let (upload, mut file) = Upload::create(&dir, "console", "csv")
        .map_err(|e| (e.status(), e.message().to_string()))?;
    let mut bytes = 0u64;
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) => {
                bytes += chunk.len() as u64;
                std::io::Write::write_all(&mut file, &chunk)
                    .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
            }
            Ok(None) => break,
            Err(e) => return Err(too_large_or(e, &w)),
        }
    }
    if bytes == 0 {
        return Err(bad(Msg::ImportNoFile));
    }
    if let Some(job) = imports.lock().get_mut(&id) {
        job.name = name;
        job.bytes = bytes;
        job.made = Instant::now();
        job.upload = Some(upload);
        job.state = State::Ready;
        slot.kept = true;
    }
    tracing::info!(user = %staff.actor.name, bytes, "console upload received");
    Ok(id)
}

/// A place among the waiting uploads, taken before the file arrives; given back unless the
/// file arrived whole.
struct Slot<'a> {
    jobs: &'a Jobs,
    id: Uuid,
    kept: bool,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        if !self.kept {
            self.jobs.lock().remove(&self.id);
        }
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
    let seen = staff.console().imports.with(id, &staff.actor.name, |job| {
        let state = match &job.state {
            State::Ready | State::Receiving => None,
            State::Running(read) => Some(Err(read.load(Ordering::Relaxed))),
            State::Done(report) => Some(Ok((**report).clone())),
        };
        (
            job.name.clone(),
            job.bytes,
            state,
            job.upload.as_ref().map(|u| u.path().to_path_buf()),
        )
    });
    let picked = pages::Picked {
        dates: "",
        from: &from,
    };
    match seen {
        Err(e) => staff.failed(e),
        Ok((name, bytes, Some(Err(read)), _)) => pages::progress(&staff, id, &name, read, bytes),
        Ok((name, _, Some(Ok(report)), _)) => pages::report(&staff, id, &name, &report),
        Ok((name, _, None, Some(path))) => match read_job(&staff, id, path, &from, format).await {
            Ok(Ok(read)) => {
                let (layout, sample) = &*read;
                pages::mapping(
                    &staff,
                    id,
                    &name,
                    layout,
                    sample,
                    &layout.targets,
                    None,
                    picked,
                    StatusCode::OK,
                )
            }
            Ok(Err(e)) => pages::unreadable(&staff, id, &name, &e.to_string(), &from),
            Err(e) => staff.failed(e),
        },
        Ok((_, _, None, None)) => staff.failed(ApiError::internal("an upload without its file")),
    }
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

/// The job's file and its detected layout, if the job is still waiting for its import.
async fn ready(
    staff: &Staff,
    id: Uuid,
    from: &str,
) -> ApiResult<(String, std::path::PathBuf, Read)> {
    let format = picked_layout(from)?;
    let (name, path) = staff
        .console()
        .imports
        .with(id, &staff.actor.name, |job| {
            match (&job.state, &job.upload) {
                (State::Ready, Some(u)) => Ok((job.name.clone(), u.path().to_path_buf())),
                _ => Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "this upload was imported already",
                )),
            }
        })??;
    let read = read_job(staff, id, path.clone(), from, format)
        .await?
        .map_err(|e| ApiError::bad(e.to_string()))?;
    Ok((name, path, read))
}

/// `POST /console/import/{id}/check`: the dry run of the mapping chosen.
pub async fn check(Path(id): Path<String>, posted: Posted) -> Page {
    let staff = &posted.staff;
    let found = async {
        let id = parse_id(&id)?;
        let (name, path, read) = ready(staff, id, posted.get("from")).await?;
        let chosen = chosen(&posted, &read.0)?;
        let report = run_import(
            &staff.state,
            staff.actor.clone(),
            &path,
            &chosen,
            true,
            None,
        )
        .await;
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

/// Imports (or checks) the job's file as `actor`.
async fn run_import(
    state: &Arc<super::super::State>,
    actor: intake_common::Actor,
    path: &std::path::Path,
    chosen: &Chosen,
    dry_run: bool,
    read: Option<Arc<AtomicU64>>,
) -> ApiResult<ImportReport> {
    let path = path.to_path_buf();
    let options = ImportOptions {
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
    };
    state
        .pool
        .run(move |db| Ok(csvio::import(db, &actor, &path, options)?))
        .await
}

/// `POST /console/import/{id}/run`: the import itself, in the background; the job's page
/// shows its progress, then its report.
pub async fn run(Path(id): Path<String>, posted: Posted) -> Page {
    let staff = &posted.staff;
    let started = async {
        let id = parse_id(&id)?;
        let (_, path, read) = ready(staff, id, posted.get("from")).await?;
        let chosen = chosen(&posted, &read.0)?;
        let read = Arc::new(AtomicU64::new(0));
        // Claimed before it starts: a second post for the same upload finds it running.
        staff
            .console()
            .imports
            .with(id, &staff.actor.name, |job| match job.state {
                State::Ready => {
                    job.state = State::Running(Arc::clone(&read));
                    Ok(())
                }
                _ => Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "this upload was imported already",
                )),
            })??;
        let (state, actor) = (Arc::clone(&staff.state), staff.actor.clone());
        tokio::spawn(async move {
            let user = actor.name.clone();
            let report = run_import(&state, actor, &path, &chosen, false, Some(read)).await;
            let _ = state.console.imports.with(id, &user, |job| {
                job.state = State::Done(Box::new(report.map_err(|e| e.message().to_string())));
                job.upload = None;
            });
        });
        Ok::<_, ApiError>(id)
    }
    .await;
    match started {
        Ok(id) => Page::redirect(&format!("/console/import/{id}")),
        Err(e) => staff.failed(e),
    }
}

/// `POST /console/import/{id}/discard`: forgets the upload and removes its file.
pub async fn discard(Path(id): Path<String>, posted: Posted) -> Page {
    let staff = &posted.staff;
    let gone = parse_id(&id).and_then(|id| {
        let mut jobs = staff.console().imports.lock();
        match jobs.get(&id) {
            Some(j)
                if j.user == staff.actor.name
                    && !matches!(j.state, State::Running(_) | State::Receiving) =>
            {
                jobs.remove(&id);
                Ok(())
            }
            _ => Err(ApiError::new(StatusCode::NOT_FOUND, "no such upload")),
        }
    });
    match gone {
        Ok(()) => Page::redirect("/console/import"),
        Err(e) => staff.failed(e),
    }
}

/// `GET /console/import/{id}/report.csv`: the finished import's report as CSV.
pub async fn report_csv(staff: Staff, Path(id): Path<String>) -> Page {
    let report = parse_id(&id).and_then(|id| {
        staff
            .console()
            .imports
            .with(id, &staff.actor.name, |job| match &job.state {
                State::Done(r) => (**r).clone().map_err(ApiError::bad),
                _ => Err(ApiError::new(
                    StatusCode::NOT_FOUND,
                    "the import has not finished",
                )),
            })?
    });
    match report {
        Ok(report) => Page::download(
            "text/csv; charset=utf-8",
            "import-report.csv",
            pages::report_as_csv(&report),
        ),
        Err(e) => staff.failed(e),
    }
}
