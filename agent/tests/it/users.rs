//! `intake-agent user …` run as real processes on a real data directory: PIN changes,
//! disabling, the list, sign-in locks that outlive the process, and refusals on a device.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use intake_common::sync::{self, DeviceRole, PairResponse};
use serde_json::Value;
use uuid::Uuid;

const OWNER_PIN: &str = "135790";

struct Shop {
    dir: tempfile::TempDir,
}

impl Shop {
    /// A data directory with the owner olive and the artist ann (PIN 246802).
    fn new() -> Self {
        let shop = Shop {
            dir: tempfile::tempdir().unwrap(),
        };
        intake_tests::cluster::mark_store(&shop.data());
        shop.ok(
            None,
            OWNER_PIN,
            None,
            &["user", "add", "olive", "--role", "owner"],
        );
        shop.ok(
            Some("olive"),
            OWNER_PIN,
            Some("246802"),
            &["user", "add", "ann", "--role", "artist"],
        );
        shop
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn run(&self, user: Option<&str>, pin: &str, new_pin: Option<&str>, args: &[&str]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_intake-agent"));
        cmd.arg("--data-dir")
            .arg(self.data())
            .envs(intake_tests::cluster::database_env(&self.data()))
            .args(args)
            .env("INTAKE_PIN", pin)
            .env_remove("INTAKE_USER")
            .env_remove("INTAKE_NEW_PIN");
        if let Some(u) = user {
            cmd.arg("--user").arg(u);
        }
        if let Some(p) = new_pin {
            cmd.env("INTAKE_NEW_PIN", p);
        }
        cmd.output().unwrap()
    }

    fn ok(&self, user: Option<&str>, pin: &str, new_pin: Option<&str>, args: &[&str]) -> String {
        let out = self.run(user, pin, new_pin, args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs and expects failure: (exit code, what it said).
    fn fails(
        &self,
        user: Option<&str>,
        pin: &str,
        new_pin: Option<&str>,
        args: &[&str],
    ) -> (i32, String) {
        let out = self.run(user, pin, new_pin, args);
        assert!(!out.status.success(), "{args:?} should fail");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn list(&self) -> Vec<Value> {
        let out = self.ok(Some("olive"), OWNER_PIN, None, &["user", "list", "--json"]);
        serde_json::from_str::<Value>(&out)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }

    fn count(&self, sql: &str) -> i64 {
        count(&self.data(), sql)
    }
}

fn count(dir: &Path, sql: &str) -> i64 {
    let db = intake_tests::cluster::open_db(dir);
    db.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

fn user<'a>(list: &'a [Value], name: &str) -> &'a Value {
    list.iter().find(|u| u["name"] == name).unwrap()
}

#[test]
fn pins_are_changed_and_users_disabled_and_enabled_from_the_command_line() {
    let shop = Shop::new();
    // Ann changes her own PIN; the old one stops working.
    shop.ok(
        Some("ann"),
        "246802",
        Some("777888"),
        &["user", "set-pin", "ann"],
    );
    let (code, said) = shop.fails(Some("ann"), "246802", None, &["customer", "list"]);
    assert_eq!(code, 3, "{said}");
    shop.ok(Some("ann"), "777888", None, &["customer", "list"]);
    // She may not change olive's, nor list users.
    let (code, said) = shop.fails(
        Some("ann"),
        "777888",
        Some("111222"),
        &["user", "set-pin", "olive"],
    );
    assert_eq!(code, 3);
    assert!(said.contains("manage:users"), "{said}");
    let (code, said) = shop.fails(Some("ann"), "777888", None, &["user", "list"]);
    assert_eq!(code, 3);
    assert!(said.contains("manage:users"), "{said}");
    // The role's rule holds for a new PIN.
    let (_, said) = shop.fails(
        Some("olive"),
        OWNER_PIN,
        Some("1234"),
        &["user", "set-pin", "ann"],
    );
    assert!(
        said.contains("PIN: artist PINs are 6 to 12 digits"),
        "{said}"
    );

    shop.ok(Some("olive"), OWNER_PIN, None, &["user", "disable", "ann"]);
    let (code, said) = shop.fails(Some("ann"), "777888", None, &["customer", "list"]);
    assert_eq!(code, 3);
    assert!(said.contains("unknown user or wrong PIN"), "{said}");
    let list = shop.list();
    assert_eq!(user(&list, "ann")["disabled"], true);
    assert_eq!(user(&list, "olive")["disabled"], false);
    assert!(user(&list, "olive")["last_sign_in_at"].is_string());
    let table = shop.ok(Some("olive"), OWNER_PIN, None, &["user", "list"]);
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("ann") && l.contains("disabled")),
        "{table}"
    );

    // Nobody disables themselves (olive is also the last active owner).
    let (_, said) = shop.fails(
        Some("olive"),
        OWNER_PIN,
        None,
        &["user", "disable", "olive"],
    );
    assert!(said.contains("cannot disable yourself"), "{said}");

    shop.ok(Some("olive"), OWNER_PIN, None, &["user", "enable", "ann"]);
    shop.ok(Some("ann"), "777888", None, &["customer", "list"]);
    assert_eq!(
        shop.count("SELECT count(*) FROM audit_log WHERE action IN ('user.set-pin', 'user.disable', 'user.enable')"),
        3
    );
}

#[test]
fn wrong_pins_lock_a_name_across_processes() {
    let shop = Shop::new();
    for _ in 0..4 {
        let (code, said) = shop.fails(Some("olive"), "000000", None, &["customer", "list"]);
        assert_eq!(code, 3);
        assert!(said.contains("unknown user or wrong PIN"), "{said}");
    }
    let (code, said) = shop.fails(Some("olive"), "000000", None, &["customer", "list"]);
    assert_eq!(code, 3);
    assert!(said.contains("too many wrong PINs: try again in"), "{said}");
    // The sixth process, with the right PIN: still locked.
    let (code, said) = shop.fails(Some("olive"), OWNER_PIN, None, &["customer", "list"]);
    assert_eq!(code, 3);
    assert!(said.contains("too many wrong PINs"), "{said}");
    // Ann is not locked out by olive's failures.
    shop.ok(Some("ann"), "246802", None, &["customer", "list"]);
    assert_eq!(
        shop.count("SELECT count(*) FROM audit_log WHERE action = 'auth.failed' AND detail LIKE '%from cli%'"),
        5
    );
}

#[test]
fn user_commands_are_refused_on_a_paired_device() {
    let shop = Shop::new();
    {
        let mut db = intake_tests::cluster::open_db(&shop.data());
        let paired = PairResponse {
            device_id: Uuid::now_v7(),
            name: "desk".into(),
            role: DeviceRole::Counter,
            medical: false,
            token: "ik_test".into(),
            recognition_key: None,
        };
        sync::configure(&mut db, "https://store.local:8443", Some("AA"), &paired).unwrap();
    }
    let audit_before = shop.count("SELECT count(*) FROM audit_log");
    for args in [
        &["user", "add", "zed", "--role", "front-desk"][..],
        &["user", "set-pin", "ann"],
        &["user", "disable", "ann"],
        &["user", "enable", "ann"],
    ] {
        let (code, said) = shop.fails(Some("olive"), OWNER_PIN, Some("4321"), args);
        assert_eq!(code, 1, "{args:?}");
        assert!(
            said.contains("users belong to the store: run this on the store"),
            "{args:?}: {said}"
        );
    }
    // Refused before anything changed: nobody signed in, nothing audited.
    assert_eq!(shop.count("SELECT count(*) FROM audit_log"), audit_before);
    assert_eq!(
        shop.count("SELECT count(*) FROM users WHERE last_sign_in_at IS NOT NULL OR disabled = 1"),
        1 // olive signed in once when she added ann, on the store before pairing
    );
    assert_eq!(shop.count("SELECT count(*) FROM users"), 2);
}
