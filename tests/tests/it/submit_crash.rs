//! Killing the kiosk at any moment never loses a release it thanked the customer for, and
//! never leaves a damaged or half-written one behind.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::collections::BTreeSet;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

use intake_common::release;
use intake_common::{Actor, Db, Role};
use uuid::Uuid;

/// SplitMix64: a few lines of deterministic randomness, one stream per round.
fn splitmix(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[test]
fn a_kiosk_killed_at_random_moments_keeps_every_confirmed_release() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut confirmed: BTreeSet<Uuid> = BTreeSet::new();
    // 25 rounds killed 20 to 300 ms in (the start, the first submits); then, on a machine
    // busy enough that those confirmed too few to test much, rounds that wait longer, until
    // at least 10 releases were confirmed.
    let mut round = 0u64;
    while round < 25 || (confirmed.len() < 10 && round < 100) {
        let longer = if round < 25 { 0 } else { 300 };
        let at = Duration::from_millis(20 + longer + splitmix(round) % 281);
        round += 1;
        let mut child = Command::new(env!("CARGO_BIN_EXE_intake-submit-loop"))
            .arg("--data-dir")
            .arg(&data)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(at);
        child.kill().unwrap(); // SIGKILL: no chance to finish or clean up
        child.wait().unwrap();
        let mut out = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        // Only whole lines count: a line cut short was never shown.
        let lines = out.split_inclusive('\n').filter(|l| l.ends_with('\n'));
        let mut this_round = Vec::new();
        for line in lines {
            let id = line.trim_end().strip_prefix("confirmed ").unwrap();
            this_round.push(Uuid::parse_str(id).unwrap());
        }

        let conn = rusqlite::Connection::open(data.join("intake.db")).unwrap();
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok", "round {round}");
        for id in &this_round {
            let there: bool = conn
                .query_row(
                    "SELECT EXISTS(SELECT 1 FROM releases WHERE id = ?1)",
                    [id],
                    |r| r.get(0),
                )
                .unwrap();
            assert!(there, "round {round}: confirmed release {id} was lost");
        }
        confirmed.extend(this_round);
    }
    assert!(
        confirmed.len() >= 10,
        "only {} releases confirmed in all rounds: the kills came too early to test much",
        confirmed.len()
    );

    let db = Db::open_dir(&data).unwrap();
    assert_eq!(db.integrity_check().unwrap(), "ok");
    let owner = Actor {
        name: "olive".into(),
        role: Role::Owner,
    };
    let stored: Vec<Uuid> = db
        .conn()
        .prepare("SELECT id FROM releases")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let stored_set: BTreeSet<Uuid> = stored.iter().copied().collect();
    assert!(
        confirmed.is_subset(&stored_set),
        "a confirmed release is missing"
    );
    // Every release there, confirmed or not, decrypts and matches its fingerprint, and its
    // customer is there with it.
    for id in &stored {
        let content = release::open(&db, &owner, *id).unwrap();
        assert_eq!(content.release_id, *id);
        intake_common::customers::get(db.conn(), content.customer_id).unwrap();
    }
    // A registration is all or nothing: everything applied joined the outbox with it.
    let (applied, queued): (i64, i64) = db
        .conn()
        .query_row(
            "SELECT (SELECT count(*) FROM applied_mutations), (SELECT count(*) FROM outbox)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(applied, queued);
    let signed: i64 = db
        .conn()
        .query_row(
            "SELECT count(*) FROM applied_mutations WHERE kind = 'sign_release'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(signed as usize, stored.len());
    println!(
        "{} releases confirmed across 25 kills; {} stored",
        confirmed.len(),
        stored.len()
    );
    let customers = intake_common::customers::count(db.conn()).unwrap();
    assert_eq!(
        customers as usize,
        stored.len(),
        "a customer without a release"
    );
}
