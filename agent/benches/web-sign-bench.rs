//! Web Sign under load, and one adult's time on a phone.
//!
//! 1. A real store (`intake-agent serve --web-sign`, HTTPS on loopback, port 0) and N
//!    phones at once (tokio tasks in this process), each from a loopback address of its
//!    own as phones on a shop's wifi are (the store limits openings and submits per
//!    address). Each phone does whole adult registrations one after another: open /sign,
//!    every step posted with its answers, a drawn signature, the review, the submit, as
//!    fast as the store answers (no reading time). Printed: pages served per second (every
//!    GET and POST answered over the wall time), page latency, submit → durable commit
//!    (the submit's answer is rendered after `release::submit` committed with
//!    `synchronous=FULL`: the time to it is the commit's, plus the round trip), and the
//!    store process's memory (resident when idle, its peak VmHWM, resident after). At the
//!    end the store must hold exactly one release per submit.
//! 2. One adult on a phone (390x844) with autofill: taps and an estimated time, counted
//!    from the pages the store served (see `estimate.rs` for the model).
//!
//! `cargo bench -p intake-agent --bench web-sign-bench -- [--sessions N] [--waves N]
//! [--pause-ms N]` (or `INTAKE_BENCH_SESSIONS`, `_WAVES`, `_PAUSE_MS`); defaults: 200
//! phones, 3 registrations each, no pause. With a pause each phone waits that long before
//! each request, as a person reads and fills a page: the latencies at a load below the
//! store's capacity rather than at it.

#![allow(clippy::print_stdout)] // a bench binary reports on stdout

#[path = "web-sign-bench/estimate.rs"]
mod estimate;

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::time::{Duration, Instant};

use intake_tests::cluster::{Store, agent};
use intake_tests::registrations;
use intake_tests::web_sign::{ADULT, Exchange, Person, Phone, fill};

const USAGE: &str = "usage: web-sign-bench [--sessions N] [--waves N] [--pause-ms N]";

struct Config {
    /// Phones at once.
    sessions: usize,
    /// Whole registrations each phone does, one after another (N phones' waves).
    waves: usize,
    /// A phone's wait before each request: 0, as fast as the store answers.
    pause: Duration,
}

fn config() -> Result<Config, String> {
    let env = |name: &str, default: usize| match std::env::var(name) {
        Ok(v) => v
            .parse()
            .map_err(|_| format!("{name}={v:?} is not a number")),
        Err(_) => Ok(default),
    };
    let mut c = Config {
        sessions: env("INTAKE_BENCH_SESSIONS", 200)?,
        waves: env("INTAKE_BENCH_WAVES", 3)?,
        pause: Duration::from_millis(env("INTAKE_BENCH_PAUSE_MS", 0)? as u64),
    };
    let mut args = intake_tests::bench_args();
    while let Some(a) = args.next() {
        let value = args.next().and_then(|v| v.parse::<usize>().ok());
        match (a.as_str(), value) {
            ("--sessions", Some(v)) if v > 0 => c.sessions = v,
            ("--waves", Some(v)) if v > 0 => c.waves = v,
            ("--pause-ms", Some(v)) => c.pause = Duration::from_millis(v as u64),
            _ => return Err(USAGE.to_string()),
        }
    }
    if c.sessions * c.waves > 60_000 {
        return Err("at most 60,000 registrations (one loopback address each)".into());
    }
    Ok(c)
}

fn main() {
    let c = config().unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2);
    });
    let root = tempfile::tempdir().expect("a temporary directory");
    let dir = root.path().join("shop");
    let store = Store::create_serving(&dir, &["--web-sign"]);
    let pid = store.pid().expect("the store runs");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");

    std::thread::sleep(Duration::from_secs(1));
    let idle = status_kb(pid, "VmRSS:");

    // 2 first, on the idle store: one adult, every form recorded with its page.
    let forms = runtime.block_on(async {
        let mut phone = Phone::new(&dir, &store.url).recording();
        assert_eq!(phone.open("").await, 200, "{}", phone.page);
        fill(&mut phone, &ADULT).await;
        assert_eq!(phone.post("submit", &[]).await, 200, "{}", phone.page);
        phone.posted.take().unwrap_or_default()
    });
    let e = estimate::count(&forms).unwrap_or_else(|why| panic!("the adult's pages: {why}"));

    let started = Instant::now();
    let exchanges = runtime.block_on(load(&dir, &store.url, &c));
    let wall = started.elapsed();
    let peak = status_kb(pid, "VmHWM:");
    std::thread::sleep(Duration::from_secs(2));
    let after = status_kb(pid, "VmRSS:");

    let registrations = c.sessions * c.waves;
    let releases = stored_releases(&dir);
    assert_eq!(
        releases,
        registrations + 1,
        "one release per submit (and the adult's)"
    );

    let mut pages: Vec<f64> = exchanges.iter().map(|x| ms(x.took)).collect();
    let mut submits: Vec<f64> = exchanges
        .iter()
        .filter(|x| x.action.as_deref() == Some("submit"))
        .map(|x| ms(x.took))
        .collect();
    pages.sort_by(f64::total_cmp);
    submits.sort_by(f64::total_cmp);
    assert_eq!(submits.len(), registrations);
    println!(
        "{} phones at once, {} registrations each ({registrations} in all, {} requests), {} ms before each request, in {:.1} s",
        c.sessions,
        c.waves,
        exchanges.len(),
        c.pause.as_millis(),
        wall.as_secs_f64()
    );
    println!(
        "pages served: {:.0}/s; page latency median {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        exchanges.len() as f64 / wall.as_secs_f64(),
        percentile(&pages, 0.5),
        percentile(&pages, 0.99),
        pages.last().copied().unwrap_or_default()
    );
    for (what, kind) in [
        ("openings (GET /sign, with the TLS handshake)", None),
        ("steps (POST next)", Some("next")),
    ] {
        let mut took: Vec<f64> = exchanges
            .iter()
            .filter(|x| x.action.as_deref() == kind)
            .map(|x| ms(x.took))
            .collect();
        took.sort_by(f64::total_cmp);
        println!(
            "  {what}: median {:.1} ms, p99 {:.1} ms",
            percentile(&took, 0.5),
            percentile(&took, 0.99)
        );
    }
    println!(
        "registrations: {:.1}/s; submit -> durable commit (the answer comes after it) median {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        registrations as f64 / wall.as_secs_f64(),
        percentile(&submits, 0.5),
        percentile(&submits, 0.99),
        submits.last().copied().unwrap_or_default()
    );
    println!(
        "store memory: resident {} MB idle, peak {} MB, {} MB after",
        idle / 1024,
        peak / 1024,
        after / 1024
    );
    println!("releases stored: {releases} (one per submit)");
    println!();
    println!(
        "one adult on a phone (390x844) with autofill, from the pages served: {} taps \
         ({} Next or Sign and send, {} Yes/No or ticks, {} autofill on {} pages filling {} fields, \
         {} fields typed), {} characters typed, {} signature, {} words of release",
        e.taps(),
        e.buttons,
        e.choices,
        2 * e.autofill_pages,
        e.autofill_pages,
        e.autofilled,
        e.typed,
        e.characters,
        e.signatures,
        e.release_words
    );
    println!(
        "estimated: {:.0} s tapping, typing and signing + {:.0} s reading = {:.0} s ({:.1} min)",
        e.doing(),
        e.reading(),
        e.doing() + e.reading(),
        (e.doing() + e.reading()) / 60.0
    );
}

/// `sessions` phones at once, each doing `waves` registrations; every request answered.
async fn load(dir: &Path, url: &str, c: &Config) -> Vec<Exchange> {
    let tasks: Vec<_> = (0..c.sessions)
        .map(|i| {
            let (dir, url, sessions, waves, pause) = (
                dir.to_path_buf(),
                url.to_string(),
                c.sessions,
                c.waves,
                c.pause,
            );
            tokio::spawn(async move {
                let mut trail = Vec::new();
                for wave in 0..waves {
                    trail.extend(register(&dir, &url, wave * sessions + i, pause).await);
                }
                trail
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("a phone's registrations went through"));
    }
    all
}

/// Registration `n`: a new adult on a phone of their own, from open to the thank-you.
async fn register(dir: &Path, url: &str, n: usize, pause: Duration) -> Vec<Exchange> {
    let mut phone = Phone::from_address(dir, url, address(n));
    phone.pause = pause;
    assert_eq!(phone.open("").await, 200, "{}", phone.page);
    fill(&mut phone, &person(n)).await;
    assert_eq!(phone.heading(), "Check your answers");
    assert_eq!(phone.post("submit", &[]).await, 200, "{}", phone.page);
    assert!(phone.shows("Thank you"), "{}", phone.page);
    phone.trail
}

/// Registration `n`'s address: 127.1.0.1 onwards, one each, the store's 127.0.0.1 aside.
fn address(n: usize) -> IpAddr {
    let (hi, lo) = (n / 250, n % 250);
    IpAddr::V4(Ipv4Addr::new(
        127,
        1 + (hi / 256) as u8,
        (hi % 256) as u8,
        1 + lo as u8,
    ))
}

/// Someone new for each registration: their own last name and phone number.
fn person(n: usize) -> Person {
    let mut letters = String::new();
    let mut k = n;
    loop {
        letters.push(char::from(b'a' + (k % 26) as u8));
        k /= 26;
        if k == 0 {
            break;
        }
    }
    Person {
        last: Box::leak(format!("Reyes{letters}").into_boxed_str()),
        phone: Box::leak(registrations::phone(n as u64).into_boxed_str()),
        email: Box::leak(format!("ana.{letters}@example.com").into_boxed_str()),
        ..ADULT
    }
}

/// How many releases the store holds, read through the CLI.
fn stored_releases(dir: &Path) -> usize {
    let listed = agent(dir, &["release", "list", "--json", "--limit", "1000000"]);
    let list: Vec<serde_json::Value> = serde_json::from_str(&listed).expect("JSON");
    let ids: HashSet<&str> = list.iter().filter_map(|r| r["id"].as_str()).collect();
    assert_eq!(ids.len(), list.len(), "every release once");
    assert!(list.iter().all(|r| r["device"] == "web-sign"));
    list.len()
}

/// A `/proc/PID/status` line's value, in KiB.
fn status_kb(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with(key)).and_then(|l| {
                l[key.len()..]
                    .trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse()
                    .ok()
            })
        })
        .unwrap_or(0)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}
