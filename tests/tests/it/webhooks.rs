//! Webhooks end to end: the real `intake-agent` delivering to a real receiver on loopback.
//! Every path that changes a customer announces it; deliveries survive a crash; replay and
//! recover resend with the same webhook-id; a device's registration is announced by its
//! store; HTTPS receivers are checked against the trusted roots.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use intake_tests::binary;
use intake_tests::cluster::{
    OWNER, PIN, Store, SyncLoop, add_owner, agent_output_with, agent_with, register, wait_for,
};
use intake_tests::receiver::{Receiver, Reply};

const WAIT: Duration = Duration::from_secs(20);

const ALLOW: &[(&str, &str)] = &[("INTAKE_WEBHOOK_ALLOW_PRIVATE", "1")];

fn run_agent(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    agent_output_with(dir, args, &[ALLOW, env].concat())
}

fn agent(dir: &Path, args: &[&str]) -> String {
    agent_with(dir, args, ALLOW)
}

/// An appliance with no store: its own store, with its owner.
fn appliance(dir: &Path) {
    add_owner(dir);
}

/// Adds an endpoint for the receiver; the receiver learns its secret.
fn subscribe(dir: &Path, receiver: &Receiver, extra: &[&str]) -> String {
    let mut args = vec!["webhook", "add", &receiver.url, "--json"];
    args.extend_from_slice(extra);
    let added: serde_json::Value = serde_json::from_str(&agent(dir, &args)).unwrap();
    receiver.trust(added["secret"].as_str().unwrap());
    let id = added["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("ep_"));
    id
}

/// `intake-agent run` on an appliance with no store: it delivers the webhooks.
struct Deliverer(Child);

impl Deliverer {
    fn start(dir: &Path) -> Deliverer {
        Deliverer(
            Command::new(binary("intake-agent"))
                .arg("--data-dir")
                .arg(dir)
                .envs(intake_tests::cluster::database_env(dir))
                .arg("run")
                .env("INTAKE_WEBHOOK_ALLOW_PRIVATE", "1")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        )
    }

    /// As a crash: SIGKILL, no chance to tidy up.
    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Deliverer {
    fn drop(&mut self) {
        self.kill();
    }
}

fn events_for<'a>(
    got: &'a [intake_tests::receiver::Received],
    kind: &str,
) -> Vec<&'a serde_json::Value> {
    got.iter()
        .filter(|r| r.event() == kind)
        .map(|r| &r.json["data"])
        .collect()
}

/// Each message matches the schema the store's OpenAPI description declares for its type.
fn as_described(dir: &Path, got: &[intake_tests::receiver::Received]) {
    let doc: serde_json::Value = serde_json::from_str(&agent(dir, &["openapi"])).unwrap();
    for r in got {
        let what = format!("the {} message {}", r.event(), r.id);
        intake_tests::openapi::assert_matches(
            &doc,
            intake_tests::openapi::webhook_schema(&doc, r.event()),
            &r.json,
            &what,
        );
    }
}

#[test]
fn every_path_that_changes_a_customer_sends_its_event() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("shop");
    appliance(&dir);
    let receiver = Receiver::start();
    let endpoint = subscribe(&dir, &receiver, &[]);
    let _deliverer = Deliverer::start(&dir);

    // A kiosk registration: the customer and the signed release.
    let releases = register(&dir, 1, 1);
    assert!(receiver.wait_for(2, WAIT));
    let got = receiver.received();
    let created = events_for(&got, "customer.created");
    assert_eq!(created.len(), 1, "{got:?}");
    let kiosk_customer = created[0]["id"].as_str().unwrap().to_string();
    let signed = events_for(&got, "release.signed");
    assert_eq!(signed[0]["id"], releases[0].as_str());
    assert_eq!(signed[0]["customer_id"], kiosk_customer.as_str());
    assert!(
        got.iter().position(|r| r.event() == "customer.created")
            < got.iter().position(|r| r.event() == "release.signed"),
        "the customer is announced before their release"
    );

    // An edit, as the counter or an admin makes it.
    agent(
        &dir,
        &["customer", "update", &kiosk_customer, "--set", "City=Leeds"],
    );
    assert!(receiver.wait_for(3, WAIT));
    let got = receiver.received();
    assert_eq!(events_for(&got, "customer.updated")[0]["City"], "Leeds");

    // An import: one event per customer.
    let csv = root.path().join("three.csv");
    std::fs::write(
        &csv,
        "first_name,last_name,email,birthday\n\
         Ivy,Stone,ivy@example.com,1990-01-02\n\
         Ivan,Stone,ivan@example.com,1990-01-02\n\
         Ida,Brook,ida@example.com,1985-05-06\n",
    )
    .unwrap();
    agent(&dir, &["import", csv.to_str().unwrap()]);
    assert!(receiver.wait_for(6, WAIT));
    let got = receiver.received();
    let created = events_for(&got, "customer.created");
    assert_eq!(created.len(), 4, "one event per imported customer");

    // A merge: the survivor is merged, the duplicate deleted.
    let id_of = |first: &str| {
        created.iter().find(|c| c["FirstName"] == first).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (ivy, ivan) = (id_of("Ivy"), id_of("Ivan"));
    agent(&dir, &["merge", &ivy, &ivan]);
    assert!(wait_for(WAIT, || {
        let got = receiver.received();
        !events_for(&got, "customer.merged").is_empty()
            && !events_for(&got, "customer.deleted").is_empty()
    }));
    let got = receiver.received();
    let merged = events_for(&got, "customer.merged");
    assert_eq!(merged[0]["id"], ivy.as_str());
    assert_eq!(merged[0]["merged"][0], ivan.as_str());
    let deleted = events_for(&got, "customer.deleted");
    assert_eq!(deleted[0]["id"], ivan.as_str());
    assert_eq!(deleted[0]["merged_into"], ivy.as_str());

    assert!(got.iter().all(|r| r.valid), "every message is signed");
    assert!(
        got.iter().all(|r| !r.body.contains("medical")),
        "no medical details without --medical"
    );
    as_described(&dir, &got);

    // A ping, the delivery log, the list.
    let out = agent(&dir, &["webhook", "test", &endpoint]);
    assert!(out.contains("HTTP 204"), "{out}");
    assert!(
        receiver
            .received()
            .iter()
            .any(|r| r.event() == "webhook.ping" && r.valid)
    );
    let log: serde_json::Value =
        serde_json::from_str(&agent(&dir, &["webhook", "log", &endpoint, "--json"])).unwrap();
    let log = log.as_array().unwrap();
    assert_eq!(log[0]["event"], "webhook.ping");
    assert!(log.len() >= got.len());
    let list: serde_json::Value =
        serde_json::from_str(&agent(&dir, &["webhook", "list", "--json"])).unwrap();
    assert_eq!(list[0]["id"], endpoint.as_str());
    assert_eq!(list[0]["enabled"], true);
}

#[test]
fn a_delivery_being_retried_survives_a_crash_and_keeps_its_webhook_id() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("shop");
    appliance(&dir);
    let receiver = Receiver::start();
    receiver.answer(|_| Reply::Status(503));
    subscribe(&dir, &receiver, &["--events", "customer.created"]);
    let mut deliverer = Deliverer::start(&dir);
    register(&dir, 1, 1);
    assert!(receiver.wait_for(1, WAIT), "the first attempt");
    // Once the failure is on record (the retry planned 5 s ± 10% later), crash.
    let db = intake_tests::cluster::open_db(&dir);
    let planned = || -> (i64, i64) {
        db.conn()
            .query_row(
                "SELECT attempts, next_attempt_ms FROM webhook_deliveries",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
    };
    assert!(wait_for(WAIT, || planned().0 == 1));
    let (_, retry_at) = planned();
    deliverer.kill();
    receiver.answer(|_| Reply::Status(200));
    let _again = Deliverer::start(&dir);
    assert!(receiver.wait_for(2, WAIT), "the retry after the restart");
    let now_ms = chrono::Utc::now().timestamp_millis();
    assert!(
        now_ms >= retry_at,
        "the restarted agent kept the planned retry ({} ms early)",
        retry_at - now_ms
    );
    let got = receiver.received();
    assert_eq!(got[0].id, got[1].id, "the same message");
    assert!(
        got[1].at.duration_since(got[0].at) >= Duration::from_millis(4400),
        "the schedule's 5 s (less 10% jitter) passed between the attempts"
    );
    assert!(got.iter().all(|r| r.valid));
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        receiver.count(),
        2,
        "delivered once it succeeded, and no more"
    );
}

#[test]
fn failed_messages_are_recovered_and_replayed_with_the_same_id() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("shop");
    appliance(&dir);
    let receiver = Receiver::start();
    receiver.answer(|_| Reply::Status(410));
    let endpoint = subscribe(&dir, &receiver, &["--events", "customer.created"]);
    let _deliverer = Deliverer::start(&dir);
    register(&dir, 1, 1);
    assert!(receiver.wait_for(1, WAIT));
    assert!(wait_for(WAIT, || {
        let list: serde_json::Value =
            serde_json::from_str(&agent(&dir, &["webhook", "list", "--json"])).unwrap();
        list[0]["enabled"] == false
    }));
    let out = agent(&dir, &["webhook", "list"]);
    assert!(out.contains("410"), "the admin sees why: {out}");
    register(&dir, 2, 1);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(receiver.count(), 1, "a disabled endpoint gets nothing");

    receiver.answer(|_| Reply::Status(200));
    agent(&dir, &["webhook", "enable", &endpoint]);
    let out = agent(&dir, &["webhook", "recover", "--since", "1h"]);
    assert!(out.contains("Queued 1 "), "{out}");
    assert!(receiver.wait_for(2, WAIT));
    let got = receiver.received();
    assert_eq!(got[0].id, got[1].id, "recovered with its webhook-id");

    agent(&dir, &["webhook", "replay", &got[0].id]);
    assert!(receiver.wait_for(3, WAIT));
    assert_eq!(receiver.received()[2].id, got[0].id);

    // Bad input is named.
    let out = run_agent(&dir, &["webhook", "replay", "msg_nope"], &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no webhook message msg_nope"));
    let out = run_agent(
        &dir,
        &[
            "webhook",
            "add",
            "http://127.0.0.1:9/x",
            "--events",
            "customer.made",
        ],
        &[],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown event \"customer.made\""));
    let out = Command::new(binary("intake-agent"))
        .arg("--data-dir")
        .arg(&dir)
        .envs(intake_tests::cluster::database_env(&dir))
        .args(["webhook", "add", "http://127.0.0.1:9/x"])
        .env("INTAKE_USER", OWNER)
        .env("INTAKE_PIN", PIN)
        .env_remove("INTAKE_WEBHOOK_ALLOW_PRIVATE")
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("private"),
        "loopback refused unless allowed"
    );
}

#[test]
fn a_registration_pushed_by_a_kiosk_is_announced_by_its_store() {
    let root = tempfile::tempdir().unwrap();
    let store = Store::create_with(
        &root.path().join("store"),
        &[("INTAKE_WEBHOOK_ALLOW_PRIVATE", "1")],
    );
    let receiver = Receiver::start();
    subscribe(
        &store.dir,
        &receiver,
        &["--events", "customer.created,release.signed"],
    );
    let kiosk = root.path().join("kiosk");
    store.pair(&kiosk, "lobby", "kiosk", false, &store.url);
    // A device sends no webhooks of its own.
    let out = run_agent(&kiosk, &["webhook", "add", &receiver.url], &[]);
    assert!(!out.status.success());
    let _sync = SyncLoop::start(&kiosk, 100);
    register(&kiosk, 1, 2);
    assert!(receiver.wait_for(4, WAIT));
    let got = receiver.received();
    assert_eq!(events_for(&got, "customer.created").len(), 2);
    assert_eq!(events_for(&got, "release.signed").len(), 2);
    assert!(got.iter().all(|r| r.valid));
}

#[test]
fn https_receivers_are_checked_against_the_trusted_roots() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("shop");
    appliance(&dir);
    let receiver = Receiver::start_tls();
    let endpoint = subscribe(&dir, &receiver, &[]);
    let out = run_agent(&dir, &["webhook", "test", &endpoint], &[]);
    assert!(!out.status.success(), "an unknown certificate is refused");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("certificate") || err.contains("Certificate"),
        "{err}"
    );
    let ca = root.path().join("receiver-ca.pem");
    std::fs::write(&ca, receiver.ca_pem.as_deref().unwrap()).unwrap();
    let out = run_agent(
        &dir,
        &["webhook", "test", &endpoint],
        &[("INTAKE_WEBHOOK_CA", ca.to_str().unwrap())],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        receiver
            .received()
            .iter()
            .any(|r| r.valid && r.event() == "webhook.ping")
    );
}
