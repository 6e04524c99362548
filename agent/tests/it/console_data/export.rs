//! The console's Export page: the columns chosen, CSV and Excel, read back against the
//! command line's and the API's exports and the audit log; what cannot be read, and roles
//! without export:customer, refused with nothing exported.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::io::Read as _;
use std::path::Path;

use intake_tests::console::{COOKIE_NAME, Console};
use serde_json::{Value, json};

use super::{audit, count, sample_shop, signed_in};
use crate::support::{OWNER, PIN, Store, agent, client, sign_in};

/// A download posted as the export form posts it; the answer's bytes as they came.
async fn download(
    dir: &Path,
    c: &Console,
    fields: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut body = form_urlencoded::Serializer::new(String::new());
    for (n, v) in fields {
        body.append_pair(n, v);
    }
    body.append_pair("csrf", &c.csrf().await);
    let cookie = format!("{COOKIE_NAME}={}", c.cookie.as_deref().unwrap());
    let resp = client(dir)
        .post(format!("{}/console/export", c.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", &c.url)
        .header("cookie", cookie)
        .body(body.finish())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, headers, resp.bytes().await.unwrap().to_vec())
}

fn header(headers: &reqwest::header::HeaderMap, name: &str) -> String {
    headers.get(name).unwrap().to_str().unwrap().to_string()
}

/// The text of a workbook's first sheet, its strings included wherever they are kept.
fn sheet_text(workbook: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(workbook)).unwrap();
    let mut text = String::new();
    for name in ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"] {
        if let Ok(mut part) = zip.by_name(name) {
            part.read_to_string(&mut text).unwrap();
        }
    }
    assert!(text.contains("<sheetData>"), "a worksheet: {text:.200}");
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_export_writes_the_columns_chosen_as_csv_or_a_workbook_audited() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    sample_shop(dir);
    let store = Store::start(dir, &[]);
    let owner = signed_in(dir, &store, OWNER, PIN).await;
    let total: usize = owner
        .get("/console/customers")
        .await
        .body
        .split_once("class=\"count\">(")
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(n, _)| n.parse().unwrap())
        .unwrap();

    // The form: every column of the export ticked, the medical one offered and not ticked.
    let form = owner.get("/console/export").await;
    assert_eq!(form.status, 200);
    assert!(
        form.body
            .contains("href=\"/console/export\" aria-current=\"page\"")
    );
    let columns = intake_common::csvio::export::column_names(true);
    let (medical, plain) = columns.split_last().unwrap();
    for name in plain {
        let ticked = format!("value=\"{name}\" id=\"col-{name}\" checked");
        assert!(form.body.contains(&ticked), "{name}");
    }
    assert!(
        form.body
            .contains(&format!("value=\"{medical}\" id=\"col-{medical}\">"))
    );

    // CSV of the columns chosen (asked in any order): exactly those, every customer, the
    // command line's own export.
    let (status, headers, body) = download(
        dir,
        &owner,
        &[
            ("format", "csv"),
            ("column", "Email"),
            ("column", "Id"),
            ("column", "FirstName"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(header(&headers, "content-type"), "text/csv; charset=utf-8");
    assert_eq!(
        header(&headers, "content-disposition"),
        "attachment; filename=\"customers.csv\""
    );
    assert_eq!(header(&headers, "cache-control"), "no-store");
    assert!(
        headers.get("content-length").is_none(),
        "streamed as it is made"
    );
    let csv = String::from_utf8(body).unwrap();
    assert!(csv.starts_with("Id,FirstName,Email\n"), "{csv:.100}");
    assert_eq!(csv.lines().count(), total + 1);
    assert_eq!(
        csv,
        agent(dir, &["export", "--columns", "Id,FirstName,Email"])
    );

    // Audited as the API's export is, the target named.
    let http = client(dir);
    let (token, _) = sign_in(&http, &store.url, OWNER, PIN).await;
    let resp = http
        .get(format!(
            "{}/v1/exports?columns=Id,FirstName,Email",
            store.url
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.text().await.unwrap(), csv);
    let exports: Vec<(String, String)> = audit(dir)
        .iter()
        .filter(|e| e["action"] == "customer.export")
        .map(|e| {
            (
                e["actor"].as_str().unwrap().to_string(),
                e["detail"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for target in ["the staff console", "an API client"] {
        let entry = (
            OWNER.to_string(),
            format!("export to {target}; columns: Id,FirstName,Email"),
        );
        assert!(exports.contains(&entry), "{exports:?}");
    }

    // The medical column, for a role that holds medical:customer: there, and each customer's
    // export of it audited.
    let id = csv
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_string();
    let resp = http
        .post(format!("{}/v1/customers/{id}/medical", store.url))
        .bearer_auth(&token)
        .json(&json!({ "kind": "allergy", "name": "Latex" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let (status, _, body) = download(
        dir,
        &owner,
        &[("format", "csv"), ("column", "Id"), ("column", medical)],
    )
    .await;
    assert_eq!(status, 200);
    let csv = String::from_utf8(body).unwrap();
    assert!(csv.starts_with("Id,MedicalConditions\n"));
    assert!(
        csv.contains(&format!("{id},allergy: Latex\n")),
        "{csv:.300}"
    );
    assert!(audit(dir).iter().any(|e| e["action"] == "medical.export"
        && e["actor"] == OWNER
        && e["customer_id"] == id.as_str()));

    // An Excel workbook: a zip of XML, the header and a customer's cell in its sheet, one
    // row per customer, and nothing left in the store's uploads.
    let (status, headers, body) = download(
        dir,
        &owner,
        &[
            ("format", "xlsx"),
            ("column", "Id"),
            ("column", "FirstName"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(
        header(&headers, "content-type"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert_eq!(
        header(&headers, "content-disposition"),
        "attachment; filename=\"customers.xlsx\""
    );
    assert!(body.starts_with(b"PK\x03\x04"));
    let sheet = sheet_text(&body);
    assert!(
        sheet.contains(">FirstName<") && sheet.contains(">Betty<"),
        "{sheet:.500}"
    );
    assert!(sheet.contains(&format!(">{id}<")));
    assert_eq!(sheet.matches("<row ").count(), total + 1);
    assert!(!sheet.contains("MedicalConditions") && !sheet.contains(">Email<"));
    let uploads = dir.join("uploads");
    let left = std::fs::read_dir(&uploads).map_or(0, |d| d.count());
    assert_eq!(left, 0, "the workbook was removed once sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_export_refuses_what_it_cannot_read_and_roles_without_the_permission() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    sample_shop(dir);
    let store = Store::start(dir, &[]);
    let owner = signed_in(dir, &store, OWNER, PIN).await;
    let exports = |log: &[Value]| count(log, "customer.export");
    let before = exports(&audit(dir));

    for (fields, names) in [
        (vec![("format", "pdf"), ("column", "Id")], "format: "),
        (vec![("column", "Id")], "format: "),
        (vec![("format", "csv")], "column: "),
        (vec![("format", "csv"), ("column", "pin_hash")], "column: "),
        (
            vec![("format", "csv"), ("column", "Id"), ("column", "id")],
            "column: ",
        ),
    ] {
        let a = owner.post("/console/export", &fields).await;
        assert_eq!(a.status, 400, "{fields:?}: {}", a.body);
        assert!(a.body.contains(names), "{fields:?}: {}", a.body);
        assert!(a.body.contains("Nothing was exported") || a.body.contains("nothing was exported"));
    }
    let big = "Id,".repeat(2 << 10);
    let a = owner
        .post("/console/export", &[("format", "csv"), ("column", &big)])
        .await;
    assert_eq!(a.status, 413);
    let other = signed_in(dir, &store, OWNER, PIN).await;
    let theirs = other.csrf().await;
    let a = owner
        .post(
            "/console/export",
            &[("format", "csv"), ("column", "Id"), ("csrf", &theirs)],
        )
        .await;
    assert_eq!(a.status, 403);
    assert_eq!(exports(&audit(dir)), before, "nothing was exported");

    // Front desk: no link to the export, the page and the download refused with a page.
    let fran = signed_in(dir, &store, "fran", "975310").await;
    let page = fran.get("/console/customers").await.body;
    assert!(page.contains("href=\"/console/duplicates\""));
    assert!(!page.contains("/console/export"));
    let a = fran.get("/console/export").await;
    assert_eq!(a.status, 403);
    assert!(a.body.contains("export:customer"));
    let a = fran
        .post("/console/export", &[("format", "csv"), ("column", "Id")])
        .await;
    assert_eq!(a.status, 403);
    let a = fran
        .post(
            "/console/export",
            &[("format", "csv"), ("column", "MedicalConditions")],
        )
        .await;
    assert_eq!(a.status, 403);
    assert_eq!(exports(&audit(dir)), before);
    assert!(
        !audit(dir)
            .iter()
            .any(|e| e["actor"] == "fran" && e["action"].as_str().unwrap().ends_with(".export"))
    );
}
