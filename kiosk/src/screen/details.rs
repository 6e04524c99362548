//! The typing steps: about you, the guardian (a minor only), the address, and the
//! emergency contact and doctor.

use iced::Fill;
use iced::widget::{checkbox, column, container, text};
use intake_common::customer::Field;

use crate::app::Kiosk;
use crate::form::Input;
use crate::i18n::{Msg, Words};
use crate::theme;

use super::{El, Step};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message {
    ToggleOptIn,
}

pub const ABOUT_INPUTS: [Input; 8] = [
    Input::Profile(Field::FirstName),
    Input::Profile(Field::MiddleName),
    Input::Profile(Field::LastName),
    Input::Profile(Field::Nickname),
    Input::Profile(Field::Birthdate),
    Input::Profile(Field::PhoneNumber),
    Input::Profile(Field::Email),
    Input::Profile(Field::Gender),
];

pub const ADDRESS_INPUTS: [Input; 7] = [
    Input::Profile(Field::Street),
    Input::Profile(Field::Street2),
    Input::Profile(Field::City),
    Input::Profile(Field::State),
    Input::Profile(Field::PostalCode),
    Input::Profile(Field::Country),
    Input::Profile(Field::Occupation),
];

pub const EMERGENCY_INPUTS: [Input; 3] = [
    Input::EmergencyName,
    Input::EmergencyPhone,
    Input::EmergencyRelation,
];

pub const PHYSICIAN_INPUTS: [Input; 3] = [
    Input::PhysicianName,
    Input::PhysicianPhone,
    Input::PhysicianPractice,
];

const CONTACT_INPUTS: [Input; 6] = [
    Input::EmergencyName,
    Input::EmergencyPhone,
    Input::EmergencyRelation,
    Input::PhysicianName,
    Input::PhysicianPhone,
    Input::PhysicianPractice,
];

pub const GUARDIAN_INPUTS: [Input; 2] = [Input::GuardianName, Input::GuardianRelation];

/// A typing step's inputs, in the order they show and Next walks them.
pub fn inputs(step: Step) -> &'static [Input] {
    match step {
        Step::About => &ABOUT_INPUTS,
        Step::Address => &ADDRESS_INPUTS,
        Step::Contacts => &CONTACT_INPUTS,
        Step::Guardian => &GUARDIAN_INPUTS,
        _ => &[],
    }
}

impl Kiosk {
    pub(crate) fn details(&mut self, message: Message) {
        match message {
            Message::ToggleOptIn => self.form.opt_in = !self.form.opt_in,
        }
    }

    pub(super) fn details_view<'a>(&'a self, step: Step, s: Words<'a>) -> El<'a> {
        match step {
            Step::About => column![self.grid(&ABOUT_INPUTS, s), self.opt_in(s)]
                .spacing(20)
                .into(),
            Step::Address => self.grid(&ADDRESS_INPUTS, s),
            Step::Contacts => column![
                text(s.get(Msg::EmergencyTitle)).size(theme::BODY_SIZE),
                self.grid(&EMERGENCY_INPUTS, s),
                text(s.get(Msg::PhysicianTitle)).size(theme::BODY_SIZE),
                self.grid(&PHYSICIAN_INPUTS, s),
            ]
            .spacing(20)
            .into(),
            _ => self.guardian_view(s),
        }
    }

    fn guardian_view<'a>(&'a self, s: Words<'a>) -> El<'a> {
        let mut col = column![
            text(s.get(Msg::MinorTitle))
                .size(theme::BODY_SIZE)
                .style(theme::warning),
            text(s.get(Msg::MinorHint)).size(theme::LABEL_SIZE),
        ]
        .spacing(16);
        if let Some(age) = self.age() {
            col = col.push(text(s.age_line(age)).size(theme::LABEL_SIZE));
        }
        col.push(self.grid(&GUARDIAN_INPUTS, s)).into()
    }

    fn opt_in<'a>(&'a self, s: Words<'a>) -> El<'a> {
        container(
            checkbox(self.form.opt_in)
                .label(s.get(Msg::OptIn))
                .on_toggle(|_| crate::app::Message::Details(Message::ToggleOptIn))
                .size(40)
                .spacing(16)
                .text_size(theme::LABEL_SIZE)
                // The whole line is the target, a finger high.
                .text_line_height(iced::Pixels(theme::TOUCH))
                .style(theme::checkbox)
                .width(Fill),
        )
        .padding([2, 16])
        .width(Fill)
        .style(theme::panel)
        .into()
    }
}
