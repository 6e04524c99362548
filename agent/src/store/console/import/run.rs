//! Running an import: the importer's options for the mapping chosen, the dry run that
//! checks it, and the import itself on a handle of its own, claimed under a lock the other
//! store processes see, its progress noted for them.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::Path;
use axum::http::StatusCode;
use intake_common::csvio::{self, ImportOptions, ImportReport};
use intake_common::uploads;
use uuid::Uuid;

use super::super::super::State as StoreState;
use super::super::super::error::{ApiError, ApiResult};
use super::super::{Page, Posted, Staff};
use super::jobs::{RunLock, remove_local};
use super::{Chosen, chosen, parse_id, ready};

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
pub(super) async fn dry_run(
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
