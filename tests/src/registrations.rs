//! Realistic kiosk registrations for end-to-end tests and benchmarks: every clause shown
//! for the signer's age confirmed (now and then an optional one declined), every health
//! question answered, a drawn signature, and now and then a minor signed for by a guardian.

use chrono::{Datelike, NaiveDate, Utc};
use intake_common::customer::{Contact, ContactKind};
use intake_common::release::{ClauseAnswer, Guardian, HealthAnswer, Registration, signature};
use intake_common::settings::{Details, Lang, Settings};
use intake_common::{Field, Profile};

const FIRST: [&str; 12] = [
    "Ann", "Bo", "Carlos", "Dana", "Eli", "Fatima", "Hana", "José", "Kai", "Priya", "Rosa", "Zoë",
];
const LAST: [&str; 10] = [
    "Lee",
    "Nguyen",
    "García",
    "Okafor",
    "Lindqvist",
    "Moss",
    "Haddad",
    "Ortiz",
    "Kowalski",
    "Tanaka",
];

/// A signature as a customer draws it on the pad: a few strokes, rendered to PNG.
pub fn signature_png(seed: u64) -> Vec<u8> {
    let wobble = (seed % 17) as f32;
    let strokes = vec![
        vec![
            (20.0, 110.0),
            (60.0 + wobble, 40.0),
            (95.0, 120.0),
            (140.0, 50.0 + wobble),
            (180.0, 105.0),
        ],
        vec![
            (200.0, 90.0),
            (260.0, 60.0),
            (320.0 - wobble, 95.0),
            (380.0, 70.0),
        ],
        vec![(400.0, 120.0), (460.0, 118.0)],
    ];
    signature::render_png(&strokes, 480, 160).expect("a pad of 480x160 renders")
}

/// The phone number of registration `n` (distinct for every `n` below eight million).
pub fn phone(n: u64) -> String {
    format!("+1 (512) {:03}-{:04}", 200 + (n / 10_000) % 800, n % 10_000)
}

/// Registration `n`: a new adult customer, or every third one a minor with a guardian.
/// Every fifth is made in Spanish.
pub fn registration(settings: &Settings, n: u64, signature: &[u8]) -> Registration {
    let today = Utc::now().date_naive();
    let minor = n % 3 == 2;
    let lang = if n.is_multiple_of(5) {
        Lang::Es
    } else {
        Lang::En
    };
    let age = if minor {
        settings.shop.adult_age.saturating_sub(2).max(1)
    } else {
        20 + (n % 50) as u32
    };
    let year = today.year() - age as i32 - 1;
    let born = NaiveDate::from_ymd_opt(year, 1 + (n % 12) as u32, 1 + (n % 28) as u32)
        .expect("a valid date");
    let first = FIRST[(n % 12) as usize];
    let last = LAST[((n / 12) % 10) as usize];
    let profile = Profile::default()
        .with(Field::FirstName, first)
        .with(Field::LastName, last)
        .with(Field::PhoneNumber, &phone(n))
        .with(Field::Birthdate, &born.format("%Y-%m-%d").to_string())
        .with(Field::Email, &format!("k{n}@example.com"))
        .with(Field::Street, &format!("{} Oak Ave", 1 + n % 9000))
        .with(Field::City, "Austin")
        .with(Field::State, "TX")
        .with(Field::PostalCode, "78701")
        .with(Field::Country, "US")
        .with(Field::OptIn, if n.is_multiple_of(2) { "yes" } else { "no" });
    // Most say "yes" to a question or two; a required "yes" says more.
    let health = settings
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let yes = (i as u64 + n).is_multiple_of(4);
            let details = match q.details {
                Details::Required | Details::Optional if yes => {
                    Some(format!("{} noted at check-in {n}", q.name))
                }
                _ => None,
            };
            HealthAnswer::new(q, lang, yes, details)
        })
        .collect();
    let initials: String = [first, last]
        .iter()
        .filter_map(|s| s.chars().next())
        .collect();
    // Every fourth declines the optional clauses (photo consent).
    let decline = n % 4 == 1;
    let clauses = settings
        .template
        .clauses_for(minor)
        .map(|c| match c.optional && decline {
            true => ClauseAnswer::declined(c, lang),
            false => ClauseAnswer::agreed(c, lang, &initials),
        })
        .collect();
    Registration {
        existing: None,
        shown_stored: true,
        profile,
        emergency: Some(Contact {
            kind: ContactKind::Emergency,
            name: format!("Sam {last}"),
            phone: Some(phone(n + 5_000_000)),
            relation: Some(if minor { "parent" } else { "partner" }.into()),
        }),
        physician: n.is_multiple_of(2).then(|| Contact {
            kind: ContactKind::Physician,
            name: "Dr Ortiz".into(),
            phone: None,
            relation: Some("Eastside Clinic".into()),
        }),
        health,
        language: lang,
        clauses,
        guardian: minor.then(|| Guardian {
            name: format!("Sam {last}"),
            relationship: "parent".into(),
            signature_png: signature.to_vec(),
        }),
        signature_png: signature.to_vec(),
    }
}
