//! A returning customer finds themselves by birthdate and phone (the birthdate first: it is
//! always eight digits, so the keyboard moves on to the phone by itself), or learns they
//! were not found. What was found shows on the summary (`review.rs`).
//!
//! Privacy: the summary shows masked words of fixed length, and after "Yes, that's me" the
//! e-mail, address and contacts on file stay masked unless the customer changes them, so
//! knowing someone's phone and birthdate shows neither where they live nor whom they call.
//! Misses are counted in the database against this kiosk: a few, then a pause that grows,
//! and a restart does not reset it.

use iced::widget::{column, text};
use intake_common::customer::Field;
use intake_common::{Error, release, throttle};

use crate::app::Kiosk;
use crate::form::Input;
use crate::i18n::{Msg, Words};
use crate::theme;

use super::{El, Screen, Step, big_button};

/// Misses allowed before the lookup pauses (one minute, then longer each time).
pub const LOOKUP_MISSES: u32 = 5;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// "I've been here before" (`true`) or "I'm new here".
    BeenHere(bool),
    Find,
    /// From "We couldn't find you" on to the form, with what was typed kept.
    Continue,
}

impl Kiosk {
    pub(crate) fn lookup(&mut self, message: Message) {
        match message {
            Message::BeenHere(returning) => {
                self.begin();
                self.lookup_paused = None;
                self.go_to(if returning {
                    Screen::Lookup
                } else {
                    Screen::Step(Step::About)
                });
            }
            Message::Find => self.find(),
            Message::Continue => self.go_to(Screen::Step(Step::About)),
        }
    }

    /// The throttle key of this kiosk's lookups.
    fn lookup_key(&self) -> String {
        format!("kiosk-lookup:{}", self.options.device)
    }

    fn find(&mut self) {
        let today = self.today();
        let bad = [Input::LookupPhone, Input::LookupBirthdate]
            .into_iter()
            .filter(|i| self.form.check(*i, self.lang, today).is_some())
            .count();
        if bad > 0 {
            return;
        }
        let phone = self.form.value(Input::LookupPhone).to_owned();
        let Some(birthdate) = self.form.date(Input::LookupBirthdate, self.lang) else {
            return;
        };
        let key = self.lookup_key();
        let key = throttle::Key {
            key: &key,
            allowed: LOOKUP_MISSES,
        };
        let now = self.wall();
        let found = (|| {
            let tx = self.db().conn().begin_read()?;
            throttle::reserve(&tx, &[key], now)?;
            let found = release::find_returning(&tx, &phone, birthdate)?;
            if found.is_some() {
                // A hit is not a miss; earlier misses still count.
                throttle::release(&tx, key)?;
            }
            tx.commit()?;
            Ok::<_, Error>(found)
        })();
        let digits = self.form.value(Input::LookupBirthdate).to_owned();
        self.focus = None;
        match found {
            Err(Error::Throttled { retry_after_secs }) => {
                tracing::warn!(retry_after_secs, "kiosk lookups paused after misses");
                self.lookup_paused = Some(retry_after_secs);
            }
            found => {
                self.clear_lookup();
                match found {
                    // On file, masked: the summary asks whether it is them before anything
                    // else, and what stays hidden stays hidden after.
                    Ok(Some(r)) => {
                        self.form.prefill(&r, self.lang);
                        self.go_to(Screen::Recap);
                    }
                    Ok(None) => self.screen = Screen::NoMatch,
                    Err(e) => {
                        tracing::error!("returning-customer lookup failed: {e}");
                        self.screen = Screen::NoMatch;
                    }
                }
            }
        }
        // What was typed goes on into the form whatever the answer: a new customer, or one
        // not found, does not type it twice, and one found keeps it as typed (it matches).
        self.form.set(Input::Profile(Field::PhoneNumber), &phone);
        self.form.set(Input::Profile(Field::Birthdate), &digits);
    }

    fn clear_lookup(&mut self) {
        self.form.set(Input::LookupPhone, "");
        self.form.set(Input::LookupBirthdate, "");
        self.lookup_paused = None;
    }

    pub(super) fn lookup_view<'a>(&'a self, s: Words<'a>) -> El<'a> {
        let mut col = column![
            text(s.get(Msg::FindTitle)).size(theme::HEADING_SIZE),
            text(s.get(Msg::FindHint))
                .size(theme::BODY_SIZE)
                .style(theme::muted),
            self.field(Input::LookupBirthdate, s),
            self.field(Input::LookupPhone, s),
        ]
        .spacing(20);
        match self.lookup_paused {
            Some(secs) => {
                col = col.push(
                    text(s.lookup_paused(secs.div_ceil(60)))
                        .size(theme::BODY_SIZE)
                        .style(theme::error),
                );
                col = col.push(big_button(
                    s.get(Msg::NoNew),
                    crate::app::Message::Lookup(Message::BeenHere(false)),
                    false,
                ));
            }
            None => {
                col = col.push(big_button(
                    s.get(Msg::Find),
                    crate::app::Message::Lookup(Message::Find),
                    true,
                ));
            }
        }
        col.into()
    }

    pub(super) fn no_match_view<'a>(&'a self, s: Words<'a>) -> El<'a> {
        column![
            text(s.get(Msg::NoMatch)).size(theme::HEADING_SIZE),
            text(s.get(Msg::NoMatchHint))
                .size(theme::BODY_SIZE)
                .style(theme::muted),
            big_button(
                s.get(Msg::Next),
                crate::app::Message::Lookup(Message::Continue),
                true
            ),
        ]
        .spacing(28)
        .into()
    }
}
