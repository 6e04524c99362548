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

/// Over the API, `format` names the app and `extra_to_notes` keeps the other columns; the
/// report carries the mapping; an unknown app is named with the ones there are; a front
/// desk cannot import at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_imports_an_app_s_export_and_reports_its_mapping() {
    use crate::support::{OWNER, PIN, Store, add_owner, client, sign_in};
    use intake_tests::cluster::agent_with;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    add_owner(dir);
    agent_with(
        dir,
        &["user", "add", "fay", "--role", "front-desk"],
        &[("INTAKE_NEW_PIN", "424242")],
    );
    let store = Store::start(dir, &[]);
    let http = client(dir);
    let (token, _) = sign_in(&http, &store.url, OWNER, PIN).await;
    let body = std::fs::read(sample("fresha")).unwrap();
    let post = |query: &'static str, token: String, body: Vec<u8>| {
        let http = http.clone();
        let url = format!("{}/v1/imports{query}", store.url);
        async move {
            let resp = http
                .post(url)
                .bearer_auth(token)
                .body(body)
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            (status, resp.json::<serde_json::Value>().await.unwrap())
        }
    };
    let (status, r) = post("?dry_run=true", token.clone(), body.clone()).await;
    assert_eq!(status, 200, "{r:#}");
    assert_eq!(
        (r["format"].as_str(), r["recognised"].as_bool()),
        (Some("fresha"), Some(true))
    );
    let columns = r["columns"].as_array().unwrap();
    let mobile = columns
        .iter()
        .find(|c| c["column"] == "Mobile Number")
        .unwrap();
    assert_eq!(mobile["field"], "PhoneNumber");
    assert_eq!(mobile["how"], "country code first, without +");
    let (status, r) = post(
        "?format=fresha&extra_to_notes=true",
        token.clone(),
        body.clone(),
    )
    .await;
    assert_eq!((status, r["created"].as_u64()), (200, Some(3)), "{r:#}");
    let (status, r) = post("?format=fresh", token.clone(), body.clone()).await;
    assert_eq!(status, 400, "{r:#}");
    assert!(r.to_string().contains("square, vagaro, fresha"), "{r:#}");
    let (fay, _) = sign_in(&http, &store.url, "fay", "424242").await;
    let (status, _) = post("?format=fresha", fay, body).await;
    assert_eq!(status, 403);
    let list: serde_json::Value =
        serde_json::from_str(&crate::support::agent(dir, &["customer", "list", "--json"])).unwrap();
    let amelia = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["FirstName"] == "Amelia")
        .unwrap();
    assert_eq!(amelia["PhoneNumber"], "+44 7700 900123");
    assert_eq!(
        amelia["Notes"],
        "Touch-up booked for the rose piece\nBlocked: No\nAccepts SMS Marketing: No\nArea: Camden\nReferral Source: Walk-in"
    );
}

#[test]
fn a_map_names_the_columns_of_vagaro_s_header_below_its_report_lines() {
    let shop = Shop::new();
    let vagaro = sample("vagaro");
    let out = shop.ok(&[
        "import",
        vagaro.to_str().unwrap(),
        "--from",
        "vagaro",
        "--map",
        "Tags=",
        "--extra-to-notes",
    ]);
    assert!(
        out.contains("3 created, 0 updated, 0 unchanged, 0 failed (vagaro: "),
        "{out}"
    );
    assert!(
        out.contains("header on line 5: the lines above it are the app's report"),
        "{out}"
    );
    assert!(
        out.contains("1 row without a name, e-mail or phone passed over"),
        "{out}"
    );
    let list = shop.json(&["customer", "list", "--json"]);
    let dana = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["FirstName"] == "Dana")
        .unwrap();
    assert_eq!(
        dana["Notes"],
        "Membership: Gold Club\nRefered By: Instagram\nOnline Booking: Allow"
    );
}
