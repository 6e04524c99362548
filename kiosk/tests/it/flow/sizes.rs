//! Every button on the customer's screens is a finger high, with its label whole and clear
//! of its border: in English and Spanish, landscape and portrait.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use iced::advanced::widget::Id;
use intake_common::settings::Lang;
use intake_kiosk::app::FORM_SCROLL;
use intake_kiosk::{Message, Screen, Step, theme};

use super::harness::{Harness, LANDSCAPE, PORTRAIT};
use super::paths::{initial_and_sign, new_adult_to_health};
use crate::touch::check_every_button;

/// Checks the screen `h` shows in both languages and both orientations; `expected` are
/// (English) labels of buttons that must be among those checked.
fn check_screen(h: &mut Harness, expected: &[&str]) {
    for size in [LANDSCAPE, PORTRAIT] {
        for lang in [Lang::Es, Lang::En] {
            h.send(Message::SetLang(lang));
            h.size = size;
            h.send(Message::Resized(size));
            let mut ui = h.ui();
            let checked = check_every_button(&mut ui, size, &Id::new(FORM_SCROLL), theme::TOUCH);
            if lang == Lang::En {
                for label in expected {
                    assert!(
                        checked.contains(*label),
                        "{label:?} was not checked on {:?}: {checked:?}",
                        h.kiosk.screen
                    );
                }
            }
        }
    }
    h.size = LANDSCAPE;
    h.send(Message::Resized(LANDSCAPE));
}

#[test]
fn every_button_on_the_customers_screens_is_a_finger_high_and_no_label_is_squeezed() {
    let mut h = Harness::new();
    check_screen(&mut h, &["I'm new here", "I've been here before"]);
    h.tap("I've been here before");
    assert_eq!(h.kiosk.screen, Screen::Lookup);
    check_screen(&mut h, &["Find me"]);

    let mut h = Harness::new();
    h.tap("I'm new here");
    check_screen(&mut h, &["Next"]);
    let mut h = Harness::new();
    new_adult_to_health(&mut h);
    check_screen(&mut h, &["Yes", "No", "None of these apply to me"]);
    h.tap("None of these apply to me");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::Release));
    check_screen(&mut h, &["Clear", "Next"]);
    initial_and_sign(&mut h);
    h.tap("Next");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::Review));
    check_screen(&mut h, &["Sign and submit"]);
}
