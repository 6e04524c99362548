//! A step's answers read from a post into the draft, the checks that decide whether the
//! customer may go on, and the whole draft made into the same [`Registration`] a kiosk
//! submits.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::NaiveDate;
use intake_common::customer::{Contact, ContactKind, Field, Profile};
use intake_common::release::{
    self, ClauseAnswer, Guardian, HealthAnswer, KIOSK_FIELDS, Registration, signature,
};
use intake_common::settings::{Clause, Confirm, Details, Settings};

use super::draft::Draft;
use super::fields::{
    self, DETAILS_MAX, INITIALS_MAX, OPT_IN, Problem, Step, TYPED_MAX, clean, specs,
};

/// A form post: each name's last value.
pub type Post = BTreeMap<String, String>;

/// Problems by the form control they are about (its name; see `pages::control_id`).
pub type Problems = Vec<(String, Problem)>;

/// A drawn signature is at most this many bytes of PNG...
pub const SIGNATURE_MAX_BYTES: usize = 64 << 10;
/// ...and this many pixels wide and high.
pub const SIGNATURE_MAX_PX: (u32, u32) = (1200, 600);

/// Who signs on the signature step: the customer, and a minor's guardian.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signer {
    Customer,
    Guardian,
}

impl Signer {
    /// The names of its controls: the drawn image, the typed name, "this is my signature".
    pub fn controls(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Signer::Customer => ("signature", "typed_name", "typed_confirm"),
            Signer::Guardian => (
                "guardian_signature",
                "guardian_typed_name",
                "guardian_typed_confirm",
            ),
        }
    }

    pub fn adopted(self, draft: &Draft) -> Option<&String> {
        match self {
            Signer::Customer => draft.signature.as_ref(),
            Signer::Guardian => draft.guardian_signature.as_ref(),
        }
    }

    fn adopt(self, draft: &mut Draft, png: &[u8]) {
        let slot = match self {
            Signer::Customer => &mut draft.signature,
            Signer::Guardian => &mut draft.guardian_signature,
        };
        *slot = Some(STANDARD.encode(png));
    }
}

/// The signers of a draft: a minor's guardian signs too.
pub fn signers(minor: bool) -> &'static [Signer] {
    if minor {
        &[Signer::Customer, Signer::Guardian]
    } else {
        &[Signer::Customer]
    }
}

/// The health answer's control and its details'.
pub fn question_names(i: usize) -> (String, String) {
    (format!("q{i}"), format!("q{i}_details"))
}

/// A clause's controls: its initials, its "I agree" box, its Yes/No.
pub fn clause_names(i: usize) -> (String, String, String) {
    (
        format!("c{i}"),
        format!("c{i}_agree"),
        format!("c{i}_choice"),
    )
}

/// Whether the draft's birthdate makes the customer a minor under the shop's adult age.
pub fn is_minor(draft: &Draft, settings: &Settings, today: NaiveDate) -> bool {
    fields::date(draft.value("birthdate"))
        .is_some_and(|d| release::age_on(d, today) < settings.shop.adult_age)
}

/// The clauses a signer sees, with their places in the template.
pub fn shown_clauses(settings: &Settings, minor: bool) -> impl Iterator<Item = (usize, &Clause)> {
    settings
        .template
        .clauses
        .iter()
        .enumerate()
        .filter(move |(_, c)| c.audience.shown_to(minor))
}

/// Reads `step`'s answers from `post` into `draft`. Returns what could not be taken (a
/// signature image that is no signature, a typed one not confirmed).
pub fn apply(
    step: Step,
    post: &Post,
    draft: &mut Draft,
    settings: &Settings,
    today: NaiveDate,
) -> Problems {
    let get = |name: &str| post.get(name).map_or("", String::as_str);
    let mut problems = Problems::new();
    for spec in specs(step) {
        draft.set(spec.name, get(spec.name).trim().to_owned());
    }
    match step {
        Step::About => draft.opt_in = get(OPT_IN) == "yes",
        Step::Health => {
            for (i, _) in settings.questions.iter().enumerate() {
                let (answer, details) = question_names(i);
                draft.health[i] = match get(&answer) {
                    "yes" => Some(true),
                    "no" => Some(false),
                    _ => None,
                };
                draft.set(&details, get(&details).trim().to_owned());
            }
        }
        Step::Release => {
            let minor = is_minor(draft, settings, today);
            for (i, clause) in shown_clauses(settings, minor) {
                let (initials, agree, choice) = clause_names(i);
                draft.set(&initials, get(&initials).trim().to_owned());
                let agreed = match clause.confirm {
                    Confirm::Initials => !draft.value(&initials).is_empty(),
                    Confirm::Tick => get(&agree) == "yes",
                };
                draft.clauses[i] = if clause.optional {
                    match get(&choice) {
                        "yes" => Some(true),
                        "no" => Some(false),
                        _ => None,
                    }
                } else {
                    agreed.then_some(true)
                };
                if draft.clauses[i] == Some(false) {
                    draft.set(&initials, String::new());
                }
            }
        }
        Step::Sign => {
            for signer in signers(is_minor(draft, settings, today)) {
                if let Some(p) = adopt_signature(*signer, post, draft) {
                    problems.push((signer.controls().0.to_owned(), p));
                }
            }
        }
        _ => {}
    }
    problems
}

/// Takes a signer's drawn image, or their typed name with "this is my signature".
/// Leaves what was adopted before when neither is posted.
fn adopt_signature(signer: Signer, post: &Post, draft: &mut Draft) -> Option<Problem> {
    let (drawn, typed, confirm) = signer.controls();
    let drawn = post.get(drawn).map_or("", |v| v.trim());
    let typed = clean(post.get(typed).map_or("", String::as_str));
    if !drawn.is_empty() {
        let png = drawn
            .strip_prefix("data:image/png;base64,")
            .and_then(|b| STANDARD.decode(b).ok())
            .and_then(|bytes| {
                signature::adopt_png(&bytes, SIGNATURE_MAX_BYTES, SIGNATURE_MAX_PX).ok()
            });
        return match png {
            Some(png) => {
                signer.adopt(draft, &png);
                None
            }
            None => Some(Problem::Image),
        };
    }
    if typed.is_empty() {
        return None;
    }
    if typed.chars().count() > TYPED_MAX {
        return Some(Problem::TooLong(TYPED_MAX));
    }
    if post.get(confirm).map(String::as_str) != Some("yes") {
        return Some(Problem::TypedConfirm);
    }
    match signature::render_typed_png(&typed) {
        Ok(png) => {
            signer.adopt(draft, &png);
            None
        }
        Err(_) => Some(Problem::TypedLetters),
    }
}

/// What keeps the customer from leaving `step`.
pub fn check(step: Step, draft: &Draft, settings: &Settings, today: NaiveDate) -> Problems {
    let mut problems = Problems::new();
    let region = settings.shop.region;
    for spec in specs(step) {
        if let Some(p) = fields::problem(spec, draft.value(spec.name), region, today) {
            problems.push((spec.name.to_owned(), p));
        }
    }
    match step {
        Step::Health => {
            for (i, q) in settings.questions.iter().enumerate() {
                let (answer, details) = question_names(i);
                let len = draft.value(&details).chars().count();
                match draft.health[i] {
                    None => problems.push((answer, Problem::Answer)),
                    Some(true) if q.details == Details::Required && len == 0 => {
                        problems.push((details, Problem::Details));
                    }
                    _ if len > DETAILS_MAX => {
                        problems.push((details, Problem::TooLong(DETAILS_MAX)));
                    }
                    _ => {}
                }
            }
        }
        Step::Release => {
            for (i, clause) in shown_clauses(settings, is_minor(draft, settings, today)) {
                let (initials, agree, choice) = clause_names(i);
                let len = draft.value(&initials).chars().count();
                match draft.clauses[i] {
                    None if clause.optional => problems.push((choice, Problem::Choose)),
                    None if clause.confirm == Confirm::Tick => {
                        problems.push((agree, Problem::Agree))
                    }
                    None => problems.push((initials, Problem::Initials)),
                    Some(true) if clause.confirm == Confirm::Initials && len == 0 => {
                        problems.push((initials, Problem::Initials));
                    }
                    Some(true) if len > INITIALS_MAX => {
                        problems.push((initials, Problem::TooLong(INITIALS_MAX)));
                    }
                    _ => {}
                }
            }
        }
        Step::Sign => {
            for signer in signers(is_minor(draft, settings, today)) {
                if signer.adopted(draft).is_none() {
                    problems.push((signer.controls().0.to_owned(), Problem::Sign));
                }
            }
        }
        _ => {}
    }
    problems
}

/// The first step the customer is asked that has a problem, with its problems.
pub fn first_unfinished(
    draft: &Draft,
    settings: &Settings,
    today: NaiveDate,
) -> Option<(Step, Problems)> {
    let minor = is_minor(draft, settings, today);
    Step::asked(minor)
        .filter(|s| *s != Step::Review)
        .map(|s| (s, check(s, draft, settings, today)))
        .find(|(_, p)| !p.is_empty())
}

/// The whole draft as the registration a kiosk would submit, the profile normalised the
/// way the database keeps it. `existing` is the customer it is for, when recognised.
pub fn registration(draft: &Draft, settings: &Settings, today: NaiveDate) -> Registration {
    let region = settings.shop.region;
    let lang = draft.lang;
    let minor = is_minor(draft, settings, today);
    let mut profile = Profile::default();
    for field in KIOSK_FIELDS {
        let value = match field {
            Field::OptIn => Some(if draft.opt_in { "yes" } else { "no" }.to_owned()),
            Field::Birthdate => {
                fields::date(draft.value("birthdate")).map(|d| d.format("%Y-%m-%d").to_string())
            }
            _ => fields::ABOUT
                .iter()
                .chain(fields::ADDRESS)
                .find(|s| s.field == Some(field))
                .and_then(|s| field.parse(draft.value(s.name), region).ok().flatten())
                .map(|v| v.into_owned()),
        };
        profile.set(field, value);
    }
    let contact = |kind, names: [&str; 3]| {
        let [name, phone, relation] = names.map(|n| {
            let v = clean(draft.value(n));
            (!v.is_empty()).then_some(v)
        });
        Some(Contact {
            kind,
            name: name?,
            phone,
            relation,
        })
    };
    let health = settings
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let answer = draft.health.get(i).copied().flatten().unwrap_or(false);
            let details = (answer && q.details != Details::None)
                .then(|| clean(draft.value(&question_names(i).1)));
            HealthAnswer::new(q, lang, answer, details)
        })
        .collect();
    let clauses = shown_clauses(settings, minor)
        .map(|(i, c)| match draft.clauses.get(i).copied().flatten() {
            Some(true) => ClauseAnswer::agreed(c, lang, &clean(draft.value(&clause_names(i).0))),
            _ => ClauseAnswer::declined(c, lang),
        })
        .collect();
    let png = |s: Option<&String>| s.and_then(|b| STANDARD.decode(b).ok()).unwrap_or_default();
    let guardian = minor.then(|| Guardian {
        name: clean(draft.value("guardian_name")),
        relationship: clean(draft.value("guardian_relation")),
        signature_png: png(draft.guardian_signature.as_ref()),
    });
    Registration {
        existing: None,
        // The pages never show what is on file: an empty field keeps it.
        shown_stored: false,
        profile,
        emergency: contact(
            ContactKind::Emergency,
            ["emergency_name", "emergency_phone", "emergency_relation"],
        ),
        physician: contact(
            ContactKind::Physician,
            ["physician_name", "physician_phone", "physician_practice"],
        ),
        health,
        language: lang,
        clauses,
        guardian,
        signature_png: png(draft.signature.as_ref()),
    }
}
