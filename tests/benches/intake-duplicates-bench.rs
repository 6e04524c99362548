//! Duplicates at scale: a generated customer list drawn from 39 last names and birthdates
//! spread over 70 years, so that hundreds of thousands share both, then side by side in one
//! run:
//!
//! - `intake-agent duplicates --json > /dev/null` against the sqlite3 shell making the same
//!   groups as JSON objects from the same index (wall time and peak resident memory,
//!   medians of `--runs`);
//! - the first page of `GET /v1/duplicates?limit=50` from a running `intake-agent serve`
//!   over HTTPS on loopback, and a page deep into the list.
//!
//! - the console's customer list on the same store (`duplicates/console.rs`): the first
//!   page, a page 10,000 customers in, and searches, beside the sqlite3 shell's `OFFSET`
//!   and `LIKE` for the same.
//!
//! Build the agent in release mode first: `cargo build --release -p intake-agent`, then
//! `cargo bench -p intake-tests --bench intake-duplicates-bench -- [--customers N]
//! [--runs N] [--dir DIR] [--agent PATH]`. The data is kept in DIR and reused by a later run
//! with the same `--customers`.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[path = "duplicates/console.rs"]
mod console;
use intake_tests::bench::{
    BenchResult, PIN, add_owner, agent_cmd, measure, measured, median, medians, run, which,
};

const LAST_NAMES: [&str; 39] = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
];
const FIRST_NAMES: [&str; 24] = [
    "Ann", "Bo", "Carlos", "Dana", "Eli", "Fatima", "Gus", "Hana", "Ivan", "José", "Kai", "Lena",
    "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tariq", "Uma", "Vic", "Wen", "Zoë",
];

fn main() -> BenchResult<()> {
    let mut args = intake_tests::bench_args();
    if let Some(first) = args.next() {
        if first == "--measure" {
            return measure(args.collect());
        }
        return bench(std::iter::once(first).chain(args));
    }
    bench(std::iter::empty())
}

fn bench(mut args: impl Iterator<Item = String>) -> BenchResult<()> {
    let mut customers: u64 = 1_000_000;
    let mut runs: usize = 3;
    let mut dir = std::env::temp_dir().join("intake-duplicates-bench");
    let mut agent = intake_tests::binary("intake-agent");
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--customers" => customers = value()?.parse()?,
            "--runs" => runs = value()?.parse()?,
            "--dir" => dir = PathBuf::from(value()?),
            "--agent" => agent = PathBuf::from(value()?),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    intake_tests::bench::require_agent(&agent)?;
    let data = dir.join("data");
    prepare(&agent, &dir, &data, customers)?;
    let db = data.join("intake.db");

    // The command line, then the shell, alternating, so neither gets a warmer cache.
    let sqlite = which("sqlite3");
    let sql = shell_sql();
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let mut cmd = agent_cmd(&agent, &data);
        cmd.args(["duplicates", "--json"]);
        ours.push(measured(&cmd)?);
        if let Some(sqlite3) = &sqlite {
            let mut cmd = Command::new(sqlite3);
            cmd.arg("-readonly").arg(&db).arg(&sql);
            theirs.push(measured(&cmd)?);
        }
    }
    // The floor: the same command on a store with no customers is mostly the sign-in
    // (the PIN's argon2id hash takes 64 MiB while it runs).
    let empty = dir.join("empty");
    if !empty.join("intake.db").exists() {
        add_owner(&agent, &empty)?;
    }
    let mut cmd = agent_cmd(&agent, &empty);
    cmd.args(["duplicates", "--json"]);
    let floor = measured(&cmd)?;
    let listed = last_listing(&db)?;
    let shell_groups = match &sqlite {
        Some(sqlite3) => {
            let out = Command::new(sqlite3)
                .arg("-readonly")
                .arg(&db)
                .arg(format!("SELECT count(*) FROM ({sql})"))
                .output()?;
            String::from_utf8_lossy(&out.stdout).trim().to_string()
        }
        None => "-".into(),
    };

    let api = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?
        .block_on(api_pages(&agent, &data, sqlite.as_deref(), runs))?;

    let ours = medians(&ours).ok_or("no runs")?;
    println!();
    println!("{listed} (the shell's groups: {shell_groups})");
    println!("| measure ({customers} customers) | Intake | sqlite3 shell | ratio |");
    println!("|---|---|---|---|");
    let shell = medians(&theirs);
    let row = |what: &str, ours: f64, theirs: Option<f64>, unit: &str, digits: usize| match theirs {
        Some(t) => println!(
            "| {what} | {ours:.digits$} {unit} | {t:.digits$} {unit} | {:.2} |",
            ours / t
        ),
        None => println!("| {what} | {ours:.digits$} {unit} | (sqlite3 not installed) | |"),
    };
    row(
        "`duplicates --json > /dev/null`, wall time",
        ours.wall.as_secs_f64(),
        shell.map(|f| f.wall.as_secs_f64()),
        "s",
        2,
    );
    row(
        "… CPU time (user + system)",
        ours.cpu_secs,
        shell.map(|f| f.cpu_secs),
        "s",
        2,
    );
    row(
        "… peak resident memory",
        ours.peak_mb,
        shell.map(|f| f.peak_mb),
        "MB",
        0,
    );
    println!(
        "| … the same on a store with no customers (sign-in alone) | {:.2} s, {:.0} MB | | |",
        floor.wall.as_secs_f64(),
        floor.peak_mb
    );
    println!(
        "| `GET /v1/duplicates?limit=50`, the first page | {:.0} ms | | |",
        api.first.as_secs_f64() * 1e3
    );
    println!(
        "| … a page {} groups in | {:.0} ms | | |",
        api.deep_at,
        api.deep.as_secs_f64() * 1e3
    );
    for (what, ours, shell) in &api.console {
        match shell {
            Some(t) => println!(
                "| {what} | {:.0} ms | {:.0} ms | {:.2} |",
                ours.as_secs_f64() * 1e3,
                t.as_secs_f64() * 1e3,
                ours.as_secs_f64() / t.as_secs_f64()
            ),
            None => println!("| {what} | {:.0} ms | | |", ours.as_secs_f64() * 1e3),
        }
    }
    println!("(medians of {runs} runs)");
    Ok(())
}

/// Generates the list and imports it, unless DIR already holds one of that size.
fn prepare(agent: &Path, dir: &Path, data: &Path, customers: u64) -> BenchResult<()> {
    let marker = dir.join(format!("imported-{customers}"));
    if marker.exists() {
        println!("reusing the {customers} customers in {}", data.display());
        return Ok(());
    }
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir)?;
    let csv = dir.join("customers.csv");
    let t = Instant::now();
    generate(&csv, customers)?;
    println!(
        "generated {customers} customers in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    add_owner(agent, data)?;
    let t = Instant::now();
    let report = run(agent_cmd(agent, data).arg("import").arg(&csv).arg("--json"))?;
    let report: serde_json::Value = serde_json::from_slice(&report)?;
    println!(
        "imported: {} created, {} failed, in {:.1} s",
        report["created"],
        report["failed"],
        t.elapsed().as_secs_f64()
    );
    std::fs::remove_file(&csv)?;
    File::create(marker)?;
    Ok(())
}

/// A studio-layout file: 39 last names, birthdates over 70 years (day 1 to 28), unique
/// e-mails and phones.
fn generate(path: &Path, rows: u64) -> std::io::Result<()> {
    let mut next = intake_tests::bench::xorshift();
    let mut w = BufWriter::with_capacity(1 << 20, File::create(path)?);
    writeln!(
        w,
        "FirstName,LastName,Email,PhoneNumber,Birthdate,Street,City,State,PostalCode,Country,Occupation"
    )?;
    for i in 0..rows {
        let r = next();
        let first = FIRST_NAMES[(r % 24) as usize];
        let last = LAST_NAMES[((r >> 8) % 39) as usize];
        let birth = format!(
            "{}-{:02}-{:02}",
            1940 + (r >> 16) % 70,
            1 + (r >> 24) % 12,
            1 + (r >> 32) % 28
        );
        let phone = format!(
            "+1 (2{:02}) {:03}-{:04}",
            i % 100,
            (i / 100) % 1000,
            (i / 100_000) * 1000 + (r >> 40) % 1000
        );
        writeln!(
            w,
            "{first},{last},{}.{}.{i}@example.com,{phone},{birth},\"{} Oak Ave, Apt {}\",Austin,TX,78701,US,Artist",
            first.to_lowercase(),
            last.to_lowercase(),
            (r >> 44) % 9999,
            (r >> 56) % 40
        )?;
    }
    w.flush()
}

/// The same groups from the sqlite3 shell, one JSON object a line: every customer who
/// shares the index's key with another, in index order (by key, then oldest first), each
/// key's run gathered into an array whose first element is the target. (The generated list
/// has no "not a duplicate" marks, so none are applied.)
fn shell_sql() -> String {
    let fields: Vec<String> = intake_common::Field::ALL
        .iter()
        .map(|f| format!("'{}', {}", f.column(), f.db_column()))
        .collect();
    let h = "lower(hex(id))";
    let uuid = format!(
        "substr({h},1,8)||'-'||substr({h},9,4)||'-'||substr({h},13,4)||'-'||substr({h},17,4)||'-'||substr({h},21)"
    );
    format!(
        "SELECT json_object('target', json_extract(run, '$[0]'), 'duplicates', json_remove(run, '$[0]'))
         FROM (SELECT json_group_array(json_object('id', {uuid}, {},
                 'CreatedAt', created_at, 'UpdatedAt', updated_at)) AS run
           FROM customers AS c INDEXED BY customers_duplicates
           WHERE last_name_key IS NOT NULL AND birthdate IS NOT NULL
             AND EXISTS (SELECT 1 FROM customers AS t INDEXED BY customers_duplicates
                         WHERE t.last_name_key = c.last_name_key AND t.birthdate = c.birthdate
                           AND t.rowid <> c.rowid)
           GROUP BY last_name_key, birthdate)",
        fields.join(", ")
    )
}

/// What the last listing's audit entry says.
fn last_listing(db: &Path) -> BenchResult<String> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    Ok(conn.query_row(
        "SELECT detail FROM audit_log WHERE action = 'customer.duplicates' ORDER BY rowid DESC LIMIT 1",
        [],
        |r| r.get(0),
    )?)
}

struct ApiFigures {
    first: Duration,
    deep: Duration,
    deep_at: usize,
    console: Vec<console::Row>,
}

/// The first page of groups, and a page about a tenth of the way in, from a running store.
async fn api_pages(
    agent: &Path,
    data: &Path,
    sqlite: Option<&Path>,
    runs: usize,
) -> BenchResult<ApiFigures> {
    let mut store = Command::new(agent)
        .arg("--data-dir")
        .arg(data)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let result = async {
        let mut lines = BufReader::new(store.stdout.take().ok_or("no stdout")?);
        let mut first = String::new();
        lines.read_line(&mut first)?;
        let url = first
            .trim()
            .strip_prefix("listening on ")
            .ok_or_else(|| format!("unexpected first line from the store: {first:?}"))?
            .to_string();
        std::thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = lines.read_to_end(&mut sink);
        });
        let _ = rustls::crypto::ring::default_provider().install_default();
        let pem = std::fs::read(data.join("store-cert.pem"))?;
        let http = reqwest::Client::builder()
            .tls_certs_only([reqwest::Certificate::from_pem(&pem)?])
            .build()?;
        let signed: serde_json::Value = http
            .post(format!("{url}/v1/sessions"))
            .json(&serde_json::json!({ "user": "bench", "pin": PIN }))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let token = signed["token"].as_str().ok_or("no token")?.to_string();
        let page = |after: Option<String>, limit: usize| {
            let (http, url, token) = (&http, &url, &token);
            async move {
                // The cursor is URL-safe base64: it needs no escaping.
                let mut address = format!("{url}/v1/duplicates?limit={limit}");
                if let Some(a) = after {
                    address.push_str(&format!("&after={a}"));
                }
                let req = http.get(address).bearer_auth(token);
                let t = Instant::now();
                let v: serde_json::Value = req.send().await?.error_for_status()?.json().await?;
                let took = t.elapsed();
                let groups = v["groups"].as_array().map_or(0, Vec::len);
                let next = v["next"].as_str().map(str::to_string);
                Ok::<_, Box<dyn std::error::Error>>((took, groups, next))
            }
        };
        let mut firsts = Vec::new();
        for _ in 0..runs {
            let (took, groups, _) = page(None, 50).await?;
            if groups != 50 {
                return Err(format!("the first page held {groups} groups").into());
            }
            firsts.push(took);
        }
        // Deep into the list by pages of 500, then the same page of 50 as the first.
        let mut after = None;
        let mut deep_at = 0;
        for _ in 0..50 {
            let (_, groups, next) = page(after.clone(), 500).await?;
            deep_at += groups;
            after = next;
            if after.is_none() {
                break;
            }
        }
        let mut deeps = Vec::new();
        for _ in 0..runs {
            deeps.push(page(after.clone(), 50).await?.0);
        }
        Ok(ApiFigures {
            first: median(&mut firsts),
            deep: median(&mut deeps),
            deep_at,
            console: console::pages(&url, data, sqlite, runs).await?,
        })
    }
    .await;
    let _ = store.kill();
    let _ = store.wait();
    result
}
