//! The wall clock the PIN pads' locks are kept in.

use std::time::Instant;

use chrono::{DateTime, Utc};

/// Wall-clock time as the program's own clock (moved by `Tick`) counts it from the start:
/// the PIN pads' locks are kept in the database in wall-clock time, and a test moves the
/// program's clock to let a lock pass. Should the system clock jump by more than an hour
/// (a clock set at boot), the system clock is taken instead.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WallClock {
    start: Instant,
    start_wall: DateTime<Utc>,
}

impl WallClock {
    pub(crate) fn new(start: Instant) -> Self {
        Self {
            start,
            start_wall: Utc::now(),
        }
    }

    pub(crate) fn at(&self, now: Instant) -> DateTime<Utc> {
        let ran = chrono::Duration::from_std(now.saturating_duration_since(self.start))
            .unwrap_or_default();
        let counted = self.start_wall + ran;
        let system = Utc::now();
        if (system - counted).abs() > chrono::Duration::hours(1) {
            system
        } else {
            counted
        }
    }
}
