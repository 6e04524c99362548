//! The import's pages: the upload form, the mapping (each column of the file, its first
//! value, and the field it fills, changeable), the dry run's report beside the mapping,
//! the progress while it runs, and the report at the end.

use axum::http::StatusCode;
use intake_common::csvio::export::neutralise;
use intake_common::csvio::layout::{Skip, Target, target_name};
use intake_common::csvio::preset::Value;
use intake_common::csvio::{ImportReport, Layout, Preset};
use intake_common::customer::Field;
use maud::{Markup, html};
use uuid::Uuid;

use super::words::Msg;
use super::{Page, Staff};
use intake_common::uploads::State;

/// What the person picked beside the columns: the date order, and the layout to read the
/// file as (empty: recognised from its header). Both travel with every form.
#[derive(Clone, Copy)]
pub struct Picked<'a> {
    pub dates: &'a str,
    pub from: &'a str,
}

/// Problems shown on a page; the rest are in the downloadable report.
const SHOWN_PROBLEMS: usize = 100;

/// The word for where a job is.
pub fn state_word(state: State) -> Msg {
    match state {
        State::Ready | State::Receiving => Msg::ImportStateReady,
        State::Running => Msg::ImportStateRunning,
        State::Done => Msg::ImportStateDone,
    }
}

/// The layout a report was made with.
fn report_line(staff: &Staff, report: &ImportReport) -> String {
    layout_words(
        staff,
        &report.format,
        report.app.as_deref(),
        report.recognised,
    )
}

/// "From Square (Customer Directory export), recognised by its header", or the layout.
fn layout_words(staff: &Staff, format: &str, app: Option<&str>, recognised: bool) -> String {
    let w = staff.words();
    let (msg, arg) = match app {
        Some(app) if recognised => (Msg::ImportAppRecognised, ("app", app.to_string())),
        Some(app) => (Msg::ImportApp, ("app", app.to_string())),
        None => (Msg::ImportLayout, ("layout", format.to_string())),
    };
    w.with(msg, &[arg]).into_owned()
}

/// A small form to read the file as another app's export (or Intake's layout): for the
/// apps no header tells apart, and for a file recognised wrongly.
fn read_as(staff: &Staff, id: Uuid, from: &str) -> Markup {
    let w = staff.words();
    html! {
        form.inline method="get" action={ "/console/import/" (id) } {
            label for="from" { (w.get(Msg::ImportReadAs)) }
            select #from name="from" {
                option value="" selected[from.is_empty()] { (w.get(Msg::ImportReadAsHeader)) }
                option value="studio" selected[from == "studio"] { (w.get(Msg::ImportReadAsStudio)) }
                @for p in Preset::all() {
                    option value=(p.name) selected[from == p.name] { (p.app) }
                }
            }
            button.secondary type="submit" { (w.get(Msg::ImportReadAgain)) }
        }
    }
}

/// How a column is read, in the person's language, where its app writes it its own way.
fn how(layout: &Layout, i: usize) -> Vec<Msg> {
    let r = layout.readings[i];
    let mut said = Vec::new();
    if r.fallback {
        said.push(Msg::ImportHowFallback);
    }
    match r.value {
        Value::AsWritten => {}
        Value::Subscription => said.push(Msg::ImportHowSubscription),
        Value::Negated => said.push(Msg::ImportHowNegated),
        Value::CountryCodeFirst => said.push(Msg::ImportHowCountryCode),
        Value::MaybeNoYear => said.push(Msg::ImportHowNoYear),
        Value::DateTime => said.push(Msg::ImportHowDateTime),
    }
    said
}

/// Why a column is never imported, for the columns the form offers no choice for.
fn never(skip: Option<Skip>) -> Option<Msg> {
    skip.filter(|s| s.never()).map(|s| match s {
        Skip::History => Msg::ImportNeverHistory,
        Skip::Private => Msg::ImportNeverPrivate,
        _ => Msg::ImportNeverExportOnly,
    })
}

/// The layout a file is read as.
fn layout_line(staff: &Staff, layout: &Layout) -> String {
    layout_words(
        staff,
        &layout.format.to_string(),
        layout.format.preset().map(|p| p.app),
        layout.recognised,
    )
}

/// `GET /console/import`: the upload form and the staff member's uploads.
pub fn start(
    staff: &Staff,
    mine: &[(Uuid, String, Msg)],
    problem: Option<&str>,
    status: StatusCode,
) -> Page {
    let w = staff.words();
    let title = w.get(Msg::ImportTitle);
    let body = html! {
        h1 { (title) }
        p { (w.get(Msg::ImportHint)) }
        @if let Some(p) = problem {
            p.error role="alert" { (p) }
        }
        form method="post" action="/console/import" enctype="multipart/form-data" {
            // The token first: the store reads it before it writes any of the file.
            input type="hidden" name="csrf" value=(staff.csrf);
            label for="file" { (w.get(Msg::ImportFile)) }
            input #file type="file" name="file" required accept=".csv,.txt,.xlsx,.xls,.ods,text/csv";
            button type="submit" { (w.get(Msg::ImportUpload)) }
        }
        @if !mine.is_empty() {
            h2 { (w.get(Msg::ImportYours)) }
            ul {
                @for (id, name, state) in mine {
                    li { a href={ "/console/import/" (id) } { (name) } " · " (w.get(*state)) }
                }
            }
        }
    };
    staff.page(status, &title, body)
}

/// The form choosing each column's field, with the first row's values beside them.
fn mapping_form(
    staff: &Staff,
    id: Uuid,
    layout: &Layout,
    sample: &[String],
    chosen: &[Option<Target>],
    picked: Picked<'_>,
) -> Markup {
    let dates = picked.dates;
    let w = staff.words();
    let dates_options = [
        ("", Msg::DatesAuto),
        ("iso", Msg::DatesIso),
        ("mdy", Msg::DatesMdy),
        ("dmy", Msg::DatesDmy),
    ];
    html! {
        form method="post" action={ "/console/import/" (id) "/check" } {
            input type="hidden" name="csrf" value=(staff.csrf);
            input type="hidden" name="from" value=(picked.from);
            div.table-wrap {
                table.mapping {
                    caption { (w.get(Msg::ImportMapping)) }
                    thead { tr {
                        th scope="col" { (w.get(Msg::ImportColumn)) }
                        th scope="col" { (w.get(Msg::ImportSample)) }
                        th scope="col" { (w.get(Msg::ImportField)) }
                    } }
                    tbody {
                        @for (i, name) in layout.header.iter().enumerate() {
                            @let current = chosen.get(i).copied().flatten();
                            tr {
                                th scope="row" { label for={ "col-" (i) } { (name) } }
                                td { (sample.get(i).map_or("", String::as_str)) }
                                td {
                                    @if let Some(why) = never(layout.why[i]) {
                                        (w.get(why))
                                    } @else {
                                        select id={ "col-" (i) } name={ "col-" (i) } {
                                            option value="" selected[current.is_none()] { (w.get(Msg::ImportLeaveOut)) }
                                            option value=(target_name(Target::Note)) selected[current == Some(Target::Note)] { (w.get(Msg::ImportToNotes)) }
                                            option value=(target_name(Target::Name)) selected[current == Some(Target::Name)] { (w.get(Msg::ImportWholeName)) }
                                            @for f in Field::ALL {
                                                option value=(f.column()) selected[current == Some(Target::Field(f))] {
                                                    (w.get(Msg::field(f)))
                                                }
                                            }
                                            option value="Id" selected[current == Some(Target::Id)] { (w.get(Msg::ImportIdColumn)) }
                                        }
                                        @if current.is_some() && current == layout.targets[i] {
                                            @for m in how(layout, i) {
                                                span.meta { " " (w.get(m)) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            label for="dates" { (w.get(Msg::ImportDates)) }
            select #dates name="dates" {
                @for (v, m) in dates_options {
                    option value=(v) selected[dates == v] { (w.get(m)) }
                }
            }
            p.meta { (w.get(Msg::ImportCheckHint)) }
            button type="submit" { (w.get(Msg::ImportCheck)) }
        }
    }
}

/// The discard button, for an upload not imported.
fn discard(staff: &Staff, id: Uuid) -> Markup {
    let w = staff.words();
    html! {
        form method="post" action={ "/console/import/" (id) "/discard" } {
            input type="hidden" name="csrf" value=(staff.csrf);
            button.secondary type="submit" { (w.get(Msg::ImportDiscard)) }
        }
    }
}

/// The mapping page: what the file's header was read as, changeable.
#[allow(clippy::too_many_arguments)]
pub fn mapping(
    staff: &Staff,
    id: Uuid,
    name: &str,
    layout: &Layout,
    sample: &[String],
    chosen: &[Option<Target>],
    problem: Option<&str>,
    picked: Picked<'_>,
    status: StatusCode,
) -> Page {
    let w = staff.words();
    let title = w.get(Msg::ImportTitle);
    let body = html! {
        h1 { (title) }
        p { strong { (name) } " · " (layout_line(staff, layout)) }
        @if let Some(p) = problem {
            p.error role="alert" { (p) }
        }
        (read_as(staff, id, picked.from))
        (mapping_form(staff, id, layout, sample, chosen, picked))
        (discard(staff, id))
    };
    staff.page(status, &title, body)
}

/// A file the importer cannot read at all, and why.
pub fn unreadable(staff: &Staff, id: Uuid, name: &str, why: &str, from: &str) -> Page {
    let w = staff.words();
    let title = w.get(Msg::ImportUnreadable);
    let body = html! {
        h1 { (title) }
        p { strong { (name) } }
        p.error role="alert" { (why) }
        (read_as(staff, id, from))
        (discard(staff, id))
        p { a href="/console/import" { (w.get(Msg::ImportAnother)) } }
    };
    staff.page(StatusCode::UNPROCESSABLE_ENTITY, &title, body)
}

/// The counts and problems of a report.
fn summary(staff: &Staff, id: Uuid, report: &ImportReport) -> Markup {
    let w = staff.words();
    let counts = [
        (Msg::ImportCreated, report.created),
        (Msg::ImportUpdated, report.updated),
        (Msg::ImportUnchanged, report.unchanged),
        (Msg::ImportFailed, report.failed),
        (Msg::ImportSkipped, report.skipped),
    ];
    html! {
        dl.counts {
            @for (m, n) in counts {
                dt { (w.get(m)) }
                dd { (n) }
            }
            @if !report.ignored_columns.is_empty() {
                dt { (w.get(Msg::ImportIgnored)) }
                dd { (report.ignored_columns.join(", ")) }
            }
        }
        @if !report.errors.is_empty() {
            div.table-wrap {
                table {
                    caption { (w.get(Msg::ImportProblems)) }
                    thead { tr {
                        th scope="col" { (w.get(Msg::ImportLine)) }
                        th scope="col" { (w.get(Msg::ImportColumn)) }
                        th scope="col" { (w.get(Msg::ImportProblem)) }
                    } }
                    tbody {
                        @for e in report.errors.iter().take(SHOWN_PROBLEMS) {
                            tr { td { (e.line) } td { (e.column) } td { (e.message) } }
                        }
                    }
                }
            }
            @if report.errors.len() > SHOWN_PROBLEMS {
                p { (w.with(Msg::ImportMoreProblems, &[("count", (report.errors.len() - SHOWN_PROBLEMS).to_string())])) }
            }
        }
        @if !report.dry_run {
            p { a href={ "/console/import/" (id) "/report.csv" } { (w.get(Msg::ImportReportCsv)) } }
        }
    }
}

/// The dry run's report, the mapping it used (changeable, to check again), and the import.
#[allow(clippy::too_many_arguments)]
pub fn checked(
    staff: &Staff,
    id: Uuid,
    name: &str,
    layout: &Layout,
    sample: &[String],
    chosen: &[Option<Target>],
    picked: Picked<'_>,
    report: &ImportReport,
) -> Page {
    let w = staff.words();
    let title = w.get(Msg::ImportDryRunTitle);
    let body = html! {
        h1 { (title) }
        p { strong { (name) } " · " (report_line(staff, report)) }
        (summary(staff, id, report))
        form method="post" action={ "/console/import/" (id) "/run" } {
            input type="hidden" name="csrf" value=(staff.csrf);
            @for (i, t) in chosen.iter().enumerate() {
                input type="hidden" name={ "col-" (i) } value=(t.map_or("", target_name));
            }
            input type="hidden" name="dates" value=(picked.dates);
            input type="hidden" name="from" value=(picked.from);
            button type="submit" { (w.get(Msg::ImportNow)) }
        }
        h2 { (w.get(Msg::ImportChange)) }
        (mapping_form(staff, id, layout, sample, chosen, picked))
        (discard(staff, id))
    };
    staff.page(StatusCode::OK, &title, body)
}

/// The import running: how much of the file is read, the page reloading itself.
pub fn progress(staff: &Staff, id: Uuid, name: &str, read: u64, total: u64) -> Page {
    let w = staff.words();
    let title = w.get(Msg::ImportRunning);
    let percent = (read.saturating_mul(100) / total.max(1)).min(99);
    let body = html! {
        h1 { (title) }
        p { strong { (name) } }
        label for="progress" { (w.with(Msg::ImportProgress, &[("percent", percent.to_string())])) }
        progress #progress max="100" value=(percent) { (percent) "%" }
        p.meta { a href={ "/console/import/" (id) } { (w.get(Msg::ImportReload)) } }
    };
    staff.page_refreshing(StatusCode::OK, &title, body, 2)
}

/// The finished import's report (or why it stopped, nothing stored).
pub fn report(staff: &Staff, id: Uuid, name: &str, report: &Result<ImportReport, String>) -> Page {
    let w = staff.words();
    let (title, body) = match report {
        Ok(r) => {
            let title = w.get(Msg::ImportDoneTitle);
            (
                title.clone(),
                html! {
                    h1 { (title) }
                    p { strong { (name) } " · " (report_line(staff, r)) }
                    (summary(staff, id, r))
                    p { a href="/console/customers?sort=added&dir=desc" { (w.get(Msg::Customers)) } }
                    p { a href="/console/import" { (w.get(Msg::ImportAnother)) } }
                },
            )
        }
        Err(why) => {
            let title = w.get(Msg::ImportStopped);
            (
                title.clone(),
                html! {
                    h1 { (title) }
                    p { strong { (name) } }
                    p.error role="alert" { (why) }
                    p { a href="/console/import" { (w.get(Msg::ImportAnother)) } }
                },
            )
        }
    };
    staff.page(StatusCode::OK, &title, body)
}

/// A report as CSV: the counts, then each problem with its line and column, every cell
/// that came from the file neutralised as the export's are.
pub fn report_as_csv(report: &ImportReport) -> String {
    let mut out = csv::Writer::from_writer(Vec::new());
    let counts = [
        ("created", report.created),
        ("updated", report.updated),
        ("unchanged", report.unchanged),
        ("failed", report.failed),
        ("skipped", report.skipped),
    ];
    let _ = out.write_record(["line", "column", "problem"]);
    for (what, n) in counts {
        let _ = out.write_record(["", what, &n.to_string()]);
    }
    // Column names and messages hold the uploaded file's text: a spreadsheet must not run it.
    for c in &report.ignored_columns {
        let _ = out.write_record(["", &neutralise(c), "left out"]);
    }
    for e in &report.errors {
        let _ = out.write_record([
            e.line.to_string().as_str(),
            &neutralise(&e.column),
            &neutralise(&e.message),
        ]);
    }
    String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default()
}
