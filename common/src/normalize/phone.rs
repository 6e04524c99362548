//! Phone numbers, checked and keyed by libphonenumber's rules (the `phonenumber` crate).
//!
//! A number is read in a region, the shop's (`region` in `shop.toml`) unless the caller
//! says otherwise: written nationally (`55 1234 5678`) it belongs to that region; written
//! with `+` or `00` (`+52 55 1234 5678`) it keeps its own country. The key is E.164
//! (`+525512345678`); an extension is never part of it.

use std::borrow::Cow;
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{LazyLock, Mutex};

use phonenumber::country::{Id, Source};
use phonenumber::metadata::DATABASE;
use phonenumber::{Metadata, Mode, PhoneNumber};

/// Where numbers written without a country code belong: an ISO 3166 two-letter code.
///
/// It holds the lengths its numbers can have, worked out once, so checking a number costs
/// no lookup in the metadata.
#[derive(Clone, Copy)]
pub struct Region {
    id: Id,
    rules: &'static Rules,
}

/// A country code and the lengths a national number under it can have: any kind of
/// number (fixed line, mobile, toll-free, ...) of any region that shares the code (the US
/// and Canada share +1). Local-only lengths (a US number without its area code) are not
/// among them: such a number has no E.164 form.
#[derive(Debug)]
struct Rules {
    country_code: u16,
    lengths: Vec<usize>,
}

impl Rules {
    /// The rules of country code `code` (`None` for a code no region has), made the first
    /// time a code is asked for and kept for the life of the program.
    fn of(code: u16) -> Option<&'static Rules> {
        static MADE: LazyLock<Mutex<HashMap<u16, &'static Rules>>> = LazyLock::new(Mutex::default);
        let mut made = MADE
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(rules) = made.get(&code) {
            return Some(rules);
        }
        let metas: Vec<&Metadata> = DATABASE.by_code(&code)?;
        let mut lengths: Vec<usize> = metas
            .iter()
            .flat_map(|m| {
                let d = m.descriptors();
                [
                    Some(d.general()),
                    d.fixed_line(),
                    d.mobile(),
                    d.toll_free(),
                    d.premium_rate(),
                    d.shared_cost(),
                    d.personal_number(),
                    d.voip(),
                    d.pager(),
                    d.uan(),
                    d.voicemail(),
                ]
            })
            .flatten()
            .flat_map(|d| d.possible_length().iter().map(|l| usize::from(*l)))
            .collect();
        lengths.sort_unstable();
        lengths.dedup();
        let rules: &'static Rules = Box::leak(Box::new(Rules {
            country_code: code,
            lengths,
        }));
        made.insert(code, rules);
        Some(rules)
    }

    /// Whether a national number of `digits` digits is possible under this code.
    fn possible(&self, digits: usize) -> bool {
        self.lengths.contains(&digits)
    }
}

impl Region {
    /// The United States: the default, and how numbers were read before regions.
    pub fn us() -> Region {
        Region::of(Id::US).expect("the metadata has the US")
    }

    fn of(id: Id) -> Option<Region> {
        let meta = DATABASE.by_id(id.as_ref())?;
        Some(Region {
            id,
            rules: Rules::of(meta.country_code())?,
        })
    }

    /// The two letters, as `shop.toml` writes them.
    pub fn code(&self) -> &str {
        self.id.as_ref()
    }
}

impl Default for Region {
    fn default() -> Self {
        Region::us()
    }
}

impl PartialEq for Region {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Eq for Region {}

impl std::hash::Hash for Region {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.id.hash(state);
    }
}

impl std::fmt::Debug for Region {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Region({})", self.code())
    }
}

impl std::fmt::Display for Region {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Region {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        let code = raw.trim().to_ascii_uppercase();
        let letters = code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase());
        match Id::from_str(&code)
            .ok()
            .filter(|_| letters)
            .and_then(Region::of)
        {
            Some(region) => Ok(region),
            None => Err(format!(
                "{raw:?} is not a region with phone numbers; use an ISO 3166 two-letter country \
                 code such as US, MX, ES, GB or CA"
            )),
        }
    }
}

impl serde::Serialize for Region {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> serde::Deserialize<'de> for Region {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        raw.parse().map_err(serde::de::Error::custom)
    }
}

/// Checks a phone number read in `region`; returns it as written (trimmed, single-spaced).
pub fn phone(raw: &str, region: Region) -> Result<String, String> {
    let value = super::clean_text(raw);
    phone_key(&value, region)?;
    Ok(value.into_owned())
}

/// The key phone numbers are matched by, in E.164 form. In region US `(512) 555-0121` and
/// `+1 512 555 0121` both give `+15125550121`; in MX `55 1234 5678` gives `+525512345678`;
/// `0044 20 7946 0958` gives `+442079460958` in any region.
pub fn phone_key(raw: &str, region: Region) -> Result<String, String> {
    let (number, _) = read(raw, region)?;
    Ok(number.format().mode(Mode::E164).to_string())
}

/// The number in international form (`+52 55 1234 5678`, an extension kept as written):
/// what a number read in another region than the shop's is stored as, so that it keeps
/// its country whatever region reads it later.
pub fn phone_international(raw: &str, region: Region) -> Result<String, String> {
    let (number, extension) = read(raw, region)?;
    let main = number.format().mode(Mode::International).to_string();
    Ok(match extension {
        Some(ext) => format!("{main} {ext}"),
        None => main,
    })
}

/// Reads a number: the parsed number and the extension as written, if any.
fn read(raw: &str, region: Region) -> Result<(PhoneNumber, Option<&str>), String> {
    let value = raw.trim();
    // An extension ("x12", "ext. 12", "#12") is not part of the number. Found in `value`
    // itself, so the position is a char boundary of `value`.
    let (main, extension) = match value.find(['x', 'X', '#', 'e', 'E']) {
        Some(pos) if pos > 0 => (&value[..pos], Some(value[pos..].trim())),
        _ => (value, None),
    };
    let mut digits = 0;
    for ch in main.chars() {
        match ch {
            '0'..='9' => digits += 1,
            ' ' | '-' | '.' | '(' | ')' | '/' | '+' => {}
            other => {
                return Err(format!(
                    "phone number {value:?} contains {other:?}; use digits, spaces, + - ( ) ."
                ));
            }
        }
    }
    if digits == 0 {
        return Err(format!("phone number {value:?} has no digits"));
    }
    let main = main.trim();
    // `00` starts an international number nearly everywhere; `+` everywhere.
    let text = match main.strip_prefix("00") {
        Some(rest) => Cow::Owned(format!("+{rest}")),
        None => Cow::Borrowed(main),
    };
    let number = phonenumber::parse(Some(region.id), text.as_ref())
        .map_err(|e| parse_problem(value, region, &e))?;
    if possible(&number, region) {
        return Ok((number, extension));
    }
    if let Some(number) = mexican_mobile(&number) {
        return Ok((number, extension));
    }
    Err(invalid(value, region, &number))
}

/// Whether `number` is possible: its national number has a length some kind of number
/// under its country code has (libphonenumber's "possible number"). Pattern validity
/// (libphonenumber's "valid number") would also refuse real numbers in ranges the
/// metadata does not list yet, and the fictional ones staff and tests use.
fn possible(number: &PhoneNumber, region: Region) -> bool {
    let code = number.code().value();
    let rules = if code == region.rules.country_code {
        Some(region.rules)
    } else {
        Rules::of(code)
    };
    rules.is_some_and(|r| r.possible(national_digits(number)))
}

/// How many digits the national number has (leading zeros included).
fn national_digits(number: &PhoneNumber) -> usize {
    number.national().to_string().len()
}

/// Mexico dropped the `1` of mobile numbers in 2019 (`+52 1 55 1234 5678` is now
/// `+52 55 1234 5678`), but people still write it.
fn mexican_mobile(number: &PhoneNumber) -> Option<PhoneNumber> {
    if number.code().value() != 52 {
        return None;
    }
    let national = number.national().to_string();
    let rest = national.strip_prefix('1').filter(|r| r.len() == 10)?;
    let mexico = Region::of(Id::MX)?;
    phonenumber::parse(None, format!("+52{rest}"))
        .ok()
        .filter(|n| possible(n, mexico))
}

/// Where a number was read: its own country code, or the region it was taken to be from.
fn read_as(number: &PhoneNumber, region: Region) -> String {
    if international(number) {
        format!("for country code +{}", number.code().value())
    } else {
        format!("in region {region}")
    }
}

/// Whether the number was written with its country code after `+` or `00` (or another
/// international prefix), rather than as the region's own.
fn international(number: &PhoneNumber) -> bool {
    matches!(number.code().source(), Source::Plus | Source::Idd)
}

fn parse_problem(value: &str, region: Region, e: &phonenumber::ParseError) -> String {
    use phonenumber::ParseError as P;
    match e {
        P::InvalidCountryCode => {
            format!("phone number {value:?} starts with a country code that does not exist")
        }
        P::TooLong => format!("phone number {value:?} is too long"),
        P::TooShortNsn | P::TooShortAfterIdd => {
            format!("phone number {value:?} is too short for a number in region {region}")
        }
        _ => format!("phone number {value:?} is not a phone number in region {region}"),
    }
}

fn invalid(value: &str, region: Region, number: &PhoneNumber) -> String {
    let digits = national_digits(number);
    let lengths = Rules::of(number.code().value()).map_or(&[][..], |r| r.lengths.as_slice());
    let what = match (lengths.first(), lengths.last()) {
        (Some(min), _) if digits < *min => "is too short for a number",
        (_, Some(max)) if digits > *max => "is too long for a number",
        _ => "is not a possible number",
    };
    let place = read_as(number, region);
    if !international(number) {
        format!(
            "phone number {value:?} {what} {place}; write a number from another country \
             with + and its country code"
        )
    } else {
        format!("phone number {value:?} {what} {place}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(code: &str) -> Region {
        code.parse().unwrap()
    }

    #[test]
    fn national_and_international_forms_give_one_key() {
        let cases = [
            // United States
            ("US", "(512) 555-0121", "+15125550121"),
            ("US", "512-555-0121", "+15125550121"),
            ("US", "512.555.0121", "+15125550121"),
            ("US", "1-512-555-0121", "+15125550121"),
            ("US", "+1 (512) 555-0121", "+15125550121"),
            ("US", "001 512 555 0121", "+15125550121"),
            ("MX", "+1 512 555 0121", "+15125550121"),
            // Mexico
            ("MX", "55 1234 5678", "+525512345678"),
            ("MX", "(55) 1234-5678", "+525512345678"),
            ("MX", "+52 55 1234 5678", "+525512345678"),
            ("MX", "0052 55 1234 5678", "+525512345678"),
            ("MX", "+52 1 55 1234 5678", "+525512345678"),
            ("US", "+52 55 1234 5678", "+525512345678"),
            ("ES", "00 52 55-1234-5678", "+525512345678"),
            // Spain
            ("ES", "612 345 678", "+34612345678"),
            ("ES", "612-34-56-78", "+34612345678"),
            ("ES", "+34 612 34 56 78", "+34612345678"),
            ("ES", "0034 612345678", "+34612345678"),
            ("US", "+34 612 345 678", "+34612345678"),
            ("ES", "91 123 45 67", "+34911234567"),
            // United Kingdom
            ("GB", "020 7946 0958", "+442079460958"),
            ("GB", "(020) 7946-0958", "+442079460958"),
            ("GB", "07911 123456", "+447911123456"),
            ("US", "+44 20 7946 0958", "+442079460958"),
            ("US", "0044 20 7946 0958", "+442079460958"),
            ("US", "011 44 20 7946 0958", "+442079460958"),
            // Canada
            ("CA", "(604) 555-0199", "+16045550199"),
            ("CA", "1 613 555 0142", "+16135550142"),
            ("US", "604-555-0199", "+16045550199"),
            ("ES", "+1 604 555 0199", "+16045550199"),
        ];
        for (region, raw, key) in cases {
            assert_eq!(
                phone_key(raw, r(region)).as_deref(),
                Ok(key),
                "{raw} in {region}"
            );
        }
    }

    #[test]
    fn the_region_decides_a_national_number() {
        // The two numbers the North American reading got wrong.
        assert_eq!(phone_key("55 1234 5678", r("US")).unwrap(), "+15512345678");
        assert_eq!(phone_key("55 1234 5678", r("MX")).unwrap(), "+525512345678");
        assert_eq!(phone_key("612 345 678", r("ES")).unwrap(), "+34612345678");
        let err = phone_key("612 345 678", r("US")).unwrap_err();
        assert!(err.contains("\"612 345 678\""), "{err}");
        assert!(err.contains("region US"), "{err}");
        assert!(err.contains("country code"), "{err}");
    }

    #[test]
    fn extensions_are_not_part_of_the_key() {
        for raw in [
            "512.555.0121 x 44",
            "512-555-0121 EXT. 4",
            "(512) 555-0121 ext 12",
            "512-555-0121#3",
            "+1 512 555 0121 x",
        ] {
            assert_eq!(
                phone_key(raw, Region::us()).unwrap(),
                "+15125550121",
                "{raw}"
            );
        }
        assert_eq!(
            phone_key("91 123 45 67 ext. 20", r("ES")).unwrap(),
            "+34911234567"
        );
        assert_eq!(
            phone_international("55 1234 5678 ext. 9", r("MX")).unwrap(),
            "+52 55 1234 5678 ext. 9"
        );
        assert_eq!(
            phone_international("0034 612 34 56 78", Region::us()).unwrap(),
            "+34 612 34 56 78"
        );
    }

    #[test]
    fn invalid_numbers_name_the_number_and_the_region() {
        let err = phone_key("555", Region::us()).unwrap_err();
        assert!(
            err.contains("\"555\"") && err.contains("too short"),
            "{err}"
        );
        assert!(err.contains("region US"), "{err}");
        let err = phone_key("123", r("MX")).unwrap_err();
        assert!(
            err.contains("too short") && err.contains("region MX"),
            "{err}"
        );
        let err = phone_key("512 555 01211", Region::us()).unwrap_err();
        assert!(
            err.contains("too long") && err.contains("region US"),
            "{err}"
        );
        // Impossible in the region: no area code starts with 1.
        let err = phone_key("123-456-7890", Region::us()).unwrap_err();
        assert!(err.contains("in region US"), "{err}");
        // Possible is the rule, not the ranges in use: fictional numbers are fine.
        assert_eq!(
            phone_key("(555) 055-0199", Region::us()).unwrap(),
            "+15550550199"
        );
        let err = phone_key("+44 20 79", Region::us()).unwrap_err();
        assert!(err.contains("country code +44"), "{err}");
        let err = phone_key("12345", r("ES")).unwrap_err();
        assert!(
            err.contains("too short") && err.contains("region ES"),
            "{err}"
        );
        assert!(
            phone_key("call me", Region::us())
                .unwrap_err()
                .contains("'c'")
        );
        assert!(
            phone_key("", Region::us())
                .unwrap_err()
                .contains("no digits")
        );
        assert!(phone_key("+999 1234 5678", Region::us()).is_err());
        // Characters whose lower case has another length must not break the slicing.
        assert!(phone_key("\u{212A}1x", Region::us()).is_err());
        assert!(phone_key("ȺȺx", Region::us()).is_err());
    }

    #[test]
    fn regions_are_iso_codes_with_numbers() {
        assert_eq!(r("mx"), r("MX"));
        assert_eq!(r(" es ").code(), "ES");
        assert_eq!(Region::default(), Region::us());
        for bad in ["XX", "USA", "", "U1", "001"] {
            let err = bad.parse::<Region>().unwrap_err();
            assert!(err.contains("ISO 3166"), "{bad}: {err}");
        }
    }
}
