//! The console's Duplicates and Export pages over real HTTPS against a real store holding the
//! studio sample (which has groups of likely duplicates): the groups paged, compared and
//! merged or marked apart, read back through the command line and the API; forged forms
//! and roles without merge:customer refused, named and without effect. The Export page's
//! tests are in `export`.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

mod export;

use std::path::Path;
use std::time::Duration;

use intake_common::customer::Field;
use intake_tests::cluster::agent_with;
use intake_tests::console::Console;
use intake_tests::receiver::Receiver;
use serde_json::Value;

use crate::support::{OWNER, PIN, Store, add_owner, agent, client, sign_in};

const SAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/data/customers-rev23-sample.csv"
);

fn add_user(dir: &Path, name: &str, role: &str, pin: &str) {
    agent_with(
        dir,
        &["user", "add", name, "--role", role],
        &[
            ("INTAKE_NEW_PIN", pin),
            ("INTAKE_PIN", PIN),
            ("INTAKE_USER", OWNER),
        ],
    );
}

/// The sample imported, an artist (ari) and a front-desk user (fran).
fn sample_shop(dir: &Path) {
    add_owner(dir);
    add_user(dir, "ari", "artist", "135790");
    add_user(dir, "fran", "front-desk", "975310");
    agent(dir, &["import", SAMPLE]);
}

async fn signed_in(dir: &Path, store: &Store, user: &str, pin: &str) -> Console {
    let mut c = Console::new(dir, &store.url);
    let a = c.sign_in(user, pin).await;
    assert_eq!(a.status, 303, "{user} signs in: {}", a.body);
    c
}

/// A group on a page: its customers (the one suggested to keep first) and how many of its
/// rows are marked as differing.
#[derive(Debug, Clone, PartialEq)]
struct Shown {
    ids: Vec<String>,
    differing: usize,
}

fn groups(page: &str) -> Vec<Shown> {
    page.split("<section class=\"group\"")
        .skip(1)
        .map(|section| {
            let section = section.split("</section>").next().unwrap();
            let head = section.split("</thead>").next().unwrap();
            Shown {
                ids: head
                    .split("href=\"/console/customers/")
                    .skip(1)
                    .map(|r| r[..36].to_string())
                    .collect(),
                differing: section.matches("<tr class=\"differs\">").count(),
            }
        })
        .collect()
}

fn next_link(page: &str) -> Option<String> {
    let at = page.find("rel=\"next\" href=\"")?;
    let rest = &page[at + 17..];
    Some(rest.split('"').next().unwrap().replace("&amp;", "&"))
}

/// Every group, page after page, and the pages' addresses.
async fn every_page(c: &Console) -> (Vec<Shown>, Vec<String>) {
    let (mut all, mut pages) = (Vec::new(), vec!["/console/duplicates".to_string()]);
    loop {
        let page = c.get(pages.last().unwrap()).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let shown = groups(&page.body);
        assert!(shown.len() <= 10, "a page holds at most 10 groups");
        all.extend(shown);
        match next_link(&page.body) {
            Some(next) => pages.push(next),
            None => return (all, pages),
        }
    }
}

/// The command line's whole list of groups, as the page should show them.
fn listed(dir: &Path) -> Vec<Shown> {
    let whole: Value = serde_json::from_str(&agent(dir, &["duplicates", "--json"])).unwrap();
    whole
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let records: Vec<&Value> = std::iter::once(&g["target"])
                .chain(g["duplicates"].as_array().unwrap())
                .collect();
            let differing = Field::ALL
                .into_iter()
                .filter(|f| {
                    let values: Vec<&Value> = records.iter().map(|r| &r[f.column()]).collect();
                    values.iter().any(|v| !v.is_null()) && values.iter().any(|v| *v != values[0])
                })
                .count();
            Shown {
                ids: records
                    .iter()
                    .map(|r| r["id"].as_str().unwrap().to_string())
                    .collect(),
                differing,
            }
        })
        .collect()
}

/// The audit log's newest entries.
fn audit(dir: &Path) -> Vec<Value> {
    let log: Value =
        serde_json::from_str(&agent(dir, &["audit", "--json", "--limit", "2000"])).unwrap();
    log.as_array().unwrap().clone()
}

fn count(log: &[Value], action: &str) -> usize {
    log.iter().filter(|e| e["action"] == action).count()
}

/// A form's fields, as posted.
type Fields<'a> = Vec<(&'a str, &'a str)>;

/// The merge form's fields for `group`: keep `keep`, merge the others.
fn merging<'a>(keep: &'a str, group: &'a Shown, after: &'a str) -> Fields<'a> {
    let mut fields = vec![("target", keep), ("after", after)];
    for id in group.ids.iter().filter(|id| *id != keep) {
        fields.push(("merge", id.as_str()));
    }
    fields
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_duplicates_are_paged_compared_merged_and_marked_apart() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    sample_shop(dir);
    let receiver = Receiver::start();
    let private = [("INTAKE_WEBHOOK_ALLOW_PRIVATE", "1")];
    let added = agent_with(dir, &["webhook", "add", &receiver.url, "--json"], &private);
    let added: Value = serde_json::from_str(&added).unwrap();
    receiver.trust(added["secret"].as_str().unwrap());
    let store = Store::start_with(dir, &[], &private);
    let owner = signed_in(dir, &store, OWNER, PIN).await;

    // Page after page gives every group once, in the listing's order, each with its records
    // side by side and the fields that differ marked in words.
    let whole = listed(dir);
    assert!(whole.len() > 10, "the sample fills more than one page");
    let (shown, pages) = every_page(&owner).await;
    assert_eq!(shown, whole);
    assert_eq!(pages.len(), whole.len().div_ceil(10));
    let first = owner.get("/console/duplicates").await.body;
    assert!(first.contains("<strong class=\"differs\">(differs)</strong>"));
    assert!(first.contains("Record 1 · suggested to keep"));
    assert!(first.contains("href=\"/console/duplicates\" aria-current=\"page\""));

    // Merging the first group from the page, as suggested: the candidates now resolve to the
    // record kept (read back through the API), the group is gone, and webhooks hear of it.
    let group = &whole[0];
    let a = owner
        .post(
            "/console/duplicates/merge",
            &merging(&group.ids[0], group, ""),
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert_eq!(a.location(), Some("/console/duplicates?done=merged"));
    let back = owner.get(a.location().unwrap()).await.body;
    assert!(back.contains("The selected records were merged."));
    let http = client(dir);
    let (token, _) = sign_in(&http, &store.url, OWNER, PIN).await;
    let resolved = |id: String| {
        let req = http
            .get(format!("{}/v1/customers/{id}", store.url))
            .bearer_auth(&token);
        async move {
            let v: Value = req.send().await.unwrap().json().await.unwrap();
            v["id"].as_str().unwrap().to_string()
        }
    };
    for id in &group.ids[1..] {
        assert_eq!(resolved(id.clone()).await, group.ids[0]);
    }
    let now = listed(dir);
    assert_eq!(now, whole[1..]);
    assert_eq!(every_page(&owner).await.0, now);
    let log = audit(dir);
    assert!(log.iter().any(|e| e["action"] == "customer.merge"
        && e["actor"] == OWNER
        && e["customer_id"] == group.ids[0].as_str()));
    let announced = (0..100).any(|_| {
        let found = receiver
            .received()
            .iter()
            .any(|r| r.event() == "customer.merged" && r.data_id() == group.ids[0]);
        if !found {
            std::thread::sleep(Duration::from_millis(100));
        }
        found
    });
    assert!(announced, "customer.merged was announced");

    // The same form again (a replay) changes nothing, and says so.
    let merges = count(&log, "customer.merge");
    let a = owner
        .post(
            "/console/duplicates/merge",
            &merging(&group.ids[0], group, ""),
        )
        .await;
    assert_eq!(a.location(), Some("/console/duplicates?done=unchanged"));
    assert!(
        owner
            .get("/console/duplicates?done=unchanged")
            .await
            .body
            .contains("Nothing changed")
    );
    assert_eq!(count(&audit(dir), "customer.merge"), merges);
    assert_eq!(listed(dir), now);

    // Keeping another record than the one suggested, from the second page: back to that page.
    let (_, pages) = every_page(&owner).await;
    let second = owner.get(&pages[1]).await.body;
    let after = pages[1].strip_prefix("/console/duplicates?after=").unwrap();
    let group = groups(&second)[0].clone();
    assert!(second.contains(&format!("name=\"after\" value=\"{after}\"")));
    let a = owner
        .post(
            "/console/duplicates/merge",
            &merging(&group.ids[1], &group, after),
        )
        .await;
    assert_eq!(
        a.location(),
        Some(format!("/console/duplicates?after={after}&done=merged").as_str())
    );
    for id in [&group.ids[0]].into_iter().chain(&group.ids[2..]) {
        assert_eq!(resolved(id.clone()).await, group.ids[1]);
    }
    assert!(!listed(dir).iter().any(|g| g.ids.contains(&group.ids[1])));

    // Not duplicates: the pair is no longer offered, nothing is merged.
    let before = listed(dir);
    let pair = before.iter().find(|g| g.ids.len() == 2).unwrap().clone();
    let a = owner
        .post(
            "/console/duplicates/not-duplicate",
            &[("a", &pair.ids[0]), ("b", &pair.ids[1]), ("after", "")],
        )
        .await;
    assert_eq!(a.location(), Some("/console/duplicates?done=apart"));
    let after_mark = listed(dir);
    assert_eq!(after_mark.len(), before.len() - 1);
    assert!(!after_mark.iter().any(|g| g.ids.contains(&pair.ids[0])));
    assert_eq!(every_page(&owner).await.0, after_mark);
    assert_eq!(resolved(pair.ids[1].clone()).await, pair.ids[1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_duplicates_refuse_forged_forms_and_show_artists_no_form() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    sample_shop(dir);
    let store = Store::start(dir, &[]);
    let owner = signed_in(dir, &store, OWNER, PIN).await;
    let whole = listed(dir);
    let group = whole[0].clone();
    let (keep, other) = (group.ids[0].as_str(), group.ids[1].as_str());
    let unknown = "0190a0a0-0000-7000-8000-000000000000";
    let merges = count(&audit(dir), "customer.merge");

    // What cannot be read, or names no customer, is refused and named; nothing changes.
    let merge = "/console/duplicates/merge";
    let apart = "/console/duplicates/not-duplicate";
    let cases: Vec<(&str, Fields, u16, &str)> = vec![
        (
            merge,
            vec![("target", "nope"), ("merge", other)],
            400,
            "target: ",
        ),
        (
            merge,
            vec![("target", unknown), ("merge", other)],
            404,
            "target: ",
        ),
        (
            merge,
            vec![("target", keep), ("merge", unknown)],
            404,
            "merge: ",
        ),
        (
            merge,
            vec![("target", keep), ("merge", "1 OR 1=1")],
            400,
            "merge: ",
        ),
        (merge, vec![("merge", other)], 400, "target: "),
        (merge, vec![("target", keep)], 400, "merge: "),
        (
            merge,
            vec![("target", keep), ("merge", keep)],
            400,
            "merge: ",
        ),
        (
            merge,
            vec![
                ("target", keep),
                ("merge", other),
                ("after", "bm90LWEtY3Vyc29y"),
            ],
            400,
            "after: ",
        ),
        (apart, vec![("a", keep), ("b", keep)], 400, "b: "),
        (apart, vec![("a", keep), ("b", unknown)], 404, "b: "),
        (apart, vec![("b", other)], 400, "a: "),
    ];
    for (path, fields, status, names) in cases {
        let a = owner.post(path, &fields).await;
        assert_eq!(a.status, status, "{path} {fields:?}: {}", a.body);
        assert!(a.body.contains(names), "{path} {fields:?}: {}", a.body);
        assert!(a.body.contains("role=\"alert\""));
    }
    // Too large for the route, another session's token, another origin: refused first.
    let big = "x".repeat(5 << 10);
    let a = owner
        .post(merge, &[("target", keep), ("merge", other), ("pad", &big)])
        .await;
    assert_eq!(a.status, 413);
    let other_session = signed_in(dir, &store, OWNER, PIN).await;
    let theirs = other_session.csrf().await;
    let a = owner
        .post(
            merge,
            &[("target", keep), ("merge", other), ("csrf", &theirs)],
        )
        .await;
    assert_eq!(a.status, 403, "{}", a.body);
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("target", keep)
        .append_pair("merge", other)
        .append_pair("csrf", &owner.csrf().await)
        .finish();
    let a = owner
        .post_raw(merge, body, Some("https://evil.example"))
        .await;
    assert_eq!(a.status, 403);
    assert_eq!(listed(dir), whole, "nothing was merged or marked");
    assert_eq!(count(&audit(dir), "customer.merge"), merges);

    // An artist sees the groups but no form, and may not post one.
    let ari = signed_in(dir, &store, "ari", "135790").await;
    let page = ari.get("/console/duplicates").await;
    assert_eq!(page.status, 200);
    assert_eq!(
        groups(&page.body),
        groups(&owner.get("/console/duplicates").await.body)
    );
    for absent in [
        "name=\"target\"",
        "name=\"merge\"",
        merge,
        apart,
        "/console/export",
    ] {
        assert!(
            !page.body.contains(absent),
            "an artist's page holds {absent}"
        );
    }
    assert!(page.body.contains("<strong class=\"differs\">"));
    let a = ari.post(merge, &[("target", keep), ("merge", other)]).await;
    assert_eq!(a.status, 403);
    let a = ari.post(apart, &[("a", keep), ("b", other)]).await;
    assert_eq!(a.status, 403);
    assert_eq!(listed(dir), whole);
}
