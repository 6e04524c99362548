//! The sign-in page: the PIN on the shared keyboard's number pad, its lock after wrong
//! PINs, and signing in.

use iced::widget::{column, container, text};
use iced::{Alignment, Element, Fill};
use intake_common::{Actor, Error, users};

use super::words::{CounterMsg, Words};
use super::{Counter, Message, Notice};
use crate::theme;

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
        container(
            column![
                text(w.get(CounterMsg::SignIn)).size(theme::HEADING_SIZE),
                text(w.get(CounterMsg::EnterPin))
                    .size(theme::BODY_SIZE)
                    .style(theme::muted),
                text(dots).size(theme::HEADING_SIZE),
                self.pin_pad(w),
            ]
            .spacing(16)
            .align_x(Alignment::Center),
        )
        .center_x(Fill)
        .center_y(Fill)
        .into()
    }
}
