//! A shop on one machine, for end-to-end tests and benchmarks: a store process, devices
//! paired with it, their sync loops, and a proxy that can lose the store's answers. Every
//! part is a real process talking HTTPS over loopback; each stops when its guard drops.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::binary;

/// The owner every test shop starts with, and their PIN.
pub const OWNER: &str = "olive";
pub const PIN: &str = "246810";

/// Whether stores run on PostgreSQL (`INTAKE_TEST_ENGINE=postgres`) rather than SQLite files.
pub fn on_postgres() -> bool {
    match std::env::var("INTAKE_TEST_ENGINE").as_deref() {
        Ok("postgres") => true,
        Ok("sqlite") | Err(_) => false,
        Ok(other) => panic!("INTAKE_TEST_ENGINE is `sqlite` or `postgres`, not `{other}`"),
    }
}

/// Data directories that are stores (a shop made with [`add_owner`], or a directory a
/// store was started on): on PostgreSQL each gets a scratch database of its own.
static STORE_DIRS: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Marks `dir` as a store's data directory.
pub fn mark_store(dir: &Path) {
    let mut dirs = STORE_DIRS.lock().unwrap_or_else(|p| p.into_inner());
    if !dirs.iter().any(|d| d == dir) {
        dirs.push(dir.to_path_buf());
    }
}

/// The environment an agent on `dir` runs with: on PostgreSQL, when `dir` is a store,
/// `INTAKE_DATABASE_URL` naming the store's scratch database (the same for every process
/// on `dir`). Devices keep their SQLite files.
pub fn database_env(dir: &Path) -> Vec<(String, String)> {
    let is_store = STORE_DIRS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .any(|d| d == dir);
    if on_postgres() && is_store {
        let url = intake_common::db::scratch::Server::shared().database_for(dir);
        vec![("INTAKE_DATABASE_URL".to_string(), url)]
    } else {
        Vec::new()
    }
}

/// The database of the shop in `dir`, opened here: its store's PostgreSQL database when
/// stores run there, else the SQLite file in `dir`.
pub fn open_db(dir: &Path) -> intake_common::Db {
    let db = match database_env(dir).pop() {
        Some((_, url)) => intake_common::Db::open_postgres_in(&url, dir),
        None => intake_common::Db::open_dir(dir),
    };
    db.unwrap_or_else(|e| panic!("the database of {}: {e}", dir.display()))
}

/// Runs `intake-agent --data-dir DIR ARGS...` as the owner; panics with its output if it fails.
pub fn agent(dir: &Path, args: &[&str]) -> String {
    agent_with(dir, args, &[])
}

/// [`agent`] with environment variables.
pub fn agent_with(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = agent_output_with(dir, args, env);
    assert!(
        out.status.success(),
        "intake-agent {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs the agent and returns whatever happened.
pub fn agent_output(dir: &Path, args: &[&str]) -> Output {
    agent_output_with(dir, args, &[])
}

/// [`agent_output`] with environment variables.
pub fn agent_output_with(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(binary("intake-agent"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("INTAKE_USER", OWNER)
        .env("INTAKE_PIN", PIN)
        .env_remove("INTAKE_LOG")
        .envs(database_env(dir))
        .envs(env.iter().copied())
        .output()
        .expect("intake-agent runs")
}

/// A new shop database in `dir` with its owner (no store running).
pub fn add_owner(dir: &Path) {
    std::fs::create_dir_all(dir).expect("a shop directory");
    mark_store(dir);
    let out = Command::new(binary("intake-agent"))
        .arg("--data-dir")
        .arg(dir)
        .args(["user", "add", OWNER, "--role", "owner"])
        .envs(database_env(dir))
        .env("INTAKE_PIN", PIN)
        .env_remove("INTAKE_USER")
        .output()
        .expect("intake-agent runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A running `intake-agent serve`.
#[derive(Debug)]
pub struct Store {
    pub dir: PathBuf,
    pub url: String,
    pub port: u16,
    env: Vec<(String, String)>,
    /// What follows `serve --listen ADDRESS` (`--web-sign`, …).
    args: Vec<String>,
    child: Option<Child>,
}

impl Store {
    /// A new store in `dir` with its owner, listening on a free port.
    pub fn create(dir: &Path) -> Store {
        Store::create_with(dir, &[])
    }

    /// [`Store::create`], with environment variables for the store process.
    pub fn create_with(dir: &Path, env: &[(&str, &str)]) -> Store {
        add_owner(dir);
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Store::start_with(dir, 0, env, Vec::new())
    }

    /// A new store in `dir` with its owner, on a free port, served with `args`
    /// (`&["--web-sign"]`).
    pub fn create_serving(dir: &Path, args: &[&str]) -> Store {
        add_owner(dir);
        let args = args.iter().map(|a| a.to_string()).collect();
        Store::start_with(dir, 0, Vec::new(), args)
    }

    /// Starts the store in `dir` on `port` (0: any free one).
    pub fn start(dir: &Path, port: u16) -> Store {
        Store::start_with(dir, port, Vec::new(), Vec::new())
    }

    /// Starts the store in `dir` on `port` with environment variables for its process.
    pub fn start_env(dir: &Path, port: u16, env: &[(&str, &str)]) -> Store {
        let env = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Store::start_with(dir, port, env, Vec::new())
    }

    fn start_with(dir: &Path, port: u16, env: Vec<(String, String)>, args: Vec<String>) -> Store {
        mark_store(dir);
        let mut child = Command::new(binary("intake-agent"))
            .arg("--data-dir")
            .arg(dir)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(&args)
            .envs(database_env(dir))
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the store starts");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout"));
        let mut first = String::new();
        lines
            .read_line(&mut first)
            .expect("the store says where it listens");
        let url = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line from the store: {first:?}"))
            .to_string();
        let port = url
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("a port");
        // Keep reading so the store never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = lines.read_to_end(&mut sink);
        });
        Store {
            dir: dir.to_path_buf(),
            url,
            port,
            env,
            args,
            child: Some(child),
        }
    }

    /// The store process's id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Stops the store (as a crash would: SIGKILL).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts it again on the same port.
    pub fn restart(&mut self) {
        self.stop();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            // The port may linger for a moment after the kill.
            if TcpListener::bind(("127.0.0.1", self.port)).is_ok() || Instant::now() > deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let again = Store::start_with(&self.dir, self.port, self.env.clone(), self.args.clone());
        self.child = Some(again.into_child());
    }

    fn into_child(mut self) -> Child {
        self.child.take().expect("a running store")
    }

    /// Adds a device on the store and pairs `device_dir` with it through `url`.
    pub fn pair(&self, device_dir: &Path, name: &str, role: &str, medical: bool, url: &str) {
        let mut args = vec!["device", "add", name, "--role", role, "--json"];
        if medical {
            args.push("--medical");
        }
        let made: serde_json::Value =
            serde_json::from_str(&agent(&self.dir, &args)).expect("device add prints JSON");
        let code = made["code"].as_str().expect("a code");
        let fingerprint = made["fingerprint"].as_str().expect("a fingerprint");
        std::fs::create_dir_all(device_dir).expect("a device directory");
        agent(
            device_dir,
            &[
                "pair",
                "--store",
                url,
                "--code",
                code,
                "--fingerprint",
                fingerprint,
            ],
        );
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A device's `intake-agent run`, stopped when dropped.
#[derive(Debug)]
pub struct SyncLoop(Child);

impl SyncLoop {
    pub fn start(dir: &Path, interval_ms: u64) -> SyncLoop {
        SyncLoop(
            Command::new(binary("intake-agent"))
                .arg("--data-dir")
                .arg(dir)
                .args(["run", "--interval-ms", &interval_ms.to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("the sync loop starts"),
        )
    }
}

impl Drop for SyncLoop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Registers `count` customers on a kiosk's database with the kiosk's own submit, numbered
/// from `start`; returns the confirmed release ids.
pub fn register(dir: &Path, start: u64, count: u64) -> Vec<String> {
    let out = Command::new(binary("intake-submit-loop"))
        .arg("--data-dir")
        .arg(dir)
        .envs(database_env(dir))
        .args(["--start", &start.to_string(), "--count", &count.to_string()])
        .output()
        .expect("the kiosk submits");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("confirmed ").map(str::to_owned))
        .collect()
}

/// Polls `check` every 20 ms until it holds or `timeout` passes; returns whether it held.
pub fn wait_for(timeout: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if check() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A TCP proxy in front of the store. While `lose_answers` is set, each connection's
/// request reaches the store but the answer never comes back: the connection is cut as the
/// first byte of the answer arrives, as when a network drops mid-request.
#[derive(Debug)]
pub struct Proxy {
    pub url: String,
    pub lose_answers: Arc<AtomicBool>,
    /// How many answers were lost.
    pub lost: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl Proxy {
    pub fn start(upstream_port: u16) -> Proxy {
        Proxy::start_over(&[upstream_port])
    }

    /// A proxy in front of several store processes, as a load balancer: each connection
    /// goes to the next in turn, or, when that one does not answer, to the one after.
    pub fn start_over(upstream_ports: &[u16]) -> Proxy {
        let upstream_ports = upstream_ports.to_vec();
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let port = listener.local_addr().expect("an address").port();
        let lose_answers = Arc::new(AtomicBool::new(false));
        let lost = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (lose, lost_c, stop_c) = (lose_answers.clone(), lost.clone(), stop.clone());
        listener.set_nonblocking(true).expect("nonblocking");
        std::thread::spawn(move || {
            let mut turn = 0;
            while !stop_c.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((client, _)) => {
                        let _ = client.set_nonblocking(false);
                        turn += 1;
                        let server = (0..upstream_ports.len()).find_map(|i| {
                            let port = upstream_ports[(turn + i) % upstream_ports.len()];
                            TcpStream::connect(("127.0.0.1", port)).ok()
                        });
                        let Some(server) = server else {
                            continue;
                        };
                        let drop_answer = lose.load(Ordering::SeqCst);
                        relay(client, server, drop_answer, lost_c.clone());
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Proxy {
            url: format!("https://127.0.0.1:{port}"),
            lose_answers,
            lost,
            stop,
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn relay(client: TcpStream, server: TcpStream, drop_answer: bool, lost: Arc<AtomicUsize>) {
    // The store sends its handshake flight, then (HTTP/1.1, no session tickets) nothing
    // until it answers the request. The client cannot speak after the flight until it has
    // all of it, so the first thing the server sends after the client spoke again is the
    // answer.
    let server_spoke = Arc::new(AtomicBool::new(false));
    let client_spoke_after = Arc::new(AtomicBool::new(false));
    let (mut c_read, mut s_write) = (
        client.try_clone().expect("clone"),
        server.try_clone().expect("clone"),
    );
    let (ss, csa) = (server_spoke.clone(), client_spoke_after.clone());
    std::thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        loop {
            let n = match c_read.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if ss.load(Ordering::SeqCst) {
                csa.store(true, Ordering::SeqCst);
            }
            if s_write.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = s_write.shutdown(Shutdown::Write);
    });
    std::thread::spawn(move || {
        let (mut s_read, mut c_write) = (server, client);
        let mut buf = [0u8; 16 * 1024];
        loop {
            let n = match s_read.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if drop_answer && client_spoke_after.load(Ordering::SeqCst) {
                lost.fetch_add(1, Ordering::SeqCst);
                let _ = c_write.shutdown(Shutdown::Both);
                let _ = s_read.shutdown(Shutdown::Both);
                break;
            }
            server_spoke.store(true, Ordering::SeqCst);
            if c_write.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = c_write.shutdown(Shutdown::Write);
    });
}
