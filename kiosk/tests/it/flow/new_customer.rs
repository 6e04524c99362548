//! A first-time customer: an adult, a minor with a guardian, and what the release and
//! the signature pad do under a finger.

#![allow(clippy::unwrap_used)]

use iced::widget::Id;
use iced::{Event, Point, mouse};
use intake_common::customer::Field;
use intake_common::release;
use intake_common::{Actor, Role};
use intake_kiosk::form::Input;
use intake_kiosk::pad::{PadEvent, PadId};
use intake_kiosk::screen::{reveal, signature};
use intake_kiosk::{Message, Screen, Step};

use super::harness::{Harness, digits, years_ago};
use super::paths;

fn owner() -> Actor {
    Actor {
        name: "olive".into(),
        role: Role::Owner,
    }
}

#[test]
fn an_adult_registers_and_signs_in_under_a_hundred_taps() {
    let mut h = Harness::new();
    h.snapshot("welcome");
    paths::first_time_adult(&mut h);
    assert!(h.sees("Thank you, Ann!"));
    h.snapshot("thanks");
    assert!(h.taps <= 100, "{} taps", h.taps);
    // Durable before the thank-you: the rows are there, and the form is gone from memory.
    assert_eq!(h.count("customers"), 1);
    assert_eq!(h.count("releases"), 1);
    assert_eq!(h.count("contacts"), 1);
    assert!(h.kiosk.form.is_blank());
    let list = release::list(h.kiosk.db(), &owner(), None, 10).unwrap();
    let content = release::open(h.kiosk.db(), &owner(), list[0].id).unwrap();
    assert_eq!(content.customer["FirstName"], "Ann");
    assert_eq!(content.customer["Email"], "ann.lee@gmail.com");
    assert_eq!(content.customer["City"], "Austin");
    assert_eq!(content.customer["PhoneNumber"], "5125550121");
    assert_eq!(content.device, "lobby-test");
    assert_eq!(content.template, *h.kiosk.template_ref());
    assert!(content.guardian.is_none());
    assert!(content.health.iter().all(|a| !a.answer));
    // The initials were adopted once, from the name, and placed on each clause asking.
    for c in &content.clauses {
        match c.confirm {
            intake_common::settings::Confirm::Initials => {
                assert_eq!(c.initials.as_deref(), Some("AL"), "{}", c.id)
            }
            intake_common::settings::Confirm::Tick => assert_eq!(c.initials, None),
        }
    }
    assert!(content.signature_png.starts_with(b"\x89PNG"));
    // The thank-you goes back to the welcome screen by itself.
    h.advance(11);
    assert_eq!(h.kiosk.screen, Screen::Welcome);
}

#[test]
fn a_minor_meets_the_guardian_step_right_after_the_birthdate() {
    let mut h = Harness::new();
    paths::minor_with_guardian(&mut h);
    let id = release::list(h.kiosk.db(), &owner(), None, 1).unwrap()[0].id;
    let content = release::open(h.kiosk.db(), &owner(), id).unwrap();
    let guardian = content.guardian.unwrap();
    assert_eq!(guardian.name, "Cara Lee");
    assert_eq!(guardian.relationship, "mother");
    assert!(guardian.signature_png.starts_with(b"\x89PNG"));
    // The age on the release is the one on the day it was signed.
    assert_eq!(
        content.age_at_signing,
        release::age_on(years_ago(16), content.signed_at.date_naive())
    );
    // An adult never sees the guardian's step.
    let mut h = Harness::new();
    h.tap("I'm new here");
    h.fill(&[
        (Input::Profile(Field::FirstName), "Ann"),
        (Input::Profile(Field::LastName), "Lee"),
    ]);
    h.type_into(Input::Profile(Field::Birthdate), &digits(years_ago(30)));
    h.type_into(Input::Profile(Field::PhoneNumber), "5125550121");
    h.tap("Next");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::Address));
}

#[test]
fn a_minors_release_needs_both_signatures() {
    let mut h = Harness::new();
    h.tap("I'm new here");
    h.fill(&[
        (Input::Profile(Field::FirstName), "Tess"),
        (Input::Profile(Field::LastName), "Lee"),
    ]);
    h.type_into(Input::Profile(Field::Birthdate), &digits(years_ago(16)));
    h.type_into(Input::Profile(Field::PhoneNumber), "5125550122");
    h.tap("Next");
    assert!(h.sees("A parent or guardian must sign"));
    assert!(h.sees("You are 16 years old."));
    // The guardian's name cannot be skipped.
    h.tap("Next");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::Guardian));
    h.fill(&[
        (Input::GuardianName, "Cara Lee"),
        (Input::GuardianRelation, "mother"),
    ]);
    h.tap("Next");
    h.tap("Next");
    h.fill(&[
        (Input::EmergencyName, "Cara Lee"),
        (Input::EmergencyPhone, "5125550123"),
    ]);
    h.tap("Next");
    h.tap("None of these apply to me");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::Release));
    paths::confirm_clauses(&mut h, &[]);
    h.sign(PadId::Customer);
    h.tap("Next");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::Release));
    assert!(h.sees("The parent or guardian must sign in their box."));
    h.sign(PadId::Guardian);
    h.tap("Next");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::Review));
}

#[test]
fn a_minors_review_shows_the_guardian_beside_the_minor() {
    let mut h = Harness::new();
    h.tap("I'm new here");
    h.fill(&[
        (Input::Profile(Field::FirstName), "Tess"),
        (Input::Profile(Field::LastName), "Lee"),
    ]);
    h.type_into(Input::Profile(Field::Birthdate), &digits(years_ago(16)));
    h.type_into(Input::Profile(Field::PhoneNumber), "5125550122");
    h.tap("Next");
    h.fill(&[
        (Input::GuardianName, "Cara Lee"),
        (Input::GuardianRelation, "mother"),
    ]);
    h.tap("Next");
    h.tap("Next");
    h.fill(&[
        (Input::EmergencyName, "Cara Lee"),
        (Input::EmergencyPhone, "5125550123"),
    ]);
    h.tap("Next");
    h.tap("None of these apply to me");
    paths::initial_and_sign(&mut h);
    h.tap("Next");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::Review));
    assert!(h.sees("Tess Lee"));
    assert!(h.sees("Guardian's full name"));
    assert!(h.sees("Cara Lee"));
    assert!(h.sees("mother"));
    // Both signatures are drawn, side by side and the same size.
    let picture = |id: PadId| {
        h.ui()
            .find(Id::from(id.review_id()))
            .unwrap_or_else(|e| panic!("no picture of the {id:?} signature: {e}"))
            .bounds()
    };
    let (minor, guardian) = (picture(PadId::Customer), picture(PadId::Guardian));
    assert!(minor.width > 100.0 && minor.height > 50.0, "{minor:?}");
    assert_eq!(guardian.size(), minor.size());
    assert_eq!(guardian.y, minor.y);
    assert!(
        guardian.x >= minor.x + minor.width,
        "{minor:?} {guardian:?}"
    );
    // The signatures are at the foot of the page: scroll down to them.
    let mut ui = h.ui();
    ui.point_at(Point::new(640.0, 400.0));
    ui.simulate([Event::Mouse(mouse::Event::WheelScrolled {
        delta: mouse::ScrollDelta::Lines { x: 0.0, y: -80.0 },
    })]);
    h.snapshot_of(ui, "review-minor");
    // In Spanish, too.
    h.tap("Español");
    assert!(h.sees("Parentesco"));
    assert!(h.sees("Firma del padre, madre o tutor"));
}

/// The customer's pad on the release, where it is on screen now.
fn pad_bounds(h: &Harness) -> iced::Rectangle {
    h.ui()
        .find(reveal::id(reveal::Target::Spot(
            intake_kiosk::form::Spot::CustomerPad,
        )))
        .unwrap()
        .bounds()
}

#[test]
fn nothing_moves_under_a_finger_that_signs_after_an_error() {
    let mut h = Harness::new();
    h.tap("I'm new here");
    h.fill(&[
        (Input::Profile(Field::FirstName), "Ann"),
        (Input::Profile(Field::LastName), "Lee"),
    ]);
    h.type_into(Input::Profile(Field::Birthdate), &digits(years_ago(30)));
    h.type_into(Input::Profile(Field::PhoneNumber), "5125550121");
    h.tap("Next");
    h.tap("Next");
    h.fill(&[
        (Input::EmergencyName, "Bo Lee"),
        (Input::EmergencyPhone, "5125550199"),
    ]);
    h.tap("Next");
    h.tap("None of these apply to me");
    paths::confirm_clauses(&mut h, &[]);
    let before = pad_bounds(&h);
    // Next without a signature: the banner and the pad's message show...
    h.tap("Next");
    assert!(h.sees("Some answers need another look — see the messages in red."));
    assert!(h.sees("Please sign in the box."));
    // ... and the pad has not moved.
    assert_eq!(pad_bounds(&h), before);
    // A finger comes down and draws: nothing moves, nothing is dropped.
    let pad =
        |h: &mut Harness, e| h.send(Message::Sign(signature::Message::Pad(PadId::Customer, e)));
    pad(
        &mut h,
        PadEvent::Begin {
            at: (40.0, 120.0),
            size: (900.0, 280.0),
        },
    );
    assert_eq!(pad_bounds(&h), before, "moved as the finger came down");
    assert!(
        h.sees("Please sign in the box."),
        "message gone under the finger"
    );
    for i in 1..40 {
        pad(
            &mut h,
            PadEvent::To((40.0 + i as f32 * 15.0, 120.0 + (i as f32).sin() * 40.0)),
        );
        assert_eq!(pad_bounds(&h), before, "moved mid-stroke");
    }
    pad(&mut h, PadEvent::End);
    assert_eq!(h.kiosk.form.customer_pad.strokes.len(), 1);
    assert_eq!(h.kiosk.form.customer_pad.strokes[0].len(), 40);
    // The finger is up: the messages go, and still nothing moves.
    assert!(!h.sees("Please sign in the box."));
    assert!(!h.sees("Some answers need another look — see the messages in red."));
    assert_eq!(pad_bounds(&h), before);
}

#[test]
fn initials_are_adopted_once_and_placed_with_a_tap() {
    let mut h = Harness::new();
    h.tap("I'm new here");
    h.fill(&[
        (Input::Profile(Field::FirstName), "Ann"),
        (Input::Profile(Field::LastName), "Lee"),
    ]);
    h.type_into(Input::Profile(Field::Birthdate), &digits(years_ago(30)));
    h.type_into(Input::Profile(Field::PhoneNumber), "5125550121");
    h.tap("Next");
    h.tap("Next");
    h.fill(&[
        (Input::EmergencyName, "Bo Lee"),
        (Input::EmergencyPhone, "5125550199"),
    ]);
    h.tap("Next");
    h.tap("None of these apply to me");
    // Prefilled from the name, changeable, always in capitals.
    assert_eq!(h.kiosk.form.value(Input::Initials), "AL");
    h.type_into(Input::Initials, "AML");
    assert_eq!(h.kiosk.form.value(Input::Initials), "AML");
    h.snapshot("release");
    // One tap places them; a second takes them back.
    h.tap("Tap to initial");
    assert_eq!(h.kiosk.form.clauses[0], Some(true));
    assert!(h.sees("AML ✓"));
    h.tap("AML ✓");
    assert_eq!(h.kiosk.form.clauses[0], None);
    // Nothing to place without initials: the field says so.
    h.type_into(Input::Initials, "");
    h.tap("Tap to initial");
    assert_eq!(h.kiosk.form.clauses[0], None);
    assert!(h.sees("Please fill this in."));
    // Next with clauses left shows which, at the clause.
    h.type_into(Input::Initials, "al");
    assert_eq!(h.kiosk.form.value(Input::Initials), "AL");
    h.tap("Next");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::Release));
    assert!(h.sees("Please tap to place your initials on this statement."));
}
