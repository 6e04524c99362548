//! Sync benchmarks, with real processes on loopback (build the agent in the same profile
//! first: `cargo build --release -p intake-agent`):
//!
//! 1. 10,000 registrations queued on a kiosk while its store was away, pushed in one go.
//! 2. Kiosk submit → on the counter display's database, one registration at a time, with
//!    both devices' sync loops at their default interval.
//!
//! `intake-sync-bench [--queued N] [--samples N]`

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use intake_common::release::{self, Signing};
use intake_common::settings::Settings;
use intake_common::{Db, sync};
use intake_tests::binary;
use intake_tests::cluster::{Store, SyncLoop, register, wait_for};
use intake_tests::registrations;

fn main() {
    let mut queued = 10_000u64;
    let mut samples = 100usize;
    let mut args = intake_tests::bench_args();
    while let Some(a) = args.next() {
        let value = args.next().and_then(|v| v.parse::<u64>().ok());
        match (a.as_str(), value) {
            ("--queued", Some(v)) => queued = v,
            ("--samples", Some(v)) => samples = v as usize,
            _ => {
                eprintln!("usage: intake-sync-bench [--queued N] [--samples N]");
                std::process::exit(2);
            }
        }
    }
    let root = tempfile::tempdir().expect("a temporary directory");
    push_backlog(root.path(), queued);
    submit_to_counter(root.path(), samples);
}

fn push_backlog(root: &Path, queued: u64) {
    let store = Store::create(&root.join("store-a"));
    let kiosk = root.join("kiosk-a");
    std::fs::create_dir_all(&kiosk).expect("a directory");
    store.pair(&kiosk, "lobby", "kiosk", false, &store.url);
    let t = Instant::now();
    register(&kiosk, 1_000_000, queued);
    let pending = sync::status(Db::open_dir(&kiosk).expect("db").conn())
        .expect("status")
        .pending;
    println!(
        "queued {queued} registrations ({pending} mutations) on the kiosk in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let mut child = Command::new(binary("intake-agent"))
        .arg("--data-dir")
        .arg(&kiosk)
        .args(["run", "--once"])
        .stdout(Stdio::null())
        .spawn()
        .expect("the agent runs");
    let db = Db::open_dir(&kiosk).expect("db");
    let pushed = wait_for(Duration::from_secs(600), || {
        sync::status(db.conn())
            .map(|s| s.pending == 0)
            .unwrap_or(false)
    });
    let push = t.elapsed();
    let ok = child.wait().expect("the agent exits").success();
    let round = t.elapsed();
    assert!(pushed && ok, "the backlog was pushed");
    println!(
        "pushed {queued} registrations ({pending} mutations) to the store in {:.2} s ({:.0} mutations/s); \
         the whole round with the pull of {queued} recognition entries {:.2} s",
        push.as_secs_f64(),
        pending as f64 / push.as_secs_f64(),
        round.as_secs_f64()
    );
}

fn submit_to_counter(root: &Path, samples: usize) {
    let store = Store::create(&root.join("store-b"));
    let kiosk = root.join("kiosk-b");
    let desk = root.join("desk-b");
    std::fs::create_dir_all(&kiosk).expect("a directory");
    store.pair(&kiosk, "lobby", "kiosk", false, &store.url);
    store.pair(&desk, "desk", "counter", false, &store.url);
    let _k = SyncLoop::start(&kiosk, 500);
    let _d = SyncLoop::start(&desk, 500);
    let settings = Settings::defaults();
    let mut kdb = Db::open_dir(&kiosk).expect("db");
    let template = release::register_template(&mut kdb, &settings.template).expect("template");
    let ddb = Db::open_dir(&desk).expect("db");
    let mut latencies = Vec::with_capacity(samples);
    for n in 0..samples as u64 {
        let signature = registrations::signature_png(n);
        let reg = registrations::registration(&settings, 2_000_000 + n, &signature);
        let t = Instant::now();
        let done = release::submit(&mut kdb, &reg, &Signing::new("lobby", &settings, &template))
            .expect("submit");
        let arrived = wait_for(Duration::from_secs(30), || {
            ddb.conn()
                .query_row(
                    "SELECT EXISTS(SELECT 1 FROM releases WHERE id = ?1)",
                    [done.release],
                    |r| r.get::<_, bool>(0),
                )
                .unwrap_or(false)
        });
        assert!(arrived, "registration {n} reached the counter");
        latencies.push(t.elapsed());
        // Customers arrive a few at a time, not all at once.
        std::thread::sleep(Duration::from_millis(137 + (n * 61) % 400));
    }
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "kiosk submit -> counter database, {samples} registrations, sync loops every 500 ms: \
         median {:.0} ms, p99 {:.0} ms, max {:.0} ms (the counter screen reads its database every second: add up to 1 s)",
        pct(0.5).as_secs_f64() * 1000.0,
        pct(0.99).as_secs_f64() * 1000.0,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1000.0
    );
}
