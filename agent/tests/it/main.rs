//! intake-agent's integration tests: the CLI and the store, run as real processes over HTTPS.
//!
//! One test binary for the crate: each module was a binary of its own, and linking
//! each of them took longer than running it.

mod acme;
mod boundary;
mod cli;
mod console;
mod console_browser;
mod console_chain;
mod console_data;
mod console_erase;
mod console_import;
mod console_import_apps;
mod console_people;
mod console_settings;
mod console_webhooks;
mod duplicates;
mod import_apps;
mod kiosk_exit;
mod openapi;
mod openapi_routes;
mod pebble;
mod permissions;
mod phone;
mod sessions;
mod support;
mod users;
mod web_sign;
mod web_sign_browser;
mod web_sign_check;
mod web_sign_links;
