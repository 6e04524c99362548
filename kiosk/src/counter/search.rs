//! Finding a customer by name, e-mail or phone (case, accents and spacing never matter).

use iced::widget::{button, column, container, scrollable, text};
use iced::{Element, Fill};
use intake_common::counter;
use intake_common::customer::Field;

use super::typing::Input;
use super::widgets::field;
use super::words::{CounterMsg, Words};
use super::{Counter, Message};
use crate::drag::drag;
use crate::theme;

impl Counter {
    pub(super) fn search(&mut self) {
        let Some(actor) = &self.actor else { return };
        match counter::search(&self.db, actor, &self.query, 30) {
            Ok(found) => self.results = found,
            Err(e) => self.problem(&e),
        }
    }

    pub(super) fn search_view<'a>(&'a self, w: Words<'a>) -> Element<'a, Message> {
        let mut results = column![].spacing(8);
        for c in &self.results {
            let p = &c.profile;
            let line = format!(
                "{}   {}   {}",
                p.display_name(),
                p.get(Field::PhoneNumber).unwrap_or_default(),
                p.get(Field::Birthdate).unwrap_or_default()
            );
            results = results.push(
                button(text(line).size(theme::LABEL_SIZE))
                    .width(Fill)
                    .padding([12, 16])
                    .on_press(Message::Open(c.id))
                    .style(theme::key),
            );
        }
        if !self.query.trim().is_empty() && self.results.is_empty() {
            results = results.push(
                text(w.get(CounterMsg::NoMatch))
                    .size(theme::LABEL_SIZE)
                    .style(theme::muted),
            );
        }
        container(
            column![
                text(w.get(CounterMsg::Find)).size(theme::BODY_SIZE),
                field(
                    w.get(CounterMsg::FindHint),
                    &self.query,
                    Input::Search,
                    self.focus == Some(Input::Search)
                ),
                drag(scrollable(results).height(Fill)),
            ]
            .spacing(12),
        )
        .padding(12)
        .style(theme::panel)
        .height(Fill)
        .into()
    }
}
