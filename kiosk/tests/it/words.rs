//! The kiosk's words from the Fluent files: a shop's own file over the built-in ones, on
//! screen; and a broken file stopping the real binary before it opens a window.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use iced::Size;
use iced_test::simulator::Simulator;
use intake_common::Db;
use intake_common::settings::{Lang, Settings};
use intake_kiosk::{Kiosk, Message, Options};

fn kiosk(dir: &Path, settings: Settings) -> Kiosk {
    let options = Options {
        windowed: false,
        device: "lobby-test".into(),
        exit_after_first_frame: None,
        today: None,
        phone_roots: Default::default(),
    };
    let mut k = Kiosk::new(Db::open_dir(&dir.join("data")).unwrap(), settings, options).unwrap();
    let _ = k.update(Message::Resized(Size::new(1280.0, 800.0)));
    k
}

fn sees(k: &Kiosk, text: &str) -> bool {
    Simulator::with_size(
        iced::Settings::default(),
        Size::new(1280.0, 800.0),
        k.view(),
    )
    .find(text)
    .is_ok()
}

fn settings_dir(root: &Path, spanish: &str) -> std::path::PathBuf {
    let dir = root.join("settings");
    std::fs::create_dir_all(dir.join("i18n")).unwrap();
    std::fs::write(dir.join("i18n").join("es.ftl"), spanish).unwrap();
    dir
}

#[test]
fn a_shops_message_file_changes_the_kiosks_words() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = settings_dir(
        tmp.path(),
        "## Welcome screen\nno-new = ¡Empecemos!\n\n## The idle warning\n\
         still-there = ¿Todavía está aquí?\n",
    );
    let mut k = kiosk(tmp.path(), Settings::load(Some(&dir)).unwrap());
    let _ = k.update(Message::SetLang(Lang::Es));
    assert!(sees(&k, "¡Empecemos!"));
    assert!(!sees(&k, "Es mi primera vez"));
    // What the shop did not override stays built in; English is untouched.
    assert!(sees(&k, "Alto contraste"));
    let _ = k.update(Message::SetLang(Lang::En));
    assert!(sees(&k, "I'm new here"));

    // The idle warning: the shop's words, and Spanish plurals from the built-in file.
    let _ = k.update(Message::SetLang(Lang::Es));
    let now = Instant::now();
    let _ = k.update(Message::Tick(now));
    let _ = k.update(Message::Lookup(
        intake_kiosk::screen::lookup::Message::BeenHere(false),
    ));
    let _ = k.update(Message::Tick(now + Duration::from_secs(50)));
    assert!(sees(&k, "¿Todavía está aquí?"));
    assert!(sees(
        &k,
        "Por su privacidad, este formulario se borrará en 10 segundos."
    ));
    let _ = k.update(Message::Tick(now + Duration::from_secs(59)));
    assert!(sees(
        &k,
        "Por su privacidad, este formulario se borrará en 1 segundo."
    ));
}

#[test]
fn a_broken_message_file_stops_the_kiosk_naming_file_line_and_message() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = settings_dir(tmp.path(), "welcome = Hola\nstart =\nnext = Siguiente\n");
    let out = Command::new(env!("CARGO_BIN_EXE_intake-kiosk"))
        .arg("--settings")
        .arg(&dir)
        .arg("--data-dir")
        .arg(tmp.path().join("data"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let file = dir.join("i18n").join("es.ftl");
    assert!(
        err.contains(&format!("{}: line 2", file.display())),
        "{err}"
    );
    assert!(err.contains("\"start\""), "{err}");
    // Nothing was opened or written: the kiosk stopped at its settings.
    assert!(!tmp.path().join("data").exists());
}
