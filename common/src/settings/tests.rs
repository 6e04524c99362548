//! The settings files: defaults, checks, mistakes named with their file, line and field.
use super::*;

#[test]
fn shipped_defaults_load() {
    let s = Settings::defaults();
    assert_eq!(s.shop.idle_timeout_secs, 60);
    assert_eq!(s.shop.languages, vec![Lang::En, Lang::Es]);
    assert!(s.template.clauses.len() >= 4);
    assert!(s.questions.iter().any(|q| q.kind == MedicalKind::Allergy));
    assert!(s.logo.is_some());
    for c in &s.template.clauses {
        assert!(!c.text.get(Lang::Es).is_empty());
        assert_ne!(c.text.get(Lang::Es), c.text.get(Lang::En));
    }
}

#[test]
fn a_replaced_file_wins_and_errors_name_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(SHOP_FILE),
        "name = \"Ink Lab\"\nidle_timeout_secs = 90\nlanguages = [\"es\"]\n",
    )
    .unwrap();
    let s = Settings::load(Some(dir.path())).unwrap();
    assert_eq!(s.shop.name, "Ink Lab");
    assert_eq!(s.shop.idle_timeout_secs, 90);
    assert_eq!(s.shop.languages, vec![Lang::Es]);
    assert!(s.logo.is_none());
    // The template still comes from the defaults.
    assert_eq!(s.template.id, "studio-release");

    std::fs::write(
        dir.path().join(TEMPLATE_FILE),
        "id = \"x\"\ntitle.en = \"T\"\n[[clauses]]\nid = \"a\"\nconfirm = \"signature\"\ntext.en = \"A\"\n",
    )
    .unwrap();
    let err = Settings::load(Some(dir.path())).unwrap_err().to_string();
    assert!(err.contains(TEMPLATE_FILE), "{err}");
    assert!(err.contains("line 5"), "{err}");
    assert!(err.contains("signature"), "{err}");

    std::fs::write(
        dir.path().join(TEMPLATE_FILE),
        "id = \"x\"\ntitle.es = \"T\"\nclauses = []\n",
    )
    .unwrap();
    let err = Settings::load(Some(dir.path())).unwrap_err().to_string();
    assert!(err.contains("no English text"), "{err}");

    std::fs::write(
        dir.path().join(SHOP_FILE),
        "name = \"Ink Lab\"\nidle_timeout_secs = 5\n",
    )
    .unwrap();
    let err = Settings::load(Some(dir.path())).unwrap_err().to_string();
    assert!(err.contains("idle_timeout_secs is 5"), "{err}");
}

#[test]
fn clauses_say_who_they_are_for_and_a_mistake_names_file_line_and_field() {
    let t = Settings::defaults().template;
    let ids = |minor| {
        t.clauses_for(minor)
            .map(|c| c.id.as_str())
            .collect::<Vec<_>>()
    };
    assert!(ids(false).contains(&"own-decision"));
    assert!(!ids(true).contains(&"own-decision"));
    assert!(ids(true).contains(&"guardian-consent") && ids(true).contains(&"minor-present"));
    assert!(!ids(false).contains(&"guardian-consent"));
    assert!(t.clauses.iter().any(|c| c.optional && c.id == "photos"));

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(TEMPLATE_FILE);
    let clause = |id: &str, extra: &str| {
        format!("\n[[clauses]]\nid = \"{id}\"\nconfirm = \"tick\"\n{extra}text.en = \"{id}\"\n")
    };
    let head = "id = \"x\"\ntitle.en = \"T\"\n";
    let load = |body: String| {
        std::fs::write(&path, format!("{head}{body}")).unwrap();
        Settings::load(Some(dir.path())).unwrap_err().to_string()
    };
    // Lines: 1-2 head, 3 blank, 4 [[clauses]], 5 id, 6 confirm, 7 extra.
    for (extra, want) in [
        ("for = \"teen\"\n", ["line 7", "for = \"teen\"", "guardian"]),
        ("optional = \"yes\"\n", ["line 7", "optional", "boolean"]),
        ("audience = \"adult\"\n", ["line 7", "audience", "for"]),
    ] {
        let err = load(clause("a", extra));
        assert!(err.contains(&path.display().to_string()), "{err}");
        for w in want {
            assert!(err.contains(w), "{w:?} missing from {err}");
        }
    }
    // Checks past parsing name the line and field too.
    let err = load(clause("a", "") + &clause("b", "") + &clause("a", ""));
    assert!(err.contains(&path.display().to_string()), "{err}");
    assert!(
        err.contains("line 15: id: two clauses have the id \"a\""),
        "{err}"
    );
    let err =
        load(clause("a", "") + "\n[[clauses]]\nid = \"b\"\nconfirm = \"tick\"\ntext.es = \"b\"\n");
    assert!(
        err.contains("line 12: text: clause \"b\" has no English text"),
        "{err}"
    );
    // Every signer must have something to agree to.
    let err = load(clause("a", "for = \"minor\"\n") + &clause("b", "optional = true\n"));
    assert!(
        err.contains("no clause that must be agreed to is shown to an adult"),
        "{err}"
    );
    std::fs::write(
        &path,
        format!(
            "{head}{}",
            clause("a", "for = \"adult\"\n") + &clause("b", "for = \"minor\"\n")
        ),
    )
    .unwrap();
    let t = Settings::load(Some(dir.path())).unwrap().template;
    assert_eq!(t.clauses[0].audience, Audience::Adult);
}

#[test]
fn the_region_defaults_to_us_and_an_unknown_one_names_file_line_and_field() {
    assert_eq!(Settings::defaults().shop.region, Region::us());
    let dir = tempfile::tempdir().unwrap();
    let shop = dir.path().join(SHOP_FILE);
    std::fs::write(&shop, "name = \"Tinta\"\nregion = \"MX\"\n").unwrap();
    assert_eq!(
        Settings::load_shop(Some(dir.path())).unwrap().region,
        "MX".parse().unwrap()
    );
    assert_eq!(
        Settings::load(Some(dir.path())).unwrap().shop.region.code(),
        "MX"
    );
    std::fs::write(&shop, "name = \"Tinta\"\n\nregion = \"XZ\"\n").unwrap();
    for err in [
        Settings::load(Some(dir.path())).unwrap_err().to_string(),
        Settings::load_shop(Some(dir.path()))
            .unwrap_err()
            .to_string(),
    ] {
        assert!(err.contains(&shop.display().to_string()), "{err}");
        assert!(err.contains("line 3"), "{err}");
        assert!(err.contains("region = \"XZ\""), "{err}");
        assert!(err.contains("ISO 3166"), "{err}");
    }
}
