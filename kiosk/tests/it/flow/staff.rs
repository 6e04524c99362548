//! Staff leave the customer flow with the hidden gesture and a PIN, never otherwise.

#![allow(clippy::unwrap_used)]

use iced::keyboard;
use intake_common::{Db, Role, users};
use intake_kiosk::keyboard::Key;
use intake_kiosk::{Message, Screen};

use super::harness::Harness;

#[test]
fn staff_leave_only_with_the_gesture_and_a_pin() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = Db::open_dir(dir.path()).unwrap();
    users::add(&mut db, None, "olive", Role::Owner, "246810").unwrap();
    let mut h = Harness::with_db(db, dir);
    // Close requests (Alt+F4, the window's close) and Escape are ignored in kiosk mode.
    h.send(Message::CloseRequested(iced::window::Id::unique()));
    h.send(Message::Hardware(
        keyboard::Key::Named(keyboard::key::Named::Escape),
        None,
    ));
    assert_eq!(h.kiosk.screen, Screen::Welcome);
    // Four taps are not enough.
    for _ in 0..4 {
        h.send(Message::StaffCorner);
    }
    assert_eq!(h.kiosk.screen, Screen::Welcome);
    h.advance(5);
    for _ in 0..5 {
        h.send(Message::StaffCorner);
    }
    assert_eq!(h.kiosk.screen, Screen::StaffPin);
    for c in "1111".chars() {
        h.send(Message::Key(Key::Char(c)));
    }
    h.send(Message::Key(Key::Done));
    assert!(h.sees("That PIN is not right."));
    assert_eq!(h.kiosk.screen, Screen::StaffPin);
    for c in "246810".chars() {
        h.send(Message::Key(Key::Char(c)));
    }
    h.tap("OK");
    assert_eq!(h.kiosk.screen, Screen::StaffMenu);
    assert!(h.sees("Signed in as olive"));
    h.tap("Back to check-in");
    assert_eq!(h.kiosk.screen, Screen::Welcome);
    let failed: i64 = h
        .kiosk
        .db()
        .conn()
        .query_row(
            "SELECT count(*) FROM audit_log WHERE action = 'auth.failed'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(failed, 1);
}

#[test]
fn five_wrong_pins_lock_the_staff_screen() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = Db::open_dir(dir.path()).unwrap();
    users::add(&mut db, None, "olive", Role::Owner, "246810").unwrap();
    let mut h = Harness::with_db(db, dir);
    for _ in 0..5 {
        h.send(Message::StaffCorner);
    }
    for _ in 0..5 {
        for c in "0000".chars() {
            h.send(Message::Key(Key::Char(c)));
        }
        h.send(Message::Key(Key::Done));
    }
    assert!(h.sees("Too many wrong PINs. Try again in a minute."));
    // Even the right PIN waits out the lockout.
    for c in "246810".chars() {
        h.send(Message::Key(Key::Char(c)));
    }
    h.send(Message::Key(Key::Done));
    assert_eq!(h.kiosk.screen, Screen::StaffPin);
}

/// Opens the staff pad with the gesture and enters `pin`.
fn staff_pin(h: &mut Harness, pin: &str) {
    if h.kiosk.screen != Screen::StaffPin {
        for _ in 0..5 {
            h.send(Message::StaffCorner);
        }
    }
    assert_eq!(h.kiosk.screen, Screen::StaffPin);
    for c in pin.chars() {
        h.send(Message::Key(Key::Char(c)));
    }
    h.send(Message::Key(Key::Done));
}

#[test]
fn a_staff_pad_lockout_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let mut db = Db::open_dir(&path).unwrap();
    users::add(&mut db, None, "olive", Role::Owner, "246810").unwrap();
    let mut h = Harness::with_db(db, dir);
    for _ in 0..5 {
        staff_pin(&mut h, "000000");
    }
    assert!(h.sees("Too many wrong PINs. Try again in a minute."));
    // Pulling the plug does not forgive: a new kiosk on the same data directory.
    let Harness { kiosk, dir, .. } = h;
    drop(kiosk);
    let mut h = Harness::with_db(Db::open_dir(&path).unwrap(), dir);
    staff_pin(&mut h, "246810");
    assert_eq!(h.kiosk.screen, Screen::StaffPin);
    assert!(h.sees("Too many wrong PINs. Try again in a minute."));
    // Once the minute has passed, the right PIN opens the menu.
    h.advance(61);
    staff_pin(&mut h, "246810");
    assert_eq!(h.kiosk.screen, Screen::StaffMenu);
    assert!(h.sees("Signed in as olive"));
}

#[test]
fn a_paired_kiosk_leaves_with_its_exit_code_not_a_staff_pin() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = Db::open_dir(dir.path()).unwrap();
    users::add(&mut db, None, "olive", Role::Owner, "246810").unwrap();
    // What the store's pull leaves on a kiosk: its address, and the exit code's hash.
    let hash = users::hash_exit_code("864209").unwrap();
    db.conn()
        .execute(
            "INSERT INTO meta(key, value) VALUES ('sync_store_url', 'https://store.local:8443'), (?1, ?2)",
            [users::KIOSK_EXIT_HASH, hash.as_str()],
        )
        .unwrap();
    let mut h = Harness::with_db(db, dir);
    staff_pin(&mut h, "246810");
    assert!(h.sees("That PIN is not right."));
    assert_eq!(h.kiosk.screen, Screen::StaffPin);
    staff_pin(&mut h, "864209");
    assert_eq!(h.kiosk.screen, Screen::StaffMenu);
    assert!(h.sees("Signed in as kiosk-exit:lobby-test"));
}
