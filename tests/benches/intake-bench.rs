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
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const STUDIO_COLUMNS: &str = "FirstName,LastName,Email,PhoneNumber,Birthdate,MiddleName,Nickname,Gender,Street,City,State,PostalCode,Country,Occupation,Notes";
const DB_COLUMNS: &str = "first_name,last_name,email,phone,birthdate,middle_name,nickname,gender,street,city,state,postal_code,country,occupation,notes";

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
    if !agent.exists() {
        return Err(format!(
            "{} is missing: cargo build --release -p intake-agent",
            agent.display()
        )
        .into());
    }
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

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn median_opt(times: &mut [Duration]) -> Option<Duration> {
    (!times.is_empty()).then(|| median(times))
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

fn run(cmd: &mut Command) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let out = cmd.stderr(Stdio::inherit()).output()?;
    if !out.status.success() {
        return Err(format!("{cmd:?} failed with {}", out.status).into());
    }
    Ok(out.stdout)
}

fn time(cmd: &mut Command) -> Result<(Duration, Vec<u8>), Box<dyn std::error::Error>> {
    let t = Instant::now();
    let out = run(cmd)?;
    Ok((t.elapsed(), out))
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join(name))
        .find(|p| p.exists())
}

/// The largest resident set of any finished child, in MB.
fn children_peak_rss_mb() -> f64 {
    nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)
        .map_or(0.0, |u| u.max_rss() as f64 / 1024.0)
}

/// A deterministic studio-layout file: varied names, addresses and notes (with commas,
/// quotes and formula-like cells), and about 1% true duplicates (same last name and
/// birthdate, another first name, no e-mail).
fn generate(path: &Path, rows: u64) -> std::io::Result<()> {
    const FIRST: [&str; 24] = [
        "Ann", "Bo", "Carlos", "Dana", "Eli", "Fatima", "Gus", "Hana", "Ivan", "José", "Kai",
        "Lena", "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tariq", "Uma", "Vic",
        "Wen", "Zoë",
    ];
    const SYL: [&str; 20] = [
        "son", "ber", "ga", "li", "mor", "ko", "ra", "vin", "del", "tan", "ez", "wa", "ri", "no",
        "mac", "ste", "ha", "lo", "qui", "ne",
    ];
    const CITIES: [(&str, &str, &str); 6] = [
        ("Austin", "TX", "78701"),
        ("Seattle", "WA", "98101"),
        ("Miami", "FL", "33101"),
        ("Denver", "CO", "80202"),
        ("Portland", "OR", "97201"),
        ("Chicago", "IL", "60601"),
    ];
    const NOTES: [&str; 5] = [
        "",
        "prefers mornings",
        "\"likes fine line, \"\"black & grey\"\"\"",
        "'=HYPERLINK(\"x\")",
        "+1 referral",
    ];
    let mut rng = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut w = BufWriter::with_capacity(1 << 20, File::create(path)?);
    writeln!(w, "{STUDIO_COLUMNS}")?;
    let mut last_seen: Vec<(String, String)> = Vec::new();
    for i in 0..rows {
        let r = next();
        let first = FIRST[(r % 24) as usize];
        let (last, birth, email) = if i > 100 && r % 100 == 7 {
            let (l, b) = last_seen[(r >> 8) as usize % last_seen.len()].clone();
            (l, b, String::new())
        } else {
            let mut last = String::new();
            for k in 0..3 {
                last.push_str(SYL[((r >> (8 + k * 5)) % 20) as usize]);
            }
            let mut chars = last.chars();
            let last = chars
                .next()
                .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
                .unwrap_or_default();
            let birth = format!(
                "{}-{:02}-{:02}",
                1940 + (r >> 24) % 66,
                1 + (r >> 32) % 12,
                1 + (r >> 40) % 28
            );
            let email = format!(
                "{}.{}.{i}@example.com",
                first.to_lowercase(),
                last.to_lowercase()
            );
            if last_seen.len() < 10_000 {
                last_seen.push((last.clone(), birth.clone()));
            } else {
                let at = (r >> 16) as usize % last_seen.len();
                last_seen[at] = (last.clone(), birth.clone());
            }
            (last, birth, email)
        };
        let (city, state, zip) = CITIES[((r >> 44) % 6) as usize];
        let phone = format!(
            "+1 (2{:02}) {:03}-{:04}",
            i % 100,
            (i / 100) % 1000,
            (i / 100_000) * 1000 + (r >> 50) % 1000
        );
        let note = NOTES[((r >> 54) % 5) as usize];
        writeln!(
            w,
            "{first},{last},{email},{phone},{birth},,,{},\"{} Oak Ave, Apt {}\",{city},{state},{zip},US,Artist,{note}",
            ["Female", "Male", "Other", ""][((r >> 58) % 4) as usize],
            (r >> 12) % 9999,
            (r >> 20) % 40
        )?;
    }
    w.flush()
}
