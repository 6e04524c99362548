//! The console with two store processes on one store, as behind a load balancer: every
//! step of an import may reach either process, the process running an import may die, and
//! a settings save made on one is in force on the other. Run on SQLite (two processes on one file) and, with `INTAKE_TEST_ENGINE=postgres`, on
//! one PostgreSQL database.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::path::Path;
use std::time::Duration;

use intake_tests::console::Console;
use intake_tests::web_sign::Phone;

use crate::console_import::{SAMPLE, count, customers, finished, owner, preselected, uploaded};
use crate::console_settings::post_shop;
use crate::support::{Store, add_owner};

/// Removes the copies of uploaded files a process keeps, as if the next process to answer
/// ran on another machine.
fn forget_local_copies(dir: &Path) {
    for entry in std::fs::read_dir(dir.join("uploads")).unwrap().flatten() {
        if entry.file_name().to_string_lossy().ends_with(".csv") {
            std::fs::remove_file(entry.path()).unwrap();
        }
    }
}

fn as_pairs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_step_of_an_import_works_on_whichever_store_process_answers() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    add_owner(dir);
    let first = Store::start(dir, &[]);
    let second = Store::start(dir, &[]);
    let on_first = owner(dir, &first).await;
    let on_second = on_first.at(&second.url);

    // Uploaded to one process; mapped and checked on the other, which never saw the file.
    let sample = std::fs::read(SAMPLE).unwrap();
    let page = uploaded(&on_first, &sample).await;
    forget_local_copies(dir);
    let shown = on_second.get(&page).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert!(shown.body.contains("Layout: studio"), "{}", shown.body);
    let fields = preselected(&shown.body);
    assert_eq!(fields.len(), 15);
    let checked = on_second
        .post(&format!("{page}/check"), &as_pairs(&fields))
        .await;
    assert_eq!(checked.status, 200, "{}", checked.body);
    let would_create = count(&checked.body, "New customers");
    assert!(would_create > 250, "{would_create}");

    // Run posted to both at once (a double tap through the load balancer): one import
    // starts, the other post is refused at once; the progress and report on the second.
    forget_local_copies(dir);
    let (run, chosen) = (format!("{page}/run"), as_pairs(&fields));
    let (a, b) = tokio::join!(on_first.post(&run, &chosen), on_second.post(&run, &chosen));
    let mut statuses = [a.status, b.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [303, 409], "{}{}", a.body, b.body);
    let report = finished(&on_second, &page).await;
    assert!(report.body.contains("Import finished"), "{}", report.body);
    assert_eq!(count(&report.body, "New customers"), would_create);
    assert_eq!(customers(dir).len() as u64, would_create);
    let csv = on_second.get(&format!("{page}/report.csv")).await;
    assert_eq!(csv.status, 200);
    assert!(csv.body.contains(&format!(",created,{would_create}")));
    for c in [&on_first, &on_second] {
        let again = c.post(&format!("{page}/run"), &as_pairs(&fields)).await;
        assert_eq!(again.status, 409, "{}", again.body);
    }

    // The limit of three waiting uploads counts those sent to either process.
    let second_upload = uploaded(&on_second, &sample).await;
    uploaded(&on_first, &sample).await;
    let fourth = on_second
        .try_upload("/console/import", "customers.csv", &sample, None)
        .await
        .unwrap();
    assert_eq!(fourth.status, 429, "{}", fourth.body);
    // Each process lists the same uploads; one discarded on the other process frees a place.
    let listed = |body: &str| body.matches("/console/import/0").count();
    let (a, b) = (
        on_first.get("/console/import").await,
        on_second.get("/console/import").await,
    );
    assert_eq!(listed(&a.body), 3, "{}", a.body);
    assert_eq!(listed(&a.body), listed(&b.body));
    let gone = on_first
        .post(&format!("{second_upload}/discard"), &[])
        .await;
    assert_eq!(gone.status, 303, "{}", gone.body);
    assert_eq!(on_second.get(&second_upload).await.status, 404);
    uploaded(&on_second, &sample).await;
}

/// A customer list of `n` rows in the studio layout, every row a new customer.
fn many_customers(n: usize) -> Vec<u8> {
    let mut csv = String::from("FirstName,LastName,Email,PhoneNumber,Birthdate\n");
    for i in 0..n {
        csv.push_str(&format!("Quinn{i},Rivera,quinn.{i}@example.com,,\n"));
    }
    csv.into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_whose_process_dies_stores_nothing_and_runs_again_elsewhere() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    add_owner(dir);
    let first = Store::start(dir, &[]);
    let second = Store::start(dir, &[]);
    let on_first: Console = owner(dir, &first).await;
    let on_second = on_first.at(&second.url);
    let rows = 30_000;
    let page = uploaded(&on_first, &many_customers(rows)).await;
    let fields = preselected(&on_first.get(&page).await.body);
    let run = on_first
        .post(&format!("{page}/run"), &as_pairs(&fields))
        .await;
    assert_eq!(run.status, 303, "{}", run.body);
    // The first process dies while its import runs (one transaction: nothing is stored).
    drop(first);
    assert!(
        customers(dir).is_empty(),
        "a cut-short import stores nothing"
    );

    // The other process finds the upload ready again (in the list, where it keeps its
    // place, and on its page), and imports it whole.
    let listed = on_second.get("/console/import").await;
    assert!(
        listed.body.contains("waiting for you") && !listed.body.contains("importing"),
        "{}",
        listed.body
    );
    let shown = on_second.get(&page).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert_eq!(
        preselected(&shown.body),
        fields,
        "the mapping form again: {}",
        shown.body
    );
    let run = on_second
        .post(&format!("{page}/run"), &as_pairs(&fields))
        .await;
    assert_eq!(run.status, 303, "{}", run.body);
    let mut report = None;
    for _ in 0..1800 {
        let a = on_second.get(&page).await;
        if !a.body.contains("http-equiv=\"refresh\"") {
            report = Some(a);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let report = report.expect("the import finished");
    assert_eq!(
        count(&report.body, "New customers"),
        rows as u64,
        "{}",
        report.body
    );
    assert_eq!(customers(dir).len(), rows);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_settings_save_on_one_store_process_is_in_force_on_the_other() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    add_owner(dir);
    // Each process with a settings directory of its own, as on two machines.
    let (here, there) = (dir.join("settings-a"), dir.join("settings-b"));
    let first = Store::start(dir, &["--settings", here.to_str().unwrap(), "--web-sign"]);
    let second = Store::start(dir, &["--settings", there.to_str().unwrap(), "--web-sign"]);
    let on_first = owner(dir, &first).await;
    let on_second = on_first.at(&second.url);

    let a = post_shop(&on_first, &[("name", "Ink Lab Downtown")]).await;
    assert_eq!(a.status, 303, "{}", a.body);
    let shows = |body: &str| body.contains("Ink Lab Downtown");
    assert!(shows(&on_first.get("/console/customers").await.body));
    let mut seen = false;
    for _ in 0..100 {
        if shows(&on_second.get("/console/customers").await.body) {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(seen, "the other process's pages show the saved name");
    let mut phone = Phone::new(dir, &second.url);
    assert_eq!(phone.open("").await, 200);
    assert!(phone.shows("Ink Lab Downtown"), "{}", phone.page);
    // Written into the other process's own directory: it starts with it again.
    let file = std::fs::read_to_string(there.join("shop.toml")).unwrap();
    assert!(file.contains("Ink Lab Downtown"), "{file}");
    drop(second);
    let second = Store::start(dir, &["--settings", there.to_str().unwrap()]);
    let again = on_first.at(&second.url).get("/console/customers").await;
    assert!(shows(&again.body), "{}", again.body);

    // A save made while a process is stopped is in force from its start.
    drop(second);
    let a = post_shop(&on_first, &[("name", "Ink Lab Uptown")]).await;
    assert_eq!(a.status, 303, "{}", a.body);
    let second = Store::start(dir, &["--settings", there.to_str().unwrap()]);
    let at_start = on_first.at(&second.url).get("/console/customers").await;
    assert!(
        at_start.body.contains("Ink Lab Uptown"),
        "{}",
        at_start.body
    );
    // A file edited by hand after the last save stays as edited.
    drop(second);
    let edited = std::fs::read_to_string(there.join("shop.toml"))
        .unwrap()
        .replace("Ink Lab Uptown", "Ink Lab Edited");
    std::fs::write(there.join("shop.toml"), edited).unwrap();
    let second = Store::start(dir, &["--settings", there.to_str().unwrap()]);
    let kept = on_first.at(&second.url).get("/console/customers").await;
    assert!(kept.body.contains("Ink Lab Edited"), "{}", kept.body);
}
