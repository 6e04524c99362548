//! The sign-in page: the PIN pad, its lock after wrong PINs, and signing in.

use iced::widget::{column, container, row, text};
use iced::{Alignment, Element, Fill};
use intake_common::{Actor, Error, users};

use super::words::{CounterMsg, Words};
use super::{Counter, Message, Notice};
use crate::theme;

/// A key of the PIN pad: wide and tall enough for a thumb.
const KEY_WIDTH: f32 = 120.0;

impl Counter {
    /// The pad's device name, as its throttle and audit rows know it.
    fn pad(&self) -> String {
        format!("counter:{}", self.device)
    }

    /// Reads the pad's lock from the database.
    pub(super) fn refresh_lock(&mut self) {
        match users::pinpad_locked_until(self.db.conn(), &self.pad(), self.wall()) {
            Ok(until) => self.locked_until = until,
            Err(e) => tracing::warn!(error = %e, "cannot read the PIN pad's lock"),
        }
    }

    /// Signs `actor` in directly (staff who already gave their PIN at the kiosk's menu).
    pub fn sign_in_as(&mut self, actor: Actor) {
        self.actor = Some(actor);
        self.last_touch = self.now;
        self.seen_version = None;
        self.refresh_check_ins();
    }

    pub(super) fn submit_pin(&mut self) {
        if self.locked_until.is_some() {
            return;
        }
        let pin = std::mem::take(&mut self.pin);
        match users::sign_in_by_pin_at(&self.db, &pin, &self.pad(), self.wall()) {
            Ok(actor) => {
                tracing::info!(user = %actor.name, "signed in at the counter");
                self.notice = None;
                self.sign_in_as(actor);
            }
            Err(Error::BadCredentials) => {
                self.notice = Some(Notice::problem(CounterMsg::PinWrong));
            }
            Err(Error::Throttled { .. }) => {
                self.refresh_lock();
                self.notice = Some(Notice::problem(CounterMsg::PinLocked));
            }
            Err(e) => self.problem(&e),
        }
    }

    pub(super) fn sign_in_view<'a>(&'a self, w: Words<'a>) -> Element<'a, Message> {
        let dots = "●".repeat(self.pin.len());
        let locked = self.locked_until.is_some();
        let key = |label: String, msg: Message| {
            iced::widget::button(text(label).size(theme::BODY_SIZE).center().width(Fill))
                .width(KEY_WIDTH)
                .height(theme::TOUCH)
                .padding([14, 8])
                .style(theme::key)
                .on_press_maybe((!locked).then_some(msg))
        };
        let mut pad = column![].spacing(8);
        for keys in [['1', '2', '3'], ['4', '5', '6'], ['7', '8', '9']] {
            let mut r = row![].spacing(8);
            for k in keys {
                r = r.push(key(k.to_string(), Message::PinDigit(k)));
            }
            pad = pad.push(r);
        }
        pad = pad.push(
            row![
                key(
                    w.get(CounterMsg::KeyDelete).into_owned(),
                    Message::PinBackspace
                ),
                key("0".into(), Message::PinDigit('0')),
                key(w.get(CounterMsg::Ok).into_owned(), Message::PinSubmit),
            ]
            .spacing(8),
        );
        container(
            column![
                text(w.get(CounterMsg::SignIn)).size(theme::HEADING_SIZE),
                text(w.get(CounterMsg::EnterPin))
                    .size(theme::BODY_SIZE)
                    .style(theme::muted),
                text(dots).size(theme::HEADING_SIZE),
                pad,
            ]
            .spacing(16)
            .align_x(Alignment::Center),
        )
        .center_x(Fill)
        .center_y(Fill)
        .into()
    }
}
