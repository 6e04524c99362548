//! Erasing a customer on their request (`legal:customer`): what goes and what stays, with
//! the dates the shop's policy keeps each signed release until; the confirmation; the page
//! an erased customer's address shows afterwards; and a restricted release's PDF, each
//! view audited.

use axum::extract::Path;
use axum::http::StatusCode;
use intake_common::customers;
use intake_common::retention::{self, restricted};
use maud::html;
use uuid::Uuid;

use super::super::error::ApiError;
use super::customer::{parse_id, pdf_answer, pdf_of, release_in, short_time};
use super::customers::list_name;
use super::words::Msg;
use super::{Page, Posted, Staff};

/// `GET /console/customers/{id}/erase`: what erasing means for this customer, and the box
/// to tick.
pub async fn erase_page(staff: Staff, Path(id): Path<String>) -> Page {
    let shop = staff.console().current().settings.shop.clone();
    let found = async {
        let id = parse_id(&id)?;
        staff
            .state
            .pool
            .run(move |db| {
                let c = customers::get(db.conn(), id)?;
                let dates = retention::release_dates(db, c.id, &shop.retention(), shop.adult_age)?;
                Ok((c, dates))
            })
            .await
    }
    .await;
    let (c, kept) = match found {
        Ok(found) => found,
        Err(e) => return staff.failed(e),
    };
    let w = staff.words();
    let name = list_name(&c, w);
    let title = w.with(Msg::EraseTitle, &[("name", name.clone())]);
    let now = chrono::Utc::now();
    let kept: Vec<&retention::ReleaseDate> = kept.iter().filter(|k| k.kept_until > now).collect();
    let body = html! {
        h1 { (title) }
        p { (w.get(Msg::EraseWarning)) }
        @if kept.is_empty() {
            p { (w.get(Msg::EraseNoneKept)) }
        } @else {
            p { (w.get(Msg::EraseKept)) }
            div.table-wrap {
                table {
                    caption { (w.get(Msg::Releases)) }
                    thead { tr {
                        th scope="col" { (w.get(Msg::SignedOn)) }
                        th scope="col" { (w.get(Msg::KeptUntil)) }
                    } }
                    tbody {
                        @for k in &kept {
                            tr {
                                td { (short_time(&k.signed_at)) }
                                td { (k.kept_until.format("%Y-%m-%d")) }
                            }
                        }
                    }
                }
            }
        }
        form method="post" action={ "/console/customers/" (c.id) "/erase" } {
            input type="hidden" name="csrf" value=(staff.csrf);
            div.check {
                input #confirm type="checkbox" name="confirm" value="yes" required;
                label for="confirm" { (w.with(Msg::EraseConfirm, &[("name", name)])) }
            }
            button.danger type="submit" { (w.get(Msg::Erase)) }
            a href={ "/console/customers/" (c.id) } { (w.get(Msg::Cancel)) }
        }
    };
    staff.page(StatusCode::OK, &title, body)
}

/// `POST /console/customers/{id}/erase`: erases the customer once confirmed.
pub async fn erase(Path(id): Path<String>, posted: Posted) -> Page {
    let staff = &posted.staff;
    let id = match parse_id(&id) {
        Ok(id) => id,
        Err(e) => return staff.failed(e),
    };
    if posted.get("confirm") != "yes" {
        return staff.failed(ApiError::bad(staff.words().get(Msg::EraseUnconfirmed)));
    }
    let shop = staff.console().current().settings.shop.clone();
    let actor = staff.actor.clone();
    let erased = staff
        .state
        .pool
        .run(move |db| {
            Ok(retention::erase(
                db,
                &actor,
                id,
                &shop.retention(),
                shop.adult_age,
                chrono::Utc::now(),
            )?)
        })
        .await;
    match erased {
        Ok(e) => Page::redirect(&format!("/console/customers/{}", e.customer)),
        Err(e) => staff.failed(e),
    }
}

/// The page an erased customer's address shows: when they were erased and, to
/// `legal:customer`, the releases kept restricted. `None` when `id` was not erased.
pub(super) async fn erased_page(staff: &Staff, id: Uuid) -> Option<Page> {
    let actor = staff.actor.clone();
    let legal = staff.may(intake_common::Permission::LegalCustomer);
    let shop = staff.console().current().settings.shop.clone();
    let found = staff
        .state
        .pool
        .run(move |db| {
            let Some((at, _)) = retention::erased(db.conn(), id)? else {
                return Ok(None);
            };
            let kept = if legal {
                restricted::list(db, &actor, Some(id), &shop.retention(), shop.adult_age)?
            } else {
                Vec::new()
            };
            Ok(Some((at, kept)))
        })
        .await;
    let (at, kept) = found.ok()??;
    let w = staff.words();
    let title = w.get(Msg::ErasedTitle);
    let body = html! {
        h1 { (title) }
        p { (w.with(Msg::ErasedOn, &[("date", short_time(&at))])) }
        @if legal {
            section aria-labelledby="kept" {
                h2 #kept { (w.get(Msg::ErasedRestricted)) }
                @if kept.is_empty() {
                    p.empty { (w.get(Msg::NoReleases)) }
                }
                ul.entries {
                    @for r in &kept {
                        li { p {
                            (short_time(&r.signed_at)) " · " (r.device) " · v" (r.template_version)
                            " · " (w.with(Msg::KeptUntilDate, &[("date", r.kept_until.format("%Y-%m-%d").to_string())]))
                            " · " a href={ "/console/customers/" (id) "/restricted/" (r.id) ".pdf" } { (w.get(Msg::DownloadPdf)) }
                        } }
                    }
                }
            }
        }
    };
    Some(staff.page(StatusCode::OK, &title, body))
}

/// `GET /console/customers/{id}/restricted/{file}`: a restricted release as a PDF
/// (`legal:customer`, the view audited).
pub async fn restricted_pdf(staff: Staff, Path((id, file)): Path<(String, String)>) -> Page {
    let found = async {
        let customer = parse_id(&id)?;
        let release_id = release_in(&file)?;
        let actor = staff.actor.clone();
        let current = staff.console().current();
        staff
            .state
            .pool
            .run(move |db| {
                if !restricted::holds(db, customer, release_id)? {
                    return Err(ApiError::new(
                        StatusCode::NOT_FOUND,
                        "no such restricted release for this customer",
                    ));
                }
                let content = restricted::open(db, &actor, release_id)?;
                Ok(pdf_of(&current, &content)?)
            })
            .await
    }
    .await;
    pdf_answer(&staff, found)
}
