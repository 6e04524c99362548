//! End-to-end tests: the real binaries, stores and devices, syncing over HTTPS.
//!
//! One test binary for the crate: each module was a binary of its own, and linking
//! each of them took longer than running it.

mod backup;
mod browser;
mod chain;
mod device_boundary;
mod device_commands;
mod import_crash;
mod locations;
mod packaging;
mod retention;
mod service;
mod store_migrate;
mod submit_crash;
mod sync;
mod sync_boundary;
mod sync_protocol;
mod webhooks;
