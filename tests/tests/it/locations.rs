//! A chain with two locations on one store: kiosks and counters at each, real processes over
//! HTTPS. A counter lists its own location's check-ins (and those signed at no location),
//! while both hold every customer; the location a release was signed at is the store's
//! record of the device that sent it, kept when the device moves later; the console's list
//! narrows to one location; and what is not a location is refused and changes nothing. On
//! SQLite and, with `INTAKE_TEST_ENGINE=postgres`, on PostgreSQL.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::{Duration as Days, Utc};
use intake_common::{Actor, Role, browse, counter};
use intake_tests::cluster::{PIN, Store, agent, agent_output, open_db, register};
use intake_tests::console::Console;

fn owner() -> Actor {
    Actor {
        name: "olive".into(),
        role: Role::Owner,
    }
}

/// The names on a counter's check-in list today.
fn check_ins(counter_dir: &Path) -> BTreeSet<String> {
    let now = Utc::now();
    counter::check_ins(
        &intake_common::Db::open_dir(counter_dir).unwrap(),
        &owner(),
        now - Days::days(1),
        now + Days::days(1),
    )
    .unwrap()
    .into_iter()
    .map(|c| c.name)
    .collect()
}

/// The names (as a check-in shows them) of the customers who signed `releases`.
fn names(dir: &Path, releases: &[String]) -> BTreeSet<String> {
    let db = open_db(dir);
    releases
        .iter()
        .map(|release| {
            db.conn()
                .query_row(
                    "SELECT c.first_name || ' ' || c.last_name FROM releases r
                     JOIN customers c ON c.id = r.customer_id WHERE r.id = ?1",
                    [uuid::Uuid::parse_str(release).unwrap()],
                    |r| r.get(0),
                )
                .unwrap()
        })
        .collect()
}

fn location_of(store: &Path, release: &str) -> Option<String> {
    open_db(store)
        .conn()
        .query_row(
            "SELECT location FROM releases WHERE id = ?1",
            [uuid::Uuid::parse_str(release).unwrap()],
            |r| r.get(0),
        )
        .unwrap()
}

fn sync(dirs: &[&PathBuf]) {
    for dir in dirs {
        agent(dir, &["run", "--once"]);
    }
}

#[test]
fn each_location_sees_its_own_check_ins_and_every_customer() {
    let root = tempfile::tempdir().unwrap();
    let shop = root.path().join("store");
    let store = Store::create(&shop);
    agent(
        &shop,
        &["location", "add", "downtown", "--name", "Downtown, 5th Ave"],
    );
    agent(
        &shop,
        &["location", "add", "mall", "--name", "Riverside Mall"],
    );
    let dir = |name: &str| root.path().join(name);
    let (kiosk_d, kiosk_m, kiosk_x) = (dir("kiosk-d"), dir("kiosk-m"), dir("kiosk-x"));
    let (desk_d, desk_m) = (dir("desk-d"), dir("desk-m"));
    for (path, name, role, at) in [
        (&kiosk_d, "kiosk-d", "kiosk", Some("downtown")),
        (&kiosk_m, "kiosk-m", "kiosk", Some("mall")),
        (&kiosk_x, "kiosk-x", "kiosk", None),
        (&desk_d, "desk-d", "counter", Some("downtown")),
        (&desk_m, "desk-m", "counter", Some("mall")),
    ] {
        store.pair(path, name, role, false, &store.url);
        if let Some(at) = at {
            agent(&shop, &["device", "move", name, "--location", at]);
        }
    }
    let listed: serde_json::Value =
        serde_json::from_str(&agent(&shop, &["location", "list", "--json"])).unwrap();
    assert_eq!(listed[0]["id"], "downtown");
    assert_eq!(listed[0]["devices"], 2);
    assert_eq!(listed[1]["name"], "Riverside Mall");

    let downtown = register(&kiosk_d, 0, 3);
    let mall = register(&kiosk_m, 100, 2);
    let nowhere = register(&kiosk_x, 200, 1);
    sync(&[&kiosk_d, &kiosk_m, &kiosk_x, &desk_d, &desk_m]);

    // Stamped by the store from the device that sent it.
    assert!(
        downtown
            .iter()
            .all(|r| location_of(&shop, r).as_deref() == Some("downtown"))
    );
    assert!(
        mall.iter()
            .all(|r| location_of(&shop, r).as_deref() == Some("mall"))
    );
    assert_eq!(location_of(&shop, &nowhere[0]), None);

    let (d, m, x) = (
        names(&shop, &downtown),
        names(&shop, &mall),
        names(&shop, &nowhere),
    );
    assert_eq!(check_ins(&desk_d), &d | &x);
    assert_eq!(check_ins(&desk_m), &m | &x);
    // Customers are the chain's: both counters hold all six.
    for desk in [&desk_d, &desk_m] {
        let held: i64 = intake_common::Db::open_dir(desk)
            .unwrap()
            .conn()
            .query_row("SELECT count(*) FROM customers", [], |r| r.get(0))
            .unwrap();
        assert_eq!(held, 6);
    }

    // A kiosk carried to the mall: what it signs now is the mall's, what it signed before
    // stays downtown's.
    agent(&shop, &["device", "move", "kiosk-d", "--location", "mall"]);
    let moved = register(&kiosk_d, 300, 1);
    sync(&[&kiosk_d, &desk_d, &desk_m]);
    assert_eq!(location_of(&shop, &moved[0]).as_deref(), Some("mall"));
    assert!(
        downtown
            .iter()
            .all(|r| location_of(&shop, r).as_deref() == Some("downtown"))
    );
    let now_moved = names(&shop, &moved);
    assert_eq!(check_ins(&desk_m), &(&m | &x) | &now_moved);
    assert_eq!(check_ins(&desk_d), &d | &x);

    // The console's list, narrowed to one location.
    let db = open_db(&shop);
    let at = |location: &str| -> usize {
        browse::page(
            &db,
            &owner(),
            &browse::Ask {
                limit: 50,
                location: Some(location),
                ..Default::default()
            },
        )
        .unwrap()
        .customers
        .len()
    };
    assert_eq!((at("downtown"), at("mall"), at("elsewhere")), (3, 3, 0));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut console = Console::new(&shop, &store.url);
        assert_eq!(console.sign_in("olive", PIN).await.status, 303);
        let page = console.get("/console/customers?location=downtown").await;
        assert_eq!(page.status, 200);
        assert!(
            page.body.contains("Riverside Mall"),
            "the filter offers each location"
        );
        for name in &d {
            let first = name.split(' ').next().unwrap();
            assert!(page.body.contains(first), "{first} checked in downtown");
        }
        for name in &m {
            let first = name.split(' ').next().unwrap();
            assert!(!page.body.contains(first), "{first} checked in at the mall");
        }
        let devices = console.get("/console/devices").await;
        assert!(
            devices.body.contains("<td>downtown</td>"),
            "each device's location shows"
        );
        // Not a location id: refused by name.
        let bad = console.get("/console/customers?location=..%2Fetc").await;
        assert_eq!(bad.status, 400, "{}", bad.body);
    });

    // Refusals change nothing.
    let before = agent(&shop, &["device", "list", "--json"]);
    for args in [
        &["device", "move", "desk-d", "--location", "nowhere"][..],
        &["device", "move", "no-such-device", "--location", "mall"],
        &[
            "device",
            "add",
            "desk-z",
            "--role",
            "counter",
            "--location",
            "nowhere",
        ],
        &["location", "add", "Down Town", "--name", "x"],
        &["location", "add", "mall", "--name", "Again"],
        &["location", "add", "outlet", "--name", ""],
        // Web Sign's releases carry this name: a device taking it would stamp them.
        &[
            "device",
            "add",
            "web-sign",
            "--role",
            "kiosk",
            "--location",
            "mall",
        ],
    ] {
        let out = agent_output(&shop, args);
        assert!(!out.status.success(), "{args:?} is refused");
        assert!(!out.stderr.is_empty());
    }
    assert_eq!(agent(&shop, &["device", "list", "--json"]), before);
    let listed: serde_json::Value =
        serde_json::from_str(&agent(&shop, &["location", "list", "--json"])).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2);
}
