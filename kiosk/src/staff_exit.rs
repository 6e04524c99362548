//! The staff exit: a hidden gesture opens a PIN pad, and what is typed there lets staff out.
//!
//! First the kiosk checks it itself (`users::check_kiosk_exit`): a paired kiosk against its
//! own exit code (a slow hash the store gave it, so this works offline), a kiosk that is its
//! own store against its staff PINs. When that fails on a paired kiosk, the kiosk asks the
//! store in the background (`POST /v1/kiosk/exit`, the store's pinned certificate, a short
//! timeout): the store knows the staff PINs the kiosk does not hold. The UI never waits.

use std::time::Duration;

use iced::Task;
use intake_common::pinned_tls::{self, Trust};
use intake_common::{Db, Error, audit, sync, throttle, users};
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::app::{Kiosk, Message};
use crate::form::Input;
use crate::i18n::Msg;
use crate::screen::Screen;

/// How long the store has to answer a staff exit before the kiosk says it is offline.
pub const STORE_TIMEOUT: Duration = Duration::from_secs(4);

const STAFF_TAPS: u32 = 5;
const STAFF_TAP_WINDOW: Duration = Duration::from_secs(4);

/// Where a paired kiosk's store is, and how the kiosk proves who it is there.
#[derive(Clone)]
pub struct StoreLink {
    pub url: String,
    /// The store certificate's SHA-256, pinned at pairing (`None` for plain HTTP).
    pub fingerprint: Option<String>,
    pub token: Zeroizing<String>,
}

impl std::fmt::Debug for StoreLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never prints the token.
        f.debug_struct("StoreLink")
            .field("url", &self.url)
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

/// The store's link, if this kiosk is paired with one.
pub fn store_link(db: &Db) -> intake_common::Result<Option<StoreLink>> {
    Ok(sync::credentials(db.conn())?
        .filter(|c| !c.token.is_empty())
        .map(|c| StoreLink {
            url: c.store_url,
            fingerprint: c.fingerprint,
            token: Zeroizing::new(c.token),
        }))
}

/// What the store said about a PIN typed on the kiosk's exit pad.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreAnswer {
    /// An active staff member's PIN.
    Staff { user: String, role: String },
    /// No staff member's PIN (401).
    Wrong,
    /// The store has locked this kiosk's pad after wrong PINs (429).
    Locked { retry_after_secs: u64 },
    /// No answer in time, no network, a certificate that is not the pinned one, or an answer
    /// the kiosk cannot use: only the exit code works now.
    Offline,
}

#[derive(Deserialize)]
struct Found {
    user: String,
    role: String,
}

/// Asks the store whose staff PIN `pin` is. Never fails: what goes wrong is
/// [`StoreAnswer::Offline`], logged with its reason.
pub async fn ask_store(link: StoreLink, pin: Zeroizing<String>) -> StoreAnswer {
    match ask(&link, &pin).await {
        Ok(answer) => answer,
        Err(reason) => {
            tracing::warn!(store = %link.url, "the store could not check a staff PIN: {reason}");
            StoreAnswer::Offline
        }
    }
}

async fn ask(link: &StoreLink, pin: &str) -> Result<StoreAnswer, String> {
    let trust = Trust::Pinned(link.fingerprint.clone().unwrap_or_default());
    let tls = pinned_tls::client_config(trust).map_err(|e| e.to_string())?;
    let client = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .timeout(STORE_TIMEOUT)
        .connect_timeout(STORE_TIMEOUT)
        .user_agent(concat!("intake-kiosk/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| e.to_string())?;
    let resp = client
        .post(format!("{}/v1/kiosk/exit", link.url))
        .bearer_auth(link.token.as_str())
        .json(&serde_json::json!({ "pin": pin }))
        .send()
        .await
        .map_err(|e| error_chain(&e))?;
    match resp.status().as_u16() {
        200 => {
            let found: Found = resp.json().await.map_err(|e| error_chain(&e))?;
            Ok(StoreAnswer::Staff {
                user: found.user,
                role: found.role,
            })
        }
        401 => Ok(StoreAnswer::Wrong),
        429 => Ok(StoreAnswer::Locked {
            retry_after_secs: resp
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok())
                .unwrap_or(60),
        }),
        status => Err(format!(
            "answered {status}: {}",
            resp.text().await.unwrap_or_default()
        )),
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

impl Kiosk {
    /// A tap on the hidden corner; enough taps in a row open the staff pad.
    pub(crate) fn staff_corner(&mut self) {
        let (count, first) = self.staff_taps;
        let count = if self.now.saturating_duration_since(first) > STAFF_TAP_WINDOW || count == 0 {
            self.staff_taps.1 = self.now;
            1
        } else {
            count + 1
        };
        self.staff_taps.0 = count;
        if count >= STAFF_TAPS {
            self.staff_taps.0 = 0;
            self.begin();
            self.staff_message = None;
            self.staff_checking = false;
            self.screen = Screen::StaffPin;
            self.focus = Some(Input::Pin);
        }
    }

    /// The staff pad: the kiosk's exit code (a paired kiosk), or a staff PIN (a kiosk that
    /// is its own store). The pad's lock is kept in the database, so a restart keeps it.
    /// A paired kiosk asks its store about a PIN it cannot check itself (see
    /// [`Kiosk::take_store_check`]); a miss here counts on the pad either way.
    pub(crate) fn pin_entered(&mut self) {
        if self.staff_checking {
            return;
        }
        let pin = Zeroizing::new(self.form.value(Input::Pin).to_owned());
        self.form.set(Input::Pin, "");
        match users::check_kiosk_exit_at(self.db(), &pin, &self.options.device, self.wall()) {
            Ok(actor) => {
                self.let_out(actor.name.clone());
                self.staff_actor = Some(actor);
            }
            Err(Error::Throttled { .. }) => {
                tracing::warn!("staff pad locked after wrong PINs");
                self.staff_message = Some(Msg::StaffLocked);
            }
            Err(e) => {
                let link = match store_link(self.db()) {
                    Ok(link) => link,
                    Err(e) => {
                        tracing::error!("could not read this kiosk's store: {e}");
                        None
                    }
                };
                match link {
                    Some(link) if matches!(e, Error::BadCredentials) => {
                        self.staff_checking = true;
                        self.staff_message = Some(Msg::StaffChecking);
                        self.store_check = Some((link, pin));
                    }
                    _ => {
                        tracing::warn!("staff PIN refused: {e}");
                        self.staff_message = Some(Msg::StaffWrong);
                    }
                }
            }
        }
    }

    /// The question for the store the last message raised, as a task that answers with
    /// [`Message::StoreExit`].
    pub(crate) fn take_store_check(&mut self) -> Option<Task<Message>> {
        let (link, pin) = self.store_check.take()?;
        Some(Task::perform(ask_store(link, pin), Message::StoreExit))
    }

    /// The store's answer about the PIN typed last.
    pub(crate) fn store_answered(&mut self, answer: StoreAnswer) {
        // Nobody is waiting any more: the pad was left or wiped meanwhile.
        if !self.staff_checking || self.screen != Screen::StaffPin {
            return;
        }
        self.staff_checking = false;
        match answer {
            StoreAnswer::Staff { user, role } => {
                let device = &self.options.device;
                let pad = users::pinpad_key(&users::kiosk_pad(device));
                let conn = self.db().conn();
                let recorded = audit::record(
                    conn,
                    &user,
                    "kiosk.staff",
                    None,
                    &format!("{role} on kiosk {device}: PIN checked by the store"),
                )
                .and_then(|()| throttle::clear(conn, &pad));
                if let Err(e) = recorded {
                    tracing::error!("could not audit the staff sign-in: {e}");
                }
                self.let_out(user);
            }
            StoreAnswer::Wrong => self.staff_message = Some(Msg::StaffWrong),
            StoreAnswer::Locked { retry_after_secs } => {
                tracing::warn!(retry_after_secs, "the store locked this kiosk's staff pad");
                self.staff_message = Some(Msg::StaffLocked);
            }
            StoreAnswer::Offline => self.staff_message = Some(Msg::StaffOffline),
        }
    }

    fn let_out(&mut self, user: String) {
        self.staff_user = Some(user);
        self.staff_message = None;
        self.focus = None;
        self.screen = Screen::StaffMenu;
    }

    /// Closes the kiosk for the staff member signed in, audited.
    pub(crate) fn staff_leaves(&mut self) -> Task<Message> {
        let who = self.staff_user.clone().unwrap_or_default();
        if let Err(e) = audit::record(
            self.db().conn(),
            &who,
            "kiosk.exit",
            None,
            &self.options.device,
        ) {
            tracing::error!("could not audit the staff exit: {e}");
        }
        tracing::info!(staff = %who, "kiosk closed by staff");
        self.wipe();
        iced::exit()
    }
}
