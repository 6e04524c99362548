//! Staff sign-in against a real SQLite file: guessing is throttled across restarts, an
//! unknown name costs what a known one does, and users are looked after (PIN changes,
//! disabling) with every change audited.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use intake_common::sync::{self, DeviceRole, PairResponse};
use intake_common::{Actor, Db, Error, Role, users};
use uuid::Uuid;

const OWNER_PIN: &str = "135790";
const ARTIST_PIN: &str = "246802";

fn shop() -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().unwrap();
    let mut db = crate::open_db(dir.path());
    users::add(&mut db, None, "olive", Role::Owner, OWNER_PIN).unwrap();
    let owner = owner();
    users::add(&mut db, Some(&owner), "ann", Role::Artist, ARTIST_PIN).unwrap();
    (dir, db)
}

fn owner() -> Actor {
    Actor {
        name: "olive".into(),
        role: Role::Owner,
    }
}

fn t0() -> DateTime<Utc> {
    Utc::now()
}

fn count(db: &Db, sql: &str) -> i64 {
    db.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

fn retry_after(result: Result<Actor, Error>) -> u64 {
    match result {
        Err(Error::Throttled { retry_after_secs }) => retry_after_secs,
        other => panic!("expected Throttled, got {other:?}"),
    }
}

#[test]
fn forty_wrong_pins_then_the_right_one_is_still_refused_until_the_lock_passes() {
    let (_dir, db) = shop();
    let now = t0();
    let mut answers = Vec::new();
    for _ in 0..40 {
        answers.push(
            match users::sign_in_at(&db, "ann", "000000", "203.0.113.7", now) {
                Err(Error::BadCredentials) => "bad",
                Err(Error::Throttled { .. }) => "throttled",
                other => panic!("{other:?}"),
            },
        );
    }
    assert_eq!(answers[..4], ["bad"; 4]);
    assert!(
        answers[4..].iter().all(|a| *a == "throttled"),
        "{answers:?}"
    );
    // The 41st guess, the right PIN: refused while the lock lasts.
    let wait = retry_after(users::sign_in_at(
        &db,
        "ann",
        ARTIST_PIN,
        "203.0.113.7",
        now,
    ));
    assert!((59..=60).contains(&wait), "{wait}");
    // From another address too: the name itself is locked.
    retry_after(users::sign_in_at(
        &db,
        "ANN",
        ARTIST_PIN,
        "198.51.100.2",
        now + TimeDelta::seconds(30),
    ));
    // Only five guesses were ever checked (and audited); the rest were refused unread.
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM audit_log WHERE action = 'auth.failed'"
        ),
        5
    );
    let later = now + TimeDelta::seconds(61);
    let ann = users::sign_in_at(&db, "ann", ARTIST_PIN, "203.0.113.7", later).unwrap();
    assert_eq!(ann.name, "ann");
    // The success forgot the name's failures.
    let listed = users::list_at(db.conn(), later).unwrap();
    let ann = listed.iter().find(|u| u.name == "ann").unwrap();
    assert_eq!((ann.failures, ann.locked_until.as_deref()), (0, None));
    assert!(ann.last_sign_in_at.is_some());
}

#[test]
fn the_lock_grows_with_each_failure_after_it() {
    let (_dir, db) = shop();
    let mut now = t0();
    for _ in 0..4 {
        assert!(matches!(
            users::sign_in_at(&db, "ann", "000000", "cli", now),
            Err(Error::BadCredentials)
        ));
    }
    let mut waits = Vec::new();
    for _ in 0..8 {
        let wait = retry_after(users::sign_in_at(&db, "ann", "000000", "cli", now));
        waits.push(wait);
        now += TimeDelta::seconds(i64::try_from(wait).unwrap());
    }
    assert_eq!(waits, [60, 120, 240, 480, 960, 1920, 3600, 3600]);
}

#[test]
fn a_lock_survives_reopening_the_database() {
    let (dir, db) = shop();
    let now = t0();
    for _ in 0..5 {
        let _ = users::sign_in_at(&db, "olive", "000000", "203.0.113.7", now);
    }
    drop(db);
    let db = crate::open_db(dir.path());
    retry_after(users::sign_in_at(
        &db,
        "olive",
        OWNER_PIN,
        "203.0.113.7",
        now,
    ));
    let listed = users::list_at(db.conn(), now).unwrap();
    let olive = listed.iter().find(|u| u.name == "olive").unwrap();
    assert_eq!(olive.failures, 5);
    assert!(olive.locked_until.is_some());
}

#[test]
fn one_address_spraying_a_pin_over_many_names_is_stopped() {
    let (_dir, mut db) = shop();
    let owner = owner();
    for i in 0..12 {
        users::add(
            &mut db,
            Some(&owner),
            &format!("desk{i}"),
            Role::FrontDesk,
            "4321",
        )
        .unwrap();
    }
    let now = t0();
    // One wrong guess per name, all from one address: the address locks at the tenth.
    for i in 0..9 {
        assert!(matches!(
            users::sign_in_at(&db, &format!("desk{i}"), "1111", "203.0.113.7", now),
            Err(Error::BadCredentials)
        ));
    }
    retry_after(users::sign_in_at(&db, "desk9", "1111", "203.0.113.7", now));
    retry_after(users::sign_in_at(&db, "desk10", "4321", "203.0.113.7", now));
    // Another address is not affected, and its success does not clear the first one.
    users::sign_in_at(&db, "desk10", "4321", "198.51.100.2", now).unwrap();
    retry_after(users::sign_in_at(&db, "desk11", "4321", "203.0.113.7", now));
}

#[test]
fn a_success_clears_the_users_failures_not_the_addresss() {
    let (_dir, db) = shop();
    let now = t0();
    for _ in 0..3 {
        let _ = users::sign_in_at(&db, "olive", "000000", "203.0.113.7", now);
    }
    // Ann signs in from the same address: olive's and the address's failures stay.
    users::sign_in_at(&db, "ann", ARTIST_PIN, "203.0.113.7", now).unwrap();
    let listed = users::list_at(db.conn(), now).unwrap();
    assert_eq!(
        listed.iter().find(|u| u.name == "olive").unwrap().failures,
        3
    );
    let address: i64 = db
        .conn()
        .query_row(
            "SELECT failures FROM sign_in_throttle WHERE key = 'client:203.0.113.7'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(address, 3);
}

#[test]
fn parallel_guesses_cannot_slip_past_the_lock() {
    let (dir, _db) = shop();
    let now = t0();
    let checked: Vec<bool> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..16)
            .map(|i| {
                let path = dir.path();
                s.spawn(move || {
                    let db = crate::open_db(path);
                    let pin = format!("{:06}", 900_000 + i);
                    match users::sign_in_at(&db, "olive", &pin, "203.0.113.7", now) {
                        Err(Error::BadCredentials) => true,
                        Err(Error::Throttled { .. }) => false,
                        other => panic!("{other:?}"),
                    }
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    // Each attempt is counted before its PIN is checked: no more than five are checked.
    let bad = checked.iter().filter(|c| **c).count();
    assert!(
        bad <= 4,
        "{bad} guesses were checked and answered BadCredentials"
    );
    let db = crate::open_db(dir.path());
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM audit_log WHERE action = 'auth.failed'"
        ),
        5
    );
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[test]
fn an_unknown_name_takes_as_long_as_a_known_one() {
    let (_dir, db) = shop();
    let long_name = "x".repeat(1 << 20);
    let (mut known, mut unknown, mut oversized) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..10 {
        // Two hours apart: no lock is in force at any attempt, so every one does the work.
        let now = t0() + TimeDelta::hours(2 * i);
        for (k, (name, times)) in [
            ("ann", &mut known),
            ("nobody", &mut unknown),
            (long_name.as_str(), &mut oversized),
        ]
        .into_iter()
        .enumerate()
        {
            let client = format!("10.0.{i}.{k}");
            let start = Instant::now();
            let result = users::sign_in_at(&db, name, "000000", &client, now);
            times.push(start.elapsed());
            // (From the fifth failure on, the failure itself locks the name: Throttled.)
            assert!(
                matches!(result, Err(Error::BadCredentials | Error::Throttled { .. })),
                "{result:?}"
            );
        }
    }
    let (known, unknown, oversized) = (median(known), median(unknown), median(oversized));
    eprintln!("median wrong PIN: known {known:?}, unknown {unknown:?}, over-long {oversized:?}");
    for other in [unknown, oversized] {
        let ratio = other.as_secs_f64() / known.as_secs_f64();
        assert!((0.6..1.6).contains(&ratio), "{other:?} against {known:?}");
    }
}

#[test]
fn a_twenty_megabyte_name_is_refused_and_leaves_a_small_audit_row() {
    let (_dir, db) = shop();
    let name = "é".repeat(10 << 20);
    let result = users::sign_in_at(&db, &name, OWNER_PIN, "203.0.113.7", t0());
    assert!(matches!(result, Err(Error::BadCredentials)), "{result:?}");
    let row: i64 = count(
        &db,
        "SELECT max(octet_length(actor) + octet_length(detail)) FROM audit_log WHERE action = 'auth.failed'",
    );
    assert!(row < 1024, "the audit row holds {row} bytes");
    let keys = count(&db, "SELECT max(octet_length(key)) FROM sign_in_throttle");
    assert!(keys < 128, "a throttle key of {keys} bytes");
    // A 20 MB PIN likewise.
    let pin = "1".repeat(20 << 20);
    assert!(matches!(
        users::sign_in_at(&db, "olive", &pin, "203.0.113.7", t0()),
        Err(Error::BadCredentials)
    ));
    let row: i64 = count(
        &db,
        "SELECT max(octet_length(actor) + octet_length(detail)) FROM audit_log",
    );
    assert!(row < 1024);
}

#[test]
fn pins_follow_the_rule_of_the_role() {
    let (_dir, mut db) = shop();
    let owner = owner();
    for role in [Role::Manager, Role::Artist] {
        let err = users::add(&mut db, Some(&owner), "mo", role, "1234")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("PIN: ") && err.contains("6 to 12 digits"),
            "{err}"
        );
    }
    users::add(&mut db, Some(&owner), "fay", Role::FrontDesk, "1234").unwrap();
    // Changing a PIN follows the same rule.
    let err = users::set_pin(&mut db, &owner, "ann", "1234")
        .unwrap_err()
        .to_string();
    assert!(err.contains("artist PINs are 6 to 12 digits"), "{err}");
    assert_eq!(
        count(&db, "SELECT count(*) FROM users WHERE name = 'mo'"),
        0
    );
}

#[test]
fn a_pin_is_changed_by_its_user_or_by_manage_users() {
    let (_dir, mut db) = shop();
    let now = t0();
    let ann = users::sign_in_at(&db, "ann", ARTIST_PIN, "cli", now).unwrap();
    let before: String = db
        .conn()
        .query_row(
            "SELECT pin_changed_at FROM users WHERE name = 'ann'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    std::thread::sleep(Duration::from_millis(5));
    users::set_pin(&mut db, &ann, "ann", "777888").unwrap();
    assert!(matches!(
        users::sign_in_at(&db, "ann", ARTIST_PIN, "cli", now),
        Err(Error::BadCredentials)
    ));
    users::sign_in_at(&db, "ann", "777888", "cli", now).unwrap();
    let after: String = db
        .conn()
        .query_row(
            "SELECT pin_changed_at FROM users WHERE name = 'ann'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(after > before);
    // Ann cannot change olive's PIN; the owner can change ann's.
    assert!(matches!(
        users::set_pin(&mut db, &ann, "olive", "999000"),
        Err(Error::Forbidden { .. })
    ));
    users::set_pin(&mut db, &owner(), "ann", "555666").unwrap();
    users::sign_in_at(&db, "ann", "555666", "cli", now).unwrap();
    assert!(matches!(
        users::set_pin(&mut db, &owner(), "nobody", "555666"),
        Err(Error::UserNotFound(_))
    ));
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM audit_log WHERE action = 'user.set-pin'"
        ),
        2
    );
}

#[test]
fn disabled_users_cannot_sign_in_and_the_last_owner_stays() {
    let (_dir, mut db) = shop();
    let now = t0();
    let olive = owner();
    // Nobody disables themselves.
    let err = users::set_disabled(&mut db, &olive, "olive", true).unwrap_err();
    assert!(err.to_string().contains("cannot disable yourself"), "{err}");
    // Only manage:users disables.
    let ann = users::sign_in_at(&db, "ann", ARTIST_PIN, "cli", now).unwrap();
    assert!(matches!(
        users::set_disabled(&mut db, &ann, "olive", true),
        Err(Error::Forbidden { .. })
    ));
    assert!(users::set_disabled(&mut db, &olive, "ann", true).unwrap());
    assert!(!users::set_disabled(&mut db, &olive, "ann", true).unwrap());
    // A disabled user answers like a wrong PIN.
    assert!(matches!(
        users::sign_in_at(&db, "ann", ARTIST_PIN, "cli", now),
        Err(Error::BadCredentials)
    ));
    assert!(users::set_disabled(&mut db, &olive, "ann", false).unwrap());
    users::sign_in_at(&db, "ann", ARTIST_PIN, "cli", now).unwrap();

    // Two owners: one may disable the other, but never the last active one.
    users::add(&mut db, Some(&olive), "oscar", Role::Owner, "112233").unwrap();
    let oscar = users::sign_in_at(&db, "oscar", "112233", "cli", now).unwrap();
    assert!(users::set_disabled(&mut db, &oscar, "olive", true).unwrap());
    // (olive's actor from before she was disabled)
    let err = users::set_disabled(&mut db, &olive, "oscar", true).unwrap_err();
    assert!(err.to_string().contains("last active owner"), "{err}");
    let listed = users::list_at(db.conn(), now).unwrap();
    let states: Vec<(&str, bool)> = listed
        .iter()
        .map(|u| (u.name.as_str(), u.disabled))
        .collect();
    assert_eq!(states, [("ann", false), ("olive", true), ("oscar", false)]);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM audit_log WHERE action IN ('user.disable', 'user.enable')"
        ),
        3
    );
}

#[test]
fn users_belong_to_the_store_on_a_paired_device() {
    let (_dir, mut db) = shop();
    let paired = PairResponse {
        device_id: Uuid::now_v7(),
        name: "desk".into(),
        role: DeviceRole::Counter,
        medical: false,
        token: "ik_test".into(),
        recognition_key: None,
    };
    sync::configure(&mut db, "https://store.local:8443", Some("AA"), &paired).unwrap();
    let before = count(&db, "SELECT count(*) FROM audit_log");
    let olive = owner();
    let refusals = [
        users::add(&mut db, Some(&olive), "zed", Role::FrontDesk, "1234")
            .map(|_| ())
            .unwrap_err(),
        users::set_pin(&mut db, &olive, "ann", "777888").unwrap_err(),
        users::set_disabled(&mut db, &olive, "ann", true)
            .map(|_| ())
            .unwrap_err(),
    ];
    for err in refusals {
        assert!(
            err.to_string().starts_with("users belong to the store"),
            "{err}"
        );
    }
    assert_eq!(count(&db, "SELECT count(*) FROM audit_log"), before);
    assert_eq!(
        count(&db, "SELECT count(*) FROM users WHERE disabled = 1"),
        0
    );
    users::sign_in_at(&db, "ann", ARTIST_PIN, "cli", t0()).unwrap();
}

#[test]
fn the_kiosk_exit_takes_the_exit_code_on_a_paired_kiosk_and_staff_pins_otherwise() {
    let (_dir, db) = shop();
    let now = t0();
    // A kiosk that is its own store: staff PINs.
    let actor = users::check_kiosk_exit_at(&db, OWNER_PIN, "lobby", now).unwrap();
    assert_eq!(actor.name, "olive");
    // A paired kiosk with its exit code: the code, and no staff PIN.
    let hash = users::hash_exit_code("864209").unwrap();
    db.conn()
        .execute(
            "INSERT INTO meta(key, value) VALUES (?1, ?2)",
            [users::KIOSK_EXIT_HASH, hash.as_str()],
        )
        .unwrap();
    assert!(matches!(
        users::check_kiosk_exit_at(&db, OWNER_PIN, "lobby", now),
        Err(Error::BadCredentials)
    ));
    let actor = users::check_kiosk_exit_at(&db, "864209", "lobby", now).unwrap();
    assert_eq!(
        (actor.name.as_str(), actor.role),
        ("kiosk-exit:lobby", Role::Kiosk)
    );
    // Five misses lock the pad, the right code included, until the lock passes.
    for _ in 0..4 {
        assert!(matches!(
            users::check_kiosk_exit_at(&db, "000000", "lobby", now),
            Err(Error::BadCredentials)
        ));
    }
    retry_after(users::check_kiosk_exit_at(&db, "000000", "lobby", now));
    retry_after(users::check_kiosk_exit_at(&db, "864209", "lobby", now));
    assert!(
        users::pinpad_locked_until(db.conn(), "kiosk:lobby", now)
            .unwrap()
            .is_some()
    );
    users::check_kiosk_exit_at(&db, "864209", "lobby", now + TimeDelta::seconds(61)).unwrap();
    assert!(users::hash_exit_code("1234").is_err());
}

#[test]
fn a_counters_pin_pad_is_throttled_too() {
    let (_dir, db) = shop();
    let now = t0();
    for _ in 0..4 {
        assert!(matches!(
            users::sign_in_by_pin_at(&db, "000000", "counter:desk", now),
            Err(Error::BadCredentials)
        ));
    }
    retry_after(users::sign_in_by_pin_at(&db, "000000", "counter:desk", now));
    retry_after(users::sign_in_by_pin_at(
        &db,
        ARTIST_PIN,
        "counter:desk",
        now,
    ));
    // Another counter's pad is its own.
    let ann = users::sign_in_by_pin_at(&db, ARTIST_PIN, "counter:back", now).unwrap();
    assert_eq!(ann.name, "ann");
    let later = now + TimeDelta::seconds(61);
    assert_eq!(
        users::sign_in_by_pin_at(&db, OWNER_PIN, "counter:desk", later)
            .unwrap()
            .name,
        "olive"
    );
}

#[test]
fn old_hashes_still_verify_and_are_made_again_at_the_next_sign_in() {
    let (_dir, db) = shop();
    // A hash as earlier versions made them: argon2id at the library's default cost.
    use argon2::password_hash::PasswordHasher;
    let old = argon2::Argon2::default()
        .hash_password(ARTIST_PIN.as_bytes())
        .unwrap()
        .to_string();
    db.conn()
        .execute("UPDATE users SET pin_hash = ?1 WHERE name = 'ann'", [&old])
        .unwrap();
    users::sign_in_at(&db, "ann", ARTIST_PIN, "cli", t0()).unwrap();
    let now: String = db
        .conn()
        .query_row("SELECT pin_hash FROM users WHERE name = 'ann'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(now.starts_with("$argon2id$v=19$m=65536,t=3,p=1$"), "{now}");
    users::sign_in_at(&db, "ann", ARTIST_PIN, "cli", t0()).unwrap();
}

/// Someone guessing over the network locks the name there, not at the store's own command
/// line: the owner can still sign in there to revoke sessions and change PINs.
#[test]
fn a_name_locked_over_the_network_still_signs_in_at_the_command_line() {
    let (_dir, db) = shop();
    let now = t0();
    for _ in 0..6 {
        let _ = users::sign_in_at(&db, "olive", "000000", "203.0.113.7", now);
    }
    retry_after(users::sign_in_at(
        &db,
        "olive",
        OWNER_PIN,
        "198.51.100.9",
        now,
    ));
    let actor = users::sign_in_at(&db, "olive", OWNER_PIN, users::CLI_CLIENT, now).unwrap();
    assert_eq!(actor.name, "olive");
}

#[test]
fn every_spelling_that_finds_a_user_counts_against_the_same_name() {
    let (_dir, mut db) = shop();
    users::add(&mut db, Some(&owner()), "Zoë", Role::Artist, "975310").unwrap();
    let now = t0();
    // Which spellings the database takes for the user is its own collation's say: ASCII
    // case on SQLite; on PostgreSQL every case, and composed or decomposed accents.
    let spellings = ["zoë", "ZOË", "zoË", "ZOë", "Zoe\u{308}"];
    let same: Vec<&str> = spellings
        .into_iter()
        .filter(|s| {
            db.conn()
                .query_row("SELECT count(*) FROM users WHERE name = ?1", [s], |r| {
                    r.get::<_, i64>(0)
                })
                .unwrap()
                == 1
        })
        .collect();
    if crate::on_postgres() {
        assert_eq!(same.len(), spellings.len(), "{same:?}");
    }
    // Guesses from as many addresses, spread over the spellings: five in all lock the name.
    for i in 0..users::NAME_TRIES as usize {
        let name = if same.is_empty() {
            "Zoë"
        } else {
            same[i % same.len()]
        };
        let _ = users::sign_in_at(&db, name, "000000", &format!("203.0.113.{i}"), now);
    }
    let refused = users::sign_in_at(&db, "Zoë", "975310", "198.51.100.1", now);
    assert!(retry_after(refused) > 0);
}
