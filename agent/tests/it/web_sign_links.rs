//! Web Sign links for one visit, over real HTTPS against a real store process: made with
//! the CLI, opened and filled in as a phone's browser does, what is stored read back.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::path::Path;

use serde_json::Value;

use intake_tests::cluster::agent_with;
use intake_tests::web_sign::{ADULT, Phone, fill};

use crate::support::{OWNER, PIN, Store, add_owner, agent};
use crate::web_sign::{customers, releases};

/// Makes a link with the CLI; returns (its id, its token).
fn make_link(dir: &Path, args: &[&str]) -> (String, String) {
    let mut all = vec![
        "web-sign",
        "link",
        "--address",
        "https://ink.example/sign",
        "--json",
    ];
    all.extend_from_slice(args);
    let made: Value = serde_json::from_str(&agent(dir, &all)).unwrap();
    let url = made["url"].as_str().unwrap();
    let token = url.strip_prefix("https://ink.example/sign/v/").unwrap();
    assert_eq!(token.len(), 43, "256 bits in URL-safe base64: {url}");
    (made["id"].as_str().unwrap().to_string(), token.to_string())
}

fn links(dir: &Path) -> Vec<Value> {
    serde_json::from_str::<Value>(&agent(dir, &["web-sign", "links", "--json"]))
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// Opens `/sign/v/TOKEN` in a fresh browser; returns it.
async fn open_link(store: &Store, token: &str) -> Phone {
    let mut phone = Phone::new(&store.dir, &store.url);
    phone.open(&format!("/v/{token}")).await;
    phone
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_is_used_once_for_its_customer_and_every_bad_link_gets_one_page() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    add_owner(dir);
    // On file under another phone and a nickname for a last name: the shop-wide form's
    // exact match would make a new customer; the link attaches anyway.
    let added: Value = serde_json::from_str(&agent(
        dir,
        &[
            "customer",
            "add",
            "--json",
            "--set",
            "FirstName=Ana",
            "--set",
            "LastName=R.",
            "--set",
            "PhoneNumber=512 555 0199",
            "--set",
            "Email=secret-ana@example.org",
        ],
    ))
    .unwrap();
    let id = added["id"].as_str().unwrap().to_string();
    let store = Store::start(dir, &["--web-sign"]);
    let (link, token) = make_link(dir, &["--customer", &id, "--name", "Ana Reyes"]);

    // Two tabs open the link; the first submits and is attached to the link's customer.
    let mut phone = open_link(&store, &token).await;
    assert_eq!(phone.status, 200, "{}", phone.page);
    assert!(phone.shows("Hello, Ana."), "{}", phone.page);
    assert!(!phone.shows("Reyes") && !phone.shows("secret-ana"));
    let mut other_tab = open_link(&store, &token).await;
    assert_eq!(other_tab.status, 200);
    fill(&mut phone, &ADULT).await;
    fill(&mut other_tab, &ADULT).await;
    assert_eq!(phone.post("submit", &[]).await, 200, "{}", phone.page);
    let list = releases(dir);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["customer_id"].as_str().unwrap(), id);
    assert_eq!(customers(dir).len(), 1, "attached, no new customer");
    let used = &links(dir)[0];
    assert_eq!(
        (used["id"].as_str(), &used["state"]),
        (Some(link.as_str()), &"used".into())
    );
    assert_eq!(used["release_id"], list[0]["id"]);

    // Used (opened again, or submitted from the other tab), revoked, expired, made up:
    // one page, one status, nothing stored.
    let mut refusals = Vec::new();
    let again = open_link(&store, &token).await;
    refusals.push(("used", again.status, again.page.clone()));
    other_tab.post("submit", &[]).await;
    assert_eq!(other_tab.status, 404, "{}", other_tab.page);
    assert!(other_tab.shows("This link cannot be used"));
    let (revoked, revoked_token) = make_link(dir, &["--name", "Bo"]);
    let out = agent(dir, &["web-sign", "revoke", &revoked]);
    assert!(out.contains("Revoked link"), "{out}");
    let p = open_link(&store, &revoked_token).await;
    refusals.push(("revoked", p.status, p.page.clone()));
    let (expired, expired_token) = make_link(dir, &["--name", "Cy", "--hours", "1"]);
    {
        let db = intake_tests::cluster::open_db(dir);
        db.conn()
            .execute(
                "UPDATE visit_links SET expires_at = '2020-01-01T00:00:00.000Z' WHERE id = ?1",
                [&expired],
            )
            .unwrap();
    }
    let p = open_link(&store, &expired_token).await;
    refusals.push(("expired", p.status, p.page.clone()));
    for made_up in [
        "A".repeat(43),
        format!("{}x", &token[..42]),
        "short".into(),
        "not-a-link".into(),
    ] {
        let p = open_link(&store, &made_up).await;
        refusals.push(("made up", p.status, p.page.clone()));
    }
    let (_, first_status, first_page) = refusals[0].clone();
    assert_eq!(first_status, 404);
    assert!(
        first_page.contains("This link cannot be used"),
        "{first_page}"
    );
    for (what, status, page) in &refusals {
        assert_eq!((*status, page), (first_status, &first_page), "{what}");
    }
    assert_eq!(releases(dir).len(), 1);
    assert_eq!(customers(dir).len(), 1);
    let states: Vec<String> = links(dir)
        .iter()
        .map(|l| l["state"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(states, ["expired", "revoked", "used"]);

    // A link for someone new: the name greets them, the registration makes a customer.
    let (_, new_token) = make_link(dir, &["--name", "Dee Lane", "--hours", "336"]);
    let mut dee = open_link(&store, &new_token).await;
    assert!(dee.shows("Hello, Dee."), "{}", dee.page);
    let mut person = ADULT;
    person.first = "Dee";
    person.last = "Lane";
    fill(&mut dee, &person).await;
    assert_eq!(dee.post("submit", &[]).await, 200, "{}", dee.page);
    assert_eq!(customers(dir).len(), 2);

    // Every making, listing and revoking is in the audit log.
    let audit = agent(dir, &["audit", "--json"]);
    for action in [
        "web_sign.link",
        "web_sign.links",
        "web_sign.revoke",
        "web_sign.link_used",
    ] {
        assert!(audit.contains(action), "{action} not audited");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_need_invite_customer_and_a_sensible_length() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    add_owner(dir);
    for (name, role) in [("fay", "front-desk"), ("art", "artist"), ("mia", "manager")] {
        agent_with(
            dir,
            &["user", "add", name, "--role", role],
            &[("INTAKE_NEW_PIN", PIN)],
        );
    }
    let run = |user: &str, args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_intake-agent"))
            .arg("--data-dir")
            .arg(dir)
            .envs(intake_tests::cluster::database_env(dir))
            .args(["--user", user, "web-sign"])
            .args(args)
            .env("INTAKE_PIN", PIN)
            .output()
            .unwrap()
    };
    let link = [
        "link",
        "--name",
        "Ann",
        "--address",
        "https://ink.example/sign",
    ];
    for user in ["fay", "art"] {
        let out = run(user, &link);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("lacks the permission invite:customer"),
            "{err}"
        );
    }
    assert!(run("mia", &link).status.success());
    for (args, says) in [
        (
            &[
                "link",
                "--name",
                "Ann",
                "--hours",
                "337",
                "--address",
                "https://x/sign",
            ][..],
            "hours: from 1 to 336",
        ),
        (
            &["link", "--name", "Ann"][..],
            "--address https://STORE/sign",
        ),
        (&["revoke", "zz"][..], "at least its first 4 characters"),
        (
            &["revoke", "0000"][..],
            "no Web Sign link with an id starting 0000",
        ),
    ] {
        let out = run(OWNER, args);
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
    assert_eq!(links(dir).len(), 1, "only the manager's link was made");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessing_link_tokens_is_limited_per_address() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    add_owner(dir);
    let store = Store::start(dir, &["--web-sign"]);
    let (_, token) = make_link(dir, &["--name", "Eve"]);
    let mut last = 0;
    let mut guesses = 0;
    while last != 429 && guesses < 40 {
        guesses += 1;
        last = open_link(&store, &format!("{:0>43}", guesses)).await.status;
    }
    assert_eq!(last, 429);
    assert_eq!(guesses, 31, "30 openings a minute, then refused");
    // Past the limit even the right token is refused, before it is looked at.
    let right = open_link(&store, &token).await;
    assert_eq!(right.status, 429);
    assert!(right.headers.contains_key("retry-after"));
    assert_eq!(links(dir)[0]["state"], "open");
}
