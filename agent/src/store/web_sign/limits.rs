//! Per-address limits on opening the form and on submitting it, and the drafts already
//! submitted. Kept in memory: counting addresses in the database would store something
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

/// The drafts submitted, by nonce, until they would have expired anyway.
#[derive(Debug, Default)]
pub struct Submitted {
    nonces: Mutex<HashMap<String, i64>>,
}

impl Submitted {
    /// Takes `nonce` for a submit; `false` when it was taken already.
    pub fn take(&self, nonce: &str, expires: i64, now: i64) -> bool {
        let mut nonces = self.nonces.lock().unwrap_or_else(|p| p.into_inner());
        nonces.retain(|_, until| *until >= now);
        match nonces.entry(nonce.to_owned()) {
            std::collections::hash_map::Entry::Occupied(_) => false,
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(expires);
                true
            }
        }
    }

    /// Gives a nonce back after a submit that stored nothing.
    pub fn give_back(&self, nonce: &str) {
        self.nonces
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(nonce);
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
        let s = Submitted::default();
        assert!(s.take("n", 100, 0));
        assert!(!s.take("n", 100, 50));
        s.give_back("n");
        assert!(s.take("n", 100, 50));
        assert!(s.take("n", 200, 101));
    }
}
