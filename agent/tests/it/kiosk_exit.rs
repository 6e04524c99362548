//! A lobby kiosk's staff exit, checked by the store over real HTTPS: only a kiosk's token
//! asks, the answer names the staff member, and guesses are throttled per kiosk.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use crate::support::{OWNER, PIN, Store, add_owner, agent, client, sign_in};
use serde_json::{Value, json};

const FAY_PIN: &str = "1357";

/// Adds a device on the store and pairs it over the API; returns its token.
async fn paired(http: &reqwest::Client, store: &Store, name: &str, role: &str) -> String {
    let made: Value = serde_json::from_str(&agent(
        &store.dir,
        &["device", "add", name, "--role", role, "--json"],
    ))
    .unwrap();
    let v: Value = http
        .post(format!("{}/v1/pair", store.url))
        .json(&json!({ "code": made["code"] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["token"].as_str().unwrap().to_string()
}

async fn ask(
    http: &reqwest::Client,
    store: &Store,
    token: &str,
    pin: &str,
) -> (u16, Option<String>, Value) {
    let resp = http
        .post(format!("{}/v1/kiosk/exit", store.url))
        .bearer_auth(token)
        .json(&json!({ "pin": pin }))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let retry = resp
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    (status, retry, resp.json().await.unwrap_or(Value::Null))
}

fn audited(store: &Store, action: &str, actor: &str) -> i64 {
    let db = intake_tests::cluster::open_db(&store.dir);
    db.conn()
        .query_row(
            "SELECT count(*) FROM audit_log WHERE action = ?1 AND actor = ?2",
            [action, actor],
            |r| r.get(0),
        )
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_checks_a_kiosks_staff_exit_and_throttles_it_per_kiosk_and_overall() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    add_owner(&dir);
    intake_tests::cluster::agent_with(
        &dir,
        &["user", "add", "fay", "--role", "front-desk"],
        &[("INTAKE_NEW_PIN", FAY_PIN)],
    );
    let store = Store::start(&dir, &[]);
    let http = client(&dir);
    let lobby = paired(&http, &store, "lobby", "kiosk").await;
    let patio = paired(&http, &store, "patio", "kiosk").await;
    let desk = paired(&http, &store, "desk", "counter").await;
    let (owner_session, _) = sign_in(&http, &store.url, OWNER, PIN).await;

    // The right PIN names its staff member; the exit is audited on the store.
    let (status, _, body) = ask(&http, &store, &lobby, PIN).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({ "user": OWNER, "role": "owner" }));
    assert_eq!(audited(&store, "kiosk.exit", OWNER), 1);
    // A front-desk PIN (four digits may do there) is not taken from a kiosk's token: the
    // front desk leaves with the kiosk's exit code.
    let (status, _, body) = ask(&http, &store, &lobby, FAY_PIN).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(audited(&store, "kiosk.exit", "fay"), 0);
    assert_eq!(audited(&store, "auth.failed", "kiosk:lobby"), 1);

    // A wrong PIN is refused, and the miss is audited under the kiosk's pad.
    let (status, _, _) = ask(&http, &store, &lobby, "000000").await;
    assert_eq!(status, 401);
    assert_eq!(audited(&store, "auth.failed", "kiosk:lobby"), 2);

    // Only a kiosk asks: a counter and a staff session are refused, even with the right PIN,
    // and nothing is counted against any pad.
    let (status, _, body) = ask(&http, &store, &desk, PIN).await;
    assert_eq!(status, 403, "{body}");
    let (status, _, body) = ask(&http, &store, &owner_session, PIN).await;
    assert_eq!(status, 403, "{body}");
    let (status, _, _) = ask(&http, &store, "ik_not-a-token", PIN).await;
    assert_eq!(status, 401);
    assert_eq!(audited(&store, "kiosk.exit", OWNER), 1);

    // A staff member who gets in clears the pad's misses.
    let (status, _, _) = ask(&http, &store, &lobby, PIN).await;
    assert_eq!(status, 200);
    assert_eq!(audited(&store, "kiosk.exit", OWNER), 2);

    // Five wrong PINs lock this kiosk's pad: then even the right one waits, with Retry-After.
    for i in 0..5 {
        let (status, _, _) = ask(&http, &store, &lobby, &format!("99990{i}")).await;
        assert!(
            status == 401 || (i == 4 && status == 429),
            "try {i}: {status}"
        );
    }
    let (status, retry, body) = ask(&http, &store, &lobby, PIN).await;
    assert_eq!(status, 429, "{body}");
    let retry: u64 = retry.expect("a Retry-After header").parse().unwrap();
    assert!((1..=3600).contains(&retry), "Retry-After {retry}");
    assert_eq!(audited(&store, "kiosk.exit", OWNER), 2);

    // Every kiosk's misses count together too: a second stolen kiosk token gets no fresh
    // guesses. (Staff there leave with that kiosk's own exit code meanwhile.)
    let (status, _, body) = ask(&http, &store, &patio, PIN).await;
    assert_eq!(status, 429, "{body}");
}
