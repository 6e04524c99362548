//! Staff sessions on the store: kept in its database (only the token's hash), so they
//! survive a restart; ended by `session revoke`, by `DELETE /v1/sessions/{id}` (signing
//! out, or an admin's), and by disabling the user, at the very next request.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use crate::support::{OWNER, PIN, Store, add_owner, agent, client, sign_in};
use serde_json::Value;

const FAY_PIN: &str = "1357";

async fn status(http: &reqwest::Client, url: &str, token: &str) -> u16 {
    http.get(format!("{url}/v1/customers?q=Moss"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_survive_a_restart_and_end_when_revoked_or_the_user_is_disabled() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    add_owner(&dir);
    intake_tests::cluster::agent_with(
        &dir,
        &["user", "add", "fay", "--role", "front-desk"],
        &[("INTAKE_NEW_PIN", FAY_PIN)],
    );
    let mut store = Store::start(&dir, &[]);
    let http = client(&dir);
    let (fay, fay_id) = sign_in(&http, &store.url, "fay", FAY_PIN).await;
    let (owner, _) = sign_in(&http, &store.url, OWNER, PIN).await;
    assert_eq!(status(&http, &store.url, &fay).await, 200);

    // Only the token's SHA-256 is kept.
    let db = intake_tests::cluster::open_db(&dir);
    let leaked: i64 = db
        .conn()
        .query_row(
            "SELECT count(*) FROM sessions WHERE token_hash = ?1 OR id = ?1 OR client = ?1",
            [&fay],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(leaked, 0);

    // A restart keeps it.
    drop(store);
    store = Store::start(&dir, &[]);
    assert_eq!(status(&http, &store.url, &fay).await, 200);

    // Listed, with the client's address, by the CLI and the API (manage:users only).
    let listed: Value = serde_json::from_str(&agent(&dir, &["session", "list", "--json"])).unwrap();
    let mine = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == fay_id.as_str())
        .unwrap();
    assert_eq!(mine["user"], "fay");
    assert!(mine["client"].as_str().unwrap().starts_with("127.0.0.1:"));
    let resp = http
        .get(format!("{}/v1/sessions", store.url))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        http.get(format!("{}/v1/sessions", store.url))
            .bearer_auth(&fay)
            .send()
            .await
            .unwrap()
            .status(),
        403
    );

    // Revoked by id prefix from the command line: refused at the next request.
    agent(&dir, &["session", "revoke", &fay_id[..13]]);
    assert_eq!(status(&http, &store.url, &fay).await, 401);

    // Signing out ends one's own session; another's needs manage:users.
    let (fay2, fay2_id) = sign_in(&http, &store.url, "fay", FAY_PIN).await;
    let (fay3, fay3_id) = sign_in(&http, &store.url, "fay", FAY_PIN).await;
    let (_, owner2_id) = sign_in(&http, &store.url, OWNER, PIN).await;
    let delete = |token: &str, id: &str| {
        http.delete(format!("{}/v1/sessions/{id}", store.url))
            .bearer_auth(token)
            .send()
    };
    assert_eq!(delete(&fay2, &owner2_id).await.unwrap().status(), 403);
    let out: Value = delete(&fay2, &fay2_id).await.unwrap().json().await.unwrap();
    assert_eq!(out["signed_out"], true);
    assert_eq!(status(&http, &store.url, &fay2).await, 401);
    assert_eq!(status(&http, &store.url, &fay3).await, 200);
    assert_eq!(delete(&owner, &fay3_id).await.unwrap().status(), 200);
    assert_eq!(status(&http, &store.url, &fay3).await, 401);

    // Every session of a user at once.
    let (fay4, _) = sign_in(&http, &store.url, "fay", FAY_PIN).await;
    agent(&dir, &["session", "revoke", "--for-user", "fay"]);
    assert_eq!(status(&http, &store.url, &fay4).await, 401);

    // A disabled user's session is refused.
    let (fay5, _) = sign_in(&http, &store.url, "fay", FAY_PIN).await;
    assert_eq!(status(&http, &store.url, &fay5).await, 200);
    db.conn()
        .execute("UPDATE users SET disabled = 1 WHERE name = 'fay'", [])
        .unwrap();
    assert_eq!(status(&http, &store.url, &fay5).await, 401);

    // Every end was audited.
    let revokes: i64 = db
        .conn()
        .query_row(
            "SELECT count(*) FROM audit_log WHERE action = 'session.revoke'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(revokes, 4);
}

async fn try_sign_in(http: &reqwest::Client, url: &str, user: &str, pin: &str) -> (u16, f64) {
    let started = std::time::Instant::now();
    let status = http
        .post(format!("{url}/v1/sessions"))
        .json(&serde_json::json!({ "user": user, "pin": pin }))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16();
    (status, started.elapsed().as_secs_f64())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Guessing over the network: forty wrong PINs, then the right one, is still refused (the
/// name is locked, across a restart); an unknown name answers like a known one, in the
/// same time; the address that sprays guesses over many names is locked too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessing_a_pin_over_https_is_locked_out_and_names_cannot_be_told_apart() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    add_owner(&dir);
    for name in ["fay", "gus"] {
        intake_tests::cluster::agent_with(
            &dir,
            &["user", "add", name, "--role", "front-desk"],
            &[("INTAKE_NEW_PIN", FAY_PIN)],
        );
    }
    let mut store = Store::start(&dir, &[]);
    let http = client(&dir);

    // A known name with a wrong PIN and an unknown name: the same answer, the same time.
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for i in 0..4 {
        let (s, t) = try_sign_in(&http, &store.url, "fay", &format!("99{i}9")).await;
        assert_eq!(s, 401);
        known.push(t);
        let (s, t) = try_sign_in(&http, &store.url, &format!("nobody{i}"), "9999").await;
        assert_eq!(s, 401);
        unknown.push(t);
    }
    let ratio = median(unknown) / median(known);
    assert!(
        (0.6..1.6).contains(&ratio),
        "an unknown name answered {ratio:.2}x as long as a known one"
    );

    // Forty wrong PINs, then the right one: refused, with Retry-After.
    for i in 0..40 {
        let (s, _) = try_sign_in(&http, &store.url, "gus", &format!("{:04}", 1000 + i)).await;
        assert!(s == 401 || s == 429, "guess {i}: {s}");
    }
    let refused = http
        .post(format!("{}/v1/sessions", store.url))
        .json(&serde_json::json!({ "user": "gus", "pin": FAY_PIN }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 429);
    let wait: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&wait), "Retry-After {wait}");

    // A restart forgets nothing.
    drop(store);
    store = Store::start(&dir, &[]);
    let (s, _) = try_sign_in(&http, &store.url, "gus", FAY_PIN).await;
    assert_eq!(s, 429, "the lock did not survive a restart");

    // This address has now failed far more than ten times over all names: even a name it
    // never tried with the right PIN is refused from here.
    let (s, _) = try_sign_in(&http, &store.url, OWNER, PIN).await;
    assert_eq!(s, 429, "the address spraying guesses was not locked");

    // The audit log holds the failures, names cut short, and the database stayed small.
    let db = intake_tests::cluster::open_db(&dir);
    let longest: i64 = db
        .conn()
        .query_row(
            "SELECT coalesce(max(length(actor) + length(detail)), 0) FROM audit_log WHERE action = 'auth.failed'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(longest < 512, "an audit row of {longest} bytes");
}
