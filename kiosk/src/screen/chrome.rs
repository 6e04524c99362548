//! The bottom of the screen: the navigation bar, or the on-screen keyboard while typing;
//! and what shows over everything: "Start over?" and the idle warning.

use iced::widget::{button, center, column, container, opaque, row, space, text};
use iced::{Center, Fill};

use crate::app::{Kiosk, Message};
use crate::form::Input;
use crate::i18n::{Msg, Words};
use crate::keyboard;
use crate::theme;

use super::{El, Screen, Step, big_button};

impl Kiosk {
    pub(super) fn nav<'a>(&'a self, s: Words<'a>) -> Option<El<'a>> {
        let submit = (Msg::Submit, Message::Review(super::review::Message::Submit));
        let (back, forward): (Option<Message>, Option<(Msg, Message)>) = match self.screen {
            // Changing a section from the summary or the review: Next takes them back.
            Screen::Step(_) if self.return_to.is_some() => {
                (Some(Message::Back), Some((Msg::SaveChanges, Message::Next)))
            }
            // The last step submits (the review, or a returning customer's release).
            Screen::Step(step) if self.step_after(step).is_none() => {
                (Some(Message::Back), Some(submit))
            }
            // A new customer's first step has nothing behind it but Start over.
            Screen::Step(Step::About) if self.form.existing.is_none() => {
                (None, Some((Msg::Next, Message::Next)))
            }
            Screen::Step(_) => (Some(Message::Back), Some((Msg::Next, Message::Next))),
            Screen::Recap => (
                Some(Message::Back),
                Some((
                    Msg::RecapAllRight,
                    Message::Review(super::review::Message::AllRight),
                )),
            ),
            Screen::Lookup | Screen::NoMatch => (Some(Message::Back), None),
            _ => return None,
        };
        let mut bar = row![
            button(text(s.get(Msg::StartOver)).size(theme::LABEL_SIZE).center())
                .height(theme::TOUCH)
                .padding([16, 24])
                .style(theme::secondary)
                .on_press(Message::StartOver),
            space().width(Fill),
        ]
        .spacing(16)
        .padding([12, 24])
        .align_y(Center);
        if let Some(back) = back {
            bar = bar.push(
                button(text(s.get(Msg::Back)).size(theme::BODY_SIZE).center())
                    .height(theme::TOUCH)
                    .width(180)
                    .padding([12, 24])
                    .style(theme::secondary)
                    .on_press(back),
            );
        }
        if let Some((label, message)) = forward {
            bar = bar.push(
                button(text(s.get(label)).size(theme::BODY_SIZE).center())
                    .height(theme::TOUCH)
                    .padding([12, 48])
                    .style(theme::primary)
                    .on_press(message),
            );
        }
        Some(bar.into())
    }

    pub(super) fn keyboard<'a>(&'a self, s: Words<'a>) -> Option<El<'a>> {
        let input = self.focus?;
        if self.confirm_start_over {
            return None;
        }
        // On a step, Next on the last field is the step's Next.
        let has_next = self.next_input().is_some() || matches!(self.screen, Screen::Step(_));
        let mut labels = s.keys();
        if input == Input::LookupPhone {
            labels.done = s.get(Msg::Find);
        }
        let keys = keyboard::view(input.layout(), self.keys, &labels, has_next, Message::Key);
        // What is being typed, large, right above the keys, under the question it answers:
        // the field itself may be scrolled away.
        let question = match input {
            Input::HealthDetails(i) => self
                .settings
                .questions
                .get(i)
                .map(|q| q.text.get(self.lang).to_owned()),
            _ => None,
        };
        let mut preview = column![].spacing(4).width(Fill);
        if let Some(question) = question {
            preview = preview.push(text(question).size(theme::LABEL_SIZE).style(theme::muted));
        }
        preview = preview.push(
            row![
                text(s.label(input))
                    .size(theme::LABEL_SIZE)
                    .style(theme::muted),
                text(format!("{}|", self.form.display(input))).size(theme::BODY_SIZE),
            ]
            .spacing(16)
            .align_y(Center),
        );
        Some(
            container(column![preview, keys].spacing(10).align_x(Center))
                .padding(12)
                .center_x(Fill)
                .style(theme::panel)
                .into(),
        )
    }

    pub(super) fn start_over_dialog<'a>(&'a self, s: Words<'a>) -> El<'a> {
        modal(
            column![
                text(s.get(Msg::StartOverTitle)).size(theme::HEADING_SIZE),
                text(s.get(Msg::StartOverHint))
                    .size(theme::BODY_SIZE)
                    .center(),
                row![
                    big_button(
                        s.get(Msg::StartOverNo),
                        Message::StartOverAnswer(false),
                        true
                    ),
                    big_button(
                        s.get(Msg::StartOverYes),
                        Message::StartOverAnswer(true),
                        false
                    ),
                ]
                .spacing(24),
            ]
            .spacing(24)
            .align_x(Center)
            .into(),
        )
    }

    pub(super) fn idle_warning<'a>(&'a self, s: Words<'a>, seconds: u64) -> El<'a> {
        modal(
            column![
                text(s.get(Msg::StillThere)).size(theme::HEADING_SIZE),
                text(s.clearing_in(seconds)).size(theme::BODY_SIZE).center(),
                big_button(s.get(Msg::StillHere), Message::StillHere, true),
            ]
            .spacing(24)
            .align_x(Center)
            .into(),
        )
    }
}

/// A panel over a scrim that hides what is behind it (a form left open is personal data),
/// taking every tap.
fn modal(content: El<'_>) -> El<'_> {
    opaque(
        container(center(
            container(content)
                .padding(32)
                .max_width(760)
                .style(theme::panel),
        ))
        .style(theme::scrim),
    )
}
