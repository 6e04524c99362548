//! The staff: everyone who may sign in, with their role, whether they are disabled or
//! locked out by wrong PINs, and when each last signed in; and adding someone with a PIN
//! typed twice. The rules are the command line's (`intake-agent user add`): they live in
//! `intake_common::users`, which checks the permission, the name, the role and the PIN's
//! length for the role, and audits the change.

use axum::http::StatusCode;
use intake_common::users::{self, UserStatus, min_pin_digits, pin::MAX_PIN_DIGITS};
use intake_common::{Error, Permission, Role};
use maud::{Markup, html};

use super::super::error::ApiResult;
use super::customer::short_time;
use super::form::{Input, Problems, without_field};
use super::words::{Msg, Words};
use super::{Page, Posted, Staff};

/// Where the staff pages are.
pub const STAFF: &str = "/console/staff";

/// Every user, by name, once `staff` is known to hold `manage:users`.
pub(super) async fn everyone(staff: &Staff) -> ApiResult<Vec<UserStatus>> {
    let actor = staff.actor.clone();
    staff
        .state
        .pool
        .run(move |db| {
            actor.require(Permission::ManageUsers)?;
            Ok(users::list(db.conn())?)
        })
        .await
}

/// The hint under a PIN field: how many digits each role's PIN has.
pub(super) fn pin_hint(w: Words<'_>) -> String {
    w.with(
        Msg::PinRule,
        &[
            ("short", min_pin_digits(Role::FrontDesk).to_string()),
            ("long", min_pin_digits(Role::Owner).to_string()),
            ("most", MAX_PIN_DIGITS.to_string()),
        ],
    )
    .into_owned()
}

/// A staff role's choices, `current` selected.
pub(super) fn role_options(w: Words<'_>, current: &str) -> Markup {
    html! {
        @for role in Role::STAFF {
            option value=(role.name()) selected[role.name() == current] { (w.get(Msg::role(role))) }
        }
    }
}

/// What the add form holds after a post that did not add anyone.
#[derive(Default)]
struct Adding {
    name: String,
    role: String,
    problems: Problems,
}

/// `GET /console/staff`.
pub async fn list(staff: Staff) -> Page {
    match everyone(&staff).await {
        Ok(all) => page(&staff, &all, &Adding::default(), StatusCode::OK),
        Err(e) => staff.failed(e),
    }
}

fn page(staff: &Staff, all: &[UserStatus], adding: &Adding, status: StatusCode) -> Page {
    let w = staff.words();
    let title = w.get(Msg::Staff);
    let body = html! {
        h1 { (title) }
        (adding.problems.summary(w))
        div.table-wrap {
            table {
                caption.visually-hidden { (title) }
                thead { tr {
                    th scope="col" { (w.get(Msg::Name)) }
                    th scope="col" { (w.get(Msg::Role)) }
                    th scope="col" { (w.get(Msg::Access)) }
                    th scope="col" { (w.get(Msg::SignInLock)) }
                    th scope="col" { (w.get(Msg::LastSignIn)) }
                } }
                tbody {
                    @for u in all {
                        tr {
                            th scope="row" { a href={ (STAFF) "/" (u.id) } { (u.name) } }
                            td { (w.get(Msg::role(u.role))) }
                            td { (w.get(if u.disabled { Msg::Disabled } else { Msg::Enabled })) }
                            td { (lock(w, u)) }
                            td { (u.last_sign_in_at.as_deref().map_or_else(|| w.get(Msg::Never).into_owned(), short_time)) }
                        }
                    }
                }
            }
        }
        section aria-labelledby="add-user" {
            h2 #add-user { (w.get(Msg::AddUser)) }
            form.edit method="post" action=(STAFF) novalidate {
                input type="hidden" name="csrf" value=(staff.csrf);
                (Input {
                    id: "name", name: "name", label: w.get(Msg::Name).into_owned(), kind: "text",
                    value: &adding.name, maxlength: 64, hint: None, digits: false,
                    autocomplete: "off", required: true,
                }.render(&adding.problems))
                div.field {
                    label for="role" { (w.get(Msg::Role)) }
                    @if let Some(p) = adding.problems.at("role") {
                        p.error #role-error { (p) }
                    }
                    select #role name="role" aria-invalid=[adding.problems.at("role").map(|_| "true")]
                        aria-describedby=[adding.problems.at("role").map(|_| "role-error")] {
                        (role_options(w, if adding.role.is_empty() { Role::FrontDesk.name() } else { &adding.role }))
                    }
                }
                (pin_inputs(w, &adding.problems, None))
                button type="submit" { (w.get(Msg::AddUser)) }
            }
        }
    };
    staff.page(status, &title, body)
}

/// A PIN typed twice (`pin`, `pin-again`), with the rule as a hint (or `hint` instead).
pub(super) fn pin_inputs(w: Words<'_>, problems: &Problems, hint: Option<String>) -> Markup {
    html! {
        (Input {
            id: "pin", name: "pin", label: w.get(Msg::NewPin).into_owned(), kind: "password",
            value: "", maxlength: MAX_PIN_DIGITS, hint: Some(hint.unwrap_or_else(|| pin_hint(w))),
            digits: true, autocomplete: "new-password", required: true,
        }.render(problems))
        (Input {
            id: "pin-again", name: "pin-again", label: w.get(Msg::PinAgain).into_owned(),
            kind: "password", value: "", maxlength: MAX_PIN_DIGITS, hint: None, digits: true,
            autocomplete: "new-password", required: true,
        }.render(problems))
    }
}

/// "Locked until ...", "N wrong PINs", or a dash.
fn lock(w: Words<'_>, u: &UserStatus) -> String {
    match (&u.locked_until, u.failures) {
        (Some(until), _) => w
            .with(Msg::LockedUntil, &[("until", short_time(until))])
            .into_owned(),
        (None, 0) => "—".to_string(),
        (None, n) => w
            .with(Msg::WrongPins, &[("count", n.to_string())])
            .into_owned(),
    }
}

/// The two PINs of a form, checked to be the same: the PIN, or the problem noted.
pub(super) fn typed_pin(posted: &Posted, problems: &mut Problems) -> String {
    let w = posted.staff.words();
    // A PIN is taken as typed: spaces are not trimmed into a different PIN.
    let raw = |name: &str| {
        posted
            .fields
            .iter()
            .find(|(n, _)| n == name)
            .map_or(String::new(), |(_, v)| v.clone())
    };
    let (pin, again) = (raw("pin"), raw("pin-again"));
    if pin.is_empty() {
        problems.add("pin", w.get(Msg::NewPin), w.get(Msg::PinMissing));
    } else if pin != again {
        problems.add("pin-again", w.get(Msg::PinAgain), w.get(Msg::PinsDiffer));
    }
    pin
}

/// Files a refusal from `intake_common` beside the field it names (a PIN's beside the
/// control `pin_id`), or as the form's.
pub(super) fn file_problem(w: Words<'_>, e: &Error, pin_id: &'static str, problems: &mut Problems) {
    let message = e.to_string();
    let lower = message.to_ascii_lowercase();
    if lower.starts_with("pin:") {
        problems.add(pin_id, w.get(Msg::NewPin), without_field(&message));
    } else if lower.starts_with("name:") || matches!(e, Error::UserExists(_)) {
        problems.add("name", w.get(Msg::Name), without_field(&message));
    } else if lower.starts_with("role:") {
        problems.add("role", w.get(Msg::Role), without_field(&message));
    } else {
        problems.general(message);
    }
}

/// `POST /console/staff`: adds a user (name, role, PIN typed twice).
pub async fn add(posted: Posted) -> Page {
    let w = posted.staff.words();
    let mut adding = Adding {
        name: posted.get("name").chars().take(64).collect(),
        role: posted.get("role").chars().take(20).collect(),
        problems: Problems::default(),
    };
    let role = match adding.role.parse::<Role>() {
        Ok(r) if Role::STAFF.contains(&r) => Some(r),
        _ => {
            adding.problems.add(
                "role",
                w.get(Msg::Role),
                w.with(Msg::NotARole, &[("role", adding.role.clone())]),
            );
            None
        }
    };
    let pin = typed_pin(&posted, &mut adding.problems);
    let name = posted.get("name").to_string();
    let staff = &posted.staff;
    if let (Some(role), true) = (role, adding.problems.is_empty()) {
        let actor = staff.actor.clone();
        let added = staff
            .state
            .pool
            .run(move |db| Ok(users::add(db, Some(&actor), &name, role, &pin)))
            .await;
        match added {
            Ok(Ok(_)) => return Page::redirect(STAFF),
            Ok(Err(e @ (Error::Invalid(_) | Error::UserExists(_)))) => {
                file_problem(w, &e, "pin", &mut adding.problems);
            }
            Ok(Err(e)) => return staff.failed(e.into()),
            Err(e) => return staff.failed(e),
        }
    }
    match everyone(staff).await {
        Ok(all) => page(staff, &all, &adding, StatusCode::UNPROCESSABLE_ENTITY),
        Err(e) => staff.failed(e),
    }
}
