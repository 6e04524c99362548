//! Looking back before going on: a returning customer's "Is all of this still right?"
//! (one page instead of every step), and the review before submitting, each section with
//! its own Change button. Values on file the customer has not changed stay masked here too.

use std::borrow::Cow;

use iced::widget::{button, canvas, column, container, row, space, text};
use iced::{Center, Fill, Length};
use intake_common::audit;
use intake_common::customer::Field;
use intake_common::release::{self, Signing};

use crate::app::{Banner, Kiosk};
use crate::form::{Input, mask_name};
use crate::i18n::{Msg, Words};
use crate::pad::{Pad, PadId};
use crate::theme;

use super::details::{ADDRESS_INPUTS, EMERGENCY_INPUTS, PHYSICIAN_INPUTS};
use super::{El, Screen, Step};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message {
    /// Change one section, then come back here.
    Change(Step),
    /// "Yes, that's me, and it's all right": on to the health questions.
    AllRight,
    /// "That's not me": a new form, keeping the birthdate and phone just typed.
    NotMe,
    Submit,
}

impl Kiosk {
    pub(crate) fn review(&mut self, message: Message) {
        match message {
            Message::Change(step) => {
                if self.screen == Screen::Recap {
                    self.recognise();
                }
                self.return_to = Some(self.screen);
                self.go_to(Screen::Step(step));
            }
            Message::NotMe => {
                let keep = [
                    Input::Profile(Field::PhoneNumber),
                    Input::Profile(Field::Birthdate),
                ]
                .map(|i| (i, zeroize::Zeroizing::new(self.form.value(i).to_owned())));
                self.begin();
                for (input, value) in &keep {
                    self.form.set(*input, value);
                }
                self.go_to(Screen::Step(Step::About));
            }
            Message::AllRight => {
                self.recognise();
                // The summary shows what the steps would check; check it all the same.
                for step in [Step::About, Step::Address, Step::Contacts] {
                    if !self.check_step(step) {
                        self.banner = Some(Banner::FixAbove);
                        self.return_to = Some(Screen::Recap);
                        self.go_to(Screen::Step(step));
                        return;
                    }
                }
                self.go_to(Screen::Step(Step::Health));
            }
            Message::Submit => self.submit(),
        }
    }

    /// The customer said the file found is theirs: recorded once.
    fn recognise(&mut self) {
        if self.recognised {
            return;
        }
        self.recognised = true;
        if let Err(e) = audit::record(
            self.db().conn(),
            &format!("kiosk:{}", self.options.device),
            "kiosk.recognised",
            self.form.existing,
            "returning customer confirmed by phone and birthdate",
        ) {
            tracing::error!("could not audit a kiosk recognition: {e}");
        }
    }

    fn submit(&mut self) {
        // Every step again: nothing incomplete goes in, whatever path led here.
        for step in self.steps() {
            if !self.check_step(step) {
                self.banner = Some(Banner::FixAbove);
                self.return_to = None;
                self.go_to(Screen::Step(step));
                return;
            }
        }
        let minor = self.is_minor();
        let registration = self.form.registration(&self.settings, self.lang, minor);
        let signing = Signing::new(&self.options.device, &self.settings, &self.template_ref);
        match release::submit(&mut self.db, &registration, &signing) {
            Ok(done) => {
                tracing::info!(release = %done.release, "release signed");
                self.thanks_name = registration
                    .profile
                    .get(Field::Nickname)
                    .or(registration.profile.get(Field::FirstName))
                    .unwrap_or_default()
                    .to_owned();
                self.form.wipe();
                self.banner = None;
                self.focus = None;
                self.return_to = None;
                self.screen = Screen::Thanks;
                // Fold the WAL back while the customer reads the thank-you, so SQLite's
                // automatic checkpoint rarely lands inside the next customer's submit.
                if let Err(e) =
                    self.db()
                        .conn()
                        .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                {
                    tracing::warn!("checkpoint after submit: {e}");
                }
            }
            Err(e) => {
                // The form stays as it is: the customer or staff can try again.
                tracing::error!("could not save a registration: {e}");
                self.banner = Some(Banner::SaveFailed);
            }
        }
    }

    /// Inputs' values as shown (masked when on file and unchanged), joined.
    fn shown(&self, inputs: &[Input], separator: &str) -> String {
        inputs
            .iter()
            .map(|i| self.form.display(*i))
            .filter(|v| !v.trim().is_empty())
            .collect::<Vec<_>>()
            .join(separator)
    }

    /// The name, masked on the summary until the customer says it is theirs.
    fn name_line(&self, masked: bool) -> String {
        if masked && !self.recognised {
            return mask_name(&self.form.profile(self.lang));
        }
        self.shown(
            &[
                Input::Profile(Field::FirstName),
                Input::Profile(Field::MiddleName),
                Input::Profile(Field::LastName),
            ],
            " ",
        )
    }

    /// The about-you, address and contacts sections, each with its Change button.
    fn profile_sections<'a>(&'a self, s: Words<'a>, masked: bool) -> Vec<El<'a>> {
        let address: Vec<Input> = ADDRESS_INPUTS
            .into_iter()
            .filter(|i| *i != Input::Profile(Field::Occupation))
            .collect();
        vec![
            section(
                s,
                Msg::StepAbout,
                Step::About,
                vec![
                    line(s, s.get(Msg::Name), self.name_line(masked)),
                    line(
                        s,
                        s.get(Msg::Birthdate),
                        self.form.display(Input::Profile(Field::Birthdate)),
                    ),
                    line(
                        s,
                        s.get(Msg::Phone),
                        self.form.display(Input::Profile(Field::PhoneNumber)),
                    ),
                    line(
                        s,
                        s.get(Msg::Email),
                        self.form.display(Input::Profile(Field::Email)),
                    ),
                ],
            ),
            section(
                s,
                Msg::StepAddress,
                Step::Address,
                vec![line(s, s.get(Msg::Address), self.shown(&address, ", "))],
            ),
            section(
                s,
                Msg::StepContacts,
                Step::Contacts,
                vec![
                    line(
                        s,
                        s.get(Msg::Emergency),
                        self.shown(&EMERGENCY_INPUTS, " · "),
                    ),
                    line(
                        s,
                        s.get(Msg::Physician),
                        self.shown(&PHYSICIAN_INPUTS, " · "),
                    ),
                ],
            ),
        ]
    }

    pub(super) fn recap_view<'a>(&'a self, s: Words<'a>) -> El<'a> {
        let not_me = button(text(s.get(Msg::NotMe)).size(theme::LABEL_SIZE).center())
            .height(theme::TOUCH)
            .padding([16, 28])
            .style(theme::secondary)
            .on_press(crate::app::Message::Review(Message::NotMe));
        let mut col = column![
            text(s.get(Msg::IsThisYou)).size(theme::HEADING_SIZE),
            row![
                text(self.name_line(true))
                    .size(theme::TITLE_SIZE)
                    .width(Fill),
                not_me
            ]
            .spacing(16)
            .align_y(Center),
            text(s.get(Msg::RecapTitle)).size(theme::BODY_SIZE),
            text(s.get(Msg::RecapHint))
                .size(theme::LABEL_SIZE)
                .style(theme::muted),
        ]
        .spacing(16);
        for section in self.profile_sections(s, true) {
            col = col.push(section);
        }
        // "Yes, that's me" is in the navigation bar: always in view, however long this is.
        col.into()
    }

    pub(super) fn review_view<'a>(&'a self, s: Words<'a>) -> El<'a> {
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
        ]
        .spacing(16);
        for section in self.profile_sections(s, false) {
            col = col.push(section);
        }
        if self.is_minor() {
            col = col.push(section(
                s,
                Msg::StepGuardian,
                Step::Guardian,
                vec![
                    line(
                        s,
                        s.get(Msg::GuardianName),
                        self.form.value(Input::GuardianName).to_owned(),
                    ),
                    line(
                        s,
                        s.get(Msg::ReviewRelationship),
                        self.form.value(Input::GuardianRelation).to_owned(),
                    ),
                ],
            ));
        }
        let mut health: Vec<El<'a>> = Vec::new();
        if yes.is_empty() {
            health.push(text(s.get(Msg::HealthNone)).size(theme::BODY_SIZE).into());
        } else {
            health.push(
                text(s.get(Msg::HealthYesCount))
                    .size(theme::BODY_SIZE)
                    .into(),
            );
            for q in yes {
                health.push(text(format!("• {q}")).size(theme::LABEL_SIZE).into());
            }
        }
        col = col.push(section(s, Msg::StepHealth, Step::Health, health));
        let signatures: El<'a> = if self.is_minor() {
            let both = [
                self.preview(PadId::Customer, s.get(Msg::ReviewYourSignature)),
                self.preview(PadId::Guardian, s.get(Msg::ReviewGuardianSignature)),
            ];
            if self.narrow() {
                column(both).spacing(12).into()
            } else {
                row(both).spacing(24).into()
            }
        } else {
            self.preview(PadId::Customer, s.get(Msg::StepSignature))
        };
        col.push(section(
            s,
            Msg::StepRelease,
            Step::Release,
            self.clause_lines(s)
                .into_iter()
                .chain([signatures])
                .collect(),
        ))
        .into()
    }

    /// "Every required statement confirmed", and what was answered to each optional one.
    fn clause_lines<'a>(&'a self, s: Words<'a>) -> Vec<El<'a>> {
        let mut lines: Vec<El<'a>> =
            vec![text(s.get(Msg::ClausesDone)).size(theme::BODY_SIZE).into()];
        for (i, clause) in self.shown_clauses().filter(|(_, c)| c.optional) {
            let answer = match self.form.clauses.get(i).copied().flatten() {
                Some(true) => s.get(Msg::Yes),
                Some(false) => s.get(Msg::No),
                None => s.get(Msg::NotGiven),
            };
            lines.push(
                text(format!("• {} — {answer}", clause.text.get(self.lang)))
                    .size(theme::LABEL_SIZE)
                    .into(),
            );
        }
        lines
    }

    /// A signature as drawn, at half its size or less to fit, under its label.
    fn preview<'a>(&'a self, id: PadId, label: Cow<'a, str>) -> El<'a> {
        let pad = self.form.pad(id);
        let (width, height) = (pad.size.0 / 2.0, pad.size.1 / 2.0);
        column![
            text(label).size(theme::LABEL_SIZE).style(theme::muted),
            container(
                canvas(Pad::<crate::app::Message> {
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

/// A labelled value; an empty one says it was not given, in the reader's language.
fn line<'a>(s: Words<'a>, label: Cow<'a, str>, value: String) -> El<'a> {
    let value = if value.trim().is_empty() {
        s.get(Msg::NotGiven).into_owned()
    } else {
        value
    };
    row![
        text(label)
            .size(theme::LABEL_SIZE)
            .style(theme::muted)
            .width(240),
        text(value).size(theme::BODY_SIZE).width(Fill),
    ]
    .spacing(16)
    .into()
}

/// A titled card with a Change button that opens `step` and comes back.
fn section<'a>(s: Words<'a>, title: Msg, step: Step, lines: Vec<El<'a>>) -> El<'a> {
    let header = row![
        text(s.get(title)).size(theme::BODY_SIZE).width(Fill),
        space().width(16),
        button(text(s.get(Msg::Change)).size(theme::LABEL_SIZE).center())
            .height(theme::TOUCH)
            .padding([16, 28])
            .style(theme::secondary)
            .on_press(crate::app::Message::Review(Message::Change(step))),
    ]
    .align_y(Center);
    container(column![header, column(lines).spacing(10)].spacing(12))
        .padding(20)
        .width(Fill)
        .style(theme::panel)
        .into()
}
