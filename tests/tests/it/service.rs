//! Under systemd: the agent says READY=1 once it serves and feeds the watchdog, through the
//! real notification socket protocol (a datagram socket named by NOTIFY_SOCKET).

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use intake_tests::binary;
use intake_tests::cluster::add_owner;

/// Starts `intake-agent ARGS` with a notification socket and a 400 ms watchdog; returns
/// every message it sent within `window`.
fn notifications(dir: &Path, args: &[&str], window: Duration) -> Vec<String> {
    let socket_path = dir.join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    // As systemd does it: WATCHDOG_PID names the main process, which exec keeps.
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("WATCHDOG_PID=$$ exec \"$0\" \"$@\"")
        .arg(binary("intake-agent"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("NOTIFY_SOCKET", &socket_path)
        .env("WATCHDOG_USEC", "400000")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + window;
    let mut got = Vec::new();
    let mut buf = [0u8; 512];
    while Instant::now() < deadline {
        if let Ok(n) = socket.recv(&mut buf) {
            got.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    got
}

fn check(got: &[String]) {
    assert!(
        got.iter().any(|m| m.contains("READY=1")),
        "no READY=1: {got:?}"
    );
    let pings = got.iter().filter(|m| m.contains("WATCHDOG=1")).count();
    // Pinged every 200 ms for 2 s.
    assert!(pings >= 5, "{pings} watchdog pings in 2 s: {got:?}");
}

#[test]
fn an_appliance_that_is_its_own_store_notifies_systemd() {
    let root = tempfile::tempdir().unwrap();
    add_owner(root.path());
    check(&notifications(
        root.path(),
        &["run"],
        Duration::from_secs(2),
    ));
}

#[test]
fn the_store_notifies_systemd() {
    let root = tempfile::tempdir().unwrap();
    add_owner(root.path());
    check(&notifications(
        root.path(),
        &["serve", "--listen", "127.0.0.1:0"],
        Duration::from_secs(2),
    ));
}
