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
        self.check(None);
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
    desk.browser
        .attach("Customer list (CSV or spreadsheet)", Path::new(SAMPLE))
        .unwrap();
    desk.browser.click_button("Upload").unwrap();
    assert!(desk.text().contains("Layout: studio"));
    desk.check(Some("import-mapping"));
    desk.browser.select("Notes", "Leave out").unwrap();
    desk.browser.click_button("Check the whole file").unwrap();
    let checked = desk.text();
    assert!(checked.contains("What the import will do"), "{checked}");
    assert!(checked.contains("Notes (left out)"), "{checked}");
    desk.check(None);
    let stored: Vec<Value> =
        serde_json::from_str(&agent(dir, &["customer", "list", "--json"])).unwrap();
    assert!(stored.is_empty(), "the check stored nothing: {stored:?}");
    desk.browser.click_button("Import now").unwrap();
    desk.browser
        .wait_for_text("Import finished", Duration::from_secs(60))
        .unwrap();
    desk.check(None);
    let stored: Vec<Value> =
        serde_json::from_str(&agent(dir, &["customer", "list", "--json"])).unwrap();
    assert!(stored.len() > 250);
    assert!(
        stored.iter().all(|c| c["Notes"].is_null()),
        "notes were left out"
    );

    // Another app's export: recognised, its history offered no choice, checked.
    desk.goto("/console/import");
    let square = Path::new(SAMPLE).with_file_name("presets/square.csv");
    desk.browser
        .attach("Customer list (CSV or spreadsheet)", &square)
        .unwrap();
    desk.browser.click_button("Upload").unwrap();
    let mapping = desk.text();
    assert!(
        mapping.contains("From Square (Customer Directory export), recognised by its header"),
        "{mapping}"
    );
    assert!(
        mapping.contains("only profile information is imported"),
        "{mapping}"
    );
    desk.check(Some("import-square"));
    desk.browser.select("Nickname", "Leave out").unwrap();
    desk.browser.click_button("Check the whole file").unwrap();
    assert!(
        desk.text().contains("Nickname (left out)"),
        "{}",
        desk.text()
    );
    desk.check(None);
    desk.browser.click_button("Discard this upload").unwrap();

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
    desk.check(None);
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

    // Settings: the shop renamed, seen at once; the release previewed before saving.
    let customer_page = desk.browser.current_url().unwrap();
    desk.browser.follow("Settings").unwrap();
    desk.check(None);
    desk.browser.fill("Shop name", "Ink & Iron").unwrap();
    desk.browser.click_button("Save the shop").unwrap();
    assert!(desk.text().contains("Ink & Iron"), "{}", desk.text());
    desk.check(None);
    desk.browser
        .click_first("button[name=action][value=preview]")
        .unwrap();
    desk.check(None);
    desk.browser.goto(&customer_page).unwrap();

    // In Spanish, the same pages pass.
    desk.browser.follow("Español").unwrap();
    assert!(desk.text().contains("Panel de seguridad"));
    desk.check(None);
    desk.goto("/console/customers");
    assert!(desk.sections().contains(&"Clientes".to_string()));
    desk.check(None);

    // Erasing her, in Spanish: what goes and what stays, the box to tick, then the page
    // her address shows afterwards.
    desk.browser.goto(&customer_page).unwrap();
    desk.browser.follow("Borrar datos").unwrap();
    desk.check(Some("erase"));
    desk.browser.click_first("#confirm").unwrap();
    desk.browser.click_button("Borrar datos").unwrap();
    let erased = desk.text();
    assert!(erased.contains("Cliente borrado"), "{erased}");
    assert!(
        !erased.contains("Anderson") && !erased.contains("Tacoma"),
        "{erased}"
    );
    desk.check(Some("erased"));
    assert!(desk.checked.len() >= 12, "{:?}", desk.checked);
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
    // A chain's store: the list offers its locations.
    for (id, name) in [
        ("downtown", "Downtown, 5th Ave"),
        ("mall", "Riverside Mall"),
    ] {
        agent(dir, &["location", "add", id, "--name", name]);
    }
    let store = Store::start(dir, &[]);

    let mut phone = Desk::open(&store, dir, Viewport::Phone);
    phone.sign_in("fran", "975310");
    phone.check(Some("customers-phone"));
    phone.goto("/console/customers?location=mall");
    let picked = phone
        .browser
        .eval("return document.querySelector('#location').value;", vec![])
        .unwrap();
    assert_eq!(picked, "mall");
    phone.check(Some("customers-location-phone"));
    phone.goto("/console/customers");
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

/// The number of duplicate groups the command line lists.
fn groups(dir: &Path) -> usize {
    let out = agent(dir, &["duplicates", "--json"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    v.as_array().map_or(0, Vec::len)
}

#[test]
fn an_owner_merges_exports_and_adds_a_webhook_that_delivers_and_front_desk_cannot() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    add_owner(dir);
    agent_with(
        dir,
        &["user", "add", "fran", "--role", "front-desk"],
        &[("INTAKE_NEW_PIN", "975310")],
    );
    agent(dir, &["import", SAMPLE]);
    let receiver = intake_tests::receiver::Receiver::start();
    let store = Store::start_with(dir, &[], &[("INTAKE_WEBHOOK_ALLOW_PRIVATE", "1")]);
    let mut desk = Desk::open(&store, dir, Viewport::Desktop);
    desk.sign_in(OWNER, PIN);

    // Duplicates: the first group merged from its page.
    let before = groups(dir);
    assert!(before > 0, "the sample holds duplicate groups");
    desk.browser.follow("Duplicates").unwrap();
    desk.check(Some("duplicates"));
    desk.browser
        .click_first("form[action='/console/duplicates/merge'] button[type=submit]")
        .unwrap();
    desk.check(None);
    assert_eq!(groups(dir), before - 1, "one group fewer: {}", desk.text());

    // Export: the form, and the file it sends, saved by the browser.
    desk.browser.follow("Export").unwrap();
    desk.check(None);
    desk.browser
        .eval(
            "document.querySelector('form.export button[type=submit]').click();",
            vec![],
        )
        .unwrap();
    let downloads = desk.browser.downloads();
    let mut csv = String::new();
    for _ in 0..100 {
        let done = std::fs::read_dir(&downloads).ok().and_then(|d| {
            d.flatten()
                .map(|e| e.path())
                .find(|p| p.extension().is_some_and(|x| x == "csv"))
        });
        if let Some(path) = done {
            csv = std::fs::read_to_string(path).unwrap();
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let csv = csv.as_str();
    let customers: Vec<Value> =
        serde_json::from_str(&agent(dir, &["customer", "list", "--json"])).unwrap();
    assert!(
        csv.starts_with("Id,FirstName"),
        "{}",
        &csv[..csv.len().min(200)]
    );
    let rows = csv::Reader::from_reader(csv.as_bytes()).records().count();
    assert_eq!(rows, customers.len(), "every customer once");

    // A webhook: added, its secret shown once, and a change delivered to it.
    desk.browser.follow("Webhooks").unwrap();
    desk.check(None);
    desk.browser.follow("Add an endpoint").unwrap();
    desk.check(None);
    desk.browser.fill("Address (URL)", &receiver.url).unwrap();
    desk.browser.click_button("Add endpoint").unwrap();
    let secret = desk
        .browser
        .eval(
            "return document.querySelector('code.secret').textContent;",
            vec![],
        )
        .unwrap();
    receiver.trust(secret.as_str().unwrap());
    desk.check(None);
    let id = customers[0]["id"].as_str().unwrap();
    agent(dir, &["customer", "update", id, "--set", "City=Tacoma"]);
    assert!(
        receiver.wait_for(1, Duration::from_secs(30)),
        "the change is delivered"
    );
    assert!(
        receiver
            .received()
            .iter()
            .any(|r| r.event() == "customer.updated")
    );
    desk.browser.follow("Go to the endpoint's page").unwrap();
    let mut shown = desk.text();
    for _ in 0..50 {
        if shown.contains("Delivered") {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
        desk.goto(
            &desk
                .browser
                .current_url()
                .unwrap()
                .replacen(&desk.url, "", 1),
        );
        shown = desk.text();
    }
    assert!(shown.contains("Delivered"), "{shown}");
    desk.check(Some("webhook"));

    // Front desk: no link to export, staff, devices, webhooks, the audit log or settings, and
    // refused by address.
    let mut phone = Desk::open(&store, dir, Viewport::Phone);
    phone.sign_in("fran", "975310");
    assert_eq!(phone.sections(), ["Customers", "Duplicates"]);
    for path in [
        "/console/export",
        "/console/staff",
        "/console/devices",
        "/console/webhooks",
        "/console/audit",
        "/console/settings",
    ] {
        phone.goto(path);
        assert!(
            phone.text().contains("Not allowed"),
            "{path}: {}",
            phone.text()
        );
    }
    phone.check(None);
    // Front desk sees the groups but no merge form.
    phone.goto("/console/duplicates");
    let forms = phone
        .browser
        .eval("return document.querySelectorAll('form[action=\"/console/duplicates/merge\"]').length;", vec![])
        .unwrap();
    assert_eq!(forms, 0);
    phone.check(None);
}
