//! The submit: the whole draft checked again and stored as a kiosk registration, in one
//! transaction — with, for a visit opened through a link, the link marked used.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::http::StatusCode;
use chrono::Utc;
use intake_common::Db;
use intake_common::customer::Field;
use intake_common::release::{self, Signing, Submitted};
use intake_common::visit_links;
use uuid::Uuid;

use super::draft::{self, Draft};
use super::words::WebMsg;
use super::{Current, DEVICE, Page, State, WebSign, flow, page, pages, render, today};

/// `current` is the settings the draft was brought in line with: one snapshot for the
/// checks, the registration and the signing, so a save in between never mixes two
/// templates in one release.
pub(super) async fn submit(
    state: &Arc<State>,
    ws: &Arc<WebSign>,
    current: Arc<Current>,
    mut draft: Draft,
    csrf: &str,
    client: SocketAddr,
) -> Page {
    let lang = draft.lang;
    let words = ws.words(lang);
    if let Some(busy) = super::count(state, ws, &ws.submits, lang, client).await {
        return busy;
    }
    let today = today();
    // Every step again: nothing incomplete goes in, whatever path led here.
    if let Some((step, problems)) = flow::first_unfinished(&draft, &current.settings, today) {
        draft.step = step;
        draft.reviewing = true;
        return render(
            ws,
            &draft,
            csrf,
            &problems,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let once = Once {
        nonce: draft.nonce.clone(),
        until: draft.opened + draft::LIFETIME_SECS,
        now: Utc::now().timestamp(),
        used: words.get(WebMsg::RefusedUsed).into_owned(),
    };
    let registration = flow::registration(&draft, &current.settings, today);
    let name = registration
        .profile
        .get(Field::Nickname)
        .or(registration.profile.get(Field::FirstName))
        .unwrap_or_default()
        .to_owned();
    let signed_under = Arc::clone(&current);
    let visit = draft.visit;
    let stored = state
        .pool
        .run(move |db| Ok(store(db, registration, &signed_under, visit, &once)))
        .await;
    match stored {
        Ok(Ok(done)) => {
            tracing::info!(release = %done.release, "release signed on the web");
            page(StatusCode::OK, pages::done(words, &current.settings, &name))
        }
        Ok(Err(intake_common::Error::LinkUnusable)) => ws.link_refused(lang),
        Ok(Err(intake_common::Error::Invalid(why))) => {
            ws.refusal(lang, StatusCode::BAD_REQUEST, &why)
        }
        Ok(Err(e)) => {
            tracing::error!(error = %e, "could not save a Web Sign registration");
            ws.refusal(
                lang,
                StatusCode::SERVICE_UNAVAILABLE,
                &words.get(WebMsg::ErrSaveFailed),
            )
        }
        Err(e) => {
            tracing::error!(error = ?e, "could not save a Web Sign registration");
            ws.refusal(
                lang,
                StatusCode::SERVICE_UNAVAILABLE,
                &words.get(WebMsg::ErrSaveFailed),
            )
        }
    }
}

/// The customer a submitted registration is for: the one whose phone and birthdate match
/// exactly (and only one does) and whose first and last names are the same once case,
/// accents and spacing are folded away. Anyone less certain is a new customer, for
/// `duplicates` to show.
fn returning(db: &Db, reg: &release::Registration) -> intake_common::Result<Option<Uuid>> {
    use intake_common::normalize::search_key;
    let (Some(phone), Some(birthdate)) =
        (reg.profile.get(Field::PhoneNumber), reg.profile.birthdate())
    else {
        return Ok(None);
    };
    let Some(found) = release::find_returning(db.conn(), phone, birthdate)? else {
        return Ok(None);
    };
    let same = |f: Field| match (found.profile.get(f), reg.profile.get(f)) {
        (Some(a), Some(b)) => search_key(a) == search_key(b),
        _ => false,
    };
    Ok((same(Field::FirstName) && same(Field::LastName)).then_some(found.id))
}

/// A draft is stored once: its nonce is taken in the transaction that stores it, in the
/// database every store process shares, so a failed submit takes nothing.
struct Once {
    nonce: String,
    until: i64,
    now: i64,
    /// What a visitor sending the form again is told.
    used: String,
}

/// Stores a registration. Through a link (`visit`): only while the link can still be
/// used, for the customer staff made it for — without the exact-match rule, as staff
/// vouched for them — and with the link marked used in the same transaction. A link for
/// someone new, and the shop-wide form, attach only on an exact match ([`returning`]).
fn store(
    db: &mut Db,
    mut registration: release::Registration,
    current: &Current,
    visit: Option<Uuid>,
    once: &Once,
) -> intake_common::Result<Submitted> {
    let link = match visit {
        Some(id) => Some(
            visit_links::still_open(db.conn(), id)?.ok_or(intake_common::Error::LinkUnusable)?,
        ),
        None => None,
    };
    registration.existing = match link.as_ref().and_then(|l| l.customer_id) {
        Some(customer) => Some(customer),
        None => returning(db, &registration)?,
    };
    let signing = Signing::new(DEVICE, &current.settings, &current.template);
    release::submit_with(db, &registration, &signing, |tx, done| {
        if !visit_links::claim_submit(tx, &once.nonce, once.until, once.now)? {
            return Err(intake_common::Error::Invalid(once.used.clone()));
        }
        match &link {
            Some(l) => visit_links::mark_used(tx, l.id, done.release, done.customer),
            None => Ok(()),
        }
    })
}
