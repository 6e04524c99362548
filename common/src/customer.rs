//! Customers: the profile fields, keyed the way the studio layout names them.

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::normalize::{self, Region};

/// One profile field of a customer. The studio CSV layout's column name, the JSON key and
/// the database column all come from here, so the three never drift apart.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Field {
    FirstName,
    MiddleName,
    LastName,
    Nickname,
    Email,
    PhoneNumber,
    Birthdate,
    Gender,
    Street,
    Street2,
    City,
    State,
    PostalCode,
    Country,
    Occupation,
    Notes,
    Company,
    ReferenceId,
    Status,
    OptIn,
    MembershipNumber,
}

impl Field {
    pub const ALL: [Field; 21] = [
        Field::FirstName,
        Field::MiddleName,
        Field::LastName,
        Field::Nickname,
        Field::Email,
        Field::PhoneNumber,
        Field::Birthdate,
        Field::Gender,
        Field::Street,
        Field::Street2,
        Field::City,
        Field::State,
        Field::PostalCode,
        Field::Country,
        Field::Occupation,
        Field::Notes,
        Field::Company,
        Field::ReferenceId,
        Field::Status,
        Field::OptIn,
        Field::MembershipNumber,
    ];
    pub const COUNT: usize = Self::ALL.len();

    /// The studio layout's column name (also the JSON key).
    pub const fn column(self) -> &'static str {
        match self {
            Field::FirstName => "FirstName",
            Field::MiddleName => "MiddleName",
            Field::LastName => "LastName",
            Field::Nickname => "Nickname",
            Field::Email => "Email",
            Field::PhoneNumber => "PhoneNumber",
            Field::Birthdate => "Birthdate",
            Field::Gender => "Gender",
            Field::Street => "Street",
            Field::Street2 => "Street2",
            Field::City => "City",
            Field::State => "State",
            Field::PostalCode => "PostalCode",
            Field::Country => "Country",
            Field::Occupation => "Occupation",
            Field::Notes => "Notes",
            Field::Company => "Company",
            Field::ReferenceId => "ReferenceId",
            Field::Status => "Status",
            Field::OptIn => "OptIn",
            Field::MembershipNumber => "MembershipNumber",
        }
    }

    /// The database column.
    pub const fn db_column(self) -> &'static str {
        match self {
            Field::FirstName => "first_name",
            Field::MiddleName => "middle_name",
            Field::LastName => "last_name",
            Field::Nickname => "nickname",
            Field::Email => "email",
            Field::PhoneNumber => "phone",
            Field::Birthdate => "birthdate",
            Field::Gender => "gender",
            Field::Street => "street",
            Field::Street2 => "street2",
            Field::City => "city",
            Field::State => "state",
            Field::PostalCode => "postal_code",
            Field::Country => "country",
            Field::Occupation => "occupation",
            Field::Notes => "notes",
            Field::Company => "company",
            Field::ReferenceId => "reference_id",
            Field::Status => "status",
            Field::OptIn => "opt_in",
            Field::MembershipNumber => "membership_number",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn from_column(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.column() == name)
    }

    /// The longest value a field takes.
    pub const fn max_len(self) -> usize {
        match self {
            Field::Notes => 10_000,
            Field::Street | Field::Street2 | Field::Occupation | Field::Company => 200,
            _ => 100,
        }
    }

    /// Validates and normalises one raw value. Empty means "no value". Birthdates must be
    /// ISO 8601 here; the importer reads other date forms, knowing the file's date order.
    /// A phone number written without a country code is read as one of `region`'s.
    pub fn parse(self, raw: &str, region: Region) -> Result<Option<Cow<'_, str>>, String> {
        Ok(self.parse_keyed(raw, region)?.map(|(value, _)| value))
    }

    /// Like [`Field::parse`], and for a phone number also its key, read once (an import
    /// reads a million).
    pub fn parse_keyed(self, raw: &str, region: Region) -> Result<Option<Keyed<'_>>, String> {
        let mut key = None;
        let cleaned = match self {
            Field::Notes => normalize::clean_multiline(raw),
            _ => normalize::clean_text(raw),
        };
        if cleaned.is_empty() {
            return Ok(None);
        }
        if cleaned.chars().count() > self.max_len() {
            return Err(format!(
                "is {} characters long; {} takes at most {}",
                cleaned.chars().count(),
                self.column(),
                self.max_len()
            ));
        }
        let value = match self {
            Field::Email => {
                let email = normalize::email(&cleaned)?;
                if email == cleaned {
                    cleaned
                } else {
                    Cow::Owned(email)
                }
            }
            Field::PhoneNumber => {
                key = Some(normalize::phone_key(&cleaned, region)?);
                cleaned
            }
            Field::Birthdate => {
                let date = match normalize::guess_date(&cleaned, Some(&normalize::DateFormat::Iso))?
                {
                    normalize::DateGuess::Sure(d) => d,
                    normalize::DateGuess::Ambiguous { .. } => {
                        return Err(format!("{cleaned:?} is ambiguous; write it as YYYY-MM-DD"));
                    }
                };
                Cow::Owned(
                    normalize::birthdate_in_range(date, Utc::now().date_naive())?.to_string(),
                )
            }
            Field::Status => Cow::Borrowed(if normalize::status(&cleaned)? {
                "active"
            } else {
                "inactive"
            }),
            Field::OptIn => Cow::Borrowed(if normalize::yes_no(&cleaned)? {
                "yes"
            } else {
                "no"
            }),
            _ => cleaned,
        };
        Ok(Some((value, key)))
    }
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.column())
    }
}

/// A parsed value and, for a phone number, its key.
pub type Keyed<'a> = (Cow<'a, str>, Option<String>);

/// A customer's profile: one optional, already-validated value per [`Field`].
///
/// Stored packed — every value end to end in one string, with the end offset of each — so a
/// profile is one allocation however many fields it has (an import handles millions).
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "BTreeMap<Field, String>", from = "BTreeMap<Field, String>")]
pub struct Profile {
    buf: String,
    ends: [u32; Field::COUNT],
}

impl std::fmt::Debug for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.iter().filter_map(|(k, v)| v.map(|v| (k.column(), v))))
            .finish()
    }
}

impl Profile {
    /// An empty profile with room for `bytes` of values.
    pub fn with_capacity(bytes: usize) -> Self {
        Self {
            buf: String::with_capacity(bytes),
            ends: [0; Field::COUNT],
        }
    }

    fn span(&self, field: Field) -> (usize, usize) {
        let i = field.index();
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        (start, self.ends[i] as usize)
    }

    pub fn get(&self, field: Field) -> Option<&str> {
        let (start, end) = self.span(field);
        (start < end).then(|| &self.buf[start..end])
    }

    pub fn set(&mut self, field: Field, value: Option<String>) {
        self.set_str(field, value.as_deref());
    }

    /// Sets a field from borrowed text; empty means no value.
    pub fn set_str(&mut self, field: Field, value: Option<&str>) {
        let value = value.unwrap_or_default();
        let (start, end) = self.span(field);
        if start == self.buf.len() && end == start {
            // Nothing from here on: an append (how a profile read from a row is built).
            self.buf.push_str(value);
        } else {
            self.buf.replace_range(start..end, value);
        }
        let grown = value.len() as i64 - (end - start) as i64;
        for e in &mut self.ends[field.index()..] {
            *e = u32::try_from(i64::from(*e) + grown).expect("a profile is far smaller than 4 GiB");
        }
    }

    pub fn with(mut self, field: Field, value: &str) -> Self {
        self.set_str(field, Some(value));
        self
    }

    pub fn iter(&self) -> impl Iterator<Item = (Field, Option<&str>)> {
        Field::ALL.into_iter().map(|f| (f, self.get(f)))
    }

    /// The fields of which a customer needs at least one.
    pub const IDENTIFYING: [Field; 4] = [
        Field::FirstName,
        Field::LastName,
        Field::Email,
        Field::PhoneNumber,
    ];

    /// Whether the profile has a value in at least one identifying field.
    pub fn is_identifiable(&self) -> bool {
        Self::IDENTIFYING.iter().any(|f| self.get(*f).is_some())
    }

    /// Keys derived for matching: (e-mail, phone, last name). The phone is read in
    /// `region` unless it carries its own country code.
    pub fn keys(&self, region: Region) -> MatchKeys {
        let phone = self
            .get(Field::PhoneNumber)
            .and_then(|p| normalize::phone_key(p, region).ok());
        self.keys_with_phone(phone)
    }

    /// [`Profile::keys`] with the phone's key already worked out.
    pub fn keys_with_phone(&self, phone: Option<String>) -> MatchKeys {
        MatchKeys {
            email: self.get(Field::Email).map(normalize::email_key),
            phone,
            last_name: self.get(Field::LastName).map(normalize::name_key),
        }
    }

    pub fn birthdate(&self) -> Option<NaiveDate> {
        self.get(Field::Birthdate)
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    }

    /// A short name for messages: "Ann Lee".
    pub fn display_name(&self) -> String {
        let parts: Vec<&str> = [Field::FirstName, Field::LastName]
            .into_iter()
            .filter_map(|f| self.get(f))
            .collect();
        if parts.is_empty() {
            "(no name)".to_string()
        } else {
            parts.join(" ")
        }
    }
}

impl From<Profile> for BTreeMap<Field, String> {
    fn from(p: Profile) -> Self {
        Field::ALL
            .into_iter()
            .filter_map(|f| p.get(f).map(|v| (f, v.to_string())))
            .collect()
    }
}

impl From<BTreeMap<Field, String>> for Profile {
    fn from(map: BTreeMap<Field, String>) -> Self {
        let mut p = Profile::default();
        for (f, v) in map {
            p.set(f, Some(v));
        }
        p
    }
}

/// The normalised keys a profile is matched by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatchKeys {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub last_name: Option<String>,
}

/// A stored customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    pub id: Uuid,
    pub profile: Profile,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Customer {
    /// The JSON object scripts rely on: studio column names plus `id` and times.
    pub fn to_json(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut obj = serde_json::Map::new();
        obj.insert("id".into(), self.id.to_string().into());
        for (field, value) in self.profile.iter() {
            obj.insert(
                field.column().into(),
                value.map_or(serde_json::Value::Null, |v| v.to_string().into()),
            );
        }
        obj.insert(
            "CreatedAt".into(),
            crate::time::format(self.created_at).into(),
        );
        obj.insert(
            "UpdatedAt".into(),
            crate::time::format(self.updated_at).into(),
        );
        obj
    }
}

impl Serialize for Customer {
    /// The keys and values of [`Customer::to_json`], written straight out (a duplicates
    /// listing writes hundreds of thousands of customers).
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(Field::COUNT + 3))?;
        map.serialize_entry("id", &self.id)?;
        for (field, value) in self.profile.iter() {
            map.serialize_entry(field.column(), &value)?;
        }
        map.serialize_entry("CreatedAt", &crate::time::format(self.created_at))?;
        map.serialize_entry("UpdatedAt", &crate::time::format(self.updated_at))?;
        map.end()
    }
}

/// Kinds of medical detail a studio records.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MedicalKind {
    Allergy,
    Condition,
    Disease,
    Medication,
    Other,
}

impl std::str::FromStr for MedicalKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "allergy" => Ok(Self::Allergy),
            "condition" => Ok(Self::Condition),
            "disease" => Ok(Self::Disease),
            "medication" => Ok(Self::Medication),
            "other" => Ok(Self::Other),
            other => Err(format!(
                "unknown medical kind {other:?}: use allergy, condition, disease, medication or other"
            )),
        }
    }
}

impl std::fmt::Display for MedicalKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Allergy => "allergy",
            Self::Condition => "condition",
            Self::Disease => "disease",
            Self::Medication => "medication",
            Self::Other => "other",
        })
    }
}

/// One medical condition, allergy or medication. Stored encrypted.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MedicalCondition {
    pub kind: MedicalKind,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

/// Emergency or physician contact.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContactKind {
    Emergency,
    Physician,
}

impl ContactKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Emergency => "emergency",
            Self::Physician => "physician",
        }
    }
}

/// A contact on file: for an emergency contact `relation` is the relationship,
/// for a physician the practice.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub kind: ContactKind,
    pub name: String,
    pub phone: Option<String>,
    pub relation: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_profile_sets_and_clears_in_any_order() {
        let mut p = Profile::default();
        p.set_str(Field::Notes, Some("likes fine line"));
        p.set_str(Field::FirstName, Some("Zoë"));
        p.set_str(Field::MembershipNumber, Some("M-7"));
        p.set_str(Field::Email, Some("zoe@example.com"));
        assert_eq!(p.get(Field::FirstName), Some("Zoë"));
        assert_eq!(p.get(Field::Notes), Some("likes fine line"));
        assert_eq!(p.get(Field::LastName), None);
        p.set_str(Field::FirstName, Some("Zo"));
        p.set_str(Field::Email, None);
        p.set(Field::LastName, Some(String::new()));
        assert_eq!(p.get(Field::FirstName), Some("Zo"));
        assert_eq!(p.get(Field::Email), None);
        assert_eq!(p.get(Field::LastName), None);
        assert_eq!(p.get(Field::MembershipNumber), Some("M-7"));
        // Equal values, however they were reached, are equal profiles.
        let q = Profile::default()
            .with(Field::MembershipNumber, "M-7")
            .with(Field::FirstName, "Zo")
            .with(Field::Notes, "likes fine line");
        assert_eq!(p, q);
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<Profile>(&json).unwrap(), p);
        assert_eq!(
            format!("{p:?}"),
            r#"{"FirstName": "Zo", "Notes": "likes fine line", "MembershipNumber": "M-7"}"#
        );
    }

    #[test]
    fn parse_borrows_clean_cells() {
        assert!(matches!(
            Field::City.parse("Austin", Region::us()).unwrap(),
            Some(Cow::Borrowed("Austin"))
        ));
        assert_eq!(
            Field::City
                .parse("  New   York ", Region::us())
                .unwrap()
                .as_deref(),
            Some("New York")
        );
        assert_eq!(
            Field::Status
                .parse("Inactive", Region::us())
                .unwrap()
                .as_deref(),
            Some("inactive")
        );
        assert_eq!(Field::City.parse("   ", Region::us()).unwrap(), None);
        assert!(
            Field::City
                .parse(&"x".repeat(101), Region::us())
                .unwrap_err()
                .contains("at most 100")
        );
    }
}
