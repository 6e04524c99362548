//! The counter display opened from the customer kiosk's staff menu, in the kiosk's window,
//! and left again for the welcome screen with nothing personal in memory.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::time::{Duration, Instant};

use iced::Size;
use iced_test::simulator::Simulator;
use intake_common::settings::Settings;
use intake_common::{Actor, Db, Role, users};
use intake_kiosk::counter::{self, IDLE_SIGN_OUT};
use intake_kiosk::keyboard::Key;
use intake_kiosk::station::Message;
use intake_kiosk::{Kiosk, Options, Screen, Station};

fn station(dir: &std::path::Path) -> Station {
    let options = Options {
        windowed: false,
        device: "lobby".into(),
        exit_after_first_frame: None,
        today: None,
        phone_roots: Default::default(),
    };
    let kiosk = Kiosk::new(Db::open_dir(dir).unwrap(), Settings::defaults(), options).unwrap();
    Station::new(kiosk)
}

fn tap(s: &mut Station, label: &str) {
    let messages: Vec<Message> = {
        let mut ui = Simulator::with_size(
            iced::Settings::default(),
            Size::new(1280.0, 800.0),
            s.view(),
        );
        ui.click(label)
            .unwrap_or_else(|e| panic!("cannot tap {label:?}: {e}"));
        ui.into_messages().collect()
    };
    assert!(!messages.is_empty(), "tapping {label:?} did nothing");
    for m in messages {
        let _ = s.update(m);
    }
}

fn staff_pin(s: &mut Station, pin: &str) {
    let send = |s: &mut Station, m| {
        let _ = s.update(Message::Kiosk(m));
    };
    for _ in 0..5 {
        send(s, intake_kiosk::Message::StaffCorner);
    }
    for c in pin.chars() {
        send(s, intake_kiosk::Message::Key(Key::Char(c)));
    }
    send(s, intake_kiosk::Message::Key(Key::Done));
}

#[test]
fn staff_open_the_counter_from_the_kiosks_menu_and_leave_it_for_the_welcome_screen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut db = Db::open_dir(dir.path()).unwrap();
        users::add(&mut db, None, "olive", Role::Owner, "246810").unwrap();
        let owner = Actor {
            name: "olive".into(),
            role: Role::Owner,
        };
        users::add(&mut db, Some(&owner), "fay", Role::FrontDesk, "1357").unwrap();
    }
    let mut s = station(dir.path());
    let _ = s.update(Message::Kiosk(intake_kiosk::Message::Tick(Instant::now())));
    staff_pin(&mut s, "1357");
    assert_eq!(s.kiosk.screen, Screen::StaffMenu);
    tap(&mut s, "Open the counter display");
    let c = s.counter.as_ref().expect("the counter is open");
    assert_eq!(c.signed_in().unwrap().name, "fay", "no second PIN");
    assert_eq!(s.kiosk.screen, Screen::Welcome);
    assert!(s.kiosk.staff_actor.is_none() && s.kiosk.staff_user.is_none());

    tap(&mut s, "Back to the kiosk");
    assert!(s.counter.is_none());
    assert_eq!(s.kiosk.screen, Screen::Welcome);

    // Five quiet minutes at the counter end at the welcome screen too.
    staff_pin(&mut s, "246810");
    tap(&mut s, "Open the counter display");
    let later = Instant::now() + IDLE_SIGN_OUT + Duration::from_secs(1);
    let _ = s.update(Message::Counter(counter::Message::Tick(Instant::now())));
    let _ = s.update(Message::Counter(counter::Message::Tick(later)));
    assert!(s.counter.is_none(), "signed out and closed");
    assert_eq!(s.kiosk.screen, Screen::Welcome);
}
