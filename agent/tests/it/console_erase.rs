//! Erasing a customer from the console, as the owner meets it: a customer who signed at
//! Web Sign, the erasure page listing the release kept and until when, the confirmation,
//! the erased customer's page, the restricted release's PDF (audited), and everyone
//! without `legal:customer` refused.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use intake_tests::web_sign::{ADULT, Phone, fill};

use crate::console::{add_user, signed_in};
use crate::support::{OWNER, PIN, Store, add_owner};
use crate::web_sign::{customers, releases};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_erases_a_customer_and_keeps_their_release_restricted() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    add_owner(dir);
    add_user(dir, "max", "manager", "135792");
    let store = Store::start(dir, &["--web-sign"]);
    let mut phone = Phone::new(&store.dir, &store.url);
    assert_eq!(phone.open("").await, 200);
    fill(&mut phone, &ADULT).await;
    assert_eq!(phone.post("submit", &[]).await, 200, "{}", phone.page);
    let id = customers(dir)[0]["id"].as_str().unwrap().to_string();
    let signed = &releases(dir)[0];
    let release = signed["id"].as_str().unwrap().to_string();
    // Signed today under the default five years: kept until five years from its signing.
    let until = intake_tests::day_years_after(signed["signed_at"].as_str().unwrap(), 5);

    // A manager may delete but not erase: no button, and the pages refuse.
    let max = signed_in(dir, &store, "max", "135792").await;
    let page = max.get(&format!("/console/customers/{id}")).await;
    assert!(!page.body.contains("/erase"));
    assert_eq!(
        max.get(&format!("/console/customers/{id}/erase"))
            .await
            .status,
        403
    );
    let refused = max
        .post(
            &format!("/console/customers/{id}/erase"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(refused.status, 403);

    // Nor can a manager shorten how long records are kept: the settings they save keep
    // the policy in force.
    let a =
        crate::console_settings::post_shop(&max, &[("release-years", "1"), ("audit-years", "1")])
            .await;
    assert_eq!(a.status, 303, "{}", a.body);
    let policy = crate::support::agent(dir, &["retention", "policy", "--json"]);
    assert!(
        policy.contains("\"release_years\": 5") && policy.contains("\"audit_years\": 6"),
        "{policy}"
    );
    let page = max.get("/console/settings").await;
    assert!(page.body.contains("legal:customer") && !page.body.contains("id=\"release-years\""));

    let owner = signed_in(dir, &store, OWNER, PIN).await;
    let page = owner.get(&format!("/console/customers/{id}")).await;
    assert!(
        page.body
            .contains(&format!("/console/customers/{id}/erase"))
    );
    let page = owner.get(&format!("/console/customers/{id}/erase")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Erase Reyes, Ana?"), "{}", page.body);
    assert!(page.body.contains(&until), "{}", page.body);
    // Not ticked: nothing erased.
    let a = owner
        .post(&format!("/console/customers/{id}/erase"), &[])
        .await;
    assert_eq!(a.status, 400);
    assert_eq!(customers(dir).len(), 1);

    let a = owner
        .post(
            &format!("/console/customers/{id}/erase"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert!(customers(dir).is_empty());
    assert!(
        releases(dir).is_empty(),
        "no longer among the shop's releases"
    );

    // The address now says erased, and nothing of theirs; the owner sees the release kept.
    let page = owner.get(&format!("/console/customers/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("was erased on"), "{}", page.body);
    for s in ["Ana", "Reyes", "ana@example.com", "555"] {
        assert!(!page.body.contains(s), "{s} on the erased customer's page");
    }
    let pdf_path = format!("/console/customers/{id}/restricted/{release}.pdf");
    assert!(page.body.contains(&pdf_path));
    assert!(
        page.body.contains(&format!("kept until {until}")),
        "the date it goes, as the erase page showed: {}",
        page.body
    );
    let pdf = owner.get(&pdf_path).await;
    assert_eq!(pdf.status, 200);
    assert!(pdf.body.starts_with("%PDF"));
    // A manager sees the erasure, not the release.
    let page = max.get(&format!("/console/customers/{id}")).await;
    assert!(page.body.contains("was erased on") && !page.body.contains("/restricted/"));
    assert_eq!(max.get(&pdf_path).await.status, 403);
    // Another customer's path, or a release that is not restricted: not found.
    let other = format!(
        "/console/customers/{}/restricted/{release}.pdf",
        uuid::Uuid::now_v7()
    );
    assert_eq!(owner.get(&other).await.status, 404);

    // The owner's listing of the restricted release and their view of it are in the audit
    // log.
    let log = crate::support::agent(dir, &["audit", "--json", "--limit", "20"]);
    assert!(log.contains("release.list-restricted"), "{log}");
    assert!(log.contains("release.view-restricted"), "{log}");
    assert!(log.contains("customer.erase"));
}
