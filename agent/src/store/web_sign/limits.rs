//! Per-address limits on opening the form and on submitting it (the drafts already
//! submitted are in the database: `visit_links::claim_submit`). Kept in memory: counting addresses in the database would store something
//! about a visitor before they submit anything, and a restart that forgives a burst
//! costs little when the next one is counted again.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Openings of the form an address may make in [`OPEN_WINDOW`].
pub const OPENS: u32 = 30;
pub const OPEN_WINDOW: Duration = Duration::from_secs(60);
/// Submits an address may make in [`SUBMIT_WINDOW`].
pub const SUBMITS: u32 = 6;
pub const SUBMIT_WINDOW: Duration = Duration::from_secs(600);
/// Past this many addresses, windows that have ended are forgotten.
const KEEP: usize = 10_000;

/// Counts per address in fixed windows.
#[derive(Debug)]
pub struct Window {
    max: u32,
    length: Duration,
    counts: Mutex<HashMap<String, (Instant, u32)>>,
}

impl Window {
    pub fn new(max: u32, length: Duration) -> Self {
        Self {
            max,
            length,
            counts: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request from `address`; `Err(seconds to wait)` once it has made `max`
    /// in the window.
    pub fn count(&self, address: &str, now: Instant) -> Result<(), u64> {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if counts.len() > KEEP {
            counts.retain(|_, (start, _)| now.duration_since(*start) < self.length);
        }
        let (start, n) = counts.entry(address.to_owned()).or_insert((now, 0));
        if now.duration_since(*start) >= self.length {
            (*start, *n) = (now, 0);
        }
        if *n >= self.max {
            let left = self.length.saturating_sub(now.duration_since(*start));
            return Err(left.as_secs().max(1));
        }
        *n += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_refuses_past_its_count_and_starts_again_after() {
        let w = Window::new(2, Duration::from_secs(60));
        let t = Instant::now();
        assert!(w.count("a", t).is_ok());
        assert!(w.count("a", t).is_ok());
        assert_eq!(w.count("a", t + Duration::from_secs(10)), Err(50));
        assert!(w.count("b", t).is_ok());
        assert!(w.count("a", t + Duration::from_secs(60)).is_ok());
    }
}
