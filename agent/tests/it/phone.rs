//! Phone numbers from the command line: the shop's region from its settings, `import
//! --region`, and numbers that are impossible where they are read.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use crate::cli::{Shop, import_json};

/// A settings directory whose shop.toml names `region`.
fn settings(shop: &Shop, region: &str) -> String {
    let dir = shop.data().with_file_name(format!("settings-{region}"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("shop.toml"),
        format!("name = \"Tinta\"\nregion = \"{region}\"\n"),
    )
    .unwrap();
    dir.to_str().unwrap().to_owned()
}

fn phones(shop: &Shop) -> Vec<String> {
    let mut list: Vec<String> = shop
        .json(&["customer", "list", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["PhoneNumber"].as_str().map(str::to_owned))
        .collect();
    list.sort();
    list
}

#[test]
fn import_region_reads_a_branch_file_as_its_country() {
    let shop = Shop::new();
    let file = shop.file(
        "madrid.csv",
        "first_name,last_name,phone\nIker,Sanz,612 345 678\nSam,Lee,+1 512 555 0121\n",
    );
    // Read as the shop's (US) numbers, the Spanish mobile is impossible: line, column,
    // number and region are named, and nothing is stored for that row.
    let report = import_json(&shop, &file, &[]);
    assert_eq!(report["failed"], 1);
    let error = &report["errors"][0];
    assert_eq!(error["line"], 2);
    assert_eq!(error["column"], "phone");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("\"612 345 678\""), "{message}");
    assert!(message.contains("region US"), "{message}");

    let report = import_json(&shop, &file, &["--region", "es"]);
    assert_eq!(
        (report["created"].as_u64(), report["failed"].as_u64()),
        (Some(1), Some(0))
    );
    assert_eq!(
        report["updated"].as_u64().unwrap() + report["unchanged"].as_u64().unwrap(),
        1
    );
    // Stored with its country code, so the shop's region never rereads it.
    assert_eq!(phones(&shop), ["+1 512 555 0121", "+34 612 34 56 78"]);

    let (code, err) = shop.fails(&["import", file.to_str().unwrap(), "--region", "XZ"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("--region") && err.contains("ISO 3166"),
        "{err}"
    );
}

#[test]
fn an_impossible_number_for_the_shops_region_is_refused_at_the_command_line() {
    let shop = Shop::new();
    let mx = settings(&shop, "MX");
    let (code, err) = shop.fails(&[
        "--settings",
        &mx,
        "customer",
        "add",
        "--set",
        "FirstName=Iker",
        "--set",
        "PhoneNumber=612 345 678",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("PhoneNumber"), "{err}");
    assert!(
        err.contains("\"612 345 678\"") && err.contains("region MX"),
        "{err}"
    );
    assert_eq!(shop.count(), 0);
    // The same number with its country code is fine anywhere.
    shop.ok(&[
        "--settings",
        &mx,
        "customer",
        "add",
        "--set",
        "FirstName=Iker",
        "--set",
        "PhoneNumber=+34 612 345 678",
    ]);
    assert_eq!(shop.count(), 1);
}

#[test]
fn a_new_region_in_the_settings_recomputes_the_keys_once_and_reports_it() {
    let shop = Shop::new();
    // Entered before the shop set its region: read as North American.
    let file = shop.file(
        "old.csv",
        "first_name,last_name,email,phone\nAna,Garza,,55 1234 5678\n",
    );
    assert_eq!(import_json(&shop, &file, &[])["created"], 1);

    let mx = settings(&shop, "MX");
    let out = shop.run_as(
        Some("olive"),
        "135790",
        &["--settings", &mx, "customer", "list", "--json"],
    );
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("1 changed"), "{stderr}");
    assert!(stderr.contains("region MX"), "{stderr}");
    let audit = shop.ok(&["audit", "--limit", "5"]);
    assert!(audit.contains("customer.phone-key"), "{audit}");
    assert!(audit.contains("+525512345678"), "{audit}");

    // Once: the next command with the same settings recomputes nothing.
    let out = shop.run_as(
        Some("olive"),
        "135790",
        &["--settings", &mx, "customer", "list", "--json"],
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("changed"));

    // The Mexican number written internationally now finds her: updated, not a new customer.
    let again = shop.file(
        "again.csv",
        "first_name,last_name,email,phone\nAna,Garza,ana@example.com,+52 55 1234 5678\n",
    );
    let report = import_json(&shop, &again, &["--settings", &mx]);
    assert_eq!(
        (report["created"].as_u64(), report["updated"].as_u64()),
        (Some(0), Some(1))
    );
    assert_eq!(shop.count(), 1);
}
