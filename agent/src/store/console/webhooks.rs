//! The webhooks section: the endpoints (address, events, medical details or not, enabled
//! or not, the last delivery's outcome), and adding one, answered by the page that shows
//! its signing secret once, with how a receiver checks a signature. Every change goes
//! through `intake_common::webhook`, as `intake-agent webhook` does: the same address
//! policy (private addresses only with INTAKE_WEBHOOK_ALLOW_PRIVATE=1), the same events,
//! medical details only for a role that may read them, each change audited.

use axum::http::StatusCode;
use intake_common::Permission;
use intake_common::webhook::{self, Attempt, EVENT_TYPES, Endpoint};
use maud::{Markup, html};

use super::super::error::ApiError;
use super::customer::short_time;
use super::words::{Msg, Words};
use super::{Page, Posted, Staff};

/// Where the section is.
pub const BASE: &str = "/console/webhooks";
/// The longest address an endpoint may have, in characters.
const MAX_URL: usize = 2000;

/// An event's name as a person reads it.
pub(super) fn event_label(event: &str) -> Option<Msg> {
    Some(match event {
        "customer.created" => Msg::EventCustomerCreated,
        "customer.updated" => Msg::EventCustomerUpdated,
        "customer.deleted" => Msg::EventCustomerDeleted,
        "customer.merged" => Msg::EventCustomerMerged,
        "release.signed" => Msg::EventReleaseSigned,
        _ => return None,
    })
}

/// Whether the endpoint is sent to, and if not why; whether it is failing.
pub(super) fn state(w: Words<'_>, e: &Endpoint) -> String {
    match (e.enabled, &e.disabled_reason, &e.failing_since) {
        (true, _, Some(since)) => w
            .with(Msg::WebhookFailingSince, &[("since", short_time(since))])
            .into_owned(),
        (true, _, None) => w.get(Msg::WebhookEnabled).into_owned(),
        (false, Some(why), _) => w
            .with(Msg::WebhookDisabledWhy, &[("why", why.clone())])
            .into_owned(),
        (false, None, _) => w.get(Msg::WebhookDisabled).into_owned(),
    }
}

/// What is waiting and what failed, when anything is.
pub(super) fn counts(w: Words<'_>, e: &Endpoint) -> Option<String> {
    let mut parts = Vec::new();
    if e.pending > 0 {
        parts.push(w.with(Msg::WebhookWaiting, &[("count", e.pending.to_string())]));
    }
    if e.failed > 0 {
        parts.push(w.with(Msg::WebhookFailedCount, &[("count", e.failed.to_string())]));
    }
    (!parts.is_empty()).then(|| parts.join(" · "))
}

/// An attempt's outcome: the receiver's status, or what went wrong without one.
fn outcome(a: &Attempt) -> String {
    match (a.status, &a.error) {
        (Some(s), _) => format!("HTTP {s}"),
        (None, Some(e)) => e.clone(),
        (None, None) => String::new(),
    }
}

/// `GET /console/webhooks`: the endpoints.
pub async fn list(staff: Staff) -> Page {
    let actor = staff.actor.clone();
    let found = staff
        .state
        .pool
        .run(move |db| {
            let mut rows = Vec::new();
            for e in webhook::list(db.conn(), &actor)? {
                let last = webhook::log(db.conn(), &actor, &e.id, 1)?.pop();
                rows.push((e, last));
            }
            Ok(rows)
        })
        .await;
    let rows = match found {
        Ok(rows) => rows,
        Err(e) => return staff.failed(e),
    };
    let w = staff.words();
    let title = w.get(Msg::Webhooks);
    let body = html! {
        h1 { (title) }
        p { (w.get(Msg::WebhooksIntro)) }
        p.actions { a.button href={ (BASE) "/new" } { (w.get(Msg::AddEndpoint)) } }
        @if rows.is_empty() {
            p.empty { (w.get(Msg::NoEndpoints)) }
        } @else {
            div.table-wrap {
                table {
                    caption.visually-hidden { (w.get(Msg::Endpoints)) }
                    thead { tr {
                        th scope="col" { (w.get(Msg::WebhookUrl)) }
                        th scope="col" { (w.get(Msg::WebhookEvents)) }
                        th scope="col" { (w.get(Msg::WebhookMedical)) }
                        th scope="col" { (w.get(Msg::WebhookState)) }
                        th scope="col" { (w.get(Msg::WebhookLast)) }
                    } }
                    tbody {
                        @for (e, last) in &rows {
                            tr {
                                th scope="row" {
                                    a.url href={ (BASE) "/" (e.id) } { (e.url) }
                                }
                                td { (e.events.join(", ")) }
                                td { (w.get(if e.medical { Msg::Yes } else { Msg::No })) }
                                td {
                                    (state(w, e))
                                    @if let Some(c) = counts(w, e) { br; span.meta { (c) } }
                                }
                                td {
                                    @match last {
                                        Some(a) => { (outcome(a)) br; span.meta { (short_time(&a.at)) } }
                                        None => { span.meta { (w.get(Msg::WebhookNothingSent)) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    staff.page(StatusCode::OK, &title, body)
}

/// The form for a new endpoint, with what was typed and what is wrong with it.
struct Adding<'a> {
    url: String,
    events: Vec<String>,
    medical: bool,
    /// (`url` or `events`, what is wrong).
    problems: Vec<(&'static str, String)>,
    staff: &'a Staff,
}

impl Adding<'_> {
    fn problem(&self, field: &str) -> Option<String> {
        let found: Vec<&str> = self
            .problems
            .iter()
            .filter(|(f, _)| *f == field)
            .map(|(_, p)| p.as_str())
            .collect();
        (!found.is_empty()).then(|| found.join(" "))
    }

    fn page(&self, status: StatusCode) -> Page {
        let staff = self.staff;
        let w = staff.words();
        let title = w.get(Msg::AddEndpoint);
        let url_problem = self.problem("url");
        let events_problem = self.problem("events");
        let field_name = |f: &str| {
            w.get(if f == "url" {
                Msg::WebhookUrl
            } else {
                Msg::WebhookEvents
            })
        };
        let body = html! {
            h1 { (title) }
            @if !self.problems.is_empty() {
                div.error-summary role="alert" aria-labelledby="problems" {
                    h2 #problems { (w.get(Msg::FixThese)) }
                    ul {
                        @for (f, p) in &self.problems {
                            li { a href={ "#" (f) } { (field_name(f)) } ": " (p) }
                        }
                    }
                }
            }
            form.edit method="post" action=(BASE) novalidate {
                input type="hidden" name="csrf" value=(staff.csrf);
                div.field {
                    label for="url" { (w.get(Msg::WebhookUrl)) }
                    p.meta #url-hint { (w.get(Msg::WebhookUrlHint)) }
                    @if let Some(p) = &url_problem { p.error #url-error { (p) } }
                    input #url type="url" name="url" value=(self.url) required
                        maxlength=(MAX_URL) autocomplete="off" spellcheck="false"
                        aria-invalid=[url_problem.as_ref().map(|_| "true")]
                        aria-describedby=(if url_problem.is_some() { "url-hint url-error" } else { "url-hint" });
                }
                fieldset #events aria-describedby=[events_problem.as_ref().map(|_| "events-error")] {
                    legend { (w.get(Msg::WebhookEventsLegend)) }
                    @if let Some(p) = &events_problem { p.error #events-error { (p) } }
                    @for (i, e) in EVENT_TYPES.iter().enumerate() {
                        div.check {
                            input type="checkbox" name="event" value=(e) id={ "event-" (i) }
                                checked[self.events.iter().any(|c| c == e)];
                            label for={ "event-" (i) } {
                                (event_label(e).map_or_else(|| (*e).to_string(), |m| w.get(m).into_owned()))
                            }
                        }
                    }
                }
                @if staff.may(Permission::MedicalCustomer) {
                    div.warning {
                        p #medical-warning { (w.get(Msg::WebhookMedicalWarning)) }
                        div.check {
                            input #medical type="checkbox" name="medical" value="yes"
                                checked[self.medical] aria-describedby="medical-warning";
                            label for="medical" { (w.get(Msg::WebhookMedicalLabel)) }
                        }
                    }
                }
                button type="submit" { (w.get(Msg::WebhookAddButton)) }
                a href=(BASE) { (w.get(Msg::Cancel)) }
            }
        };
        staff.page(status, &title, body)
    }
}

/// `GET /console/webhooks/new`: every event ticked, as the CLI's default.
pub async fn new(staff: Staff) -> Page {
    Adding {
        url: String::new(),
        events: EVENT_TYPES.iter().map(|e| e.to_string()).collect(),
        medical: false,
        problems: Vec::new(),
        staff: &staff,
    }
    .page(StatusCode::OK)
}

/// `POST /console/webhooks`: adds an endpoint and shows its secret, once.
pub async fn create(posted: Posted) -> Page {
    let staff = &posted.staff;
    let w = staff.words();
    let url = posted.get("url").to_string();
    let chosen: Vec<String> = posted.all("event").map(str::to_string).collect();
    let medical = posted.get("medical") == "yes";
    let mut problems: Vec<(&'static str, String)> = Vec::new();
    if url.is_empty() {
        problems.push(("url", w.get(Msg::WebhookUrlEmpty).into_owned()));
    } else if url.chars().count() > MAX_URL {
        problems.push(("url", w.get(Msg::WebhookUrlTooLong).into_owned()));
    }
    let mut events: Vec<String> = Vec::new();
    for e in &chosen {
        if !EVENT_TYPES.contains(&e.as_str()) {
            let shown: String = e.chars().take(60).collect();
            problems.push((
                "events",
                w.with(Msg::WebhookEventUnknown, &[("event", shown)])
                    .into_owned(),
            ));
        } else if !events.contains(e) {
            events.push(e.clone());
        }
    }
    if chosen.is_empty() {
        problems.push(("events", w.get(Msg::WebhookEventsNone).into_owned()));
    }
    let again = |problems| Adding {
        url: url.clone(),
        events: chosen.clone(),
        medical,
        problems,
        staff,
    };
    if !problems.is_empty() {
        return again(problems).page(StatusCode::UNPROCESSABLE_ENTITY);
    }
    let policy = match crate::webhook::policy_from_env() {
        Ok(p) => p,
        Err(e) => return staff.failed(ApiError::internal(format!("{e:#}"))),
    };
    // The address first (resolving its name, off the async threads), so a refusal is
    // named beside its field; adding checks it again.
    let checked = {
        let url = url.clone();
        tokio::task::spawn_blocking(move || webhook::check_url(&url, policy).map(|_| ())).await
    };
    match checked {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            return again(vec![("url", e.to_string())]).page(StatusCode::UNPROCESSABLE_ENTITY);
        }
        Err(e) => return staff.failed(ApiError::internal(e.to_string())),
    }
    let actor = staff.actor.clone();
    let added = staff
        .state
        .pool
        .run(move |db| Ok(webhook::add(db, &actor, &url, &events, medical, policy)?))
        .await;
    match added {
        Ok(added) => secret_page(staff, &added, false),
        Err(e) => staff.failed(e),
    }
}

/// The page that shows an endpoint's signing secret: once after adding it, once after
/// rotating it; never again. It says so, and how a receiver checks a signature.
pub(super) fn secret_page(staff: &Staff, shown: &webhook::Added, rotated: bool) -> Page {
    let w = staff.words();
    let title = w.get(if rotated {
        Msg::WebhookRotated
    } else {
        Msg::WebhookAdded
    });
    let body = html! {
        h1 { (title) }
        section.secret aria-labelledby="secret-label" {
            h2 #secret-label { (w.get(Msg::WebhookSecret)) }
            p { code.secret { (shown.secret) } }
            p { strong { (w.get(Msg::WebhookSecretOnce)) } }
            @if rotated { p { (w.get(Msg::WebhookOldSecret)) } }
        }
        (verifying(w))
        p.actions {
            a.button href={ (BASE) "/" (shown.id) } { (w.get(Msg::WebhookToEndpoint)) }
            a href=(BASE) { (w.get(Msg::BackToWebhooks)) }
        }
    };
    staff.page(StatusCode::OK, &title, body)
}

/// How a receiver checks that a message came from this shop (Standard Webhooks).
fn verifying(w: Words<'_>) -> Markup {
    html! {
        section aria-labelledby="verify" {
            h2 #verify { (w.get(Msg::WebhookVerify)) }
            ol {
                li { (w.get(Msg::WebhookVerifyHeaders)) }
                li { (w.get(Msg::WebhookVerifyKey)) }
                li { (w.get(Msg::WebhookVerifySign)) }
                li { (w.get(Msg::WebhookVerifyCompare)) }
                li { (w.get(Msg::WebhookVerifyFresh)) }
            }
            p { (w.get(Msg::WebhookVerifyLibrary)) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_the_store_sends_has_a_name() {
        for e in EVENT_TYPES {
            assert!(event_label(e).is_some(), "{e}");
        }
        assert!(event_label(webhook::PING).is_none());
    }
}
