//! `intake-agent store migrate`: a shop's SQLite store, with paired devices, signed
//! releases, sealed medical details, a webhook endpoint and its audit log, moves to
//! PostgreSQL; the store served from there answers the same, its devices go on syncing with
//! the pairing they had, its webhooks go on being signed with the same secret, and the old
//! file is not served again. Runs where stores are SQLite files (the default engine), with
//! a scratch PostgreSQL database as the destination.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::net::TcpListener;
use std::path::Path;
use std::time::Duration;

use intake_common::db::scratch::Server;
use intake_tests::cluster::{
    Store, agent_output_with, agent_with, on_postgres, register, wait_for,
};
use intake_tests::receiver::Receiver;

const ALLOW: (&str, &str) = ("INTAKE_WEBHOOK_ALLOW_PRIVATE", "1");

/// What the store in `dir` shows an admin, through the commands they would use.
fn views(dir: &Path, env: &[(&str, &str)]) -> Vec<String> {
    let mut users: serde_json::Value =
        serde_json::from_str(&agent_with(dir, &["user", "list", "--json"], env)).unwrap();
    for user in users.as_array_mut().unwrap() {
        // Every command here signs in.
        user.as_object_mut().unwrap().remove("last_sign_in_at");
    }
    let mut seen: Vec<String> = [
        &["export"][..],
        &["release", "list", "--json", "--limit", "500"],
        &["device", "list", "--json"],
        &["webhook", "list", "--json"],
    ]
    .iter()
    .map(|args| agent_with(dir, args, env))
    .collect();
    seen.push(users.to_string());
    seen
}

fn wait_for_port(port: u16) {
    assert!(wait_for(Duration::from_secs(10), || TcpListener::bind((
        "127.0.0.1",
        port
    ))
    .is_ok()));
}

#[test]
fn a_shop_moves_to_postgresql_and_keeps_its_devices_releases_and_webhooks() {
    if on_postgres() {
        return; // the source is a shop's SQLite file; this leg's stores start on PostgreSQL
    }
    let root = tempfile::tempdir().unwrap();
    let shop = root.path().join("shop");
    let receiver = Receiver::start();
    let mut store = Store::create_with(&shop, &[ALLOW]);
    let added: serde_json::Value = serde_json::from_str(&agent_with(
        &shop,
        &["webhook", "add", &receiver.url, "--json"],
        &[ALLOW],
    ))
    .unwrap();
    receiver.trust(added["secret"].as_str().unwrap());
    let (lobby, front) = (root.path().join("lobby"), root.path().join("front"));
    store.pair(&lobby, "lobby", "kiosk", false, &store.url);
    store.pair(&front, "front", "counter", true, &store.url);
    let signed = register(&lobby, 0, 6);
    agent_with(&lobby, &["run", "--once"], &[]);
    agent_with(&front, &["run", "--once"], &[]);
    assert!(
        receiver.wait_for(6, Duration::from_secs(20)),
        "announced on SQLite"
    );
    let before = views(&shop, &[]);
    assert_eq!(
        before[0].lines().count(),
        7,
        "a header and six customers: {}",
        before[0]
    );

    // Not while the store runs: it would take pushes the copy does not see.
    let url = Server::shared().fresh_database("moved");
    let args = [
        "store",
        "migrate",
        "--from",
        shop.to_str().unwrap(),
        "--to",
        &url,
    ];
    let running = agent_output_with(root.path(), &args, &[]);
    assert!(!running.status.success());
    assert!(String::from_utf8_lossy(&running.stderr).contains("stop it first"));

    let port = store.port;
    store.stop();
    let moved = agent_with(root.path(), &args, &[]);
    assert!(
        moved.contains("every table's rows and hash matched"),
        "{moved}"
    );
    assert!(moved.contains("6 customers"), "{moved}");

    // The same answers from PostgreSQL.
    let on_pg = [("INTAKE_DATABASE_URL", url.as_str()), ALLOW];
    assert_eq!(views(&shop, &on_pg), before);
    let pdf = root.path().join("release.pdf");
    agent_with(
        &shop,
        &["release", "pdf", &signed[0], "--out", pdf.to_str().unwrap()],
        &on_pg,
    );
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
    let moved_in = intake_common::Db::open_postgres_in(&url, &shop)
        .unwrap()
        .conn()
        .query_row(
            "SELECT detail FROM audit_log WHERE action = 'store.moved_in'",
            [],
            |r| r.get::<_, String>(0),
        )
        .unwrap();
    assert!(moved_in.contains("6 customers"), "{moved_in}");

    // Served from PostgreSQL at the same address: the devices' pairings hold, new work
    // flows, the counter ends equal, and the receiver gets the same signatures.
    wait_for_port(port);
    let _store = Store::start_env(&shop, port, &on_pg);
    register(&lobby, 100, 3);
    agent_with(&lobby, &["run", "--once"], &[]);
    let checked = agent_with(&front, &["check", "--json"], &[]);
    let checked: serde_json::Value = serde_json::from_str(&checked).unwrap();
    assert_eq!(checked["agree"], true, "{checked}");
    assert_eq!(checked["store_held"], 9, "{checked}");
    assert!(
        receiver.wait_for(9, Duration::from_secs(20)),
        "announced on PostgreSQL"
    );

    // The SQLite file is not used again beside the chain's store: not served, not changed
    // by an admin who forgot --database, not moved a second time.
    for old in [
        &["serve", "--listen", "127.0.0.1:0"][..],
        &["device", "revoke", "lobby"],
        &[
            "store",
            "migrate",
            "--from",
            shop.to_str().unwrap(),
            "--to",
            &url,
        ],
    ] {
        let out = agent_output_with(&shop, old, &[]);
        assert!(!out.status.success(), "{old:?}");
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains("moved to PostgreSQL"), "{old:?}: {said}");
    }
    // Another shop moved into a database that holds a store is refused, with the store's
    // key or without it, and changes nothing; a device's database is not a store to move.
    let (same_key, other_key) = (root.path().join("same-key"), root.path().join("other-key"));
    std::fs::create_dir_all(&same_key).unwrap();
    std::fs::copy(shop.join("secret.key"), same_key.join("secret.key")).unwrap();
    intake_tests::cluster::add_owner(&same_key);
    intake_tests::cluster::add_owner(&other_key);
    let fresh = Server::shared().fresh_database("device");
    // And a directory with no store is named as such.
    let empty = root.path().join("nothing");
    std::fs::create_dir_all(&empty).unwrap();
    for (from, to, refusal) in [
        (&same_key, &url, "already holds a store"),
        (&other_key, &url, "different encryption key"),
        (&lobby, &fresh, "not a store"),
        (&empty, &url, "holds no store database"),
    ] {
        let out = agent_output_with(
            root.path(),
            &[
                "store",
                "migrate",
                "--from",
                from.to_str().unwrap(),
                "--to",
                to,
            ],
            &[],
        );
        assert!(!out.status.success());
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains(refusal), "{said}");
    }
    let customers = intake_common::Db::open_postgres_in(&url, &shop)
        .unwrap()
        .conn()
        .query_row("SELECT count(*) FROM customers", [], |r| r.get::<_, i64>(0))
        .unwrap();
    assert_eq!(customers, 9);
}
