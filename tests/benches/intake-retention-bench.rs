//! The retention pass at scale: a shop open for ten years, its customers and signed
//! releases spread evenly over them (made through the library's own paths, dated), then,
//! on a fresh copy of the same files each run, side by side:
//!
//! - `intake-agent retention run --json` under the shipped policy (five years): releases
//!   past their date, medical records and customers with nothing left to keep, each
//!   erasure a mutation with its tombstone, webhook event and erasure-log line, the WAL
//!   emptied at the end;
//! - `intake-agent retention run --dry-run` (the plan alone);
//! - the sqlite3 shell running the deletes a studio would otherwise write by hand for the
//!   same cut-off (releases, then customers with none left, then their medical records),
//!   with `secure_delete` and foreign keys on, in one transaction, then a checkpoint.
//!
//! Build the agent in release mode first: `cargo build --release -p intake-agent`, then
//! `cargo bench -p intake-tests --bench intake-retention-bench -- [--customers N]
//! [--releases N] [--runs N] [--dir DIR] [--agent PATH]`. The prepared shop is kept in DIR
//! and reused by a later run of the same size.

#![allow(clippy::print_stdout)] // a bench binary reports on stdout

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use chrono::{DateTime, Duration, Months, Utc};
use intake_common::mutation::{self, Mutation, Op};
use intake_common::release::{self, Signing};
use intake_common::settings::Settings;
use intake_common::{Db, Field, Profile};
use intake_tests::registrations;
use uuid::Uuid;

use intake_tests::bench::{
    BenchResult, Figures, add_owner, agent_cmd, measure, measured, medians, run, which,
};

/// How long the shop has been open.
const YEARS_OPEN: u32 = 10;

fn main() -> BenchResult<()> {
    let mut args = intake_tests::bench_args().peekable();
    if args.peek().map(String::as_str) == Some("--measure") {
        args.next();
        return measure(args.collect());
    }
    let mut customers: u64 = 100_000;
    let mut releases: u64 = 5_000;
    let mut runs: usize = 3;
    let mut dir = std::env::temp_dir().join("intake-retention-bench");
    let mut agent = intake_tests::binary("intake-agent");
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--customers" => customers = value()?.parse()?,
            "--releases" => releases = value()?.parse()?,
            "--runs" => runs = value()?.parse()?,
            "--dir" => dir = PathBuf::from(value()?),
            "--agent" => agent = PathBuf::from(value()?),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    intake_tests::bench::require_agent(&agent)?;
    let shop = dir.join("shop");
    prepare(&agent, &dir, &shop, customers, releases)?;
    let copy = dir.join("run");
    let sqlite = which("sqlite3");

    // Each run deletes, so each starts from a fresh copy; the three alternate, so none
    // gets a warmer cache.
    let (mut pass, mut dry, mut shell) = (Vec::new(), Vec::new(), Vec::new());
    let (mut after_pass, mut after_shell) = (serde_json::Value::Null, serde_json::Value::Null);
    for _ in 0..runs {
        fresh_copy(&shop, &copy)?;
        let mut cmd = agent_cmd(&agent, &copy);
        cmd.args(["retention", "run", "--dry-run"]);
        dry.push(measured(&cmd)?);

        fresh_copy(&shop, &copy)?;
        let mut cmd = agent_cmd(&agent, &copy);
        cmd.args(["retention", "run"]);
        pass.push(measured(&cmd)?);
        // A second look finds nothing more to do.
        let again = plan(&agent, &copy)?;
        if again["customers"] != 0 || again["releases"] != 0 {
            return Err(format!("a second look still finds {again}").into());
        }
        after_pass = left(&copy)?;

        if let Some(sqlite3) = &sqlite {
            fresh_copy(&shop, &copy)?;
            let mut cmd = Command::new(sqlite3);
            cmd.arg(copy.join("intake.db")).arg(shell_sql(Utc::now()));
            shell.push(measured(&cmd)?);
            after_shell = left(&copy)?;
        }
    }
    fresh_copy(&shop, &copy)?;
    let planned = plan(&agent, &copy)?;
    let _ = std::fs::remove_dir_all(&copy);

    let (pass, dry) = (
        medians(&pass).ok_or("no runs")?,
        medians(&dry).ok_or("no runs")?,
    );
    let shell = medians(&shell);
    println!();
    println!(
        "a shop of {customers} customers and {releases} signed releases over {YEARS_OPEN} years; the pass deletes {} release(s), {} medical record(s) and {} customer(s)",
        planned["releases"], planned["medical_records"], planned["customers"]
    );
    println!("left after the pass: {after_pass}");
    if sqlite.is_some() {
        println!("left after the shell's deletes: {after_shell}");
    }
    println!("| measure | Intake | sqlite3 shell, by hand | ratio |");
    println!("|---|---|---|---|");
    let row = |what: &str, ours: &Figures| match &shell {
        Some(t) => println!(
            "| {what} | {:.2} s, {:.2} s CPU, {:.0} MB | {:.2} s, {:.2} s CPU, {:.0} MB | {:.2} |",
            ours.wall.as_secs_f64(),
            ours.cpu_secs,
            ours.peak_mb,
            t.wall.as_secs_f64(),
            t.cpu_secs,
            t.peak_mb,
            ours.wall.as_secs_f64() / t.wall.as_secs_f64()
        ),
        None => println!(
            "| {what} | {:.2} s, {:.2} s CPU, {:.0} MB | (sqlite3 not installed) | |",
            ours.wall.as_secs_f64(),
            ours.cpu_secs,
            ours.peak_mb
        ),
    };
    row("`retention run`: wall, CPU, peak memory", &pass);
    println!(
        "| `retention run --dry-run` (the plan alone) | {:.2} s, {:.2} s CPU, {:.0} MB | | |",
        dry.wall.as_secs_f64(),
        dry.cpu_secs,
        dry.peak_mb
    );
    println!("(medians of {runs} runs)");
    Ok(())
}

/// The shop, unless DIR already holds one of this size: customers added evenly over the
/// years it has been open, and releases signed at the kiosk evenly over the same years
/// (each by a new customer, a third of them minors with a guardian).
fn prepare(
    agent: &Path,
    dir: &Path,
    shop: &Path,
    customers: u64,
    releases: u64,
) -> BenchResult<()> {
    let marker = dir.join(format!("prepared-{customers}-{releases}"));
    if marker.exists() {
        println!("reusing the shop in {}", shop.display());
        return Ok(());
    }
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir)?;
    add_owner(agent, shop)?;
    let mut db = Db::open_dir(shop)?;
    let now = Utc::now();
    let span = Duration::days(i64::from(YEARS_OPEN) * 365);
    let at = |i: u64, n: u64| now - span + span * i32::try_from(i).unwrap_or(0) / n.max(1) as i32;

    let t = Instant::now();
    let batch: Vec<u64> = (0..customers).collect();
    for chunk in batch.chunks(1000) {
        let ms: Vec<Mutation> = chunk
            .iter()
            .map(|&i| Mutation {
                at: at(i, customers),
                ..Mutation::new("bench", create(i))
            })
            .collect();
        mutation::submit_all(&mut db, &ms)?;
    }
    println!(
        "{customers} customers added in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    let settings = Settings::defaults();
    let template = release::register_template(&mut db, &settings.template)?;
    let signature = registrations::signature_png(1);
    for n in 0..releases {
        let signed_at = at(n, releases);
        let reg = registration_at(&settings, n, &signature, signed_at);
        let mut signing = Signing::new("lobby", &settings, &template);
        signing.now = signed_at;
        release::submit(&mut db, &reg, &signing)?;
    }
    println!(
        "{releases} releases signed in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    drop(db);
    File::create(marker)?;
    Ok(())
}

fn create(i: u64) -> Op {
    let profile = Profile::default()
        .with(
            Field::FirstName,
            ["Ann", "Bo", "Dana", "Eli", "Rosa"][i as usize % 5],
        )
        .with(Field::LastName, &format!("Walker{}", i % 997))
        .with(Field::Email, &format!("c{i}@example.com"))
        .with(Field::PhoneNumber, &format!("+1415{:07}", i % 10_000_000))
        .with(Field::Birthdate, "1990-04-02");
    Op::CreateCustomer {
        customer: Uuid::now_v7(),
        profile,
    }
}

/// Registration `n` as signed at `at`: its birthdate moved back with it, so the signer
/// was as old then as the registration says.
fn registration_at(
    settings: &Settings,
    n: u64,
    signature: &[u8],
    at: DateTime<Utc>,
) -> release::Registration {
    let mut reg = registrations::registration(settings, n, signature);
    let back = (Utc::now() - at).num_days();
    let born = reg
        .profile
        .get(Field::Birthdate)
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .expect("a birthdate")
        - Duration::days(back);
    reg.profile = reg
        .profile
        .clone()
        .with(Field::Birthdate, &born.format("%Y-%m-%d").to_string());
    reg
}

/// What a studio would write by hand for the same policy: releases signed before the
/// cut-off, then customers added before it who keep no release and had no service or
/// Safety Panel check since, then the medical records of those who keep no release.
fn shell_sql(now: DateTime<Utc>) -> String {
    let cut = intake_common::time::format(now - Months::new(12 * 5));
    format!(
        "PRAGMA foreign_keys = ON;
         PRAGMA secure_delete = ON;
         BEGIN;
         DELETE FROM releases WHERE signed_at < '{cut}';
         DELETE FROM customers WHERE created_at < '{cut}'
           AND id NOT IN (SELECT customer_id FROM releases)
           AND id NOT IN (SELECT customer_id FROM services WHERE started_at >= '{cut}')
           AND id NOT IN (SELECT customer_id FROM safety_acks WHERE acknowledged_at >= '{cut}');
         DELETE FROM medical_conditions WHERE created_at < '{cut}'
           AND customer_id NOT IN (SELECT customer_id FROM releases);
         COMMIT;
         PRAGMA wal_checkpoint(TRUNCATE);"
    )
}

/// What the pass would delete in `shop`, by `retention run --dry-run --json`.
fn plan(agent: &Path, shop: &Path) -> BenchResult<serde_json::Value> {
    let out = run(agent_cmd(agent, shop).args(["retention", "run", "--dry-run", "--json"]))?;
    Ok(serde_json::from_slice(&out)?)
}

/// What a shop's files still hold, counted.
fn left(shop: &Path) -> BenchResult<serde_json::Value> {
    let db = Db::open_dir(shop)?;
    let count = |table: &str| -> BenchResult<i64> {
        Ok(db
            .conn()
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?)
    };
    Ok(serde_json::json!({
        "customers": count("customers")?,
        "releases": count("releases")?,
        "medical_records": count("medical_conditions")?,
    }))
}

/// Replaces `to` with a copy of every file in `from`.
fn fresh_copy(from: &Path, to: &Path) -> BenchResult<()> {
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name()))?;
        }
    }
    Ok(())
}
