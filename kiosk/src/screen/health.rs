//! The health questions: asked every visit, returning customers included.

use iced::Fill;
use iced::widget::{column, container, row, text};
use intake_common::settings::Details;

use crate::app::Kiosk;
use crate::form::{Input, Problem, Spot};
use crate::i18n::{Msg, Words};
use crate::theme;

use super::{El, big_button, choice_button, reveal};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message {
    /// Question `0`, answered yes or no.
    Answer(usize, bool),
    /// "None of these apply to me": every question answered no, and on to the release.
    NoneApply,
}

impl Kiosk {
    pub(crate) fn health(&mut self, message: Message) {
        let (i, yes) = match message {
            Message::Answer(i, yes) => (i, yes),
            Message::NoneApply => {
                for i in 0..self.form.health.len() {
                    self.health(Message::Answer(i, false));
                }
                self.next();
                return;
            }
        };
        if let Some(a) = self.form.health.get_mut(i) {
            *a = Some(yes);
            self.form.problems.remove(&Spot::Question(i));
            if !yes {
                self.form.set(Input::HealthDetails(i), "");
                self.form
                    .problems
                    .remove(&Spot::Input(Input::HealthDetails(i)));
            }
        }
    }

    /// The "tell us more" fields of the questions answered yes.
    pub(super) fn health_inputs(&self) -> Vec<Input> {
        self.settings
            .questions
            .iter()
            .enumerate()
            .filter(|(i, q)| {
                q.details != Details::None && self.form.health.get(*i) == Some(&Some(true))
            })
            .map(|(i, _)| Input::HealthDetails(i))
            .collect()
    }

    pub(super) fn check_health(&mut self) -> bool {
        let mut ok = true;
        for (i, q) in self.settings.questions.iter().enumerate() {
            match self.form.health[i] {
                None => {
                    self.form
                        .problems
                        .insert(Spot::Question(i), Problem::Answer);
                    ok = false;
                }
                Some(true)
                    if q.details == Details::Required
                        && self.form.value(Input::HealthDetails(i)).trim().is_empty() =>
                {
                    self.form
                        .problems
                        .insert(Spot::Input(Input::HealthDetails(i)), Problem::Details);
                    ok = false;
                }
                _ => {}
            }
        }
        let details = self.health_inputs();
        self.check_inputs(&details) && ok
    }

    pub(super) fn health_view<'a>(&'a self, s: Words<'a>) -> El<'a> {
        let mut col = column![
            text(s.get(Msg::HealthHint))
                .size(theme::LABEL_SIZE)
                .style(theme::muted),
            big_button(
                s.get(Msg::HealthNoneApply),
                crate::app::Message::Health(Message::NoneApply),
                false
            ),
        ]
        .spacing(16);
        for (i, q) in self.settings.questions.iter().enumerate() {
            let answer = self.form.health.get(i).copied().flatten();
            let answer_with = |yes| crate::app::Message::Health(Message::Answer(i, yes));
            let mut card = column![
                text(q.text.get(self.lang)).size(theme::BODY_SIZE),
                row![
                    choice_button(s.get(Msg::Yes), answer == Some(true), answer_with(true)),
                    choice_button(s.get(Msg::No), answer == Some(false), answer_with(false)),
                ]
                .spacing(16),
            ]
            .spacing(12);
            if answer == Some(true) && q.details != Details::None {
                card = card.push(self.field(Input::HealthDetails(i), s));
            }
            if let Some(problem) = self.problem_slot(Spot::Question(i), s) {
                card = card.push(problem);
            }
            col = col.push(
                container(card)
                    .padding(20)
                    .width(Fill)
                    .style(theme::panel)
                    .id(reveal::id(reveal::Target::Spot(Spot::Question(i)))),
            );
        }
        col.into()
    }
}
