//! The Staff, Devices and Audit log pages in a real headless Chromium, signed in through
//! the sign-in form, with axe-core's WCAG 2.2 AA rules run on each page and on each page of
//! problems; a user and a device added by typing into the fields by their labels.
//!
//! `INTAKE_CONSOLE_PNG=DIR` writes the pages shown as `DIR/console-*.png`.

use std::path::PathBuf;

use intake_tests::browser::{Browser, Viewport};

use super::{shop, user};
use crate::support::{OWNER, PIN, agent};

/// axe-core on the page shown, which must have `heading` as its `h1`; `png` names its
/// screenshot.
fn check(browser: &Browser, heading: &str, png: &str) {
    let h1 = browser
        .eval("return document.querySelector('h1').textContent;", vec![])
        .unwrap();
    assert_eq!(h1.as_str().map(str::trim), Some(heading));
    if let Err(e) = browser.check_accessible() {
        panic!("{heading:?}: {e}");
    }
    if let Some(dir) = std::env::var_os("INTAKE_CONSOLE_PNG") {
        let path = PathBuf::from(dir).join(format!("console-{png}.png"));
        browser.screenshot(&path).unwrap();
    }
}

#[test]
fn console_people_pages_pass_axe_in_a_browser() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let store = shop(dir);
    agent(dir, &["device", "add", "front", "--role", "counter"]);
    let pem = std::fs::read_to_string(dir.join("store-cert.pem")).unwrap();
    let browser = Browser::open(Viewport::Desktop, &[&pem]).unwrap();
    let url = |path: &str| format!("{}{path}", store.url);

    browser.goto(&url("/console/sign-in")).unwrap();
    browser.fill("Name", OWNER).unwrap();
    browser.fill("PIN", PIN).unwrap();
    browser.click_button("Sign in").unwrap();

    browser.goto(&url("/console/staff")).unwrap();
    check(&browser, "Staff", "staff");
    // Two PINs that differ: the page names the problem beside the field.
    browser.fill("Name", "nia").unwrap();
    browser.fill("New PIN", "482913").unwrap();
    browser.fill("The same PIN again", "482914").unwrap();
    browser.click_button("Add a staff member").unwrap();
    assert!(browser.text().unwrap().contains("The two PINs differ"));
    check(&browser, "Staff", "staff-problem");
    browser.fill("Name", "nia").unwrap();
    browser.fill("New PIN", "4829").unwrap();
    browser.fill("The same PIN again", "4829").unwrap();
    browser.click_button("Add a staff member").unwrap();
    assert!(browser.text().unwrap().contains("nia"));
    assert_eq!(
        user(dir, "nia")["role"],
        "front-desk",
        "the role chosen first"
    );

    let ari = user(dir, "ari")["id"].as_str().unwrap().to_string();
    browser
        .goto(&url(&format!("/console/staff/{ari}")))
        .unwrap();
    check(&browser, "ari", "user");

    browser.goto(&url("/console/devices")).unwrap();
    check(&browser, "Devices", "devices");
    browser.fill("Name", "lobby").unwrap();
    browser.click_button("Add a device").unwrap();
    check(&browser, "Pair lobby", "pairing-code");
    assert!(
        browser
            .text()
            .unwrap()
            .contains("intake-agent pair --store")
    );

    let lobby = super::devices_of(dir)
        .into_iter()
        .find(|d| d["name"] == "lobby")
        .unwrap();
    let id = lobby["id"].as_str().unwrap();
    browser
        .goto(&url(&format!("/console/devices/{id}/exit-code")))
        .unwrap();
    check(&browser, "Exit code of lobby", "exit-code");
    browser.fill("Exit code", "12345").unwrap();
    browser.fill("The same code again", "12345").unwrap();
    browser.click_button("Set the exit code").unwrap();
    assert!(browser.text().unwrap().contains("6 to 12 digits"));
    check(&browser, "Exit code of lobby", "exit-code-problem");
    browser
        .goto(&url(&format!("/console/devices/{id}/revoke")))
        .unwrap();
    check(&browser, "Revoke lobby?", "revoke");

    browser.goto(&url("/console/audit")).unwrap();
    check(&browser, "Audit log", "audit");
    browser.goto(&url("/console/audit?customer=nope")).unwrap();
    check(&browser, "Audit log", "audit-problem");
}
