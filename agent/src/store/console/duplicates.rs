//! Likely duplicates: the groups a page at a time, straight from the listing's walk down its
//! index (`intake_common::duplicates::for_each_group`, the API's own), so the first page of
//! a million customers costs what the API's does. Each group is a table with its records
//! side by side and the fields that differ marked in words; with `merge:customer`, a form
//! to choose the record kept and the ones merged into it, and "not duplicates" per pair.
//! Merges and marks go through the same front door as the API's (`duplicates::merge`,
//! `duplicates::mark_not_duplicate`): checked, audited, announced by webhook, synced.

use axum::extract::RawQuery;
use axum::http::StatusCode;
use intake_common::customer::{Customer, Field};
use intake_common::duplicates::{self, Cursor, Group};
use intake_common::{Permission, customers};
use maud::{Markup, html};
use uuid::Uuid;

use super::super::error::{ApiError, ApiResult};
use super::customers::{list_name, shown_value};
use super::words::Msg;
use super::{Page, Posted, Staff};

/// Groups on one page.
pub const PAGE_SIZE: usize = 10;
/// Where the duplicates are.
const PATH: &str = "/console/duplicates";

/// What the last action did, said at the top of the page it comes back to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Done {
    Merged,
    NothingMerged,
    MarkedApart,
}

impl Done {
    const ALL: [Done; 3] = [Done::Merged, Done::NothingMerged, Done::MarkedApart];

    fn code(self) -> &'static str {
        match self {
            Done::Merged => "merged",
            Done::NothingMerged => "unchanged",
            Done::MarkedApart => "apart",
        }
    }

    fn message(self) -> Msg {
        match self {
            Done::Merged => Msg::Merged,
            Done::NothingMerged => Msg::NothingMerged,
            Done::MarkedApart => Msg::MarkedApart,
        }
    }
}

/// The page's address: the first page, or the one starting after `after`.
fn href(after: Option<&str>, done: Option<Done>) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    if let Some(a) = after {
        q.append_pair("after", a);
    }
    if let Some(d) = done {
        q.append_pair("done", d.code());
    }
    let q = q.finish();
    if q.is_empty() {
        PATH.to_string()
    } else {
        format!("{PATH}?{q}")
    }
}

/// A cursor as a form or a query string carries it: empty for the first page.
fn cursor(raw: &str) -> ApiResult<Option<Cursor>> {
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse()
        .map(Some)
        .map_err(|e| ApiError::bad(format!("after: {e}")))
}

/// `GET /console/duplicates?after=CURSOR`.
pub async fn duplicates(staff: Staff, RawQuery(query): RawQuery) -> Page {
    let (mut after, mut done) = (String::new(), None);
    for (name, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match name.as_ref() {
            "after" => after = value.into_owned(),
            "done" => done = Done::ALL.into_iter().find(|d| d.code() == value),
            _ => {}
        }
    }
    let from = match cursor(&after) {
        Ok(c) => c,
        Err(e) => return staff.failed(e),
    };
    let actor = staff.actor.clone();
    let listed = staff
        .state
        .pool
        .run(move |db| {
            let mut groups = Vec::new();
            let next =
                duplicates::for_each_group(db, &actor, from.as_ref(), Some(PAGE_SIZE), |g| {
                    groups.push(g);
                    Ok::<_, intake_common::Error>(())
                })?;
            Ok((groups, next))
        })
        .await;
    let (groups, next) = match listed {
        Ok(l) => l,
        Err(e) => return staff.failed(e),
    };
    let w = staff.words();
    let title = w.get(Msg::Duplicates);
    let may_merge = staff.may(Permission::MergeCustomer);
    let body = html! {
        h1 { (title) }
        @if let Some(d) = done {
            p.done role="status" { (w.get(d.message())) }
        }
        p { (w.get(Msg::DuplicatesIntro)) }
        @if may_merge {
            p { (w.get(Msg::DuplicatesHow)) }
        }
        @if groups.is_empty() {
            p.empty { (w.get(Msg::NoDuplicates)) }
        }
        @for (n, g) in groups.iter().enumerate() {
            (group(&staff, n, g, &after))
        }
        nav.pager aria-label=(w.get(Msg::Pages)) {
            @if !after.is_empty() {
                a href=(href(None, None)) { (w.get(Msg::FirstPage)) }
            }
            @if let Some(next) = &next {
                a rel="next" href=(href(Some(&next.to_string()), None)) { (w.get(Msg::NextPage)) }
            }
        }
    };
    staff.page(StatusCode::OK, &title, body)
}

/// Whether the records of a group do not all hold the same value of `f`.
fn differs(records: &[&Customer], f: Field) -> bool {
    let first = records.first().and_then(|c| c.profile.get(f));
    records.iter().any(|c| c.profile.get(f) != first)
}

/// One group: its records side by side, one column each and one row per field any of them
/// holds; with `merge:customer`, the form that merges it and the "not duplicates" buttons.
fn group(staff: &Staff, n: usize, g: &Group, after: &str) -> Markup {
    let w = staff.words();
    let records: Vec<&Customer> = std::iter::once(&g.target).chain(&g.duplicates).collect();
    let heading = w.with(
        Msg::GroupHeading,
        &[
            ("name", list_name(&g.target, w)),
            ("count", records.len().to_string()),
        ],
    );
    let id = |what: &str, i: usize| format!("g{n}-{what}-{}", i + 1);
    let record = |i: usize| w.with(Msg::Record, &[("n", (i + 1).to_string())]);
    let may_merge = staff.may(Permission::MergeCustomer);
    let table = html! {
        div.table-wrap {
            table.compare {
                caption.visually-hidden { (heading) }
                thead {
                    tr {
                        th scope="col" { (w.get(Msg::FieldColumn)) }
                        @for (i, c) in records.iter().enumerate() {
                            th scope="col" {
                                (record(i))
                                @if i == 0 { " · " (w.get(Msg::SuggestedKeep)) }
                                br;
                                a href={ "/console/customers/" (c.id) } { (list_name(c, w)) }
                            }
                        }
                    }
                }
                tbody {
                    @for f in Field::ALL.into_iter().filter(|f| records.iter().any(|c| c.profile.get(*f).is_some())) {
                        @let differ = differs(&records, f);
                        tr class=[differ.then_some("differs")] {
                            th scope="row" {
                                (w.get(Msg::field(f)))
                                @if differ { " " strong.differs { "(" (w.get(Msg::Differs)) ")" } }
                            }
                            @for c in &records {
                                td {
                                    @match c.profile.get(f) {
                                        Some(v) => { (shown_value(w, f, Some(v))) }
                                        None => { span.empty { (w.get(Msg::NotGiven)) } }
                                    }
                                }
                            }
                        }
                    }
                    tr {
                        th scope="row" { (w.get(Msg::Added)) }
                        @for c in &records {
                            td { (c.created_at.format("%Y-%m-%d %H:%M")) " UTC" }
                        }
                    }
                    @if may_merge {
                        tr.choose {
                            th scope="row" { (w.get(Msg::KeepOrMerge)) }
                            @for (i, c) in records.iter().enumerate() {
                                td {
                                    div.check {
                                        input type="radio" name="target" value=(c.id)
                                            id=(id("keep", i)) checked[i == 0];
                                        label for=(id("keep", i)) { (w.with(Msg::Keep, &[("n", (i + 1).to_string())])) }
                                    }
                                    div.check {
                                        input type="checkbox" name="merge" value=(c.id)
                                            id=(id("merge", i)) checked[i > 0];
                                        label for=(id("merge", i)) { (w.with(Msg::MergeRecord, &[("n", (i + 1).to_string())])) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    html! {
        section.group aria-labelledby={ "g" (n) } {
            h2 id={ "g" (n) } { (heading) }
            @if may_merge {
                form method="post" action={ (PATH) "/merge" } {
                    input type="hidden" name="csrf" value=(staff.csrf);
                    input type="hidden" name="after" value=(after);
                    (table)
                    button type="submit" { (w.get(Msg::MergeSelected)) }
                }
                @for (i, c) in records.iter().enumerate().skip(1) {
                    form.apart method="post" action={ (PATH) "/not-duplicate" } {
                        input type="hidden" name="csrf" value=(staff.csrf);
                        input type="hidden" name="after" value=(after);
                        input type="hidden" name="a" value=(g.target.id);
                        input type="hidden" name="b" value=(c.id);
                        button.secondary type="submit" {
                            (w.with(Msg::NotDuplicate, &[("a", "1".to_string()), ("b", (i + 1).to_string())]))
                        }
                    }
                }
            } @else {
                (table)
            }
        }
    }
}

/// A customer named in a form: the id given, and the customer it is now (a record merged
/// away names the one it was merged into). A value that is not an id, or one of no
/// customer, is named with its field.
async fn named(staff: &Staff, field: &'static str, raw: &str) -> ApiResult<(Uuid, Uuid)> {
    let id = Uuid::parse_str(raw.trim())
        .map_err(|_| ApiError::bad(format!("{field}: {raw:?} is not a customer's id")))?;
    staff
        .state
        .pool
        .run(move |db| match customers::get(db.conn(), id) {
            Ok(c) => Ok((id, c.id)),
            Err(intake_common::Error::CustomerNotFound(_)) => Err(ApiError::new(
                StatusCode::NOT_FOUND,
                format!("{field}: no customer with id {id}: nothing was changed"),
            )),
            Err(e) => Err(e.into()),
        })
        .await
}

/// `POST /console/duplicates/merge`: merges the ticked records into the one chosen to keep,
/// then back to the same page.
pub async fn merge(posted: Posted) -> Page {
    let staff = &posted.staff;
    let w = staff.words();
    let done = async {
        let after = cursor(posted.get("after"))?;
        let target = posted.get("target");
        if target.is_empty() {
            return Err(ApiError::bad(w.get(Msg::MergeNoTarget)));
        }
        let (_, target) = named(staff, "target", target).await?;
        let after = after.map(|c| c.to_string());
        let (mut merged, mut merged_already) = (Vec::new(), false);
        for raw in posted.all("merge") {
            let (given, id) = named(staff, "merge", raw).await?;
            // The record kept is never merged into itself, nor one named twice. A record
            // that is the kept one now was merged into it before: the form is a replay.
            if id == target {
                merged_already |= given != target;
            } else if !merged.contains(&id) {
                merged.push(id);
            }
        }
        if merged.is_empty() && merged_already {
            return Ok(href(after.as_deref(), Some(Done::NothingMerged)));
        }
        if merged.is_empty() {
            return Err(ApiError::bad(w.get(Msg::MergeNoneTicked)));
        }
        let actor = staff.actor.clone();
        let report = staff
            .state
            .pool
            .run(move |db| Ok(duplicates::merge(db, &actor, target, &merged)?))
            .await?;
        let done = if report.merged.is_empty() {
            Done::NothingMerged
        } else {
            Done::Merged
        };
        Ok(href(after.as_deref(), Some(done)))
    }
    .await;
    match done {
        Ok(to) => Page::redirect(&to),
        Err(e) => staff.failed(e),
    }
}

/// `POST /console/duplicates/not-duplicate`: marks two records as different people, then
/// back to the same page.
pub async fn not_duplicate(posted: Posted) -> Page {
    let staff = &posted.staff;
    let done = async {
        let after = cursor(posted.get("after"))?;
        let (_, a) = named(staff, "a", posted.get("a")).await?;
        let (_, b) = named(staff, "b", posted.get("b")).await?;
        if a == b {
            return Err(ApiError::bad(
                "b: the two records are one customer: nothing was changed",
            ));
        }
        let actor = staff.actor.clone();
        staff
            .state
            .pool
            .run(move |db| Ok(duplicates::mark_not_duplicate(db, &actor, a, b)?))
            .await?;
        Ok(href(
            after.map(|c| c.to_string()).as_deref(),
            Some(Done::MarkedApart),
        ))
    }
    .await;
    match done {
        Ok(to) => Page::redirect(&to),
        Err(e) => staff.failed(e),
    }
}
