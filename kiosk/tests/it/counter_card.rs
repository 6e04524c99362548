//! The counter display's pages as staff meet them: in Spanish at a tap, minors marked,
//! medical answers dated with repeats folded, signed releases opened as their PDF, and
//! every button big enough for a finger with its label clear of the border.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::time::Duration;

use chrono::Local;
use intake_common::customer::{MedicalCondition, MedicalKind};
use intake_common::settings::Lang;
use intake_common::{Mutation, Op, mutation};
use intake_kiosk::counter::words::{CounterMsg, Words};
use intake_kiosk::counter::{Message, TOUCH_MIN};
use uuid::Uuid;

use super::counter::Harness;
use super::touch::check_buttons;

fn flag(h: &Harness, id: Uuid) {
    let op = Op::AddFlag {
        customer: id,
        id: Uuid::now_v7(),
        kind: "allergy-risk".into(),
        note: Some("Latex: nitrile gloves".into()),
    };
    mutation::submit(&mut h.other(), &Mutation::new("olive", op)).unwrap();
}

fn medical(h: &Harness, id: Uuid, name: &str, details: &str) {
    let op = Op::AddMedicalCondition {
        customer: id,
        id: Uuid::now_v7(),
        condition: MedicalCondition {
            kind: MedicalKind::Allergy,
            name: name.into(),
            details: Some(details.into()),
        },
    };
    mutation::submit(&mut h.other(), &Mutation::new("olive", op)).unwrap();
    // Each answer a few milliseconds after the one before.
    std::thread::sleep(Duration::from_millis(5));
}

#[test]
fn the_counter_speaks_spanish_at_a_tap() {
    let mut h = Harness::new();
    h.tap("ES");
    assert!(h.shows("Acceso del personal"));
    assert!(h.shows("Borrar"), "the PIN pad's keys too");
    h.pin("1111");
    assert!(h.shows("Ese PIN no es correcto."));
    h.pin("246810");
    assert!(h.shows("Registros de hoy (0)"));
    assert!(h.shows("olive · dueño"));
    assert!(h.shows("Guardado en este ordenador"));
    h.tap("EN");
    assert!(h.shows("Today's check-ins (0)"));
}

#[test]
fn minors_show_their_age_and_guardian_on_the_list_and_the_card() {
    let mut h = Harness::new();
    let adult = h.check_in(1);
    let minor = h.check_in(2); // every third registration is a minor with a guardian
    h.pin("1357"); // the front desk: no medical details, but the guardian is no secret
    let born = h.counter.check_ins().iter().find(|c| c.customer == minor);
    let born = born.unwrap().birthdate.clone().unwrap();
    let born = chrono::NaiveDate::parse_from_str(&born, "%Y-%m-%d").unwrap();
    let age = intake_common::release::age_on(born, Local::now().date_naive());
    assert!(age < 18);
    let last = h.counter.check_ins().iter().find(|c| c.customer == minor);
    let last = last
        .unwrap()
        .name
        .split(' ')
        .next_back()
        .unwrap()
        .to_owned();
    let line = format!("Minor, {age} · Guardian: Sam {last} (parent)");
    assert!(h.shows(&line), "on the list: {line}");
    assert!(!h.shows_part("Minor, 2"), "the adult is not marked");

    h.counter.update(Message::Open(minor));
    assert_eq!(
        h.ui().find(line.as_str()).iter().count(),
        1,
        "on the card as well"
    );
    h.counter.update(Message::Open(adult));
    assert_eq!(h.counter.open_customer(), Some(adult));
    h.tap("‹ Back");
    h.tap("ES");
    assert!(h.shows(&format!("Menor, {age} · Tutor: Sam {last} (parent)")));
}

#[test]
fn a_repeated_medical_answer_shows_the_latest_with_its_date_and_the_earlier_ones_behind_it() {
    let mut h = Harness::new();
    let id = h.check_in(4);
    medical(&h, id, "Penicillin", "hives");
    medical(&h, id, "penicillin ", "rash");
    medical(&h, id, "Penicillin", "swelling");
    medical(&h, id, "Latex", "itching");
    h.pin("975310"); // the artist may read them
    h.counter.update(Message::Open(id));
    let today = Local::now().format("%Y-%m-%d").to_string();
    assert!(h.shows(&format!("✚ allergy: Latex — itching · {today}")));
    assert!(h.shows(&format!("✚ allergy: Penicillin — swelling · {today}")));
    assert!(!h.shows_part("hives") && !h.shows_part("— rash"));
    h.tap("2 earlier answers");
    assert!(h.shows(&format!("✚ allergy: Penicillin — hives · {today}")));
    assert!(h.shows(&format!("✚ allergy: penicillin  — rash · {today}")) || h.shows_part("— rash"));
    h.tap("Hide earlier answers");
    assert!(!h.shows_part("hives"));
    // The one answer of the other question has nothing behind it.
    assert!(!h.shows("1 earlier answer"));
}

#[test]
fn signed_releases_are_listed_and_open_as_the_signed_pdf_written_for_the_owner_only() {
    let mut h = Harness::new();
    let id = h.check_in(5); // signed in Spanish
    h.pin("1357"); // the front desk may see the list, not the health answers in the PDF
    h.counter.update(Message::Open(id));
    let template = intake_common::settings::Settings::defaults().template;
    let signed_at: String = h
        .other()
        .conn()
        .query_row(
            "SELECT signed_at FROM releases WHERE customer_id = ?1",
            [id],
            |r| r.get(0),
        )
        .unwrap();
    let when = intake_kiosk::counter::local_time(&signed_at);
    assert!(h.shows_part(&format!(" {when} · {} v", template.id)));
    assert!(h.shows_part(" · Español"));
    let release: Uuid = h
        .other()
        .conn()
        .query_row(
            "SELECT id FROM releases WHERE customer_id = ?1",
            [id],
            |r| r.get(0),
        )
        .unwrap();
    // The front desk's button is off; were the message sent anyway, nothing is written.
    h.counter.update(Message::OpenRelease(release));
    assert_eq!(
        h.counter.notice().as_deref(),
        Some("Your role cannot do that. Ask a manager.")
    );
    assert!(!h.counter.pdf_dir().exists());

    h.tap("Sign out");
    h.pin("975310");
    h.counter.update(Message::Open(id));
    // The releases sit below the fold: send what the button sends.
    h.counter.update(Message::OpenRelease(release));
    let dir = h.counter.pdf_dir();
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0], dir.join(format!("release-{release}.pdf")));
    assert!(std::fs::read(&files[0]).unwrap().starts_with(b"%PDF"));
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&files[0]), 0o600);
        assert_eq!(mode(&dir), 0o700);
    }
    assert_eq!(
        h.count("SELECT count(*) FROM audit_log WHERE action = 'release.view' AND actor = 'art'"),
        1
    );
    assert!(h.counter.notice().unwrap().starts_with("Saved as "));
    // Opening it again replaces the copy; signing out deletes it.
    h.counter.update(Message::OpenRelease(release));
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    h.tap("Sign out");
    assert!(!files[0].exists(), "the PDF left with the staff member");
}

#[test]
fn in_spanish_every_button_is_a_finger_high_and_no_label_touches_its_border() {
    use CounterMsg as M;
    let mut h = Harness::new();
    let id = h.check_in(7);
    flag(&h, id);
    medical(&h, id, "Penicillin", "hives");
    medical(&h, id, "Penicillin", "rash");
    h.tap("ES");
    let tr = intake_common::i18n::Tr::built_in();
    let w = Words::new(&tr, Lang::Es);
    let mut labels: Vec<String> = [
        M::Ok,
        M::KeyDelete,
        M::SignOut,
        M::Back,
        M::Acknowledge,
        M::EndSession,
        M::StartSession,
        M::AddNote,
        M::SaveEmergency,
        M::SavePhysician,
        M::OpenRelease,
        M::HideEarlier,
    ]
    .into_iter()
    .map(|m| w.get(m).into_owned())
    .collect();
    labels.extend(["EN", "ES", "7", "0"].map(String::from));
    labels.push("1 respuesta anterior".into());

    let on_sign_in = check_buttons(h.ui(), &labels, TOUCH_MIN);
    assert!(on_sign_in >= 6, "{on_sign_in} buttons on the sign-in page");
    h.pin("975310");
    h.counter.update(Message::Open(id));
    h.counter.update(Message::SessionText("antebrazo".into()));
    h.counter.update(Message::Acknowledge);
    h.counter.update(Message::StartSession);
    let on_card = check_buttons(h.ui(), &labels, TOUCH_MIN);
    h.counter.update(Message::ToggleEarlier(0));
    let expanded = check_buttons(h.ui(), &labels, TOUCH_MIN);
    assert!(
        on_card >= 10 && expanded >= 10,
        "{on_card}, {expanded} buttons on the card"
    );
}
