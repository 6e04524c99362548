//! The pieces screens are built from: a typing field, a grid of them, and the buttons.

use iced::widget::{button, column, container, row, space, text};
use iced::{Fill, Length};
use intake_common::settings::Lang;

use crate::app::{Kiosk, Message};
use crate::form::{Input, Layout, Spot};
use crate::i18n::{Msg, Words};
use crate::theme;

use super::{El, reveal};

impl Kiosk {
    /// What is wrong at `spot`, in red. A problem fixed since the step was last checked
    /// keeps its place, drawn blank, until the customer moves on: a fix never pulls what
    /// is below up under the next tap.
    pub(super) fn problem_slot<'a>(&'a self, spot: Spot, s: Words<'a>) -> Option<El<'a>> {
        let (problem, shown) = match self.form.problems.get(&spot) {
            Some(p) => (*p, true),
            None => (*self.flagged.get(&spot)?, false),
        };
        let words = text(s.get(problem.message())).size(theme::LABEL_SIZE);
        Some(if shown {
            words.style(theme::error).into()
        } else {
            words.style(theme::invisible_text).into()
        })
    }

    /// Inputs two to a row, or one in a narrow window.
    pub(super) fn grid<'a>(&'a self, inputs: &[Input], s: Words<'a>) -> El<'a> {
        let per_row = if self.narrow() { 1 } else { 2 };
        let mut col = column![].spacing(16);
        for chunk in inputs.chunks(per_row) {
            let mut r = row![].spacing(16);
            for input in chunk {
                r = r.push(container(self.field(*input, s)).width(Length::FillPortion(1)));
            }
            if chunk.len() < per_row {
                r = r.push(space().width(Length::FillPortion(1)));
            }
            col = col.push(r);
        }
        col.into()
    }

    /// A field: tapping it gives it the on-screen keyboard; its problem shows under it.
    pub(super) fn field<'a>(&'a self, input: Input, s: Words<'a>) -> El<'a> {
        let focused = self.focus == Some(input);
        let problem = self.form.problems.get(&Spot::Input(input)).copied();
        let shown = self.form.display(input);
        let value: El<'_> = if shown.is_empty() && !focused {
            text(s.get(placeholder(input)))
                .size(theme::BODY_SIZE)
                .style(theme::muted)
                .into()
        } else {
            text(if focused { format!("{shown}|") } else { shown })
                .size(theme::BODY_SIZE)
                .into()
        };
        let mut label = row![
            text(s.label(input))
                .size(theme::LABEL_SIZE)
                .style(theme::muted)
        ]
        .spacing(8);
        if is_optional(input) {
            label = label.push(
                text(s.get(Msg::Optional))
                    .size(theme::SMALL_SIZE)
                    .style(theme::muted),
            );
        }
        let mut col = column![
            button(column![label, value].spacing(4))
                .width(Fill)
                .padding([10, 16])
                .style(theme::field(focused, problem.is_some()))
                .on_press(Message::Focus(input))
        ]
        .spacing(4);
        if let Some(problem) = self.problem_slot(Spot::Input(input), s) {
            col = col.push(problem);
        }
        container(col)
            .id(reveal::id(reveal::Target::Input(input)))
            .into()
    }
}

fn placeholder(input: Input) -> Msg {
    match input.layout() {
        Layout::Date => Msg::DateFormat,
        _ => Msg::TapToType,
    }
}

fn is_optional(input: Input) -> bool {
    match input {
        Input::Profile(f) => !intake_common::release::REQUIRED_FIELDS.contains(&f),
        Input::EmergencyRelation
        | Input::PhysicianName
        | Input::PhysicianPhone
        | Input::PhysicianPractice => true,
        _ => false,
    }
}

pub(super) fn lang_button<'a>(lang: Lang, current: Lang) -> El<'a> {
    button(text(lang.native_name()).size(theme::LABEL_SIZE).center())
        .height(theme::TOUCH)
        .padding([16, 24])
        .style(theme::choice(lang == current))
        .on_press(Message::SetLang(lang))
        .into()
}

/// One of a set of answers (Yes / No), lit when chosen. Wide enough for the Spanish words
/// with room to spare inside the border.
pub(crate) fn choice_button<'a>(
    label: impl text::IntoFragment<'a>,
    selected: bool,
    message: Message,
) -> El<'a> {
    button(text(label).size(theme::BODY_SIZE).center())
        .height(theme::TOUCH)
        .padding([12, 48])
        .style(theme::choice(selected))
        .on_press(message)
        .into()
}

pub(crate) fn big_button<'a>(
    label: impl text::IntoFragment<'a>,
    message: Message,
    primary: bool,
) -> El<'a> {
    button(text(label).size(32).center().width(Fill))
        .width(Fill)
        .padding([22, 32])
        .style(if primary {
            theme::primary
        } else {
            theme::secondary
        })
        .on_press(message)
        .into()
}
