//! Optional clauses and who a clause is for: what a registration must answer for the
//! signer's age, what it may decline, and what the signed release records.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use intake_common::Role;
use intake_common::release::{self, Choice, ClauseAnswer, Guardian, Signer};
use intake_common::settings::Lang;

use crate::release::{Kiosk, actor, adult, born_years_ago, counts, invalid_message, signature_png};

#[test]
fn an_adult_declines_photo_consent_and_still_checks_in() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = crate::open_db(dir.path());
    let kiosk = Kiosk::new(&mut db);
    let photos = kiosk
        .settings
        .template
        .clauses
        .iter()
        .find(|c| c.id == "photos")
        .unwrap();
    assert!(photos.optional, "the shipped photo consent is optional");
    let mut reg = kiosk.registration(adult("Ann", "Lee", "5125550121", "1990-01-02"), &[]);
    let at = reg.clauses.iter().position(|c| c.id == "photos").unwrap();
    reg.clauses[at] = ClauseAnswer::declined(photos, Lang::En);
    let before = counts(&db);

    // Declining a required clause, or leaving the optional one unanswered, is refused.
    let mut declined_required = reg.clauses.clone();
    declined_required[0].choice = Some(Choice::Declined);
    declined_required[0].initials = None;
    let mut unanswered = reg.clauses.clone();
    unanswered[at].choice = None;
    let mut initialled = reg.clauses.clone();
    initialled[at].initials = Some("AL".into());
    for (clauses, want) in [
        (
            declined_required,
            "clause \"sober\": it is required: it cannot be declined",
        ),
        (unanswered, "clause \"photos\": accept or decline it"),
        (
            initialled,
            "clause \"photos\": declined, it carries no initials",
        ),
    ] {
        let bad = release::Registration {
            clauses,
            ..reg.clone()
        };
        let message =
            invalid_message(release::submit(&mut db, &bad, &kiosk.signing()).unwrap_err());
        assert_eq!(message, want);
        assert_eq!(counts(&db), before, "{want}: a refused registration wrote");
    }

    let done = release::submit(&mut db, &reg, &kiosk.signing()).unwrap();
    // Opening checks the fingerprint: the choice is part of what was signed.
    let content = release::open(&db, &actor(Role::Owner), done.release).unwrap();
    let stored = &content.clauses[at];
    assert_eq!(stored.choice, Some(Choice::Declined));
    assert!(!stored.accepted());
    assert_eq!(stored.initials, None);
    assert!(
        content
            .clauses
            .iter()
            .filter(|c| c.id != "photos")
            .all(ClauseAnswer::accepted)
    );
    assert_eq!(content.sha256(), done.sha256);
}

#[test]
fn a_minor_answers_only_the_clauses_for_minors_and_the_guardian_confirms_theirs() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = crate::open_db(dir.path());
    let kiosk = Kiosk::new(&mut db);
    let template = &kiosk.settings.template;
    let born = born_years_ago(kiosk.settings.shop.adult_age as i32);
    let mut reg = kiosk.registration(adult("Kit", "Moss", "5125550150", &born), &[]);
    reg.guardian = Some(Guardian {
        name: "Jo Moss".into(),
        relationship: "mother".into(),
        signature_png: signature_png(),
    });
    let ids: Vec<&str> = reg.clauses.iter().map(|c| c.id.as_str()).collect();
    assert!(!ids.contains(&"own-decision"), "{ids:?}");
    assert!(ids.contains(&"guardian-consent") && ids.contains(&"minor-present"));
    let clause = |id: &str| template.clauses.iter().find(|c| c.id == id).unwrap();
    let before = counts(&db);

    let with = |change: &dyn Fn(&mut Vec<ClauseAnswer>)| {
        let mut clauses = reg.clauses.clone();
        change(&mut clauses);
        release::Registration {
            clauses,
            ..reg.clone()
        }
    };
    let at = |id: &str| reg.clauses.iter().position(|c| c.id == id).unwrap();
    let cases = [
        (
            with(&|c| {
                c.insert(
                    1,
                    ClauseAnswer::agreed(clause("own-decision"), Lang::En, "KM"),
                )
            }),
            "clause \"own-decision\": it is for adults only and is not shown to a minor",
        ),
        (
            with(&|c| {
                c.remove(at("guardian-consent"));
            }),
            "clause \"guardian-consent\": a minor must answer it",
        ),
        (
            with(&|c| c[at("guardian-consent")].by = Signer::Customer),
            "clause \"guardian-consent\": the guardian confirms it",
        ),
        (
            with(&|c| {
                let mut unknown = c[0].clone();
                unknown.id = "tattoo-on-face".into();
                c.push(unknown);
            }),
            "clause \"tattoo-on-face\": not a clause of the release template \"studio-release\"",
        ),
        (
            with(&|c| c.swap(0, 1)),
            "answered out of the template's order",
        ),
        (
            with(&|c| c[0].text = "I am sober-ish.".into()),
            "clause \"sober\": its text or how it is confirmed is not the template's",
        ),
        (
            with(&|c| {
                let again = c[0].clone();
                c.push(again);
            }),
            "clause \"sober\": answered twice",
        ),
    ];
    for (bad, want) in cases {
        let message =
            invalid_message(release::submit(&mut db, &bad, &kiosk.signing()).unwrap_err());
        assert!(message.contains(want), "{message:?} should say {want:?}");
        assert_eq!(counts(&db), before, "{want}: a refused registration wrote");
    }

    let done = release::submit(&mut db, &reg, &kiosk.signing()).unwrap();
    let content = release::open(&db, &actor(Role::Owner), done.release).unwrap();
    assert_eq!(content.clauses, reg.clauses);
    let consent = &content.clauses[at("guardian-consent")];
    assert_eq!(consent.by, Signer::Guardian, "recorded as the guardian's");
    assert!(
        content
            .clauses
            .iter()
            .filter(|c| c.id != "guardian-consent")
            .all(|c| c.by == Signer::Customer)
    );

    // An adult is never given a minor's or a guardian's clause.
    let grown = kiosk.registration(adult("Ann", "Lee", "5125550121", "1990-01-02"), &[]);
    let mut given = grown.clone();
    given.clauses.insert(
        2,
        ClauseAnswer::agreed(clause("guardian-consent"), Lang::En, "AL"),
    );
    let message = invalid_message(release::submit(&mut db, &given, &kiosk.signing()).unwrap_err());
    assert_eq!(
        message,
        "clause \"guardian-consent\": it is for guardians only and is not shown to an adult"
    );
}

#[test]
fn a_release_signed_before_choices_were_recorded_reads_and_verifies_as_it_was() {
    // A clause exactly as releases stored it before optional and guardian clauses.
    let old =
        r#"{"id":"risks","text":"I understand the risks.","confirm":"initials","initials":"AL"}"#;
    let clause: ClauseAnswer = serde_json::from_str(old).unwrap();
    assert_eq!(clause.choice, None);
    assert_eq!(clause.by, Signer::Customer);
    assert!(clause.accepted());
    // Written back byte for byte, so the SHA-256 over a whole release is unchanged.
    assert_eq!(serde_json::to_string(&clause).unwrap(), old);
    let ticked = r#"{"id":"health","text":"True.","confirm":"tick"}"#;
    let clause: ClauseAnswer = serde_json::from_str(ticked).unwrap();
    assert_eq!(serde_json::to_string(&clause).unwrap(), ticked);

    // What is new is written only where it says something.
    let declined = ClauseAnswer {
        choice: Some(Choice::Declined),
        by: Signer::Guardian,
        ..clause
    };
    assert_eq!(
        serde_json::to_string(&declined).unwrap(),
        r#"{"id":"health","text":"True.","confirm":"tick","choice":"declined","by":"guardian"}"#
    );
}
