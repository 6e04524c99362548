//! One staff member: their role (changed with a new PIN when the new role asks for a
//! longer one), a new PIN typed twice, disabling and enabling, and their signed-in
//! sessions, each with a button that ends it. Every change goes through
//! `intake_common::users` or `intake_common::sessions`, which check `manage:users`, keep
//! the last active owner, and audit it; a changed PIN or role, or disabling, ends the
//! user's sessions there too.

use axum::extract::Path;
use axum::http::StatusCode;
use intake_common::sessions::{self, Session};
use intake_common::users::{self, UserStatus, min_pin_digits, pin::MAX_PIN_DIGITS};
use intake_common::{Db, Error, Role};
use maud::html;
use uuid::Uuid;

use super::super::error::{ApiError, ApiResult};
use super::customer::short_time;
use super::form::{Input, Problems};
use super::staff::{STAFF, everyone, file_problem, pin_inputs, role_options, typed_pin};
use super::words::Msg;
use super::{Page, Posted, Staff};

/// The user `id` names, or a 404 page's error for an id that is not one.
async fn find(staff: &Staff, id: &str) -> ApiResult<UserStatus> {
    let id = Uuid::parse_str(id).map_err(|_| no_such_user(staff))?;
    everyone(staff)
        .await?
        .into_iter()
        .find(|u| u.id == id)
        .ok_or_else(|| no_such_user(staff))
}

fn no_such_user(staff: &Staff) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, staff.words().get(Msg::NoSuchUser))
}

/// The user's sessions that have not ended (listing them is audited, as every listing is).
async fn sessions_of(staff: &Staff, name: &str) -> ApiResult<Vec<Session>> {
    let actor = staff.actor.clone();
    let name = name.to_string();
    staff
        .state
        .pool
        .run(move |db| {
            let all = sessions::list(db, &actor)?;
            Ok(all
                .into_iter()
                .filter(|s| s.user.eq_ignore_ascii_case(&name))
                .collect())
        })
        .await
}

/// `GET /console/staff/{id}`.
pub async fn show(staff: Staff, Path(id): Path<String>) -> Page {
    match find(&staff, &id).await {
        Ok(user) => shown(&staff, &user, &Problems::default(), StatusCode::OK).await,
        Err(e) => staff.failed(e),
    }
}

/// The user's page, with what went wrong in the last post.
async fn shown(staff: &Staff, u: &UserStatus, problems: &Problems, status: StatusCode) -> Page {
    let sessions = match sessions_of(staff, &u.name).await {
        Ok(s) => s,
        Err(e) => return staff.failed(e),
    };
    let w = staff.words();
    let base = format!("{STAFF}/{}", u.id);
    let role_problem = problems.at("role");
    let body = html! {
        p { a href=(STAFF) { (w.get(Msg::Staff)) } }
        h1 { (u.name) }
        (problems.summary(w))
        dl.profile {
            dt { (w.get(Msg::Role)) }
            dd { (w.get(Msg::role(u.role))) }
            dt { (w.get(Msg::Access)) }
            dd { (w.get(if u.disabled { Msg::Disabled } else { Msg::Enabled })) }
            dt { (w.get(Msg::LastSignIn)) }
            dd { (u.last_sign_in_at.as_deref().map_or_else(|| w.get(Msg::Never).into_owned(), short_time)) }
            @if let Some(until) = &u.locked_until {
                dt { (w.get(Msg::SignInLock)) }
                dd { (w.with(Msg::LockedUntil, &[("until", short_time(until))])) }
            }
            dt { (w.get(Msg::Added)) }
            dd { (short_time(&u.created_at)) " UTC" }
        }
        section aria-labelledby="role-heading" {
            h2 #role-heading { (w.get(Msg::ChangeRole)) }
            form.edit method="post" action={ (base) "/role" } novalidate {
                input type="hidden" name="csrf" value=(staff.csrf);
                div.field {
                    label for="role" { (w.get(Msg::Role)) }
                    @if let Some(p) = role_problem { p.error #role-error { (p) } }
                    select #role name="role" aria-invalid=[role_problem.map(|_| "true")]
                        aria-describedby=[role_problem.map(|_| "role-error")] {
                        (role_options(w, u.role.name()))
                    }
                }
                (Input {
                    id: "role-pin", name: "pin", label: w.get(Msg::NewPin).into_owned(),
                    kind: "password", value: "", maxlength: MAX_PIN_DIGITS,
                    hint: Some(w.with(Msg::RolePinHint, &[
                        ("short", min_pin_digits(Role::FrontDesk).to_string()),
                        ("long", min_pin_digits(Role::Owner).to_string()),
                    ]).into_owned()),
                    digits: true, autocomplete: "new-password", required: false,
                }.render(problems))
                (Input {
                    id: "role-pin-again", name: "pin-again", label: w.get(Msg::PinAgain).into_owned(),
                    kind: "password", value: "", maxlength: MAX_PIN_DIGITS, hint: None,
                    digits: true, autocomplete: "new-password", required: false,
                }.render(problems))
                p.hint { (w.get(Msg::RoleSessionsEnd)) }
                button type="submit" { (w.get(Msg::SaveRole)) }
            }
        }
        section aria-labelledby="pin-heading" {
            h2 #pin-heading { (w.get(Msg::SetPin)) }
            form.edit method="post" action={ (base) "/pin" } novalidate {
                input type="hidden" name="csrf" value=(staff.csrf);
                (pin_inputs(w, problems, None))
                p.hint { (w.get(Msg::PinSessionsEnd)) }
                button type="submit" { (w.get(Msg::SetPin)) }
            }
        }
        section aria-labelledby="access-heading" {
            h2 #access-heading { (w.get(Msg::Access)) }
            @if u.disabled {
                p { (w.with(Msg::IsDisabled, &[("name", u.name.clone())])) }
                form method="post" action={ (base) "/enable" } {
                    input type="hidden" name="csrf" value=(staff.csrf);
                    button type="submit" { (w.get(Msg::Enable)) }
                }
            } @else {
                p { (w.get(Msg::DisableHint)) }
                form method="post" action={ (base) "/disable" } {
                    input type="hidden" name="csrf" value=(staff.csrf);
                    button.danger type="submit" { (w.get(Msg::Disable)) }
                }
            }
        }
        section aria-labelledby="sessions-heading" {
            h2 #sessions-heading { (w.get(Msg::Sessions)) }
            @if sessions.is_empty() {
                p.empty { (w.with(Msg::NoSessions, &[("name", u.name.clone())])) }
            } @else {
                div.table-wrap {
                    table {
                        caption.visually-hidden { (w.get(Msg::Sessions)) }
                        thead { tr {
                            th scope="col" { (w.get(Msg::Started)) }
                            th scope="col" { (w.get(Msg::LastSeen)) }
                            th scope="col" { (w.get(Msg::From)) }
                            th scope="col" { (w.get(Msg::Ends)) }
                            th scope="col" { span.visually-hidden { (w.get(Msg::EndSession)) } }
                        } }
                        tbody {
                            @for s in &sessions {
                                tr {
                                    th scope="row" {
                                        (short_time(&s.created_at))
                                        @if s.id == staff.session { " (" (w.get(Msg::ThisSession)) ")" }
                                    }
                                    td { (short_time(&s.last_seen_at)) }
                                    td { (s.client) }
                                    td { (short_time(&s.expires_at)) }
                                    td {
                                        form method="post" action={ (base) "/sessions/revoke" } {
                                            input type="hidden" name="csrf" value=(staff.csrf);
                                            input type="hidden" name="session" value=(s.id);
                                            button.danger type="submit"
                                                aria-label=(w.with(Msg::EndSessionOf, &[("started", short_time(&s.created_at))])) {
                                                (w.get(Msg::EndSession))
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    staff.page(status, &u.name, body)
}

/// Runs `change` on the user `id` as the signed-in staff member: back to the user's page
/// when it is done, or the page again (422) naming what was wrong.
async fn change(
    id: String,
    posted: Posted,
    mut problems: Problems,
    pin_id: &'static str,
    change: impl FnOnce(&mut Db, &intake_common::Actor, &str) -> intake_common::Result<()>
    + Send
    + 'static,
) -> Page {
    let staff = &posted.staff;
    let user = match find(staff, &id).await {
        Ok(u) => u,
        Err(e) => return staff.failed(e),
    };
    if problems.is_empty() {
        let (actor, name) = (staff.actor.clone(), user.name.clone());
        let done = staff
            .state
            .pool
            .run(move |db| Ok(change(db, &actor, &name)))
            .await;
        match done {
            Ok(Ok(())) => return Page::redirect(&format!("{STAFF}/{}", user.id)),
            Ok(Err(e @ Error::Invalid(_))) => {
                file_problem(staff.words(), &e, pin_id, &mut problems)
            }
            Ok(Err(e)) => return staff.failed(e.into()),
            Err(e) => return staff.failed(e),
        }
    }
    // What the page shows now: the change may have been refused halfway by someone else's.
    match find(staff, &id).await {
        Ok(user) => shown(staff, &user, &problems, StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(e) => staff.failed(e),
    }
}

/// `POST /console/staff/{id}/pin`: a new PIN, typed twice; the user's sessions end.
pub async fn set_pin(Path(id): Path<String>, posted: Posted) -> Page {
    let mut problems = Problems::default();
    let pin = typed_pin(&posted, &mut problems);
    change(id, posted, problems, "pin", move |db, actor, name| {
        users::set_pin(db, actor, name, &pin)
    })
    .await
}

/// `POST /console/staff/{id}/role`: a new role, and a new PIN when the role asks for a
/// longer one (or one is given anyway); sessions under the old role end.
pub async fn set_role(Path(id): Path<String>, posted: Posted) -> Page {
    let w = posted.staff.words();
    let mut problems = Problems::default();
    let raw = posted.get("role").chars().take(20).collect::<String>();
    let role = match raw.parse::<Role>() {
        Ok(r) if Role::STAFF.contains(&r) => r,
        _ => {
            problems.add(
                "role",
                w.get(Msg::Role),
                w.with(Msg::NotARole, &[("role", raw)]),
            );
            Role::FrontDesk
        }
    };
    let given = posted
        .fields
        .iter()
        .any(|(n, v)| (n == "pin" || n == "pin-again") && !v.is_empty());
    let pin = if given {
        let mut pin_problems = Problems::default();
        let pin = typed_pin(&posted, &mut pin_problems);
        if !pin_problems.is_empty() {
            problems.add(
                "role-pin-again",
                w.get(Msg::PinAgain),
                w.get(Msg::PinsDiffer),
            );
        }
        Some(pin)
    } else {
        None
    };
    change(id, posted, problems, "role-pin", move |db, actor, name| {
        users::set_role(db, actor, name, role, pin.as_deref()).map(|_| ())
    })
    .await
}

/// `POST /console/staff/{id}/disable`: the user can no longer sign in; their sessions end.
pub async fn disable(Path(id): Path<String>, posted: Posted) -> Page {
    change(id, posted, Problems::default(), "pin", |db, actor, name| {
        users::set_disabled(db, actor, name, true).map(|_| ())
    })
    .await
}

/// `POST /console/staff/{id}/enable`.
pub async fn enable(Path(id): Path<String>, posted: Posted) -> Page {
    change(id, posted, Problems::default(), "pin", |db, actor, name| {
        users::set_disabled(db, actor, name, false).map(|_| ())
    })
    .await
}

/// `POST /console/staff/{id}/sessions/revoke`: ends one of the user's sessions (the
/// `session` field, its id).
pub async fn revoke_session(Path(id): Path<String>, posted: Posted) -> Page {
    let staff = &posted.staff;
    let w = staff.words();
    let Ok(session) = Uuid::parse_str(posted.get("session")) else {
        return staff.failed(ApiError::bad(w.get(Msg::NotASession)));
    };
    let user = match find(staff, &id).await {
        Ok(u) => u,
        Err(e) => return staff.failed(e),
    };
    // Only a session of this user, so the page never ends someone else's by a forged id.
    let theirs = match sessions_of(staff, &user.name).await {
        Ok(s) => s.iter().any(|s| s.id == session),
        Err(e) => return staff.failed(e),
    };
    if !theirs {
        return staff.failed(ApiError::new(
            StatusCode::NOT_FOUND,
            w.with(Msg::NoSuchSession, &[("name", user.name.clone())]),
        ));
    }
    let (actor, own) = (staff.actor.clone(), staff.session);
    let ended = staff
        .state
        .pool
        .run(move |db| {
            Ok(sessions::revoke(
                db,
                &actor,
                &session.to_string(),
                Some(own),
            )?)
        })
        .await;
    match ended {
        Ok(_) => Page::redirect(&format!("{STAFF}/{}", user.id)),
        Err(e) => staff.failed(e),
    }
}
