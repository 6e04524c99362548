//! The release's clauses by who signs: a minor never sees an adult's clause and their
//! guardian initials their own, and an optional clause may be declined.

#![allow(clippy::unwrap_used)]

use intake_common::release::{self, Choice, Signer};
use intake_common::{Actor, Role};
use intake_kiosk::form::{Input, Spot};
use intake_kiosk::{Screen, Step};

use super::harness::Harness;
use super::paths;

fn signed(h: &Harness) -> release::ReleaseContent {
    let owner = Actor {
        name: "olive".into(),
        role: Role::Owner,
    };
    let id = release::list(h.kiosk.db(), &owner, None, 1).unwrap()[0].id;
    release::open(h.kiosk.db(), &owner, id).unwrap()
}

#[test]
fn a_minor_never_sees_an_adults_clause_and_the_guardian_initials_theirs() {
    let mut h = Harness::new();
    paths::minor_with_guardian(&mut h);
    let content = signed(&h);
    let ids: Vec<&str> = content.clauses.iter().map(|c| c.id.as_str()).collect();
    assert!(!ids.contains(&"own-decision"), "{ids:?}");
    assert!(ids.contains(&"minor-present"), "{ids:?}");
    let guardian = content
        .clauses
        .iter()
        .find(|c| c.id == "guardian-consent")
        .unwrap();
    assert_eq!(guardian.by, Signer::Guardian);
    // Cara Lee's initials, not Tess's.
    assert_eq!(guardian.initials.as_deref(), Some("CL"));
    let own = content.clauses.iter().find(|c| c.id == "risks").unwrap();
    assert_eq!(own.initials.as_deref(), Some("TL"));
}

#[test]
fn an_adult_sees_no_guardians_clause() {
    let mut h = Harness::new();
    paths::first_time_adult(&mut h);
    let ids: Vec<String> = signed(&h).clauses.into_iter().map(|c| c.id).collect();
    assert!(ids.contains(&"own-decision".to_owned()), "{ids:?}");
    assert!(
        !ids.iter()
            .any(|i| i == "guardian-consent" || i == "minor-present")
    );
}

#[test]
fn an_adult_declines_photo_consent_and_still_checks_in() {
    let (mut h, _) = paths::with_customer();
    h.tap("I've been here before");
    h.type_keys(Input::LookupBirthdate, "03041990");
    h.type_keys(Input::LookupPhone, "5125550121");
    h.tap("Find me");
    h.tap("Yes, that's me");
    h.tap("None of these apply to me");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::Release));
    // Unanswered, the optional clause asks for an answer...
    paths::confirm_clauses(&mut h, &[]);
    let photos = h
        .kiosk
        .shown_clauses()
        .find(|(_, c)| c.id == "photos")
        .map(|(i, _)| i)
        .unwrap();
    h.kiosk.form.clauses[photos] = None;
    h.sign(intake_kiosk::pad::PadId::Customer);
    h.tap("Sign and submit");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::Release));
    assert!(h.kiosk.form.problems.contains_key(&Spot::Clause(photos)));
    assert!(h.sees("Please answer Yes or No."));
    // ... and No is an answer.
    h.send(intake_kiosk::Message::Release(
        intake_kiosk::screen::release::Message::Choose(photos, false),
    ));
    h.tap("Sign and submit");
    assert_eq!(h.kiosk.screen, Screen::Thanks);
    let photos = signed(&h)
        .clauses
        .into_iter()
        .find(|c| c.id == "photos")
        .unwrap();
    assert_eq!(photos.choice, Some(Choice::Declined));
    assert_eq!(photos.initials, None);
}
