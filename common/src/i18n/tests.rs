use super::*;

fn shop_file(lang: &str, text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(DIR)).unwrap();
    std::fs::write(dir.path().join(DIR).join(format!("{lang}.ftl")), text).unwrap();
    dir
}

#[test]
fn every_language_has_every_message_with_englishs_placeholders() {
    let tr = Tr::built_in();
    let english: BTreeSet<&str> = tr.ids(Lang::En).collect();
    assert!(english.len() > 100, "{} messages", english.len());
    for lang in Lang::ALL {
        let ids: BTreeSet<&str> = tr.ids(lang).collect();
        let missing: Vec<_> = english.difference(&ids).collect();
        let extra: Vec<_> = ids.difference(&english).collect();
        assert!(missing.is_empty(), "{} lacks {missing:?}", lang.code());
        assert!(
            extra.is_empty(),
            "{} has {extra:?}, English has not",
            lang.code()
        );
        for id in &english {
            assert_eq!(
                tr.placeholders(lang, id),
                tr.placeholders(Lang::En, id),
                "placeholders of {id:?} in {}",
                lang.code()
            );
        }
    }
}

#[test]
fn placeholders_are_found_in_selectors_variants_and_function_calls() {
    let tr = Tr::with_sources(
        &[(
            Lang::En,
            "a = { $n ->\n    [one] one { $what }\n   *[other] { NUMBER($d, minimumFractionDigits: 2) }\n}\n.label = { $l }\n",
        )],
        None,
    )
    .unwrap();
    let found: Vec<_> = tr.placeholders(Lang::En, "a").unwrap().iter().collect();
    assert_eq!(found, ["d", "l", "n", "what"]);
}

#[test]
fn plurals_follow_each_language_and_no_isolating_marks_show() {
    let tr = Tr::built_in();
    let seconds = |lang, n: u64| {
        let mut args = FluentArgs::new();
        args.set("seconds", n);
        tr.args(lang, "clearing-in", &args).into_owned()
    };
    let en = "For your privacy, this form will be cleared in";
    let es = "Por su privacidad, este formulario se borrará en";
    for (lang, n, want) in [
        (Lang::En, 1, format!("{en} 1 second.")),
        (Lang::En, 12, format!("{en} 12 seconds.")),
        (Lang::Es, 1, format!("{es} 1 segundo.")),
        (Lang::Es, 9, format!("{es} 9 segundos.")),
    ] {
        assert_eq!(seconds(lang, n), want);
    }
    assert!(!seconds(Lang::Es, 9).contains(['\u{2068}', '\u{2069}']));
    // A plain message is borrowed from the bundle, not copied on every frame.
    assert!(matches!(
        tr.get(Lang::En, "no-new"),
        Cow::Borrowed("I'm new here")
    ));
}

#[test]
fn a_missing_message_falls_back_to_english_and_an_unknown_one_shows_its_id() {
    let tr = Tr::with_sources(
        &[
            (Lang::En, "hello = Hello\nbye = Bye\n"),
            (Lang::Es, "hello = Hola\n"),
        ],
        None,
    )
    .unwrap();
    assert_eq!(tr.get(Lang::Es, "hello"), "Hola");
    assert_eq!(tr.get(Lang::Es, "bye"), "Bye");
    assert_eq!(tr.get(Lang::Es, "bye"), "Bye");
    assert_eq!(tr.get(Lang::Es, "nope"), "nope");
    // A placeholder left out is shown as its name, not a panic.
    let tr = Tr::built_in();
    assert_eq!(tr.get(Lang::En, "thanks"), "Thank you, {$name}!");
}

#[test]
fn a_shops_file_overrides_and_adds_messages() {
    let dir = shop_file(
        "es",
        "# Our own words\nwelcome = ¡Hola! Regístrese aquí.\nthanks = ¡Mil gracias, { $name }!\n",
    );
    let tr = Tr::load(Some(dir.path())).unwrap();
    assert_eq!(tr.get(Lang::Es, "welcome"), "¡Hola! Regístrese aquí.");
    let mut args = FluentArgs::new();
    args.set("name", "Ana");
    assert_eq!(tr.args(Lang::Es, "thanks", &args), "¡Mil gracias, Ana!");
    // The rest stays built in, and English is untouched.
    assert_eq!(tr.get(Lang::Es, "no-new"), "Es mi primera vez");
    assert_eq!(
        tr.get(Lang::En, "welcome"),
        "Welcome! Check in and sign your release here."
    );
    // Through the settings, as the programs load it.
    let settings = crate::settings::Settings::load(Some(dir.path())).unwrap();
    assert_eq!(
        settings.tr.get(Lang::Es, "welcome"),
        "¡Hola! Regístrese aquí."
    );
}

fn load_error(lang: &str, text: &str) -> (String, tempfile::TempDir) {
    let dir = shop_file(lang, text);
    let err = crate::settings::Settings::load(Some(dir.path()))
        .unwrap_err()
        .to_string();
    (err, dir)
}

#[test]
fn a_broken_shop_file_names_the_file_the_line_and_the_message() {
    let (err, dir) = load_error(
        "es",
        "welcome = Hola\n\n# the button\nstart = { $count ->\n    [one] Uno\n}\nnext = Siguiente\n",
    );
    let file = dir.path().join(DIR).join("es.ftl");
    assert!(err.contains(&file.display().to_string()), "{err}");
    assert!(err.contains("line 6"), "{err}");
    assert!(err.contains("\"start\""), "{err}");
    assert!(err.contains("default variant"), "{err}");

    let (err, _dir) = load_error("en", "welcome = Hi\nstart =\n");
    assert!(err.contains("en.ftl: line 2"), "{err}");
    assert!(err.contains("message field for \"start\""), "{err}");
}

#[test]
fn a_shop_file_with_an_unknown_message_placeholder_or_language_is_refused() {
    let (err, _dir) = load_error("es", "welcome = Hola\nwelcom = Hola\n");
    assert!(err.contains("es.ftl: line 2"), "{err}");
    assert!(
        err.contains("\"welcom\" is not one the program shows"),
        "{err}"
    );

    let (err, _dir) = load_error("es", "\nthanks = ¡Gracias, { $nombre }!\n");
    assert!(err.contains("es.ftl: line 2"), "{err}");
    assert!(err.contains("$nombre"), "{err}");
    assert!(err.contains("$name"), "{err}");

    let (err, _dir) = load_error("fr", "welcome = Bienvenue\n");
    assert!(err.contains("fr.ftl"), "{err}");
    assert!(err.contains("no language \"fr\""), "{err}");
}
