//! What every screen shares: the keyboard, problems in plain words, the language, the
//! idle warning, Start over, changing a section from the review, sizes and themes.

#![allow(clippy::unwrap_used)]

use chrono::{Datelike, Local};
use iced::keyboard;
use intake_common::Db;
use intake_common::customer::Field;
use intake_common::settings::{Lang, Settings};
use intake_kiosk::form::Input;
use intake_kiosk::keyboard::Key;
use intake_kiosk::pad::PadId;
use intake_kiosk::screen::review;
use intake_kiosk::{Message, Screen, Step};

use super::harness::{Harness, PORTRAIT, digits, today, years_ago};
use super::paths;

#[test]
fn an_idle_form_warns_hidden_then_wipes() {
    let mut h = Harness::new();
    h.tap("I'm new here");
    h.type_into(Input::Profile(Field::FirstName), "Ann");
    h.sign(PadId::Customer);
    h.advance(44);
    assert!(!h.sees("Are you still there?"));
    h.advance(2);
    assert!(h.sees("Are you still there?"));
    assert!(h.sees("For your privacy, this form will be cleared in 14 seconds."));
    h.snapshot("idle-warning");
    // A touch keeps the form.
    h.tap("I'm still here");
    h.advance(1);
    assert!(!h.sees("Are you still there?"));
    assert_eq!(h.kiosk.form.value(Input::Profile(Field::FirstName)), "Ann");
    // Walking away wipes it.
    h.advance(60);
    assert_eq!(h.kiosk.screen, Screen::Welcome);
    assert!(h.kiosk.form.is_blank());
    assert!(!h.shows_anywhere("Ann"));
    assert_eq!(h.count("customers"), 0);
}

#[test]
fn problems_show_at_the_field_in_plain_words() {
    let mut h = Harness::new();
    h.tap("I'm new here");
    h.done();
    h.tap("Next");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::About));
    assert!(h.sees("Some answers need another look — see the messages in red."));
    assert!(h.sees("Please fill this in."));
    h.snapshot("about-problems");
    h.type_into(Input::Profile(Field::Email), "ann@");
    assert!(h.sees("This email doesn't look right. It should look like name@example.com."));
    let next_year = Local::now().date_naive().year().max(today().year()) + 1;
    h.type_into(
        Input::Profile(Field::Birthdate),
        &format!("0101{next_year}"),
    );
    assert!(h.sees("A date of birth can't be in the future."));
    h.type_into(Input::Profile(Field::Birthdate), "02301990");
    assert!(h.sees("Please enter a real date."));
    // A date in the other language's order says which order is wanted.
    h.type_into(Input::Profile(Field::Birthdate), "25121990");
    assert!(h.sees("Please type the month first, then the day: MM/DD/YYYY."));
    let phone_problem = "Please enter the phone number with its area code. A number from \
                         another country starts with + and its country code.";
    h.type_into(Input::Profile(Field::PhoneNumber), "555");
    assert!(h.sees(phone_problem));
    // A Spanish mobile, typed nationally at a shop in the US, is not a US number...
    h.type_into(Input::Profile(Field::PhoneNumber), "612345678");
    assert!(h.sees(phone_problem));
    // ... but it is with its country code. Fixing a field clears its message (its place
    // stays, blank, so nothing below moves).
    let phone = intake_kiosk::form::Spot::Input(Input::Profile(Field::PhoneNumber));
    let below = |h: &Harness| {
        h.ui()
            .find(intake_kiosk::screen::reveal::id(
                intake_kiosk::screen::reveal::Target::Input(Input::Profile(Field::Email)),
            ))
            .unwrap()
            .bounds()
    };
    let before = below(&h);
    h.type_into(Input::Profile(Field::PhoneNumber), "+34612345678");
    assert!(!h.kiosk.form.problems.contains_key(&phone));
    assert_eq!(below(&h), before);
}

#[test]
fn the_language_switches_everything_on_screen() {
    let mut h = Harness::new();
    h.tap("Español");
    assert!(h.sees("Es mi primera vez"));
    assert!(!h.sees("I'm new here"));
    h.snapshot("welcome-es");
    h.tap("Es mi primera vez");
    // A date typed in Spanish order is read in Spanish order...
    h.type_into(Input::Profile(Field::Birthdate), "04031990");
    h.tap("Siguiente");
    assert!(h.sees("Por favor complete este campo."));
    // ...and a date in English order gets a hint in Spanish.
    h.type_into(Input::Profile(Field::Birthdate), "12251990");
    assert!(h.sees("Escriba primero el día y luego el mes: DD/MM/AAAA."));
    h.type_into(Input::Profile(Field::Birthdate), "04031990");
    // Switching language keeps the same date, in the other order.
    h.tap("English");
    assert_eq!(
        h.kiosk.form.value(Input::Profile(Field::Birthdate)),
        "03041990"
    );
    assert!(h.sees("Please fill this in."));
    h.tap("Start over");
    h.tap("Yes, clear it all");
    assert_eq!(h.kiosk.lang, Lang::En);
}

#[test]
fn the_on_screen_keyboard_walks_the_fields() {
    let mut h = Harness::new();
    h.tap("I'm new here");
    // The first field has the keyboard already.
    assert_eq!(h.kiosk.focus, Some(Input::Profile(Field::FirstName)));
    h.snapshot("keyboard");
    // Shift is on at the start of a name, and again after a space or a hyphen.
    for key in ["M", "a", "r", "y", "-"] {
        h.tap(key);
    }
    assert!(h.kiosk.keys.shift);
    h.tap("J");
    h.tap("o");
    h.tap("Shift");
    h.tap("E");
    h.tap("Delete");
    h.tap("123");
    h.tap("é");
    assert_eq!(
        h.kiosk.form.value(Input::Profile(Field::FirstName)),
        "Mary-Joé"
    );
    // Next goes on to the next field without closing the keyboard.
    h.tap("Next");
    assert_eq!(h.kiosk.focus, Some(Input::Profile(Field::MiddleName)));
    // The e-mail keyboard offers the common domains.
    h.send(Message::Focus(Input::Profile(Field::Email)));
    for key in ["z", "o", "e"] {
        h.tap(key);
    }
    h.tap("@gmail.com");
    assert_eq!(
        h.kiosk.form.value(Input::Profile(Field::Email)),
        "zoe@gmail.com"
    );
    h.tap("@icloud.com");
    assert_eq!(
        h.kiosk.form.value(Input::Profile(Field::Email)),
        "zoe@icloud.com"
    );
    h.snapshot("keyboard-email");
    // Next on the last field of a step is the step's Next.
    h.send(Message::Focus(Input::Profile(Field::Gender)));
    h.tap("Next");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::About));
    assert!(h.sees("Please fill this in."));
    // A hardware keyboard works too: Tab is Next, and Escape does nothing.
    h.send(Message::Focus(Input::Profile(Field::LastName)));
    h.send(Message::Hardware(
        keyboard::Key::Character("L".into()),
        Some("L".into()),
    ));
    h.send(Message::Hardware(
        keyboard::Key::Named(keyboard::key::Named::Escape),
        None,
    ));
    h.send(Message::Hardware(
        keyboard::Key::Named(keyboard::key::Named::Tab),
        None,
    ));
    assert_eq!(h.kiosk.form.value(Input::Profile(Field::LastName)), "L");
    assert_eq!(h.kiosk.focus, Some(Input::Profile(Field::Nickname)));
    // A free-text answer shows which question it answers, above the keys.
    h.send(Message::Key(Key::Done));
    assert_eq!(h.kiosk.focus, None);
}

#[test]
fn a_free_text_answer_shows_its_question_above_the_keys() {
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
    let question = h.kiosk.settings.questions[0].text.get(Lang::En).to_owned();
    paths::answer(&mut h, 0, true);
    h.send(Message::Focus(Input::HealthDetails(0)));
    // Once in the card, once over the keys.
    let shown = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = shown.clone();
    let _ = h.ui().find(move |c: iced_test::selector::Candidate<'_>| {
        if let iced_test::selector::Candidate::Text { content, .. } = c
            && content == question
        {
            counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        None::<()>
    });
    assert_eq!(shown.load(std::sync::atomic::Ordering::Relaxed), 2);
}

#[test]
fn start_over_asks_first() {
    let mut h = Harness::new();
    h.tap("I'm new here");
    // Nothing typed: nothing to lose, no question.
    h.done();
    h.tap("Start over");
    assert_eq!(h.kiosk.screen, Screen::Welcome);
    h.tap("I'm new here");
    h.type_into(Input::Profile(Field::FirstName), "Ann");
    h.tap("Start over");
    assert!(h.sees("Start over?"));
    h.snapshot("start-over");
    // The form behind the question does not show.
    assert!(!h.shows_anywhere("Ann"));
    h.tap("No, keep going");
    assert_eq!(h.kiosk.form.value(Input::Profile(Field::FirstName)), "Ann");
    h.tap("Start over");
    h.tap("Yes, clear it all");
    assert_eq!(h.kiosk.screen, Screen::Welcome);
    assert!(h.kiosk.form.is_blank());
}

#[test]
fn a_section_changed_from_the_review_comes_back_to_it() {
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
    paths::initial_and_sign(&mut h);
    h.tap("Next");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::Review));
    h.snapshot("review");
    h.send(Message::Review(review::Message::Change(Step::Contacts)));
    assert_eq!(h.kiosk.screen, Screen::Step(Step::Contacts));
    h.type_into(Input::EmergencyName, "Bo Li");
    h.tap("Save and go back");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::Review));
    assert!(h.shows_anywhere("Bo Li"));
    // A change that leaves a problem stays on its step until it is fixed.
    h.send(Message::Review(review::Message::Change(Step::About)));
    h.type_into(Input::Profile(Field::PhoneNumber), "55");
    h.tap("Save and go back");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::About));
    h.type_into(Input::Profile(Field::PhoneNumber), "5125550121");
    h.tap("Save and go back");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::Review));
    h.tap("Sign and submit");
    assert_eq!(h.kiosk.screen, Screen::Thanks);
}

#[test]
fn portrait_and_high_contrast() {
    let mut h = Harness::new();
    h.tap("High contrast");
    h.snapshot("welcome-high-contrast");
    h.size = PORTRAIT;
    h.send(Message::Resized(PORTRAIT));
    h.tap("I'm new here");
    h.done();
    h.snapshot("about-portrait-high-contrast");
    assert!(h.sees("First name"));
}

#[test]
fn the_shops_own_settings_are_used() {
    let dir = tempfile::tempdir().unwrap();
    let settings_dir = dir.path().join("settings");
    std::fs::create_dir(&settings_dir).unwrap();
    std::fs::write(
        settings_dir.join("shop.toml"),
        "name = \"Ink Lab\"\nlanguages = [\"es\", \"en\"]\nidle_timeout_secs = 30\n\
         idle_warning_secs = 10\nweb_sign_url = \"https://sign.example.com/ink-lab\"\n",
    )
    .unwrap();
    let settings = Settings::load(Some(&settings_dir)).unwrap();
    let db = Db::open_dir(&dir.path().join("data")).unwrap();
    let mut h = Harness::with_settings(db, dir, settings);
    // Spanish first, the shop's name, and the QR code for the phone form once a phone
    // would open its address (see web_sign_qr.rs for the check itself).
    assert!(h.sees("Ink Lab"));
    assert!(h.sees("Es mi primera vez"));
    assert!(!h.sees("O escanee para llenar el formulario en su teléfono"));
    h.send(Message::WebSignChecked(
        intake_common::phone_trust::Verdict::Trusted,
    ));
    assert!(h.sees("O escanee para llenar el formulario en su teléfono"));
    assert!(h.kiosk.qr.is_some());
    h.snapshot("welcome-shop-settings");
    // The shop's idle timeout.
    h.tap("Es mi primera vez");
    h.advance(20);
    assert!(h.sees("¿Sigue ahí?"));
    h.advance(10);
    assert_eq!(h.kiosk.screen, Screen::Welcome);
}
