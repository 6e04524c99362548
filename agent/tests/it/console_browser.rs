//! The staff console in a real headless Chromium against a real store process, as the
//! people who use it do: the owner at a desk signs in, imports the sample list through the
//! mapping and the check, finds and changes a customer; a front-desk phone finds no import
//! and is refused it by address; an artist reads medical details and the view is audited.
//! axe-core's WCAG 2.2 AA rules run on every page met on the way, in both languages.
//!
//! `INTAKE_CONSOLE_PNG=DIR` writes the pages as `DIR/console-*.png` (the README's
//! screenshots: `INTAKE_CONSOLE_PNG=docs/screenshots`, run from the workspace root).

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::path::{Path, PathBuf};
use std::time::Duration;

use intake_tests::browser::{Browser, Viewport};
use intake_tests::cluster::agent_with;
use serde_json::Value;

use crate::support::{OWNER, PIN, Store, add_owner, agent};

const SAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/data/customers-rev23-sample.csv"
);

/// One person's browser on the console; the pages axe-core passed, by their headings.
struct Desk {
    browser: Browser,
    url: String,
    checked: Vec<String>,
}

impl Desk {
    fn open(store: &Store, dir: &Path, viewport: Viewport) -> Desk {
        let pem = std::fs::read_to_string(dir.join("store-cert.pem")).unwrap();
        Desk {
            browser: Browser::open(viewport, &[&pem]).unwrap(),
            url: store.url.clone(),
            checked: Vec::new(),
        }
    }

    fn goto(&self, path: &str) {
        self.browser.goto(&format!("{}{path}", self.url)).unwrap();
    }

    fn heading(&self) -> String {
        let h1 = self
            .browser
            .eval("return document.querySelector('h1').textContent;", vec![])
            .unwrap();
        h1.as_str().unwrap().trim().to_string()
    }

    /// axe-core on the page shown; `png` names its screenshot.
    fn check(&mut self, png: Option<&str>) {
        let heading = self.heading();
        if let Err(e) = self.browser.check_accessible() {
            panic!("{heading:?} at {:?}: {e}", self.browser.viewport());
        }
        self.checked.push(heading);
        if let (Some(name), Some(dir)) = (png, std::env::var_os("INTAKE_CONSOLE_PNG")) {
            let path = PathBuf::from(dir).join(format!("console-{name}.png"));
            self.browser.eval("window.scrollTo(0, 0);", vec![]).unwrap();
            self.browser.screenshot(&path).unwrap();
        }
    }

    fn sign_in(&mut self, user: &str, pin: &str) {
        self.goto("/console");
        assert!(
            self.browser
                .current_url()
                .unwrap()
                .contains("/console/sign-in?next=")
        );
        self.check(Some("sign-in"));
        self.browser.fill("Name", user).unwrap();
        self.browser.fill("PIN", pin).unwrap();
        self.browser.click_button("Sign in").unwrap();
        assert!(
            self.browser
                .current_url()
                .unwrap()
                .ends_with("/console/customers")
        );
    }

    fn text(&self) -> String {
        self.browser.text().unwrap()
    }

    /// The links of the navigation.
    fn sections(&self) -> Vec<String> {
        let v = self
            .browser
            .eval(
                "return [...document.querySelectorAll('nav.sections a')].map((a) => a.textContent);",
                vec![],
            )
            .unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    }

    /// Opens the first customer of the list shown.
    fn open_first_customer(&self) {
        let href = self
            .browser
            .eval(
                "return document.querySelector('tbody th a').getAttribute('href');",
                vec![],
            )
            .unwrap();
        self.goto(href.as_str().unwrap());
    }
}

#[test]
fn an_owner_imports_finds_and_changes_customers_in_a_browser() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    add_owner(dir);
    let store = Store::start(dir, &[]);
    let mut desk = Desk::open(&store, dir, Viewport::Desktop);
    desk.sign_in(OWNER, PIN);
    desk.check(None);
    assert!(desk.text().contains("No customers yet."));

    // Import: the file, the mapping as read, the check, the import.
    desk.browser.follow("Import").unwrap();
    desk.check(None);
    desk.browser.attach("CSV file", Path::new(SAMPLE)).unwrap();
    desk.browser.click_button("Upload").unwrap();
    assert!(desk.text().contains("Layout: studio"));
    desk.check(Some("import-mapping"));
    desk.browser.select("Notes", "Leave out").unwrap();
    desk.browser.click_button("Check the whole file").unwrap();
    let checked = desk.text();
    assert!(checked.contains("What the import will do"), "{checked}");
    assert!(checked.contains("Notes (left out)"), "{checked}");
    desk.check(Some("import-check"));
    let stored: Vec<Value> =
        serde_json::from_str(&agent(dir, &["customer", "list", "--json"])).unwrap();
    assert!(stored.is_empty(), "the check stored nothing: {stored:?}");
    desk.browser.click_button("Import now").unwrap();
    desk.browser
        .wait_for_text("Import finished", Duration::from_secs(60))
        .unwrap();
    desk.check(Some("import-done"));
    let stored: Vec<Value> =
        serde_json::from_str(&agent(dir, &["customer", "list", "--json"])).unwrap();
    assert!(stored.len() > 250);
    assert!(
        stored.iter().all(|c| c["Notes"].is_null()),
        "notes were left out"
    );

    // The list: sorted by name, searched, a customer opened, noted and changed.
    desk.goto("/console/customers");
    desk.check(Some("customers"));
    desk.browser
        .fill("Search by name, e-mail or phone", "ANDERSON")
        .unwrap();
    desk.browser.click_button("Search").unwrap();
    let found = desk.text();
    assert!(found.contains("Anderson, Betty"), "{found}");
    assert!(!found.contains("Garcia"), "{found}");
    desk.open_first_customer();
    desk.check(Some("customer"));
    desk.browser
        .fill("Add a note", "Prefers afternoons")
        .unwrap();
    desk.browser.click_button("Save note").unwrap();
    assert!(desk.text().contains("Prefers afternoons"));
    desk.browser.follow("Edit").unwrap();
    desk.check(Some("customer-edit"));
    desk.browser.fill("Email", "not an e-mail").unwrap();
    desk.browser.click_button("Save").unwrap();
    assert!(desk.text().contains("Please fix these"), "{}", desk.text());
    desk.check(None);
    desk.browser.fill("Email", "betty@example.com").unwrap();
    desk.browser.fill("City", "Tacoma").unwrap();
    desk.browser.select("Status", "Inactive").unwrap();
    desk.browser.click_button("Save").unwrap();
    let page = desk.text();
    assert!(
        page.contains("Tacoma") && page.contains("Inactive"),
        "{page}"
    );

    // In Spanish, the same pages pass.
    desk.browser.follow("Español").unwrap();
    assert!(desk.text().contains("Panel de seguridad"));
    desk.check(None);
    desk.goto("/console/customers");
    assert!(desk.sections().contains(&"Clientes".to_string()));
    desk.check(None);
    assert!(desk.checked.len() >= 10, "{:?}", desk.checked);
}

#[test]
fn front_desk_on_a_phone_has_no_import_and_an_artist_reads_medical_details_audited() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    add_owner(dir);
    for (name, role, pin) in [
        ("fran", "front-desk", "975310"),
        ("ari", "artist", "135790"),
    ] {
        agent_with(
            dir,
            &["user", "add", name, "--role", role],
            &[("INTAKE_NEW_PIN", pin)],
        );
    }
    let added = agent(
        dir,
        &[
            "customer",
            "add",
            "--set",
            "FirstName=Noor",
            "--set",
            "LastName=Haddad",
        ],
    );
    let id = added
        .split_whitespace()
        .find(|w| w.len() == 36)
        .unwrap()
        .to_string();
    agent(
        dir,
        &[
            "customer",
            "medical",
            &id,
            "--kind",
            "allergy",
            "--name",
            "Latex",
            "--details",
            "hives",
        ],
    );
    let store = Store::start(dir, &[]);

    let mut phone = Desk::open(&store, dir, Viewport::Phone);
    phone.sign_in("fran", "975310");
    phone.check(Some("customers-phone"));
    assert_eq!(
        phone.sections(),
        ["Customers", "Duplicates"],
        "no link to what front desk cannot open"
    );
    phone.goto(&format!("/console/customers/{id}"));
    let page = phone.text();
    assert!(
        page.contains("1 medical record(s)") && !page.contains("Latex"),
        "{page}"
    );
    phone.check(Some("customer-phone"));
    phone.goto("/console/import");
    assert!(phone.text().contains("Not allowed"));
    phone.check(None);

    let mut artist = Desk::open(&store, dir, Viewport::Desktop);
    artist.sign_in("ari", "135790");
    artist.goto(&format!("/console/customers/{id}"));
    let page = artist.text();
    assert!(page.contains("Latex") && page.contains("hives"), "{page}");
    artist.check(None);
    let audit: Vec<Value> =
        serde_json::from_str(&agent(dir, &["audit", "--json", "--limit", "20"])).unwrap();
    let viewed = audit
        .iter()
        .filter(|e| e["action"] == "medical.view" && e["actor"] == "ari")
        .count();
    assert_eq!(viewed, 1, "the artist's one view is audited: {audit:?}");
}
