//! Backup and restore benchmark with the real `intake-agent` (build it in the same profile
//! first: `cargo build --release -p intake-agent`): a shop with N signed
//! registrations (signatures and all), backed up while a kiosk keeps signing releases, then
//! restored into a fresh directory.
//!
//! `intake-backup-bench [--registrations N]`

#![allow(clippy::print_stdout)] // a bench binary reports on stdout

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use intake_tests::binary;
use intake_tests::cluster::register;

fn main() {
    let mut registrations = 10_000u64;
    let mut args = intake_tests::bench_args();
    while let Some(a) = args.next() {
        match (a.as_str(), args.next().and_then(|v| v.parse().ok())) {
            ("--registrations", Some(v)) => registrations = v,
            _ => {
                eprintln!("usage: intake-backup-bench [--registrations N]");
                std::process::exit(2);
            }
        }
    }
    let root = tempfile::tempdir().expect("a temporary directory");
    let shop = root.path().join("shop");
    let t = Instant::now();
    register(&shop, 1, registrations);
    println!(
        "{registrations} registrations signed in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    // A kiosk signing as fast as it can, counted as it goes.
    let confirmed = Arc::new(AtomicUsize::new(0));
    let mut kiosk = Command::new(binary("intake-submit-loop"))
        .arg("--data-dir")
        .arg(&shop)
        .args(["--start", &(registrations + 1).to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the kiosk runs");
    let out = kiosk.stdout.take().expect("its output");
    let counter = Arc::clone(&confirmed);
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if line.starts_with("confirmed ") {
                counter.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    let rate = |window: Duration| {
        let before = confirmed.load(Ordering::Relaxed);
        std::thread::sleep(window);
        (confirmed.load(Ordering::Relaxed) - before) as f64 / window.as_secs_f64()
    };
    std::thread::sleep(Duration::from_secs(1));
    let alone = rate(Duration::from_secs(3));

    let file = root.path().join("shop.intake-backup");
    let during_start = confirmed.load(Ordering::Relaxed);
    let t = Instant::now();
    let out = Command::new(binary("intake-agent"))
        .arg("--data-dir")
        .arg(&shop)
        .args(["backup", "--out"])
        .arg(&file)
        .arg("--json")
        .output()
        .expect("intake-agent runs");
    let took = t.elapsed();
    let during = (confirmed.load(Ordering::Relaxed) - during_start) as f64 / took.as_secs_f64();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = kiosk.kill();
    let _ = kiosk.wait();
    let manifest: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a manifest");
    let bytes = manifest["database_bytes"].as_f64().unwrap_or_default();
    println!(
        "backup of {:.0} MB ({} releases) while the kiosk signed: {:.2} s ({:.0} MB/s); the kiosk signed {:.1} releases/s meanwhile, {:.1}/s before",
        bytes / 1e6,
        manifest["releases"],
        took.as_secs_f64(),
        bytes / 1e6 / took.as_secs_f64(),
        during,
        alone
    );

    let target = root.path().join("restored");
    let t = Instant::now();
    let out = Command::new(binary("intake-agent"))
        .arg("--data-dir")
        .arg(&target)
        .arg("restore")
        .arg(&file)
        .arg("--key")
        .arg(shop.join("secret.key"))
        .output()
        .expect("intake-agent runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    println!(
        "restore (every chunk opened, integrity_check, schema opened): {:.2} s",
        t.elapsed().as_secs_f64()
    );
}
