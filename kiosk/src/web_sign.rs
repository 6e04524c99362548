//! The Web Sign QR code on the welcome screen, shown only while a phone would open it.
//!
//! The kiosk opens the shop's `web_sign_url` itself, trusting only the certificate
//! authorities a phone trusts ([`phone_trust`]): first when it starts, then every hour while
//! the page opens and every five minutes while it does not, so a certificate the store gets
//! by ACME brings the code up without a restart, and an expired or self-signed one takes it
//! down. A customer never scans a code that ends on a browser's certificate warning.

use std::time::{Duration, Instant};

use iced::Task;
use intake_common::phone_trust::{self, Verdict};

use crate::app::{Kiosk, Message};

/// How long a "phones can open it" stands before the kiosk looks again.
pub const RECHECK_TRUSTED: Duration = Duration::from_secs(60 * 60);
/// How soon the kiosk looks again after a refusal.
pub const RECHECK_REFUSED: Duration = Duration::from_secs(5 * 60);

/// Where the kiosk's check of the Web Sign address stands.
#[derive(Debug, Clone, Default)]
pub struct WebSign {
    /// The last answer; `None` until the first check ends.
    pub verdict: Option<Verdict>,
    checking: bool,
    /// When the next check is due; `None` is now.
    next: Option<Instant>,
}

impl Kiosk {
    /// Whether the welcome screen shows the Web Sign QR code.
    pub fn shows_web_sign_qr(&self) -> bool {
        self.qr.is_some() && self.web_sign.verdict == Some(Verdict::Trusted)
    }

    /// The check of the Web Sign address, when one is due and none is under way.
    pub(crate) fn take_web_sign_check(&mut self) -> Option<Task<Message>> {
        let url = self.settings.shop.web_sign_url.clone()?;
        let due = self.web_sign.next.is_none_or(|at| self.now >= at);
        if self.web_sign.checking || !due {
            return None;
        }
        self.web_sign.checking = true;
        let roots = self.options.phone_roots.clone();
        Some(Task::perform(
            async move { phone_trust::check(&url, &roots).await },
            Message::WebSignChecked,
        ))
    }

    /// The answer of a check of the Web Sign address.
    pub(crate) fn web_sign_checked(&mut self, verdict: Verdict) {
        let url = self
            .settings
            .shop
            .web_sign_url
            .as_deref()
            .unwrap_or_default();
        let wait = match &verdict {
            Verdict::Trusted => {
                if self.web_sign.verdict != Some(Verdict::Trusted) {
                    tracing::info!(%url, "Web Sign: phones can open the address; the QR code is shown");
                }
                RECHECK_TRUSTED
            }
            Verdict::Refused(why) => {
                tracing::warn!(%url, "Web Sign: the QR code is hidden, a phone would not open the address: {why}");
                RECHECK_REFUSED
            }
        };
        self.web_sign = WebSign {
            verdict: Some(verdict),
            checking: false,
            next: Some(self.now + wait),
        };
    }
}
