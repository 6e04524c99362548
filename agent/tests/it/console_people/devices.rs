//! The Devices pages: a device added in the page is paired by the command it shows (as
//! text and as a QR code), once; a kiosk's exit code set in the page reaches the kiosk at
//! its next sync; revoking refuses the device's token; bad input and forged ids are refused
//! by name with nothing changed.

use std::collections::BTreeSet;
use std::path::Path;

use intake_common::users;
use intake_tests::cluster::agent_output;
use serde_json::{Value, json};

use super::{Case, devices_of, refused, shop, text_of};
use crate::console::signed_in;
use crate::support::{OWNER, PIN, agent, client};

fn device(dir: &Path, name: &str) -> Value {
    devices_of(dir)
        .into_iter()
        .find(|d| d["name"] == name)
        .unwrap_or_else(|| panic!("no device {name}"))
}

/// The dark modules of the page's QR code, read from its one path (`M x y h n v1 h-n z`
/// for each run), without the four-module margin; and its width in modules.
fn qr_modules(body: &str) -> (BTreeSet<(usize, usize)>, usize) {
    let svg = &body[body.find("<svg class=\"qr\"").expect("a QR code")..];
    let view = svg.split("viewBox=\"0 0 ").nth(1).unwrap();
    let size: usize = view.split(' ').next().unwrap().parse().unwrap();
    let d = svg
        .split(" d=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let mut dark = BTreeSet::new();
    for run in d.split('M').filter(|r| !r.is_empty()) {
        let (xy, rest) = run.split_once('h').unwrap();
        let (x, y) = xy.split_once(' ').unwrap();
        let (x, y): (usize, usize) = (x.parse().unwrap(), y.parse().unwrap());
        let n: usize = rest.split('v').next().unwrap().parse().unwrap();
        assert!(rest.ends_with(&format!("v1h-{n}z")), "{run}");
        for col in x..x + n {
            dark.insert((col - 4, y - 4));
        }
    }
    (dark, size - 8)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_devices_pair_once_by_the_code_shown_and_revoking_refuses_the_token() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    let dir = dir.as_path();
    let store = shop(dir);
    let owner = signed_in(dir, &store, OWNER, PIN).await;
    let mia = signed_in(dir, &store, "mia", "864200").await;
    assert!(
        owner
            .get("/console/devices")
            .await
            .body
            .contains("No devices yet.")
    );

    // What cannot be added is named beside its field, and adds nothing.
    let cases: &[Case<'_>] = &[
        (
            &[("name", "front desk!"), ("role", "kiosk")],
            "href=\"#name\"",
            "is not a device name",
        ),
        (
            &[("name", ""), ("role", "kiosk")],
            "href=\"#name\"",
            "is not a device name",
        ),
        (
            &[("name", "lobby"), ("role", "toaster")],
            "href=\"#role\"",
            "is not a device role",
        ),
        (
            &[("name", "lobby"), ("role", "kiosk"), ("medical", "yes")],
            "href=\"#medical\"",
            "A lobby kiosk never holds medical details",
        ),
    ];
    for (fields, link, message) in cases {
        let a = owner.post("/console/devices", fields).await;
        refused(&a, 422, message);
        assert!(a.body.contains(link), "{link}");
    }
    assert!(devices_of(dir).is_empty());

    // A kiosk, added by a manager: the code, once, with the command that pairs it.
    let a = mia
        .post("/console/devices", &[("name", "lobby"), ("role", "kiosk")])
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(a.body.contains("This pairing code is shown only now"));
    let code = text_of(&a.body, "pairing-code").unwrap();
    let fingerprint = text_of(&a.body, "fingerprint").unwrap();
    let command = text_of(&a.body, "pair-command").unwrap();
    assert_eq!(code.len(), 14, "{code}");
    assert_eq!(
        command,
        format!(
            "intake-agent pair --store {} --code {code} --fingerprint {}",
            store.url,
            fingerprint.replace(':', "")
        )
    );
    // The QR code carries exactly that command.
    let (dark, width) = qr_modules(&a.body);
    let qr = qrcode::QrCode::new(command.as_bytes()).unwrap();
    assert_eq!(width, qr.width());
    let expected: BTreeSet<(usize, usize)> = qr
        .to_colors()
        .iter()
        .enumerate()
        .filter(|(_, c)| **c == qrcode::Color::Dark)
        .map(|(i, _)| (i % width, i / width))
        .collect();
    assert_eq!(dark, expected);
    // The same fingerprint the command line prints for a device it adds.
    let desk: Value = serde_json::from_str(&agent(
        dir,
        &["device", "add", "desk", "--role", "counter", "--json"],
    ))
    .unwrap();
    assert_eq!(desk["fingerprint"].as_str(), Some(fingerprint.as_str()));
    // Never shown again: not in the list, not by posting the form again.
    let list = owner.get("/console/devices").await.body;
    assert!(list.contains(">lobby</th>") && list.contains("Waiting for its pairing code"));
    assert!(!list.contains(&code));
    let again = mia
        .post("/console/devices", &[("name", "lobby"), ("role", "kiosk")])
        .await;
    refused(&again, 422, "exists already");
    assert!(!again.body.contains("pairing-code"));

    // The device runs the command as shown: paired, and the code is used up.
    let kiosk = tmp.path().join("kiosk");
    std::fs::create_dir_all(&kiosk).unwrap();
    let args: Vec<&str> = command.split(' ').skip(1).collect();
    let paired = agent(&kiosk, &args);
    assert!(paired.contains("Paired as lobby (kiosk)"), "{paired}");
    let http = client(dir);
    let pair = |code: String| {
        let (http, url) = (http.clone(), store.url.clone());
        async move {
            http.post(format!("{url}/v1/pair"))
                .json(&json!({ "code": code }))
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(pair(code.clone()).await.status(), 401, "a code pairs once");
    assert!(device(dir, "lobby")["paired_at"].is_string());
    assert!(owner.get("/console/devices").await.body.contains("Paired "));

    // The kiosk's exit code: typed twice, six to twelve digits; the kiosk gets it.
    let lobby_id = device(dir, "lobby")["id"].as_str().unwrap().to_string();
    let exit = format!("/console/devices/{lobby_id}/exit-code");
    assert_eq!(owner.get(&exit).await.status, 200);
    for (code, again, message) in [
        ("246813", "246814", "The two codes differ"),
        ("24681", "24681", "6 to 12 digits"),
        ("24681a", "24681a", "6 to 12 digits"),
        ("", "", "Type it"),
    ] {
        let a = owner
            .post(&exit, &[("code", code), ("code-again", again)])
            .await;
        refused(&a, 422, message);
    }
    let a = owner
        .post(&exit, &[("code", "246813"), ("code-again", "246813")])
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    agent(&kiosk, &["run", "--once"]);
    {
        let db = intake_tests::cluster::open_db(&kiosk);
        assert!(users::check_kiosk_exit(&db, "246814", "lobby").is_err());
        let left = users::check_kiosk_exit(&db, "246813", "lobby").unwrap();
        assert_eq!(left.name, "kiosk-exit:lobby");
    }
    // A counter has no exit code.
    let desk_id = desk["id"].as_str().unwrap();
    refused(
        &owner
            .get(&format!("/console/devices/{desk_id}/exit-code"))
            .await,
        400,
        "desk is a counter display",
    );

    // A counter paired over the API, then revoked in the page: its token is refused.
    let made = pair(desk["code"].as_str().unwrap().to_string()).await;
    assert_eq!(made.status(), 200);
    let token = made.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let pull = |token: String| {
        let (http, url) = (http.clone(), store.url.clone());
        async move {
            http.post(format!("{url}/v1/sync/pull"))
                .bearer_auth(token)
                .json(
                    &json!({ "protocol": intake_common::sync::PROTOCOL, "cursor": 0, "limit": 10 }),
                )
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(pull(token.clone()).await, 200);
    let revoke = format!("/console/devices/{desk_id}/revoke");
    let page = owner.get(&revoke).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Revoke desk?"));
    refused(&owner.post(&revoke, &[]).await, 400, "tick the box");
    assert_eq!(pull(token.clone()).await, 200, "not revoked unconfirmed");
    let a = owner.post(&revoke, &[("confirm", "yes")]).await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert_eq!(pull(token).await, 401);
    assert!(device(dir, "desk")["revoked_at"].is_string());
    // A revoked device is no longer one to act on; ids that are no device's neither.
    for path in [
        revoke.clone(),
        format!("/console/devices/{}/revoke", uuid::Uuid::now_v7()),
        "/console/devices/desk/revoke".to_string(),
    ] {
        refused(
            &owner.get(&path).await,
            404,
            "no active device with this id",
        );
        refused(
            &owner.post(&path, &[("confirm", "yes")]).await,
            404,
            "no active device",
        );
    }
    refused(
        &owner
            .post(
                &format!("/console/devices/{}/exit-code", uuid::Uuid::now_v7()),
                &[("code", "246813"), ("code-again", "246813")],
            )
            .await,
        404,
        "no active device",
    );

    // The kiosk, revoked too, no longer syncs.
    let a = owner
        .post(
            &format!("/console/devices/{lobby_id}/revoke"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(a.status, 303);
    let run = agent_output(&kiosk, &["run", "--once"]);
    assert!(!run.status.success(), "a revoked kiosk is refused");
    let list = owner.get("/console/devices").await.body;
    assert_eq!(list.matches("Revoked ").count(), 2, "{list}");
    assert!(!list.contains("/revoke\""), "nothing left to revoke");
}
