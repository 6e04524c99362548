//! Presets: the customer-list exports of the apps studios move from (Square, Vagaro, Fresha,
//! …), so that a studio imports the file it has in hand without writing a column map.
//!
//! A preset is a column map with the app's own spellings, how to read the values that need
//! it (an e-mail subscription word, a phone written with its country code but no `+`, a
//! birthday without a year), and what its other columns are: history (visits, spend,
//! counts), which is never imported; payment details, which are never imported at all; and
//! extra profile columns, which [`--extra-to-notes`](super::ImportOptions::extra_to_notes)
//! keeps in the customer's notes. Each preset records where its format comes from.
//!
//! A file names its app by its header: every preset has telltale columns no studio file
//! and no other app's export has.

mod apps;

use apps::PRESETS;

use crate::customer::Field;
use crate::normalize::header_key;

/// One app's customer export.
#[derive(Debug)]
pub struct Preset {
    /// The name `import --from` takes.
    pub name: &'static str,
    /// The app and the export, as people call them.
    pub app: &'static str,
    /// Where in the app the export is made.
    pub export: &'static str,
    /// Where the format comes from: the app's help pages and templates, and public code
    /// written against real exports.
    pub sources: &'static [&'static str],
    /// How sure the format is, and what is not known.
    pub confidence: &'static str,
    pub columns: &'static [Column],
    /// The header is this app's when it has every column of one of these sets.
    pub telltales: &'static [&'static [&'static str]],
    /// How many lines from the top the header may stand on (lines of report text above it
    /// in Vagaro's export); 1 for a header on the first line.
    pub header_within: u64,
    /// Cells that mean "no value" (Vagaro writes `---`).
    pub empty: &'static [&'static str],
    /// How its dates are written.
    pub dates: Dates,
}

impl PartialEq for Preset {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Preset {}

/// One column of an app's export: its spellings (exact, case and punctuation aside), and
/// what it is.
#[derive(Debug)]
pub struct Column {
    pub names: &'static [&'static str],
    pub role: Role,
}

/// What an app's column is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A profile field, read as `Reading` says.
    Fill(Field, Reading),
    /// The whole name in one cell, split into first and last name.
    Name,
    /// Profile information with no field of its own: kept in the notes with
    /// `--extra-to-notes`, else left out.
    Extra,
    /// Visits, spend, counts, dates of visits: never imported ("only profile information
    /// is imported, not history").
    History,
    /// Card, bank or identity document details: never imported, not even into the notes.
    Private,
    /// Repeats other columns (a full name beside the first and last names).
    Repeats,
}

/// How a column's cells are read into its field.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reading {
    pub value: Value,
    /// Used only when no earlier column filled the field (a day phone when the mobile is
    /// empty).
    pub fallback: bool,
}

impl Reading {
    pub const PLAIN: Reading = Reading {
        value: Value::AsWritten,
        fallback: false,
    };
    pub const FALLBACK: Reading = Reading {
        value: Value::AsWritten,
        fallback: true,
    };
    pub const fn of(value: Value) -> Reading {
        Reading {
            value,
            fallback: false,
        }
    }
}

/// How a value is written, where an app writes it its own way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Value {
    /// As Intake reads the field everywhere.
    #[default]
    AsWritten,
    /// `Subscribed`, `Unsubscribed` or `Unknown` (no answer): an e-mail opt-in.
    Subscription,
    /// Yes means the opposite of the field (`Email Unsubscribed`: yes is an opt-out).
    Negated,
    /// A phone number with its country code but no `+` (`44 7700 900123`).
    CountryCodeFirst,
    /// A birthday that may have no year (`03-14`): kept in the notes as written, since a
    /// birthdate needs its year.
    MaybeNoYear,
    /// A date with a time after it (`1988-05-01 00:00:00.000`): the time is dropped.
    DateTime,
}

/// How an app writes dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dates {
    /// ISO, or numeric in the order learnt from the whole column (as any file).
    Learn,
    /// Month first, as the app is US-only.
    MonthFirst,
}

impl Preset {
    /// The preset `--from` names.
    pub fn named(name: &str) -> Option<&'static Preset> {
        let key = header_key(name);
        PRESETS.iter().find(|p| header_key(p.name) == key)
    }

    /// Every preset, in the order `import --help` lists them.
    pub fn all() -> &'static [Preset] {
        &PRESETS
    }

    /// The names `--from` takes, for messages and help.
    pub fn names() -> Vec<&'static str> {
        PRESETS.iter().map(|p| p.name).collect()
    }

    /// What the app's column called `name` is, if it is one of the app's.
    pub fn role(&self, name: &str) -> Option<Role> {
        let key = header_key(name);
        self.columns
            .iter()
            .find(|c| c.names.iter().any(|n| header_key(n) == key))
            .map(|c| c.role)
    }

    /// How many of the header's cells are this app's columns, when the header has every
    /// column of one of its telltale sets.
    fn known_columns(&self, keys: &[String]) -> Option<usize> {
        let has = |name: &&str| keys.contains(&header_key(name));
        self.telltales
            .iter()
            .any(|set| set.iter().all(has))
            .then(|| keys.iter().filter(|k| self.role(k).is_some()).count())
    }

    /// Whether `header` is this app's export's header (it has one set of telltale columns).
    pub fn recognises(&self, header: &[String]) -> bool {
        let keys: Vec<String> = header.iter().map(|h| header_key(h)).collect();
        self.known_columns(&keys).is_some()
    }

    /// The app whose export has this header, if any: the one knowing the most columns.
    pub fn detect(header: &[String]) -> Option<&'static Preset> {
        let keys: Vec<String> = header.iter().map(|h| header_key(h)).collect();
        PRESETS
            .iter()
            .filter_map(|p| p.known_columns(&keys).map(|n| (n, p)))
            .max_by_key(|(n, _)| *n)
            .map(|(_, p)| p)
    }
}

/// Whether a column's name says it holds history rather than profile information: visits,
/// spend, bookings, counts. Such a column is never imported, whatever the layout or map.
pub fn looks_like_history(name: &str) -> bool {
    const WORDS: [&str; 23] = [
        "visit",
        "spend",
        "spent",
        "transaction",
        "appointment",
        "booked",
        "checkin",
        "noshow",
        "cancellation",
        "points",
        "amountpaid",
        "lifetime",
        "dayssince",
        "revenue",
        "sales",
        "purchase",
        "employeeseen",
        "employeesseen",
        "customersince",
        "clientsince",
        "lastseen",
        "totalpaid",
        "balance",
    ];
    says_any(name, &WORDS)
}

/// Whether a column's name says it holds card, bank or identity-document details. Such a
/// column is never imported, not even into the notes.
pub fn looks_private(name: &str) -> bool {
    const WORDS: [&str; 16] = [
        "card",
        "cvv",
        "cvc",
        "iban",
        "bank",
        "account",
        "routing",
        "ssn",
        "socialsecurity",
        "license",
        "licence",
        "passport",
        "identification",
        "nationalid",
        "taxid",
        "password",
    ];
    says_any(name, &WORDS)
}

/// Whether a column's name, case and punctuation aside, contains one of `words`.
fn says_any(name: &str, words: &[&str]) -> bool {
    let key = header_key(name);
    words.iter().any(|w| key.contains(w))
}

#[cfg(test)]
mod tests;
