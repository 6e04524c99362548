//! Importing from the console over real HTTPS: the upload, the mapping shown and changed,
//! the dry run storing nothing, the import in the background and its report; and what an
//! attacker or a careless hand sends instead (a forged token, another user's upload, a
//! mapping to no field, a binary file, too many uploads, the same import twice).

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::path::Path;
use std::time::Duration;

use intake_tests::cluster::agent_with;
use intake_tests::console::{Answer, Console};
use serde_json::Value;

use crate::support::{OWNER, PIN, Store, add_owner, agent};

pub(crate) const SAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/data/customers-rev23-sample.csv"
);

pub(crate) async fn owner(dir: &Path, store: &Store) -> Console {
    let mut c = Console::new(dir, &store.url);
    assert_eq!(c.sign_in(OWNER, PIN).await.status, 303);
    c
}

/// Uploads `bytes`; returns the upload's page path.
pub(crate) async fn uploaded(c: &Console, bytes: &[u8]) -> String {
    let a = c
        .upload("/console/import", "customers.csv", bytes, None)
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    let to = a.location().unwrap().to_string();
    assert!(to.starts_with("/console/import/"), "{to}");
    to
}

/// The form fields that choose each column's field as the page pre-selected them.
pub(crate) fn preselected(page: &str) -> Vec<(String, String)> {
    page.split("<select id=\"col-")
        .skip(1)
        .map(|s| {
            let i = s.split('"').next().unwrap().to_string();
            let chosen = s
                .split("</select>")
                .next()
                .unwrap()
                .split("<option value=\"")
                .skip(1)
                .find(|o| o.contains("\" selected>"))
                .map_or(String::new(), |o| o.split('"').next().unwrap().to_string());
            (format!("col-{i}"), chosen)
        })
        .collect()
}

pub(crate) fn customers(dir: &Path) -> Vec<Value> {
    serde_json::from_str(&agent(dir, &["customer", "list", "--json"])).unwrap()
}

/// Waits for the import behind `page` to finish; returns the report page.
pub(crate) async fn finished(c: &Console, page: &str) -> Answer {
    for _ in 0..300 {
        let a = c.get(page).await;
        if !a.body.contains("http-equiv=\"refresh\"") {
            return a;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the import behind {page} did not finish");
}

pub(crate) fn count(page: &str, label: &str) -> u64 {
    let at = page
        .find(&format!("<dt>{label}</dt><dd>"))
        .unwrap_or_else(|| panic!("{label}"));
    let rest = &page[at + label.len() + 13..];
    rest.split('<').next().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_is_mapped_checked_and_run_from_the_console() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    add_owner(dir);
    let store = Store::start(dir, &[]);
    let c = owner(dir, &store).await;
    let sample = std::fs::read(SAMPLE).unwrap();
    let page = uploaded(&c, &sample).await;

    // The mapping as detected: the studio layout, each column's field pre-selected.
    let shown = c.get(&page).await;
    assert_eq!(shown.status, 200);
    assert!(shown.body.contains("Layout: studio"));
    let mut fields = preselected(&shown.body);
    assert_eq!(fields.len(), 15, "one choice per column of the file");
    assert_eq!(fields[0], ("col-0".into(), "FirstName".into()));
    assert!(
        shown.body.contains("<td>Betty</td>"),
        "the first row is shown beside"
    );

    // The dry run stores nothing and says what the import would do.
    let as_detected: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let checked = c.post(&format!("{page}/check"), &as_detected).await;
    assert_eq!(checked.status, 200, "{}", checked.body);
    let would_create = count(&checked.body, "New customers");
    assert!(would_create > 250, "{would_create}");
    assert!(customers(dir).is_empty(), "a dry run stores nothing");

    // Leave the city out and send the notes to the occupation: the check says so.
    let city = fields.iter().position(|(_, v)| v == "City").unwrap();
    fields[city].1 = String::new();
    let notes = fields.iter().position(|(_, v)| v == "Notes").unwrap();
    let occupation = fields.iter().position(|(_, v)| v == "Occupation").unwrap();
    fields[occupation].1 = String::new();
    fields[notes].1 = "Occupation".into();
    let chosen: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let checked = c.post(&format!("{page}/check"), &chosen).await;
    assert_eq!(checked.status, 200, "{}", checked.body);
    assert!(checked.body.contains("Layout: mapped"));
    assert!(checked.body.contains("City (left out)"));
    assert_eq!(count(&checked.body, "New customers"), would_create);

    // The import runs in the background; the page follows it, then reports.
    let run = c.post(&format!("{page}/run"), &chosen).await;
    assert_eq!(run.status, 303);
    let report = finished(&c, &page).await;
    assert!(report.body.contains("Import finished"), "{}", report.body);
    assert_eq!(count(&report.body, "New customers"), would_create);
    let stored = customers(dir);
    assert_eq!(stored.len() as u64, would_create);
    assert!(
        stored.iter().all(|c| c["City"].is_null()),
        "the city was left out"
    );
    let betty = stored
        .iter()
        .find(|c| c["Email"] == "betty.0@example.com")
        .unwrap();
    assert_eq!(
        betty["Occupation"], "+1 referral",
        "the notes went to the occupation"
    );
    assert!(betty["Notes"].is_null());

    // The report downloads as CSV; the same upload cannot be imported twice.
    let csv = c.get(&format!("{page}/report.csv")).await;
    assert_eq!(csv.status, 200);
    assert!(csv.body.starts_with("line,column,problem"));
    assert!(csv.body.contains(&format!(",created,{would_create}")));
    let again = c.post(&format!("{page}/run"), &chosen).await;
    assert_eq!(again.status, 409);
    // Its file is gone from the store's disk.
    let left: Vec<_> = std::fs::read_dir(dir.join("uploads"))
        .unwrap()
        .flatten()
        .collect();
    assert!(left.is_empty(), "{left:?}");

    // Importing the same file again updates nobody twice: every row matches.
    let page2 = uploaded(&c, &sample).await;
    let shown = c.get(&page2).await;
    let fields = preselected(&shown.body);
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    c.post(&format!("{page2}/run"), &fields).await;
    let report = finished(&c, &page2).await;
    assert_eq!(count(&report.body, "New customers"), 0);
    assert_eq!(customers(dir).len() as u64, would_create);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_are_their_owners_and_bad_ones_change_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    add_owner(dir);
    agent_with(
        dir,
        &["user", "add", "mia", "--role", "manager"],
        &[("INTAKE_NEW_PIN", "112233")],
    );
    let store = Store::start(dir, &[]);
    let c = owner(dir, &store).await;
    let mut mia = Console::new(dir, &store.url);
    assert_eq!(mia.sign_in("mia", "112233").await.status, 303);
    let uploads = || {
        std::fs::read_dir(dir.join("uploads"))
            .map(|d| d.count())
            .unwrap_or(0)
    };
    let csv = b"FirstName,LastName,PhoneNumber,Birthdate\nAda,Moss,,1990-01-02\n";

    // A forged token: refused before any of the file is written.
    let a = c
        .upload("/console/import", "x.csv", csv, Some("forged"))
        .await;
    assert_eq!(a.status, 403);
    assert_eq!(uploads(), 0);
    // Another session's token is as good as a forged one.
    let other = mia.csrf().await;
    assert_eq!(
        c.upload("/console/import", "x.csv", csv, Some(&other))
            .await
            .status,
        403
    );
    // Not a multipart form; an empty file.
    let a = c
        .post("/console/import", &[("file", "FirstName\nAda\n")])
        .await;
    assert_eq!(a.status, 400, "{}", a.body);
    let a = c.upload("/console/import", "x.csv", b"", None).await;
    assert_eq!(a.status, 400);
    assert!(a.body.contains("file:"));

    // Another staff member's upload does not exist for them, and they cannot touch it.
    let page = uploaded(&c, csv).await;
    assert_eq!(mia.get(&page).await.status, 404);
    assert_eq!(
        mia.post(&format!("{page}/run"), &[("col-0", "FirstName")])
            .await
            .status,
        404
    );
    assert_eq!(mia.post(&format!("{page}/discard"), &[]).await.status, 404);
    assert_eq!(c.get(&page).await.status, 200, "still there for its owner");
    assert_eq!(c.get("/console/import/not-an-id").await.status, 404);
    assert_eq!(
        c.get("/console/import/0190a0a0-0000-7000-8000-000000000000")
            .await
            .status,
        404
    );

    // A mapping to no field is named; two columns to one field are refused; nothing stored.
    let a = c
        .post(&format!("{page}/check"), &[("col-0", "pin_hash")])
        .await;
    assert_eq!(a.status, 400);
    assert!(a.body.contains("col-0"), "{}", a.body);
    let twice = [
        ("col-0", "FirstName"),
        ("col-1", "FirstName"),
        ("col-2", "PhoneNumber"),
        ("col-3", "Birthdate"),
    ];
    let a = c.post(&format!("{page}/check"), &twice).await;
    assert_eq!(a.status, 422, "{}", a.body);
    assert!(a.body.contains("both fill FirstName"), "{}", a.body);
    let a = c.post(&format!("{page}/run"), &twice).await;
    assert_eq!(
        a.status, 303,
        "the import starts, and stops on the same problem"
    );
    let report = finished(&c, &page).await;
    assert!(
        report.body.contains("nothing was stored"),
        "{}",
        report.body
    );
    assert!(customers(dir).is_empty());

    // A file that is not text: the page says so and offers to discard it.
    let page = uploaded(&c, &[0u8, 159, 146, 150, 0, 0, 1, 2]).await;
    let a = c.get(&page).await;
    assert_eq!(a.status, 422);
    assert!(a.body.contains("not a CSV text file"), "{}", a.body);
    let before = uploads();
    assert_eq!(c.post(&format!("{page}/discard"), &[]).await.status, 303);
    assert_eq!(uploads(), before - 1, "discarding removes the file");
    assert_eq!(c.get(&page).await.status, 404);

    // At most three uploads wait per person.
    for _ in 0..2 {
        uploaded(&c, csv).await;
    }
    let a = c.upload("/console/import", "x.csv", csv, None).await;
    assert_eq!(a.status, 429, "{}", a.body);
    // A file over the route's limit is refused before it is read.
    let big = vec![b'a'; (64 << 20) + 1];
    let before = uploads();
    match mia
        .try_upload("/console/import", "big.csv", &big, None)
        .await
    {
        Ok(a) => assert_eq!(a.status, 413),
        // Refused so early that the connection closed under the rest of the body.
        Err(e) => assert!(e.is_request(), "{e}"),
    }
    assert_eq!(uploads(), before, "nothing of it was written");
}
