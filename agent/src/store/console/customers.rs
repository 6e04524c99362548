//! The customer list: search (name, e-mail, phone; case and accents ignored), sorted by
//! name or by when each was added, in either direction, a page at a time from an index
//! (`intake_common::browse`), with the columns each staff member chose.

use axum::extract::RawQuery;
use axum::http::StatusCode;
use intake_common::browse::{self, Ask, Sort};
use intake_common::customer::{Customer, Field};
use maud::{Markup, html};

use super::words::Msg;
use super::{Page, Posted, Staff, safe_next};

/// Customers on one page.
pub const PAGE_SIZE: u32 = 50;

/// The list as asked for in the query string.
#[derive(Debug, Default)]
struct Listing {
    q: String,
    sort: Sort,
    descending: bool,
    after: Option<String>,
    /// Only those who signed a release at this chain location.
    location: Option<String>,
}

impl Listing {
    fn parse(query: Option<&str>) -> Result<Self, String> {
        let mut l = Listing::default();
        for (name, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            match name.as_ref() {
                "q" => l.q = value.into_owned(),
                "sort" => l.sort = Sort::parse(&value).map_err(|e| e.to_string())?,
                "dir" => {
                    l.descending = match value.as_ref() {
                        "asc" => false,
                        "desc" => true,
                        other => return Err(format!("dir: {other:?} is not asc or desc")),
                    }
                }
                "after" if !value.is_empty() => l.after = Some(value.into_owned()),
                "location" if !value.is_empty() => {
                    let id = intake_common::sync::location_id(&value).map_err(|e| e.to_string())?;
                    l.location = Some(id.to_owned());
                }
                _ => {}
            }
        }
        Ok(l)
    }

    /// This list's address with `sort`, `descending` and `after` as given.
    fn href(&self, sort: Sort, descending: bool, after: Option<&str>) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        if !self.q.is_empty() {
            q.append_pair("q", &self.q);
        }
        if let Some(location) = &self.location {
            q.append_pair("location", location);
        }
        q.append_pair("sort", sort.code());
        q.append_pair("dir", if descending { "desc" } else { "asc" });
        if let Some(a) = after {
            q.append_pair("after", a);
        }
        format!("/console/customers?{}", q.finish())
    }
}

/// `GET /console/customers?q=&sort=name|added&dir=asc|desc&after=CURSOR`.
pub async fn list(staff: Staff, RawQuery(query): RawQuery) -> Page {
    let listing = match Listing::parse(query.as_deref()) {
        Ok(l) => l,
        Err(e) => return staff.failed(super::ApiError::bad(e)),
    };
    let actor = staff.actor.clone();
    let (q, sort, descending, after, location) = (
        listing.q.clone(),
        listing.sort,
        listing.descending,
        listing.after.clone(),
        listing.location.clone(),
    );
    let found = staff
        .state
        .pool
        .run(move |db| {
            let page = browse::page(
                db,
                &actor,
                &Ask {
                    text: &q,
                    sort,
                    descending,
                    after: after.as_deref(),
                    limit: PAGE_SIZE,
                    location: location.as_deref(),
                },
            )?;
            // The whole store's count only for the whole list: a search is not counted.
            let total = if q.trim().is_empty() && location.is_none() {
                Some(browse::total(db, &actor)?)
            } else {
                None
            };
            let columns = browse::columns(db, &actor.name)?;
            let locations = intake_common::sync::list_locations(db.conn(), &actor)?;
            Ok((page, total, columns, locations))
        })
        .await;
    let (page, total, columns, locations) = match found {
        Ok(f) => f,
        Err(e) => return staff.failed(e),
    };
    let w = staff.words();
    let title = w.get(Msg::Customers);
    let body = html! {
        h1 {
            (title)
            @if let Some(n) = total {
                " " span.count { (w.with(Msg::CustomerCount, &[("count", n.to_string())])) }
            }
        }
        div.toolbar {
            form.search method="get" action="/console/customers" role="search" {
                label for="q" { (w.get(Msg::SearchLabel)) }
                input #q type="search" name="q" value=(listing.q) maxlength="200"
                    autocomplete="off";
                input type="hidden" name="sort" value=(listing.sort.code());
                input type="hidden" name="dir" value=(if listing.descending { "desc" } else { "asc" });
                // A chain's locations: those who checked in at one.
                @if !locations.is_empty() {
                    label for="location" { (w.get(Msg::CheckedInAt)) }
                    select #location name="location" {
                        option value="" selected[listing.location.is_none()] { (w.get(Msg::AllLocations)) }
                        @for l in &locations {
                            option value=(l.location.id)
                                selected[listing.location.as_deref() == Some(l.location.id.as_str())] {
                                (l.location.name)
                            }
                        }
                    }
                }
                button type="submit" { (w.get(Msg::Search)) }
            }
            @if staff.may(intake_common::Permission::WriteCustomer) {
                a.button href="/console/customers/new" { (w.get(Msg::AddCustomer)) }
            }
        }
        @if page.customers.is_empty() {
            p.empty { (w.get(if listing.q.trim().is_empty() && listing.location.is_none() { Msg::NoCustomers } else { Msg::NoneFound })) }
        } @else {
            (table(&staff, &listing, &columns, &page.customers))
        }
        nav.pager aria-label=(w.get(Msg::Pages)) {
            @if listing.after.is_some() {
                a href=(listing.href(listing.sort, listing.descending, None)) { (w.get(Msg::FirstPage)) }
            }
            @if let Some(next) = &page.next {
                a rel="next" href=(listing.href(listing.sort, listing.descending, Some(next))) { (w.get(Msg::NextPage)) }
            }
        }
        (column_chooser(&staff, &columns))
    };
    staff.page(StatusCode::OK, &title, body)
}

/// The list's table: the name, then the chosen columns, then when added.
fn table(staff: &Staff, listing: &Listing, columns: &[Field], customers: &[Customer]) -> Markup {
    let w = staff.words();
    // A sortable heading: its link sorts by it, or turns the direction when it already does.
    let heading = |sort: Sort, name: Msg| {
        let current = listing.sort == sort;
        let descending = current && !listing.descending;
        let order = match (current, listing.descending) {
            (false, _) => None,
            (true, false) => Some("ascending"),
            (true, true) => Some("descending"),
        };
        html! {
            th scope="col" aria-sort=[order] {
                a href=(listing.href(sort, descending, None)) {
                    (w.get(name))
                    @if current {
                        span aria-hidden="true" { (if listing.descending { " ↓" } else { " ↑" }) }
                    }
                }
            }
        }
    };
    html! {
        div.table-wrap {
            table.customers {
                caption.visually-hidden { (w.get(Msg::Customers)) }
                thead {
                    tr {
                        (heading(Sort::Name, Msg::NameColumn))
                        @for f in columns {
                            th scope="col" { (w.get(Msg::field(*f))) }
                        }
                        (heading(Sort::Added, Msg::Added))
                    }
                }
                tbody {
                    @for c in customers {
                        tr {
                            th scope="row" {
                                a href={ "/console/customers/" (c.id) } { (list_name(c, w)) }
                            }
                            @for f in columns {
                                td { (shown_value(w, *f, c.profile.get(*f))) }
                            }
                            td { (c.created_at.format("%Y-%m-%d")) }
                        }
                    }
                }
            }
        }
    }
}

/// "Last, First Middle", or whatever identifies a customer without a name.
pub fn list_name(c: &Customer, w: super::Words<'_>) -> String {
    let p = &c.profile;
    let given: Vec<&str> = [Field::FirstName, Field::MiddleName]
        .iter()
        .filter_map(|f| p.get(*f))
        .collect();
    match (p.get(Field::LastName), given.is_empty()) {
        (Some(last), false) => format!("{last}, {}", given.join(" ")),
        (Some(last), true) => last.to_string(),
        (None, false) => given.join(" "),
        (None, true) => p
            .get(Field::Email)
            .or(p.get(Field::PhoneNumber))
            .map_or_else(|| w.get(Msg::Unnamed).into_owned(), str::to_string),
    }
}

/// A field's value as a person reads it: status and opt-in in words.
pub fn shown_value(w: super::Words<'_>, f: Field, value: Option<&str>) -> String {
    match (f, value) {
        (_, None) => String::new(),
        (Field::Status, Some("active")) => w.get(Msg::Active).into_owned(),
        (Field::Status, Some("inactive")) => w.get(Msg::Inactive).into_owned(),
        (Field::OptIn, Some("yes")) => w.get(Msg::Yes).into_owned(),
        (Field::OptIn, Some("no")) => w.get(Msg::No).into_owned(),
        (_, Some(v)) => v.to_string(),
    }
}

/// The fields a list may show as columns (the name is always there).
fn choosable() -> impl Iterator<Item = Field> {
    Field::ALL
        .into_iter()
        .filter(|f| !matches!(f, Field::FirstName | Field::LastName | Field::Notes))
}

fn column_chooser(staff: &Staff, columns: &[Field]) -> Markup {
    let w = staff.words();
    html! {
        details.columns {
            summary { (w.get(Msg::Columns)) }
            form method="post" action="/console/customers/columns" {
                input type="hidden" name="csrf" value=(staff.csrf);
                input type="hidden" name="next" value=(staff.here);
                fieldset {
                    legend { (w.get(Msg::ColumnsHint)) }
                    @for f in choosable() {
                        div.check {
                            input type="checkbox" name="column" value=(f.column())
                                id={ "col-" (f.column()) } checked[columns.contains(&f)];
                            label for={ "col-" (f.column()) } { (w.get(Msg::field(f))) }
                        }
                    }
                }
                button type="submit" { (w.get(Msg::SaveColumns)) }
            }
        }
    }
}

/// `POST /console/customers/columns`: keeps the columns chosen for this staff member.
pub async fn set_columns(posted: Posted) -> Page {
    let mut chosen = Vec::new();
    for name in posted.all("column") {
        match choosable().find(|f| f.column() == name) {
            Some(f) if !chosen.contains(&f) => chosen.push(f),
            Some(_) => {}
            None => {
                return posted.staff.failed(super::ApiError::bad(format!(
                    "column: {name:?} is not a column the list shows"
                )));
            }
        }
    }
    let next = safe_next(posted.get("next"));
    let staff = posted.staff;
    let actor = staff.actor.clone();
    match staff
        .state
        .pool
        .run(move |db| Ok(browse::set_columns(db, &actor, &chosen)?))
        .await
    {
        Ok(()) => Page::redirect(&next),
        Err(e) => staff.failed(e),
    }
}
