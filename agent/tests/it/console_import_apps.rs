//! Another app's export imported from the console: the app recognised by the header, each
//! column's field pre-selected as the app's export means it, history offered no choice,
//! the columns with no field going to the notes, and any column changeable before the
//! import (and a history column refused even when a forged form asks for it).

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use crate::console_import::{count, customers, finished, owner, preselected, uploaded};
use crate::support::{Store, add_owner, agent};

const SQUARE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/data/presets/square.csv"
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_square_export_is_recognised_mapped_and_changeable_in_the_console() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    add_owner(dir);
    let store = Store::start(dir, &[]);
    let c = owner(dir, &store).await;
    let page = uploaded(&c, &std::fs::read(SQUARE).unwrap()).await;

    let shown = c.get(&page).await;
    assert_eq!(shown.status, 200);
    assert!(
        shown
            .body
            .contains("From Square (Customer Directory export), recognised by its header"),
        "{}",
        shown.body
    );
    // History columns have no choice, only why; the others have one each.
    let fields = preselected(&shown.body);
    assert_eq!(fields.len(), 23 - 6, "{fields:?}");
    assert_eq!(
        shown
            .body
            .matches("History (visits, spend, counts): only profile information is imported.")
            .count(),
        6
    );
    let field = |fields: &[(String, String)], col: usize| {
        fields
            .iter()
            .find(|(n, _)| *n == format!("col-{col}"))
            .map(|(_, v)| v.clone())
    };
    assert_eq!(field(&fields, 1).as_deref(), Some("FirstName"));
    assert_eq!(
        field(&fields, 14).as_deref(),
        Some("+Notes"),
        "Square Customer ID"
    );
    assert_eq!(field(&fields, 19), None, "Lifetime Spend offers no choice");
    assert!(
        shown
            .body
            .contains("Subscribed or Unsubscribed, read as the opt-in.")
    );

    // Change two columns: the nickname left out, the company to the occupation.
    let mut chosen = fields.clone();
    for (name, value) in &mut chosen {
        match name.as_str() {
            "col-5" => value.clear(),
            "col-6" => *value = "Occupation".into(),
            _ => {}
        }
    }
    let form: Vec<(&str, &str)> = chosen
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let checked = c.post(&format!("{page}/check"), &form).await;
    assert_eq!(checked.status, 200, "{}", checked.body);
    assert!(
        checked.body.contains("From Square"),
        "the app's readings are kept"
    );
    assert_eq!(count(&checked.body, "New customers"), 4);
    assert!(customers(dir).is_empty(), "a dry run stores nothing");

    // A forged form sending a history column to a field is refused, nothing stored.
    let mut forged = form.clone();
    forged.push(("col-19", "Notes"));
    let refused = c.post(&format!("{page}/check"), &forged).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("Lifetime Spend&quot;: history: only profile information is imported"),
        "{}",
        refused.body
    );

    let run = c.post(&format!("{page}/run"), &form).await;
    assert_eq!(run.status, 303);
    let report = finished(&c, &page).await;
    assert_eq!(count(&report.body, "New customers"), 4, "{}", report.body);
    let stored = customers(dir);
    let owen = stored.iter().find(|c| c["FirstName"] == "Owen").unwrap();
    assert_eq!(owen["Occupation"], "Marsh & Daughters Ltd");
    assert!(owen["Company"].is_null());
    assert_eq!(owen["OptIn"], "no", "Unsubscribed, read the app's way");
    let ruby = stored.iter().find(|c| c["FirstName"] == "Ruby").unwrap();
    assert!(ruby["Nickname"].is_null(), "the nickname was left out");
    let notes = ruby["Notes"].as_str().unwrap();
    assert!(
        notes.contains("Square Customer ID: 8G2K7QWJ1S3Y5A9D"),
        "{notes}"
    );
    assert!(
        !notes.contains("1240"),
        "history went to the notes: {notes}"
    );

    // Intake's own export as a workbook comes back in unchanged: the spreadsheet is read
    // as its CSV would be.
    let xlsx = dir.join("customers.xlsx");
    agent(
        dir,
        &[
            "export",
            "--format",
            "xlsx",
            "--out",
            xlsx.to_str().unwrap(),
        ],
    );
    let page = uploaded(&c, &std::fs::read(&xlsx).unwrap()).await;
    let shown = c.get(&page).await;
    assert!(shown.body.contains("Layout: studio"), "{}", shown.body);
    let fields = preselected(&shown.body);
    let form: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let run = c.post(&format!("{page}/run"), &form).await;
    assert_eq!(run.status, 303);
    let report = finished(&c, &page).await;
    assert_eq!(count(&report.body, "New customers"), 0, "{}", report.body);
    assert_eq!(
        count(&report.body, "Already up to date"),
        4,
        "{}",
        report.body
    );
}

/// An app no header tells apart is picked by name on the page; two columns of one name are
/// each the person's own choice; a forged layout name is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_reads_a_file_as_the_app_picked_and_columns_by_their_place() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    add_owner(dir);
    let store = Store::start(dir, &[]);
    let c = owner(dir, &store).await;
    let file = "Client Name,Mobile,Email,Info,Info\nRosa Diaz,512-555-0166,rosa@example.com,not this,this\n";
    let page = uploaded(&c, file.as_bytes()).await;
    // Read as the studio layout, it is named unreadable, with the choice to read it otherwise.
    let shown = c.get(&page).await;
    assert_eq!(shown.status, 422, "{}", shown.body);
    assert!(shown.body.contains("Read the file as"), "{}", shown.body);
    assert!(
        shown.body.contains("<option value=\"booksy\">Booksy"),
        "{}",
        shown.body
    );
    let shown = c.get(&format!("{page}?from=booksy")).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert!(
        shown
            .body
            .contains("From Booksy (client file from Booksy's support)")
    );
    assert!(
        shown.body.contains("name=\"from\" value=\"booksy\""),
        "the forms carry it"
    );
    let mut fields = preselected(&shown.body);
    assert_eq!(fields[0].1, "+Name");
    // Leave the first Info out, keep the second in the notes.
    fields[3].1 = String::new();
    fields[4].1 = "+Notes".into();
    let mut form: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    form.push(("from", "booksy"));
    let run = c.post(&format!("{page}/run"), &form).await;
    assert_eq!(run.status, 303, "{}", run.body);
    let report = finished(&c, &page).await;
    assert_eq!(count(&report.body, "New customers"), 1, "{}", report.body);
    let stored = customers(dir);
    assert_eq!(stored[0]["FirstName"], "Rosa");
    assert_eq!(stored[0]["LastName"], "Diaz");
    assert_eq!(stored[0]["Notes"], "Info: this");

    let page = uploaded(&c, file.as_bytes()).await;
    assert_eq!(c.get(&format!("{page}?from=nosuchapp")).await.status, 400);
    assert_eq!(c.get(&format!("{page}?from=mapped")).await.status, 400);
}

/// The report downloaded as CSV never hands a spreadsheet a formula from the uploaded file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_csv_neutralises_the_file_s_formulas() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    add_owner(dir);
    let store = Store::start(dir, &[]);
    let c = owner(dir, &store).await;
    let file = "FirstName,LastName,PhoneNumber,Birthdate,=HYPERLINK(\"http://x\"),Email\n\
                Ada,Moss,,,1,ada@example.com\n\
                Bo,Kim,,,2,@SUM(1+1)\n";
    let page = uploaded(&c, file.as_bytes()).await;
    let shown = c.get(&page).await;
    let fields = preselected(&shown.body);
    let mut form: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    form.retain(|(n, _)| *n != "col-4");
    let run = c.post(&format!("{page}/run"), &form).await;
    assert_eq!(run.status, 303, "{}", run.body);
    finished(&c, &page).await;
    let csv = c.get(&format!("{page}/report.csv")).await;
    assert_eq!(csv.status, 200);
    let mut reader = csv::ReaderBuilder::new().from_reader(csv.body.as_bytes());
    let cells: Vec<String> = reader
        .records()
        .flat_map(|r| r.unwrap().iter().map(str::to_string).collect::<Vec<_>>())
        .collect();
    assert!(
        cells.iter().any(|c| c.starts_with("'=HYPERLINK")),
        "{cells:?}"
    );
    assert!(
        cells.iter().all(|c| !c.starts_with(['=', '+', '-', '@'])),
        "a formula reached the report: {cells:?}"
    );
}

/// Uploads sent at once cannot each pass the count of waiting uploads: the place is taken
/// before the file arrives, and given back when it does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn uploads_sent_at_once_wait_three_at_most() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    add_owner(dir);
    let store = Store::start(dir, &[]);
    let c = owner(dir, &store).await;
    let mut body = b"FirstName,LastName,PhoneNumber,Birthdate\n".to_vec();
    while body.len() < 6 << 20 {
        body.extend_from_slice(b"Ada,Moss,,\n");
    }
    let body = std::sync::Arc::new(body);
    let mut sends = tokio::task::JoinSet::new();
    for i in 0..8 {
        let (c, body) = (c.clone(), std::sync::Arc::clone(&body));
        sends.spawn(async move {
            c.try_upload("/console/import", &format!("{i}.csv"), &body, None)
                .await
        });
    }
    let answers = sends.join_all().await;
    // A refused upload may be answered before all of it is sent, closing the connection
    // under the rest: refused either way.
    let taken: Vec<_> = answers
        .iter()
        .filter_map(|a| a.as_ref().ok().filter(|a| a.status == 303))
        .collect();
    let refused = answers
        .iter()
        .filter(|a| a.as_ref().map_or(true, |a| a.status == 429))
        .count();
    assert_eq!((taken.len(), refused), (3, 5));
    let files = std::fs::read_dir(dir.join("uploads")).unwrap().count();
    assert_eq!(files, 3, "only the uploads taken are on disk");
    // A refused upload gave its place back: after one is discarded, one more fits.
    let page = taken[0].location().unwrap().to_string();
    assert_eq!(c.post(&format!("{page}/discard"), &[]).await.status, 303);
    assert_eq!(
        c.upload("/console/import", "again.csv", &body, None)
            .await
            .status,
        303
    );
}
