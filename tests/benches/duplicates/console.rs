//! The console's customer list on the same million customers: the first page by name, a
//! page 10,000 customers in (reached by its `next` links, as a person paging would), the
//! duplicates page, and searches, each beside what the sqlite3 shell takes for the same page by `OFFSET` and the
//! same search by `LIKE`, the way a person with the database file would ask.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use intake_tests::console::Console;

use super::{BenchResult, PIN, median};

/// One row of figures: what, Intake's median, the shell's median.
pub type Row = (String, Duration, Option<Duration>);

/// The pages timed against a store already running at `url` (its data in `data`).
pub async fn pages(
    url: &str,
    data: &Path,
    sqlite: Option<&Path>,
    runs: usize,
) -> BenchResult<Vec<Row>> {
    let mut console = Console::new(data, url);
    let signed = console.sign_in("bench", PIN).await;
    if signed.status != 303 {
        return Err(format!("the console's sign-in answered {}", signed.status).into());
    }
    let timed = |path: String| {
        let console = console.clone();
        async move {
            let mut times = Vec::new();
            let mut body = String::new();
            for _ in 0..runs {
                let t = Instant::now();
                let a = console.get(&path).await;
                times.push(t.elapsed());
                if a.status != 200 {
                    return Err(format!("{path} answered {}", a.status).into());
                }
                body = a.body;
            }
            Ok::<_, Box<dyn std::error::Error>>((median(&mut times), body))
        }
    };
    let mut rows = Vec::new();
    let (first, page) = timed("/console/customers".into()).await?;
    let shell = |sql: String| shell(sqlite, data, &sql, runs);
    let columns = "first_name, last_name, phone, email, birthdate, city, status, created_at";
    rows.push((
        "customer list, first page (50, by name)".into(),
        first,
        shell(format!(
            "SELECT {columns} FROM customers ORDER BY last_name COLLATE NOCASE, first_name COLLATE NOCASE LIMIT 50"
        ))?,
    ));
    // 200 pages in by the pages' own `next` links.
    let mut next = next_link(&page).ok_or("no next page")?;
    for _ in 0..199 {
        let a = console.get(&next).await;
        next = next_link(&a.body).ok_or("the list ended early")?;
    }
    let (deep, _) = timed(next).await?;
    rows.push((
        "… the page 10,000 customers in".into(),
        deep,
        shell(format!(
            "SELECT {columns} FROM customers ORDER BY last_name COLLATE NOCASE, first_name COLLATE NOCASE LIMIT 50 OFFSET 10000"
        ))?,
    ));
    let (groups, page) = timed("/console/duplicates".into()).await?;
    if !page.contains("records") {
        return Err("the duplicates page showed no group".into());
    }
    rows.push((
        "console duplicates page, the first groups".into(),
        groups,
        None,
    ));
    let (common, _) = timed("/console/customers?q=garcia".into()).await?;
    rows.push((
        "search \"garcia\" (one in 39 match), first page".into(),
        common,
        shell(format!(
            "SELECT {columns} FROM customers WHERE first_name LIKE '%garcia%' OR last_name LIKE '%garcia%' OR email LIKE '%garcia%' ORDER BY last_name, first_name LIMIT 50"
        ))?,
    ));
    let (rare, found) = timed("/console/customers?q=.999999%40example".into()).await?;
    if !found.contains(".999999@example.com") {
        return Err("the rare search did not find its customer".into());
    }
    rows.push((
        "search one e-mail (one match in the whole list)".into(),
        rare,
        shell(format!(
            "SELECT {columns} FROM customers WHERE first_name LIKE '%.999999@example%' OR last_name LIKE '%.999999@example%' OR email LIKE '%.999999@example%' ORDER BY last_name, first_name LIMIT 50"
        ))?,
    ));
    Ok(rows)
}

fn next_link(page: &str) -> Option<String> {
    let at = page.find("rel=\"next\" href=\"")?;
    let rest = &page[at + 17..];
    Some(rest.split('"').next()?.replace("&amp;", "&"))
}

/// The shell's median time for `sql` on the store's file (read-only), if it is installed.
fn shell(
    sqlite: Option<&Path>,
    data: &Path,
    sql: &str,
    runs: usize,
) -> BenchResult<Option<Duration>> {
    let Some(sqlite3) = sqlite else {
        return Ok(None);
    };
    let mut times = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let out = Command::new(sqlite3)
            .arg("-readonly")
            .arg(data.join("intake.db"))
            .arg(sql)
            .output()?;
        times.push(t.elapsed());
        if !out.status.success() {
            return Err(format!("sqlite3 failed: {}", String::from_utf8_lossy(&out.stderr)).into());
        }
    }
    Ok(Some(median(&mut times)))
}
