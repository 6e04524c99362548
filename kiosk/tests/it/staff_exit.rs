//! The staff exit of a paired kiosk, against a real store process over HTTPS: a PIN the
//! kiosk cannot check itself goes to the store in the background (the task the kiosk's
//! `update` returns is run here as iced would run it); offline, the kiosk's own exit code
//! still lets staff out.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

use iced::Task;
use intake_common::settings::Settings;
use intake_common::{Db, users};
use intake_kiosk::i18n::Msg;
use intake_kiosk::keyboard::Key;
use intake_kiosk::staff_exit::{self, StoreAnswer};
use intake_kiosk::{Kiosk, Message, Options, Screen};
use intake_tests::cluster::{OWNER, PIN, Store};

use crate::tasks::{run, runtime};

const EXIT_CODE: &str = "864209";

fn kiosk(dir: &Path) -> Kiosk {
    let options = Options {
        windowed: false,
        device: "lobby".into(),
        exit_after_first_frame: None,
        today: None,
        phone_roots: Default::default(),
    };
    let mut k = Kiosk::new(Db::open_dir(dir).unwrap(), Settings::defaults(), options).unwrap();
    let _ = k.update(Message::Tick(Instant::now()));
    k
}

/// Opens the staff pad with the gesture (if it is not open) and types `pin`; returns the
/// task the kiosk asked iced to run.
fn enter(k: &mut Kiosk, pin: &str) -> Task<Message> {
    if k.screen != Screen::StaffPin {
        for _ in 0..5 {
            let _ = k.update(Message::StaffCorner);
        }
    }
    assert_eq!(k.screen, Screen::StaffPin);
    for c in pin.chars() {
        let _ = k.update(Message::Key(Key::Char(c)));
    }
    k.update(Message::Key(Key::Done))
}

/// Enters `pin` and feeds the store's answer (if the kiosk asked) back to the kiosk.
fn exit_with(rt: &tokio::runtime::Runtime, k: &mut Kiosk, pin: &str) -> Vec<Message> {
    let task = enter(k, pin);
    let asked = k.staff_checking;
    let answers = run(rt, task);
    assert_eq!(
        asked,
        !answers.is_empty(),
        "the kiosk asks the store exactly when it waits"
    );
    for m in answers.clone() {
        let _ = k.update(m);
    }
    assert!(!k.staff_checking);
    answers
}

fn audited(dir: &Path, action: &str, actor: &str) -> i64 {
    // The store's database wherever it is (a kiosk's is always its own SQLite file).
    intake_tests::cluster::open_db(dir)
        .conn()
        .query_row(
            "SELECT count(*) FROM audit_log WHERE action = ?1 AND actor = ?2",
            [action, actor],
            |r| r.get(0),
        )
        .unwrap()
}

/// A store with its owner, and a kiosk paired with it that holds its exit code's hash.
fn shop(root: &Path) -> (Store, std::path::PathBuf) {
    let store = Store::create(&root.join("store"));
    let kiosk_dir = root.join("kiosk");
    store.pair(&kiosk_dir, "lobby", "kiosk", false, &store.url);
    let hash = users::hash_exit_code(EXIT_CODE).unwrap();
    Db::open_dir(&kiosk_dir)
        .unwrap()
        .conn()
        .execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)",
            [users::KIOSK_EXIT_HASH, hash.as_str()],
        )
        .unwrap();
    (store, kiosk_dir)
}

#[test]
fn a_paired_kiosk_lets_staff_out_with_a_pin_the_store_checks() {
    let tmp = tempfile::tempdir().unwrap();
    let (store, kiosk_dir) = shop(tmp.path());
    let rt = runtime();
    let mut k = kiosk(&kiosk_dir);

    // The kiosk holds no staff PIN: it asks the store, without waiting for it.
    let task = enter(&mut k, PIN);
    assert!(k.staff_checking);
    assert_eq!(k.screen, Screen::StaffPin);
    assert_eq!(k.staff_message, Some(Msg::StaffChecking));
    // Typing again while the store is asked starts no second question.
    assert!(run(&rt, enter(&mut k, PIN)).is_empty());
    let answers = run(&rt, task);
    assert_eq!(
        answers,
        [Message::StoreExit(StoreAnswer::Staff {
            user: OWNER.into(),
            role: "owner".into()
        })]
    );
    let _ = k.update(answers[0].clone());
    assert_eq!(k.screen, Screen::StaffMenu);
    assert_eq!(k.staff_user.as_deref(), Some(OWNER));
    // Audited on both sides: who left which kiosk.
    assert_eq!(audited(&kiosk_dir, "kiosk.staff", OWNER), 1);
    assert_eq!(audited(&store.dir, "kiosk.exit", OWNER), 1);
    let _ = k.update(Message::StaffExit);
    assert_eq!(audited(&kiosk_dir, "kiosk.exit", OWNER), 1);

    // A wrong PIN: the store says no, and the miss counts on the kiosk's own pad.
    let mut k = kiosk(&kiosk_dir);
    let answers = exit_with(&rt, &mut k, "000000");
    assert_eq!(answers, [Message::StoreExit(StoreAnswer::Wrong)]);
    assert_eq!(k.staff_message, Some(Msg::StaffWrong));
    assert_eq!(k.screen, Screen::StaffPin);
    for _ in 0..4 {
        exit_with(&rt, &mut k, "000000");
    }
    // Five misses lock the pad here (and on the store): even the right PIN waits, and the
    // kiosk no longer asks.
    assert_eq!(k.staff_message, Some(Msg::StaffLocked));
    assert!(exit_with(&rt, &mut k, PIN).is_empty());
    assert_eq!(k.screen, Screen::StaffPin);
    assert_eq!(k.staff_message, Some(Msg::StaffLocked));
}

#[test]
fn the_store_is_asked_only_through_its_pinned_certificate() {
    let tmp = tempfile::tempdir().unwrap();
    let (store, kiosk_dir) = shop(tmp.path());
    let rt = runtime();
    let db = Db::open_dir(&kiosk_dir).unwrap();
    let link = staff_exit::store_link(&db).unwrap().unwrap();
    let pin = || zeroize::Zeroizing::new(PIN.to_string());
    assert!(matches!(
        rt.block_on(staff_exit::ask_store(link.clone(), pin())),
        StoreAnswer::Staff { .. }
    ));
    // Another certificate at the store's address (an impostor) is never told the PIN.
    let mut impostor = link.clone();
    impostor.fingerprint = Some(["AB"; 32].join(":"));
    assert_eq!(
        rt.block_on(staff_exit::ask_store(impostor, pin())),
        StoreAnswer::Offline
    );
    assert_eq!(audited(&store.dir, "kiosk.exit", OWNER), 1);
}

#[test]
fn an_unreachable_store_shows_offline_and_the_exit_code_still_works() {
    let tmp = tempfile::tempdir().unwrap();
    let (store, kiosk_dir) = shop(tmp.path());
    drop(store);
    // The store's address now takes connections and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://127.0.0.1:{}", silent.local_addr().unwrap().port());
    Db::open_dir(&kiosk_dir)
        .unwrap()
        .conn()
        .execute(
            "UPDATE meta SET value = ?1 WHERE key = 'sync_store_url'",
            [&url],
        )
        .unwrap();
    let rt = runtime();
    let mut k = kiosk(&kiosk_dir);
    let started = Instant::now();
    let answers = exit_with(&rt, &mut k, PIN);
    let waited = started.elapsed();
    assert_eq!(answers, [Message::StoreExit(StoreAnswer::Offline)]);
    assert!(
        waited >= Duration::from_secs(3) && waited < Duration::from_secs(8),
        "gave up after {waited:?}"
    );
    assert_eq!(k.screen, Screen::StaffPin);
    assert_eq!(k.staff_message, Some(Msg::StaffOffline));

    // The exit code is checked here, at once, with no question for the store.
    assert!(exit_with(&rt, &mut k, EXIT_CODE).is_empty());
    assert_eq!(k.screen, Screen::StaffMenu);
    assert_eq!(k.staff_user.as_deref(), Some("kiosk-exit:lobby"));
    drop(silent);
}
