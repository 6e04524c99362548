//! One webhook endpoint: its settings, its delivery log a page at a time (event,
//! customer, attempts, status, the receiver's answer, times), and what `intake-agent
//! webhook` does to it: enable, disable, send a test event, replay one delivery, recover
//! what failed or was dropped, rotate the secret. Endpoints and messages are named by
//! their exact ids (never by a prefix, as the CLI allows), so a forged address finds
//! nothing and gets a 404 page.

use std::collections::HashMap;

use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use chrono::Utc;
use intake_common::customer::Customer;
use intake_common::webhook::{self, Deliveries, Delivery, Endpoint, queue};
use intake_common::{Permission, customers};
use maud::{Markup, html};
use uuid::Uuid;

use super::super::error::{ApiError, ApiResult};
use super::customer::short_time;
use super::customers::list_name;
use super::webhooks::{BASE, counts, event_label, secret_page, state};
use super::words::{Msg, Words};
use super::{Page, Posted, Staff};

/// Deliveries on one page of the log.
pub const PAGE_SIZE: u32 = 20;
/// What `since` is when the form is first shown: everything the store still keeps.
const SINCE_DEFAULT: &str = "30d";

/// The endpoint whose id is exactly `id`, or the 404 that names it.
async fn exact(staff: &Staff, id: &str) -> ApiResult<Endpoint> {
    let (actor, id) = (staff.actor.clone(), id.to_string());
    staff
        .state
        .pool
        .run(move |db| Ok(webhook::endpoint(db.conn(), &actor, &id)?))
        .await
}

/// What the endpoint's page was asked for: the page of the log, and what was just done.
#[derive(Debug, Default)]
struct Asked {
    before: Option<String>,
    done: Option<Done>,
}

/// What an action reports when it comes back to the endpoint's page.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Done {
    Enabled,
    Disabled,
    Replayed(String),
    Recovered(u64),
}

impl Done {
    /// The query string that carries it.
    fn query(&self) -> String {
        match self {
            Done::Enabled => "done=enabled".into(),
            Done::Disabled => "done=disabled".into(),
            Done::Replayed(m) => format!("done=replayed&message={m}"),
            Done::Recovered(n) => format!("done=recovered&count={n}"),
        }
    }
}

/// A message id as the store makes them: `msg_` and letters or digits.
fn is_message_id(m: &str) -> bool {
    m.len() <= 64
        && m.strip_prefix("msg_")
            .is_some_and(|rest| !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric()))
}

impl Asked {
    fn parse(query: Option<&str>) -> Result<Self, String> {
        let mut before = None;
        let (mut done, mut message, mut count) = (None, None, None);
        for (name, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            match name.as_ref() {
                "before" if !value.is_empty() => {
                    if !is_message_id(&value) {
                        return Err(format!("before: {value:?} is not a message id"));
                    }
                    before = Some(value.into_owned());
                }
                "done" => done = Some(value.into_owned()),
                "message" => message = Some(value.into_owned()),
                "count" => count = value.parse::<u64>().ok(),
                _ => {}
            }
        }
        // A report the page cannot make sense of is left out, not shown.
        let done = match (done.as_deref(), message, count) {
            (Some("enabled"), _, _) => Some(Done::Enabled),
            (Some("disabled"), _, _) => Some(Done::Disabled),
            (Some("replayed"), Some(m), _) if is_message_id(&m) => Some(Done::Replayed(m)),
            (Some("recovered"), _, Some(n)) => Some(Done::Recovered(n)),
            _ => None,
        };
        Ok(Asked { before, done })
    }
}

/// `GET /console/webhooks/{id}?before=MESSAGE`.
pub async fn show(staff: Staff, Path(id): Path<String>, RawQuery(query): RawQuery) -> Page {
    let asked = match Asked::parse(query.as_deref()) {
        Ok(a) => a,
        Err(e) => return staff.failed(ApiError::bad(e)),
    };
    let actor = staff.actor.clone();
    let before = asked.before.clone();
    let names = staff.may(Permission::ReadCustomer);
    let found = staff
        .state
        .pool
        .run(move |db| {
            let endpoint = webhook::endpoint(db.conn(), &actor, &id)?;
            let log = webhook::deliveries(
                db.conn(),
                &actor,
                &endpoint.id,
                before.as_deref(),
                PAGE_SIZE,
            )?;
            // Who each event is about, for a role that may read customers; a customer
            // deleted since is shown by id.
            let mut customers: HashMap<Uuid, Customer> = HashMap::new();
            if names {
                for c in log.deliveries.iter().filter_map(|d| d.customer) {
                    if !customers.contains_key(&c)
                        && let Ok(found) = customers::get(db.conn(), c)
                    {
                        customers.insert(c, found);
                    }
                }
            }
            Ok((endpoint, log, customers))
        })
        .await;
    match found {
        Ok((endpoint, log, customers)) => page(&staff, &asked, &endpoint, &log, &customers),
        Err(e) => staff.failed(e),
    }
}

fn page(
    staff: &Staff,
    asked: &Asked,
    e: &Endpoint,
    log: &Deliveries,
    customers: &HashMap<Uuid, Customer>,
) -> Page {
    let w = staff.words();
    let here = format!("{BASE}/{}", e.id);
    let notice = asked.done.as_ref().map(|d| match d {
        Done::Enabled => w.get(Msg::WebhookDoneEnabled).into_owned(),
        Done::Disabled => w.get(Msg::WebhookDoneDisabled).into_owned(),
        Done::Replayed(m) => w
            .with(Msg::WebhookDoneReplayed, &[("message", m.clone())])
            .into_owned(),
        Done::Recovered(n) => w
            .with(Msg::WebhookDoneRecovered, &[("count", n.to_string())])
            .into_owned(),
    });
    let body = html! {
        p { a href=(BASE) { (w.get(Msg::BackToWebhooks)) } }
        h1.url { (e.url) }
        @if let Some(n) = notice {
            p.notice role="status" { (n) }
        }
        dl.profile {
            dt { (w.get(Msg::WebhookId)) }
            dd { code { (e.id) } }
            dt { (w.get(Msg::WebhookEvents)) }
            dd {
                ul.plain {
                    @for ev in &e.events {
                        li { (event_label(ev).map_or_else(|| ev.clone(), |m| w.get(m).into_owned())) }
                    }
                }
            }
            dt { (w.get(Msg::WebhookMedical)) }
            dd { (w.get(if e.medical { Msg::Yes } else { Msg::No })) }
            dt { (w.get(Msg::WebhookState)) }
            dd {
                (state(w, e))
                @if let Some(c) = counts(w, e) { br; span.meta { (c) } }
            }
            dt { (w.get(Msg::Added)) }
            dd { (w.with(Msg::WebhookAddedBy, &[("who", e.created_by.clone()), ("when", short_time(&e.created_at))])) }
        }
        (actions(staff, e, &here))
        section aria-labelledby="deliveries" {
            h2 #deliveries { (w.get(Msg::WebhookDeliveries)) }
            @if log.deliveries.is_empty() {
                p.empty { (w.get(Msg::WebhookNoDeliveries)) }
            } @else {
                (table(staff, e, &here, log, customers))
            }
            nav.pager aria-label=(w.get(Msg::Pages)) {
                @if asked.before.is_some() {
                    a href={ (here) "#deliveries" } { (w.get(Msg::FirstPage)) }
                }
                @if let Some(next) = &log.next {
                    a rel="next" href={ (here) "?before=" (next) "#deliveries" } { (w.get(Msg::NextPage)) }
                }
            }
        }
    };
    staff.page(StatusCode::OK, &e.url, body)
}

/// Enable or disable, test, rotate, recover: each a form of its own, with what it does.
fn actions(staff: &Staff, e: &Endpoint, here: &str) -> Markup {
    let w = staff.words();
    let form = |to: &str, button: Msg, danger: bool, hint: Option<Msg>| {
        let hint_id = format!("hint-{to}");
        html! {
            form.action method="post" action={ (here) "/" (to) } {
                input type="hidden" name="csrf" value=(staff.csrf);
                @if danger {
                    button.danger type="submit" aria-describedby=[hint.map(|_| hint_id.as_str())] { (w.get(button)) }
                } @else {
                    button type="submit" aria-describedby=[hint.map(|_| hint_id.as_str())] { (w.get(button)) }
                }
                @if let Some(h) = hint { p.meta id=(hint_id) { (w.get(h)) } }
            }
        }
    };
    html! {
        section aria-labelledby="actions" {
            h2 #actions { (w.get(Msg::WebhookActions)) }
            @if e.enabled {
                (form("disable", Msg::WebhookDisable, true, Some(Msg::WebhookDisableHint)))
            } @else {
                (form("enable", Msg::WebhookEnable, false, None))
            }
            (form("test", Msg::WebhookTest, false, Some(Msg::WebhookTestHint)))
            (form("rotate-secret", Msg::WebhookRotate, false, Some(Msg::WebhookRotateHint)))
            @if e.enabled {
                form.action method="post" action={ (here) "/recover" } {
                    input type="hidden" name="csrf" value=(staff.csrf);
                    label for="since" { (w.get(Msg::WebhookSince)) }
                    p.meta #since-hint { (w.get(Msg::WebhookSinceHint)) }
                    input #since type="text" name="since" value=(SINCE_DEFAULT) required
                        maxlength="40" autocomplete="off" spellcheck="false"
                        aria-describedby="since-hint";
                    button type="submit" { (w.get(Msg::WebhookRecover)) }
                }
            } @else {
                p.meta { (w.get(Msg::WebhookRecoverDisabled)) }
            }
        }
    }
}

/// The log's table: a delivery a row, newest first.
fn table(
    staff: &Staff,
    e: &Endpoint,
    here: &str,
    log: &Deliveries,
    customers: &HashMap<Uuid, Customer>,
) -> Markup {
    let w = staff.words();
    html! {
        div.table-wrap {
            table.deliveries {
                caption.visually-hidden { (w.get(Msg::WebhookDeliveries)) }
                thead { tr {
                    th scope="col" { (w.get(Msg::When)) }
                    th scope="col" { (w.get(Msg::WebhookEvent)) }
                    th scope="col" { (w.get(Msg::WebhookCustomer)) }
                    th scope="col" { (w.get(Msg::WebhookAttempts)) }
                    th scope="col" { (w.get(Msg::WebhookStatus)) }
                    th scope="col" { (w.get(Msg::WebhookAnswer)) }
                    th scope="col" { (w.get(Msg::WebhookMessage)) }
                } }
                tbody {
                    @for d in &log.deliveries {
                        tr {
                            th scope="row" { (short_time(&d.created_at)) }
                            td { code { (d.event) } }
                            td { (customer(w, d, customers)) }
                            td { (d.attempts) }
                            td { (status(w, d)) }
                            td.answer { @if let Some(a) = &d.answer { (a) } }
                            td {
                                code { (d.message) }
                                @if e.enabled {
                                    form method="post" action={ (here) "/deliveries/" (d.message) "/replay" } {
                                        input type="hidden" name="csrf" value=(staff.csrf);
                                        button type="submit" {
                                            (w.get(Msg::WebhookReplay))
                                            span.visually-hidden { " " (d.message) }
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
}

/// Who a delivery's event is about: their name and page when they are on file.
fn customer(w: Words<'_>, d: &Delivery, customers: &HashMap<Uuid, Customer>) -> Markup {
    html! {
        @match (d.customer, d.customer.and_then(|c| customers.get(&c))) {
            (_, Some(c)) => { a href={ "/console/customers/" (c.id) } { (list_name(c, w)) } }
            (Some(id), None) => { code { (id) } }
            (None, None) => { "—" }
        }
    }
}

/// Where a delivery stands: delivered, waiting or failed, the last answer or error, and
/// when.
fn status(w: Words<'_>, d: &Delivery) -> Markup {
    let word = match d.state.as_str() {
        "delivered" => Msg::WebhookDelivered,
        "failed" => Msg::WebhookFailed,
        _ => Msg::WebhookPending,
    };
    let result = match (d.last_status, &d.last_error) {
        (Some(s), _) => Some(format!("HTTP {s}")),
        (None, Some(e)) => Some(e.clone()),
        (None, None) => None,
    };
    let when = match (&d.delivered_at, &d.next_attempt_at, &d.last_attempt_at) {
        (Some(t), _, _) => Some(w.with(Msg::WebhookDeliveredAt, &[("when", short_time(t))])),
        (None, Some(t), _) => Some(w.with(Msg::WebhookNextAttempt, &[("when", short_time(t))])),
        (None, None, Some(t)) => Some(w.with(Msg::WebhookLastAttempt, &[("when", short_time(t))])),
        (None, None, None) => None,
    };
    html! {
        strong { (w.get(word)) }
        @if let Some(r) = result { " · " (r) }
        @if let Some(t) = when { br; span.meta { (t) } }
    }
}

/// `POST /console/webhooks/{id}/enable`.
pub async fn enable(Path(id): Path<String>, posted: Posted) -> Page {
    set_enabled(id, posted, true).await
}

/// `POST /console/webhooks/{id}/disable`: what was waiting for it fails (recover sends it
/// again once it is enabled).
pub async fn disable(Path(id): Path<String>, posted: Posted) -> Page {
    set_enabled(id, posted, false).await
}

async fn set_enabled(id: String, posted: Posted, enabled: bool) -> Page {
    let staff = &posted.staff;
    let done = async {
        let e = exact(staff, &id).await?;
        let actor = staff.actor.clone();
        staff
            .state
            .pool
            .run(move |db| Ok(webhook::set_enabled(db, &actor, &e.id, enabled)?))
            .await
    }
    .await;
    let report = if enabled {
        Done::Enabled
    } else {
        Done::Disabled
    };
    match done {
        Ok(id) => Page::redirect(&format!("{BASE}/{id}?{}", report.query())),
        Err(e) => staff.failed(e),
    }
}

/// `POST /console/webhooks/{id}/rotate-secret`: a new secret, shown once; the old one
/// keeps signing beside it for 24 hours.
pub async fn rotate(Path(id): Path<String>, posted: Posted) -> Page {
    let staff = &posted.staff;
    let rotated = async {
        let e = exact(staff, &id).await?;
        let actor = staff.actor.clone();
        staff
            .state
            .pool
            .run(move |db| Ok(webhook::rotate_secret(db, &actor, &e.id, Utc::now())?))
            .await
    }
    .await;
    match rotated {
        Ok(shown) => secret_page(staff, &shown, true),
        Err(e) => staff.failed(e),
    }
}

/// `POST /console/webhooks/{id}/recover`: sends again what failed (or was dropped when the
/// endpoint was disabled) since `since`, as `intake-agent webhook recover` does.
pub async fn recover(Path(id): Path<String>, posted: Posted) -> Page {
    let staff = &posted.staff;
    let w = staff.words();
    let Ok(since) = crate::command::webhook::parse_since(posted.get("since"), Utc::now()) else {
        return staff.failed(ApiError::bad(w.get(Msg::WebhookSinceBad)));
    };
    let done = async {
        let e = exact(staff, &id).await?;
        let actor = staff.actor.clone();
        let now_ms = Utc::now().timestamp_millis();
        let endpoint = e.id.clone();
        let n = staff
            .state
            .pool
            .run(move |db| {
                Ok(webhook::recover(
                    db,
                    &actor,
                    Some(&endpoint),
                    since,
                    now_ms,
                )?)
            })
            .await?;
        Ok::<_, ApiError>((e.id, n))
    }
    .await;
    match done {
        Ok((id, n)) => Page::redirect(&format!(
            "{BASE}/{id}?{}",
            Done::Recovered(n as u64).query()
        )),
        Err(e) => staff.failed(e),
    }
}

/// `POST /console/webhooks/{id}/deliveries/{message}/replay`: sends the message again to
/// this endpoint, with the same `webhook-id`.
pub async fn replay(Path((id, message)): Path<(String, String)>, posted: Posted) -> Page {
    let staff = &posted.staff;
    let done = async {
        let (actor, endpoint) = (staff.actor.clone(), id.clone());
        let found = staff
            .state
            .pool
            .run(move |db| {
                let d = webhook::delivery(db.conn(), &actor, &endpoint, &message)?;
                let now_ms = Utc::now().timestamp_millis();
                webhook::replay(db, &actor, &d.message, Some(&endpoint), now_ms)?;
                Ok(d.message)
            })
            .await?;
        Ok::<_, ApiError>(found)
    }
    .await;
    match done {
        Ok(message) => Page::redirect(&format!("{BASE}/{id}?{}", Done::Replayed(message).query())),
        Err(e) => staff.failed(e),
    }
}

/// `POST /console/webhooks/{id}/test`: sends a `webhook.ping` now, as `intake-agent
/// webhook test` does, records it in the log, and shows the receiver's answer.
pub async fn test(Path(id): Path<String>, posted: Posted) -> Page {
    let staff = &posted.staff;
    let sent = async {
        let e = exact(staff, &id).await?;
        let options = crate::webhook::Options::from_env()?;
        let client = crate::webhook::client(&options)?;
        let actor = staff.actor.clone();
        let due = staff
            .state
            .pool
            .run(move |db| {
                let now_ms = Utc::now().timestamp_millis();
                Ok(queue::ping(db, &actor, &e.id, now_ms)?)
            })
            .await?;
        let outcome =
            crate::webhook::send(&client, options.policy, &crate::webhook::SystemClock, &due).await;
        let recorded = outcome.clone();
        staff
            .state
            .pool
            .run(move |db| {
                queue::record(
                    db,
                    std::slice::from_ref(&recorded),
                    Utc::now().timestamp_millis(),
                    queue::random_unit,
                )?;
                Ok(())
            })
            .await?;
        Ok::<_, ApiError>((due, outcome))
    }
    .await;
    let (due, outcome) = match sent {
        Ok(s) => s,
        Err(e) => return staff.failed(e),
    };
    let w = staff.words();
    let title = w.get(Msg::WebhookTestTitle);
    let said = match (outcome.succeeded(), outcome.status, &outcome.error) {
        (true, Some(status), _) => Ok(w.with(
            Msg::WebhookTestOk,
            &[
                ("url", due.url.clone()),
                ("status", status.to_string()),
                ("ms", outcome.duration_ms.to_string()),
                ("message", due.message_id.clone()),
            ],
        )),
        (_, status, error) => Err(w.with(
            Msg::WebhookTestFailed,
            &[
                ("url", due.url.clone()),
                (
                    "why",
                    status.map_or_else(
                        || error.clone().unwrap_or_default(),
                        |s| format!("HTTP {s}"),
                    ),
                ),
                ("message", due.message_id.clone()),
            ],
        )),
    };
    let body = html! {
        h1 { (title) }
        @match &said {
            Ok(text) => { p.notice role="status" { (text) } }
            Err(text) => { p.error role="alert" { (text) } }
        }
        p { a href={ (BASE) "/" (due.endpoint_id) "#deliveries" } { (w.get(Msg::WebhookToEndpoint)) } }
    };
    staff.page(StatusCode::OK, &title, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_reads_only_what_it_makes_of_its_query() {
        let a = Asked::parse(Some("before=msg_0190abc&done=replayed&message=msg_0190abc")).unwrap();
        assert_eq!(a.before.as_deref(), Some("msg_0190abc"));
        assert_eq!(a.done, Some(Done::Replayed("msg_0190abc".into())));
        let a = Asked::parse(Some("done=recovered&count=3")).unwrap();
        assert_eq!(a.done, Some(Done::Recovered(3)));
        assert_eq!(Done::Recovered(3).query(), "done=recovered&count=3");
        for ignored in [
            "done=replayed&message=%3Cb%3Ehi",
            "done=recovered&count=-1",
            "done=exploded",
        ] {
            assert_eq!(Asked::parse(Some(ignored)).unwrap().done, None, "{ignored}");
        }
        for bad in ["before=1%20OR%201", "before=msg_", "before=ep_0190"] {
            let err = Asked::parse(Some(bad)).unwrap_err();
            assert!(err.starts_with("before:"), "{bad}: {err}");
        }
    }
}
