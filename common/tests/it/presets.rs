//! Other apps' customer exports: each preset's sample file (in `tests/data/presets`, built
//! from the format's documentation) imports with no failed rows, its app is recognised by
//! the header, and the mapping a dry run shows is the one the import uses.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::path::{Path, PathBuf};

use intake_common::csvio::{
    self, ExportFormat, ExportOptions, Format, ImportOptions, ImportReport, Preset,
};
use intake_common::customer::{Field, Profile};
use intake_common::{Actor, Db, Role, customers};

const PRESETS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/presets");

fn sample(name: &str) -> PathBuf {
    Path::new(PRESETS).join(format!("{name}.csv"))
}

fn owner() -> Actor {
    Actor {
        name: "olive".into(),
        role: Role::Owner,
    }
}

fn import(db: &mut Db, path: &Path, options: ImportOptions) -> ImportReport {
    csvio::import(db, &owner(), path, options).unwrap()
}

fn with_notes() -> ImportOptions {
    ImportOptions {
        extra_to_notes: true,
        ..ImportOptions::default()
    }
}

fn profiles(db: &Db) -> Vec<Profile> {
    let mut out = Vec::new();
    customers::for_each(db.conn(), |c| -> intake_common::Result<()> {
        out.push(c.profile);
        Ok(())
    })
    .unwrap();
    out
}

/// The stored profile whose first name is `first`.
fn named(db: &Db, first: &str) -> Profile {
    profiles(db)
        .into_iter()
        .find(|p| p.get(Field::FirstName) == Some(first))
        .unwrap_or_else(|| panic!("no customer {first}"))
}

/// Every preset with a sample file, and what its file holds.
const SAMPLES: [(&str, u64, u64); 8] = [
    // (file, customers created, rows passed over)
    ("square", 4, 0),
    ("square-legacy", 2, 0),
    ("vagaro", 3, 1),
    ("fresha", 3, 0),
    ("acuity", 3, 0),
    ("glossgenius", 3, 0),
    ("massagebook", 2, 0),
    ("rev23-desktop", 2, 0),
];

#[test]
fn every_sample_imports_with_no_failed_row_and_its_app_is_recognised() {
    let dir = tempfile::tempdir().unwrap();
    for (file, created, skipped) in SAMPLES {
        let mut db = crate::open_db(&dir.path().join(file));
        let app = file.trim_end_matches("-legacy");
        let r = import(&mut db, &sample(file), ImportOptions::default());
        assert_eq!(r.failed, 0, "{file}: {:?}", r.errors);
        assert_eq!((r.created, r.skipped), (created, skipped), "{file}");
        assert_eq!(r.format, app, "{file}: recognised as another layout");
        assert!(r.recognised, "{file}");
        assert_eq!(r.app.as_deref(), Some(Preset::named(app).unwrap().app));
        // Asked for by name, the same.
        let mut again = crate::open_db(&dir.path().join(format!("{file}-asked")));
        let asked = import(
            &mut again,
            &sample(file),
            ImportOptions {
                format: Some(app.parse::<Format>().unwrap()),
                ..ImportOptions::default()
            },
        );
        assert_eq!(
            (asked.created, asked.failed, asked.recognised),
            (created, 0, false)
        );
    }
    // Every documented preset has its sample; the three apps that publish no columns are
    // read by common names and have none.
    for p in Preset::names() {
        let has = SAMPLES.iter().any(|(f, _, _)| *f == p);
        assert_eq!(
            has,
            !["booksy", "porter", "tattoo-studio-pro"].contains(&p),
            "{p}"
        );
        assert!(
            !Preset::named(p).unwrap().sources.is_empty(),
            "{p} has no source"
        );
    }
}

#[test]
fn each_app_s_values_are_read_its_own_way() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = crate::open_db(dir.path());
    // Square: the subscription word is the opt-in; a birthday without a year is kept in
    // the notes; Memo is the notes; history is not imported.
    import(&mut db, &sample("square"), ImportOptions::default());
    let ruby = named(&db, "Ruby");
    assert_eq!(ruby.get(Field::OptIn), Some("yes"));
    assert_eq!(ruby.get(Field::ReferenceId), Some("C-1001"));
    assert_eq!(ruby.get(Field::Birthdate), Some("1991-04-17"));
    assert_eq!(
        ruby.get(Field::Notes),
        Some("Prefers fine line; allergic to latex")
    );
    let owen = named(&db, "Owen");
    assert_eq!(owen.get(Field::OptIn), Some("no"));
    assert_eq!(owen.get(Field::Birthdate), None);
    assert_eq!(owen.get(Field::Notes), Some("Birthday: 03-14"));
    assert_eq!(owen.get(Field::Company), Some("Marsh & Daughters Ltd"));
    assert_eq!(
        named(&db, "Priya").get(Field::OptIn),
        None,
        "Unknown is no answer"
    );
    // The older export's Email Unsubscribed: TRUE is an opt-out.
    import(&mut db, &sample("square-legacy"), ImportOptions::default());
    assert_eq!(named(&db, "Lena").get(Field::OptIn), Some("yes"));
    assert_eq!(named(&db, "Marco").get(Field::OptIn), Some("no"));
    // Vagaro: the header below the report's lines, `---` as empty, the day phone when the
    // mobile is empty, month-first dates.
    import(&mut db, &sample("vagaro"), ImportOptions::default());
    let dana = named(&db, "Dana");
    assert_eq!(dana.get(Field::Birthdate), Some("1990-07-22"));
    assert_eq!(dana.get(Field::Street2), Some("Unit 4"));
    let tomas = named(&db, "Tomas");
    assert_eq!(tomas.get(Field::Email), None);
    assert_eq!(tomas.get(Field::PhoneNumber), Some("(303) 555-0177"));
    assert_eq!(tomas.get(Field::Birthdate), Some("1985-12-05"));
    assert_eq!(
        named(&db, "Jo").get(Field::PhoneNumber),
        Some("(720) 555-0134")
    );
    // Fresha: numbers with their country code but no +; day-first dates.
    import(&mut db, &sample("fresha"), ImportOptions::default());
    let amelia = named(&db, "Amelia");
    assert_eq!(amelia.get(Field::PhoneNumber), Some("+44 7700 900123"));
    assert_eq!(amelia.get(Field::Birthdate), Some("1994-09-23"));
    assert_eq!(amelia.get(Field::OptIn), Some("yes"));
    assert_eq!(named(&db, "Luca").get(Field::Birthdate), Some("1987-01-02"));
    assert_eq!(
        named(&db, "Niamh").get(Field::PhoneNumber),
        Some("+44 20 7946 0958")
    );
    // GlossGenius: one Name column, split; "Last, First" too.
    import(&mut db, &sample("glossgenius"), ImportOptions::default());
    let mary = named(&db, "Mary Ann");
    assert_eq!(mary.get(Field::LastName), Some("Cole"));
    assert_eq!(
        mary.get(Field::Birthdate),
        Some("1989-02-03"),
        "month first"
    );
    assert_eq!(named(&db, "Rhett").get(Field::LastName), Some("Vance"));
    // REV23 Desktop: a date with a time; the mobile, else the home number; no ID numbers.
    let r = import(&mut db, &sample("rev23-desktop"), with_notes());
    let jordan = named(&db, "Jordan");
    assert_eq!(jordan.get(Field::Birthdate), Some("1988-05-01"));
    assert_eq!(jordan.get(Field::PhoneNumber), Some("(303) 555-0138"));
    assert_eq!(jordan.get(Field::MiddleName), Some("Lee"));
    let notes = jordan.get(Field::Notes).unwrap();
    assert!(
        notes.contains("EmergencyPhoneNumber: (303) 555-0190"),
        "{notes}"
    );
    assert!(
        !notes.contains("D1234567"),
        "an ID number went to the notes: {notes}"
    );
    assert_eq!(
        named(&db, "Casey").get(Field::PhoneNumber),
        Some("(303) 555-0147")
    );
    assert!(
        r.ignored_columns
            .contains(&"IdentificationNumber (payment or identity details: never imported)".into()),
        "{:?}",
        r.ignored_columns
    );
}

#[test]
fn history_is_never_imported_and_the_report_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = crate::open_db(dir.path());
    let r = import(&mut db, &sample("square"), with_notes());
    for col in [
        "Transaction Count",
        "Lifetime Spend",
        "First Visit",
        "Last Visit",
    ] {
        assert!(
            r.ignored_columns.contains(&format!(
                "{col} (history: only profile information is imported)"
            )),
            "{col}: {:?}",
            r.ignored_columns
        );
    }
    // Not even into the notes, which take the other columns.
    let ruby = named(&db, "Ruby");
    let notes = ruby.get(Field::Notes).unwrap();
    assert!(
        notes.contains("Square Customer ID: 8G2K7QWJ1S3Y5A9D"),
        "{notes}"
    );
    assert!(
        !notes.contains("1240") && !notes.contains("Transaction"),
        "{notes}"
    );
    // A map cannot bring history in.
    let e = csvio::import(
        &mut db,
        &owner(),
        &sample("square"),
        ImportOptions {
            map: vec![("Lifetime Spend".into(), "Notes".into())],
            ..ImportOptions::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("cannot be imported: history"), "{e}");
    // In a studio file too, a column that looks like history says so.
    let studio = dir.path().join("studio.csv");
    std::fs::write(
        &studio,
        "FirstName,LastName,PhoneNumber,Birthdate,Total Visits,Shoe\nAda,Moss,,,4,42\n",
    )
    .unwrap();
    let r = import(&mut db, &studio, ImportOptions::default());
    assert_eq!(
        r.ignored_columns,
        [
            "Total Visits (history: only profile information is imported)",
            "Shoe (not a column Intake knows)"
        ]
    );
}

#[test]
fn a_file_no_app_wrote_falls_back_to_the_studio_rules_and_their_messages() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = crate::open_db(dir.path());
    let near = dir.path().join("near.csv");
    std::fs::write(
        &near,
        "First Name,LastName,PhoneNumber,Birthdate\nAda,Moss,,\n",
    )
    .unwrap();
    let e = csvio::import(&mut db, &owner(), &near, ImportOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("FirstName (the file has \"First Name\": rename it to FirstName, or pass --map 'First Name=FirstName')"),
        "{e}"
    );
    let foreign = dir.path().join("foreign.csv");
    std::fs::write(&foreign, "Given,Family\nAda,Moss\n").unwrap();
    let e = csvio::import(&mut db, &owner(), &foreign, ImportOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 1: the first line is not a header"), "{e}");
    // Report lines above a header are an app's (Vagaro's) only: a studio file's first line
    // is its header.
    let above = dir.path().join("above.csv");
    std::fs::write(
        &above,
        "Customers\nFirstName,LastName,PhoneNumber,Birthdate\nAda,Moss,,\n",
    )
    .unwrap();
    let e = csvio::import(&mut db, &owner(), &above, ImportOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 1"), "{e}");
    assert!(profiles(&db).is_empty(), "nothing was stored");
    // An app named that the file is not: its own columns are missing, named.
    let e = csvio::import(
        &mut db,
        &owner(),
        &foreign,
        ImportOptions {
            format: Some("square".parse().unwrap()),
            ..ImportOptions::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("no identifying column"), "{e}");
    let e = "nosuchapp".parse::<Format>().unwrap_err();
    assert!(e.contains("square, vagaro, fresha"), "{e}");
}

#[test]
fn the_mapping_a_dry_run_shows_is_the_one_the_import_uses() {
    let dir = tempfile::tempdir().unwrap();
    for (file, _, _) in SAMPLES {
        let mut db = crate::open_db(&dir.path().join(file));
        let dry = import(
            &mut db,
            &sample(file),
            ImportOptions {
                dry_run: true,
                extra_to_notes: true,
                ..ImportOptions::default()
            },
        );
        assert!(profiles(&db).is_empty(), "{file}: a dry run wrote");
        let real = import(&mut db, &sample(file), with_notes());
        assert_eq!(dry.columns, real.columns, "{file}");
        assert_eq!(
            (dry.created, dry.failed, dry.skipped),
            (real.created, real.failed, real.skipped),
            "{file}"
        );
        // Every column is there, each either going somewhere or left out with why.
        for c in &real.columns {
            assert!(c.field.is_some() != c.left_out.is_some(), "{file}: {c:?}");
        }
    }
    // And the values go where it says: Square's "Company Name" column fills Company.
    let dir = tempfile::tempdir().unwrap();
    let mut db = crate::open_db(dir.path());
    let dry = import(
        &mut db,
        &sample("square"),
        ImportOptions {
            dry_run: true,
            ..ImportOptions::default()
        },
    );
    let shown = |col: &str| {
        dry.columns
            .iter()
            .find(|c| c.column == col)
            .and_then(|c| c.field.clone())
    };
    assert_eq!(shown("Company Name").as_deref(), Some("Company"));
    assert_eq!(shown("Street Address 2").as_deref(), Some("Street2"));
    assert_eq!(shown("Lifetime Spend"), None);
    import(&mut db, &sample("square"), ImportOptions::default());
    let owen = named(&db, "Owen");
    assert_eq!(owen.get(Field::Company), Some("Marsh & Daughters Ltd"));
    assert_eq!(named(&db, "Ruby").get(Field::Street2), Some("Apt 3"));
}

#[test]
fn notes_from_extra_columns_round_trip_through_export() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = crate::open_db(&dir.path().join("a"));
    import(&mut db, &sample("vagaro"), with_notes());
    let dana = named(&db, "Dana");
    let notes = dana.get(Field::Notes).unwrap().to_string();
    assert_eq!(
        notes,
        "Membership: Gold Club\nTags: Returning; Blackwork\nRefered By: Instagram\nOnline Booking: Allow"
    );
    assert!(!notes.contains("Visa"), "a card went to the notes");
    let out = dir.path().join("export.csv");
    let mut file = std::fs::File::create(&out).unwrap();
    csvio::export_to_file(
        &db,
        &owner(),
        &mut file,
        &ExportOptions {
            format: ExportFormat::Csv,
            columns: Vec::new(),
        },
        "export.csv",
        None,
    )
    .unwrap();
    let mut fresh = crate::open_db(&dir.path().join("b"));
    let r = import(&mut fresh, &out, ImportOptions::default());
    assert_eq!((r.created, r.failed), (3, 0), "{:?}", r.errors);
    assert_eq!(
        named(&fresh, "Dana").get(Field::Notes),
        Some(notes.as_str())
    );
    // Importing the same file again changes nothing: the notes are not added twice.
    let again = import(&mut db, &sample("vagaro"), with_notes());
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 3));
}

#[test]
fn a_row_matched_by_e_mail_or_phone_updates_the_same_customer_whatever_the_app() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = crate::open_db(dir.path());
    import(&mut db, &sample("square"), ImportOptions::default());
    let before = profiles(&db).len();
    // The same people as other apps write them: Ruby by her e-mail (another case), Owen by
    // his phone (another format).
    let fresha = dir.path().join("fresha.csv");
    std::fs::write(
        &fresha,
        "Client ID,First Name,Last Name,Mobile Number,Email,Accepts Marketing,City\n\
         1,Ruby,Alvarez,,RUBY.ALVAREZ@example.com,No,San Marcos\n",
    )
    .unwrap();
    let r = import(&mut db, &fresha, ImportOptions::default());
    assert_eq!((r.format.as_str(), r.created, r.updated), ("fresha", 0, 1));
    let acuity = dir.path().join("acuity.csv");
    std::fs::write(
        &acuity,
        "First Name,Last Name,Phone,Email,Notes,Days Since Last Appointment\n\
         Owen,Marsh,+1 512 555 0178,,Wants a consult,12\n",
    )
    .unwrap();
    let r = import(&mut db, &acuity, ImportOptions::default());
    assert_eq!((r.format.as_str(), r.created, r.updated), ("acuity", 0, 1));
    let gloss = dir.path().join("gloss.csv");
    std::fs::write(
        &gloss,
        "Name,Email,Phone,Date of Birth,Banned\nPriya Natarajan,priya.n@example.com,,11/02/1988,false\n",
    )
    .unwrap();
    let r = import(&mut db, &gloss, ImportOptions::default());
    assert_eq!(
        (r.format.as_str(), r.created, r.failed),
        ("glossgenius", 0, 0)
    );
    assert_eq!(profiles(&db).len(), before, "nobody was created twice");
    assert_eq!(named(&db, "Ruby").get(Field::City), Some("San Marcos"));
    assert_eq!(named(&db, "Ruby").get(Field::OptIn), Some("no"));
    assert_eq!(
        named(&db, "Owen").get(Field::Notes),
        Some("Wants a consult")
    );
}

#[test]
fn a_map_changes_any_column_of_an_app_s_export() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = crate::open_db(dir.path());
    let r = import(
        &mut db,
        &sample("square"),
        ImportOptions {
            map: vec![
                ("Nickname".into(), String::new()),
                ("Square Customer ID".into(), "MembershipNumber".into()),
                ("Blocked from online booking".into(), "+Notes".into()),
            ],
            ..ImportOptions::default()
        },
    );
    assert_eq!(r.format, "square");
    let ruby = named(&db, "Ruby");
    assert_eq!(ruby.get(Field::Nickname), None);
    assert_eq!(ruby.get(Field::MembershipNumber), Some("8G2K7QWJ1S3Y5A9D"));
    assert_eq!(
        ruby.get(Field::Notes),
        Some("Prefers fine line; allergic to latex\nBlocked from online booking: No")
    );
    // Its own reading stays with a column left where the app sent it.
    assert_eq!(ruby.get(Field::OptIn), Some("yes"));
}

/// Vagaro's customer list as it comes, an Excel workbook: the report's lines above the
/// header, real date cells, a ZIP code typed as a number.
fn vagaro_workbook(path: &Path) {
    use rust_xlsxwriter::{ExcelDateTime, Format as Cells, Workbook};
    let csv = std::fs::read_to_string(sample("vagaro")).unwrap();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let us_date = Cells::new().set_num_format("mm/dd/yyyy");
    let rows = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv.as_bytes())
        .into_records();
    // The CSV's empty fourth line is skipped by the reader: rows are counted as the sheet's.
    let mut at = 0u32;
    for record in rows {
        let record = record.unwrap();
        if at == 3 {
            at += 1;
        }
        for (col, value) in record.iter().enumerate() {
            let col = col as u16;
            let date = value.split('/').collect::<Vec<_>>();
            if let [m, d, y] = date.as_slice()
                && let (Ok(m), Ok(d), Ok(y)) = (m.parse(), d.parse(), y.parse())
            {
                let when = ExcelDateTime::from_ymd(y, m, d).unwrap();
                sheet
                    .write_datetime_with_format(at, col, &when, &us_date)
                    .unwrap();
            } else if let Ok(n) = value.parse::<f64>() {
                sheet.write_number(at, col, n).unwrap();
            } else if !value.is_empty() {
                sheet.write_string(at, col, value).unwrap();
            }
        }
        at += 1;
    }
    book.save(path).unwrap();
}

#[test]
fn an_export_as_a_workbook_imports_as_its_csv_does() {
    let dir = tempfile::tempdir().unwrap();
    let workbook = dir.path().join("CustomersList.xlsx");
    vagaro_workbook(&workbook);
    let mut from_csv = crate::open_db(&dir.path().join("csv"));
    let mut from_sheet = crate::open_db(&dir.path().join("xlsx"));
    let a = import(&mut from_csv, &sample("vagaro"), with_notes());
    let b = import(&mut from_sheet, &workbook, with_notes());
    assert_eq!((b.format.as_str(), b.recognised), ("vagaro", true));
    assert_eq!(
        (b.created, b.failed, b.skipped, &b.columns),
        (a.created, a.failed, a.skipped, &a.columns),
        "{:?}",
        b.errors
    );
    let sorted = |db: &Db| {
        let mut all: Vec<String> = profiles(db).iter().map(|p| format!("{p:?}")).collect();
        all.sort();
        all
    };
    assert_eq!(sorted(&from_csv), sorted(&from_sheet));
    assert_eq!(
        named(&from_sheet, "Dana").get(Field::PostalCode),
        Some("80202")
    );

    // A problem is named by the row the spreadsheet shows.
    use rust_xlsxwriter::Workbook;
    let bad = dir.path().join("bad.xlsx");
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (row, cells) in [
        ["Name", "Email", "Phone", "Date of Birth", "Banned"],
        ["Tessa Lowry", "tessa@example.com", "", "", "false"],
        ["Rhett Vance", "not-an-email", "", "", "false"],
    ]
    .iter()
    .enumerate()
    {
        for (col, value) in cells.iter().enumerate() {
            sheet
                .write_string(row as u32 + 1, col as u16, *value)
                .unwrap();
        }
    }
    book.save(&bad).unwrap();
    let r = import(&mut from_sheet, &bad, ImportOptions::default());
    assert_eq!(
        (r.format.as_str(), r.created, r.failed),
        ("glossgenius", 1, 1)
    );
    assert_eq!(
        (r.errors[0].line, r.errors[0].column.as_str()),
        (4, "Email")
    );
}
