//! The release with its clauses, the signature pads and the review before submitting.

use iced::widget::{button, canvas, column, container, row, space, text};
use iced::{Alignment, Center, Fill, Length};
use intake_common::customer::Field;
use intake_common::settings::Confirm;

use crate::app::{Kiosk, Message};
use crate::form::{Input, Spot};
use crate::i18n::Strings;
use crate::pad::{Pad, PadEvent, PadId};
use crate::theme;

use super::{El, choice_button};

impl Kiosk {
    pub(super) fn release(&self, s: &'static Strings) -> El<'_> {
        let template = &self.settings.template;
        let mut col = column![
            text(template.title.get(self.lang)).size(theme::BODY_SIZE),
            text(s.release_hint)
                .size(theme::LABEL_SIZE)
                .style(theme::muted),
        ]
        .spacing(16);
        if let Some(age) = self.age() {
            col = col.push(text(s.age_line(age)).size(theme::LABEL_SIZE));
        }
        for (i, clause) in template.clauses.iter().enumerate() {
            let confirm: El<'_> = match clause.confirm {
                Confirm::Initials => container(self.field(Input::Initials(i), s))
                    .width(240)
                    .into(),
                Confirm::Tick => {
                    let ticked = self.form.ticks.get(i).copied().unwrap_or(false);
                    let mut c = column![choice_button(
                        if ticked { s.agreed } else { s.agree },
                        ticked,
                        Message::ToggleClause(i)
                    )];
                    if let Some(p) = self.form.problems.get(&Spot::Clause(i)) {
                        c = c.push(text(p.text(s)).size(theme::LABEL_SIZE).style(theme::error));
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
                        text(s.minor_title)
                            .size(theme::BODY_SIZE)
                            .style(theme::warning),
                        text(s.minor_hint).size(theme::LABEL_SIZE),
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

    pub(super) fn signature(&self, s: &'static Strings) -> El<'_> {
        let mut col = column![self.pad(PadId::Customer, s.sign_here, s)].spacing(24);
        if self.is_minor() {
            col = col.push(self.pad(PadId::Guardian, s.guardian_sign_here, s));
        }
        col.into()
    }

    fn pad(&self, id: PadId, label: &'static str, s: &'static Strings) -> El<'_> {
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
                button(text(s.clear).size(theme::LABEL_SIZE).center())
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
            col = col.push(text(p.text(s)).size(theme::LABEL_SIZE).style(theme::error));
        }
        col.into()
    }

    pub(super) fn review(&self, s: &'static Strings) -> El<'_> {
        let profile = self.form.profile(self.lang);
        let line = |label: &'static str, value: String| -> El<'_> {
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
            text(s.review_hint)
                .size(theme::LABEL_SIZE)
                .style(theme::muted),
            line(s.name, name),
            line(
                s.birthdate,
                self.form.display(Input::Profile(Field::Birthdate))
            ),
            line(s.phone, get(Field::PhoneNumber)),
            line(s.email, get(Field::Email)),
            line(s.address, address),
            line(
                s.emergency,
                [Input::EmergencyName, Input::EmergencyPhone]
                    .map(|i| self.form.value(i).to_owned())
                    .join(" · ")
            ),
        ]
        .spacing(12);
        if yes.is_empty() {
            col = col.push(text(s.health_none).size(theme::BODY_SIZE));
        } else {
            col = col.push(text(s.health_yes_count).size(theme::BODY_SIZE));
            for q in yes {
                col = col.push(text(format!("• {q}")).size(theme::LABEL_SIZE));
            }
        }
        col = col.push(text(s.clauses_done).size(theme::BODY_SIZE));
        if self.is_minor() {
            col = col.push(line(
                s.guardian_name,
                self.form.value(Input::GuardianName).to_owned(),
            ));
        }
        col = col.push(
            text(s.step_signature)
                .size(theme::LABEL_SIZE)
                .style(theme::muted),
        );
        col = col.push(
            canvas(Pad::<Message> {
                strokes: &self.form.customer_pad.strokes,
                on_event: None,
                drawn_at: Some(self.form.customer_pad.size),
            })
            .width(Length::Fixed(self.form.customer_pad.size.0 / 2.0))
            .height(Length::Fixed(self.form.customer_pad.size.1 / 2.0)),
        );
        container(col)
            .padding(24)
            .width(Fill)
            .style(theme::panel)
            .into()
    }
}
