//! One device: revoking it once confirmed (its token, its unused code, a kiosk's exit code
//! and recognition key all stop working), and a kiosk's staff exit code, typed twice. As
//! `intake-agent device revoke` and `device set-exit-code`, through `intake_common::sync`.

use axum::extract::Path;
use axum::http::StatusCode;
use intake_common::Error;
use intake_common::sync::{self, DeviceRecord, DeviceRole};
use intake_common::users::pin::{MAX_PIN_DIGITS, MIN_EXIT_CODE_DIGITS};
use maud::html;
use uuid::Uuid;

use super::super::error::{ApiError, ApiResult};
use super::devices::{DEVICES, every_device};
use super::form::{Input, Problems, without_field};
use super::words::Msg;
use super::{Page, Posted, Staff};

/// The device `id` names that is not revoked, or the 404 page's error.
async fn active(staff: &Staff, id: &str) -> ApiResult<DeviceRecord> {
    let none = || ApiError::new(StatusCode::NOT_FOUND, staff.words().get(Msg::NoSuchDevice));
    let id = Uuid::parse_str(id).map_err(|_| none())?;
    every_device(staff)
        .await?
        .into_iter()
        .find(|d| d.id == id && d.revoked_at.is_none())
        .ok_or_else(none)
}

/// The active kiosk `id` names: a counter display has no exit code (staff sign in there).
async fn kiosk(staff: &Staff, id: &str) -> ApiResult<DeviceRecord> {
    let d = active(staff, id).await?;
    if d.role != DeviceRole::Kiosk {
        return Err(ApiError::bad(
            staff
                .words()
                .with(Msg::CounterNoExitCode, &[("name", d.name.clone())]),
        ));
    }
    Ok(d)
}

/// `GET /console/devices/{id}/revoke`: what revoking means, and the button.
pub async fn revoke_page(staff: Staff, Path(id): Path<String>) -> Page {
    let d = match active(&staff, &id).await {
        Ok(d) => d,
        Err(e) => return staff.failed(e),
    };
    let w = staff.words();
    let title = w.with(Msg::RevokeTitle, &[("name", d.name.clone())]);
    let body = html! {
        h1 { (title) }
        p { (w.get(Msg::RevokeWarning)) }
        form method="post" action={ (DEVICES) "/" (d.id) "/revoke" } {
            input type="hidden" name="csrf" value=(staff.csrf);
            div.check {
                input #confirm type="checkbox" name="confirm" value="yes" required;
                label for="confirm" { (w.with(Msg::RevokeConfirm, &[("name", d.name.clone())])) }
            }
            button.danger type="submit" { (w.get(Msg::Revoke)) }
            a href=(DEVICES) { (w.get(Msg::Cancel)) }
        }
    };
    staff.page(StatusCode::OK, &title, body)
}

/// `POST /console/devices/{id}/revoke`: revokes the device, once confirmed.
pub async fn revoke(Path(id): Path<String>, posted: Posted) -> Page {
    let staff = &posted.staff;
    let d = match active(staff, &id).await {
        Ok(d) => d,
        Err(e) => return staff.failed(e),
    };
    if posted.get("confirm") != "yes" {
        return staff.failed(ApiError::bad(staff.words().get(Msg::RevokeUnconfirmed)));
    }
    let actor = staff.actor.clone();
    match staff
        .state
        .pool
        .run(move |db| Ok(sync::revoke_device(db, &actor, &d.name)?))
        .await
    {
        Ok(()) => Page::redirect(DEVICES),
        Err(e) => staff.failed(e),
    }
}

/// The exit code form for kiosk `d`, with what went wrong.
fn exit_code_page(
    staff: &Staff,
    d: &DeviceRecord,
    problems: &Problems,
    status: StatusCode,
) -> Page {
    let w = staff.words();
    let title = w.with(Msg::ExitCodeOf, &[("name", d.name.clone())]);
    let body = html! {
        p { a href=(DEVICES) { (w.get(Msg::Devices)) } }
        h1 { (title) }
        (problems.summary(w))
        p { (w.get(Msg::ExitCodeHint)) }
        form.edit method="post" action={ (DEVICES) "/" (d.id) "/exit-code" } novalidate {
            input type="hidden" name="csrf" value=(staff.csrf);
            (Input {
                id: "code", name: "code", label: w.get(Msg::ExitCode).into_owned(), kind: "password",
                value: "", maxlength: MAX_PIN_DIGITS,
                hint: Some(w.with(Msg::ExitCodeRule, &[
                    ("least", MIN_EXIT_CODE_DIGITS.to_string()),
                    ("most", MAX_PIN_DIGITS.to_string()),
                ]).into_owned()),
                digits: true, autocomplete: "new-password", required: true,
            }.render(problems))
            (Input {
                id: "code-again", name: "code-again", label: w.get(Msg::ExitCodeAgain).into_owned(),
                kind: "password", value: "", maxlength: MAX_PIN_DIGITS, hint: None, digits: true,
                autocomplete: "new-password", required: true,
            }.render(problems))
            button type="submit" { (w.get(Msg::SetExitCode)) }
            a href=(DEVICES) { (w.get(Msg::Cancel)) }
        }
    };
    staff.page(status, &title, body)
}

/// `GET /console/devices/{id}/exit-code`.
pub async fn exit_code(staff: Staff, Path(id): Path<String>) -> Page {
    match kiosk(&staff, &id).await {
        Ok(d) => exit_code_page(&staff, &d, &Problems::default(), StatusCode::OK),
        Err(e) => staff.failed(e),
    }
}

/// `POST /console/devices/{id}/exit-code`: the kiosk's new exit code, typed twice; the
/// kiosk receives its hash at its next sync.
pub async fn set_exit_code(Path(id): Path<String>, posted: Posted) -> Page {
    let staff = &posted.staff;
    let w = staff.words();
    let d = match kiosk(staff, &id).await {
        Ok(d) => d,
        Err(e) => return staff.failed(e),
    };
    let (code, again) = (posted.get("code").to_string(), posted.get("code-again"));
    let mut problems = Problems::default();
    if code.is_empty() {
        problems.add("code", w.get(Msg::ExitCode), w.get(Msg::PinMissing));
    } else if code != again {
        problems.add(
            "code-again",
            w.get(Msg::ExitCodeAgain),
            w.get(Msg::CodesDiffer),
        );
    } else {
        let (actor, name) = (staff.actor.clone(), d.name.clone());
        let set = staff
            .state
            .pool
            .run(move |db| Ok(sync::set_exit_code(db, &actor, &name, &code)))
            .await;
        match set {
            Ok(Ok(())) => return Page::redirect(DEVICES),
            Ok(Err(Error::Invalid(m))) => {
                problems.add("code", w.get(Msg::ExitCode), without_field(&m));
            }
            Ok(Err(e)) => return staff.failed(e.into()),
            Err(e) => return staff.failed(e),
        }
    }
    exit_code_page(staff, &d, &problems, StatusCode::UNPROCESSABLE_ENTITY)
}
