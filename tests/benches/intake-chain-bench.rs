//! The store on PostgreSQL, measured beside what a shop runs today (one store process on
//! its SQLite file) and beside what an operator would reach for (`psql`'s `\copy`), with
//! real processes on loopback and a throwaway PostgreSQL cluster (`INTAKE_TEST_POSTGRES`
//! names another server). Build the agent in the same profile first:
//! `cargo build --release -p intake-agent`.
//!
//! 1. 10,000 registrations queued on four kiosks (2,500 each) while the store was away,
//!    pushed by all four at once: through two store processes on one PostgreSQL database
//!    (behind a proxy handing each connection to the next), and through one store process
//!    on SQLite.
//! 2. A new counter display pulling those 10,000 customers, from each.
//! 3. Webhook deliveries per second: 10,000 customer.created from one transaction (as an
//!    import makes them) to one receiver that checks every signature, from each.
//! 4. 1,000,000 customers imported into the PostgreSQL store, beside `psql`'s `\copy` of
//!    the same file into a table with the same columns and the store's customer indexes.
//!
//! `intake-chain-bench [--queued N] [--rows N]`

#![allow(clippy::print_stdout)] // a bench binary reports on stdout

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use intake_common::db::scratch::Server;
use intake_common::{Db, Mutation, mutation};
use intake_tests::bench::{BenchResult, DB_COLUMNS, generate, new_customer, run, time, which};
use intake_tests::binary;
use intake_tests::cluster::{OWNER, PIN, Proxy, Store, agent_with, register, wait_for};
use intake_tests::receiver::Receiver;

const ALLOW: (&str, &str) = ("INTAKE_WEBHOOK_ALLOW_PRIVATE", "1");
const KIOSKS: u64 = 4;

fn main() -> BenchResult<()> {
    let mut queued = 10_000u64;
    let mut rows = 1_000_000u64;
    let mut args = intake_tests::bench_args();
    while let Some(a) = args.next() {
        let value = args.next().and_then(|v| v.parse::<u64>().ok());
        match (a.as_str(), value) {
            ("--queued", Some(v)) => queued = v,
            ("--rows", Some(v)) => rows = v,
            _ => {
                eprintln!("usage: intake-chain-bench [--queued N] [--rows N]");
                std::process::exit(2);
            }
        }
    }
    let agent = binary("intake-agent");
    intake_tests::bench::require_agent(&agent)?;
    let root = tempfile::tempdir()?;
    let server = Server::shared();
    let pg = Shop::run(
        root.path(),
        "postgresql",
        Some(server.fresh_database("chain")),
        queued,
    )?;
    let sqlite = Shop::run(root.path(), "sqlite", None, queued)?;

    println!();
    println!("| measure | PostgreSQL, two store processes | SQLite, one store process |");
    println!("|---|---|---|");
    println!(
        "| push: {queued} registrations queued on {KIOSKS} kiosks, all pushing at once | {} | {} |",
        per_second(queued, pg.push),
        per_second(queued, sqlite.push)
    );
    println!(
        "| pull: a new counter takes {queued} customers | {} | {} |",
        per_second(queued, pg.pull),
        per_second(queued, sqlite.pull)
    );
    println!(
        "| webhooks: {queued} customer.created to one receiver | {} | {} |",
        per_second(queued, pg.webhooks),
        per_second(queued, sqlite.webhooks)
    );
    import(root.path(), server, rows)?;
    Ok(())
}

fn per_second(n: u64, took: Duration) -> String {
    format!(
        "{:.2} s ({:.0}/s)",
        took.as_secs_f64(),
        n as f64 / took.as_secs_f64()
    )
}

/// One shop's figures.
struct Shop {
    push: Duration,
    pull: Duration,
    webhooks: Duration,
}

impl Shop {
    /// A store with its devices: on PostgreSQL at `url` with two processes, else on SQLite
    /// with one.
    fn run(root: &Path, name: &str, url: Option<String>, queued: u64) -> BenchResult<Shop> {
        let dir = root.join(name);
        let store_dir = dir.join("store");
        let mut env = vec![ALLOW];
        if let Some(url) = &url {
            env.push(("INTAKE_DATABASE_URL", url.as_str()));
        }
        add_owner(&store_dir, &env)?;
        let first = Store::start_env(&store_dir, 0, &env);
        let second = url.as_ref().map(|_| Store::start_env(&store_dir, 0, &env));
        let proxy = second
            .as_ref()
            .map(|s| Proxy::start_over(&[first.port, s.port]));
        let address = proxy.as_ref().map_or(first.url.clone(), |p| p.url.clone());
        let receiver = Receiver::start();

        // 1. Push.
        let kiosks: Vec<PathBuf> = (0..KIOSKS)
            .map(|k| dir.join(format!("kiosk-{k}")))
            .collect();
        let t = Instant::now();
        for (k, kiosk) in kiosks.iter().enumerate() {
            pair(
                &store_dir,
                &env,
                kiosk,
                &format!("lobby-{k}"),
                "kiosk",
                &address,
            )?;
            register(kiosk, 1_000_000 * (k as u64 + 1), queued / KIOSKS);
        }
        println!(
            "{name}: queued {queued} registrations on {KIOSKS} kiosks in {:.1} s",
            t.elapsed().as_secs_f64()
        );
        let t = Instant::now();
        let pushes: Vec<_> = kiosks
            .iter()
            .map(|k| {
                Command::new(binary("intake-agent"))
                    .arg("--data-dir")
                    .arg(k)
                    .args(["run", "--once"])
                    .stdout(Stdio::null())
                    .spawn()
            })
            .collect::<Result<_, _>>()?;
        for mut p in pushes {
            if !p.wait()?.success() {
                return Err("a kiosk's push failed".into());
            }
        }
        let push = t.elapsed();
        let held = count(&store_dir, url.as_deref(), "SELECT count(*) FROM customers")?;
        if held != (queued / KIOSKS * KIOSKS) as i64 {
            return Err(format!("{name}: the store holds {held} customers").into());
        }

        // 2. Pull.
        let desk = dir.join("desk");
        pair(&store_dir, &env, &desk, "desk", "counter", &address)?;
        let (pull, _) = time(
            Command::new(binary("intake-agent"))
                .arg("--data-dir")
                .arg(&desk)
                .args(["run", "--once"]),
        )?;
        let pulled = count(&desk, None, "SELECT count(*) FROM customers")?;
        if pulled != held {
            return Err(format!("{name}: the counter holds {pulled} of {held}").into());
        }

        // 3. Webhooks.
        let added: serde_json::Value = serde_json::from_str(&agent_with(
            &store_dir,
            &[
                "webhook",
                "add",
                &receiver.url,
                "--events",
                "customer.created",
                "--json",
            ],
            &env,
        ))?;
        receiver.trust(added["secret"].as_str().ok_or("a secret")?);
        let mut db = open(&store_dir, url.as_deref())?;
        let batch: Vec<Mutation> = (0..queued).map(|n| new_customer("hook", n)).collect();
        let ids: HashSet<String> = batch
            .iter()
            .filter_map(|m| m.op.customer().map(|c| c.to_string()))
            .collect();
        let ours = || {
            let got = receiver.received();
            let valid = got.iter().all(|r| r.valid);
            (
                got.iter().filter(|r| ids.contains(r.data_id())).count(),
                valid,
            )
        };
        mutation::submit_all(&mut db, &batch)?;
        let t = Instant::now();
        let arrived = wait_for(Duration::from_secs(900), || ours().0 >= ids.len());
        let webhooks = t.elapsed();
        let (got, valid) = ours();
        if !arrived || !valid {
            return Err(format!(
                "{name}: {got} of {queued} messages arrived (signatures valid: {valid})"
            )
            .into());
        }
        drop((first, second, proxy));
        Ok(Shop {
            push,
            pull,
            webhooks,
        })
    }
}

fn add_owner(dir: &Path, env: &[(&str, &str)]) -> BenchResult<()> {
    std::fs::create_dir_all(dir)?;
    run(Command::new(binary("intake-agent"))
        .arg("--data-dir")
        .arg(dir)
        .args(["user", "add", OWNER, "--role", "owner"])
        .envs(env.iter().copied())
        .env("INTAKE_PIN", PIN)
        .env_remove("INTAKE_USER"))?;
    Ok(())
}

/// Adds device `name` on the store and pairs `device` with it through `address`.
fn pair(
    store: &Path,
    env: &[(&str, &str)],
    device: &Path,
    name: &str,
    role: &str,
    address: &str,
) -> BenchResult<()> {
    let made: serde_json::Value = serde_json::from_str(&agent_with(
        store,
        &["device", "add", name, "--role", role, "--json"],
        env,
    ))?;
    std::fs::create_dir_all(device)?;
    agent_with(
        device,
        &[
            "pair",
            "--store",
            address,
            "--code",
            made["code"].as_str().ok_or("a code")?,
            "--fingerprint",
            made["fingerprint"].as_str().ok_or("a fingerprint")?,
        ],
        &[],
    );
    Ok(())
}

fn open(dir: &Path, url: Option<&str>) -> intake_common::Result<Db> {
    match url {
        Some(url) => Db::open_postgres_in(url, dir),
        None => Db::open_dir(dir),
    }
}

fn count(dir: &Path, url: Option<&str>, sql: &str) -> BenchResult<i64> {
    Ok(open(dir, url)?.conn().query_row(sql, [], |r| r.get(0))?)
}

/// 4. The import beside `psql`'s `\copy`.
fn import(root: &Path, server: &Server, rows: u64) -> BenchResult<()> {
    let csv = root.join("customers.csv");
    generate(&csv, rows)?;
    let size = std::fs::metadata(&csv)?.len() as f64 / 1e6;
    let psql = which("psql").ok_or("psql is not installed (apt-get install postgresql-client)")?;

    // psql: the same file into a table of its columns with the store's customer indexes.
    let plain = server.fresh_database("copy");
    let columns: Vec<String> = DB_COLUMNS.split(',').map(|c| format!("{c} TEXT")).collect();
    run(Command::new(&psql).args([
        &plain,
        "-v",
        "ON_ERROR_STOP=1",
        "-qc",
        &format!(
            "CREATE TABLE plain ({});
             CREATE INDEX plain_by_name ON plain (last_name, first_name);
             CREATE INDEX plain_duplicates ON plain (last_name, birthdate);
             CREATE INDEX plain_email ON plain (email);
             CREATE INDEX plain_phone ON plain (phone);",
            columns.join(", ")
        ),
    ]))?;
    let copy = format!(
        "\\copy plain ({DB_COLUMNS}) FROM '{}' CSV HEADER",
        csv.display()
    );
    let (copied, _) =
        time(Command::new(&psql).args([&plain, "-v", "ON_ERROR_STOP=1", "-qc", &copy]))?;

    // Intake: validated, normalised, keyed and sealed, into the store's own tables.
    let url = server.fresh_database("import");
    let data = root.join("import-store");
    let env = [("INTAKE_DATABASE_URL", url.as_str())];
    add_owner(&data, &env)?;
    let (imported, report) = time(
        Command::new(binary("intake-agent"))
            .arg("--data-dir")
            .arg(&data)
            .args(["--user", OWNER, "import"])
            .arg(&csv)
            .arg("--json")
            .env("INTAKE_PIN", PIN)
            .envs(env),
    )?;
    let report: serde_json::Value = serde_json::from_slice(&report)?;
    println!(
        "| import {rows} customers ({size:.0} MB CSV; {} created, {} failed) | {} | `\\copy` into an indexed table of the same columns: {} |",
        report["created"],
        report["failed"],
        per_second(rows, imported),
        per_second(rows, copied)
    );
    println!(
        "(Intake / psql: {:.1}x the time)",
        imported.as_secs_f64() / copied.as_secs_f64()
    );
    Ok(())
}
