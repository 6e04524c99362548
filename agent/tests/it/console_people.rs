//! The console's Staff, Devices and Audit log pages over real HTTPS against a real store,
//! each change read back through the command line (`--json`) or the API: a user added in
//! the page signs in; a new PIN, a new role or disabling ends their sessions; the last
//! owner keeps their role and access; a new device's code (text and QR code) pairs it once,
//! its exit code reaches the kiosk, revoking refuses its token; the audit log's filters
//! and pages hold exactly the log's entries; and every refusal is named and changes nothing.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

mod audit;
mod browser;
mod devices;
mod staff;

use std::path::Path;

use intake_tests::console::Answer;
use serde_json::Value;

use crate::console::{PAGES, add_user, is_page, signed_in};
use crate::support::{OWNER, PIN, Store, add_owner, agent};

/// A store with its owner, an artist (ari), a front-desk user (fran) and a manager (mia).
fn shop(dir: &Path) -> Store {
    add_owner(dir);
    add_user(dir, "ari", "artist", "135790");
    add_user(dir, "fran", "front-desk", "9753");
    add_user(dir, "mia", "manager", "864200");
    Store::start(dir, &[])
}

/// The users as `intake-agent user list --json` has them.
fn users(dir: &Path) -> Vec<Value> {
    let listed: Value = serde_json::from_str(&agent(dir, &["user", "list", "--json"])).unwrap();
    listed.as_array().unwrap().clone()
}

/// One user of [`users`], by name.
fn user(dir: &Path, name: &str) -> Value {
    users(dir)
        .into_iter()
        .find(|u| u["name"] == name)
        .unwrap_or_else(|| panic!("no user {name}"))
}

/// The devices as `intake-agent device list --json` has them.
fn devices_of(dir: &Path) -> Vec<Value> {
    let listed: Value = serde_json::from_str(&agent(dir, &["device", "list", "--json"])).unwrap();
    listed.as_array().unwrap().clone()
}

/// The whole audit log, newest first, as `intake-agent audit --json` has it.
fn audit_log(dir: &Path) -> Vec<Value> {
    let log: Value =
        serde_json::from_str(&agent(dir, &["audit", "--json", "--limit", "100000"])).unwrap();
    log.as_array().unwrap().clone()
}

/// The text of the element whose id is `id`, as the page has it (entities undone).
fn text_of(body: &str, id: &str) -> Option<String> {
    let at = body.find(&format!("id=\"{id}\""))?;
    let rest = &body[at..];
    let start = rest.find('>')? + 1;
    let end = rest[start..].find('<')?;
    Some(
        rest[start..start + end]
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

/// Every value of the hidden inputs named `name`, in page order.
fn hidden_values(body: &str, name: &str) -> Vec<String> {
    body.split(&format!("name=\"{name}\" value=\""))
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_string())
        .collect()
}

/// A form's fields, the link to the control a refusal names, and what it says.
type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);

/// Whether an audit log entry (as `--json` has it) is one a filter keeps.
type Keep = Box<dyn Fn(&Value) -> bool>;

/// A refusal that is a page, under `status`, naming `what`.
fn refused(a: &Answer, status: u16, what: &str) {
    assert_eq!(
        a.status, status,
        "expected {status} naming {what:?}: {}",
        a.body
    );
    assert!(is_page(a));
    assert!(
        a.body.contains(what),
        "the page does not name {what:?}: {}",
        a.body
    );
}

/// The console's people pages, as the shared list holds them.
fn people_pages() -> Vec<(&'static str, &'static str, &'static str)> {
    PAGES
        .iter()
        .copied()
        .filter(|(_, p, _)| {
            ["/console/staff", "/console/devices", "/console/audit"]
                .iter()
                .any(|s| p.starts_with(s))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_people_pages_are_closed_to_roles_without_the_permission_and_never_linked() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let store = shop(dir);
    let owner = signed_in(dir, &store, OWNER, PIN).await;
    let fran = signed_in(dir, &store, "fran", "9753").await;
    let ari = signed_in(dir, &store, "ari", "135790").await;
    let mia = signed_in(dir, &store, "mia", "864200").await;
    let ari_id = user(dir, "ari")["id"].as_str().unwrap().to_string();
    let made: Value = serde_json::from_str(&agent(
        dir,
        &["device", "add", "lobby", "--role", "kiosk", "--json"],
    ))
    .unwrap();
    let device_id = made["id"].as_str().unwrap().to_string();
    let pages = people_pages();
    assert_eq!(pages.len(), 15, "{pages:?}");

    for (method, path, needs) in pages {
        let id = if path.starts_with("/console/devices") {
            &device_id
        } else {
            &ari_id
        };
        let path = path.replace("{id}", id);
        // Fields that would do something, were the role allowed to.
        let fields: &[(&str, &str)] = &[
            ("name", "eve"),
            ("role", "owner"),
            ("pin", "111333"),
            ("pin-again", "111333"),
            ("code", "222444"),
            ("code-again", "222444"),
            ("confirm", "yes"),
        ];
        let mut roles = vec![("front desk", &fran), ("artist", &ari)];
        if needs == "manage:users" {
            roles.push(("manager", &mia));
        }
        for (role, c) in roles {
            let a = if method == "GET" {
                c.get(&path).await
            } else {
                c.post(&path, fields).await
            };
            assert_eq!(a.status, 403, "{method} {path} as {role}");
            assert!(is_page(&a), "{method} {path} as {role}");
        }
    }
    // Nothing changed: no user eve, ari still an active artist, the kiosk not revoked.
    let after = users(dir);
    assert_eq!(after.len(), 4);
    let ari_now = user(dir, "ari");
    assert_eq!(
        (ari_now["role"].as_str(), ari_now["disabled"].as_bool()),
        (Some("artist"), Some(false))
    );
    let listed: Value = serde_json::from_str(&agent(dir, &["device", "list", "--json"])).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(listed[0]["revoked_at"].is_null());

    // The navigation links only what the role may open; no page links the others.
    let links = |body: &str| {
        ["/console/staff", "/console/devices", "/console/audit"]
            .map(|p| body.contains(&format!("href=\"{p}")))
    };
    for (who, c) in [("front desk", &fran), ("artist", &ari)] {
        let page = c.get("/console/customers").await;
        assert_eq!(page.status, 200);
        assert_eq!(links(&page.body), [false; 3], "{who}");
    }
    let page = mia.get("/console/devices").await;
    assert_eq!(page.status, 200);
    assert_eq!(
        links(&page.body),
        [false, true, false],
        "a manager manages devices only"
    );
    let page = owner.get("/console/staff").await;
    assert_eq!(links(&page.body), [true; 3]);
    // The console's forms carry their Origin (a `no-referrer` page posts `Origin: null`,
    // which the gate refuses); no address leaves for another site.
    assert_eq!(page.headers.get("referrer-policy").unwrap(), "same-origin");
    assert!(
        page.body
            .contains("<meta name=\"referrer\" content=\"same-origin\">")
    );
    assert!(
        page.body
            .contains("href=\"/console/staff\" aria-current=\"page\"")
    );
}
