//! One customer: the page (the Safety Panel first, then the profile, notes, services,
//! signed releases and the history of changes), adding and editing with every profile
//! field, deleting with confirmation, notes and flags, a release's PDF. Every change goes
//! through the one front door (`intake_common::change::submit`), so it is checked,
//! audited, announced by webhook and synced like any other.

use axum::extract::Path;
use axum::http::StatusCode;
use intake_common::customer::Contact;
use intake_common::customers::{self, Detail, MedicalView};
use intake_common::release;
use intake_common::{Db, Op, Permission, audit, change, counter};
use maud::{Markup, html};
use uuid::Uuid;

use super::super::error::{ApiError, ApiResult};
use super::customers::{list_name, shown_value};
use super::words::Msg;
use super::{Page, Posted, Staff};

/// How many entries of a customer's history the page shows.
const HISTORY: u32 = 50;

pub(super) fn parse_id(raw: &str) -> ApiResult<Uuid> {
    Ok(customers::parse_id(raw)?)
}

/// Makes a change as the signed-in staff member, through the one front door.
pub(super) async fn act(staff: &Staff, op: Op) -> ApiResult<Uuid> {
    let by = change::Caller::Staff(staff.actor.clone());
    staff
        .state
        .pool
        .run(move |db: &mut Db| Ok(change::submit(db, &by, op)?))
        .await
}

/// Everything the customer's page shows.
struct Shown {
    detail: Detail,
    releases: Vec<release::Summary>,
    history: Vec<audit::Entry>,
    acknowledged: Option<counter::Acknowledgement>,
}

/// `GET /console/customers/{id}`. Medical details appear only with `medical:customer`, and
/// each view is written to the audit log.
pub async fn show(staff: Staff, Path(id): Path<String>) -> Page {
    let id = match parse_id(&id) {
        Ok(id) => id,
        Err(e) => return staff.failed(e),
    };
    let actor = staff.actor.clone();
    let shown = staff
        .state
        .pool
        .run(move |db| {
            let detail = customers::detail(db, &actor, id)?;
            let cid = detail.customer.id;
            Ok(Shown {
                releases: release::list(db, &actor, Some(cid), 100)?,
                history: audit::for_customer(db.conn(), cid, HISTORY)?,
                acknowledged: counter::last_acknowledgement(db.conn(), cid)?,
                detail,
            })
        })
        .await;
    match shown {
        Ok(shown) => page(&staff, &shown),
        Err(e) => match super::erase::erased_page(&staff, id).await {
            Some(erased) => erased,
            None => staff.failed(e),
        },
    }
}

fn page(staff: &Staff, shown: &Shown) -> Page {
    let w = staff.words();
    let d = &shown.detail;
    let c = &d.customer;
    let name = list_name(c, w);
    let base = format!("/console/customers/{}", c.id);
    let body = html! {
        h1 { (name) }
        @if staff.may(Permission::WriteCustomer) || staff.may(Permission::MergeCustomer)
            || staff.may(Permission::LegalCustomer) {
            p.actions {
                @if staff.may(Permission::WriteCustomer) {
                    a.button href={ (base) "/edit" } { (w.get(Msg::Edit)) }
                }
                @if staff.may(Permission::MergeCustomer) {
                    a.button.danger href={ (base) "/delete" } { (w.get(Msg::Delete)) }
                }
                @if staff.may(Permission::LegalCustomer) {
                    a.button.danger href={ (base) "/erase" } { (w.get(Msg::Erase)) }
                }
            }
        }
        (safety_panel(staff, shown, &base))
        section aria-labelledby="profile" {
            h2 #profile { (w.get(Msg::Profile)) }
            dl.profile {
                @for (f, value) in c.profile.iter() {
                    @if let Some(v) = value {
                        dt { (w.get(Msg::field(f))) }
                        dd { (shown_value(w, f, Some(v))) }
                    }
                }
                dt { (w.get(Msg::Added)) }
                dd { (c.created_at.format("%Y-%m-%d %H:%M")) " UTC" }
            }
        }
        section aria-labelledby="notes" {
            h2 #notes { (w.get(Msg::Notes)) }
            @if d.notes.is_empty() {
                p.empty { (w.get(Msg::NoNotes)) }
            }
            ul.entries {
                @for n in &d.notes {
                    li { p { (n.body) } p.meta { (n.author) " · " (short_time(&n.created_at)) } }
                }
            }
            @if staff.may(Permission::WriteCustomer) {
                form method="post" action={ (base) "/notes" } {
                    input type="hidden" name="csrf" value=(staff.csrf);
                    label for="note" { (w.get(Msg::AddNote)) }
                    textarea #note name="body" required maxlength="10000" rows="3" {}
                    button type="submit" { (w.get(Msg::SaveNote)) }
                }
            }
        }
        section aria-labelledby="services" {
            h2 #services { (w.get(Msg::Services)) }
            @if d.services.is_empty() {
                p.empty { (w.get(Msg::NoServices)) }
            }
            ul.entries {
                @for s in &d.services {
                    li {
                        p { (s.description) @if let Some(a) = &s.artist { " · " (a) } }
                        p.meta {
                            (short_time(&s.started_at))
                            @if let Some(end) = &s.ended_at { " – " (short_time(end)) }
                        }
                    }
                }
            }
        }
        section aria-labelledby="releases" {
            h2 #releases { (w.get(Msg::Releases)) }
            @if shown.releases.is_empty() {
                p.empty { (w.get(Msg::NoReleases)) }
            }
            ul.entries {
                @for r in &shown.releases {
                    li {
                        p {
                            (short_time(&r.signed_at)) " · " (r.device) " · v" (r.template_version)
                            @if staff.may(Permission::MedicalCustomer) {
                                " · " a href={ (base) "/releases/" (r.id) ".pdf" } { (w.get(Msg::DownloadPdf)) }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="history" {
            h2 #history { (w.get(Msg::History)) }
            div.table-wrap {
                table {
                    caption.visually-hidden { (w.get(Msg::History)) }
                    thead { tr {
                        th scope="col" { (w.get(Msg::When)) }
                        th scope="col" { (w.get(Msg::Who)) }
                        th scope="col" { (w.get(Msg::What)) }
                    } }
                    tbody {
                        @for e in &shown.history {
                            tr {
                                td { (short_time(&e.at)) }
                                td { (e.actor) }
                                td { (e.action) ": " (e.detail) }
                            }
                        }
                    }
                }
            }
        }
    };
    staff.page(StatusCode::OK, &name, body)
}

/// The Safety Panel: flags with their notes, medical details (by permission), the
/// emergency and physician contacts, and who last read it at the counter.
fn safety_panel(staff: &Staff, shown: &Shown, base: &str) -> Markup {
    let w = staff.words();
    let d = &shown.detail;
    let contact = |label: Msg, c: &Option<Contact>| {
        html! {
            dt { (w.get(label)) }
            dd {
                @match c {
                    Some(c) => {
                        (c.name)
                        @if let Some(r) = &c.relation { " (" (r) ")" }
                        @if let Some(p) = &c.phone { " · " a href={ "tel:" (p) } { (p) } }
                    }
                    None => { (w.get(Msg::NotGiven)) }
                }
            }
        }
    };
    html! {
        section.safety aria-labelledby="safety" {
            h2 #safety { (w.get(Msg::SafetyPanel)) }
            h3 { (w.get(Msg::Flags)) }
            @if d.flags.is_empty() {
                p.empty { (w.get(Msg::NoFlags)) }
            }
            ul.flags {
                @for f in &d.flags {
                    li {
                        strong { (f.kind) }
                        @if let Some(n) = &f.note { " — " (n) }
                        span.meta { " · " (f.created_by) ", " (short_time(&f.created_at)) }
                    }
                }
            }
            h3 { (w.get(Msg::Medical)) }
            @match &d.medical {
                MedicalView::Details(records) if records.is_empty() => {
                    p.empty { (w.get(Msg::NoMedical)) }
                }
                MedicalView::Details(records) => {
                    ul.medical {
                        @for r in records {
                            li {
                                strong { (r.condition.kind.to_string()) ": " (r.condition.name) }
                                @if let Some(det) = &r.condition.details { " — " (det) }
                                span.meta { " · " (short_time(&r.recorded_at)) }
                            }
                        }
                    }
                }
                MedicalView::Count { count } => {
                    p { (w.with(Msg::MedicalHidden, &[("count", count.to_string())])) }
                }
            }
            dl.contacts {
                (contact(Msg::Emergency, &d.emergency_contact))
                (contact(Msg::Physician, &d.physician_contact))
                @if let Some(a) = &shown.acknowledged {
                    dt { (w.get(Msg::LastRead)) }
                    dd { (a.by) ", " (short_time(&a.at)) }
                }
            }
            @if staff.may(Permission::WriteCustomer) {
                details {
                    summary { (w.get(Msg::AddFlag)) }
                    form method="post" action={ (base) "/flags" } {
                        input type="hidden" name="csrf" value=(staff.csrf);
                        label for="flag-kind" { (w.get(Msg::FlagKind)) }
                        input #flag-kind type="text" name="kind" required maxlength="60"
                            list="flag-kinds" autocomplete="off";
                        datalist #flag-kinds {
                            @for k in ["allergy", "no-show", "vip", "deposit", "minor", "banned"] {
                                option value=(k) {}
                            }
                        }
                        label for="flag-note" { (w.get(Msg::FlagNote)) }
                        input #flag-note type="text" name="note" maxlength="500" autocomplete="off";
                        button type="submit" { (w.get(Msg::SaveFlag)) }
                    }
                }
            }
        }
    }
}

/// An RFC 3339 time as the page shows it: `2026-12-02 15:04`.
pub(super) fn short_time(at: &str) -> String {
    intake_common::time::parse(at).map_or_else(
        || at.to_string(),
        |t| t.format("%Y-%m-%d %H:%M").to_string(),
    )
}

/// `POST /console/customers/{id}/notes`.
pub async fn add_note(Path(id): Path<String>, posted: Posted) -> Page {
    let body = posted.get("body").to_string();
    attach(id, posted, move |customer| {
        if body.is_empty() {
            return Err(ApiError::bad("body: the note is empty"));
        }
        if body.chars().count() > 10_000 {
            return Err(ApiError::bad("body: a note is at most 10,000 characters"));
        }
        Ok(Op::AddNote {
            customer,
            id: Uuid::now_v7(),
            body,
        })
    })
    .await
}

/// `POST /console/customers/{id}/flags`.
pub async fn add_flag(Path(id): Path<String>, posted: Posted) -> Page {
    let kind = posted.get("kind").to_string();
    let note = Some(posted.get("note").to_string()).filter(|n| !n.is_empty());
    attach(id, posted, move |customer| {
        if kind.is_empty() || kind.chars().count() > 60 {
            return Err(ApiError::bad(
                "kind: name the kind of flag (at most 60 characters), e.g. no-show",
            ));
        }
        if note.as_ref().is_some_and(|n| n.chars().count() > 500) {
            return Err(ApiError::bad(
                "note: a flag's note is at most 500 characters",
            ));
        }
        Ok(Op::AddFlag {
            customer,
            id: Uuid::now_v7(),
            kind,
            note,
        })
    })
    .await
}

/// Attaches what `op` makes to the customer `id`, then shows the customer's page.
async fn attach(id: String, posted: Posted, op: impl FnOnce(Uuid) -> ApiResult<Op>) -> Page {
    let staff = posted.staff;
    let done = async {
        let customer = parse_id(&id)?;
        let customer = staff
            .state
            .pool
            .run(move |db| Ok(customers::get(db.conn(), customer)?.id))
            .await?;
        act(&staff, op(customer)?).await?;
        Ok::<_, ApiError>(customer)
    }
    .await;
    match done {
        Ok(customer) => Page::redirect(&format!("/console/customers/{customer}")),
        Err(e) => staff.failed(e),
    }
}

/// `GET /console/customers/{id}/releases/{release}.pdf`: the signed release as a PDF, in
/// the language it was signed in. It holds health answers: `medical:customer`, audited.
pub async fn release_pdf(staff: Staff, Path((id, file)): Path<(String, String)>) -> Page {
    let found = async {
        let customer = parse_id(&id)?;
        let release_id = release_in(&file)?;
        let actor = staff.actor.clone();
        let current = staff.console().current();
        staff
            .state
            .pool
            .run(move |db| {
                let content = release::open(db, &actor, release_id)?;
                if content.customer_id != customers::get(db.conn(), customer)?.id {
                    return Err(ApiError::new(
                        StatusCode::NOT_FOUND,
                        "no such release for this customer",
                    ));
                }
                Ok(pdf_of(&current, &content)?)
            })
            .await
    }
    .await;
    pdf_answer(&staff, found)
}

/// A release's PDF under the settings in force.
pub(super) fn pdf_of(
    current: &super::super::live::Current,
    content: &release::ReleaseContent,
) -> intake_common::Result<Vec<u8>> {
    let settings = &current.settings;
    release::pdf::render(
        content,
        &settings.shop.name,
        settings.logo.as_deref(),
        &settings.tr,
    )
}

/// The PDF as a download, or the page saying why not.
pub(super) fn pdf_answer(staff: &Staff, found: ApiResult<Vec<u8>>) -> Page {
    match found {
        Ok(bytes) => Page::download("application/pdf", "release.pdf", bytes),
        Err(e) => staff.failed(e),
    }
}

/// The release id in `ID.pdf`.
pub(super) fn release_in(file: &str) -> ApiResult<Uuid> {
    file.strip_suffix(".pdf")
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "a release is NAME.pdf"))
        .and_then(|r| {
            Uuid::parse_str(r).map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "no such release"))
        })
}
