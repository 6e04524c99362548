//! The Audit log page: every page in order and complete, each filter exactly the entries
//! of the log (`intake-agent audit --json`) it names, and what cannot be read refused by
//! name.

use intake_tests::console::Console;
use serde_json::Value;

use super::{Keep, audit_log, refused, shop};
use crate::console::signed_in;
use crate::support::{OWNER, PIN};

/// The log's sequence numbers on a page, in order.
fn seqs(body: &str) -> Vec<i64> {
    body.split("<tr data-seq=\"")
        .skip(1)
        .map(|r| r.split('"').next().unwrap().parse().unwrap())
        .collect()
}

fn next_link(body: &str) -> Option<String> {
    let at = body.find("rel=\"next\" href=\"")?;
    Some(
        body[at + 17..]
            .split('"')
            .next()
            .unwrap()
            .replace("&amp;", "&"),
    )
}

/// Every entry the log page shows for `query`, page after page; and how many pages.
async fn walk(c: &Console, query: &str) -> (Vec<i64>, usize) {
    let mut page = c.get(&format!("/console/audit{query}")).await;
    let mut all = Vec::new();
    let mut pages = 0;
    loop {
        assert_eq!(page.status, 200, "{query}: {}", page.body);
        pages += 1;
        let rows = seqs(&page.body);
        assert!(rows.len() <= 50);
        all.extend(rows);
        match next_link(&page.body) {
            Some(next) => page = c.get(&next).await,
            None => return (all, pages),
        }
    }
}

/// The log's entries that `keep` keeps, newest first.
fn expected(log: &[Value], keep: impl Fn(&Value) -> bool) -> Vec<i64> {
    log.iter()
        .filter(|e| keep(e))
        .map(|e| e["seq"].as_i64().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_audit_filters_and_pages_hold_exactly_the_logs_entries() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let store = shop(dir);
    let owner = signed_in(dir, &store, OWNER, PIN).await;
    let ari = signed_in(dir, &store, "ari", "135790").await;
    // Customers, each page opened by the owner and some by ari: every view of a customer's
    // medical details is in the log, by whom and about whom. More than two pages of it.
    let mut ids = Vec::new();
    for i in 0..110 {
        let a = owner
            .post(
                "/console/customers",
                &[("FirstName", &format!("Guest{i}")), ("LastName", "Audit")],
            )
            .await;
        assert_eq!(a.status, 303, "{}", a.body);
        let id = a
            .location()
            .unwrap()
            .trim_start_matches("/console/customers/")
            .to_string();
        assert_eq!(
            owner.get(&format!("/console/customers/{id}")).await.status,
            200
        );
        if i % 7 == 0 || i == 3 {
            assert_eq!(
                ari.get(&format!("/console/customers/{id}")).await.status,
                200
            );
        }
        ids.push(id);
    }
    assert_eq!(
        ari.get(&format!("/console/customers/{}", ids[3]))
            .await
            .status,
        200
    );
    // The log as the command line reads it; nothing writes to it while the pages are read.
    let log = audit_log(dir);
    assert!(log.len() > 100, "three pages or more: {}", log.len());

    let (all, pages) = walk(&owner, "").await;
    assert_eq!(
        all,
        expected(&log, |_| true),
        "every entry once, newest first"
    );
    assert_eq!(pages, log.len().div_ceil(50));

    let today = chrono::Utc::now().date_naive();
    let (yesterday, tomorrow) = (today.pred_opt().unwrap(), today.succ_opt().unwrap());
    let customer = ids[3].clone();
    let filters: Vec<(String, Keep)> = vec![
        (
            "?user=ARI".into(),
            Box::new(|e: &Value| e["actor"] == "ari"),
        ),
        (
            format!("?customer={customer}"),
            Box::new(move |e: &Value| e["customer_id"] == customer.as_str()),
        ),
        (
            "?action=medical.view".into(),
            Box::new(|e: &Value| e["action"] == "medical.view"),
        ),
        (
            "?user=olive&action=medical.view".into(),
            Box::new(|e: &Value| e["actor"] == "olive" && e["action"] == "medical.view"),
        ),
        (
            format!("?from={today}&to={today}"),
            Box::new(|_: &Value| true),
        ),
        (format!("?from={tomorrow}"), Box::new(|_: &Value| false)),
        (format!("?to={yesterday}"), Box::new(|_: &Value| false)),
        ("?action=no.such.action".into(), Box::new(|_: &Value| false)),
    ];
    for (query, keep) in &filters {
        let (got, _) = walk(&owner, query).await;
        assert_eq!(got, expected(&log, keep), "{query}");
    }
    let empty = owner.get(&format!("/console/audit?from={tomorrow}")).await;
    assert!(empty.body.contains("No entry matches."));

    // The page links each customer; the actions to choose from are the log's.
    let page = owner
        .get(&format!("/console/audit?customer={}", ids[3]))
        .await
        .body;
    assert!(page.contains(&format!("href=\"/console/customers/{}\"", ids[3])));
    for action in [
        "medical.view",
        "customer.merge",
        "user.add",
        "session.start",
    ] {
        let present = log.iter().any(|e| e["action"] == action);
        assert_eq!(
            page.contains(&format!("<option value=\"{action}\"")),
            present,
            "{action}"
        );
    }

    // What cannot be read is named, beside its field where it has one.
    let other_customers = log
        .iter()
        .find(|e| e["customer_id"].is_string() && e["customer_id"] != ids[3].as_str())
        .unwrap()["seq"]
        .as_i64()
        .unwrap();
    for (query, field, message) in [
        (
            "?customer=nope",
            "href=\"#customer\"",
            "is not a customer id",
        ),
        ("?from=2026-13-01", "href=\"#from\"", "is not a date"),
        ("?to=2026-1-5", "href=\"#to\"", "is not a date"),
        ("?from=2026-03-02&to=2026-03-01", "", "is before from"),
        ("?after=abc", "", "not a position this list gave out"),
        ("?after=-4", "", "not a position this list gave out"),
        ("?after=99999999", "", "not a position this list gave out"),
        (
            &format!("?customer={}&after={other_customers}", ids[3]),
            "",
            "not a position this list gave out",
        ),
        (&format!("?user={}", "x".repeat(250)), "", "at most 200"),
    ] {
        let a = owner.get(&format!("/console/audit{query}")).await;
        refused(&a, 400, message);
        assert!(a.body.contains(field), "{query}: {field}");
        assert!(seqs(&a.body).is_empty(), "{query}: no entries shown");
    }
}
