//! The customer flow, driven headless through iced's simulator: taps land on the real
//! widgets, and the messages they produce go through the real `update`, against a real
//! SQLite database.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::time::{Duration, Instant};

use chrono::{Datelike, Local, NaiveDate};
use iced::{Event, Point, Size, keyboard, mouse};
use iced_test::simulator::Simulator;
use intake_common::customer::Field;
use intake_common::release::{self};
use intake_common::settings::{Lang, Settings};
use intake_common::{Db, Mutation, Op, Profile, Role, users};
use intake_kiosk::app::Key;
use intake_kiosk::form::Input;
use intake_kiosk::pad::{PadEvent, PadId};
use intake_kiosk::{Kiosk, Message, Options, Screen, Step};

const LANDSCAPE: Size = Size::new(1280.0, 800.0);
const PORTRAIT: Size = Size::new(800.0, 1280.0);

struct Harness {
    kiosk: Kiosk,
    size: Size,
    _dir: tempfile::TempDir,
    now: Instant,
}

impl Harness {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open_dir(dir.path()).unwrap();
        Self::with_db(db, dir)
    }

    fn with_db(db: Db, dir: tempfile::TempDir) -> Self {
        Self::with_settings(db, dir, Settings::defaults())
    }

    fn with_settings(db: Db, dir: tempfile::TempDir, settings: Settings) -> Self {
        let options = Options {
            windowed: false,
            device: "lobby-test".into(),
            exit_after_first_frame: None,
            today: Some(today()),
        };
        let mut kiosk = Kiosk::new(db, settings, options).unwrap();
        let now = Instant::now();
        let _ = kiosk.update(Message::Tick(now));
        let _ = kiosk.update(Message::Resized(LANDSCAPE));
        Self {
            kiosk,
            size: LANDSCAPE,
            _dir: dir,
            now,
        }
    }

    fn ui(&self) -> Simulator<'_, Message> {
        Simulator::with_size(iced::Settings::default(), self.size, self.kiosk.view())
    }

    /// Taps the widget showing `label`, then runs what the tap produced.
    fn tap(&mut self, label: &str) {
        let messages: Vec<Message> = {
            let mut ui = self.ui();
            ui.click(label)
                .unwrap_or_else(|e| panic!("cannot tap {label:?} on {:?}: {e}", self.kiosk.screen));
            ui.into_messages().collect()
        };
        assert!(!messages.is_empty(), "tapping {label:?} did nothing");
        for m in messages {
            let _ = self.kiosk.update(m);
        }
    }

    fn send(&mut self, message: Message) {
        let _ = self.kiosk.update(message);
    }

    fn sees(&self, text: &str) -> bool {
        self.ui().find(text).is_ok()
    }

    /// Whether any text on screen contains `needle`.
    fn shows_anywhere(&self, needle: &str) -> bool {
        let needle = needle.to_lowercase();
        self.ui()
            .find(move |c: iced_test::selector::Candidate<'_>| match c {
                iced_test::selector::Candidate::Text { content, .. }
                    if content.to_lowercase().contains(&needle) =>
                {
                    Some(())
                }
                _ => None,
            })
            .is_ok()
    }

    /// Types `text` the way the on-screen keyboard does: focus, one key per character.
    fn type_into(&mut self, input: Input, text: &str) {
        self.send(Message::Focus(input));
        for _ in 0..self.kiosk.form.value(input).chars().count() {
            self.send(Message::Key(Key::Backspace));
        }
        for c in text.chars() {
            let key = if c == ' ' { Key::Space } else { Key::Char(c) };
            // Capitals come from Shift, which the keyboard turns on at the start of a name.
            if c.is_lowercase() && self.kiosk.shift {
                self.send(Message::Key(Key::Shift));
            }
            if c.is_uppercase() && !self.kiosk.shift {
                self.send(Message::Key(Key::Shift));
            }
            let key = match key {
                Key::Char(c) => Key::Char(c.to_lowercase().next().unwrap()),
                k => k,
            };
            self.send(Message::Key(key));
        }
        assert_eq!(self.kiosk.form.value(input), text, "typing into {input:?}");
        self.send(Message::Key(Key::Done));
    }

    fn advance(&mut self, secs: u64) {
        self.now += Duration::from_secs(secs);
        self.send(Message::Tick(self.now));
    }

    fn sign(&mut self, pad: PadId) {
        self.send(Message::Pad(
            pad,
            PadEvent::Begin {
                at: (40.0, 200.0),
                size: (900.0, 280.0),
            },
        ));
        for i in 1..30 {
            let x = 40.0 + i as f32 * 20.0;
            let y = 200.0 - (i as f32 * 0.7).sin() * 60.0;
            self.send(Message::Pad(pad, PadEvent::To((x, y))));
        }
        self.send(Message::Pad(pad, PadEvent::End));
    }

    fn snapshot(&self, name: &str) {
        self.snapshot_of(self.ui(), name);
    }

    /// Compares the screen as `ui` shows it (scrolled, say) with its snapshot.
    fn snapshot_of(&self, mut ui: Simulator<'_, Message>, name: &str) {
        let path = format!("{}/tests/snapshots/{name}", env!("CARGO_MANIFEST_DIR"));
        let snapshot = ui.snapshot(&self.kiosk.theme()).unwrap();
        // To look at the screens: INTAKE_SNAPSHOT_PNG=DIR writes each one there as a PNG.
        if let Some(dir) = std::env::var_os("INTAKE_SNAPSHOT_PNG") {
            let png = std::path::Path::new(&dir).join(name);
            let _ = std::fs::remove_file(png.with_file_name(format!("{name}-tiny-skia.png")));
            snapshot.matches_image(&png).unwrap();
        }
        assert!(
            snapshot.matches_hash(&path).unwrap(),
            "screen {name} changed: look at it (tests/snapshots), then delete its .sha256 to accept"
        );
    }

    fn count(&self, table: &str) -> i64 {
        self.kiosk
            .db()
            .conn()
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    }
}

/// A date typed on the keypad in English order (MMDDYYYY).
fn digits(date: NaiveDate) -> String {
    date.format("%m%d%Y").to_string()
}

/// The kiosk's date in these tests, fixed so screens showing an age never change.
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
}

fn years_ago(years: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(today().year() - years, 1, 15).unwrap()
}

fn about(h: &mut Harness, first: &str, last: &str, born: NaiveDate, phone: &str) {
    h.type_into(Input::Profile(Field::FirstName), first);
    h.type_into(Input::Profile(Field::LastName), last);
    h.type_into(Input::Profile(Field::Birthdate), &digits(born));
    h.type_into(Input::Profile(Field::PhoneNumber), phone);
    h.type_into(
        Input::Profile(Field::Email),
        &format!("{}@example.com", first.to_lowercase()),
    );
}

/// From the About step to the review, answering everything.
fn rest_of_form(h: &mut Harness, minor: bool) {
    h.tap("Next");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::Address));
    h.type_into(Input::Profile(Field::City), "Austin");
    h.tap("Next");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::Contacts));
    h.type_into(Input::EmergencyName, "Bo Lee");
    h.type_into(Input::EmergencyPhone, "5125550199");
    h.type_into(Input::EmergencyRelation, "brother");
    h.tap("Next");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::Health));
    let questions = h.kiosk.settings.questions.len();
    h.send(Message::Answer(0, true));
    h.type_into(Input::HealthDetails(0), "latex");
    for i in 1..questions {
        h.send(Message::Answer(i, false));
    }
    h.tap("Next");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::Release));
    let clauses = h.kiosk.settings.template.clauses.clone();
    for (i, c) in clauses.iter().enumerate() {
        match c.confirm {
            intake_common::settings::Confirm::Initials => h.type_into(Input::Initials(i), "AL"),
            intake_common::settings::Confirm::Tick => h.send(Message::ToggleClause(i)),
        }
    }
    if minor {
        h.type_into(Input::GuardianName, "Cara Lee");
        h.type_into(Input::GuardianRelation, "mother");
    }
    h.tap("Next");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::Signature));
    h.sign(PadId::Customer);
    if minor {
        h.sign(PadId::Guardian);
    } else {
        h.snapshot("signature");
    }
    h.tap("Next");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::Review));
}

#[test]
fn an_adult_registers_and_signs() {
    let mut h = Harness::new();
    h.snapshot("welcome");
    h.tap("Start check-in");
    h.tap("No, I'm new");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::About));
    about(&mut h, "Ann", "Lee", years_ago(30), "5125550121");
    rest_of_form(&mut h, false);
    assert!(h.sees("Ann Lee"));
    h.snapshot("review");
    h.tap("Sign and submit");
    assert_eq!(h.kiosk.screen, Screen::Thanks);
    assert!(h.sees("Thank you, Ann!"));
    h.snapshot("thanks");
    // Durable before the thank-you: the rows are there, and the form is gone from memory.
    assert_eq!(h.count("customers"), 1);
    assert_eq!(h.count("releases"), 1);
    assert_eq!(h.count("contacts"), 1);
    assert_eq!(h.count("medical_conditions"), 1);
    assert!(h.kiosk.form.is_blank());
    let owner = intake_common::Actor {
        name: "olive".into(),
        role: Role::Owner,
    };
    let list = release::list(h.kiosk.db(), &owner, None, 10).unwrap();
    let content = release::open(h.kiosk.db(), &owner, list[0].id).unwrap();
    assert_eq!(content.customer["FirstName"], "Ann");
    assert_eq!(content.customer["PhoneNumber"], "5125550121");
    assert_eq!(content.device, "lobby-test");
    assert_eq!(content.template, *h.kiosk.template_ref());
    assert!(content.guardian.is_none());
    assert!(
        content
            .clauses
            .iter()
            .all(|c| c.initials.as_deref() != Some(""))
    );
    assert_eq!(content.health[0].details.as_deref(), Some("latex"));
    assert!(content.signature_png.starts_with(b"\x89PNG"));
    // The thank-you goes back to the welcome screen by itself.
    h.advance(11);
    assert_eq!(h.kiosk.screen, Screen::Welcome);
}

#[test]
fn a_minor_needs_a_guardian() {
    let mut h = Harness::new();
    h.tap("Start check-in");
    h.tap("No, I'm new");
    about(&mut h, "Tess", "Lee", years_ago(16), "5125550122");
    h.tap("Next");
    h.tap("Next");
    h.type_into(Input::EmergencyName, "Cara Lee");
    h.type_into(Input::EmergencyPhone, "5125550123");
    h.tap("Next");
    for i in 0..h.kiosk.settings.questions.len() {
        h.send(Message::Answer(i, false));
    }
    h.tap("Next");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::Release));
    assert!(h.sees("A parent or guardian must sign"));
    assert!(h.sees("You are 16 years old."));
    // Without the guardian, the release cannot go on.
    let clauses = h.kiosk.settings.template.clauses.clone();
    for (i, c) in clauses.iter().enumerate() {
        match c.confirm {
            intake_common::settings::Confirm::Initials => h.type_into(Input::Initials(i), "TL"),
            intake_common::settings::Confirm::Tick => h.send(Message::ToggleClause(i)),
        }
    }
    h.tap("Next");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::Release));
    h.type_into(Input::GuardianName, "Cara Lee");
    h.type_into(Input::GuardianRelation, "mother");
    h.snapshot("release-minor");
    h.tap("Next");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::Signature));
    h.sign(PadId::Customer);
    h.tap("Next");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::Signature));
    assert!(h.sees("The parent or guardian must sign in their box."));
    h.sign(PadId::Guardian);
    h.tap("Next");
    h.tap("Sign and submit");
    assert_eq!(h.kiosk.screen, Screen::Thanks);
    let owner = intake_common::Actor {
        name: "olive".into(),
        role: Role::Owner,
    };
    let id = release::list(h.kiosk.db(), &owner, None, 1).unwrap()[0].id;
    let content = release::open(h.kiosk.db(), &owner, id).unwrap();
    let guardian = content.guardian.unwrap();
    assert_eq!(guardian.name, "Cara Lee");
    assert_eq!(guardian.relationship, "mother");
    assert!(guardian.signature_png.starts_with(b"\x89PNG"));
    // The age on the release is the one on the day it was signed.
    assert_eq!(
        content.age_at_signing,
        release::age_on(years_ago(16), content.signed_at.date_naive())
    );
}

#[test]
fn a_minors_review_shows_the_guardian_beside_the_minor() {
    let mut h = Harness::new();
    h.tap("Start check-in");
    h.tap("No, I'm new");
    about(&mut h, "Tess", "Lee", years_ago(16), "5125550122");
    rest_of_form(&mut h, true);
    assert!(h.sees("Tess Lee"));
    assert!(h.sees("Guardian's full name"));
    assert!(h.sees("Cara Lee"));
    assert!(h.sees("Relationship"));
    assert!(h.sees("mother"));
    assert!(h.sees("Your signature"));
    assert!(h.sees("Parent or guardian's signature"));
    // Both signatures are drawn, side by side and the same size.
    let picture = |id: PadId| {
        h.ui()
            .find(iced::widget::Id::from(id.review_id()))
            .unwrap_or_else(|e| panic!("no picture of the {id:?} signature: {e}"))
            .bounds()
    };
    let (minor, guardian) = (picture(PadId::Customer), picture(PadId::Guardian));
    assert!(minor.width > 100.0 && minor.height > 50.0, "{minor:?}");
    assert_eq!(guardian.size(), minor.size());
    assert_eq!(guardian.y, minor.y);
    assert!(
        guardian.x >= minor.x + minor.width,
        "{minor:?} {guardian:?}"
    );
    // The signatures are at the foot of the page: scroll down to them.
    let mut ui = h.ui();
    ui.point_at(Point::new(640.0, 400.0));
    ui.simulate([Event::Mouse(mouse::Event::WheelScrolled {
        delta: mouse::ScrollDelta::Lines { x: 0.0, y: -50.0 },
    })]);
    h.snapshot_of(ui, "review-minor");
    // In Spanish, too.
    h.tap("Español");
    assert!(h.sees("Parentesco"));
    assert!(h.sees("Firma del padre, madre o tutor"));
}

fn with_customer() -> (Harness, uuid::Uuid) {
    let dir = tempfile::tempdir().unwrap();
    let mut db = Db::open_dir(dir.path()).unwrap();
    let id = uuid::Uuid::now_v7();
    let profile = Profile::default()
        .with(Field::FirstName, "Ann")
        .with(Field::LastName, "Lee")
        .with(Field::Email, "ann.lee@example.com")
        .with(Field::PhoneNumber, "+15125550121")
        .with(Field::Birthdate, "1990-03-04")
        .with(Field::Notes, "prefers mornings");
    intake_common::mutation::submit(
        &mut db,
        &Mutation::new(
            "import",
            Op::CreateCustomer {
                customer: id,
                profile,
            },
        ),
    )
    .unwrap();
    (Harness::with_db(db, dir), id)
}

#[test]
fn a_returning_customer_is_recognised_and_prefilled() {
    let (mut h, id) = with_customer();
    h.tap("Start check-in");
    h.tap("Yes, find me");
    assert_eq!(h.kiosk.screen, Screen::Lookup);
    h.type_into(Input::LookupPhone, "5125550121");
    h.type_into(Input::LookupBirthdate, "03041990");
    h.tap("Find me");
    assert_eq!(h.kiosk.screen, Screen::Match);
    assert!(h.sees("Is this you?"));
    assert!(h.sees("A** L**"));
    assert!(h.sees("a******@e******.com"));
    // Masked until confirmed.
    assert!(!h.shows_anywhere("Ann"));
    assert!(!h.shows_anywhere("Lee"));
    assert!(!h.shows_anywhere("ann.lee"));
    h.snapshot("is-this-you");
    h.tap("Yes, that's me");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::About));
    assert_eq!(h.kiosk.form.value(Input::Profile(Field::LastName)), "Lee");
    assert_eq!(
        h.kiosk.form.value(Input::Profile(Field::Birthdate)),
        "03041990"
    );
    // Health answers are always asked again.
    assert!(h.kiosk.form.health.iter().all(Option::is_none));
    h.type_into(Input::Profile(Field::Nickname), "Annie");
    rest_of_form(&mut h, false);
    h.tap("Sign and submit");
    assert_eq!(h.kiosk.screen, Screen::Thanks);
    assert!(h.sees("Thank you, Annie!"));
    assert_eq!(h.count("customers"), 1);
    let stored = intake_common::customers::get(h.kiosk.db().conn(), id).unwrap();
    assert_eq!(stored.profile.get(Field::Nickname), Some("Annie"));
    // What the kiosk does not show, it does not touch.
    assert_eq!(stored.profile.get(Field::Notes), Some("prefers mornings"));
}

#[test]
fn a_wrong_match_reveals_nothing() {
    let (mut h, _) = with_customer();
    let mut screens = Vec::new();
    for (phone, born) in [
        ("5125550121", "03051990"), // the right phone, the wrong birthdate
        ("5125550999", "03041990"), // a phone nobody has
    ] {
        h.tap("Start check-in");
        h.tap("Yes, find me");
        h.type_into(Input::LookupPhone, phone);
        h.type_into(Input::LookupBirthdate, born);
        h.tap("Find me");
        assert_eq!(h.kiosk.screen, Screen::NoMatch);
        assert!(h.kiosk.found.is_none());
        assert!(h.sees("We couldn't find a match"));
        for secret in ["Ann", "Lee", "A**", "a******@", "example"] {
            assert!(!h.shows_anywhere(secret), "{secret} shown");
        }
        // What was typed is gone too.
        assert_eq!(h.kiosk.form.value(Input::LookupPhone), "");
        let path = h._dir.path().join(format!("no-match-{}", screens.len()));
        h.ui()
            .snapshot(&h.kiosk.theme())
            .unwrap()
            .matches_hash(&path)
            .unwrap();
        let written = std::fs::read_dir(h._dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .find(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(&format!("no-match-{}", screens.len()))
            })
            .unwrap();
        screens.push(std::fs::read_to_string(written.path()).unwrap());
        h.tap("Next");
        assert_eq!(h.kiosk.screen, Screen::Step(Step::About));
        assert_eq!(h.kiosk.form.value(Input::Profile(Field::FirstName)), "");
        h.tap("Start over");
    }
    // Pixel for pixel the same screen, whichever way the guess was wrong.
    assert_eq!(screens[0], screens[1]);
}

#[test]
fn an_idle_form_warns_then_wipes() {
    let mut h = Harness::new();
    h.tap("Start check-in");
    h.tap("No, I'm new");
    h.type_into(Input::Profile(Field::FirstName), "Ann");
    h.sign(PadId::Customer);
    h.advance(44);
    assert!(!h.sees("Are you still there?"));
    h.advance(2);
    assert!(h.sees("Are you still there?"));
    assert!(h.sees("For your privacy, this form will be cleared in 14 seconds."));
    h.snapshot("idle-warning");
    // A touch keeps the form.
    h.tap("I'm still here");
    h.advance(1);
    assert!(!h.sees("Are you still there?"));
    assert_eq!(h.kiosk.form.value(Input::Profile(Field::FirstName)), "Ann");
    // Walking away wipes it.
    h.advance(60);
    assert_eq!(h.kiosk.screen, Screen::Welcome);
    assert!(h.kiosk.form.is_blank());
    assert!(!h.shows_anywhere("Ann"));
    assert_eq!(h.count("customers"), 0);
}

#[test]
fn problems_show_at_the_field_in_plain_words() {
    let mut h = Harness::new();
    h.tap("Start check-in");
    h.tap("No, I'm new");
    h.tap("Next");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::About));
    assert!(h.sees("Some answers need another look — see the messages in red."));
    assert!(h.sees("Please fill this in."));
    h.snapshot("about-problems");
    h.type_into(Input::Profile(Field::Email), "ann@");
    assert!(h.sees("This email doesn't look right. It should look like name@example.com."));
    let next_year = Local::now().date_naive().year().max(today().year()) + 1;
    h.type_into(
        Input::Profile(Field::Birthdate),
        &format!("0101{next_year}"),
    );
    assert!(h.sees("A date of birth can't be in the future."));
    h.type_into(Input::Profile(Field::Birthdate), "02301990");
    assert!(h.sees("Please enter a real date."));
    let phone_problem = "Please enter the phone number with its area code. A number from \
                         another country starts with + and its country code.";
    h.type_into(Input::Profile(Field::PhoneNumber), "555");
    assert!(h.sees(phone_problem));
    // A Spanish mobile, typed nationally at a shop in the US, is not a US number...
    h.type_into(Input::Profile(Field::PhoneNumber), "612345678");
    assert!(h.sees(phone_problem));
    // ... but it is with its country code. Fixing a field clears its message.
    h.type_into(Input::Profile(Field::PhoneNumber), "+34612345678");
    assert!(!h.sees(phone_problem));
    h.type_into(Input::Profile(Field::PhoneNumber), "5125550121");
    assert!(!h.sees(phone_problem));
}

#[test]
fn the_language_switches_everything_on_screen() {
    let mut h = Harness::new();
    h.tap("Español");
    assert!(h.sees("Comenzar"));
    assert!(!h.sees("Start check-in"));
    h.snapshot("welcome-es");
    h.tap("Comenzar");
    assert!(h.sees("¿Ha venido antes?"));
    h.tap("No, soy nuevo");
    // A date typed in Spanish order is read in Spanish order...
    h.type_into(Input::Profile(Field::Birthdate), "04031990");
    h.tap("Siguiente");
    assert!(h.sees("Por favor complete este campo."));
    // ...and switching language keeps the same date, in the other order.
    h.tap("English");
    assert_eq!(
        h.kiosk.form.value(Input::Profile(Field::Birthdate)),
        "03041990"
    );
    assert!(h.sees("Please fill this in."));
    h.tap("Start over");
    assert_eq!(h.kiosk.lang, Lang::En);
}

#[test]
fn the_on_screen_keyboard_types() {
    let mut h = Harness::new();
    h.tap("Start check-in");
    h.tap("No, I'm new");
    h.tap("First name");
    assert_eq!(h.kiosk.focus, Some(Input::Profile(Field::FirstName)));
    h.snapshot("keyboard");
    // Shift is on at the start of a name, so the keys show capitals.
    h.tap("Z");
    h.tap("o");
    h.tap("Shift");
    h.tap("E");
    h.tap("Delete");
    h.tap("123");
    h.tap("é");
    h.tap("Done");
    assert_eq!(h.kiosk.form.value(Input::Profile(Field::FirstName)), "Zoé");
    assert_eq!(h.kiosk.focus, None);
    // A hardware keyboard works too, and Escape does nothing.
    h.send(Message::Focus(Input::Profile(Field::LastName)));
    h.send(Message::Hardware(
        keyboard::Key::Character("L".into()),
        Some("L".into()),
    ));
    h.send(Message::Hardware(
        keyboard::Key::Named(keyboard::key::Named::Escape),
        None,
    ));
    assert_eq!(h.kiosk.form.value(Input::Profile(Field::LastName)), "L");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::About));
}

#[test]
fn portrait_and_high_contrast() {
    let mut h = Harness::new();
    h.tap("High contrast");
    h.snapshot("welcome-high-contrast");
    h.size = PORTRAIT;
    h.send(Message::Resized(PORTRAIT));
    h.tap("Start check-in");
    h.tap("No, I'm new");
    h.snapshot("about-portrait-high-contrast");
    assert!(h.sees("First name"));
}

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

#[test]
fn the_shops_own_settings_are_used() {
    let dir = tempfile::tempdir().unwrap();
    let settings_dir = dir.path().join("settings");
    std::fs::create_dir(&settings_dir).unwrap();
    std::fs::write(
        settings_dir.join("shop.toml"),
        "name = \"Ink Lab\"\nlanguages = [\"es\", \"en\"]\nidle_timeout_secs = 30\n\
         idle_warning_secs = 10\nweb_sign_url = \"https://sign.example.com/ink-lab\"\n",
    )
    .unwrap();
    let settings = Settings::load(Some(&settings_dir)).unwrap();
    let db = Db::open_dir(&dir.path().join("data")).unwrap();
    let mut h = Harness::with_settings(db, dir, settings);
    // Spanish first, the shop's name, and the QR code for the phone form.
    assert!(h.sees("Ink Lab"));
    assert!(h.sees("Comenzar"));
    assert!(h.sees("O escanee para llenar el formulario en su teléfono"));
    assert!(h.kiosk.qr.is_some());
    h.snapshot("welcome-shop-settings");
    // The shop's idle timeout.
    h.tap("Comenzar");
    h.advance(20);
    assert!(h.sees("¿Sigue ahí?"));
    h.advance(10);
    assert_eq!(h.kiosk.screen, Screen::Welcome);
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
    let Harness {
        kiosk, _dir: dir, ..
    } = h;
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
