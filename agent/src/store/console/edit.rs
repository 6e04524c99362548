//! Adding and changing a customer with every profile field (each value checked as the
//! API checks it, each problem named beside its field and nothing stored until all are
//! right), and deleting one once confirmed.

use axum::extract::Path;
use axum::http::StatusCode;
use intake_common::customer::{Customer, Field, Profile};
use intake_common::{Op, customers};
use maud::{Markup, html};
use uuid::Uuid;

use super::super::error::{ApiError, ApiResult};
use super::customer::{act, parse_id};
use super::customers::list_name;
use super::words::Msg;
use super::{Page, Posted, Staff};

/// The add and edit form: every profile field, with what was typed and what is wrong.
struct Editing<'a> {
    /// `None` for a new customer.
    customer: Option<Uuid>,
    values: Vec<(Field, String)>,
    problems: Vec<(Field, String)>,
    /// Something wrong with the whole form.
    problem: Option<String>,
    staff: &'a Staff,
}

impl Editing<'_> {
    fn value(&self, f: Field) -> &str {
        self.values
            .iter()
            .find(|(g, _)| *g == f)
            .map_or("", |(_, v)| v.as_str())
    }

    fn problem(&self, f: Field) -> Option<&str> {
        self.problems
            .iter()
            .find(|(g, _)| *g == f)
            .map(|(_, p)| p.as_str())
    }

    fn page(&self, status: StatusCode) -> Page {
        let w = self.staff.words();
        let title = w.get(if self.customer.is_some() {
            Msg::EditCustomer
        } else {
            Msg::AddCustomer
        });
        let action = match self.customer {
            Some(id) => format!("/console/customers/{id}"),
            None => "/console/customers".to_string(),
        };
        let body = html! {
            h1 { (title) }
            @if !self.problems.is_empty() || self.problem.is_some() {
                div.error-summary role="alert" aria-labelledby="problems" {
                    h2 #problems { (w.get(Msg::FixThese)) }
                    ul {
                        @if let Some(p) = &self.problem { li { (p) } }
                        @for (f, p) in &self.problems {
                            li { a href={ "#f-" (f.column()) } { (w.get(Msg::field(*f))) ": " (p) } }
                        }
                    }
                }
            }
            form.edit method="post" action=(action) novalidate {
                input type="hidden" name="csrf" value=(self.staff.csrf);
                @for f in Field::ALL {
                    (self.control(f))
                }
                button type="submit" { (w.get(Msg::Save)) }
                a href=(self.customer.map_or_else(|| super::HOME.to_string(), |id| format!("/console/customers/{id}"))) { (w.get(Msg::Cancel)) }
            }
        };
        self.staff.page(status, &title, body)
    }

    fn control(&self, f: Field) -> Markup {
        let w = self.staff.words();
        let id = format!("f-{}", f.column());
        let problem = self.problem(f);
        let err_id = format!("{id}-error");
        let value = self.value(f);
        let choice = |options: [(&str, Msg); 2]| {
            html! {
                select id=(id) name=(f.column()) aria-invalid=[problem.map(|_| "true")]
                    aria-describedby=[problem.map(|_| err_id.as_str())] {
                    option value="" selected[value.is_empty()] { "—" }
                    @for (v, m) in options {
                        option value=(v) selected[value == v] { (w.get(m)) }
                    }
                }
            }
        };
        html! {
            div.field {
                label for=(id) { (w.get(Msg::field(f))) }
                @if let Some(p) = problem {
                    p.error id=(err_id) { (p) }
                }
                @match f {
                    Field::Status => (choice([("active", Msg::Active), ("inactive", Msg::Inactive)])),
                    Field::OptIn => (choice([("yes", Msg::Yes), ("no", Msg::No)])),
                    Field::Notes => {
                        textarea id=(id) name=(f.column()) rows="4" maxlength=(f.max_len())
                            aria-invalid=[problem.map(|_| "true")]
                            aria-describedby=[problem.map(|_| err_id.as_str())] { (value) }
                    }
                    _ => {
                        input id=(id) name=(f.column()) value=(value) maxlength=(f.max_len())
                            // The staff member types another person's details: nothing of their own.
                            type=(input_type(f)) autocomplete="off"
                            aria-invalid=[problem.map(|_| "true")]
                            aria-describedby=[problem.map(|_| err_id.as_str())];
                    }
                }
            }
        }
    }
}

fn input_type(f: Field) -> &'static str {
    match f {
        Field::Email => "email",
        Field::PhoneNumber => "tel",
        Field::Birthdate => "date",
        _ => "text",
    }
}

/// `GET /console/customers/new`.
pub async fn new(staff: Staff) -> Page {
    Editing {
        customer: None,
        values: vec![(Field::Status, "active".to_string())],
        problems: Vec::new(),
        problem: None,
        staff: &staff,
    }
    .page(StatusCode::OK)
}

/// `GET /console/customers/{id}/edit`.
pub async fn edit(staff: Staff, Path(id): Path<String>) -> Page {
    match load(&staff, &id).await {
        Ok(c) => Editing {
            customer: Some(c.id),
            values: c
                .profile
                .iter()
                .filter_map(|(f, v)| v.map(|v| (f, v.to_string())))
                .collect(),
            problems: Vec::new(),
            problem: None,
            staff: &staff,
        }
        .page(StatusCode::OK),
        Err(e) => staff.failed(e),
    }
}

async fn load(staff: &Staff, id: &str) -> ApiResult<Customer> {
    let id = parse_id(id)?;
    staff
        .state
        .pool
        .run(move |db| Ok(customers::get(db.conn(), id)?))
        .await
}

/// The posted fields: as typed, as they will be stored, and what is wrong with them.
struct Read {
    typed: Vec<(Field, String)>,
    parsed: Vec<(Field, Option<String>)>,
    problems: Vec<(Field, String)>,
}

/// Reads and checks every profile field of a post.
fn read_fields(posted: &Posted) -> Read {
    let region = posted.staff.state.region;
    let mut read = Read {
        typed: Vec::new(),
        parsed: Vec::new(),
        problems: Vec::new(),
    };
    for f in Field::ALL {
        let raw = posted.get(f.column()).to_string();
        match crate::fields::parse(f.column(), &raw, region) {
            Ok((_, value)) => read.parsed.push((f, value)),
            // The problem without the field's name: the page puts it beside its label.
            Err(e) => read.problems.push((
                f,
                e.split_once(": ").map_or(e.clone(), |(_, m)| m.to_string()),
            )),
        }
        read.typed.push((f, raw));
    }
    read
}

/// `POST /console/customers`: adds a customer.
pub async fn create(posted: Posted) -> Page {
    let Read {
        typed,
        parsed,
        problems,
    } = read_fields(&posted);
    let staff = &posted.staff;
    let mut profile = Profile::default();
    for (f, v) in parsed {
        profile.set(f, v);
    }
    let problem = (problems.is_empty() && !profile.is_identifiable())
        .then(|| staff.words().get(Msg::NeedsIdentity).into_owned());
    if !problems.is_empty() || problem.is_some() {
        return Editing {
            customer: None,
            values: typed,
            problems,
            problem,
            staff,
        }
        .page(StatusCode::UNPROCESSABLE_ENTITY);
    }
    let id = Uuid::now_v7();
    match act(
        staff,
        Op::CreateCustomer {
            customer: id,
            profile,
        },
    )
    .await
    {
        Ok(_) => Page::redirect(&format!("/console/customers/{id}")),
        Err(e) => staff.failed(e),
    }
}

/// `POST /console/customers/{id}`: changes what differs from what is stored.
pub async fn update(Path(id): Path<String>, posted: Posted) -> Page {
    let staff = &posted.staff;
    let stored = match load(staff, &id).await {
        Ok(c) => c,
        Err(e) => return staff.failed(e),
    };
    let Read {
        typed,
        parsed,
        problems,
    } = read_fields(&posted);
    let mut after = stored.profile.clone();
    let changes: std::collections::BTreeMap<Field, Option<String>> = parsed
        .into_iter()
        .filter(|(f, v)| stored.profile.get(*f) != v.as_deref())
        .collect();
    for (f, v) in &changes {
        after.set(*f, v.clone());
    }
    let problem = (problems.is_empty() && !after.is_identifiable())
        .then(|| staff.words().get(Msg::NeedsIdentity).into_owned());
    if !problems.is_empty() || problem.is_some() {
        return Editing {
            customer: Some(stored.id),
            values: typed,
            problems,
            problem,
            staff,
        }
        .page(StatusCode::UNPROCESSABLE_ENTITY);
    }
    if !changes.is_empty() {
        let op = Op::UpdateCustomer {
            customer: stored.id,
            changes,
        };
        if let Err(e) = act(staff, op).await {
            return staff.failed(e);
        }
    }
    Page::redirect(&format!("/console/customers/{}", stored.id))
}

/// `GET /console/customers/{id}/delete`: what deleting means, and the button.
pub async fn delete_page(staff: Staff, Path(id): Path<String>) -> Page {
    let c = match load(&staff, &id).await {
        Ok(c) => c,
        Err(e) => return staff.failed(e),
    };
    let w = staff.words();
    let name = list_name(&c, w);
    let title = w.with(Msg::DeleteTitle, &[("name", name.clone())]);
    let body = html! {
        h1 { (title) }
        p { (w.get(Msg::DeleteWarning)) }
        form method="post" action={ "/console/customers/" (c.id) "/delete" } {
            input type="hidden" name="csrf" value=(staff.csrf);
            div.check {
                input #confirm type="checkbox" name="confirm" value="yes" required;
                label for="confirm" { (w.with(Msg::DeleteConfirm, &[("name", name)])) }
            }
            button.danger type="submit" { (w.get(Msg::Delete)) }
            a href={ "/console/customers/" (c.id) } { (w.get(Msg::Cancel)) }
        }
    };
    staff.page(StatusCode::OK, &title, body)
}

/// `POST /console/customers/{id}/delete`: deletes the customer once confirmed.
pub async fn delete(Path(id): Path<String>, posted: Posted) -> Page {
    let confirmed = posted.get("confirm") == "yes";
    let staff = &posted.staff;
    let c = match load(staff, &id).await {
        Ok(c) => c,
        Err(e) => return staff.failed(e),
    };
    if !confirmed {
        return staff.failed(ApiError::bad(staff.words().get(Msg::DeleteUnconfirmed)));
    }
    match act(staff, Op::DeleteCustomer { customer: c.id }).await {
        Ok(_) => Page::redirect(super::HOME),
        Err(e) => staff.failed(e),
    }
}
