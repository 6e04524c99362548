//! What Web Sign asks, step by step: each field's name in the form, its label, its
//! `autocomplete` token, its kind and its limits, and what can be wrong with an answer —
//! checked with the same validators the kiosk uses (`intake_common::normalize`, the
//! fields' own lengths), so a page and the kiosk refuse the same answers.

use chrono::NaiveDate;
use intake_common::customer::Field;
use intake_common::normalize::{self, Region};
use intake_common::release::REQUIRED_FIELDS;
use serde::{Deserialize, Serialize};

use super::words::WebMsg;

/// The steps, in order. The guardian's is asked only of a minor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Step {
    #[default]
    About,
    Address,
    Contacts,
    Guardian,
    Health,
    Release,
    Sign,
    Review,
}

impl Step {
    pub const ALL: [Step; 8] = [
        Step::About,
        Step::Address,
        Step::Contacts,
        Step::Guardian,
        Step::Health,
        Step::Release,
        Step::Sign,
        Step::Review,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Step::About => "about",
            Step::Address => "address",
            Step::Contacts => "contacts",
            Step::Guardian => "guardian",
            Step::Health => "health",
            Step::Release => "release",
            Step::Sign => "sign",
            Step::Review => "review",
        }
    }

    pub fn from_name(name: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.name() == name)
    }

    pub fn heading(self) -> WebMsg {
        match self {
            Step::About => WebMsg::About,
            Step::Address => WebMsg::Address,
            Step::Contacts => WebMsg::Contacts,
            Step::Guardian => WebMsg::Guardian,
            Step::Health => WebMsg::Health,
            Step::Release => WebMsg::Release,
            Step::Sign => WebMsg::Sign,
            Step::Review => WebMsg::Review,
        }
    }

    /// The steps a signer is asked, in order.
    pub fn asked(minor: bool) -> impl Iterator<Item = Step> {
        Step::ALL
            .into_iter()
            .filter(move |s| minor || *s != Step::Guardian)
    }
}

/// How a text field is typed and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Email,
    Tel,
    Date,
}

/// One text field of a step.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// Its name in the form and in the page's state.
    pub name: &'static str,
    /// The customer's profile field it fills, if it is one.
    pub field: Option<Field>,
    pub label: WebMsg,
    /// The `autocomplete` token: the signer's own details by their token, someone else's
    /// (a contact, a guardian) `off`, so the signer's own are not offered there.
    pub autocomplete: &'static str,
    pub kind: Kind,
    pub required: bool,
    pub max: usize,
}

const fn profile(
    name: &'static str,
    field: Field,
    label: WebMsg,
    autocomplete: &'static str,
    kind: Kind,
) -> Spec {
    let mut required = false;
    let mut i = 0;
    while i < REQUIRED_FIELDS.len() {
        required |= REQUIRED_FIELDS[i] as usize == field as usize;
        i += 1;
    }
    Spec {
        name,
        field: Some(field),
        label,
        autocomplete,
        kind,
        required,
        max: field.max_len(),
    }
}

const fn other(name: &'static str, label: WebMsg, kind: Kind, required: bool) -> Spec {
    Spec {
        name,
        field: None,
        label,
        autocomplete: "off",
        kind,
        required,
        max: 100,
    }
}

pub const ABOUT: &[Spec] = &[
    profile(
        "first_name",
        Field::FirstName,
        WebMsg::FirstName,
        "given-name",
        Kind::Text,
    ),
    profile(
        "middle_name",
        Field::MiddleName,
        WebMsg::MiddleName,
        "additional-name",
        Kind::Text,
    ),
    profile(
        "last_name",
        Field::LastName,
        WebMsg::LastName,
        "family-name",
        Kind::Text,
    ),
    profile(
        "nickname",
        Field::Nickname,
        WebMsg::Nickname,
        "nickname",
        Kind::Text,
    ),
    profile(
        "birthdate",
        Field::Birthdate,
        WebMsg::Birthdate,
        "bday",
        Kind::Date,
    ),
    profile("phone", Field::PhoneNumber, WebMsg::Phone, "tel", Kind::Tel),
    profile("email", Field::Email, WebMsg::Email, "email", Kind::Email),
    profile("gender", Field::Gender, WebMsg::Gender, "sex", Kind::Text),
    profile(
        "occupation",
        Field::Occupation,
        WebMsg::Occupation,
        "organization-title",
        Kind::Text,
    ),
];

pub const ADDRESS: &[Spec] = &[
    profile(
        "street",
        Field::Street,
        WebMsg::Street,
        "address-line1",
        Kind::Text,
    ),
    profile(
        "street2",
        Field::Street2,
        WebMsg::Street2,
        "address-line2",
        Kind::Text,
    ),
    profile(
        "city",
        Field::City,
        WebMsg::City,
        "address-level2",
        Kind::Text,
    ),
    profile(
        "state",
        Field::State,
        WebMsg::State,
        "address-level1",
        Kind::Text,
    ),
    profile(
        "postal_code",
        Field::PostalCode,
        WebMsg::PostalCode,
        "postal-code",
        Kind::Text,
    ),
    profile(
        "country",
        Field::Country,
        WebMsg::Country,
        "country-name",
        Kind::Text,
    ),
];

/// The emergency contact (the first three) and the physician (the last three).
pub const CONTACTS: &[Spec] = &[
    other("emergency_name", WebMsg::EmergencyName, Kind::Text, true),
    other("emergency_phone", WebMsg::EmergencyPhone, Kind::Tel, true),
    other(
        "emergency_relation",
        WebMsg::EmergencyRelation,
        Kind::Text,
        false,
    ),
    other("physician_name", WebMsg::PhysicianName, Kind::Text, false),
    other("physician_phone", WebMsg::PhysicianPhone, Kind::Tel, false),
    other(
        "physician_practice",
        WebMsg::PhysicianPractice,
        Kind::Text,
        false,
    ),
];

pub const GUARDIAN: &[Spec] = &[
    other("guardian_name", WebMsg::GuardianName, Kind::Text, true),
    other(
        "guardian_relation",
        WebMsg::GuardianRelation,
        Kind::Text,
        true,
    ),
];

/// The opt-in checkbox on the first step.
pub const OPT_IN: &str = "opt_in";
/// A health answer's details may say this much.
pub const DETAILS_MAX: usize = 500;
/// Initials are this long at most (as at the kiosk).
pub const INITIALS_MAX: usize = 5;
/// A typed signature's name.
pub const TYPED_MAX: usize = 100;
/// No value posted may be longer than this, whatever its field: a longer one is refused
/// whole, before anything is read or shown back.
pub const HARD_MAX: usize = 2000;

/// The text fields of a step.
pub fn specs(step: Step) -> &'static [Spec] {
    match step {
        Step::About => ABOUT,
        Step::Address => ADDRESS,
        Step::Contacts => CONTACTS,
        Step::Guardian => GUARDIAN,
        _ => &[],
    }
}

/// A field by its name.
pub fn spec(name: &str) -> Option<&'static Spec> {
    [ABOUT, ADDRESS, CONTACTS, GUARDIAN]
        .into_iter()
        .flatten()
        .find(|s| s.name == name)
}

/// What is wrong with an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    Required,
    Email,
    Phone,
    Date,
    DateFuture,
    DateOld,
    TooLong(usize),
    Answer,
    Details,
    Initials,
    Agree,
    Choose,
    Sign,
    TypedConfirm,
    TypedLetters,
    Image,
}

impl Problem {
    pub fn message(self) -> (WebMsg, Option<usize>) {
        let m = match self {
            Problem::Required => WebMsg::ErrRequired,
            Problem::Email => WebMsg::ErrEmail,
            Problem::Phone => WebMsg::ErrPhone,
            Problem::Date => WebMsg::ErrDate,
            Problem::DateFuture => WebMsg::ErrDateFuture,
            Problem::DateOld => WebMsg::ErrDateOld,
            Problem::TooLong(max) => return (WebMsg::ErrTooLong, Some(max)),
            Problem::Answer => WebMsg::ErrAnswer,
            Problem::Details => WebMsg::ErrDetails,
            Problem::Initials => WebMsg::ErrInitials,
            Problem::Agree => WebMsg::ErrAgree,
            Problem::Choose => WebMsg::ErrChoose,
            Problem::Sign => WebMsg::ErrSign,
            Problem::TypedConfirm => WebMsg::ErrTypedConfirm,
            Problem::TypedLetters => WebMsg::ErrTypedLetters,
            Problem::Image => WebMsg::ErrImage,
        };
        (m, None)
    }
}

/// A birthdate as a date field posts it (ISO 8601).
pub fn date(value: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").ok()
}

/// What is wrong with `value` for `spec`, by the kiosk's rules: required fields, the
/// field's length, a phone number of the shop's region, an e-mail address, a birthdate
/// that is a date, not in the future and in range.
pub fn problem(spec: &Spec, value: &str, region: Region, today: NaiveDate) -> Option<Problem> {
    let value = normalize::clean_text(value);
    if value.is_empty() {
        return spec.required.then_some(Problem::Required);
    }
    if value.chars().count() > spec.max {
        return Some(Problem::TooLong(spec.max));
    }
    match spec.kind {
        Kind::Tel => normalize::phone_key(&value, region)
            .err()
            .map(|_| Problem::Phone),
        Kind::Email => normalize::email(&value).err().map(|_| Problem::Email),
        Kind::Date => match date(&value) {
            None => Some(Problem::Date),
            Some(d) if d > today => Some(Problem::DateFuture),
            Some(d) => normalize::birthdate_in_range(d, today)
                .err()
                .map(|_| Problem::DateOld),
        },
        Kind::Text => None,
    }
}

/// Text as it is kept: trimmed, control characters and runs of spaces cleaned.
pub fn clean(value: &str) -> String {
    normalize::clean_text(value).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kiosks_required_fields_are_required_here() {
        for field in REQUIRED_FIELDS {
            let spec = ABOUT.iter().find(|s| s.field == Some(field)).unwrap();
            assert!(spec.required, "{field:?}");
        }
        assert!(!spec("email").unwrap().required);
        let today = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
        let region = Region::default();
        let phone = spec("phone").unwrap();
        assert_eq!(problem(phone, "12", region, today), Some(Problem::Phone));
        assert_eq!(problem(phone, "512 555 0100", region, today), None);
        let bday = spec("birthdate").unwrap();
        assert_eq!(
            problem(bday, "2027-01-01", region, today),
            Some(Problem::DateFuture)
        );
        assert_eq!(
            problem(bday, "01/02/1990", region, today),
            Some(Problem::Date)
        );
        assert_eq!(
            problem(bday, "1800-01-01", region, today),
            Some(Problem::DateOld)
        );
        let first = spec("first_name").unwrap();
        assert_eq!(
            problem(first, &"a".repeat(101), region, today),
            Some(Problem::TooLong(100))
        );
    }
}
