//! Kiosk start-up and idle memory, measured on a real display.
//!
//! Run under X11 (for a headless machine: `Xvfb :42 & matchbox-window-manager -display :42 &`
//! then `DISPLAY=:42`), after `cargo build --release -p intake-kiosk`:
//!
//! ```text
//! cargo bench -p intake-tests --bench intake-kiosk-bench -- [--runs 15] [--idle-secs 10]
//! ```
//!
//! - cold start to first frame: the kiosk is started with `--exit-after-first-frame`, which
//!   prints the time from `main` to its first frame; the wall time from spawn to exit is
//!   shown beside it as an upper bound.
//! - resident memory while idle: the kiosk sits on its welcome screen for `--idle-secs`;
//!   VmRSS and the peak VmHWM are read from /proc.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // a bench binary reports on stdout

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = intake_tests::bench_args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map_or(default, |v| v.parse().expect("a number"))
}

fn kiosk() -> Command {
    let mut cmd = Command::new(intake_tests::binary("intake-kiosk"));
    cmd.env("RUST_LOG", "warn").stderr(Stdio::null());
    cmd
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn status_kb(pid: u32, key: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn main() {
    assert!(
        std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some(),
        "needs a display: run under Xvfb (see the comment at the top of this file)"
    );
    let runs = arg("--runs", 15);
    let idle = arg("--idle-secs", 10);
    let dir = tempfile::tempdir().unwrap();

    // The first start creates the database and its key; time the starts that follow.
    let status = kiosk()
        .arg("--exit-after-first-frame")
        .env("INTAKE_DATA_DIR", dir.path())
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());

    let mut reported = Vec::new();
    let mut wall = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let out = kiosk()
            .arg("--exit-after-first-frame")
            .env("INTAKE_DATA_DIR", dir.path())
            .output()
            .unwrap();
        wall.push(started.elapsed().as_secs_f64() * 1e3);
        let text = String::from_utf8_lossy(&out.stdout);
        let ms: f64 = text
            .trim()
            .strip_prefix("first frame after ")
            .and_then(|t| t.strip_suffix(" ms"))
            .unwrap_or_else(|| panic!("unexpected output {text:?}"))
            .parse()
            .unwrap();
        reported.push(ms);
    }
    reported.sort_by(f64::total_cmp);
    wall.sort_by(f64::total_cmp);
    println!(
        "cold start to first frame ({runs} runs): median {:.0} ms, p95 {:.0} ms, max {:.0} ms \
         (spawn to exit: median {:.0} ms, max {:.0} ms); target 500 ms",
        percentile(&reported, 0.5),
        percentile(&reported, 0.95),
        reported[reported.len() - 1],
        percentile(&wall, 0.5),
        wall[wall.len() - 1],
    );

    let mut child = kiosk()
        .env("INTAKE_DATA_DIR", dir.path())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(idle));
    let rss = status_kb(child.id(), "VmRSS:");
    let hwm = status_kb(child.id(), "VmHWM:");
    child.kill().unwrap();
    child.wait().unwrap();
    println!(
        "resident memory idle on the welcome screen after {idle} s: {:.0} MB (peak {:.0} MB); target 150 MB",
        rss as f64 / 1024.0,
        hwm as f64 / 1024.0
    );
}
