//! What the benchmarks share: a generated studio-layout CSV, timing a command, medians;
//! and measuring a whole command as a user runs it (wall time, peak resident memory, CPU
//! time), for the benchmarks that compare Intake with another tool. A bench binary that
//! uses [`measured`] answers `--measure PROGRAM ARGS...` itself with [`measure`], so the
//! peak memory read is the measured command's alone.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The studio layout's columns, as the generated file's header names them.
pub const STUDIO_COLUMNS: &str = "FirstName,LastName,Email,PhoneNumber,Birthdate,MiddleName,Nickname,Gender,Street,City,State,PostalCode,Country,Occupation,Notes";
/// The same columns as the customers table names them.
pub const DB_COLUMNS: &str = "first_name,last_name,email,phone,birthdate,middle_name,nickname,gender,street,city,state,postal_code,country,occupation,notes";

pub type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

pub fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

pub fn median_opt(times: &mut [Duration]) -> Option<Duration> {
    (!times.is_empty()).then(|| median(times))
}

pub fn run(cmd: &mut Command) -> BenchResult<Vec<u8>> {
    let out = cmd.stderr(Stdio::inherit()).output()?;
    if !out.status.success() {
        return Err(format!("{cmd:?} failed with {}", out.status).into());
    }
    Ok(out.stdout)
}

pub fn time(cmd: &mut Command) -> BenchResult<(Duration, Vec<u8>)> {
    let t = Instant::now();
    let out = run(cmd)?;
    Ok((t.elapsed(), out))
}

pub fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join(name))
        .find(|p| p.exists())
}

/// A deterministic studio-layout file: varied names, addresses and notes (with commas,
/// quotes and formula-like cells), and about 1% true duplicates (same last name and
/// birthdate, another first name, no e-mail).
pub fn generate(path: &Path, rows: u64) -> std::io::Result<()> {
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
    let mut next = xorshift();
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

/// The same stream of pseudo-random numbers on every run (xorshift64).
pub fn xorshift() -> impl FnMut() -> u64 {
    let mut rng = 0x9E37_79B9_7F4A_7C15u64;
    move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    }
}

/// A new customer, as the owner adds one: `{tag}{n} Bench`, with an e-mail.
pub fn new_customer(tag: &str, n: u64) -> intake_common::Mutation {
    use intake_common::{Field, Op, Profile};
    intake_common::Mutation::new(
        crate::cluster::OWNER,
        Op::CreateCustomer {
            customer: uuid::Uuid::now_v7(),
            profile: Profile::default()
                .with(Field::FirstName, &format!("{tag}{n}"))
                .with(Field::LastName, "Bench")
                .with(Field::Email, &format!("{tag}{n}@example.com")),
        },
    )
}

/// An error saying how to build the agent when `agent` is not there.
pub fn require_agent(agent: &Path) -> BenchResult<()> {
    if agent.exists() {
        return Ok(());
    }
    Err(format!(
        "{} is missing: cargo build --release -p intake-agent",
        agent.display()
    )
    .into())
}

/// The PIN of the bench's owner, `bench`.
pub const PIN: &str = "123456";

/// `intake-agent --data-dir DATA` as the bench's owner.
pub fn agent_cmd(agent: &Path, data: &Path) -> Command {
    let mut cmd = Command::new(agent);
    cmd.arg("--data-dir")
        .arg(data)
        .args(["--user", "bench"])
        .env("INTAKE_PIN", PIN)
        .env_remove("INTAKE_USER");
    cmd
}

/// Adds the bench's owner to the shop in `data`.
pub fn add_owner(agent: &Path, data: &Path) -> BenchResult<()> {
    let mut add = Command::new(agent);
    add.arg("--data-dir")
        .arg(data)
        .args(["user", "add", "bench", "--role", "owner"])
        .env("INTAKE_PIN", PIN)
        .env_remove("INTAKE_USER");
    run(&mut add)?;
    Ok(())
}

/// What `--measure` reports of one command.
#[derive(Debug, Clone, Copy)]
pub struct Figures {
    pub wall: Duration,
    pub peak_mb: f64,
    pub cpu_secs: f64,
}

/// Runs `cmd` through this program's `--measure`, so that the peak memory read is that
/// command's alone.
pub fn measured(cmd: &Command) -> BenchResult<Figures> {
    let out = Command::new(std::env::current_exe()?)
        .arg("--measure")
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .envs(cmd.get_envs().filter_map(|(k, v)| v.map(|v| (k, v))))
        .stderr(Stdio::inherit())
        .output()?;
    if !out.status.success() {
        return Err(format!("{cmd:?} failed").into());
    }
    let text = String::from_utf8(out.stdout)?;
    let mut figures = text.split_whitespace().map(str::parse::<f64>);
    let mut next = || {
        figures
            .next()
            .ok_or("no figures")
            .map(|f| f.map_err(|e| e.to_string()))
    };
    Ok(Figures {
        wall: Duration::from_secs_f64(next()??),
        peak_mb: next()??,
        cpu_secs: next()??,
    })
}

/// `--measure PROGRAM ARGS...`: runs it with its output thrown away, prints the wall time
/// in seconds, its peak resident memory in MB and the CPU seconds it used (user and
/// system; this process's only child).
pub fn measure(args: Vec<String>) -> BenchResult<()> {
    let (program, rest) = args.split_first().ok_or("--measure needs a program")?;
    let t = Instant::now();
    let status = Command::new(program)
        .args(rest)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .status()?;
    let took = t.elapsed();
    if !status.success() {
        return Err(format!("{program} failed with {status}").into());
    }
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)?;
    let secs = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 / 1e6;
    println!(
        "{} {} {}",
        took.as_secs_f64(),
        usage.max_rss() as f64 / 1024.0,
        secs(usage.user_time()) + secs(usage.system_time())
    );
    Ok(())
}

/// The medians of each figure over the runs.
pub fn medians(runs: &[Figures]) -> Option<Figures> {
    if runs.is_empty() {
        return None;
    }
    let mid = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    Some(Figures {
        wall: Duration::from_secs_f64(mid(runs.iter().map(|f| f.wall.as_secs_f64()).collect())),
        peak_mb: mid(runs.iter().map(|f| f.peak_mb).collect()),
        cpu_secs: mid(runs.iter().map(|f| f.cpu_secs).collect()),
    })
}
