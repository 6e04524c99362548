//! The release: the customer adopts their initials once (prefilled from their name), then
//! places them on each clause that asks for them with one tap, as e-signature products do;
//! each placement is recorded against its clause. Clauses confirmed by a tick are ticked,
//! an optional clause (photo consent) is answered Yes or No, and a minor's parent or
//! guardian places their own initials on the guardian's clauses. Only the clauses for the
//! signer's age show. The signature pads close the page, as on a paper release.

use iced::widget::{Button, button, column, container, row, text};
use iced::{Alignment, Fill};
use intake_common::customer::Field;
use intake_common::settings::{Audience, Clause, Confirm};

use crate::app::Kiosk;
use crate::form::{Input, Problem, Spot};
use crate::i18n::{Msg, Words};
use crate::theme;

use super::{El, reveal};

/// The width of the column a clause's answer sits in, beside its text.
const CONFIRM_WIDTH: f32 = 260.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message {
    /// A tap on required clause `0`'s confirmation: places (or takes back) the initials,
    /// or ticks.
    Confirm(usize),
    /// An optional clause accepted (`true`) or declined.
    Choose(usize, bool),
}

impl Kiosk {
    pub(crate) fn release(&mut self, message: Message) {
        let (i, answer) = match message {
            Message::Confirm(i) => {
                let placing = self.form.clauses.get(i).copied().flatten() != Some(true);
                (i, placing.then_some(true))
            }
            Message::Choose(i, yes) => (i, Some(yes)),
        };
        let Some(clause) = self.settings.template.clauses.get(i) else {
            return;
        };
        if answer == Some(true) && clause.confirm == Confirm::Initials {
            let input = Input::initials_for(clause);
            let (lang, today) = (self.lang, self.today());
            if self.form.check(input, lang, today).is_some() {
                // Nothing to place yet: the initials field says so, in view.
                self.scroll = Some(reveal::Target::Input(input));
                return;
            }
        }
        if let Some(c) = self.form.clauses.get_mut(i) {
            *c = answer;
            self.form.problems.remove(&Spot::Clause(i));
        }
    }

    /// The clauses this signer is shown, numbered as in the template: a minor never sees
    /// an adult's clause, and sees the guardian's.
    pub fn shown_clauses(&self) -> impl Iterator<Item = (usize, &Clause)> {
        let minor = self.is_minor();
        self.settings
            .template
            .clauses
            .iter()
            .enumerate()
            .filter(move |(_, c)| c.audience.shown_to(minor))
    }

    /// The initials fields this signer needs: theirs, and the guardian's for a minor.
    pub(super) fn initials_inputs(&self) -> Vec<Input> {
        let mut inputs: Vec<Input> = self
            .shown_clauses()
            .filter(|(_, c)| c.confirm == Confirm::Initials && !c.optional)
            .map(|(_, c)| Input::initials_for(c))
            .collect();
        inputs.sort();
        inputs.dedup();
        inputs
    }

    /// On the way into the release: initials suggested from the names, if none yet.
    pub(crate) fn suggest_initials(&mut self) {
        let customer = [
            Input::Profile(Field::FirstName),
            Input::Profile(Field::LastName),
        ];
        for (input, from) in [
            (Input::Initials, &customer[..]),
            (Input::GuardianInitials, &[Input::GuardianName][..]),
        ] {
            if self.form.value(input).is_empty() {
                let initials = self.initials_of(from);
                self.form.set(input, &initials);
            }
        }
    }

    pub(super) fn check_release(&mut self) -> bool {
        let mut ok = true;
        let shown: Vec<(usize, bool, Confirm)> = self
            .shown_clauses()
            .map(|(i, c)| (i, c.optional, c.confirm))
            .collect();
        for (i, optional, confirm) in shown {
            let answer = self.form.clauses.get(i).copied().flatten();
            let problem = match (optional, answer) {
                (true, Some(_)) | (false, Some(true)) => continue,
                (true, None) => Problem::Answer,
                (false, _) if confirm == Confirm::Initials => Problem::Initials,
                (false, _) => Problem::Tick,
            };
            self.form.problems.insert(Spot::Clause(i), problem);
            ok = false;
        }
        let initials = self.initials_inputs();
        ok &= self.check_inputs(&initials);
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
        let initials = self.initials_inputs();
        if !initials.is_empty() {
            let fields = initials
                .into_iter()
                .map(|i| container(self.field(i, s)).width(360).into());
            col = col.push(
                container(
                    column![
                        text(s.get(Msg::AdoptInitials)).size(theme::LABEL_SIZE),
                        row(fields).spacing(16),
                    ]
                    .spacing(8),
                )
                .padding(20)
                .width(Fill)
                .style(theme::panel),
            );
        }
        for (i, clause) in self.shown_clauses() {
            col = col.push(self.clause_card(i, clause, s));
        }
        // Signed at the foot, as on paper.
        col.push(self.signature_view(s)).into()
    }

    fn clause_card<'a>(&'a self, i: usize, clause: &'a Clause, s: Words<'a>) -> El<'a> {
        let answer = self.form.clauses.get(i).copied().flatten();
        let tap = crate::app::Message::Release(Message::Confirm(i));
        let choose = |yes| crate::app::Message::Release(Message::Choose(i, yes));
        let confirm: El<'_> = match (clause.optional, clause.confirm) {
            (true, _) => row![
                confirm_button(
                    s.get(Msg::Yes).into_owned(),
                    answer == Some(true),
                    choose(true)
                )
                .width(Fill),
                confirm_button(
                    s.get(Msg::No).into_owned(),
                    answer == Some(false),
                    choose(false)
                )
                .width(Fill),
            ]
            .spacing(12)
            .width(CONFIRM_WIDTH)
            .into(),
            (false, Confirm::Initials) => {
                let label = if answer == Some(true) {
                    format!("{} ✓", self.form.value(Input::initials_for(clause)))
                } else {
                    s.get(Msg::PlaceInitials).into_owned()
                };
                confirm_button(label, answer == Some(true), tap)
                    .width(CONFIRM_WIDTH)
                    .into()
            }
            (false, Confirm::Tick) => confirm_button(
                s.get(if answer == Some(true) {
                    Msg::Agreed
                } else {
                    Msg::Agree
                })
                .into_owned(),
                answer == Some(true),
                tap,
            )
            .width(CONFIRM_WIDTH)
            .into(),
        };
        let mut confirm = column![confirm].spacing(8);
        if let Some(problem) = self.problem_slot(Spot::Clause(i), s) {
            confirm = confirm.push(problem);
        }
        let mut body = column![].spacing(6).width(Fill);
        let tag = match (clause.audience, clause.optional) {
            (Audience::Guardian, _) => Some(Msg::ForGuardian),
            (_, true) => Some(Msg::OptionalClause),
            _ => None,
        };
        if let Some(tag) = tag {
            body = body.push(
                text(s.get(tag))
                    .size(theme::SMALL_SIZE)
                    .style(theme::warning),
            );
        }
        body = body.push(text(clause.text.get(self.lang)).size(theme::BODY_SIZE));
        let card: El<'_> = if self.narrow() {
            column![body, confirm].spacing(12).into()
        } else {
            row![body, confirm.width(CONFIRM_WIDTH)]
                .spacing(20)
                .align_y(Alignment::Start)
                .into()
        };
        container(card)
            .padding(20)
            .width(Fill)
            .style(theme::panel)
            .id(reveal::id(reveal::Target::Spot(Spot::Clause(i))))
            .into()
    }
}

/// A clause's answer (initials, "I agree", Yes or No): sized by its caller to fit the
/// answers' column, the longest label (Spanish) on one line clear of the border.
fn confirm_button<'a>(
    label: String,
    selected: bool,
    message: crate::app::Message,
) -> Button<'a, crate::app::Message> {
    button(text(label).size(theme::BODY_SIZE).center().width(Fill))
        .height(theme::TOUCH)
        .padding([12, 12])
        .style(theme::choice(selected))
        .on_press(message)
}
