//! The console's customer list (search, sort, paging, columns per user) and a customer's
//! page, form and deletion, over real HTTPS against a real store process.

use std::time::Duration;

use intake_tests::receiver::Receiver;
use serde_json::{Value, json};

use super::{add_customer, add_user, signed_in};
use intake_tests::cluster::agent_with;

use crate::support::{OWNER, PIN, Store, add_owner, agent, client, sign_in};

/// The names, in order, of the rows of a list page.
fn names(page: &str) -> Vec<String> {
    page.split("<th scope=\"row\"><a href=\"/console/customers/")
        .skip(1)
        .map(|row| {
            let name = row.split_once("\">").unwrap().1;
            name.split("</a>").next().unwrap().replace("&amp;", "&")
        })
        .collect()
}

fn next_link(page: &str) -> Option<String> {
    let at = page.find("rel=\"next\" href=\"")?;
    let rest = &page[at + 17..];
    Some(rest.split('"').next().unwrap().replace("&amp;", "&"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_searches_sorts_pages_and_shows_each_users_columns() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    add_owner(dir);
    add_user(dir, "fran", "front-desk", "975310");
    let sample = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/data/customers-rev23-sample.csv"
    );
    agent(dir, &["import", sample]);
    let store = Store::start(dir, &[]);
    let owner = signed_in(dir, &store, OWNER, PIN).await;
    add_customer(
        &owner,
        &[
            ("FirstName", "Lucía"),
            ("LastName", "Quiñones"),
            ("PhoneNumber", "+1 512 555 0199"),
        ],
    )
    .await;
    add_customer(&owner, &[("FirstName", "<script>alert(1)</script>")]).await;

    let first = owner.get("/console/customers").await;
    assert_eq!(first.status, 200);
    // The whole store is counted (the sample's rows that are one person twice were merged
    // by the import).
    let total: usize = first
        .body
        .split_once("class=\"count\">(")
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(n, _)| n.parse().unwrap())
        .unwrap();
    assert!(total > 300, "{total}");
    assert!(first.body.contains("&lt;script&gt;"), "names are escaped");
    assert!(!first.body.contains("<script>"));
    // Every customer once, over pages of 50, in name order.
    let mut all = Vec::new();
    let mut ids = Vec::new();
    let mut page = first.body.clone();
    let mut pages = 1;
    loop {
        let rows = names(&page);
        assert!(rows.len() <= 50);
        all.extend(rows);
        ids.extend(
            page.split("<th scope=\"row\"><a href=\"/console/customers/")
                .skip(1)
                .map(|r| r[..36].to_string()),
        );
        match next_link(&page) {
            Some(next) => {
                page = owner.get(&next).await.body;
                pages += 1;
            }
            None => break,
        }
    }
    assert_eq!(all.len(), total);
    assert_eq!(pages, total.div_ceil(50));
    let mut distinct = ids.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), total, "no customer twice across pages");
    let lasts: Vec<String> = all
        .iter()
        .filter_map(|n| {
            n.split_once(", ")
                .map(|(l, _)| intake_common::normalize::search_key(l))
        })
        .collect();
    assert!(
        lasts.windows(2).all(|w| w[0] <= w[1]),
        "sorted by last name, case and accents ignored: {lasts:?}"
    );
    // Descending is the same list backwards.
    let desc = owner
        .get("/console/customers?sort=name&dir=desc")
        .await
        .body;
    assert_eq!(names(&desc)[..5], {
        let mut r = all.clone();
        r.reverse();
        r[..5].to_vec()
    });
    // Newest first: the two just added lead.
    let newest = owner
        .get("/console/customers?sort=added&dir=desc")
        .await
        .body;
    assert_eq!(names(&newest)[1], "Quiñones, Lucía");

    // Search ignores case and accents, and finds phone numbers by their digits.
    for q in ["quinones", "QUIÑONES", "lucia quin", "5550199"] {
        let found = owner
            .get(&format!(
                "/console/customers?q={}",
                form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
            ))
            .await;
        assert_eq!(names(&found.body), ["Quiñones, Lucía"], "{q}");
        assert!(
            !found.body.contains("class=\"count\""),
            "a search is not counted"
        );
    }
    let none = owner.get("/console/customers?q=zzzzqqq").await;
    assert!(none.body.contains("No customer matches"));
    // LIKE's own characters are text.
    let none = owner.get("/console/customers?q=%25").await;
    assert!(names(&none.body).is_empty());

    // What cannot be read is named.
    let a = owner.get("/console/customers?sort=shoe_size").await;
    assert_eq!(a.status, 400);
    assert!(a.body.contains("sort"));
    let a = owner.get("/console/customers?after=bm90LWEtY3Vyc29y").await;
    assert_eq!(a.status, 400);
    assert!(a.body.contains("after"));
    let a = owner
        .get(&format!("/console/customers?q={}", "a".repeat(300)))
        .await;
    assert_eq!(a.status, 400);

    // Columns are each user's own.
    let a = owner
        .post(
            "/console/customers/columns",
            &[
                ("column", "Company"),
                ("column", "MembershipNumber"),
                ("next", "/console/customers?sort=added"),
            ],
        )
        .await;
    assert_eq!(a.location(), Some("/console/customers?sort=added"));
    let mine = owner.get("/console/customers").await.body;
    assert!(mine.contains(">Membership number</th>"));
    assert!(!mine.contains(">E-mail</th>"));
    let fran = signed_in(dir, &store, "fran", "975310").await;
    let hers = fran.get("/console/customers").await.body;
    assert!(hers.contains(">E-mail</th>") && !hers.contains(">Membership number</th>"));
    let a = owner
        .post("/console/customers/columns", &[("column", "pin_hash")])
        .await;
    assert_eq!(a.status, 400);
    assert!(a.body.contains("pin_hash"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_is_added_changed_flagged_shown_by_role_and_deleted_once_confirmed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    add_owner(dir);
    add_user(dir, "ari", "artist", "135790");
    add_user(dir, "fran", "front-desk", "975310");
    let receiver = Receiver::start();
    let private = [("INTAKE_WEBHOOK_ALLOW_PRIVATE", "1")];
    let added = agent_with(dir, &["webhook", "add", &receiver.url, "--json"], &private);
    let added: Value = serde_json::from_str(&added).unwrap();
    receiver.trust(added["secret"].as_str().unwrap());
    let store = Store::start_with(dir, &[], &private);
    let owner = signed_in(dir, &store, OWNER, PIN).await;

    // A form with mistakes: each named beside its field, nothing stored.
    let a = owner
        .post(
            "/console/customers",
            &[
                ("FirstName", "Noor"),
                ("Email", "not-an-email"),
                ("Birthdate", "2099-01-01"),
                ("Status", "active"),
            ],
        )
        .await;
    assert_eq!(a.status, 422, "{}", a.body);
    assert!(a.body.contains("href=\"#f-Email\"") && a.body.contains("href=\"#f-Birthdate\""));
    assert!(a.body.contains("value=\"Noor\""), "what was typed stays");
    assert!(owner.get("/console/customers").await.body.contains("(0)"));
    let a = owner
        .post("/console/customers", &[("City", "Austin")])
        .await;
    assert_eq!(a.status, 422, "a customer needs a name, e-mail or phone");

    let id = add_customer(
        &owner,
        &[
            ("FirstName", "Noor"),
            ("LastName", "Haddad"),
            ("Email", "noor@example.com"),
            ("Status", "active"),
            ("OptIn", "yes"),
            ("MembershipNumber", "M-0042"),
            ("Company", "Haddad Design"),
        ],
    )
    .await;
    let path = format!("/console/customers/{id}");
    let page = owner.get(&path).await.body;
    for shown in ["Haddad, Noor", "M-0042", "Haddad Design", "Active"] {
        assert!(page.contains(shown), "{shown}");
    }
    // Changing one field keeps the others.
    let edit = owner.get(&format!("{path}/edit")).await.body;
    assert!(edit.contains("value=\"noor@example.com\""));
    let a = owner
        .post(
            &path,
            &[
                ("FirstName", "Noor"),
                ("LastName", "Haddad"),
                ("Email", "noor@example.com"),
                ("Status", "inactive"),
                ("OptIn", "yes"),
                ("MembershipNumber", "M-0042"),
                ("Company", "Haddad Design"),
                ("City", "Austin"),
            ],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    let page = owner.get(&path).await.body;
    assert!(page.contains("Inactive") && page.contains("Austin") && page.contains("M-0042"));
    let a = owner.post(&path, &[("Status", "maybe")]).await;
    assert_eq!(a.status, 422);

    // A flag and a note, with who and when.
    assert_eq!(
        owner
            .post(
                &format!("{path}/flags"),
                &[("kind", "allergy"), ("note", "latex gloves")]
            )
            .await
            .status,
        303
    );
    assert_eq!(
        owner
            .post(&format!("{path}/notes"), &[("body", "Prefers afternoons")])
            .await
            .status,
        303
    );
    assert_eq!(
        owner
            .post(&format!("{path}/notes"), &[("body", "  ")])
            .await
            .status,
        400
    );
    let page = owner.get(&path).await.body;
    assert!(page.contains("latex gloves") && page.contains("Prefers afternoons"));

    // Medical details: an artist sees them and the view is audited; front desk sees a count.
    let http = client(dir);
    let (token, _) = sign_in(&http, &store.url, OWNER, PIN).await;
    let resp = http
        .post(format!("{}/v1/customers/{id}/medical", store.url))
        .bearer_auth(&token)
        .json(&json!({ "kind": "allergy", "name": "Latex", "details": "hives" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let ari = signed_in(dir, &store, "ari", "135790").await;
    let page = ari.get(&path).await.body;
    assert!(page.contains("Latex") && page.contains("hives"));
    let audit: Value =
        serde_json::from_str(&agent(dir, &["audit", "--json", "--limit", "20"])).unwrap();
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "medical.view" && e["actor"] == "ari"),
        "{audit}"
    );
    let fran = signed_in(dir, &store, "fran", "975310").await;
    let page = fran.get(&path).await.body;
    assert!(!page.contains("Latex") && !page.contains("hives"));
    assert!(page.contains("1 medical record(s)"));
    // The history names who changed what, never the values.
    assert!(page.contains("History of changes"));
    assert!(
        page.contains("change.update: changed City, Status"),
        "{page}"
    );
    assert!(page.contains("change.flag: flagged allergy"));
    assert!(
        !page.contains("latex gloves</td>"),
        "values stay out of the history"
    );

    // A customer with a signed release is not deleted: the shop must keep the release.
    let settings = intake_common::settings::Settings::defaults();
    let signed = {
        let mut db = intake_tests::cluster::open_db(dir);
        let template =
            intake_common::release::register_template(&mut db, &settings.template).unwrap();
        let signature = intake_tests::registrations::signature_png(7);
        let reg = intake_tests::registrations::registration(&settings, 7, &signature);
        intake_common::release::submit(
            &mut db,
            &reg,
            &intake_common::release::Signing::new("lobby", &settings, &template),
        )
        .unwrap();
        let id: uuid::Uuid = db
            .conn()
            .query_row("SELECT customer_id FROM releases", [], |r| r.get(0))
            .unwrap();
        id
    };
    let signed_path = format!("/console/customers/{signed}");
    let a = owner
        .post(&format!("{signed_path}/delete"), &[("confirm", "yes")])
        .await;
    assert_eq!(a.status, 400, "{}", a.body);
    assert!(a.body.contains("signed release"), "{}", a.body);
    assert_eq!(owner.get(&signed_path).await.status, 200, "still on file");

    // Deleting takes the confirmation; then the customer is gone and webhooks hear of it.
    let a = owner.post(&format!("{path}/delete"), &[]).await;
    assert_eq!(a.status, 400);
    assert_eq!(owner.get(&path).await.status, 200);
    let a = owner
        .post(&format!("{path}/delete"), &[("confirm", "yes")])
        .await;
    assert_eq!(a.status, 303);
    assert_eq!(owner.get(&path).await.status, 404);
    let deleted = (0..100).find_map(|_| {
        let found = receiver
            .received()
            .iter()
            .any(|r| r.event() == "customer.deleted" && r.data_id() == id);
        if !found {
            std::thread::sleep(Duration::from_millis(100));
        }
        found.then_some(())
    });
    assert!(deleted.is_some(), "customer.deleted was announced");
}
