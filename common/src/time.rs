//! Timestamps as stored: RFC 3339 in UTC with milliseconds, so text order is time order.

use chrono::{DateTime, SecondsFormat, Utc};

pub fn format(t: DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    let (year, millis) = (t.year(), t.timestamp_subsec_millis());
    // Written digit by digit (a listing writes a million); chrono writes what that does
    // not cover: years outside 0 to 9999 and leap seconds.
    let Ok(year) = u32::try_from(year) else {
        return t.to_rfc3339_opts(SecondsFormat::Millis, true);
    };
    if year > 9999 || millis > 999 {
        return t.to_rfc3339_opts(SecondsFormat::Millis, true);
    }
    let mut out = String::with_capacity(24);
    let parts = [
        (year, 4, '-'),
        (t.month(), 2, '-'),
        (t.day(), 2, 'T'),
        (t.hour(), 2, ':'),
        (t.minute(), 2, ':'),
        (t.second(), 2, '.'),
        (millis, 3, 'Z'),
    ];
    for (n, width, after) in parts {
        for place in (0..width).rev() {
            let digit = (n / 10u32.pow(place)) % 10;
            out.push(char::from(b'0' + digit as u8));
        }
        out.push(after);
    }
    out
}

pub fn parse(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

pub fn now() -> String {
    format(Utc::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_writes_what_chrono_writes() {
        for text in [
            "2026-12-02T13:29:29.803Z",
            "1970-01-01T00:00:00.000Z",
            "0001-02-03T04:05:06.007Z",
            "9999-12-31T23:59:59.999Z",
        ] {
            let t = parse(text).unwrap();
            assert_eq!(format(t), t.to_rfc3339_opts(SecondsFormat::Millis, true));
            assert_eq!(format(t), text);
        }
        let nanos =
            parse("2026-06-30T23:59:59.5Z").unwrap() + chrono::Duration::nanoseconds(123_456);
        assert_eq!(format(nanos), "2026-06-30T23:59:59.500Z");
    }
}
