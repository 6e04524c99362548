//! Whole check-ins as a customer makes them, tap by tap: a first-time adult who gives an
//! e-mail and an address, a returning customer, and a minor with a guardian. The tests
//! check what they leave behind; the flow benchmark counts their taps.

#![allow(dead_code, clippy::unwrap_used)]

use intake_common::customer::Field;
use intake_common::settings::Confirm;
use intake_common::{Db, Mutation, Op, Profile};
use intake_kiosk::form::Input;
use intake_kiosk::pad::PadId;
use intake_kiosk::screen::{health, release};
use intake_kiosk::{Message, Screen, Step};

use crate::flow::harness::{Harness, digits, years_ago};

/// Answers one health question with a tap on its Yes or No.
pub fn answer(h: &mut Harness, question: usize, yes: bool) {
    h.taps += 1;
    h.send(Message::Health(health::Message::Answer(question, yes)));
}

/// Places the initials on (or ticks) every clause shown, one tap each, accepts the
/// optional ones unless `decline` names them, then signs (the guardian too, for a minor).
pub fn initial_and_sign(h: &mut Harness) {
    initial_and_sign_declining(h, &[]);
}

pub fn initial_and_sign_declining(h: &mut Harness, decline: &[&str]) {
    confirm_clauses(h, decline);
    h.sign(PadId::Customer);
    if h.kiosk.is_minor() {
        h.sign(PadId::Guardian);
    }
}

/// Answers every clause shown, one tap each: Yes to the optional ones not in `decline`.
pub fn confirm_clauses(h: &mut Harness, decline: &[&str]) {
    assert_eq!(h.kiosk.screen, Screen::Step(Step::Release));
    let lang = h.kiosk.lang;
    h.release_words = h
        .kiosk
        .settings
        .template
        .title
        .get(lang)
        .split_whitespace()
        .count()
        + h.kiosk
            .shown_clauses()
            .map(|(_, c)| c.text.get(lang).split_whitespace().count())
            .sum::<usize>();
    let shown: Vec<(usize, String, bool)> = h
        .kiosk
        .shown_clauses()
        .map(|(i, c)| (i, c.id.clone(), c.optional))
        .collect();
    for (i, id, optional) in shown {
        // The button as it shows; below the fold it is reached by scrolling, which is
        // not counted as a tap.
        h.taps += 1;
        let yes = !decline.contains(&id.as_str());
        h.send(Message::Release(if optional {
            release::Message::Choose(i, yes)
        } else {
            release::Message::Confirm(i)
        }));
        assert_eq!(h.kiosk.form.clauses[i], Some(yes), "clause {id}");
    }
}

/// A first-time adult: name, birthdate, phone and e-mail; street, city, state and ZIP;
/// an emergency contact; no health conditions; the release; the review.
pub fn first_time_adult(h: &mut Harness) {
    new_adult_to_health(h);
    well_sign_and_submit(h);
}

/// From the health questions of a new customer: none apply, the release initialled and
/// signed, the review submitted.
fn well_sign_and_submit(h: &mut Harness) {
    h.tap("None of these apply to me");
    initial_and_sign(h);
    h.tap("Next");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::Review));
    h.tap("Sign and submit");
    assert_eq!(h.kiosk.screen, Screen::Thanks);
}

/// The first-time adult's details, step by step, up to the health questions.
pub fn new_adult_to_health(h: &mut Harness) {
    h.tap("I'm new here");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::About));
    h.type_keys(Input::Profile(Field::FirstName), "Ann");
    h.type_keys(Input::Profile(Field::LastName), "Lee");
    h.type_keys(Input::Profile(Field::Birthdate), &digits(years_ago(30)));
    h.type_keys(Input::Profile(Field::PhoneNumber), "5125550121");
    h.type_keys(Input::Profile(Field::Email), "ann.lee@gmail.com");
    h.done();
    h.tap("Next");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::Address));
    h.type_keys(Input::Profile(Field::Street), "12 Oak St");
    h.type_keys(Input::Profile(Field::City), "Austin");
    h.type_keys(Input::Profile(Field::State), "TX");
    h.type_keys(Input::Profile(Field::PostalCode), "78701");
    h.done();
    h.tap("Next");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::Contacts));
    h.type_keys(Input::EmergencyName, "Bo Lee");
    h.type_keys(Input::EmergencyPhone, "5125550199");
    h.done();
    h.tap("Next");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::Health));
}

/// A 16-year-old and their mother: the guardian's step comes right after the birthdate.
pub fn minor_with_guardian(h: &mut Harness) {
    h.tap("I'm new here");
    h.type_keys(Input::Profile(Field::FirstName), "Tess");
    h.type_keys(Input::Profile(Field::LastName), "Lee");
    h.type_keys(Input::Profile(Field::Birthdate), &digits(years_ago(16)));
    h.type_keys(Input::Profile(Field::PhoneNumber), "5125550122");
    h.done();
    h.tap("Next");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::Guardian));
    h.fill(&[
        (Input::GuardianName, "Cara Lee"),
        (Input::GuardianRelation, "mother"),
    ]);
    h.tap("Next");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::Address));
    h.tap("Next");
    h.fill(&[
        (Input::EmergencyName, "Cara Lee"),
        (Input::EmergencyPhone, "5125550123"),
    ]);
    h.tap("Next");
    well_sign_and_submit(h);
}

/// A returning customer: found by birthdate and phone, "that's me and it's all right",
/// health asked again, the release signed.
pub fn returning(h: &mut Harness) {
    h.tap("I've been here before");
    assert_eq!(h.kiosk.screen, Screen::Lookup);
    h.type_keys(Input::LookupBirthdate, "03041990");
    // Eight digits make a date: the keyboard is on the phone already.
    assert_eq!(h.kiosk.focus, Some(Input::LookupPhone));
    h.type_keys(Input::LookupPhone, "5125550121");
    h.tap("Find me");
    assert_eq!(h.kiosk.screen, Screen::Recap);
    h.tap("Yes, that's me");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::Health));
    h.tap("None of these apply to me");
    initial_and_sign(h);
    h.tap("Sign and submit");
    assert_eq!(h.kiosk.screen, Screen::Thanks);
}

/// A kiosk whose database holds Ann Lee, as an import leaves her.
pub fn with_customer() -> (Harness, uuid::Uuid) {
    let dir = tempfile::tempdir().unwrap();
    let mut db = Db::open_dir(dir.path()).unwrap();
    let id = uuid::Uuid::now_v7();
    let profile = Profile::default()
        .with(Field::FirstName, "Ann")
        .with(Field::LastName, "Lee")
        .with(Field::Email, "ann.lee@example.com")
        .with(Field::PhoneNumber, "+15125550121")
        .with(Field::Birthdate, "1990-03-04")
        .with(Field::Street, "12 Oak St")
        .with(Field::City, "Austin")
        .with(Field::Notes, "prefers mornings");
    intake_common::mutation::submit(
        &mut db,
        &Mutation::new(
            "import",
            Op::CreateCustomer {
                customer: id,
                profile,
            },
        ),
    )
    .unwrap();
    // Her emergency contact, from her last visit.
    intake_common::mutation::submit(
        &mut db,
        &Mutation::new(
            "import",
            Op::SetContact {
                customer: id,
                contact: intake_common::customer::Contact {
                    kind: intake_common::customer::ContactKind::Emergency,
                    name: "Bo Lee".into(),
                    phone: Some("+15125550199".into()),
                    relation: Some("brother".into()),
                },
            },
        ),
    )
    .unwrap();
    (Harness::with_db(db, dir), id)
}

/// Whether the template asks for initials anywhere (the default one does).
pub fn asks_initials(h: &Harness) -> bool {
    h.kiosk
        .settings
        .template
        .clauses
        .iter()
        .any(|c| c.confirm == Confirm::Initials)
}
