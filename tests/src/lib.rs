//! Helpers for end-to-end tests and benchmarks that run Intake's real binaries.

pub mod authority;
pub mod bench;
pub mod browser;
pub mod cluster;
pub mod console;
pub mod openapi;
pub mod receiver;
pub mod registrations;
pub mod web_sign;

/// The JSON Schema validator the helpers use, for tests that check more with it.
pub use jsonschema;

use std::path::PathBuf;

/// The path of a workspace binary built beside the running test or benchmark
/// (`target/<profile>/<name>`).
pub fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the running program has a path");
    let mut dir = exe.parent().expect("a directory").to_path_buf();
    if dir.ends_with("deps") {
        dir.pop();
    }
    dir.join(name)
}

/// A benchmark's own arguments: those after the program's name, without the `--bench`
/// that `cargo bench` adds.
pub fn bench_args() -> impl Iterator<Item = String> {
    std::env::args().skip(1).filter(|a| a != "--bench")
}

/// The day (`YYYY-MM-DD`) `years` after `at` (RFC 3339, as listings print a signing time):
/// until when a release signed then is kept under a policy of that many years. Worked
/// out here by calendar months, apart from the product's own rule.
pub fn day_years_after(at: &str, years: u32) -> String {
    let at = chrono::DateTime::parse_from_rfc3339(at)
        .unwrap_or_else(|e| panic!("{at:?} is not an RFC 3339 time: {e}"))
        .to_utc();
    (at + chrono::Months::new(12 * years))
        .format("%Y-%m-%d")
        .to_string()
}
