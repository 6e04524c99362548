//! Webhook delivery benchmark: the real `intake-agent run` (an appliance that is its own
//! store) delivering to a loopback receiver that checks every signature. Build the agent
//! in the same profile first: `cargo build --release -p intake-agent`.
//!
//! 1. Throughput: N customers created in one transaction (as an import does), timed from
//!    the commit until the receiver has every customer.created; meanwhile a kiosk commits
//!    a registration every 20 ms, and how long each commit took shows nothing stalls.
//! 2. Latency: customers created one at a time at a steady pace; each one's time from its
//!    commit to its arrival at the receiver.
//!
//! `intake-webhook-bench [--burst N] [--samples N] [--pace-ms N]`

#![allow(clippy::print_stdout)] // a bench binary reports on stdout

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use intake_common::{Db, Mutation, Op, mutation};
use intake_tests::bench::new_customer;
use intake_tests::binary;
use intake_tests::cluster::{add_owner, agent_with, wait_for};
use intake_tests::receiver::Receiver;

fn main() {
    let mut burst = 100_000usize;
    let mut samples = 1_000usize;
    let mut pace_ms = 5u64;
    let mut args = intake_tests::bench_args();
    while let Some(a) = args.next() {
        let value = args.next().and_then(|v| v.parse::<u64>().ok());
        match (a.as_str(), value) {
            ("--burst", Some(v)) => burst = v as usize,
            ("--samples", Some(v)) => samples = v as usize,
            ("--pace-ms", Some(v)) => pace_ms = v,
            _ => {
                eprintln!("usage: intake-webhook-bench [--burst N] [--samples N] [--pace-ms N]");
                std::process::exit(2);
            }
        }
    }
    let root = tempfile::tempdir().expect("a temporary directory");
    let dir = root.path().join("shop");
    std::fs::create_dir_all(&dir).expect("a directory");
    add_owner(&dir);
    let receiver = Receiver::start();
    let added: serde_json::Value = serde_json::from_str(&agent_with(
        &dir,
        &[
            "webhook",
            "add",
            &receiver.url,
            "--events",
            "customer.created",
            "--json",
        ],
        &[("INTAKE_WEBHOOK_ALLOW_PRIVATE", "1")],
    ))
    .expect("JSON");
    receiver.trust(added["secret"].as_str().expect("a secret"));
    let mut deliverer = Command::new(binary("intake-agent"))
        .arg("--data-dir")
        .arg(&dir)
        .arg("run")
        .env("INTAKE_WEBHOOK_ALLOW_PRIVATE", "1")
        .stdout(Stdio::null())
        .spawn()
        .expect("the agent runs");
    let mut db = Db::open_dir(&dir).expect("the database");

    // 1. Throughput.
    let batch: Vec<Mutation> = (0..burst)
        .map(|n| new_customer("burst", n as u64))
        .collect();
    mutation::submit_all(&mut db, &batch).expect("the burst commits");
    let t = Instant::now();
    // Meanwhile a kiosk keeps registering: its commits must not wait behind the webhooks.
    let mut commits: Vec<f64> = Vec::new();
    let mut n = 0;
    while receiver.count() < burst + commits.len() && t.elapsed() < Duration::from_secs(600) {
        let c = Instant::now();
        mutation::submit(&mut db, &new_customer("kiosk", n as u64)).expect("a commit");
        commits.push(c.elapsed().as_secs_f64() * 1000.0);
        n += 1;
        std::thread::sleep(Duration::from_millis(20));
    }
    let took = t.elapsed();
    assert!(
        receiver.count() >= burst + commits.len(),
        "every message arrived"
    );
    let got = receiver.received();
    assert!(got.iter().all(|r| r.valid), "every signature checks out");
    let total = burst + commits.len();
    println!(
        "{total} customer.created messages ({burst} from one transaction, as an import makes them) delivered in {:.2} s: {:.0} deliveries/s",
        took.as_secs_f64(),
        total as f64 / took.as_secs_f64()
    );
    commits.sort_by(f64::total_cmp);
    println!(
        "meanwhile {} kiosk commits: median {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        commits.len(),
        percentile(&commits, 0.5),
        percentile(&commits, 0.99),
        commits.last().copied().unwrap_or_default()
    );

    // 2. Latency at a steady pace.
    let mut committed: HashMap<String, Instant> = HashMap::new();
    let before = receiver.count();
    for n in 0..samples {
        let m = new_customer("paced", n as u64);
        let Op::CreateCustomer { customer, .. } = &m.op else {
            unreachable!()
        };
        let id = customer.to_string();
        mutation::submit(&mut db, &m).expect("a commit");
        committed.insert(id, Instant::now());
        std::thread::sleep(Duration::from_millis(pace_ms));
    }
    assert!(wait_for(Duration::from_secs(60), || receiver.count()
        >= before + samples));
    let mut latencies: Vec<f64> = receiver
        .received()
        .iter()
        .skip(before)
        .filter_map(|r| {
            committed
                .get(r.data_id())
                .map(|t| r.at.saturating_duration_since(*t).as_secs_f64() * 1000.0)
        })
        .collect();
    latencies.sort_by(f64::total_cmp);
    println!(
        "commit -> delivered, {samples} customers one every {pace_ms} ms: median {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or_default()
    );
    if let Ok(status) = std::fs::read_to_string(format!("/proc/{}/status", deliverer.id()))
        && let Some(hwm) = status.lines().find(|l| l.starts_with("VmHWM"))
    {
        println!(
            "intake-agent run, peak resident memory: {}",
            hwm.trim_start_matches("VmHWM:").trim()
        );
    }
    let _ = deliverer.kill();
    let _ = deliverer.wait();
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}
