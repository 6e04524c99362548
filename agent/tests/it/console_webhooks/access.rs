//! Who may use the webhooks pages, and what a forged address gets: roles without
//! `manage:webhooks` are refused every page and form and never see a link; a manager
//! manages them; endpoint and message ids that are unknown, a prefix, or another
//! endpoint's get 404 pages and change nothing. Also the delivery log a page at a time.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::time::Duration;

use intake_common::webhook::EVENT_TYPES;
use intake_tests::receiver::Receiver;
use serde_json::Value;

use super::{
    ALLOW, BASE, WAIT, add_endpoint, cli_log, endpoints, logged, next_link, shop, webhook_audit,
};
use crate::console::{add_customer, is_page, signed_in};
use crate::support::{OWNER, PIN};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_webhooks_are_refused_to_roles_without_the_permission_and_forged_ids_get_404() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let store = shop(dir, ALLOW);
    let receiver = Receiver::start();
    let medic = Receiver::start();
    let owner = signed_in(dir, &store, OWNER, PIN).await;
    let (a_id, a_secret) = add_endpoint(&owner, &receiver.url, &EVENT_TYPES, false).await;
    receiver.trust(&a_secret);
    let (b_id, _) = add_endpoint(&owner, &medic.url, &["customer.deleted"], true).await;
    let a_path = format!("{BASE}/{a_id}");
    let b_path = format!("{BASE}/{b_id}");

    // A manager manages webhooks; the medical opt-in was kept.
    let mona = signed_in(dir, &store, "mona", "112358").await;
    assert!(
        mona.get("/console/customers")
            .await
            .body
            .contains("href=\"/console/webhooks\"")
    );
    let list = mona.get(BASE).await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains(&a_path) && list.body.contains(&b_path));
    let listed = endpoints(dir);
    assert_eq!(
        (listed[0]["medical"].clone(), listed[1]["medical"].clone()),
        (Value::Bool(false), Value::Bool(true))
    );

    // Front desk and artists: no link anywhere, and every page and form refused.
    let customer = add_customer(&owner, &[("FirstName", "Ada")]).await;
    assert!(receiver.wait_for(1, WAIT));
    let message = "msg_0190a0a000007000800000000000000";
    let pages: Vec<(&str, String)> = vec![
        ("GET", BASE.to_string()),
        ("GET", format!("{BASE}/new")),
        ("POST", BASE.to_string()),
        ("GET", a_path.clone()),
        ("POST", format!("{a_path}/enable")),
        ("POST", format!("{a_path}/disable")),
        ("POST", format!("{a_path}/test")),
        ("POST", format!("{a_path}/rotate-secret")),
        ("POST", format!("{a_path}/recover")),
        ("POST", format!("{a_path}/deliveries/{message}/replay")),
    ];
    for (user, pin) in [("fran", "975310"), ("ari", "135790")] {
        let c = signed_in(dir, &store, user, pin).await;
        for p in [
            "/console/customers".to_string(),
            format!("/console/customers/{customer}"),
        ] {
            let page = c.get(&p).await;
            assert_eq!(page.status, 200);
            assert!(
                !page.body.contains("/console/webhooks"),
                "{user} sees a link on {p}"
            );
        }
        for (method, p) in &pages {
            let a = if *method == "GET" {
                c.get(p).await
            } else {
                c.post(
                    p,
                    &[
                        ("url", receiver.url.as_str()),
                        ("event", "customer.created"),
                        ("since", "1h"),
                    ],
                )
                .await
            };
            assert_eq!(a.status, 403, "{user}: {method} {p}");
            assert!(
                is_page(&a) && a.body.contains("manage:webhooks"),
                "{user}: {p}"
            );
            assert!(!a.body.contains("/console/webhooks"), "{user}: {p}");
        }
    }
    assert_eq!(endpoints(dir).len(), 2, "nothing added");
    assert_eq!(endpoints(dir)[0]["enabled"], true, "nothing disabled");
    assert_eq!(
        receiver.count(),
        1,
        "no test sent: only the customer.created"
    );
    assert!(
        webhook_audit(dir).iter().all(|(_, who)| who == OWNER),
        "{:?}",
        webhook_audit(dir)
    );

    // The log, a page at a time: twenty-one test events and the customer's creation.
    for _ in 0..21 {
        let a = owner.post(&format!("{a_path}/test"), &[]).await;
        assert!(a.body.contains("answered HTTP 204"), "{}", a.body);
    }
    assert!(receiver.wait_for(22, WAIT));
    let first = owner.get(&a_path).await.body;
    let page_one = logged(&first);
    assert_eq!(page_one.len(), 20);
    assert!(!first.contains("First page"));
    let next = next_link(&first).unwrap();
    let second = owner.get(&next).await.body;
    let page_two = logged(&second);
    assert_eq!(page_two.len(), 2);
    assert!(second.contains("First page") && next_link(&second).is_none());
    let shown: Vec<String> = page_one.iter().chain(&page_two).cloned().collect();
    let mut sent: Vec<String> = receiver.received().iter().map(|r| r.id.clone()).collect();
    sent.reverse();
    assert_eq!(shown, sent, "every delivery once, newest first");
    assert_eq!(cli_log(dir, &a_id).len(), 22);
    assert!(second.contains("Ada") && second.contains("customer.created"));

    // Forged ids: pages saying so, and nothing done.
    let prefix = &a_id[..a_id.len() - 4];
    let forged = "ep_0190a0a0000070008000000000000000";
    for p in [
        format!("{BASE}/{forged}"),
        format!("{BASE}/{prefix}"),
        format!("{BASE}/..%2F..%2Fetc"),
    ] {
        let a = owner.get(&p).await;
        assert_eq!(a.status, 404, "{p}: {}", a.body);
        assert!(is_page(&a));
    }
    for action in ["enable", "disable", "test", "rotate-secret", "recover"] {
        for id in [forged, prefix] {
            let a = owner
                .post(&format!("{BASE}/{id}/{action}"), &[("since", "1h")])
                .await;
            assert_eq!(a.status, 404, "{action} {id}: {}", a.body);
            assert!(is_page(&a) && a.body.contains("no webhook endpoint"));
        }
    }
    let a_message = &page_one[0];
    for (p, why) in [
        (
            format!("{a_path}/deliveries/{message}/replay"),
            "unknown message",
        ),
        (
            format!("{b_path}/deliveries/{a_message}/replay"),
            "another endpoint's message",
        ),
        (
            format!("{BASE}/{forged}/deliveries/{a_message}/replay"),
            "unknown endpoint",
        ),
    ] {
        let a = owner.post(&p, &[]).await;
        assert_eq!(a.status, 404, "{why}: {}", a.body);
        assert!(is_page(&a));
    }
    for bad in ["msg_nope", "1%20OR%201=1", "%3Cscript%3E"] {
        let a = owner.get(&format!("{a_path}?before={bad}")).await;
        assert_eq!(a.status, 400, "{bad}: {}", a.body);
        assert!(a.body.contains("before"), "{}", a.body);
        assert!(!a.body.contains("<script>"));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.count(), 22, "nothing more sent");
    assert_eq!(medic.count(), 0);
    let actions: Vec<String> = webhook_audit(dir).into_iter().map(|(a, _)| a).collect();
    assert_eq!(
        actions,
        ["webhook.add", "webhook.add"],
        "nothing else was done"
    );
    let listed = endpoints(dir);
    assert!(listed.iter().all(|e| e["enabled"] == true));
}
