//! Validation and normalisation of the values customers and files give us.
//!
//! Every function returns either the value to store or a message in plain words
//! that names what is wrong with it; callers add where (file, line, column).

use std::borrow::Cow;

use chrono::{Datelike, NaiveDate};

mod phone;
pub use phone::{Region, phone, phone_international, phone_key};

/// Trims, folds runs of white space into one space, and drops control characters.
/// Borrows when the text is already clean, as nearly every cell of a real file is.
pub fn clean_text(raw: &str) -> Cow<'_, str> {
    let trimmed = raw.trim();
    let clean = !trimmed.contains("  ")
        && trimmed
            .chars()
            .all(|c| c == ' ' || !(c.is_whitespace() || c.is_control()));
    if clean {
        return Cow::Borrowed(trimmed);
    }
    let mut out = String::with_capacity(trimmed.len());
    let mut pending_space = false;
    for ch in trimmed.chars() {
        if ch.is_whitespace() {
            pending_space = true;
        } else if !ch.is_control() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(ch);
        }
    }
    Cow::Owned(out)
}

/// Like [`clean_text`] but keeps line breaks (for notes), trimming each line.
pub fn clean_multiline(raw: &str) -> Cow<'_, str> {
    if !raw.contains(['\n', '\r']) {
        return clean_text(raw);
    }
    let unified = raw.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<Cow<'_, str>> = unified.split('\n').map(clean_text).collect();
    let mut out = lines.join("\n");
    while out.contains("\n\n\n") {
        out = out.replace("\n\n\n", "\n\n");
    }
    Cow::Owned(out.trim_matches('\n').to_string())
}

/// The key names are compared by for duplicates: lower case, single spaces, trimmed.
pub fn name_key(name: &str) -> String {
    clean_text(name).to_lowercase()
}

/// What a person's search and the text searched are compared by: lower case, accents and
/// other combining marks dropped ("Ramírez" and "RAMIREZ" both give "ramirez"), runs of
/// white space as one space, trimmed.
/// What a name search reads of a customer: the first and last name folded as
/// [`search_key`] folds them ("lucia ramirez", so "lucia ram" finds her), then, after a
/// separator no one types, the nickname.
pub fn search_name(first: Option<&str>, last: Option<&str>, nickname: Option<&str>) -> String {
    let name = search_key(&format!("{} {}", first.unwrap_or(""), last.unwrap_or("")));
    match nickname.map(search_key).filter(|n| !n.is_empty()) {
        Some(n) => format!("{name}\u{1f}{n}"),
        None => name,
    }
}

pub fn search_key(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    use unicode_normalization::char::is_combining_mark;
    let folded: String = text
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Checks an e-mail address; returns it trimmed. Internationalised local parts are fine.
pub fn email(raw: &str) -> Result<String, String> {
    let value = raw.trim();
    if value.chars().any(char::is_whitespace) {
        return Err(format!("e-mail address {value:?} contains a space"));
    }
    let Some((local, domain)) = value.rsplit_once('@') else {
        return Err(format!("e-mail address {value:?} has no @"));
    };
    if local.is_empty() {
        return Err(format!("e-mail address {value:?} has nothing before the @"));
    }
    if local.contains('@') && !local.starts_with('"') {
        return Err(format!("e-mail address {value:?} has more than one @"));
    }
    if !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || domain.contains("..")
    {
        return Err(format!(
            "e-mail address {value:?} needs a domain such as example.com after the @"
        ));
    }
    if value.len() > 254 {
        return Err("e-mail address is longer than 254 characters".into());
    }
    Ok(value.to_string())
}

/// The key e-mails are matched by: the whole address in lower case.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// How a file writes its dates when they are not ISO 8601.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateFormat {
    /// 2024-03-31, and the ISO form is always accepted.
    Iso,
    /// 03/31/2024 (month first, as in the US).
    MonthFirst,
    /// 31/03/2024 or 31.03.2024 (day first, as in most of Europe).
    DayFirst,
    /// A chrono pattern such as `%d %b %Y`.
    Pattern(String),
}

impl std::str::FromStr for DateFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "iso" | "ymd" | "yyyy-mm-dd" => Ok(DateFormat::Iso),
            "mdy" | "us" | "mm/dd/yyyy" => Ok(DateFormat::MonthFirst),
            "dmy" | "eu" | "dd/mm/yyyy" | "dd.mm.yyyy" => Ok(DateFormat::DayFirst),
            _ if s.contains('%') => Ok(DateFormat::Pattern(s.to_string())),
            _ => Err(format!(
                "unknown date format {s:?}: use iso, mdy, dmy or a pattern such as %d.%m.%Y"
            )),
        }
    }
}

/// What a date cell turned out to be before the file's date order is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateGuess {
    /// Only one reading is possible.
    Sure(NaiveDate),
    /// Day and month could be either way round (`03/04/1990`).
    Ambiguous {
        month_first: NaiveDate,
        day_first: NaiveDate,
    },
}

/// Reads a birthdate. ISO 8601 (`1986-10-25`, with an optional time part) always works;
/// `a/b/yyyy`, `a.b.yyyy` and `a-b-yyyy` follow `format`, or, with no format given,
/// are read whichever way is possible and reported as ambiguous when both are.
pub fn guess_date(raw: &str, format: Option<&DateFormat>) -> Result<DateGuess, String> {
    let value = raw.trim();
    if let Some(DateFormat::Pattern(p)) = format {
        return NaiveDate::parse_from_str(value, p)
            .map(DateGuess::Sure)
            .map_err(|_| format!("date {value:?} does not match the format {p}"));
    }
    let date_part = value.split(['T', ' ']).next().unwrap_or(value);
    if let Ok(d) = NaiveDate::parse_from_str(date_part, "%Y-%m-%d") {
        return Ok(DateGuess::Sure(d));
    }
    if let Ok(d) = NaiveDate::parse_from_str(date_part, "%Y/%m/%d") {
        return Ok(DateGuess::Sure(d));
    }
    if format == Some(&DateFormat::Iso) {
        return Err(format!(
            "{value:?} is not an ISO date; write it as 1990-03-31"
        ));
    }
    let parts: Vec<&str> = date_part.split(['/', '.', '-']).collect();
    let [a, b, y] = parts.as_slice() else {
        return Err(format!(
            "{value:?} is not a date; write it as 1990-03-31 (or 03/31/1990, 31.03.1990)"
        ));
    };
    let (Ok(a), Ok(b), Ok(mut year)) = (a.parse::<u32>(), b.parse::<u32>(), y.parse::<i32>())
    else {
        return Err(format!(
            "{value:?} is not a date; write it as 1990-03-31 (or 03/31/1990, 31.03.1990)"
        ));
    };
    if y.len() == 2 {
        // Two-digit years: a birthdate is never in the future.
        let this_year = chrono::Utc::now().year() % 100;
        year += if year > this_year { 1900 } else { 2000 };
    } else if y.len() != 4 {
        return Err(format!("{value:?} has a {}-digit year", y.len()));
    }
    let month_first = NaiveDate::from_ymd_opt(year, a, b);
    let day_first = NaiveDate::from_ymd_opt(year, b, a);
    match format {
        Some(DateFormat::MonthFirst) => month_first
            .map(DateGuess::Sure)
            .ok_or_else(|| format!("{value:?} is not a real date (month/day/year)")),
        Some(DateFormat::DayFirst) => day_first
            .map(DateGuess::Sure)
            .ok_or_else(|| format!("{value:?} is not a real date (day/month/year)")),
        _ => match (month_first, day_first) {
            (Some(m), Some(d)) if m != d => Ok(DateGuess::Ambiguous {
                month_first: m,
                day_first: d,
            }),
            (Some(m), _) => Ok(DateGuess::Sure(m)),
            (None, Some(d)) => Ok(DateGuess::Sure(d)),
            (None, None) => Err(format!("{value:?} is not a real date")),
        },
    }
}

/// Checks that a birthdate is plausible: not in the future, not before 1900.
pub fn birthdate_in_range(date: NaiveDate, today: NaiveDate) -> Result<NaiveDate, String> {
    if date > today {
        return Err(format!("birthdate {date} is in the future"));
    }
    if date.year() < 1900 {
        return Err(format!("birthdate {date} is before 1900"));
    }
    Ok(date)
}

/// Reads a yes/no cell.
pub fn yes_no(raw: &str) -> Result<bool, String> {
    match raw.trim().to_lowercase().as_str() {
        // Spanish and Italian yes, as localised exports write it.
        "yes" | "y" | "true" | "1" | "x" | "on" | "sí" | "si" | "sì" => Ok(true),
        "no" | "n" | "false" | "0" | "off" => Ok(false),
        other => Err(format!("{other:?} is not yes or no")),
    }
}

/// Reads an active/inactive cell.
pub fn status(raw: &str) -> Result<bool, String> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "active" | "a" => Ok(true),
        "inactive" | "i" | "disabled" => Ok(false),
        _ => yes_no(raw).map_err(|_| format!("{:?} is not active or inactive", raw.trim())),
    }
}

/// Levenshtein distance, for suggesting the column a header meant.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Folds a header for loose comparison: lower case, letters and digits only.
pub fn header_key(raw: &str) -> String {
    raw.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_checked_and_keyed() {
        assert_eq!(email("  Ann@Example.COM ").unwrap(), "Ann@Example.COM");
        assert_eq!(email_key("Ann@Example.COM"), "ann@example.com");
        assert!(email("zoë.2@example.com").is_ok());
        assert!(email("ann.example.com").unwrap_err().contains("no @"));
        assert!(email("ann@localhost").unwrap_err().contains("domain"));
        assert!(email("a b@example.com").unwrap_err().contains("space"));
        assert!(email("@example.com").is_err());
    }

    #[test]
    fn names_fold_for_matching() {
        assert_eq!(name_key("  Van  der Berg "), "van der berg");
        assert_eq!(name_key("ZOË"), "zoë");
        assert_eq!(clean_text(" a\t b\u{7}c "), "a bc");
        assert_eq!(clean_multiline(" a \r\n\r\n\r\n b "), "a\n\nb");
        assert_eq!(clean_multiline("a\r\nb\rc"), "a\nb\nc");
    }

    #[test]
    fn dates_in_the_usual_forms() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(
            guess_date("1986-10-25", None).unwrap(),
            DateGuess::Sure(d(1986, 10, 25))
        );
        assert_eq!(
            guess_date("1986-10-25T00:00:00Z", None).unwrap(),
            DateGuess::Sure(d(1986, 10, 25))
        );
        assert_eq!(
            guess_date("10/25/1986", None).unwrap(),
            DateGuess::Sure(d(1986, 10, 25))
        );
        assert_eq!(
            guess_date("25.10.1986", None).unwrap(),
            DateGuess::Sure(d(1986, 10, 25))
        );
        assert_eq!(
            guess_date("03/04/1990", None).unwrap(),
            DateGuess::Ambiguous {
                month_first: d(1990, 3, 4),
                day_first: d(1990, 4, 3)
            }
        );
        assert_eq!(
            guess_date("03/04/1990", Some(&DateFormat::DayFirst)).unwrap(),
            DateGuess::Sure(d(1990, 4, 3))
        );
        assert_eq!(
            guess_date("04/04/1990", None).unwrap(),
            DateGuess::Sure(d(1990, 4, 4))
        );
        assert_eq!(
            guess_date("3/4/85", Some(&DateFormat::MonthFirst)).unwrap(),
            DateGuess::Sure(d(1985, 3, 4))
        );
        assert!(guess_date("31/31/1990", None).is_err());
        assert!(
            guess_date("yesterday", None)
                .unwrap_err()
                .contains("not a date")
        );
        let p = DateFormat::Pattern("%d %b %Y".into());
        assert_eq!(
            guess_date("25 Oct 1986", Some(&p)).unwrap(),
            DateGuess::Sure(d(1986, 10, 25))
        );
        let today = d(2026, 1, 1);
        assert!(birthdate_in_range(d(2030, 1, 1), today).is_err());
        assert!(birthdate_in_range(d(1850, 1, 1), today).is_err());
    }

    #[test]
    fn headers_suggest() {
        assert_eq!(header_key("First Name"), "firstname");
        assert_eq!(edit_distance("frstname", "firstname"), 1);
    }
}
