//! The console's webhooks pages over real HTTPS against a real store process delivering to
//! a real receiver: an endpoint added in the console signs what it is sent with the
//! secret shown once; the delivery log, a test event, rotation, replay, disabling and
//! recovery do what they say (read back through the CLI and the receiver); bad input is
//! named and stores nothing; roles without `manage:webhooks` are refused and never see a
//! link; forged endpoint and message ids get 404 pages.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::path::Path;
use std::time::Duration;

use intake_common::webhook::{EVENT_TYPES, Secret, verify};
use intake_tests::cluster::wait_for;
use intake_tests::console::Console;
use intake_tests::receiver::{Receiver, Reply};
use serde_json::Value;

use crate::console::{add_customer, add_user, is_page, signed_in};
use crate::support::{OWNER, PIN, Store, add_owner, agent};

mod access;

const WAIT: Duration = Duration::from_secs(20);
const ALLOW: &[(&str, &str)] = &[("INTAKE_WEBHOOK_ALLOW_PRIVATE", "1")];
const BASE: &str = "/console/webhooks";

/// A store (with `env`) with its owner, a manager (mona), an artist (ari) and a front-desk
/// user (fran).
fn shop(dir: &Path, env: &[(&str, &str)]) -> Store {
    add_owner(dir);
    add_user(dir, "mona", "manager", "112358");
    add_user(dir, "ari", "artist", "135790");
    add_user(dir, "fran", "front-desk", "975310");
    Store::start_with(dir, &[], env)
}

/// The signing secret a page shows, if it shows one.
fn secret_on(page: &str) -> Option<String> {
    let at = page.find("whsec_")?;
    Some(page[at..].split('<').next()?.to_string())
}

/// The first endpoint id a page links to.
fn endpoint_on(page: &str) -> Option<String> {
    let at = page.find("/console/webhooks/ep_")?;
    let rest = &page[at + BASE.len() + 1..];
    Some(rest.split(['"', '#', '/', '?']).next()?.to_string())
}

/// Adds an endpoint in the console; returns its id and the secret its answer showed.
async fn add_endpoint(c: &Console, url: &str, events: &[&str], medical: bool) -> (String, String) {
    let mut fields = vec![("url", url)];
    fields.extend(events.iter().map(|e| ("event", *e)));
    if medical {
        fields.push(("medical", "yes"));
    }
    let a = c.post(BASE, &fields).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(a.body.contains("shown this once"), "{}", a.body);
    assert!(a.body.contains("webhook-signature") && a.body.contains("HMAC-SHA256"));
    let cache = a.headers.get("cache-control").unwrap().to_str().unwrap();
    assert_eq!(cache, "no-store", "a page with a secret is never cached");
    (endpoint_on(&a.body).unwrap(), secret_on(&a.body).unwrap())
}

fn endpoints(dir: &Path) -> Vec<Value> {
    let v: Value = serde_json::from_str(&agent(dir, &["webhook", "list", "--json"])).unwrap();
    v.as_array().unwrap().clone()
}

fn cli_log(dir: &Path, id: &str) -> Vec<Value> {
    let v: Value = serde_json::from_str(&agent(
        dir,
        &["webhook", "log", id, "--json", "--limit", "500"],
    ))
    .unwrap();
    v.as_array().unwrap().clone()
}

/// The audit log's webhook entries, oldest first: (action, actor).
fn webhook_audit(dir: &Path) -> Vec<(String, String)> {
    let v: Value =
        serde_json::from_str(&agent(dir, &["audit", "--json", "--limit", "500"])).unwrap();
    let mut out: Vec<(String, String)> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"].as_str().unwrap().starts_with("webhook."))
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["actor"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.reverse();
    out
}

/// The endpoint's page once `ready` holds for it.
async fn page_when(c: &Console, path: &str, ready: impl Fn(&str) -> bool) -> String {
    for _ in 0..200 {
        let page = c.get(path).await;
        assert_eq!(page.status, 200, "{}", page.body);
        if ready(&page.body) {
            return page.body;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{path} never showed what was waited for");
}

/// The message ids of a delivery log page, in order.
fn logged(page: &str) -> Vec<String> {
    page.split("/deliveries/")
        .skip(1)
        .map(|rest| rest.split('/').next().unwrap().to_string())
        .collect()
}

fn next_link(page: &str) -> Option<String> {
    let at = page.find("rel=\"next\" href=\"")?;
    let rest = &page[at + 17..];
    Some(rest.split('"').next().unwrap().replace("&amp;", "&"))
}

/// How many attempts the log page shows for `message`.
fn attempts_of(page: &str, message: &str) -> u32 {
    let at = page.find(&format!("<code>{message}</code>")).unwrap();
    let row = &page[page[..at].rfind("<tr>").unwrap()..at];
    let cell = row.split("<td>").nth(3).unwrap();
    cell.split('<').next().unwrap().parse().unwrap()
}

fn ids_of(received: &[intake_tests::receiver::Received], id: &str) -> usize {
    received.iter().filter(|r| r.id == id).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_webhooks_endpoint_signs_with_the_secret_shown_once_and_its_actions_do_what_they_say()
 {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let store = shop(dir, ALLOW);
    let receiver = Receiver::start();
    let owner = signed_in(dir, &store, OWNER, PIN).await;

    // The section is in the navigation; nothing is there yet; the form offers every event.
    let home = owner.get("/console/customers").await;
    assert!(home.body.contains("href=\"/console/webhooks\""));
    let list = owner.get(BASE).await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("No endpoint yet"));
    let form = owner.get(&format!("{BASE}/new")).await;
    assert_eq!(form.status, 200);
    for e in EVENT_TYPES {
        assert!(form.body.contains(&format!("value=\"{e}\"")), "{e}");
    }
    assert!(form.body.contains("will leave the shop"));
    assert!(form.body.contains("name=\"medical\""));

    let (id, secret) = add_endpoint(
        &owner,
        &receiver.url,
        &["customer.created", "customer.updated"],
        false,
    )
    .await;
    receiver.trust(&secret);
    let path = format!("{BASE}/{id}");

    // What the answer said happened, as the CLI reads it.
    let listed = endpoints(dir);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], id.as_str());
    assert_eq!(listed[0]["url"], receiver.url.as_str());
    assert_eq!(
        listed[0]["events"],
        serde_json::json!(["customer.created", "customer.updated"])
    );
    assert_eq!(listed[0]["medical"], false);
    assert_eq!(listed[0]["enabled"], true);
    assert_eq!(listed[0]["created_by"], OWNER);
    assert_eq!(
        webhook_audit(dir),
        [("webhook.add".to_string(), OWNER.to_string())]
    );

    // The secret is never shown again.
    for p in [BASE, path.as_str()] {
        let page = owner.get(p).await;
        assert_eq!(page.status, 200);
        assert!(
            !page.body.contains(&secret) && !page.body.contains("whsec_"),
            "{p}"
        );
    }

    // A customer added and changed: both arrive signed with that secret, and are logged.
    let customer = add_customer(&owner, &[("FirstName", "Noor"), ("LastName", "Haddad")]).await;
    let customer_path = format!("/console/customers/{customer}");
    let change = |city: &'static str| {
        let owner = owner.clone();
        let customer_path = customer_path.clone();
        async move {
            let a = owner
                .post(
                    &customer_path,
                    &[
                        ("FirstName", "Noor"),
                        ("LastName", "Haddad"),
                        ("City", city),
                    ],
                )
                .await;
            assert_eq!(a.status, 303, "{}", a.body);
        }
    };
    // (A change made before the creation is announced is announced with it.)
    assert!(receiver.wait_for(1, WAIT));
    change("Austin").await;
    assert!(receiver.wait_for(2, WAIT));
    let got = receiver.received();
    let kinds: Vec<&str> = got.iter().map(|r| r.event()).collect();
    assert_eq!(kinds, ["customer.created", "customer.updated"]);
    assert!(got.iter().all(|r| r.valid && r.data_id() == customer));
    let page = page_when(&owner, &path, |b| b.matches(">Delivered<").count() == 2).await;
    assert_eq!(logged(&page), [got[1].id.clone(), got[0].id.clone()]);
    assert!(page.contains("Haddad, Noor") && page.contains(&format!("href=\"{customer_path}\"")));
    assert!(page.contains("HTTP 204"));
    let list = owner.get(BASE).await.body;
    assert!(
        list.contains("HTTP 204"),
        "the last delivery's outcome is listed"
    );

    // A test event arrives signed; its answer is shown and logged.
    let a = owner.post(&format!("{path}/test"), &[]).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let ping = receiver
        .received()
        .into_iter()
        .find(|r| r.event() == "webhook.ping")
        .unwrap();
    assert!(ping.valid);
    assert!(
        a.body.contains("answered HTTP 204") && a.body.contains(&ping.id),
        "{}",
        a.body
    );
    assert_eq!(logged(&owner.get(&path).await.body)[0], ping.id);
    let log = cli_log(dir, &id);
    assert_eq!(log[0]["event"], "webhook.ping");
    assert_eq!(log[0]["status"], 204);
    // A receiver that refuses it: the page says so, and the test event has failed.
    receiver.answer(|_| Reply::Status(500));
    let a = owner.post(&format!("{path}/test"), &[]).await;
    assert_eq!(a.status, 200);
    assert!(
        a.body.contains("did not take the test event: HTTP 500"),
        "{}",
        a.body
    );
    let refused_ping = a
        .body
        .split("(message ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .unwrap()
        .to_string();
    assert_eq!(ids_of(&receiver.received(), &refused_ping), 1);
    receiver.answer(|_| Reply::Status(204));

    // Rotation: a new secret, shown once; the next delivery is signed with it.
    let a = owner.post(&format!("{path}/rotate-secret"), &[]).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let rotated = secret_on(&a.body).unwrap();
    assert_ne!(rotated, secret);
    assert!(a.body.contains("24 hours") && a.body.contains("shown this once"));
    assert!(!owner.get(&path).await.body.contains("whsec_"));
    let before = receiver.count();
    change("Leeds").await;
    assert!(receiver.wait_for(before + 1, WAIT));
    let last = receiver.received().last().cloned().unwrap();
    assert_eq!(last.event(), "customer.updated");
    let new = Secret::parse(&rotated).unwrap();
    assert!(
        verify(&new, &last.id, last.timestamp, &last.body, &last.signature),
        "signed with the new secret"
    );

    // Replay: the first message again, with the same webhook-id.
    let first = got[0].id.clone();
    let a = owner
        .post(&format!("{path}/deliveries/{first}/replay"), &[])
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    let back = a.location().unwrap().to_string();
    assert!(back.starts_with(&format!("{path}?done=replayed")), "{back}");
    assert!(wait_for(WAIT, || ids_of(&receiver.received(), &first) == 2));
    let again = receiver
        .received()
        .into_iter()
        .rfind(|r| r.id == first)
        .unwrap();
    assert!(again.valid && again.body == got[0].body);
    page_when(&owner, &path, |b| attempts_of(b, &first) == 2).await;
    assert!(
        owner
            .get(&back)
            .await
            .body
            .contains(&format!("Message {first} is queued to be sent again"))
    );

    // Disabling fails what waits (a retry after a 500); recovering sends it again, with
    // the test event that failed.
    receiver.answer(|_| Reply::Status(500));
    let before = receiver.count();
    change("Paris").await;
    assert!(receiver.wait_for(before + 1, WAIT));
    let paris = receiver.received().last().unwrap().id.clone();
    page_when(&owner, &path, |b| {
        b.contains(">Waiting<") && b.contains("HTTP 500")
    })
    .await;
    let a = owner.post(&format!("{path}/disable"), &[]).await;
    assert_eq!(a.status, 303, "{}", a.body);
    let listed = endpoints(dir);
    assert_eq!(listed[0]["enabled"], false);
    assert_eq!(
        listed[0]["failed"], 2,
        "the refused test event and the change"
    );
    assert_eq!(listed[0]["pending"], 0);
    let page = owner.get(a.location().unwrap()).await.body;
    assert!(page.contains("The endpoint is disabled"));
    assert!(page.contains(&format!("action=\"{path}/enable\"")));
    assert!(!page.contains("/replay\"") && !page.contains("/recover\""));
    receiver.answer(|_| Reply::Status(204));
    let a = owner.post(&format!("{path}/enable"), &[]).await;
    assert_eq!(a.status, 303);
    assert_eq!(endpoints(dir)[0]["enabled"], true);
    let a = owner
        .post(&format!("{path}/recover"), &[("since", "yesterday")])
        .await;
    assert_eq!(a.status, 400, "{}", a.body);
    assert!(a.body.contains("since:"), "{}", a.body);
    assert_eq!(endpoints(dir)[0]["failed"], 2, "nothing was queued");
    let a = owner
        .post(&format!("{path}/recover"), &[("since", "1h")])
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert_eq!(
        a.location().unwrap(),
        format!("{path}?done=recovered&count=2")
    );
    assert!(wait_for(WAIT, || {
        let got = receiver.received();
        ids_of(&got, &paris) == 2 && ids_of(&got, &refused_ping) == 2
    }));
    assert!(receiver.received().iter().all(|r| r.valid));
    let page = page_when(&owner, &format!("{path}?done=recovered&count=2"), |b| {
        !b.contains(">Waiting<")
    })
    .await;
    assert!(page.contains("2 failed deliveries are queued"));
    assert_eq!(attempts_of(&page, &refused_ping), 2);
    assert_eq!(attempts_of(&page, &ping.id), 1);
    assert!(!page.contains(">Failed<"), "both went out this time");
    assert_eq!(endpoints(dir)[0]["failed"], 0);
    let actions: Vec<String> = webhook_audit(dir).into_iter().map(|(a, _)| a).collect();
    for done in [
        "webhook.add",
        "webhook.rotate-secret",
        "webhook.replay",
        "webhook.disable",
        "webhook.enable",
        "webhook.recover",
    ] {
        assert!(actions.iter().any(|a| a == done), "{done}: {actions:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_webhooks_bad_input_is_named_and_stores_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // Without INTAKE_WEBHOOK_ALLOW_PRIVATE: the shop's own network is refused.
    let store = shop(dir, &[]);
    let owner = signed_in(dir, &store, OWNER, PIN).await;
    let created = ["customer.created"];
    let long = format!("https://example.com/{}", "a".repeat(2000));
    let cases: Vec<(&str, &[&str], &[&str])> = vec![
        (
            "http://127.0.0.1:9/hook",
            &created,
            &["not a public address", "INTAKE_WEBHOOK_ALLOW_PRIVATE"],
        ),
        ("http://[::1]:9/hook", &created, &["not a public address"]),
        ("http://10.1.2.3/hook", &created, &["private"]),
        (
            "http://localhost:9/hook",
            &created,
            &["not a public address"],
        ),
        ("not a url", &created, &["URL"]),
        ("ftp://example.com/hook", &created, &["http or https"]),
        ("https://user:pw@example.com/", &created, &["user name"]),
        ("", &created, &["give the receiver"]),
        (&long, &created, &["at most 2,000 characters"]),
        (
            "https://93.184.215.14/hook",
            &["customer.created", "customer.exploded"],
            &["customer.exploded is not an event"],
        ),
        (
            "https://93.184.215.14/hook",
            &[],
            &["choose at least one event"],
        ),
    ];
    for (url, events, says) in cases {
        let mut fields = vec![("url", url)];
        fields.extend(events.iter().map(|e| ("event", *e)));
        let a = owner.post(BASE, &fields).await;
        assert_eq!(a.status, 422, "{url}: {}", a.body);
        assert!(is_page(&a));
        for s in says {
            assert!(a.body.contains(s), "{url} should say {s:?}: {}", a.body);
        }
        let field = if events.len() == 1 { "url" } else { "events" };
        assert!(a.body.contains(&format!("href=\"#{field}\"")), "{url}");
        assert!(!a.body.contains("whsec_"));
        if url.len() < 100 && !url.is_empty() {
            let typed = url.replace('&', "&amp;");
            assert!(
                a.body.contains(&format!("value=\"{typed}\"")),
                "what was typed stays"
            );
        }
    }
    assert!(endpoints(dir).is_empty(), "nothing was stored");

    // Too large for the form, another session's token, another origin, a session ended.
    let other = signed_in(dir, &store, "mona", "112358").await;
    let others_csrf = other.csrf().await;
    let body = |csrf: &str| {
        form_urlencoded::Serializer::new(String::new())
            .append_pair("url", "https://93.184.215.14/hook")
            .append_pair("event", "customer.created")
            .append_pair("csrf", csrf)
            .finish()
    };
    let csrf = owner.csrf().await;
    let huge = format!("{}&pad={}", body(&csrf), "x".repeat(70 << 10));
    let a = owner.post_raw(BASE, huge, Some(&store.url)).await;
    assert_eq!(a.status, 413);
    assert!(is_page(&a));
    let a = owner
        .post_raw(BASE, body(&others_csrf), Some(&store.url))
        .await;
    assert_eq!(a.status, 403, "another session's form");
    let a = owner
        .post_raw(BASE, body(&csrf), Some("https://evil.example"))
        .await;
    assert_eq!(a.status, 403, "another origin");
    let a = owner.post("/console/sign-out", &[]).await;
    assert_eq!(a.status, 303);
    let a = owner.post_raw(BASE, body(&csrf), Some(&store.url)).await;
    assert_eq!(a.status, 401, "a form replayed after signing out");
    assert!(endpoints(dir).is_empty(), "nothing was stored");
    assert!(webhook_audit(dir).is_empty());
}
