//! How long a check-in takes a person at the kiosk: three whole check-ins driven through
//! the real screens (iced's simulator, taps landing on visible widgets found by their words,
//! each key of the on-screen keyboard a tap), counted, and turned into an estimated time.
//!
//! The estimate: 1.5 s a tap, 5 s a signature, and the release read at 238 words a minute
//! (the average silent reading speed of adults reading non-fiction, Brysbaert 2019). What
//! the kiosk replaced is the same flow before this version, measured the same way (a
//! first-time adult with e-mail and address about 199 taps, a returning customer 67–74):
//! those figures are in the README beside these.

#![allow(clippy::unwrap_used)]

// The tests' harness and check-ins, shared rather than copied.
#[path = "../tests/it/flow/harness.rs"]
pub mod harness;
#[path = "../tests/it/flow/paths.rs"]
mod paths;
/// Where the check-ins find the harness, as in the tests.
mod flow {
    pub use super::harness;
}

use harness::Harness;

const SECS_PER_TAP: f64 = 1.5;
const SECS_PER_SIGNATURE: f64 = 5.0;
const WORDS_PER_MINUTE: f64 = 238.0;

struct Run {
    name: &'static str,
    taps: u32,
    keys: u32,
    signatures: u32,
    words: usize,
}

impl Run {
    fn doing(&self) -> f64 {
        f64::from(self.taps) * SECS_PER_TAP + f64::from(self.signatures) * SECS_PER_SIGNATURE
    }

    fn reading(&self) -> f64 {
        self.words as f64 / WORDS_PER_MINUTE * 60.0
    }
}

/// Runs `path` on a fresh kiosk and counts it.
fn run(name: &'static str, mut h: Harness, path: fn(&mut Harness)) -> Run {
    path(&mut h);
    Run {
        name,
        taps: h.taps,
        keys: h.key_taps,
        signatures: h.signatures,
        words: h.release_words,
    }
}

fn main() {
    let runs = [
        run(
            "first-time adult (e-mail, address)",
            Harness::new(),
            paths::first_time_adult,
        ),
        run(
            "returning customer",
            paths::with_customer().0,
            paths::returning,
        ),
        run(
            "minor with a guardian",
            Harness::new(),
            paths::minor_with_guardian,
        ),
    ];
    println!(
        "{:<36} {:>5} {:>7} {:>5} {:>10} {:>10} {:>10}",
        "check-in", "taps", "of keys", "signs", "doing", "reading", "total"
    );
    for r in &runs {
        println!(
            "{:<36} {:>5} {:>7} {:>5} {:>9.0}s {:>9.0}s {:>9.0}s",
            r.name,
            r.taps,
            r.keys,
            r.signatures,
            r.doing(),
            r.reading(),
            r.doing() + r.reading()
        );
    }
}
