//! The audit log, newest first, a page at a time from where the last page ended (a keyset
//! cursor on the log's sequence number), narrowed by who acted, the customer, the action
//! and the days (UTC). `manage:users`, as `intake-agent audit`; the read is
//! `intake_common::audit::page`, which checks the permission and refuses a cursor it did
//! not give out.

use axum::extract::RawQuery;
use axum::http::StatusCode;
use chrono::NaiveDate;
use intake_common::audit::{self, Entry, Filter};
use intake_common::users;
use maud::{Markup, html};
use uuid::Uuid;

use super::form::{Input, Problems};
use super::words::{Msg, Words};
use super::{Page, Staff};

/// Entries on one page.
pub const PAGE_SIZE: u32 = 50;
/// Where the log is.
const AUDIT: &str = "/console/audit";

/// The query string as typed, to put back in the form and the page links.
#[derive(Debug, Default)]
struct Asked {
    user: String,
    customer: String,
    action: String,
    from: String,
    to: String,
    after: String,
}

impl Asked {
    fn parse(query: Option<&str>) -> Self {
        let mut a = Asked::default();
        for (name, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            // Nothing longer than any filter can match is kept, even to show it again.
            let value: String = value.trim().chars().take(300).collect();
            match name.as_ref() {
                "user" => a.user = value,
                "customer" => a.customer = value,
                "action" => a.action = value,
                "from" => a.from = value,
                "to" => a.to = value,
                "after" => a.after = value,
                _ => {}
            }
        }
        a
    }

    /// The filter and cursor asked for, or each problem beside its field.
    fn read(&self, w: Words<'_>) -> Result<(Filter, Option<i64>), Problems> {
        let mut problems = Problems::default();
        let text = |v: &str| Some(v.to_string()).filter(|v| !v.is_empty());
        let customer = match self.customer.as_str() {
            "" => None,
            raw => match Uuid::parse_str(raw) {
                Ok(id) => Some(id),
                Err(_) => {
                    problems.add(
                        "customer",
                        w.get(Msg::CustomerId),
                        w.with(Msg::NotACustomerId, &[("value", raw.to_string())]),
                    );
                    None
                }
            },
        };
        let mut date = |id: &'static str, label: Msg, raw: &str| match raw {
            "" => None,
            raw => match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
                Ok(d) if raw.len() == 10 => Some(d),
                _ => {
                    problems.add(
                        id,
                        w.get(label),
                        w.with(Msg::NotADate, &[("value", raw.to_string())]),
                    );
                    None
                }
            },
        };
        let from = date("from", Msg::FromDay, &self.from);
        let to = date("to", Msg::ToDay, &self.to);
        let after = match self.after.as_str() {
            "" => None,
            raw => match raw.parse::<i64>() {
                Ok(n) if n > 0 => Some(n),
                _ => {
                    problems.general(w.get(Msg::NotAPosition));
                    None
                }
            },
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok((
            Filter {
                actor: text(&self.user),
                customer,
                action: text(&self.action),
                from,
                to,
            },
            after,
        ))
    }

    /// This list's address, starting after `after`.
    fn href(&self, after: Option<i64>) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("user", &self.user),
            ("customer", &self.customer),
            ("action", &self.action),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if !value.is_empty() {
                q.append_pair(name, value);
            }
        }
        if let Some(a) = after {
            q.append_pair("after", &a.to_string());
        }
        let q = q.finish();
        if q.is_empty() {
            AUDIT.to_string()
        } else {
            format!("{AUDIT}?{q}")
        }
    }
}

/// What the page shows under the filters.
struct Found {
    entries: Vec<Entry>,
    next: Option<i64>,
}

/// `GET /console/audit?user=&customer=&action=&from=&to=&after=`.
pub async fn log(staff: Staff, RawQuery(query): RawQuery) -> Page {
    let asked = Asked::parse(query.as_deref());
    let w = staff.words();
    let read = asked.read(w);
    let actor = staff.actor.clone();
    let wanted = read.as_ref().ok().cloned();
    let loaded = staff
        .state
        .pool
        .run(move |db| {
            let actions = audit::actions(db.conn(), &actor)?;
            let names: Vec<String> = users::list(db.conn())?
                .into_iter()
                .map(|u| u.name)
                .collect();
            let found = wanted
                .map(|(filter, after)| audit::page(db.conn(), &actor, &filter, after, PAGE_SIZE));
            Ok((actions, names, found))
        })
        .await;
    let (actions, names, found) = match loaded {
        Ok(l) => l,
        Err(e) => return staff.failed(e),
    };
    let (found, problems) = match (read, found) {
        (Err(problems), _) => (None, problems),
        (Ok(_), Some(Ok(page))) => (
            Some(Found {
                entries: page.entries,
                next: page.next,
            }),
            Problems::default(),
        ),
        // A cursor or a filter the log refuses: named, as the form's own problems are.
        (Ok(_), Some(Err(intake_common::Error::Invalid(m)))) => {
            let mut p = Problems::default();
            p.general(m);
            (None, p)
        }
        (Ok(_), Some(Err(e))) => return staff.failed(e.into()),
        (Ok(_), None) => (None, Problems::default()),
    };
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let title = w.get(Msg::AuditLog);
    let body = html! {
        h1 { (title) }
        (problems.summary(w))
        (filters(&staff, &asked, &problems, &actions, &names))
        @if let Some(found) = &found {
            @if found.entries.is_empty() {
                p.empty { (w.get(Msg::NoEntries)) }
            } @else {
                (table(w, &found.entries))
            }
            nav.pager aria-label=(w.get(Msg::Pages)) {
                @if !asked.after.is_empty() {
                    a href=(asked.href(None)) { (w.get(Msg::FirstPage)) }
                }
                @if let Some(next) = found.next {
                    a rel="next" href=(asked.href(Some(next))) { (w.get(Msg::NextPage)) }
                }
            }
        }
    };
    staff.page(status, &title, body)
}

/// The filter form: a GET, so a filtered page is an address to keep or send.
fn filters(
    staff: &Staff,
    asked: &Asked,
    problems: &Problems,
    actions: &[String],
    names: &[String],
) -> Markup {
    let w = staff.words();
    let input = |id: &'static str, label: Msg, kind: &'static str, value: &str| {
        Input {
            id,
            name: id,
            label: w.get(label).into_owned(),
            kind,
            value,
            maxlength: 200,
            hint: None,
            digits: false,
            autocomplete: "off",
            required: false,
        }
        .render(problems)
    };
    html! {
        form.filters method="get" action=(AUDIT) role="search" aria-label=(w.get(Msg::Filter)) {
            div.field {
                label for="user" { (w.get(Msg::Who)) }
                input #user name="user" type="text" value=(asked.user) maxlength="200"
                    autocomplete="off" list="user-names";
                datalist #user-names {
                    @for n in names { option value=(n) {} }
                }
            }
            (input("customer", Msg::CustomerId, "text", &asked.customer))
            div.field {
                label for="action" { (w.get(Msg::Action)) }
                select #action name="action" {
                    option value="" selected[asked.action.is_empty()] { (w.get(Msg::AnyAction)) }
                    // An action typed into the address that the log does not hold stays chosen.
                    @if !asked.action.is_empty() && !actions.contains(&asked.action) {
                        option value=(asked.action) selected { (asked.action) }
                    }
                    @for a in actions {
                        option value=(a) selected[*a == asked.action] { (a) }
                    }
                }
            }
            (input("from", Msg::FromDay, "date", &asked.from))
            (input("to", Msg::ToDay, "date", &asked.to))
            div.buttons {
                button type="submit" { (w.get(Msg::Filter)) }
                a href=(AUDIT) { (w.get(Msg::ClearFilters)) }
            }
        }
    }
}

fn table(w: Words<'_>, entries: &[Entry]) -> Markup {
    html! {
        div.table-wrap {
            table.audit {
                caption.visually-hidden { (w.get(Msg::AuditLog)) }
                thead { tr {
                    th scope="col" { (w.get(Msg::WhenUtc)) }
                    th scope="col" { (w.get(Msg::Who)) }
                    th scope="col" { (w.get(Msg::Action)) }
                    th scope="col" { (w.get(Msg::CustomerId)) }
                    th scope="col" { (w.get(Msg::Detail)) }
                } }
                tbody {
                    @for e in entries {
                        tr data-seq=(e.seq) {
                            th scope="row" { (when(&e.at)) }
                            td { (e.actor) }
                            td { (e.action) }
                            td {
                                @if let Some(c) = e.customer_id {
                                    a.id href={ "/console/customers/" (c) } { (c) }
                                }
                            }
                            td { (e.detail) }
                        }
                    }
                }
            }
        }
    }
}

/// When an entry was made, to the second (UTC).
fn when(at: &str) -> String {
    intake_common::time::parse(at).map_or_else(
        || at.to_string(),
        |t| t.format("%Y-%m-%d %H:%M:%S").to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_keeps_the_filters_and_moves_the_cursor() {
        let asked = Asked::parse(Some("user=ari&action=user.add&after=9&junk=1"));
        assert_eq!(asked.user, "ari");
        assert_eq!(
            asked.href(Some(4)),
            "/console/audit?user=ari&action=user.add&after=4"
        );
        assert_eq!(Asked::default().href(None), "/console/audit");
    }
}
