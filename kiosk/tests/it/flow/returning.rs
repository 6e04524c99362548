//! A returning customer: found by birthdate and phone, shown a masked summary, and
//! through in a few taps; and what a wrong guess, or many, shows and leaves behind.

#![allow(clippy::unwrap_used)]

use intake_common::Db;
use intake_common::customer::Field;
use intake_kiosk::form::Input;
use intake_kiosk::screen::review;
use intake_kiosk::{Message, Screen, Step};

use super::harness::Harness;
use super::paths;

#[test]
fn a_returning_customer_is_through_in_thirty_taps() {
    let (mut h, id) = paths::with_customer();
    paths::returning(&mut h);
    assert!(h.taps <= 30, "{} taps", h.taps);
    assert!(h.sees("Thank you, Ann!"));
    assert_eq!(h.count("customers"), 1);
    let stored = intake_common::customers::get(h.kiosk.db().conn(), id).unwrap();
    // What the kiosk does not show, it does not touch; what stayed masked is unchanged.
    assert_eq!(stored.profile.get(Field::Notes), Some("prefers mornings"));
    assert_eq!(
        stored.profile.get(Field::Email),
        Some("ann.lee@example.com")
    );
    assert_eq!(stored.profile.get(Field::Street), Some("12 Oak St"));
    let recognised: i64 = h
        .kiosk
        .db()
        .conn()
        .query_row(
            "SELECT count(*) FROM audit_log WHERE action = 'kiosk.recognised'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(recognised, 1);
}

/// Birthdate and phone typed on the lookup, and Find.
fn look_up(h: &mut Harness, born: &str, phone: &str) {
    h.tap("I've been here before");
    h.type_keys(Input::LookupBirthdate, born);
    h.type_keys(Input::LookupPhone, phone);
    h.tap("Find me");
}

#[test]
fn the_summary_is_masked_and_stays_masked() {
    let (mut h, _) = paths::with_customer();
    look_up(&mut h, "03041990", "5125550121");
    assert_eq!(h.kiosk.screen, Screen::Recap);
    assert!(h.sees("Is this you?"));
    assert!(h.sees("A••• L•••"));
    assert!(h.sees("a•••@e•••.com"));
    // Knowing a phone and a birthdate shows no name, e-mail or address.
    for secret in ["Ann", "Lee", "ann.lee", "example", "Oak", "Austin"] {
        assert!(!h.shows_anywhere(secret), "{secret} shown");
    }
    h.snapshot("recap");
    // Changing the address is saying "that's me"; the address still does not show, and
    // typing into a masked field starts it afresh.
    h.send(Message::Review(review::Message::Change(Step::Address)));
    assert_eq!(h.kiosk.screen, Screen::Step(Step::Address));
    assert!(!h.shows_anywhere("Oak"));
    assert!(!h.shows_anywhere("Austin"));
    h.type_into(Input::Profile(Field::City), "Dallas");
    assert!(h.sees("Dallas"));
    h.tap("Save and go back");
    assert_eq!(h.kiosk.screen, Screen::Recap);
    assert!(h.shows_anywhere("Dallas"));
    assert!(!h.shows_anywhere("Oak"));
    // The full name shows once they said it is them.
    assert!(h.sees("Ann Lee"));
}

#[test]
fn a_wrong_guess_reveals_nothing_and_keeps_what_was_typed() {
    let (mut h, _) = paths::with_customer();
    let mut screens = Vec::new();
    for (born, phone) in [
        ("03051990", "5125550121"), // the right phone, the wrong birthdate
        ("03041990", "5125550999"), // a phone nobody has
    ] {
        look_up(&mut h, born, phone);
        assert_eq!(h.kiosk.screen, Screen::NoMatch);
        assert!(h.sees("We couldn't find a match"));
        for secret in ["Ann", "Lee", "A•••", "a•••@", "example"] {
            assert!(!h.shows_anywhere(secret), "{secret} shown");
        }
        let path = h.dir.path().join(format!("no-match-{}", screens.len()));
        h.ui()
            .snapshot(&h.kiosk.theme())
            .unwrap()
            .matches_hash(&path)
            .unwrap();
        let written = std::fs::read_dir(h.dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .find(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(&format!("no-match-{}", screens.len()))
            })
            .unwrap();
        screens.push(std::fs::read_to_string(written.path()).unwrap());
        // On to a new form, with the birthdate and phone already in it.
        h.tap("Next");
        assert_eq!(h.kiosk.screen, Screen::Step(Step::About));
        assert_eq!(
            h.kiosk.form.value(Input::Profile(Field::PhoneNumber)),
            phone
        );
        assert_eq!(h.kiosk.form.value(Input::Profile(Field::Birthdate)), born);
        assert_eq!(h.kiosk.form.value(Input::Profile(Field::FirstName)), "");
        assert_eq!(h.kiosk.focus, Some(Input::Profile(Field::FirstName)));
        h.done();
        h.tap("Start over");
        h.tap("Yes, clear it all");
        assert!(h.kiosk.form.is_blank());
    }
    // Pixel for pixel the same screen, whichever way the guess was wrong.
    assert_eq!(screens[0], screens[1]);
}

#[test]
fn not_me_starts_a_new_form_without_the_file() {
    let (mut h, _) = paths::with_customer();
    look_up(&mut h, "03041990", "5125550121");
    h.tap("That's not me");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::About));
    assert_eq!(h.kiosk.form.existing, None);
    assert_eq!(h.kiosk.form.value(Input::Profile(Field::FirstName)), "");
    assert_eq!(h.kiosk.form.value(Input::Profile(Field::Email)), "");
    assert_eq!(
        h.kiosk.form.value(Input::Profile(Field::PhoneNumber)),
        "5125550121"
    );
}

#[test]
fn lookups_pause_after_misses_and_a_restart_does_not_forgive() {
    let (mut h, _) = paths::with_customer();
    for i in 0..intake_kiosk::screen::lookup::LOOKUP_MISSES {
        look_up(&mut h, &format!("0101{}", 1960 + i), "5125550121");
        assert_eq!(h.kiosk.screen, Screen::NoMatch, "miss {i}");
        h.tap("Back");
    }
    // The right answer now waits: the pause is not a hint that it was right.
    look_up(&mut h, "03041990", "5125550121");
    assert_eq!(h.kiosk.screen, Screen::Lookup);
    assert!(h.sees("Too many tries. Please wait a minute and try again, or check in as new."));
    assert!(!h.sees("Find me"));
    // A new kiosk on the same data directory still waits.
    let path = h.dir.path().to_path_buf();
    let Harness { kiosk, dir, .. } = h;
    drop(kiosk);
    let mut h = Harness::with_db(Db::open_dir(&path).unwrap(), dir);
    look_up(&mut h, "03041990", "5125550121");
    assert_eq!(h.kiosk.screen, Screen::Lookup);
    assert!(h.shows_anywhere("Too many tries"));
    // New customers are not held up.
    h.tap("I'm new here");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::About));
}
