//! Drives the real kiosk headless through iced's simulator, as a person would: every tap
//! lands on a widget found by its words on screen (a key of the on-screen keyboard, a
//! button), only if it is visible, and the messages it produces go through the real
//! `update`, against a real SQLite database. Taps are counted, for the flow benchmark.

#![allow(dead_code, clippy::unwrap_used, clippy::new_without_default)] // shared by the tests and the benchmark

use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate};
use iced::Size;
use iced_test::selector::Candidate;
use iced_test::simulator::Simulator;
use intake_common::Db;
use intake_common::settings::Settings;
use intake_kiosk::form::Input;
use intake_kiosk::keyboard::{KeyPage, Layout, MAIL_DOMAINS};
use intake_kiosk::pad::{PadEvent, PadId};
use intake_kiosk::screen::signature;
use intake_kiosk::{Kiosk, Message, Options};

pub const LANDSCAPE: Size = Size::new(1280.0, 800.0);
pub const PORTRAIT: Size = Size::new(800.0, 1280.0);

#[allow(missing_debug_implementations)] // holds the kiosk, which prints no personal data
pub struct Harness {
    pub kiosk: Kiosk,
    pub size: Size,
    pub dir: tempfile::TempDir,
    pub now: Instant,
    /// Taps so far: buttons, fields and keys, each one touch of a finger.
    pub taps: u32,
    /// Of the taps, those on the on-screen keyboard.
    pub key_taps: u32,
    /// Signatures drawn so far.
    pub signatures: u32,
    /// The words of the release as the signer was shown it (title and their clauses).
    pub release_words: usize,
}

impl Harness {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open_dir(dir.path()).unwrap();
        Self::with_db(db, dir)
    }

    pub fn with_db(db: Db, dir: tempfile::TempDir) -> Self {
        Self::with_settings(db, dir, Settings::defaults())
    }

    pub fn with_settings(db: Db, dir: tempfile::TempDir, settings: Settings) -> Self {
        let options = Options {
            windowed: false,
            device: "lobby-test".into(),
            exit_after_first_frame: None,
            today: Some(today()),
            phone_roots: Default::default(),
        };
        let mut kiosk = Kiosk::new(db, settings, options).unwrap();
        let now = Instant::now();
        let _ = kiosk.update(Message::Tick(now));
        let _ = kiosk.update(Message::Resized(LANDSCAPE));
        Self {
            kiosk,
            size: LANDSCAPE,
            dir,
            now,
            taps: 0,
            key_taps: 0,
            signatures: 0,
            release_words: 0,
        }
    }

    pub fn ui(&self) -> Simulator<'_, Message> {
        Simulator::with_size(iced::Settings::default(), self.size, self.kiosk.view())
    }

    /// Taps the first visible widget showing `label`, then runs what the tap produced.
    pub fn tap(&mut self, label: &str) {
        let messages: Vec<Message> = {
            let mut ui = self.ui();
            let wanted = label.to_owned();
            let at = ui
                .find(move |c: Candidate<'_>| match c {
                    Candidate::Text {
                        content,
                        visible_bounds: Some(visible),
                        ..
                    } if content == wanted => Some(visible.center()),
                    _ => None,
                })
                .unwrap_or_else(|e| {
                    panic!(
                        "cannot tap {label:?} on {:?} (focus {:?}): {e}",
                        self.kiosk.screen, self.kiosk.focus
                    )
                });
            ui.point_at(at);
            let _ = ui.simulate(iced_test::simulator::click());
            ui.into_messages().collect()
        };
        assert!(!messages.is_empty(), "tapping {label:?} did nothing");
        self.taps += 1;
        for m in messages {
            let _ = self.kiosk.update(m);
        }
    }

    pub fn send(&mut self, message: Message) {
        let _ = self.kiosk.update(message);
    }

    pub fn sees(&self, text: &str) -> bool {
        self.ui().find(text).is_ok()
    }

    /// Whether any text on screen contains `needle`.
    pub fn shows_anywhere(&self, needle: &str) -> bool {
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

    /// Gives `input` the keyboard the cheapest way a person would: Next when it is the
    /// field after the one being typed in, otherwise a tap on the field.
    pub fn reach(&mut self, input: Input) {
        if self.kiosk.focus == Some(input) {
            return;
        }
        if self.kiosk.focus.is_some() && self.kiosk.next_input() == Some(input) {
            let next = self
                .kiosk
                .words()
                .get(intake_kiosk::i18n::Msg::KeyNext)
                .into_owned();
            self.tap(&next);
        } else {
            // A tap on the field: the field is a button sending exactly this.
            self.taps += 1;
            self.send(Message::Focus(input));
        }
        assert_eq!(self.kiosk.focus, Some(input));
    }

    /// Types `text` into `input` on the on-screen keyboard, key by key (clearing what was
    /// there first), and leaves the keyboard open on it.
    pub fn type_keys(&mut self, input: Input, text: &str) {
        self.reach(input);
        let before = self.taps;
        let words = self.kiosk.words();
        let (delete, shift, digits, letters, space) = {
            use intake_kiosk::i18n::Msg;
            (
                words.get(Msg::KeyDelete).into_owned(),
                words.get(Msg::KeyShift).into_owned(),
                words.get(Msg::KeyDigits).into_owned(),
                words.get(Msg::KeyLetters).into_owned(),
                words.get(Msg::KeySpace).into_owned(),
            )
        };
        for _ in 0..self.kiosk.form.value(input).chars().count() {
            self.tap(&delete);
        }
        let layout = input.layout();
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            // A mail domain chip finishes an e-mail in one tap.
            if layout == Layout::Email
                && let Some(domain) = MAIL_DOMAINS
                    .iter()
                    .find(|d| rest.strip_prefix('@') == Some(**d))
            {
                self.tap(&format!("@{domain}"));
                break;
            }
            rest = &rest[c.len_utf8()..];
            if c == ' ' {
                self.tap(&space);
                continue;
            }
            if layout.is_numeric() || c.is_ascii_digit() {
                self.tap(&c.to_string());
                continue;
            }
            let on_letters = c.is_alphabetic()
                && "qwertyuiopasdfghjklñzxcvbnm".contains(c.to_lowercase().next().unwrap())
                || c == '.'
                || (c == '@' && layout == Layout::Email)
                || (c == '-' && layout != Layout::Email);
            let page = if on_letters {
                KeyPage::Letters
            } else {
                KeyPage::Symbols
            };
            if self.kiosk.keys.page != page {
                self.tap(if page == KeyPage::Symbols {
                    &digits
                } else {
                    &letters
                });
            }
            if c.is_alphabetic() && page == KeyPage::Letters {
                if c.is_uppercase() != self.kiosk.keys.shift && !matches!(input, Input::Initials) {
                    self.tap(&shift);
                }
                let shown = if self.kiosk.keys.shift {
                    c.to_uppercase().to_string()
                } else {
                    c.to_lowercase().to_string()
                };
                self.tap(&shown);
            } else {
                self.tap(&c.to_string());
            }
        }
        self.key_taps += self.taps - before;
        let expected = if matches!(input, Input::Initials | Input::GuardianInitials) {
            text.to_uppercase()
        } else {
            text.to_owned()
        };
        assert_eq!(
            self.kiosk.form.value(input),
            expected,
            "typing into {input:?}"
        );
    }

    /// Closes the keyboard with Done.
    pub fn done(&mut self) {
        let done = self
            .kiosk
            .words()
            .get(intake_kiosk::i18n::Msg::KeyDone)
            .into_owned();
        self.tap(&done);
    }

    /// Types `text` into `input` and closes the keyboard.
    pub fn type_into(&mut self, input: Input, text: &str) {
        self.type_keys(input, text);
        self.done();
    }

    /// Types each value in turn, moving on with Next, and closes the keyboard after the
    /// last: how a person fills a screen.
    pub fn fill(&mut self, values: &[(Input, &str)]) {
        for (input, text) in values {
            self.type_keys(*input, text);
        }
        self.done();
    }

    pub fn advance(&mut self, secs: u64) {
        self.now += Duration::from_secs(secs);
        self.send(Message::Tick(self.now));
    }

    /// One signature: a few strokes of a finger, counted as one "tap" of about five seconds.
    pub fn sign(&mut self, pad: PadId) {
        let send = |h: &mut Self, e| h.send(Message::Sign(signature::Message::Pad(pad, e)));
        send(
            self,
            PadEvent::Begin {
                at: (40.0, 200.0),
                size: (900.0, 280.0),
            },
        );
        for i in 1..30 {
            let x = 40.0 + i as f32 * 20.0;
            let y = 200.0 - (i as f32 * 0.7).sin() * 60.0;
            send(self, PadEvent::To((x, y)));
        }
        send(self, PadEvent::End);
        self.signatures += 1;
    }

    pub fn snapshot(&self, name: &str) {
        self.snapshot_of(self.ui(), name);
    }

    /// Compares the screen as `ui` shows it (scrolled, say) with its snapshot.
    pub fn snapshot_of(&self, mut ui: Simulator<'_, Message>, name: &str) {
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

    pub fn count(&self, table: &str) -> i64 {
        self.kiosk
            .db()
            .conn()
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    }
}

/// A date typed on the keypad in English order (MMDDYYYY).
pub fn digits(date: NaiveDate) -> String {
    date.format("%m%d%Y").to_string()
}

/// The kiosk's date in these tests, fixed so screens showing an age never change.
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
}

pub fn years_ago(years: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(today().year() - years, 1, 15).unwrap()
}
