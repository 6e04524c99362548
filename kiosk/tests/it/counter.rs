//! The counter display, driven headless through iced's simulator against a real SQLite
//! file, while "another process" (a second connection) records check-ins.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::time::{Duration, Instant};

use iced::Size;
use iced_test::selector::Candidate;
use iced_test::simulator::Simulator;
use intake_common::customer::{ContactKind, MedicalCondition, MedicalKind};
use intake_common::release::{self, Signing};
use intake_common::settings::Settings;
use intake_common::{Actor, Db, Mutation, Op, Role, mutation, sync, users};
use intake_kiosk::Counter;
use intake_kiosk::counter::releases::Viewer;
use intake_kiosk::counter::typing::Input;
use intake_kiosk::counter::{IDLE_SIGN_OUT, Message, sync_words};
use intake_tests::registrations;
use uuid::Uuid;

const SIZE: Size = Size::new(1280.0, 800.0);

pub struct Harness {
    pub counter: Counter,
    pub dir: tempfile::TempDir,
    pub now: Instant,
}

impl Harness {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::open_dir(dir.path()).unwrap();
        users::add(&mut db, None, "olive", Role::Owner, "246810").unwrap();
        let owner = Actor {
            name: "olive".into(),
            role: Role::Owner,
        };
        users::add(&mut db, Some(&owner), "fay", Role::FrontDesk, "1357").unwrap();
        users::add(&mut db, Some(&owner), "art", Role::Artist, "975310").unwrap();
        let mut counter = Counter::new(db, "desk-test");
        // Release PDFs are written beside the database and opened by nothing.
        counter.set_viewer(Viewer::new(dir.path().join("pdf"), None));
        let mut h = Self {
            counter,
            dir,
            now: Instant::now(),
        };
        h.tick(Duration::ZERO);
        h
    }

    /// Another connection to the same file, as the kiosk or the sync loop would have.
    pub fn other(&self) -> Db {
        Db::open_dir(self.dir.path()).unwrap()
    }

    /// A registration at the kiosk: returns the customer's id.
    pub fn check_in(&self, n: u64) -> Uuid {
        let mut db = self.other();
        let settings = Settings::defaults();
        let template = release::register_template(&mut db, &settings.template).unwrap();
        let signature = registrations::signature_png(n);
        let reg = registrations::registration(&settings, n, &signature);
        release::submit(&mut db, &reg, &Signing::new("lobby", &settings, &template))
            .unwrap()
            .customer
    }

    pub fn tick(&mut self, by: Duration) {
        self.now += by;
        self.counter.update(Message::Tick(self.now));
    }

    pub fn ui(&self) -> Simulator<'_, Message> {
        Simulator::with_size(iced::Settings::default(), SIZE, self.counter.view())
    }

    /// Taps the first visible widget showing exactly `label` (a key, a button, a field's
    /// hint), then runs what the tap produced.
    pub fn tap(&mut self, label: &str) {
        let wanted = label.to_owned();
        self.tap_text(label, move |content| content == wanted);
    }

    /// Taps the first visible text starting with `prefix` (a search result's line).
    pub fn tap_starting(&mut self, prefix: &str) {
        let wanted = prefix.to_owned();
        self.tap_text(prefix, move |content| content.starts_with(&wanted));
    }

    fn tap_text(&mut self, what: &str, wanted: impl Fn(&str) -> bool + Send + 'static) {
        let messages: Vec<Message> = {
            let mut ui = self.ui();
            let at = ui
                .find(move |c: Candidate<'_>| match c {
                    Candidate::Text {
                        content,
                        visible_bounds: Some(visible),
                        ..
                    } if wanted(content) => Some(visible.center()),
                    _ => None,
                })
                .unwrap_or_else(|e| panic!("cannot tap {what:?}: {e}"));
            ui.point_at(at);
            let _ = ui.simulate(iced_test::simulator::click());
            ui.into_messages().collect()
        };
        assert!(!messages.is_empty(), "tapping {what:?} did nothing");
        for m in messages {
            self.counter.update(m);
        }
    }

    /// Whether a text containing `needle` is on screen and not scrolled or clipped away.
    pub fn sees_part(&self, needle: &str) -> bool {
        let needle = needle.to_owned();
        self.ui()
            .find(move |c: Candidate<'_>| match c {
                Candidate::Text {
                    content,
                    visible_bounds: Some(_),
                    ..
                } if content.contains(&needle) => Some(()),
                _ => None,
            })
            .is_ok()
    }

    /// Types `text` on the on-screen keys, one tap a character (`space` is the space
    /// bar's label). A letter is tapped as its key shows it, so a capital is typed where
    /// the keyboard is shifted.
    pub fn type_on_keys(&mut self, text: &str, space: &str) {
        for c in text.chars() {
            match c {
                ' ' => self.tap(space),
                c => self.tap(&c.to_string()),
            }
        }
    }

    pub fn shows(&self, words: &str) -> bool {
        self.ui().find(words).is_ok()
    }

    /// Whether any text on screen contains `needle`.
    pub fn shows_part(&self, needle: &str) -> bool {
        self.ui()
            .find(move |c: Candidate<'_>| match c {
                Candidate::Text { content, .. } if content.contains(needle) => Some(()),
                _ => None,
            })
            .is_ok()
    }

    /// What tapping `label` sends (nothing, for a disabled button).
    pub fn tap_sends(&self, label: &str) -> usize {
        let mut ui = self.ui();
        ui.click(label)
            .unwrap_or_else(|e| panic!("cannot find {label:?}: {e}"));
        ui.into_messages().count()
    }

    pub fn pin(&mut self, pin: &str) {
        for d in pin.chars() {
            self.tap(&d.to_string());
        }
        self.tap("OK");
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.other()
            .conn()
            .query_row(sql, [], |r| r.get(0))
            .unwrap()
    }
}

#[test]
fn staff_sign_in_with_their_pin_and_check_ins_arrive_as_they_happen() {
    let mut h = Harness::new();
    assert!(h.shows("Staff sign-in"));
    h.pin("1111");
    assert!(h.counter.signed_in().is_none());
    assert!(h.shows("That PIN is not right."));
    h.pin("246810");
    assert_eq!(h.counter.signed_in().unwrap().name, "olive");
    assert!(h.shows("Nobody has checked in yet today."));

    let id = h.check_in(3);
    h.tick(Duration::from_secs(1));
    assert_eq!(h.counter.check_ins().len(), 1);
    assert_eq!(h.counter.check_ins()[0].customer, id);
    let name = h.counter.check_ins()[0].name.clone();
    assert!(h.shows(&name), "the check-in is on screen");
    assert!(h.shows("Today's check-ins (1)"));
}

#[test]
fn five_wrong_pins_lock_the_pad_for_a_minute() {
    let mut h = Harness::new();
    for _ in 0..5 {
        h.pin("0000");
    }
    assert!(h.shows("Too many wrong PINs. Try again in a minute."));
    // Locked: the keys do nothing, the right PIN included.
    {
        let mut ui = h.ui();
        ui.click("2").unwrap();
        assert_eq!(ui.into_messages().count(), 0);
    }
    // Nor does a hardware keyboard.
    h.counter.update(Message::Hardware(
        iced::keyboard::Key::Character("2".into()),
        Some("2".into()),
    ));
    assert_eq!(h.counter.value(Input::Pin), "");
    h.tick(Duration::from_secs(61));
    h.pin("246810");
    assert!(h.counter.signed_in().is_some());
}

#[test]
fn a_flagged_customer_opens_the_safety_panel_and_a_session_waits_for_its_acknowledgement() {
    let mut h = Harness::new();
    let id = h.check_in(4);
    mutation::submit(
        &mut h.other(),
        &Mutation::new(
            "olive",
            Op::AddFlag {
                customer: id,
                id: Uuid::now_v7(),
                kind: "allergy-risk".into(),
                note: Some("Latex: nitrile gloves".into()),
            },
        ),
    )
    .unwrap();
    h.pin("975310"); // the artist
    h.tick(Duration::from_secs(1));
    let name = h.counter.check_ins()[0].name.clone();
    h.tap(&name);
    assert_eq!(h.counter.open_customer(), Some(id));
    assert!(h.shows("⚠ Safety Panel"), "it opened by itself");
    assert!(h.shows("⚑ allergy-risk — Latex: nitrile gloves"));

    h.counter
        .update(Message::SessionText("forearm tattoo".into()));
    // Not yet: the button is off, and the card says why.
    assert_eq!(
        h.tap_sends("Start session"),
        0,
        "a disabled button sends nothing"
    );
    assert!(h.shows("Read the Safety Panel and tap \"I have read this\" first."));
    h.counter.update(Message::StartSession);
    assert_eq!(
        h.counter.notice().as_deref(),
        Some("Read the Safety Panel and tap \"I have read this\" first.")
    );
    assert_eq!(h.count("SELECT count(*) FROM services"), 0);

    h.tap("I have read this");
    assert_eq!(
        h.count("SELECT count(*) FROM safety_acks WHERE acknowledged_by = 'art' AND flags = 1"),
        1
    );
    assert!(h.shows("✓ Read and acknowledged"));
    h.counter
        .update(Message::SessionText("forearm tattoo".into()));
    h.tap("Start session");
    assert_eq!(
        h.count("SELECT count(*) FROM services WHERE artist = 'art' AND ended_at IS NULL"),
        1
    );
    h.tap("End session");
    assert_eq!(
        h.count("SELECT count(*) FROM services WHERE ended_at IS NOT NULL"),
        1
    );
}

#[test]
fn medical_details_follow_the_signed_in_role_and_each_view_is_audited() {
    let mut h = Harness::new();
    let id = h.check_in(5);
    mutation::submit(
        &mut h.other(),
        &Mutation::new(
            "olive",
            Op::AddMedicalCondition {
                customer: id,
                id: Uuid::now_v7(),
                condition: MedicalCondition {
                    kind: MedicalKind::Allergy,
                    name: "Penicillin".into(),
                    details: Some("hives".into()),
                },
            },
        ),
    )
    .unwrap();
    let views = || "SELECT count(*) FROM audit_log WHERE action = 'medical.view'";
    h.pin("1357"); // front desk
    h.counter.update(Message::Open(id));
    assert!(h.shows("⚠ Safety Panel"));
    assert!(!h.shows_part("Penicillin"));
    assert!(h.shows_part("health answers — only a manager or an artist can read them."));
    assert_eq!(h.count(views()), 0);
    h.tap("Sign out");
    h.pin("975310"); // artist
    h.counter.update(Message::Open(id));
    assert!(h.shows_part("✚ allergy: Penicillin — hives · "));
    assert_eq!(h.count(views()), 1);
}

#[test]
fn notes_and_contacts_edited_at_the_counter_are_recorded() {
    let mut h = Harness::new();
    let id = h.check_in(6);
    h.pin("1357");
    h.counter.update(Message::Open(id));
    assert_eq!(h.tap_sends("Add note"), 0, "nothing written yet");
    h.counter
        .update(Message::NoteText("prefers afternoons".into()));
    h.tap("Add note");
    assert_eq!(
        h.count("SELECT count(*) FROM notes WHERE body = 'prefers afternoons' AND author = 'fay'"),
        1
    );
    assert_eq!(h.counter.notice().as_deref(), Some("Note added."));
    h.counter.update(Message::ContactName(
        ContactKind::Physician,
        "Dr Amara Obi".into(),
    ));
    h.counter.update(Message::ContactPhone(
        ContactKind::Physician,
        "not a phone".into(),
    ));
    // The contact editors sit below the fold even on a tall screen: send what the
    // button sends.
    h.counter
        .update(Message::SaveContact(ContactKind::Physician));
    assert!(
        h.counter.notice().unwrap().starts_with("Phone:"),
        "{:?}",
        h.counter.notice()
    );
    h.counter.update(Message::ContactPhone(
        ContactKind::Physician,
        "512-555-0142".into(),
    ));
    h.counter
        .update(Message::SaveContact(ContactKind::Physician));
    assert_eq!(h.counter.notice().as_deref(), Some("Contact saved."));
    assert_eq!(
        h.count("SELECT count(*) FROM contacts WHERE kind = 'physician' AND name = 'Dr Amara Obi' AND phone LIKE '%555%0142'"),
        1
    );
}

#[test]
fn the_sync_status_is_always_on_screen() {
    let mut h = Harness::new();
    assert!(h.shows("Saved on this computer"));
    let mut db = h.other();
    let paired = sync::PairResponse {
        device_id: Uuid::now_v7(),
        name: "desk".into(),
        role: sync::DeviceRole::Counter,
        medical: false,
        token: "ik_test".into(),
        recognition_key: None,
    };
    sync::configure(&mut db, "https://store.local:8443", Some("AA"), &paired).unwrap();
    sync::record_attempt(
        &db,
        Some("cannot reach the store at https://store.local:8443"),
    )
    .unwrap();
    h.check_in(7); // queued for the store now
    h.tick(Duration::from_secs(1));
    let status = sync::status(db.conn()).unwrap();
    let (words, warn) = sync_words(h.counter.words(), &status);
    assert!(warn);
    assert!(status.pending > 0);
    assert_eq!(
        words,
        format!(
            "Working offline — will sync · {} waiting to send",
            status.pending
        )
    );
    assert!(h.shows(&words), "{words}");
}

#[test]
fn staff_are_signed_out_after_five_quiet_minutes() {
    let mut h = Harness::new();
    h.pin("246810");
    h.tick(IDLE_SIGN_OUT - Duration::from_secs(1));
    assert!(h.counter.signed_in().is_some());
    h.tick(Duration::from_secs(2));
    assert!(h.counter.signed_in().is_none());
    assert!(h.shows("Staff sign-in"));
}

#[test]
fn the_pads_lock_survives_a_restart() {
    let mut h = Harness::new();
    for _ in 0..5 {
        h.pin("000000");
    }
    assert!(h.shows("Too many wrong PINs. Try again in a minute."));
    // A new counter program on the same data directory: still locked.
    h.counter = Counter::new(h.other(), "desk-test");
    h.now = Instant::now();
    h.tick(Duration::ZERO);
    {
        let mut ui = h.ui();
        ui.click("2").unwrap();
        assert_eq!(
            ui.into_messages().count(),
            0,
            "the keys are off while locked"
        );
    }
    h.tick(Duration::from_secs(61));
    h.pin("246810");
    assert_eq!(h.counter.signed_in().unwrap().name, "olive");
}
