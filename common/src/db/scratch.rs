//! A throwaway PostgreSQL server, for tests and benchmarks: a cluster in a temporary
//! directory, reached only through a unix socket in that directory, stopped and removed when
//! the process that started it ends. `INTAKE_TEST_POSTGRES` (a connection string to a
//! server whose user may create databases) is used instead when it is set.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

/// The variable naming a server to use instead of starting one.
pub const SERVER_VAR: &str = "INTAKE_TEST_POSTGRES";

/// A PostgreSQL server to make scratch databases on.
#[derive(Debug)]
pub struct Server {
    /// A connection string without `dbname`.
    base: String,
    /// The cluster's directory when this process started it.
    _dir: Option<tempfile::TempDir>,
}

impl Server {
    /// The server for this process: the one `INTAKE_TEST_POSTGRES` names, or a cluster
    /// started on first use.
    pub fn shared() -> &'static Server {
        static SERVER: OnceLock<Server> = OnceLock::new();
        SERVER.get_or_init(|| match std::env::var(SERVER_VAR) {
            Ok(base) if !base.trim().is_empty() => Server { base, _dir: None },
            _ => Server::start().unwrap_or_else(|e| panic!("{e}")),
        })
    }

    /// A connection string for `dbname` on this server.
    pub fn url(&self, dbname: &str) -> String {
        format!("{} dbname={dbname}", self.base)
    }

    /// A new, empty database (`intake_<tag>_<n>`); its connection string.
    pub fn fresh_database(&self, tag: &str) -> String {
        static N: AtomicU32 = AtomicU32::new(0);
        let tag: String = tag
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .take(30)
            .collect();
        let name = format!(
            "intake_{tag}_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        self.create_database(&name);
        self.url(&name)
    }

    /// The scratch database for the data directory `dir`: the same one each time `dir` is
    /// asked for (made the first time); its connection string.
    pub fn database_for(&self, dir: &Path) -> String {
        use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
        let name = format!(
            "d_{:016x}",
            BuildHasherDefault::<DefaultHasher>::default().hash_one(dir)
        );
        self.create_database(&name);
        self.url(&name)
    }

    /// Creates `name` unless it exists. On a thread of its own: the blocking client must not
    /// run inside an async test's runtime.
    pub fn create_database(&self, name: &str) {
        std::thread::scope(|s| {
            s.spawn(|| self.create_database_here(name))
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
        });
    }

    fn create_database_here(&self, name: &str) {
        let mut admin = postgres::Client::connect(&self.url("postgres"), postgres::NoTls)
            .unwrap_or_else(|e| panic!("the scratch PostgreSQL server does not answer: {e}"));
        let exists = admin
            .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
            .expect("pg_database reads");
        if exists.is_none() {
            // Two callers racing for one name: the loser finds it made.
            if let Err(e) = admin.batch_execute(&format!("CREATE DATABASE \"{name}\""))
                && e.code() != Some(&postgres::error::SqlState::DUPLICATE_DATABASE)
            {
                panic!("CREATE DATABASE {name}: {e}");
            }
        }
    }

    /// Starts a cluster in a temporary directory (as the `postgres` user when this process
    /// is root, since PostgreSQL refuses to run as root).
    fn start() -> Result<Server, String> {
        let bin = bin_dir().ok_or(
            "PostgreSQL's programs (initdb, pg_ctl) are not installed: install Debian's \
             `postgresql`, or set INTAKE_TEST_POSTGRES to a server",
        )?;
        let dir = tempfile::Builder::new()
            .prefix("intake-pg-")
            .tempdir()
            .map_err(|e| format!("a directory for the scratch cluster: {e}"))?;
        let as_postgres = is_root();
        if as_postgres {
            chown_to_postgres(dir.path())?;
        }
        let data = dir.path().join("data");
        let run = |program: &str, args: &[&str]| -> Result<(), String> {
            let path = bin.join(program);
            let mut cmd = if as_postgres {
                let mut c = Command::new("runuser");
                c.args(["-u", "postgres", "--"]).arg(&path);
                c
            } else {
                Command::new(&path)
            };
            let out = cmd
                .args(args)
                .output()
                .map_err(|e| format!("{}: {e}", path.display()))?;
            if out.status.success() {
                Ok(())
            } else {
                Err(format!(
                    "{program} {}: {}{}",
                    args.join(" "),
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                ))
            }
        };
        let data_arg = data.display().to_string();
        let socket = dir.path().display().to_string();
        run(
            "initdb",
            &[
                "-D",
                &data_arg,
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
        )?;
        let options = format!(
            "-c listen_addresses='' -k {socket} -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c max_connections=200 -c shared_buffers=64MB"
        );
        let log = dir.path().join("server.log").display().to_string();
        run(
            "pg_ctl",
            &["-D", &data_arg, "-o", &options, "-l", &log, "-w", "start"],
        )?;
        stop_when_this_process_ends(&bin, &data, dir.path(), as_postgres);
        Ok(Server {
            base: format!("host={socket} user=postgres"),
            _dir: Some(dir),
        })
    }
}

/// Where `initdb` and `pg_ctl` are: on the PATH, or Debian's versioned directory.
fn bin_dir() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("PATH") {
        for p in std::env::split_paths(&path) {
            if p.join("initdb").is_file() && p.join("pg_ctl").is_file() {
                return Some(p);
            }
        }
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").is_file())
        .collect();
    versions.sort();
    versions.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn chown_to_postgres(dir: &Path) -> Result<(), String> {
    let status = Command::new("chown")
        .args(["postgres:postgres"])
        .arg(dir)
        .status()
        .map_err(|e| format!("chown: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "{} could not be given to the `postgres` user (is Debian's postgresql installed?)",
            dir.display()
        ))
    }
}

/// A watcher outside this process stops the cluster and removes its directory once this
/// process is gone, however it ends (statics are never dropped; a test may abort).
fn stop_when_this_process_ends(bin: &Path, data: &Path, dir: &Path, as_postgres: bool) {
    let pg_ctl = bin.join("pg_ctl");
    let stop = if as_postgres {
        format!(
            "runuser -u postgres -- '{}' -D '{}' -m immediate stop",
            pg_ctl.display(),
            data.display()
        )
    } else {
        format!(
            "'{}' -D '{}' -m immediate stop",
            pg_ctl.display(),
            data.display()
        )
    };
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {stop} >/dev/null 2>&1; rm -rf '{dir}'",
        pid = std::process::id(),
        dir = dir.display()
    );
    let spawned = Command::new("sh")
        .args(["-c", &script])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "nothing will stop the scratch PostgreSQL cluster");
    }
}
