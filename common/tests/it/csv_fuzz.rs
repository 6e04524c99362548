//! No input makes the CSV importer panic: every file ends in a report or an error.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use intake_common::csvio::{self, ImportOptions};
use intake_common::{Actor, Role};
use proptest::prelude::*;

fn owner() -> Actor {
    Actor {
        name: "olive".into(),
        role: Role::Owner,
    }
}

/// Bytes that look like CSV often enough to reach the row code.
fn csvish() -> impl Strategy<Value = Vec<u8>> {
    let header = prop::sample::select(vec![
        b"FirstName,LastName,PhoneNumber,Birthdate,Email\n".to_vec(),
        b"first_name,last_name,email,phone,birthday\n".to_vec(),
        b"\xef\xbb\xbfFirstName,LastName,PhoneNumber,Birthdate\r\n".to_vec(),
        Vec::new(),
    ]);
    let cell = prop_oneof![
        "[a-zA-Z0-9 @.+()/-]{0,12}".prop_map(String::into_bytes),
        prop::collection::vec(any::<u8>(), 0..8),
        Just(b"\"a,b\"".to_vec()),
        Just(b"\"unterminated".to_vec()),
        Just(b"03/04/1990".to_vec()),
        Just(b"31/12/1990".to_vec()),
        Just(b"=cmd".to_vec()),
    ];
    let row = prop::collection::vec(cell, 0..7).prop_map(|cells| {
        let mut line = cells.join(&b","[..]);
        line.push(b'\n');
        line
    });
    (header, prop::collection::vec(row, 0..12)).prop_map(|(mut h, rows)| {
        for r in rows {
            h.extend(r);
        }
        h
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn importer_never_panics(bytes in prop_oneof![csvish(), prop::collection::vec(any::<u8>(), 0..256)]) {
        let dir = tempfile::tempdir().unwrap();
        let mut db = crate::open_db(&dir.path().join("data"));
        let path = dir.path().join("in.csv");
        std::fs::write(&path, &bytes).unwrap();
        let before = intake_common::customers::count(db.conn()).unwrap();
        match csvio::import(&mut db, &owner(), &path, ImportOptions::default()) {
            Ok(report) => {
                let after = intake_common::customers::count(db.conn()).unwrap();
                prop_assert_eq!((after - before) as u64, report.created);
            }
            Err(e) => {
                prop_assert!(!e.to_string().is_empty());
                prop_assert_eq!(intake_common::customers::count(db.conn()).unwrap(), before);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Every field's parser and the match keys answer any text with a value or a message.
    #[test]
    fn field_parsers_never_panic(
        raw in any::<String>(),
        pick in 0usize..intake_common::Field::COUNT,
        region in prop::sample::select(vec!["US", "CA", "MX", "ES", "GB"]),
    ) {
        let region: intake_common::normalize::Region = region.parse().unwrap();
        let field = intake_common::Field::ALL[pick];
        let _ = field.parse(&raw, region);
        let _ = intake_common::normalize::phone_key(&raw, region);
        let _ = intake_common::normalize::phone_international(&raw, region);
        let _ = intake_common::normalize::guess_date(&raw, None);
        let _ = intake_common::normalize::email(&raw);
        let profile = intake_common::Profile::default().with(field, &raw);
        let _ = profile.keys(region);
    }

    /// Phone-like text (digits and separators, maybe a + or an extension) never panics the
    /// number reader, and a key it gives is E.164.
    #[test]
    fn phone_like_text_reads_or_says_why(
        raw in "[+0]{0,2}[0-9 ()./-]{0,20}( ?(x|ext.?|#) ?[0-9]{0,4})?",
        region in prop::sample::select(vec!["US", "CA", "MX", "ES", "GB"]),
    ) {
        let region: intake_common::normalize::Region = region.parse().unwrap();
        match intake_common::normalize::phone_key(&raw, region) {
            Ok(key) => prop_assert!(
                key.starts_with('+') && key[1..].bytes().all(|b| b.is_ascii_digit()) && key.len() <= 16,
                "{raw:?} gave {key:?}"
            ),
            Err(m) => prop_assert!(m.contains("phone number"), "{m}"),
        }
    }
}
