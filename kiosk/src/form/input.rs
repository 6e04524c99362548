//! Where a customer types, what each place takes, and what can be wrong with an answer.

use intake_common::customer::Field;
use intake_common::settings::{Audience, Clause};

use crate::i18n::Msg;
use crate::keyboard::Layout;

/// Every place a customer (or staff member) can type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Input {
    Profile(Field),
    EmergencyName,
    EmergencyPhone,
    EmergencyRelation,
    PhysicianName,
    PhysicianPhone,
    PhysicianPractice,
    HealthDetails(usize),
    /// The initials adopted once and placed on each clause that asks for them.
    Initials,
    /// A minor's parent or guardian's initials, placed on the guardian's clauses.
    GuardianInitials,
    GuardianName,
    GuardianRelation,
    LookupPhone,
    LookupBirthdate,
    Pin,
}

impl Input {
    pub fn layout(self) -> Layout {
        match self {
            Input::Profile(Field::Email) => Layout::Email,
            Input::Profile(Field::PhoneNumber)
            | Input::EmergencyPhone
            | Input::PhysicianPhone
            | Input::LookupPhone => Layout::Phone,
            Input::Profile(Field::Birthdate) | Input::LookupBirthdate => Layout::Date,
            Input::Pin => Layout::Pin,
            _ => Layout::Text,
        }
    }

    pub fn max_len(self) -> usize {
        match self {
            Input::Profile(Field::Birthdate) | Input::LookupBirthdate => 8,
            Input::Pin => 12,
            Input::Initials | Input::GuardianInitials => 5,
            Input::Profile(f) => f.max_len(),
            Input::HealthDetails(_) => 500,
            _ => 100,
        }
    }

    /// Whose initials `clause` takes: the guardian's on the guardian's clauses.
    pub fn initials_for(clause: &Clause) -> Input {
        if clause.audience == Audience::Guardian {
            Input::GuardianInitials
        } else {
            Input::Initials
        }
    }

    /// Whether typing starts with a capital letter (names, places).
    pub fn capitalised(self) -> bool {
        matches!(
            self,
            Input::Profile(
                Field::FirstName
                    | Field::MiddleName
                    | Field::LastName
                    | Field::Nickname
                    | Field::City
                    | Field::Country
                    | Field::Street
            ) | Input::EmergencyName
                | Input::PhysicianName
                | Input::GuardianName
                | Input::Initials
                | Input::GuardianInitials
        )
    }

    /// The input's label; `None` for a profile field the kiosk does not ask for.
    pub fn label(self) -> Option<Msg> {
        Some(match self {
            Input::Profile(f) => return field_label(f),
            Input::EmergencyName => Msg::EmergencyName,
            Input::EmergencyPhone => Msg::EmergencyPhone,
            Input::EmergencyRelation => Msg::EmergencyRelationship,
            Input::PhysicianName => Msg::PhysicianName,
            Input::PhysicianPhone => Msg::PhysicianPhone,
            Input::PhysicianPractice => Msg::PhysicianPractice,
            Input::HealthDetails(_) => Msg::TellUsMore,
            Input::Initials => Msg::Initials,
            Input::GuardianInitials => Msg::GuardianInitials,
            Input::GuardianName => Msg::GuardianName,
            Input::GuardianRelation => Msg::GuardianRelationship,
            Input::LookupPhone => Msg::Phone,
            Input::LookupBirthdate => Msg::Birthdate,
            Input::Pin => Msg::Pin,
        })
    }
}

pub fn field_label(field: Field) -> Option<Msg> {
    Some(match field {
        Field::FirstName => Msg::FirstName,
        Field::MiddleName => Msg::MiddleName,
        Field::LastName => Msg::LastName,
        Field::Nickname => Msg::Nickname,
        Field::Email => Msg::Email,
        Field::PhoneNumber => Msg::Phone,
        Field::Birthdate => Msg::Birthdate,
        Field::Gender => Msg::Gender,
        Field::Street => Msg::Street,
        Field::Street2 => Msg::Street2,
        Field::City => Msg::City,
        Field::State => Msg::State,
        Field::PostalCode => Msg::PostalCode,
        Field::Country => Msg::Country,
        Field::Occupation => Msg::Occupation,
        Field::OptIn => Msg::OptIn,
        _ => return None,
    })
}

/// What is wrong with an answer. Shown in the current language, so switching language
/// translates the messages already on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    Required,
    Email,
    Phone,
    Date,
    /// A date that reads only in the other language's order (13/05 in English).
    DateOrder,
    DateFuture,
    DateOld,
    TooLong,
    Answer,
    Details,
    Initials,
    Tick,
    Sign,
    GuardianSign,
}

impl Problem {
    /// The words for the problem.
    pub fn message(self) -> Msg {
        match self {
            Problem::Required => Msg::ErrRequired,
            Problem::Email => Msg::ErrEmail,
            Problem::Phone => Msg::ErrPhone,
            Problem::Date => Msg::ErrDate,
            Problem::DateOrder => Msg::ErrDateOrder,
            Problem::DateFuture => Msg::ErrDateFuture,
            Problem::DateOld => Msg::ErrDateOld,
            Problem::TooLong => Msg::ErrTooLong,
            Problem::Answer => Msg::ErrAnswer,
            Problem::Details => Msg::ErrDetails,
            Problem::Initials => Msg::ErrInitials,
            Problem::Tick => Msg::ErrTick,
            Problem::Sign => Msg::ErrSign,
            Problem::GuardianSign => Msg::ErrGuardianSign,
        }
    }
}

/// Where a problem is shown: under an input, or beside a question, clause or pad.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Spot {
    Input(Input),
    Question(usize),
    Clause(usize),
    CustomerPad,
    GuardianPad,
}
