//! The shop's retention policy (`[retention]` in `shop.toml`): how long what the law asks
//! a studio to keep is kept, and when it goes.
//!
//! Body-art rules set how long releases and health answers are kept: 2 years in Tennessee,
//! Texas, South Dakota and New York City, 3 in Michigan, 5 in some cities; a minor's often
//! until some years after they come of age. The defaults keep the longest of these.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// How long each kind of record is kept. Every figure is in whole years.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Retention {
    /// Years a signed release (with its signature and health answers) is kept after signing.
    pub release_years: u32,
    /// A release signed by a minor is kept at least until they have been of age (the shop's
    /// `adult_age`) for this many years, whichever is later.
    pub minor_years_after_majority: u32,
    /// Years a customer with nothing left to keep stays after their last visit (the last
    /// registration, release, service or Safety Panel check).
    pub customer_years: u32,
    /// Years audit log entries are kept.
    pub audit_years: u32,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            release_years: 5,
            minor_years_after_majority: 3,
            customer_years: 5,
            audit_years: 6,
        }
    }
}

/// The most years any figure may say: longer is keeping forever by another name.
pub const MAX_YEARS: u32 = 50;

impl Retention {
    /// Everything wrong, each with the `shop.toml` field it is about.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let figures = [
            ("retention.release_years", self.release_years, 1),
            (
                "retention.minor_years_after_majority",
                self.minor_years_after_majority,
                0,
            ),
            ("retention.customer_years", self.customer_years, 1),
            ("retention.audit_years", self.audit_years, 1),
        ];
        for (field, years, least) in figures {
            if !(least..=MAX_YEARS).contains(&years) {
                out.push((
                    field,
                    format!("{field} is {years}: use {least} to {MAX_YEARS} years"),
                ));
            }
        }
        out
    }

    /// When a release signed at `signed_at` by someone born on `birthdate` may go: its
    /// years after signing, or for someone who signed under `adult_age`, the day they came
    /// of age plus [`Retention::minor_years_after_majority`], whichever is later. An unknown
    /// birthdate counts as an adult's.
    pub fn release_due(
        &self,
        signed_at: DateTime<Utc>,
        birthdate: Option<NaiveDate>,
        adult_age: u32,
    ) -> DateTime<Utc> {
        let by_signing = add_years(signed_at, self.release_years);
        let Some(born) = birthdate else {
            return by_signing;
        };
        let of_age = add_years_date(born, adult_age);
        if signed_at.date_naive() >= of_age {
            return by_signing;
        }
        let minor = add_years_date(of_age, self.minor_years_after_majority)
            .and_hms_opt(0, 0, 0)
            .expect("midnight exists")
            .and_utc();
        by_signing.max(minor)
    }

    /// When a customer last seen at `last_visit` may go, once nothing of theirs is kept.
    pub fn customer_due(&self, last_visit: DateTime<Utc>) -> DateTime<Utc> {
        add_years(last_visit, self.customer_years)
    }

    /// Audit entries before this time may go.
    pub fn audit_cutoff(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        sub_years(now, self.audit_years)
    }
}

/// `years` after `t`, the same day and time (29 February becomes 28 February).
pub fn add_years(t: DateTime<Utc>, years: u32) -> DateTime<Utc> {
    t.checked_add_months(chrono::Months::new(years.saturating_mul(12)))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

fn sub_years(t: DateTime<Utc>, years: u32) -> DateTime<Utc> {
    t.checked_sub_months(chrono::Months::new(years.saturating_mul(12)))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn add_years_date(d: NaiveDate, years: u32) -> NaiveDate {
    d.checked_add_months(chrono::Months::new(years.saturating_mul(12)))
        .unwrap_or(NaiveDate::MAX)
}

/// A stored birthdate (`YYYY-MM-DD`), when it reads as one.
pub fn birthdate(text: Option<&str>) -> Option<NaiveDate> {
    let d = NaiveDate::parse_from_str(text?, "%Y-%m-%d").ok()?;
    (d.year() > 1800).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        crate::time::parse(s).unwrap()
    }

    #[test]
    fn a_release_is_kept_its_years_or_until_a_minor_has_been_of_age_long_enough() {
        let p = Retention {
            release_years: 2,
            minor_years_after_majority: 3,
            ..Retention::default()
        };
        let signed = at("2020-06-01T10:00:00.000Z");
        // An adult: two years after signing, to the millisecond.
        let adult = birthdate(Some("1990-01-01"));
        assert_eq!(
            p.release_due(signed, adult, 18),
            at("2022-06-01T10:00:00.000Z")
        );
        // Unknown birthdate: as an adult.
        assert_eq!(
            p.release_due(signed, None, 18),
            at("2022-06-01T10:00:00.000Z")
        );
        // A 16-year-old: 18 on 2022-03-15, then three more years.
        let minor = birthdate(Some("2004-03-15"));
        assert_eq!(
            p.release_due(signed, minor, 18),
            at("2025-03-15T00:00:00.000Z")
        );
        // A 17-year-old under a long release period: the later date wins.
        let p10 = Retention {
            release_years: 10,
            ..p
        };
        assert_eq!(
            p10.release_due(signed, minor, 18),
            at("2030-06-01T10:00:00.000Z")
        );
        // Signed on the 18th birthday: an adult's.
        let eighteen = birthdate(Some("2002-06-01"));
        assert_eq!(
            p.release_due(signed, eighteen, 18),
            at("2022-06-01T10:00:00.000Z")
        );
        // Born on 29 February.
        let leap = birthdate(Some("2004-02-29"));
        assert_eq!(
            p.release_due(signed, leap, 18),
            at("2025-02-28T00:00:00.000Z")
        );
    }

    #[test]
    fn every_figure_is_checked_and_named() {
        assert!(Retention::default().problems().is_empty());
        let bad = Retention {
            release_years: 0,
            minor_years_after_majority: 51,
            customer_years: 0,
            audit_years: 100,
        };
        let fields: Vec<&str> = bad.problems().iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            [
                "retention.release_years",
                "retention.minor_years_after_majority",
                "retention.customer_years",
                "retention.audit_years"
            ]
        );
        assert!(bad.problems()[0].1.contains("use 1 to 50 years"));
        assert!(birthdate(Some("not a date")).is_none());
    }

    #[test]
    fn a_retention_policy_is_stated_by_the_shipped_file_and_checked_with_its_field_named() {
        // The shipped settings state one; a shop.toml from before there was one states none.
        assert!(
            crate::settings::Settings::defaults()
                .shop
                .retention
                .is_some()
        );
        let dir = tempfile::tempdir().unwrap();
        let shop = dir.path().join(crate::settings::SHOP_FILE);
        std::fs::write(&shop, "name = \"Tinta\"\n").unwrap();
        let loaded = crate::settings::Settings::load_shop(Some(dir.path())).unwrap();
        assert_eq!(loaded.retention, None);
        assert_eq!(loaded.retention(), Retention::default());
        std::fs::write(&shop, "name = \"Tinta\"\n[retention]\nrelease_years = 2\n").unwrap();
        let loaded = crate::settings::Settings::load_shop(Some(dir.path())).unwrap();
        assert_eq!(loaded.retention().release_years, 2);
        assert_eq!(loaded.retention().audit_years, 6, "the rest default");
        std::fs::write(&shop, "name = \"Tinta\"\n[retention]\nrelease_years = 0\n").unwrap();
        let err = crate::settings::Settings::load_shop(Some(dir.path()))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("retention.release_years is 0: use 1 to 50 years"),
            "{err}"
        );
        std::fs::write(&shop, "name = \"Tinta\"\n[retention]\nforever = true\n").unwrap();
        let err = crate::settings::Settings::load_shop(Some(dir.path()))
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 3") && err.contains("forever"), "{err}");
    }
}
