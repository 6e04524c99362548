//! The kiosk's flows driven through iced_test, and its staff exit and Web Sign QR code
//! against a real store.
//!
//! One test binary for the crate: each module was a binary of its own, and linking
//! each of them took longer than running it.

mod counter;
mod counter_card;
mod counter_keys;
mod counter_station;
mod drag;
mod flow;
mod staff_exit;
mod tasks;
mod touch;
mod web_sign_qr;
mod words;
