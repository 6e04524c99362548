//! The release: the customer adopts their initials once (prefilled from their name), then
//! places them on each clause that asks for them with one tap, as e-signature products do;
//! each placement is recorded against its clause. Clauses confirmed by a tick are ticked.
//! The signature pads close the page, as a signature closes a paper release.

use iced::widget::{button, column, container, row, text};
use iced::{Alignment, Fill};
use intake_common::settings::Confirm;

use crate::app::Kiosk;
use crate::form::{Input, Problem, Spot};
use crate::i18n::{Msg, Words};
use crate::theme;

use super::{El, choice_button, reveal};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message {
    /// A tap on clause `0`'s confirmation: places (or takes back) the initials, or ticks.
    Confirm(usize),
}

impl Kiosk {
    pub(crate) fn release(&mut self, message: Message) {
        let Message::Confirm(i) = message;
        let Some(clause) = self.settings.template.clauses.get(i) else {
            return;
        };
        let placing = !self.form.confirmed.get(i).copied().unwrap_or(false);
        if placing && clause.confirm == Confirm::Initials {
            let (lang, today) = (self.lang, self.today());
            if self.form.check(Input::Initials, lang, today).is_some() {
                // Nothing to place yet: the initials field says so, in view.
                self.scroll = Some(reveal::Target::Input(Input::Initials));
                return;
            }
        }
        if let Some(c) = self.form.confirmed.get_mut(i) {
            *c = placing;
            self.form.problems.remove(&Spot::Clause(i));
        }
    }

    /// On the way into the release: initials suggested from the name, if none yet.
    pub(crate) fn suggest_initials(&mut self) {
        if self.form.value(Input::Initials).is_empty() {
            let initials = self.suggested_initials();
            self.form.set(Input::Initials, &initials);
        }
    }

    pub(super) fn check_release(&mut self) -> bool {
        let mut ok = true;
        let mut initials = false;
        for (i, c) in self.settings.template.clauses.iter().enumerate() {
            initials |= c.confirm == Confirm::Initials;
            if !self.form.confirmed.get(i).copied().unwrap_or(false) {
                let problem = match c.confirm {
                    Confirm::Initials => Problem::Initials,
                    Confirm::Tick => Problem::Tick,
                };
                self.form.problems.insert(Spot::Clause(i), problem);
                ok = false;
            }
        }
        if initials {
            ok &= self.check_inputs(&[Input::Initials]);
        }
        self.check_signature() && ok
    }

    pub(super) fn release_view<'a>(&'a self, s: Words<'a>) -> El<'a> {
        let template = &self.settings.template;
        let mut col = column![
            text(template.title.get(self.lang)).size(theme::BODY_SIZE),
            text(s.get(Msg::ReleaseHint))
                .size(theme::LABEL_SIZE)
                .style(theme::muted),
        ]
        .spacing(16);
        if let Some(age) = self.age() {
            col = col.push(text(s.age_line(age)).size(theme::LABEL_SIZE));
        }
        if template
            .clauses
            .iter()
            .any(|c| c.confirm == Confirm::Initials)
        {
            col = col.push(
                container(
                    column![
                        text(s.get(Msg::AdoptInitials)).size(theme::LABEL_SIZE),
                        container(self.field(Input::Initials, s)).max_width(320),
                    ]
                    .spacing(8),
                )
                .padding(20)
                .width(Fill)
                .style(theme::panel),
            );
        }
        for (i, clause) in template.clauses.iter().enumerate() {
            let confirmed = self.form.confirmed.get(i).copied().unwrap_or(false);
            let tap = crate::app::Message::Release(Message::Confirm(i));
            let confirm: El<'_> = match clause.confirm {
                Confirm::Initials => {
                    let label = if confirmed {
                        format!("{} ✓", self.form.value(Input::Initials))
                    } else {
                        s.get(Msg::PlaceInitials).into_owned()
                    };
                    button(text(label).size(theme::BODY_SIZE).center().width(Fill))
                        .width(240)
                        .height(theme::TOUCH)
                        .padding([12, 16])
                        .style(theme::choice(confirmed))
                        .on_press(tap)
                        .into()
                }
                Confirm::Tick => choice_button(
                    s.get(if confirmed { Msg::Agreed } else { Msg::Agree }),
                    confirmed,
                    tap,
                ),
            };
            let mut confirm = column![confirm].spacing(8);
            if let Some(p) = self.form.problems.get(&Spot::Clause(i)) {
                confirm = confirm.push(
                    text(s.get(p.message()))
                        .size(theme::LABEL_SIZE)
                        .style(theme::error),
                );
            }
            let body = text(clause.text.get(self.lang)).size(theme::BODY_SIZE);
            let card: El<'_> = if self.narrow() {
                column![body, confirm].spacing(12).into()
            } else {
                row![container(body).width(Fill), confirm.width(260)]
                    .spacing(20)
                    .align_y(Alignment::Start)
                    .into()
            };
            col = col.push(
                container(card)
                    .padding(20)
                    .width(Fill)
                    .style(theme::panel)
                    .id(reveal::id(reveal::Target::Spot(Spot::Clause(i)))),
            );
        }
        // Signed at the foot, as on paper.
        col.push(self.signature_view(s)).into()
    }
}
