//! The release with its clauses, the signature pads and the review before submitting.

use std::borrow::Cow;

use iced::widget::{button, canvas, column, container, row, space, text};
use iced::{Alignment, Center, Fill, Length};
use intake_common::customer::Field;
use intake_common::settings::Confirm;

use crate::app::{Kiosk, Message};
use crate::form::{Input, Spot};
use crate::i18n::{Msg, Words};
use crate::pad::{Pad, PadEvent, PadId};
use crate::theme;

use super::{El, choice_button};

impl Kiosk {
    pub(super) fn release<'a>(&'a self, s: Words<'a>) -> El<'a> {
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
        // Only the clauses for this signer's age, numbered as in the template.
        let minor = self.is_minor();
        let shown = template.clauses.iter().enumerate();
        for (i, clause) in shown.filter(|(_, c)| c.audience.shown_to(minor)) {
            let confirm: El<'_> = match clause.confirm {
                Confirm::Initials => container(self.field(Input::Initials(i), s))
                    .width(240)
                    .into(),
                Confirm::Tick => {
                    let ticked = self.form.ticks.get(i).copied().unwrap_or(false);
                    let mut c = column![choice_button(
                        s.get(if ticked { Msg::Agreed } else { Msg::Agree }),
                        ticked,
                        Message::ToggleClause(i)
                    )];
                    if let Some(p) = self.form.problems.get(&Spot::Clause(i)) {
                        c = c.push(
                            text(s.get(p.message()))
                                .size(theme::LABEL_SIZE)
                                .style(theme::error),
                        );
                    }
                    c.into()
                }
            };
            let body = text(clause.text.get(self.lang)).size(theme::BODY_SIZE);
            let card: El<'_> = if self.narrow() {
                column![body, confirm].spacing(12).into()
            } else {
                row![container(body).width(Fill), confirm]
                    .spacing(20)
                    .align_y(Alignment::Start)
                    .into()
            };
            col = col.push(container(card).padding(20).width(Fill).style(theme::panel));
        }
        if self.is_minor() {
            col = col.push(
                container(
                    column![
                        text(s.get(Msg::MinorTitle))
                            .size(theme::BODY_SIZE)
                            .style(theme::warning),
                        text(s.get(Msg::MinorHint)).size(theme::LABEL_SIZE),
                        self.grid(vec![Input::GuardianName, Input::GuardianRelation], s),
                    ]
                    .spacing(12),
                )
                .padding(20)
                .width(Fill)
                .style(theme::panel),
            );
        }
        col.into()
    }

    pub(super) fn signature<'a>(&'a self, s: Words<'a>) -> El<'a> {
        let mut col = column![self.pad(PadId::Customer, s.get(Msg::SignHere), s)].spacing(24);
        if self.is_minor() {
            col = col.push(self.pad(PadId::Guardian, s.get(Msg::GuardianSignHere), s));
        }
        col.into()
    }

    fn pad<'a>(&'a self, id: PadId, label: Cow<'a, str>, s: Words<'a>) -> El<'a> {
        let (pad, spot, on_event): (_, _, fn(PadEvent) -> Message) = match id {
            PadId::Customer => (&self.form.customer_pad, Spot::CustomerPad, |e| {
                Message::Pad(PadId::Customer, e)
            }),
            PadId::Guardian => (&self.form.guardian_pad, Spot::GuardianPad, |e| {
                Message::Pad(PadId::Guardian, e)
            }),
        };
        let mut col = column![
            row![
                text(label).size(theme::BODY_SIZE),
                space().width(Fill),
                button(text(s.get(Msg::Clear)).size(theme::LABEL_SIZE).center())
                    .height(theme::TOUCH)
                    .padding([16, 28])
                    .style(theme::secondary)
                    .on_press(Message::ClearPad(id)),
            ]
            .align_y(Center),
            canvas(Pad {
                strokes: &pad.strokes,
                on_event: Some(on_event),
                drawn_at: None,
            })
            .width(Fill)
            .height(if self.is_minor() { 200 } else { 280 }),
        ]
        .spacing(8);
        if let Some(p) = self.form.problems.get(&spot) {
            col = col.push(
                text(s.get(p.message()))
                    .size(theme::LABEL_SIZE)
                    .style(theme::error),
            );
        }
        col.into()
    }

    pub(super) fn review<'a>(&'a self, s: Words<'a>) -> El<'a> {
        let profile = self.form.profile(self.lang);
        let line = |label: Cow<'a, str>, value: String| -> El<'a> {
            row![
                text(label)
                    .size(theme::LABEL_SIZE)
                    .style(theme::muted)
                    .width(260),
                text(value).size(theme::BODY_SIZE),
            ]
            .spacing(16)
            .into()
        };
        let get = |f: Field| profile.get(f).unwrap_or_default().to_owned();
        let name = [Field::FirstName, Field::MiddleName, Field::LastName]
            .map(get)
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let address = [
            Field::Street,
            Field::Street2,
            Field::City,
            Field::State,
            Field::PostalCode,
            Field::Country,
        ]
        .map(get)
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
        let yes: Vec<String> = self
            .settings
            .questions
            .iter()
            .enumerate()
            .zip(&self.form.health)
            .filter(|(_, a)| **a == Some(true))
            .map(|((i, q), _)| {
                let details = self.form.value(Input::HealthDetails(i)).trim();
                if details.is_empty() {
                    q.text.get(self.lang).to_owned()
                } else {
                    format!("{} — {details}", q.text.get(self.lang))
                }
            })
            .collect();
        let mut col = column![
            text(s.get(Msg::ReviewHint))
                .size(theme::LABEL_SIZE)
                .style(theme::muted),
            line(s.get(Msg::Name), name),
            line(
                s.get(Msg::Birthdate),
                self.form.display(Input::Profile(Field::Birthdate))
            ),
            line(s.get(Msg::Phone), get(Field::PhoneNumber)),
            line(s.get(Msg::Email), get(Field::Email)),
            line(s.get(Msg::Address), address),
            line(
                s.get(Msg::Emergency),
                [Input::EmergencyName, Input::EmergencyPhone]
                    .map(|i| self.form.value(i).to_owned())
                    .join(" · ")
            ),
        ]
        .spacing(12);
        if yes.is_empty() {
            col = col.push(text(s.get(Msg::HealthNone)).size(theme::BODY_SIZE));
        } else {
            col = col.push(text(s.get(Msg::HealthYesCount)).size(theme::BODY_SIZE));
            for q in yes {
                col = col.push(text(format!("• {q}")).size(theme::LABEL_SIZE));
            }
        }
        col = col.push(text(s.get(Msg::ClausesDone)).size(theme::BODY_SIZE));
        if self.is_minor() {
            col = col.push(line(
                s.get(Msg::GuardianName),
                self.form.value(Input::GuardianName).to_owned(),
            ));
            col = col.push(line(
                s.get(Msg::ReviewRelationship),
                self.form.value(Input::GuardianRelation).to_owned(),
            ));
            let both = [
                self.preview(PadId::Customer, s.get(Msg::ReviewYourSignature)),
                self.preview(PadId::Guardian, s.get(Msg::ReviewGuardianSignature)),
            ];
            let signatures: El<'a> = if self.narrow() {
                column(both).spacing(12).into()
            } else {
                row(both).spacing(24).into()
            };
            col = col.push(signatures);
        } else {
            col = col.push(self.preview(PadId::Customer, s.get(Msg::StepSignature)));
        }
        container(col)
            .padding(24)
            .width(Fill)
            .style(theme::panel)
            .into()
    }

    /// A signature as drawn, at half its size or less to fit, under its label.
    fn preview<'a>(&'a self, id: PadId, label: Cow<'a, str>) -> El<'a> {
        let pad = match id {
            PadId::Customer => &self.form.customer_pad,
            PadId::Guardian => &self.form.guardian_pad,
        };
        let (width, height) = (pad.size.0 / 2.0, pad.size.1 / 2.0);
        column![
            text(label).size(theme::LABEL_SIZE).style(theme::muted),
            container(
                canvas(Pad::<Message> {
                    strokes: &pad.strokes,
                    on_event: None,
                    drawn_at: Some(pad.size),
                })
                .width(Fill)
                .height(Length::Fixed(height)),
            )
            .max_width(width)
            .id(id.review_id()),
        ]
        .spacing(12)
        .into()
    }
}
