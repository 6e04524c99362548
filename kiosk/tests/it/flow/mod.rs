//! The customer flow, driven headless through iced's simulator: taps land on the real
//! widgets, and the messages they produce go through the real `update`, against a real
//! SQLite database.

pub mod harness;
pub mod paths;

mod clauses;
mod new_customer;
mod returning;
mod screens;
mod sizes;
mod staff;
