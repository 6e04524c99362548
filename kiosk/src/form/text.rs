//! Dates typed as digits in the reader's order, and the masks that show a value on file
//! without giving it away.

use chrono::NaiveDate;
use intake_common::customer::{Field, Profile};
use intake_common::settings::Lang;

/// Eight digits in the order `lang` writes dates (MMDDYYYY in English, DDMMYYYY in Spanish).
pub fn parse_date_digits(digits: &str, lang: Lang) -> Option<NaiveDate> {
    if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| digits[r].parse::<u32>().ok();
    let (a, b, year) = (n(0..2)?, n(2..4)?, n(4..8)?);
    let (month, day) = match lang {
        Lang::En => (a, b),
        Lang::Es => (b, a),
    };
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

pub fn date_digits(date: NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::En => date.format("%m%d%Y").to_string(),
        Lang::Es => date.format("%d%m%Y").to_string(),
    }
}

/// "Ann Lee" as "A••• L•••": enough for its owner to recognise, too little to learn from.
pub fn mask_name(profile: &Profile) -> String {
    [Field::FirstName, Field::LastName]
        .into_iter()
        .filter_map(|f| profile.get(f))
        .map(mask_word)
        .collect::<Vec<_>>()
        .join(" ")
}

/// "ann.lee@example.com" as "a•••@e•••.com". The top-level domain stays; nothing shows
/// how long the name or the host is.
pub fn mask_email(email: &str) -> String {
    let Some((local, domain)) = email.split_once('@') else {
        return mask_word(email);
    };
    let (host, tld) = domain.rsplit_once('.').unwrap_or((domain, ""));
    let tld = if tld.is_empty() {
        String::new()
    } else {
        format!(".{tld}")
    };
    format!("{}@{}{tld}", mask_word(local), mask_word(host))
}

/// A phone number on file as its last two digits only.
pub fn mask_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    let tail: String = digits[digits.len().saturating_sub(2)..].iter().collect();
    format!("•••• {tail}")
}

/// The first letter and three dots, whatever the length.
pub(super) fn mask_word(word: &str) -> String {
    match word.trim().chars().next() {
        Some(first) => format!("{first}•••"),
        None => String::new(),
    }
}
