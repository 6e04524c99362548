//! Reading an upload for the mapping page: as the layout the person picked, or recognised
//! from its header; read once and kept with the job.

use std::sync::Arc;

use intake_common::csvio::{self, Ask, Format, Layout};
use uuid::Uuid;

use super::super::super::error::{ApiError, ApiResult};
use super::super::Staff;
use super::Read;

/// How the console reads an upload: as the app `from` names, else recognised from its
/// header; an app's columns with no field of their own go to the notes (as the person sees,
/// and can change, before anything is imported).
fn read_upload(
    path: &std::path::Path,
    from: Option<Format>,
) -> Result<(Layout, Vec<String>), csvio::FileError> {
    let asked = Ask {
        format: from,
        ..Ask::default()
    };
    let (layout, sample) = Layout::peek(path, asked)?;
    if layout.format.preset().is_none() {
        return Ok((layout, sample));
    }
    let with_notes = Ask {
        format: Some(layout.format),
        extra_to_notes: true,
        ..Ask::default()
    };
    let mut app = Layout::resolve(path, &layout.header, with_notes)?;
    app.header_line = layout.header_line;
    app.recognised = layout.recognised;
    Ok((app, sample))
}

/// The layout a person picked to read the file as (`from`): none to recognise it.
pub(super) fn picked_layout(from: &str) -> ApiResult<Option<Format>> {
    match from {
        "" => Ok(None),
        name => match name.parse::<Format>() {
            Ok(Format::Mapped) | Err(_) => Err(ApiError::bad(format!(
                "from: {name:?} is not a layout Intake reads"
            ))),
            Ok(f) => Ok(Some(f)),
        },
    }
}

/// The job's file read as `from` asks (`format`): as this process read it before, or read
/// now (from its copy of the file) and kept.
pub(super) async fn read_job(
    staff: &Staff,
    id: Uuid,
    from: &str,
    format: Option<Format>,
) -> ApiResult<Result<Read, csvio::FileError>> {
    let imports = &staff.console().imports;
    if let Some(read) = imports.read_as(id, from) {
        return Ok(Ok(read));
    }
    let path = super::local_file(&staff.state, id).await?;
    let read = match tokio::task::spawn_blocking(move || read_upload(&path, format))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
    {
        Ok(read) => Arc::new(read),
        Err(e) => return Ok(Err(e)),
    };
    imports.keep_read(id, from, Arc::clone(&read));
    Ok(Ok(read))
}
