//! What an import did: counts, the rows that failed and where, and the mapping it used.

use serde::{Deserialize, Serialize};

use super::MAX_REPORTED_ERRORS;
use crate::csvio::describe::ColumnUse;

/// One row that failed, and where.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    /// Counted from 1 at the header.
    pub line: u64,
    /// The file's own name for the column (or the columns involved).
    pub column: String,
    pub message: String,
}

/// What an import did.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ImportReport {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub failed: u64,
    /// Rows with no profile information at all (a report's totals line, a client whose
    /// account was deleted in the other app): passed over, not failed.
    pub skipped: u64,
    pub errors: Vec<RowError>,
    pub ignored_columns: Vec<String>,
    /// The layout: `studio`, `snake`, `mapped`, or the app's preset (`square`, ...).
    pub format: String,
    /// The app whose export the file is, for a preset.
    pub app: Option<String>,
    /// Whether the layout was recognised from the header rather than asked for.
    pub recognised: bool,
    /// Which column went to which field, and which were left out and why.
    pub columns: Vec<ColumnUse>,
    /// The line the header is on: below an app's report lines, not the first.
    pub header_line: u64,
    pub dry_run: bool,
}

impl ImportReport {
    pub(super) fn fail(&mut self, mut errors: Vec<RowError>) {
        self.failed += 1;
        let room = MAX_REPORTED_ERRORS.saturating_sub(self.errors.len());
        errors.truncate(room);
        self.errors.extend(errors);
    }
}
