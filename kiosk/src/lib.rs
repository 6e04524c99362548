//! Intake's kiosk: the fullscreen touchscreen program where customers register themselves
//! and sign the release, in the shop's languages, with an on-screen keyboard and a
//! signature pad, and where staff leave the customer flow with a hidden gesture and a PIN.
//!
//! The binary (`main.rs`) parses arguments and runs [`Kiosk`]; everything else is here so
//! the flow can be tested headless.

pub mod app;
mod clock;
pub mod counter;
pub mod drag;
pub mod form;
pub mod i18n;
pub mod keyboard;
pub mod pad;
pub mod screen;
pub mod staff_exit;
pub mod station;
pub mod theme;
mod typing;
pub mod web_sign;

pub use app::{Kiosk, Message, Options};
pub use counter::Counter;
pub use screen::{Screen, Step};
pub use station::Station;
