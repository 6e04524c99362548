//! Rendering a signed release to PDF.
//!
//! A realistic release — every health question, every clause, a minor's guardian, two
//! drawn signatures — is submitted to a fresh data directory, opened, and rendered
//! `--runs` times (200 by default).
//!
//! `cargo bench -p intake-tests --bench intake-pdf-bench -- [--runs N]`.

#![allow(clippy::print_stdout)] // a bench binary reports on stdout

use std::time::Instant;

use intake_common::release::{self, Signing, pdf};
use intake_common::settings::Settings;
use intake_common::{Actor, Db, Role};
use intake_tests::registrations;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut runs: usize = 200;
    let mut args = intake_tests::bench_args();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--runs" => runs = args.next().ok_or("--runs needs a number")?.parse()?,
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let dir = tempfile::tempdir()?;
    let mut db = Db::open_dir(dir.path())?;
    let settings = Settings::defaults();
    let template = release::register_template(&mut db, &settings.template)?;
    // Registration 2 is a minor with a guardian: the longest release there is.
    let signature = registrations::signature_png(2);
    let reg = registrations::registration(&settings, 2, &signature);
    let done = release::submit(
        &mut db,
        &reg,
        &Signing::new("lobby-1", &settings, &template),
    )?;
    let owner = Actor {
        name: "bench".into(),
        role: Role::Owner,
    };
    let content = release::open(&db, &owner, done.release)?;
    assert!(
        content.guardian.is_some(),
        "the benchmark renders a minor's release"
    );

    let mut times = Vec::with_capacity(runs);
    let mut size = 0;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let bytes = pdf::render(
            &content,
            &settings.shop.name,
            settings.logo.as_deref(),
            &settings.tr,
        )?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
        size = bytes.len();
    }
    times.sort_by(f64::total_cmp);
    let pick = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize];
    println!(
        "PDF render ({} runs, {} KB, {} health answers, {} clauses, guardian): min {:.1} ms, \
         median {:.1} ms, p99 {:.1} ms, max {:.1} ms; target 50 ms",
        times.len(),
        size / 1024,
        content.health.len(),
        content.clauses.len(),
        pick(0.0),
        pick(0.5),
        pick(0.99),
        times[times.len() - 1],
    );
    Ok(())
}
