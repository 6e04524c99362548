//! The form between steps: it travels in the page itself, sealed (XChaCha20-Poly1305)
//! under a key only the store holds and bound to the browser's CSRF cookie, so the store
//! keeps nothing personal before the customer submits, and a page's state can be neither
//! read, changed nor carried to another browser.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use intake_common::crypto::Sealer;
use intake_common::settings::Lang;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Current;
use super::fields::Step;

/// A page's state is good for this long after the form was opened.
pub const LIFETIME_SECS: i64 = 2 * 3600;

/// What the customer has entered so far.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Draft {
    /// A random id: a draft is submitted once.
    pub nonce: String,
    /// When the form was opened (Unix seconds).
    pub opened: i64,
    pub lang: Lang,
    pub step: Step,
    /// The text answers, by field name (see `fields`).
    pub values: BTreeMap<String, String>,
    pub opt_in: bool,
    /// One answer per configured health question.
    pub health: Vec<Option<bool>>,
    /// Per template clause: agreed (with its initials in `values` as `c<i>`), declined (an
    /// optional one), or not answered yet.
    pub clauses: Vec<Option<bool>>,
    /// The adopted signatures: PNG, base64.
    pub signature: Option<String>,
    pub guardian_signature: Option<String>,
    /// Where the customer came to the review from, to return there after a change.
    pub reviewing: bool,
    /// The link for one visit this form was opened through (its id), if any.
    #[serde(default)]
    pub visit: Option<Uuid>,
    /// The first word of the name staff typed when making that link, to greet with.
    #[serde(default)]
    pub greeting: Option<String>,
    /// The clauses and questions its answers are for (see [`asked`]).
    #[serde(default)]
    pub under: String,
}

/// What a draft's answers are answers to: the template version in force and the health
/// questions, as a short fingerprint.
pub fn asked(current: &Current) -> String {
    use sha2::Digest as _;
    let questions = serde_json::to_vec(&current.settings.questions).unwrap_or_default();
    let mut h = sha2::Sha256::new();
    h.update(current.template.sha256.as_bytes());
    h.update(b"\0");
    h.update(&questions);
    URL_SAFE_NO_PAD.encode(&h.finalize()[..12])
}

impl Draft {
    pub fn new(current: &Current, lang: Lang, now: i64) -> Self {
        let settings = &current.settings;
        let mut nonce = [0u8; 16];
        // Without randomness a nonce would repeat; the store cannot run without it anyway.
        let _ = getrandom::fill(&mut nonce);
        Self {
            nonce: URL_SAFE_NO_PAD.encode(nonce),
            opened: now,
            lang,
            step: Step::default(),
            values: BTreeMap::new(),
            opt_in: false,
            health: vec![None; settings.questions.len()],
            clauses: vec![None; settings.template.clauses.len()],
            signature: None,
            guardian_signature: None,
            reviewing: false,
            visit: None,
            greeting: None,
            under: asked(current),
        }
    }

    /// Brings a draft begun under other clauses or health questions (the shop saved new
    /// ones since) in line with `current`: those answers are asked again, as they are by
    /// position and a position may now hold another clause or question.
    pub fn follow(&mut self, current: &Current) {
        let now = asked(current);
        if self.under == now {
            return;
        }
        let settings = &current.settings;
        self.health = vec![None; settings.questions.len()];
        self.clauses = vec![None; settings.template.clauses.len()];
        self.values.retain(|name, _| {
            let mut chars = name.chars();
            let by_position = matches!(chars.next(), Some('q' | 'c'))
                && chars.next().is_some_and(|c| c.is_ascii_digit());
            !by_position
        });
        self.signature = None;
        self.guardian_signature = None;
        self.under = now;
    }

    pub fn value(&self, name: &str) -> &str {
        self.values.get(name).map_or("", String::as_str)
    }

    pub fn set(&mut self, name: &str, value: String) {
        if value.is_empty() {
            self.values.remove(name);
        } else {
            self.values.insert(name.to_owned(), value);
        }
    }

    /// Seals the draft for the page, bound to the browser's `csrf` token.
    pub fn seal(&self, key: &Sealer, csrf: &str) -> String {
        let sealed = key.seal_json(&aad(csrf), self);
        URL_SAFE_NO_PAD.encode(sealed)
    }

    /// Opens a page's sealed draft: `None` when it was changed, sealed for another
    /// browser's token or under another key.
    pub fn open(key: &Sealer, csrf: &str, sealed: &str) -> Option<Draft> {
        let bytes = URL_SAFE_NO_PAD.decode(sealed.trim()).ok()?;
        key.open_json(&aad(csrf), &bytes).ok()
    }

    /// Whether the draft is older than [`LIFETIME_SECS`] (or from the future).
    pub fn expired(&self, now: i64) -> bool {
        !(0..=LIFETIME_SECS).contains(&(now - self.opened))
    }
}

fn aad(csrf: &str) -> Vec<u8> {
    format!("intake web sign draft v1:{csrf}").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use intake_common::settings::Settings;

    #[test]
    fn a_draft_opens_only_unchanged_and_for_its_own_token() {
        let key = Sealer::from_key(&[7; 32]);
        let current = current(Settings::defaults(), "a");
        let mut d = Draft::new(&current, Lang::Es, 1_000);
        d.set("first_name", "Ana".into());
        d.step = Step::Address;
        d.signature = Some("abc".into());
        let sealed = d.seal(&key, "token-a");
        assert!(!sealed.contains("Ana"));
        let back = Draft::open(&key, "token-a", &sealed).unwrap();
        assert_eq!(back.value("first_name"), "Ana");
        assert_eq!(back.lang, Lang::Es);
        assert!(Draft::open(&key, "token-b", &sealed).is_none());
        let mut bytes = URL_SAFE_NO_PAD.decode(&sealed).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert!(Draft::open(&key, "token-a", &URL_SAFE_NO_PAD.encode(bytes)).is_none());
        assert!(Draft::open(&Sealer::from_key(&[8; 32]), "token-a", &sealed).is_none());
        assert!(!back.expired(1_000 + LIFETIME_SECS));
        assert!(back.expired(1_001 + LIFETIME_SECS));
        assert!(back.expired(999));
    }

    fn current(settings: Settings, sha: &str) -> Current {
        let template = intake_common::release::TemplateRef {
            id: settings.template.id.clone(),
            version: 1,
            sha256: sha.into(),
        };
        let region = settings.shop.region;
        Current::new(settings, template, region)
    }

    #[test]
    fn answers_given_under_other_clauses_are_asked_again() {
        let before = current(Settings::defaults(), "v1");
        let mut d = Draft::new(&before, Lang::En, 1_000);
        d.set("first_name", "Ana".into());
        d.set("c0", "AB".into());
        d.set("q1_details", "penicillin".into());
        d.clauses[0] = Some(true);
        d.health[1] = Some(true);
        d.signature = Some("png".into());
        let kept = d.clone();
        d.follow(&before);
        assert_eq!(
            d.clauses, kept.clauses,
            "the same settings keep every answer"
        );
        assert_eq!(d.value("c0"), "AB");

        let mut fewer = Settings::defaults();
        fewer.template.clauses.remove(0);
        let after = current(fewer, "v2");
        d.follow(&after);
        assert_eq!(d.clauses, vec![None; after.settings.template.clauses.len()]);
        assert!(d.health.iter().all(Option::is_none));
        assert_eq!(d.value("c0"), "");
        assert_eq!(d.value("q1_details"), "");
        assert_eq!(d.value("first_name"), "Ana", "the profile is kept");
        assert!(d.signature.is_none());
        assert_eq!(d.under, asked(&after));
    }
}
