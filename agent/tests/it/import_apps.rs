//! `intake-agent import --from APP`: the apps' names in `--help`, the mapping a dry run
//! prints before anything is written, `--extra-to-notes`, and a wrong name named.

use std::path::PathBuf;

use crate::cli::{Shop, import_json};

fn sample(name: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/data/presets"
    ))
    .join(format!("{name}.csv"))
}

#[test]
fn import_help_lists_the_apps() {
    let shop = Shop::new();
    let help = shop.ok(&["import", "--help"]);
    for app in [
        "square",
        "vagaro",
        "fresha",
        "acuity",
        "glossgenius",
        "booksy",
        "porter",
        "tattoo-studio-pro",
    ] {
        assert!(help.contains(app), "{app} missing from:\n{help}");
    }
    assert!(help.contains("--extra-to-notes"), "{help}");
    let (code, stderr) = shop.fails(&["import", "x.csv", "--from", "squarespace"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("square"), "{stderr}");
}

#[test]
fn a_dry_run_prints_the_mapping_and_writes_nothing() {
    let shop = Shop::new();
    let square = sample("square");
    let out = shop.ok(&["import", square.to_str().unwrap(), "--dry-run"]);
    assert!(
        out.contains("square: Square (Customer Directory export), recognised by its header"),
        "{out}"
    );
    assert!(out.contains("dry run: nothing was written"), "{out}");
    for line in [
        "  First Name → FirstName",
        "  Email Subscription Status → OptIn (Subscribed or Unsubscribed, as an opt-in)",
        "  Birthday → Birthdate (without a year: kept in the notes)",
        "  Lifetime Spend: left out (history: only profile information is imported)",
        "  Square Customer ID: left out (no field of its own; --extra-to-notes keeps it in the notes)",
    ] {
        assert!(out.contains(line), "{line:?} missing from:\n{out}");
    }
    assert_eq!(shop.count(), 0);
    // With --extra-to-notes the same column goes to the notes, in the dry run and the import.
    let out = shop.ok(&[
        "import",
        square.to_str().unwrap(),
        "--dry-run",
        "--extra-to-notes",
    ]);
    assert!(out.contains("  Square Customer ID → +Notes"), "{out}");
    let r = import_json(&shop, &square, &["--extra-to-notes"]);
    assert_eq!(
        (r["created"].as_u64(), r["failed"].as_u64()),
        (Some(4), Some(0))
    );
    let list = shop.json(&["customer", "list", "--json"]);
    let ruby = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["FirstName"] == "Ruby")
        .unwrap();
    assert_eq!(
        ruby["Notes"],
        "Prefers fine line; allergic to latex\nSquare Customer ID: 8G2K7QWJ1S3Y5A9D\nBlocked from online booking: No"
    );
}

#[test]
fn from_names_the_app_a_header_does_not_tell() {
    let shop = Shop::new();
    // Booksy publishes no columns: read by common names when asked for, never guessed.
    let p = shop.file(
        "booksy.csv",
        "Client Name,Phone,Email,Birthday,Tags\nRosa Diaz,512-555-0166,rosa@example.com,04-02,VIP\n,,,,\n",
    );
    let (_, stderr) = shop.fails(&["import", p.to_str().unwrap()]);
    assert!(
        stderr.contains("not a header") || stderr.contains("required column"),
        "{stderr}"
    );
    let r = import_json(&shop, &p, &["--from", "booksy", "--extra-to-notes"]);
    assert_eq!(r["format"], "booksy", "{r:#}");
    assert_eq!(
        (r["created"].as_u64(), r["skipped"].as_u64()),
        (Some(1), Some(1)),
        "{r:#}"
    );
    let list = shop.json(&["customer", "list", "--json"]);
    assert_eq!(list[0]["FirstName"], "Rosa");
    assert_eq!(list[0]["LastName"], "Diaz");
    assert_eq!(list[0]["Notes"], "Birthday: 04-02\nTags: VIP");
    // --from and --format are one choice.
    let (code, stderr) = shop.fails(&[
        "import",
        p.to_str().unwrap(),
        "--from",
        "booksy",
        "--format",
        "studio",
    ]);
    assert_eq!(code, 2, "{stderr}");
}
