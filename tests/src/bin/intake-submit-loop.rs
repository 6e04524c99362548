//! Submits kiosk registrations to a data directory, one after another, until it is killed.
//!
//! After each submit returns, it prints `confirmed <release-id>` and flushes: the moment the
//! kiosk would thank the customer. The crash test kills it at random moments and checks that
//! every release it confirmed is on disk, whole.
//!
//! `intake-submit-loop --data-dir DIR [--count N] [--start N] [--device NAME]`: with
//! `--count` it stops after N registrations.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use intake_common::Db;
use intake_common::mutation;
use intake_common::release::{self, Signing};
use intake_common::settings::Settings;
use intake_tests::registrations;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("intake-submit-loop: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut dir = None;
    let mut count = u64::MAX;
    let mut start = None;
    let mut device = "lobby-1".to_string();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--data-dir" => {
                dir = Some(PathBuf::from(args.next().ok_or("--data-dir needs a path")?))
            }
            "--count" => count = args.next().ok_or("--count needs a number")?.parse()?,
            "--start" => start = Some(args.next().ok_or("--start needs a number")?.parse()?),
            "--device" => device = args.next().ok_or("--device needs a name")?,
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let dir = dir.ok_or("usage: intake-submit-loop --data-dir DIR")?;
    // The store's database when it is on PostgreSQL (as the agent reads it), else the
    // SQLite file in the data directory.
    let mut db = match std::env::var("INTAKE_DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => Db::open_postgres_in(&url, &dir)?,
        _ => Db::open_dir(&dir)?,
    };
    // A kiosk is a device: what it records also queues for the store.
    mutation::set_device_role(&db, true)?;
    let settings = Settings::defaults();
    let template = release::register_template(&mut db, &settings.template)?;
    // Numbers differ from run to run, so runs against one directory do not repeat people.
    let start = start.unwrap_or(u64::from(std::process::id()) * 1_000);
    let mut out = std::io::stdout().lock();
    for n in (start..).take(usize::try_from(count).unwrap_or(usize::MAX)) {
        let signature = registrations::signature_png(n);
        let reg = registrations::registration(&settings, n, &signature);
        let ctx = Signing::new(&device, &settings, &template);
        let done = release::submit(&mut db, &reg, &ctx)?;
        writeln!(out, "confirmed {}", done.release)?;
        out.flush()?;
    }
    Ok(())
}
