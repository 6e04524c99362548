//! Per-address limits on opening the form and on submitting it. On PostgreSQL they are
//! counted in the database (`intake_common::address_counts`), so that every store process
//! of a chain counts an address together; what is stored is a keyed hash of the address
//! (HMAC-SHA256 under the store's console key, which every process shares), never the
//! address, and only until its window ends. A SQLite store is served by one process, and
//! its one writer is held for minutes by an import: it counts in memory, as a PostgreSQL
//! store does too for a moment the database cannot count. The drafts already submitted are
//! in the database on both (`visit_links::claim_submit`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::super::Pool;

/// Openings of the form an address may make in [`OPEN_WINDOW`].
pub const OPENS: u32 = 30;
pub const OPEN_WINDOW: Duration = Duration::from_secs(60);
/// Submits an address may make in [`SUBMIT_WINDOW`].
pub const SUBMITS: u32 = 6;
pub const SUBMIT_WINDOW: Duration = Duration::from_secs(600);
/// Past this many addresses in memory, windows that have ended are forgotten.
const KEEP: usize = 10_000;
/// How often a store process forgets the counts in the database whose windows ended.
const FORGET_EVERY: i64 = 60;

/// Counts per address in fixed windows.
#[derive(Debug)]
pub struct Window {
    /// What it counts (`open`, `submit`): part of each row's key.
    name: &'static str,
    max: u32,
    length: Duration,
    /// Counts in memory: the window's start (unix seconds) and its count, by address.
    memory: Mutex<HashMap<String, (i64, u32)>>,
    /// When this process last forgot the database's ended windows.
    forgot: AtomicI64,
}

impl Window {
    pub fn new(name: &'static str, max: u32, length: Duration) -> Self {
        Self {
            name,
            max,
            length,
            memory: Mutex::new(HashMap::new()),
            forgot: AtomicI64::new(0),
        }
    }

    /// Counts one request from `address`; `Err(seconds to wait)` once it has made `max`
    /// in the window.
    pub async fn count(&self, pool: &Arc<Pool>, key: &[u8; 32], address: &str) -> Result<(), u64> {
        let now = chrono::Utc::now().timestamp();
        if !pool.is_postgres() {
            return self.in_memory(address, now);
        }
        let hash = intake_common::crypto::hmac_sha256(
            key,
            &[b"intake address count\0", address.as_bytes()],
        );
        let hex = intake_common::crypto::hex(&hash[..16]);
        let row = format!("{}:{hex}", self.name);
        let (max, length) = (self.max, self.length.as_secs() as i64);
        let forget = now - self.forgot.load(Ordering::Relaxed) >= FORGET_EVERY;
        if forget {
            self.forgot.store(now, Ordering::Relaxed);
        }
        let counted = pool
            .run(move |db| {
                if forget {
                    intake_common::address_counts::forget_ended(db.conn(), now)?;
                }
                Ok(intake_common::address_counts::count(
                    db.conn(),
                    &row,
                    max,
                    length,
                    now,
                )?)
            })
            .await;
        match counted {
            Ok(result) => result,
            Err(e) => {
                tracing::warn!(error = %e.message(), limit = self.name, "counted in memory: the database could not count");
                self.in_memory(address, now)
            }
        }
    }

    fn in_memory(&self, address: &str, now: i64) -> Result<(), u64> {
        let length = self.length.as_secs() as i64;
        let mut counts = self.memory.lock().unwrap_or_else(|p| p.into_inner());
        if counts.len() > KEEP {
            counts.retain(|_, (start, _)| now - *start < length);
        }
        let (start, n) = counts.entry(address.to_owned()).or_insert((now, 0));
        if now - *start >= length {
            (*start, *n) = (now, 0);
        }
        if *n >= self.max {
            return Err((*start + length - now).max(1) as u64);
        }
        *n += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_in_memory_refuses_past_its_count_and_starts_again_after() {
        let w = Window::new("open", 2, Duration::from_secs(60));
        let t = 1_000_000;
        assert!(w.in_memory("a", t).is_ok());
        assert!(w.in_memory("a", t).is_ok());
        assert_eq!(w.in_memory("a", t + 10), Err(50));
        assert!(w.in_memory("b", t).is_ok());
        assert!(w.in_memory("a", t + 60).is_ok());
    }
}
