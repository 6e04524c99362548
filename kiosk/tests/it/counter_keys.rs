//! Typing at the counter on its touchscreen: the PIN on the number pad, a search and a
//! note on the letter keys, a contact's fields one after another with Next, in the
//! counter's language; and a hardware keyboard still typing into the same inputs.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use iced::keyboard::key::{Key as HwKey, Named};
use intake_common::customer::ContactKind;
use intake_kiosk::counter::Message;
use intake_kiosk::counter::typing::{Input, Part};

use super::counter::Harness;

/// A key pressed on a hardware keyboard.
fn hardware(h: &mut Harness, key: HwKey, text: Option<&str>) {
    h.counter
        .update(Message::Hardware(key, text.map(String::from)));
}

fn hardware_text(h: &mut Harness, text: &str) {
    for c in text.chars() {
        let s = c.to_string();
        hardware(h, HwKey::Character(s.as_str().into()), Some(&s));
    }
}

/// A checked-in customer's card open for the front desk (fay).
fn card_open_at_the_front_desk() -> Harness {
    let mut h = Harness::new();
    let id = h.check_in(6);
    h.pin("1357");
    h.counter.update(Message::Open(id));
    h
}

#[test]
fn staff_sign_in_on_the_on_screen_pin_pad_or_a_hardware_keyboard() {
    let mut h = Harness::new();
    // The artist's PIN is 975310: one slip, corrected with Delete.
    h.type_on_keys("97531", "");
    h.tap("8");
    assert!(h.shows("●●●●●●"), "the digits are hidden, each a dot");
    h.tap("Delete");
    h.tap("0");
    h.tap("OK");
    assert_eq!(h.counter.signed_in().unwrap().name, "art");
    h.tap("Sign out");

    // A hardware keyboard types the same PIN; letters are not digits and are dropped.
    hardware_text(&mut h, "9x75310");
    assert_eq!(h.counter.value(Input::Pin), "975310");
    hardware(&mut h, HwKey::Named(Named::Enter), None);
    assert_eq!(h.counter.signed_in().unwrap().name, "art");
}

#[test]
fn staff_find_a_customer_by_typing_on_the_keys_with_the_results_in_view() {
    let mut h = Harness::new();
    h.check_in(9); // Priya Lee
    let wanted = h.check_in(14); // Carlos Nguyen
    h.pin("1357");
    assert!(!h.shows("space"), "no keyboard until an input is tapped");

    h.tap("Name, e-mail or phone");
    assert_eq!(h.counter.typing(), Some(Input::Search));
    h.type_on_keys("nguy", "space");
    // What is typed shows above the keys, and the result is in view over them.
    assert!(h.sees_part("nguy|"));
    assert!(h.sees_part("Carlos Nguyen   "));
    assert!(!h.sees_part("Priya Lee   "), "only the customer typed for");
    h.tap("Delete");
    assert_eq!(h.counter.value(Input::Search), "ngu");
    h.tap_starting("Carlos Nguyen   ");
    assert_eq!(h.counter.open_customer(), Some(wanted));
    assert_eq!(
        h.counter.typing(),
        None,
        "the keyboard left with the search"
    );
    assert!(!h.shows("space"));
}

#[test]
fn staff_add_a_note_typed_on_the_keys() {
    let mut h = card_open_at_the_front_desk();
    h.tap("Add a note");
    h.type_on_keys("prefers afternoons", "space");
    assert!(h.sees_part("prefers afternoons|"));
    h.tap("Done");
    assert_eq!(h.counter.typing(), None, "Done closes the keyboard");
    h.tap("Add note");
    assert_eq!(
        h.count("SELECT count(*) FROM notes WHERE body = 'prefers afternoons' AND author = 'fay'"),
        1
    );
    assert_eq!(h.counter.notice().as_deref(), Some("Note added."));

    // A hardware keyboard: tap the field, type, Enter adds the note.
    h.tap("Add a note");
    hardware_text(&mut h, "Latex-free");
    hardware(&mut h, HwKey::Named(Named::Enter), None);
    assert_eq!(
        h.count("SELECT count(*) FROM notes WHERE body = 'Latex-free'"),
        1
    );
}

#[test]
fn next_walks_a_contacts_fields_in_spanish_and_the_phone_gets_the_number_pad() {
    let mut h = card_open_at_the_front_desk();
    h.tap("ES");
    // The contact editors sit below the fold: send what a tap on the name sends.
    let name = Input::Contact(ContactKind::Emergency, Part::Name);
    h.counter.update(Message::Focus(name));
    assert!(h.shows("Mayús") && h.shows("Siguiente") && h.shows("Listo"));
    // The contact given at the kiosk, rubbed out: an empty name starts with a capital, and
    // so does its second word.
    assert_eq!(h.counter.value(name), "Sam Lee");
    for _ in 0..7 {
        h.tap("Borrar");
    }
    h.type_on_keys("Ana Ruiz", "espacio");
    assert_eq!(h.counter.value(name), "Ana Ruiz");
    assert!(h.sees_part("Contacto de emergencia · Nombre"));
    h.tap("Siguiente");
    let phone = Input::Contact(ContactKind::Emergency, Part::Phone);
    assert_eq!(h.counter.typing(), Some(phone));
    assert!(h.shows("+") && !h.shows("q"), "a number pad, not letters");
    for _ in 0..h.counter.value(phone).chars().count() {
        h.tap("Borrar");
    }
    h.type_on_keys("5125550142", "");
    h.tap("Siguiente");
    for _ in 0..h
        .counter
        .value(Input::Contact(ContactKind::Emergency, Part::Relation))
        .len()
    {
        h.tap("Borrar");
    }
    h.type_on_keys("hermano", "espacio");
    h.tap("Listo");
    assert_eq!(h.counter.typing(), None);
    h.counter
        .update(Message::SaveContact(ContactKind::Emergency));
    assert_eq!(
        h.count("SELECT count(*) FROM contacts WHERE kind = 'emergency' AND name = 'Ana Ruiz' AND relation = 'hermano' AND phone LIKE '%555%0142'"),
        1
    );
}
