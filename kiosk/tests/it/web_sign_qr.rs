//! The Web Sign QR code on the welcome screen, against a real store over HTTPS: shown only
//! after the kiosk opened the address as a phone would (the check's task run here as iced
//! runs it), hidden while a phone would refuse the certificate, and checked again on time.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::path::Path;
use std::time::{Duration, Instant};

use iced_test::selector::Candidate;
use iced_test::simulator::Simulator;
use intake_common::Db;
use intake_common::phone_trust::{Refusal, Roots, Verdict};
use intake_common::settings::Settings;
use intake_kiosk::web_sign::{RECHECK_REFUSED, RECHECK_TRUSTED};
use intake_kiosk::{Kiosk, Message, Options, Screen};
use intake_tests::authority::Authority;
use intake_tests::cluster::Store;

use crate::tasks::{run, runtime};

const QR_WORDS: &str = "Or scan to fill in the form on your phone";

/// A store serving Web Sign under a certificate from `ca` for localhost.
fn store(root: &Path, ca: &Authority) -> Store {
    let (cert, key) = ca.issue(&["localhost"], false).write(root, "store");
    Store::create_with(
        &root.join("store"),
        &[
            ("INTAKE_WEB_SIGN", "true"),
            ("INTAKE_CERT", cert.to_str().unwrap()),
            ("INTAKE_KEY", key.to_str().unwrap()),
        ],
    )
}

/// A kiosk whose shop sends phones to `url`, trusting `roots` as phones do.
fn kiosk(root: &Path, url: &str, roots: Roots) -> Kiosk {
    let settings_dir = root.join("settings");
    std::fs::create_dir_all(&settings_dir).unwrap();
    std::fs::write(
        settings_dir.join("shop.toml"),
        format!("name = \"Ink Lab\"\nweb_sign_url = \"{url}\"\n"),
    )
    .unwrap();
    let options = Options {
        windowed: false,
        device: "lobby".into(),
        exit_after_first_frame: None,
        today: None,
        phone_roots: roots,
    };
    let settings = Settings::load(Some(&settings_dir)).unwrap();
    Kiosk::new(
        Db::open_dir(&root.join("kiosk")).unwrap(),
        settings,
        options,
    )
    .unwrap()
}

/// Whether a text on the kiosk's screen holds `words`.
fn sees(k: &Kiosk, words: &str) -> bool {
    let wanted = words.to_owned();
    Simulator::with_size(
        iced::Settings::default(),
        iced::Size::new(1280.0, 800.0),
        k.view(),
    )
    .find(move |c: Candidate<'_>| match c {
        Candidate::Text { content, .. } if content.contains(&wanted) => Some(()),
        _ => None,
    })
    .is_ok()
}

/// A tick at `at`, and the answers of whatever check it started, fed back.
fn tick(rt: &tokio::runtime::Runtime, k: &mut Kiosk, at: Instant) -> Vec<Message> {
    let answers = run(rt, k.update(Message::Tick(at)));
    for m in answers.clone() {
        let _ = k.update(m);
    }
    answers
}

#[test]
fn the_code_shows_once_a_phone_would_open_the_address_and_is_checked_again_hourly() {
    let tmp = tempfile::tempdir().unwrap();
    let ca = Authority::new("Intake test root");
    let store = store(tmp.path(), &ca);
    let url = format!("https://localhost:{}/sign", store.port);
    let roots = Roots::with_extra(&ca.write_root(tmp.path(), "root.pem")).unwrap();
    let rt = runtime();
    let mut k = kiosk(tmp.path(), &url, roots);

    // Nothing is shown before the check has answered.
    assert!(sees(&k, "Ink Lab"));
    assert!(!sees(&k, QR_WORDS));
    let start = Instant::now();
    let task = k.update(Message::Tick(start));
    // A tick while the check is under way starts no second one.
    assert!(run(&rt, k.update(Message::Tick(start))).is_empty());
    let answers = run(&rt, task);
    assert_eq!(answers, [Message::WebSignChecked(Verdict::Trusted)]);
    let _ = k.update(answers[0].clone());
    assert!(k.shows_web_sign_qr());
    assert!(sees(&k, QR_WORDS));

    // The next check comes an hour on, not before.
    let before = start + RECHECK_TRUSTED - Duration::from_secs(1);
    assert!(tick(&rt, &mut k, before).is_empty());
    // Meanwhile the store has gone: the next check hides the code.
    drop(store);
    let answers = tick(&rt, &mut k, start + RECHECK_TRUSTED);
    assert!(
        matches!(
            &answers[..],
            [Message::WebSignChecked(Verdict::Refused(
                Refusal::Unreachable { .. }
            ))]
        ),
        "{answers:?}"
    );
    assert!(!sees(&k, QR_WORDS));
}

#[test]
fn a_certificate_phones_refuse_keeps_the_code_hidden_and_the_staff_menu_says_why() {
    let tmp = tempfile::tempdir().unwrap();
    let ca = Authority::new("Intake test root");
    let store = store(tmp.path(), &ca);
    let url = format!("https://localhost:{}/sign", store.port);
    let rt = runtime();
    // The public authorities only, as on a customer's phone: this test root is not one.
    let mut k = kiosk(tmp.path(), &url, Roots::default());
    let start = Instant::now();
    let answers = tick(&rt, &mut k, start);
    assert_eq!(
        answers,
        [Message::WebSignChecked(Verdict::Refused(
            Refusal::UnknownAuthority
        ))]
    );
    assert!(!k.shows_web_sign_qr());
    assert!(!sees(&k, QR_WORDS));
    // Staff see why on their menu.
    k.screen = Screen::StaffMenu;
    assert!(sees(&k, "the QR code is hidden"));
    assert!(sees(&k, "not signed by an authority phones trust"));
    k.screen = Screen::Welcome;

    // A refusal is looked at again within minutes, not an hour.
    assert!(
        tick(
            &rt,
            &mut k,
            start + RECHECK_REFUSED - Duration::from_secs(1)
        )
        .is_empty()
    );
    assert_eq!(tick(&rt, &mut k, start + RECHECK_REFUSED).len(), 1);
}
