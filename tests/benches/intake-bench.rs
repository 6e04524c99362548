//! Benchmarks of the admin commands against the sqlite3 command-line shell on the same
//! machine and the same file:
//!
//! - import of a generated studio-layout CSV (1,000,000 rows by default) vs `.import`;
//! - export of those customers vs sqlite3's `.mode csv` output of the same columns;
//! - `duplicates` over them.
//!
//! Build both binaries in release mode first:
//! `cargo build --release -p intake-agent`, then run
//! `cargo bench -p intake-tests --bench intake-bench -- [--rows N] [--runs N] [--dir DIR]`.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use intake_tests::bench::{
    DB_COLUMNS, STUDIO_COLUMNS, generate, median, median_opt, run, time, which,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rows: u64 = 1_000_000;
    let mut runs: usize = 3;
    let mut dir = std::env::temp_dir().join("intake-bench");
    let mut args = intake_tests::bench_args();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--rows" => rows = args.next().ok_or("--rows needs a number")?.parse()?,
            "--runs" => runs = args.next().ok_or("--runs needs a number")?.parse()?,
            "--dir" => dir = PathBuf::from(args.next().ok_or("--dir needs a path")?),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let agent = intake_tests::binary("intake-agent");
    intake_tests::bench::require_agent(&agent)?;
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let csv = dir.join("customers.csv");
    let t = Instant::now();
    generate(&csv, rows)?;
    let size = std::fs::metadata(&csv)?.len();
    println!(
        "generated {rows} rows, {:.1} MB, in {:.1} s",
        size as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );

    let sqlite = which("sqlite3");
    let data = dir.join("data");
    let mut sqlite_imports = Vec::new();
    let mut intake_imports = Vec::new();
    for run_no in 0..runs {
        if let Some(sqlite3) = &sqlite {
            let plain = dir.join("plain.db");
            let _ = std::fs::remove_file(&plain);
            let import = format!(".import {} t", csv.display());
            sqlite_imports.push(
                time(
                    Command::new(sqlite3)
                        .arg(&plain)
                        .args([".mode csv", import.as_str()]),
                )?
                .0,
            );
        }
        let _ = std::fs::remove_dir_all(&data);
        run(agent_cmd(&agent, &data, false).args(["user", "add", "bench", "--role", "owner"]))?;
        let (t, report) = time(
            agent_cmd(&agent, &data, true)
                .arg("import")
                .arg(&csv)
                .arg("--json"),
        )?;
        let report: serde_json::Value = serde_json::from_slice(&report)?;
        if run_no == 0 {
            println!(
                "import: {} created, {} failed",
                report["created"], report["failed"]
            );
        }
        intake_imports.push(t);
    }
    let peak_mb = children_peak_rss_mb();

    let out = dir.join("export.csv");
    let mut sqlite_exports = Vec::new();
    let mut intake_exports = Vec::new();
    let mut intake_exports_all = Vec::new();
    let mut dups = Vec::new();
    let mut group_count = 0;
    for _ in 0..runs {
        if let Some(sqlite3) = &sqlite {
            let sink = File::create(dir.join("sqlite-export.csv"))?;
            let mut cmd = Command::new(sqlite3);
            cmd.args(["-csv", "-header"])
                .arg(data.join("intake.db"))
                .arg(format!("SELECT {DB_COLUMNS} FROM customers ORDER BY rowid"))
                .stdout(sink);
            sqlite_exports.push(time(&mut cmd)?.0);
        }
        intake_exports.push(
            time(
                agent_cmd(&agent, &data, true)
                    .args(["export", "--columns", STUDIO_COLUMNS, "--out"])
                    .arg(&out),
            )?
            .0,
        );
        intake_exports_all.push(
            time(
                agent_cmd(&agent, &data, true)
                    .args(["export", "--out"])
                    .arg(dir.join("export-all.csv")),
            )?
            .0,
        );
        let (t, groups) = time(agent_cmd(&agent, &data, true).args(["duplicates", "--json"]))?;
        let groups: serde_json::Value = serde_json::from_slice(&groups)?;
        group_count = groups.as_array().map_or(0, Vec::len);
        dups.push(t);
    }
    let (intake_import, sqlite_import) =
        (median(&mut intake_imports), median_opt(&mut sqlite_imports));
    let (intake_export, sqlite_export) =
        (median(&mut intake_exports), median_opt(&mut sqlite_exports));
    let intake_export_all = median(&mut intake_exports_all);
    let dups = median(&mut dups);

    println!();
    println!(
        "| measure ({rows} customers, {:.0} MB file) | Intake | sqlite3 shell | ratio |",
        size as f64 / 1e6
    );
    println!("|---|---|---|---|");
    row(
        "import (validate, normalise, upsert, indexes)",
        intake_import,
        sqlite_import,
    );
    println!("| import peak resident memory | {peak_mb:.0} MB | | |");
    row(
        "export to CSV (15 studio columns)",
        intake_export,
        sqlite_export,
    );
    println!(
        "| export to CSV (all 24 columns) | {:.2} s | | |",
        intake_export_all.as_secs_f64()
    );
    println!(
        "| duplicates --json ({group_count} groups) | {:.2} s | | |",
        dups.as_secs_f64()
    );
    println!("(medians of {runs} runs)");
    Ok(())
}

fn row(what: &str, ours: Duration, theirs: Option<Duration>) {
    match theirs {
        Some(t) => println!(
            "| {what} | {:.2} s | {:.2} s | {:.2} |",
            ours.as_secs_f64(),
            t.as_secs_f64(),
            ours.as_secs_f64() / t.as_secs_f64()
        ),
        None => println!(
            "| {what} | {:.2} s | (sqlite3 not installed) | |",
            ours.as_secs_f64()
        ),
    }
}

fn agent_cmd(agent: &Path, data: &Path, signed_in: bool) -> Command {
    let mut cmd = Command::new(agent);
    cmd.arg("--data-dir")
        .arg(data)
        .env("INTAKE_PIN", "123456")
        .env_remove("INTAKE_USER");
    if signed_in {
        cmd.args(["--user", "bench"]);
    }
    cmd
}

/// The largest resident set of any finished child, in MB.
fn children_peak_rss_mb() -> f64 {
    nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)
        .map_or(0.0, |u| u.max_rss() as f64 / 1024.0)
}
