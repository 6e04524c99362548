//! CSV routes, and the exports the staff console makes. A CSV export is streamed to the
//! client as it is made: no copy of the customer list is ever written to the store's disk.
//! An Excel workbook cannot be (see [`workbook`]): it rests, owner-only, in `uploads/` only
//! until it is complete. An import's upload is kept, owner-only, in `uploads/` while it is
//! read, and removed whatever happens (and at the next start, after a crash).

use std::io::{Seek as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State as St};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use intake_common::csvio::ImportReport;
use intake_common::csvio::{self, ExportFormat, ExportOptions, ExportSummary, ImportOptions};
use intake_common::{Actor, Db};
use serde::Deserialize;
use tokio::sync::mpsc;
use uuid::Uuid;

use super::State;
use super::auth::{Who, caller_of};
use super::error::{ApiError, ApiResult};

/// Where an import's upload waits while it is read.
pub const UPLOADS: &str = "uploads";
/// Bytes per chunk of a streamed export, and chunks in flight to the client.
const CHUNK: usize = 64 << 10;
const CHUNKS_IN_FLIGHT: usize = 8;

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ImportQuery {
    /// The layout (detected from the header if left out): studio, snake, or an app's
    /// export (square, vagaro, fresha, ...).
    format: Option<String>,
    /// Columns that fit no field go to the customer's notes, a `Column: value` line each.
    #[serde(default)]
    extra_to_notes: bool,
    /// How the file writes dates: iso, mdy, dmy, or a pattern such as %d.%m.%Y.
    date_format: Option<String>,
    /// Check every row and report, storing nothing.
    #[serde(default)]
    dry_run: bool,
}

pub async fn import(
    St(state): St<Arc<State>>,
    who: Who,
    Query(q): Query<ImportQuery>,
    body: Bytes,
) -> ApiResult<Json<ImportReport>> {
    let actor = caller_of(who)?.actor();
    let format = q
        .format
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(|e: String| ApiError::bad(format!("format: {e}")))?;
    let date_format = q
        .date_format
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(|e: String| ApiError::bad(format!("date_format: {e}")))?;
    let dir = state.data_dir.join(UPLOADS);
    let report = state
        .pool
        .run(move |db| {
            let file = Upload::write(&dir, &body)?;
            drop(body);
            let options = ImportOptions {
                extra_to_notes: q.extra_to_notes,
                format,
                map: Vec::new(),
                chosen: None,
                date_format,
                region: None,
                dry_run: q.dry_run,
                progress: None,
                bulk: None,
            };
            Ok(csvio::import(db, &actor, &file.0, options)?)
        })
        .await?;
    Ok(Json(report))
}

/// A file of the store's own in `uploads/`: made owner-only (0600) in an owner-only
/// directory, removed when dropped.
#[derive(Debug)]
pub struct Upload(PathBuf);

impl Upload {
    fn write(dir: &Path, bytes: &[u8]) -> ApiResult<Self> {
        let (upload, mut file) = Upload::create(dir, "import", "csv")?;
        file.write_all(bytes)
            .map_err(|e| ApiError::internal(format!("{}: {e}", upload.0.display())))?;
        Ok(upload)
    }

    /// A new empty file, `NAME-ID.EXT`, open to write and read back.
    pub fn create(dir: &Path, name: &str, ext: &str) -> ApiResult<(Self, std::fs::File)> {
        let fail = |e: std::io::Error| ApiError::internal(format!("{}: {e}", dir.display()));
        private_dir(dir).map_err(fail)?;
        let path = dir.join(format!("{name}-{}.{ext}", Uuid::now_v7()));
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&path).map_err(fail)?;
        Ok((Upload(path), file))
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_file(&self.0) {
            tracing::warn!(path = %self.0.display(), error = %e, "could not remove an upload");
        }
    }
}

pub(crate) fn private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Removes uploads a crash left behind. The console's files (`console-…`, and `.console-…`
/// while written) are not: they are copies of uploads the database keeps, files another
/// store process on the same directory is writing, and the lock of an import one may be
/// running; the console removes them ([`super::console::tidy_uploads`]).
pub fn clear_uploads(data_dir: &Path) {
    let dir = data_dir.join(UPLOADS);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.contains(super::console::UPLOAD_PREFIX))
        {
            continue;
        }
        if let Err(e) = std::fs::remove_file(entry.path()) {
            tracing::warn!(path = %entry.path().display(), error = %e, "could not remove a left-over upload");
        }
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ExportQuery {
    /// Comma-separated studio column names (every column if left out).
    columns: Option<String>,
}

pub async fn export(
    St(state): St<Arc<State>>,
    who: Who,
    Query(q): Query<ExportQuery>,
) -> ApiResult<Response> {
    let actor = caller_of(who)?.actor();
    let options = ExportOptions {
        format: ExportFormat::Csv,
        columns: q
            .columns
            .map(|c| {
                c.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
    };
    let body = export_body(&state, actor, options, "an API client").await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"customers.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}

/// Every customer as `actor` may export them, made through the one exporter
/// (`intake_common::csvio`, which checks the permissions and writes the audit entries), as
/// an answer's body that goes out as it is made. `target` names where it goes, for the
/// audit log. A failure before the first byte is the error returned; after it, the body
/// breaks off.
pub async fn export_body(
    state: &Arc<State>,
    actor: Actor,
    options: ExportOptions,
    target: &'static str,
) -> ApiResult<Body> {
    let (tx, mut rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(CHUNKS_IN_FLIGHT);
    let pool = Arc::clone(&state.pool);
    let uploads = state.data_dir.join(UPLOADS);
    let work = move |db: &mut Db| {
        let mut out = Chunks {
            tx,
            buf: Vec::with_capacity(CHUNK),
            sent: false,
        };
        let made = match options.format {
            ExportFormat::Csv => csvio::export_to_writer(db, &actor, &mut out, &options, target)
                .map_err(ApiError::from),
            ExportFormat::Xlsx => workbook(db, &actor, &mut out, &options, target, &uploads),
        };
        match made {
            Ok(summary) => Ok(summary),
            // Once bytes are on their way the status is sent: the client learns of the
            // failure from a body that breaks off.
            Err(e) if out.sent => {
                tracing::error!(error = %e.message(), "a streamed export failed");
                let _ = out
                    .tx
                    .blocking_send(Err(std::io::Error::other(e.message().to_string())));
                Err(e)
            }
            Err(e) => Err(e),
        }
    };
    let done = tokio::spawn(async move { pool.run(work).await });
    let Some(first) = rx.recv().await else {
        // Nothing was sent: the export failed before its first byte (or wrote nothing).
        let summary = done
            .await
            .map_err(|e| ApiError::internal(format!("the export stopped: {e}")))??;
        return Err(ApiError::internal(format!(
            "the export of {} customers wrote nothing",
            summary.customers
        )));
    };
    Ok(Body::new(Stream {
        first: Some(first),
        rx,
    }))
}

/// An Excel export. A workbook is a zip archive whose directory is written only at its
/// end, so it cannot go out as it is made the way CSV does: it is written whole to an
/// owner-only file in `uploads/` (the writer's own scratch files there too), the file is
/// unlinked the moment it is complete, and its bytes are then streamed from the still-open
/// handle. A crash while it is written leaves it for [`clear_uploads`] at the next start.
fn workbook(
    db: &Db,
    actor: &Actor,
    out: &mut Chunks,
    options: &ExportOptions,
    target: &str,
    dir: &Path,
) -> ApiResult<ExportSummary> {
    let (upload, mut file) = Upload::create(dir, "export", "xlsx")?;
    let summary = csvio::export_to_file(db, actor, &mut file, options, target, Some(dir))?;
    drop(upload);
    let fail = |e: std::io::Error| ApiError::internal(format!("sending the workbook: {e}"));
    file.rewind().map_err(fail)?;
    std::io::copy(&mut file, out).map_err(fail)?;
    out.flush().map_err(fail)?;
    Ok(summary)
}

/// The export's writer: bytes go to the client in chunks over a bounded channel, so a slow
/// client slows the export down instead of filling memory.
struct Chunks {
    tx: mpsc::Sender<Result<Bytes, std::io::Error>>,
    buf: Vec<u8>,
    sent: bool,
}

impl Chunks {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.sent = true;
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client left"))
    }
}

impl std::io::Write for Chunks {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

/// The response body: the chunks as they come.
struct Stream {
    first: Option<Result<Bytes, std::io::Error>>,
    rx: mpsc::Receiver<Result<Bytes, std::io::Error>>,
}

impl http_body::Body for Stream {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, std::io::Error>>> {
        if let Some(first) = self.first.take() {
            return std::task::Poll::Ready(Some(first.map(http_body::Frame::data)));
        }
        self.rx
            .poll_recv(cx)
            .map(|next| next.map(|r| r.map(http_body::Frame::data)))
    }
}
