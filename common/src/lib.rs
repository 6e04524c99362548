//! Intake's shared domain: customers and what is attached to them, users and permissions,
//! the audit log, the SQLite store and its mutations, CSV import and export, and duplicate
//! detection and merging. No UI and no network code.

pub mod address_counts;
pub mod audit;
pub mod backup;
pub mod browse;
pub mod change;
pub mod counter;
pub mod crypto;
pub mod csvio;
pub mod customer;
pub mod customers;
pub mod db;
pub mod duplicates;
mod error;
pub mod i18n;
pub mod mutation;
pub mod normalize;
pub mod phone_keys;
pub mod phone_trust;
pub mod pinned_tls;
pub mod poster;
pub mod release;
pub mod retention;
#[cfg(feature = "openapi")]
mod schema;
pub mod sessions;
pub mod settings;
pub mod sync;
pub mod throttle;
pub mod time;
pub mod uploads;
pub mod users;
pub mod visit_links;
pub mod webhook;

pub use customer::{Customer, Field, Profile};
pub use db::Db;
pub use error::{Error, Result};
pub use mutation::{Applied, Mutation, Op};
pub use users::{Actor, Permission, Role};
