//! What a customer has entered so far, how each answer is checked, and how the whole form
//! becomes a [`Registration`]. Everything here is personal data: [`Form::wipe`] overwrites
//! it in memory before it is dropped.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use intake_common::customer::{Contact, ContactKind, Field, Profile};
use intake_common::normalize::{self, Region};
use intake_common::release::signature::{self, Point};
use intake_common::release::{
    ClauseAnswer, Guardian, HealthAnswer, KIOSK_FIELDS, REQUIRED_FIELDS, Registration, Returning,
};
use intake_common::settings::{Details, Lang, Settings};
use uuid::Uuid;
use zeroize::Zeroize;

mod input;
mod text;

pub use crate::keyboard::Layout;
pub use input::{Input, Problem, Spot, field_label};
pub use text::{date_digits, mask_email, mask_name, mask_phone, parse_date_digits};

use text::mask_word;

/// A signature pad's strokes and size.
#[derive(Debug, Clone, Default)]
pub struct Pad {
    pub strokes: Vec<Vec<Point>>,
    pub size: (f32, f32),
}

impl Pad {
    pub fn is_signed(&self) -> bool {
        signature::is_substantial(&self.strokes)
    }

    pub fn png(&self) -> Option<Vec<u8>> {
        let (w, h) = self.size;
        signature::render_png(&self.strokes, w.round() as u32, h.round() as u32).ok()
    }

    fn wipe(&mut self) {
        for stroke in &mut self.strokes {
            for point in stroke.iter_mut() {
                *point = (0.0, 0.0);
            }
        }
        self.strokes.clear();
    }
}

/// The form in progress.
#[derive(Debug, Default)]
pub struct Form {
    values: BTreeMap<Input, String>,
    pub problems: BTreeMap<Spot, Problem>,
    pub opt_in: bool,
    /// One answer per configured health question.
    pub health: Vec<Option<bool>>,
    /// Per clause: agreed (ticked, or initialled with the adopted initials, one tap each),
    /// declined (an optional clause), or not answered yet.
    pub clauses: Vec<Option<bool>>,
    /// Values on file for a returning customer that are not shown (an e-mail, an address,
    /// contacts): knowing a phone number and a birthdate must not reveal them. Typing
    /// into one replaces it.
    hidden: BTreeSet<Input>,
    pub customer_pad: Pad,
    pub guardian_pad: Pad,
    /// A returning customer's id, once they confirmed it is them.
    pub existing: Option<Uuid>,
    /// Where phone numbers typed without a country code belong (the shop's region).
    pub region: Region,
}

/// A returning customer's values that stay masked until they change them.
pub const HIDDEN_ON_FILE: [Input; 13] = [
    Input::Profile(Field::Email),
    Input::Profile(Field::Street),
    Input::Profile(Field::Street2),
    Input::Profile(Field::City),
    Input::Profile(Field::State),
    Input::Profile(Field::PostalCode),
    Input::Profile(Field::Occupation),
    Input::EmergencyName,
    Input::EmergencyPhone,
    Input::EmergencyRelation,
    Input::PhysicianName,
    Input::PhysicianPhone,
    Input::PhysicianPractice,
];

impl Form {
    pub fn new(settings: &Settings) -> Self {
        let mut form = Self::default();
        form.health = vec![None; settings.questions.len()];
        form.clauses = vec![None; settings.template.clauses.len()];
        form.region = settings.shop.region;
        form
    }

    pub fn pad(&self, id: crate::pad::PadId) -> &Pad {
        match id {
            crate::pad::PadId::Customer => &self.customer_pad,
            crate::pad::PadId::Guardian => &self.guardian_pad,
        }
    }

    pub fn pad_mut(&mut self, id: crate::pad::PadId) -> &mut Pad {
        match id {
            crate::pad::PadId::Customer => &mut self.customer_pad,
            crate::pad::PadId::Guardian => &mut self.guardian_pad,
        }
    }

    pub fn value(&self, input: Input) -> &str {
        self.values.get(&input).map_or("", String::as_str)
    }

    pub fn set(&mut self, input: Input, value: &str) {
        let slot = self.values.entry(input).or_default();
        slot.zeroize();
        slot.push_str(value);
    }

    /// Types one character into `input`, within its length and character rules.
    pub fn push(&mut self, input: Input, c: char) {
        let layout = input.layout();
        let accepted = match layout {
            Layout::Date | Layout::Pin => c.is_ascii_digit(),
            Layout::Phone => c.is_ascii_digit() || (c == '+' && self.value(input).is_empty()),
            Layout::Text | Layout::Email => !c.is_control(),
        };
        if !accepted || self.value(input).chars().count() >= input.max_len() {
            return;
        }
        self.values.entry(input).or_default().push(c);
        if input == Input::Pin {
            return;
        }
        self.problems.remove(&Spot::Input(input));
    }

    pub fn backspace(&mut self, input: Input) {
        if let Some(v) = self.values.get_mut(&input) {
            v.pop();
        }
    }

    /// Whether `input` holds a value on file the customer is not shown.
    pub fn is_hidden(&self, input: Input) -> bool {
        self.hidden.contains(&input) && !self.value(input).is_empty()
    }

    /// Shows `input` from now on (the customer typed a new value).
    pub fn reveal(&mut self, input: Input) {
        self.hidden.remove(&input);
    }

    /// What an input shows: a date gets its slashes, a PIN is dots, a value on file that
    /// is not shown is a mask of fixed length.
    pub fn display(&self, input: Input) -> String {
        let v = self.value(input);
        if self.is_hidden(input) {
            return match input.layout() {
                Layout::Email => mask_email(v),
                Layout::Phone => mask_phone(v),
                _ => mask_word(v),
            };
        }
        match input.layout() {
            Layout::Date => {
                let mut out = String::with_capacity(10);
                for (i, c) in v.chars().enumerate() {
                    if i == 2 || i == 4 {
                        out.push('/');
                    }
                    out.push(c);
                }
                out
            }
            Layout::Pin => "•".repeat(v.chars().count()),
            _ => v.to_owned(),
        }
    }

    /// Reads the date typed into `input` in the order `lang` writes dates.
    pub fn date(&self, input: Input, lang: Lang) -> Option<NaiveDate> {
        parse_date_digits(self.value(input), lang)
    }

    /// Overwrites every answer, stroke and id in memory, leaving an empty form.
    pub fn wipe(&mut self) {
        for value in self.values.values_mut() {
            value.zeroize();
        }
        self.values.clear();
        self.problems.clear();
        self.opt_in = false;
        self.health.iter_mut().for_each(|a| *a = None);
        self.clauses.iter_mut().for_each(|t| *t = None);
        self.hidden.clear();
        self.customer_pad.wipe();
        self.guardian_pad.wipe();
        self.existing = None;
    }

    /// Whether nothing personal is held (what a wipe leaves).
    pub fn is_blank(&self) -> bool {
        self.values.values().all(String::is_empty)
            && self.customer_pad.strokes.is_empty()
            && self.guardian_pad.strokes.is_empty()
            && self.health.iter().all(Option::is_none)
            && self.clauses.iter().all(Option::is_none)
            && self.existing.is_none()
            && !self.opt_in
    }

    /// Re-reads typed dates when the language (and so the date order) changes.
    pub fn relang(&mut self, from: Lang, to: Lang) {
        for input in [Input::Profile(Field::Birthdate), Input::LookupBirthdate] {
            if let Some(date) = self.date(input, from) {
                let digits = date_digits(date, to);
                self.set(input, &digits);
            }
        }
    }

    /// Fills the form from a returning customer's file. Health answers stay empty: they
    /// are always asked again.
    pub fn prefill(&mut self, r: &Returning, lang: Lang) {
        for field in KIOSK_FIELDS {
            match (field, r.profile.get(field)) {
                (Field::OptIn, v) => self.opt_in = v == Some("yes"),
                (Field::Birthdate, Some(_)) => {
                    if let Some(date) = r.profile.birthdate() {
                        self.set(Input::Profile(field), &date_digits(date, lang));
                    }
                }
                (_, Some(v)) => self.set(Input::Profile(field), v),
                (_, None) => {}
            }
        }
        if let Some(c) = &r.emergency {
            self.set(Input::EmergencyName, &c.name);
            self.set(
                Input::EmergencyPhone,
                c.phone.as_deref().unwrap_or_default(),
            );
            self.set(
                Input::EmergencyRelation,
                c.relation.as_deref().unwrap_or_default(),
            );
        }
        if let Some(c) = &r.physician {
            self.set(Input::PhysicianName, &c.name);
            self.set(
                Input::PhysicianPhone,
                c.phone.as_deref().unwrap_or_default(),
            );
            self.set(
                Input::PhysicianPractice,
                c.relation.as_deref().unwrap_or_default(),
            );
        }
        self.existing = Some(r.id);
        self.hidden = HIDDEN_ON_FILE
            .into_iter()
            .filter(|i| !self.value(*i).is_empty())
            .collect();
    }

    /// Checks one input; records and returns its problem.
    pub fn check(&mut self, input: Input, lang: Lang, today: NaiveDate) -> Option<Problem> {
        let problem = self.problem(input, lang, today);
        match problem {
            Some(p) => self.problems.insert(Spot::Input(input), p),
            None => self.problems.remove(&Spot::Input(input)),
        };
        problem
    }

    fn problem(&self, input: Input, lang: Lang, today: NaiveDate) -> Option<Problem> {
        let value = normalize::clean_text(self.value(input));
        let required = match input {
            Input::Profile(f) => REQUIRED_FIELDS.contains(&f),
            Input::EmergencyName
            | Input::EmergencyPhone
            | Input::Initials
            | Input::GuardianInitials
            | Input::GuardianName
            | Input::GuardianRelation
            | Input::LookupPhone
            | Input::LookupBirthdate => true,
            _ => false,
        };
        if value.is_empty() {
            return required.then_some(Problem::Required);
        }
        match input.layout() {
            Layout::Phone => normalize::phone_key(&value, self.region)
                .err()
                .map(|_| Problem::Phone),
            Layout::Email => normalize::email(&value).err().map(|_| Problem::Email),
            Layout::Date => match parse_date_digits(&value, lang) {
                None if Lang::ALL
                    .into_iter()
                    .any(|other| parse_date_digits(&value, other).is_some()) =>
                {
                    Some(Problem::DateOrder)
                }
                None => Some(Problem::Date),
                Some(d) if d > today => Some(Problem::DateFuture),
                Some(d) => normalize::birthdate_in_range(d, today)
                    .err()
                    .map(|_| Problem::DateOld),
            },
            _ => (value.chars().count() > input.max_len()).then_some(Problem::TooLong),
        }
    }

    /// The profile as entered, normalised the way the database keeps it.
    pub fn profile(&self, lang: Lang) -> Profile {
        let mut profile = Profile::default();
        for field in KIOSK_FIELDS {
            let value = match field {
                Field::OptIn => Some(if self.opt_in { "yes" } else { "no" }.to_owned()),
                Field::Birthdate => self
                    .date(Input::Profile(field), lang)
                    .map(|d| d.format("%Y-%m-%d").to_string()),
                _ => field
                    .parse(self.value(Input::Profile(field)), self.region)
                    .ok()
                    .flatten()
                    .map(|v| v.into_owned()),
            };
            profile.set(field, value);
        }
        profile
    }

    fn contact(&self, kind: ContactKind, inputs: [Input; 3]) -> Option<Contact> {
        let [name, phone, relation] = inputs.map(|i| {
            let v = normalize::clean_text(self.value(i)).into_owned();
            (!v.is_empty()).then_some(v)
        });
        Some(Contact {
            kind,
            name: name?,
            phone,
            relation,
        })
    }

    /// The whole form as a registration to submit.
    pub fn registration(&self, settings: &Settings, lang: Lang, minor: bool) -> Registration {
        let health = settings
            .questions
            .iter()
            .enumerate()
            .map(|(i, q)| {
                let answer = self.health.get(i).copied().flatten().unwrap_or(false);
                let details = (answer && q.details != Details::None).then(|| {
                    normalize::clean_text(self.value(Input::HealthDetails(i))).into_owned()
                });
                HealthAnswer::new(q, lang, answer, details)
            })
            .collect();
        let clauses = settings
            .template
            .clauses
            .iter()
            .enumerate()
            .filter(|(_, c)| c.audience.shown_to(minor))
            .map(|(i, c)| {
                // Each placement is recorded against its clause, with the initials placed:
                // the guardian's on the guardian's clauses.
                let initials = normalize::clean_text(self.value(Input::initials_for(c)));
                match self.clauses.get(i).copied().flatten() {
                    Some(true) => ClauseAnswer::agreed(c, lang, &initials),
                    // Only an optional clause gets here unanswered: the step checks.
                    _ => ClauseAnswer::declined(c, lang),
                }
            })
            .collect();
        let guardian = minor.then(|| Guardian {
            name: normalize::clean_text(self.value(Input::GuardianName)).into_owned(),
            relationship: normalize::clean_text(self.value(Input::GuardianRelation)).into_owned(),
            signature_png: self.guardian_pad.png().unwrap_or_default(),
        });
        Registration {
            existing: self.existing,
            // A returning customer confirmed the summary of what is on file.
            shown_stored: true,
            profile: self.profile(lang),
            emergency: self.contact(
                ContactKind::Emergency,
                [
                    Input::EmergencyName,
                    Input::EmergencyPhone,
                    Input::EmergencyRelation,
                ],
            ),
            physician: self.contact(
                ContactKind::Physician,
                [
                    Input::PhysicianName,
                    Input::PhysicianPhone,
                    Input::PhysicianPractice,
                ],
            ),
            health,
            language: lang,
            clauses,
            guardian,
            signature_png: self.customer_pad.png().unwrap_or_default(),
        }
    }
}

impl Drop for Form {
    fn drop(&mut self) {
        self.wipe();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_follow_the_language() {
        let d = NaiveDate::from_ymd_opt(1990, 3, 4).unwrap();
        assert_eq!(parse_date_digits("03041990", Lang::En), Some(d));
        assert_eq!(parse_date_digits("04031990", Lang::Es), Some(d));
        assert_eq!(parse_date_digits("13041990", Lang::En), None);
        assert_eq!(parse_date_digits("0304199", Lang::En), None);
        let settings = Settings::defaults();
        let mut form = Form::new(&settings);
        form.set(Input::Profile(Field::Birthdate), "03041990");
        assert_eq!(form.display(Input::Profile(Field::Birthdate)), "03/04/1990");
        form.relang(Lang::En, Lang::Es);
        assert_eq!(form.value(Input::Profile(Field::Birthdate)), "04031990");
    }

    #[test]
    fn masks_keep_only_first_letters() {
        let p = Profile::default()
            .with(Field::FirstName, "Ann")
            .with(Field::LastName, "Lee");
        assert_eq!(mask_name(&p), "A••• L•••");
        assert_eq!(mask_email("ann.lee@example.com"), "a•••@e•••.com");
        // Lengths never show: a long name masks like a short one.
        let long = Profile::default()
            .with(Field::FirstName, "Alexandria")
            .with(Field::LastName, "Lopez-Obrador");
        assert_eq!(mask_name(&long), "A••• L•••");
        assert_eq!(mask_email("a@e.com"), mask_email("annabelle@example.com"));
        assert_eq!(mask_phone("+1 (555) 010-2334"), "•••• 34");
    }

    #[test]
    fn wipe_leaves_nothing() {
        let settings = Settings::defaults();
        let mut form = Form::new(&settings);
        for c in "Ann".chars() {
            form.push(Input::Profile(Field::FirstName), c);
        }
        form.health[0] = Some(true);
        form.customer_pad.strokes.push(vec![(1.0, 2.0)]);
        form.opt_in = true;
        assert!(!form.is_blank());
        form.wipe();
        assert!(form.is_blank());
        assert_eq!(form.value(Input::Profile(Field::FirstName)), "");
    }

    #[test]
    fn pins_and_dates_take_digits_only() {
        let settings = Settings::defaults();
        let mut form = Form::new(&settings);
        for c in "12a3".chars() {
            form.push(Input::Pin, c);
        }
        assert_eq!(form.display(Input::Pin), "•••");
        for c in "+1+5".chars() {
            form.push(Input::LookupPhone, c);
        }
        assert_eq!(form.value(Input::LookupPhone), "+15");
    }
}
