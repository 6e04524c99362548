//! CSV import and export in the studio layout, the seed-003 layout, and mapped layouts.

mod decode;
mod describe;
pub mod export;
mod header;
pub mod import;
pub mod layout;
mod lines;
mod matcher;
pub mod preset;
mod sheet;

pub use export::{
    ExportFormat, ExportOptions, ExportSummary, export, export_to_file, export_to_writer,
};
pub use import::{ImportOptions, ImportReport, RowError, import};
pub use layout::{Ask, Format, Layout};
pub use preset::Preset;

use std::path::PathBuf;

/// A file Intake cannot use at all. Nothing is written when one of these is returned.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{path}: cannot read it: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: the file is empty")]
    Empty { path: PathBuf },
    #[error("{path}: this is not a CSV text file (binary data at byte {offset})")]
    NotText { path: PathBuf, offset: u64 },
    #[error("{path}: line {line}: {message}")]
    Malformed {
        path: PathBuf,
        line: u64,
        message: String,
    },
    #[error("{path}: line 1: {message}")]
    Header { path: PathBuf, message: String },
    #[error("{path}: {message}")]
    Dates { path: PathBuf, message: String },
    #[error("{0}")]
    Usage(String),
}
