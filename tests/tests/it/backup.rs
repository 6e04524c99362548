//! `intake-agent backup` while a kiosk keeps signing releases, and `restore`: the restored
//! database passes SQLite's integrity check and holds every release confirmed before the
//! backup began; a damaged backup, a missing or wrong key, and a running agent are refused
//! with a clear word and change nothing.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use intake_common::{Actor, Db, Role, release};
use intake_tests::binary;
use intake_tests::cluster::wait_for;
use uuid::Uuid;

fn agent(dir: &Path, args: &[&str]) -> Output {
    Command::new(binary("intake-agent"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("INTAKE_USER")
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn refused(out: &Output, words: &str) {
    assert!(!out.status.success(), "it should have been refused");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(words), "expected {words:?} in: {err}");
}

#[test]
fn a_backup_taken_during_writes_restores_every_confirmed_release() {
    let root = tempfile::tempdir().unwrap();
    let shop = root.path().join("shop");
    // A kiosk signing releases as fast as it can; each line is a release confirmed.
    let confirmed = Arc::new(Mutex::new(Vec::<Uuid>::new()));
    let mut kiosk = Command::new(binary("intake-submit-loop"))
        .arg("--data-dir")
        .arg(&shop)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = kiosk.stdout.take().unwrap();
    let seen = Arc::clone(&confirmed);
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            if let Some(id) = line.strip_prefix("confirmed ") {
                seen.lock().unwrap().push(Uuid::parse_str(id).unwrap());
            }
        }
    });
    assert!(wait_for(Duration::from_secs(60), || confirmed
        .lock()
        .unwrap()
        .len()
        >= 40));
    let before: Vec<Uuid> = confirmed.lock().unwrap().clone();
    let file = root.path().join("nightly.intake-backup");
    let manifest: serde_json::Value = serde_json::from_str(&ok(&agent(
        &shop,
        &["backup", "--out", file.to_str().unwrap(), "--json"],
    )))
    .unwrap();
    // The kiosk went on signing while the backup ran and after.
    let at_end = before.len() + 20;
    assert!(wait_for(Duration::from_secs(60), || confirmed
        .lock()
        .unwrap()
        .len()
        >= at_end));
    kiosk.kill().unwrap();
    kiosk.wait().unwrap();
    reader.join().unwrap();
    assert!(manifest["releases"].as_u64().unwrap() >= before.len() as u64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the backup is readable by its owner only");
    }
    let bytes = std::fs::read(&file).unwrap();
    let marker = before[0].to_string();
    assert!(
        !bytes.windows(marker.len()).any(|w| w == marker.as_bytes()),
        "the backup is sealed: no release id in the clear"
    );

    // No key, no restore; and the new directory holds nothing afterwards.
    let target = root.path().join("restored");
    refused(
        &agent(&target, &["restore", file.to_str().unwrap()]),
        "secret.key",
    );
    assert!(!target.join("intake.db").exists());
    // The wrong key names both fingerprints.
    let other = root.path().join("other");
    ok(&agent(&other, &["status"]));
    refused(
        &agent(
            &target,
            &[
                "restore",
                file.to_str().unwrap(),
                "--key",
                other.join("secret.key").to_str().unwrap(),
            ],
        ),
        manifest["key_fingerprint"].as_str().unwrap(),
    );
    // A damaged backup is refused whole.
    let damaged = root.path().join("damaged.intake-backup");
    let mut flipped = bytes.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x55;
    std::fs::write(&damaged, &flipped).unwrap();
    let key = shop.join("secret.key");
    let key = key.to_str().unwrap();
    refused(
        &agent(
            &target,
            &["restore", damaged.to_str().unwrap(), "--key", key],
        ),
        "does not open",
    );
    let cut = root.path().join("cut.intake-backup");
    std::fs::write(&cut, &bytes[..bytes.len() - 1000]).unwrap();
    refused(
        &agent(&target, &["restore", cut.to_str().unwrap(), "--key", key]),
        "cut short",
    );
    assert!(
        !target.join("intake.db").exists(),
        "nothing was left behind"
    );

    // The real restore.
    let said = ok(&agent(
        &target,
        &["restore", file.to_str().unwrap(), "--key", key],
    ));
    assert!(said.contains("signed releases"), "{said}");
    let db = Db::open_dir(&target).unwrap();
    assert_eq!(db.integrity_check().unwrap(), "ok");
    let owner = Actor {
        name: "olive".into(),
        role: Role::Owner,
    };
    for id in &before {
        let content = release::open(&db, &owner, *id)
            .unwrap_or_else(|e| panic!("confirmed release {id} is not in the backup: {e}"));
        assert_eq!(content.release_id, *id);
    }
    drop(db);

    // Over a database that is there: only with --replace, which keeps the old one aside;
    // never under a running agent.
    refused(
        &agent(&target, &["restore", file.to_str().unwrap()]),
        "--replace",
    );
    let mut running = Command::new(binary("intake-agent"))
        .arg("--data-dir")
        .arg(&target)
        .arg("run")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Once it holds the data directory's lock, a restore is refused.
    let lock = target.join("webhooks.lock");
    assert!(wait_for(Duration::from_secs(10), || {
        std::fs::File::open(&lock)
            .is_ok_and(|f| matches!(f.try_lock(), Err(std::fs::TryLockError::WouldBlock)))
    }));
    refused(
        &agent(&target, &["restore", file.to_str().unwrap(), "--replace"]),
        "is running",
    );
    running.kill().unwrap();
    running.wait().unwrap();
    let said = ok(&agent(
        &target,
        &["restore", file.to_str().unwrap(), "--replace"],
    ));
    assert!(said.contains("is kept as"), "{said}");
    let kept = std::fs::read_dir(&target)
        .unwrap()
        .filter_map(|e| e.ok())
        .any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("intake.db.before-restore-")
        });
    assert!(kept, "the database that was there is kept");
    let inspect = ok(&agent(
        &target,
        &["restore", file.to_str().unwrap(), "--inspect"],
    ));
    assert!(inspect.contains(manifest["key_fingerprint"].as_str().unwrap()));
}
