//! intake-common's integration tests: the domain, import and export, releases and users on real SQLite files.
//!
//! One test binary for the crate: each module was a binary of its own, and linking
//! each of them took longer than running it.

mod csv_fuzz;
mod domain;
mod duplicates;
mod export;
mod import_paths;
mod phone;
mod presets;
mod presets_abuse;
mod release;
mod release_clauses;
mod release_pdf;
mod search;
mod users;
