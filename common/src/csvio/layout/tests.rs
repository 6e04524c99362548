use super::*;

fn h(cols: &str) -> Vec<String> {
    cols.split(',').map(str::to_string).collect()
}

#[test]
fn detects_layouts() {
    let p = Path::new("f.csv");
    let l = Layout::resolve(
        p,
        &h("LastName,FirstName,PhoneNumber,Birthdate,Shoe"),
        Ask::default(),
    )
    .unwrap();
    assert_eq!(l.format, Format::Studio);
    assert_eq!(l.targets[1], Some(Target::Field(Field::FirstName)));
    assert_eq!(l.ignored(), vec!["Shoe (not a column Intake knows)"]);
    let l = Layout::resolve(p, &h("first_name,email,birthday"), Ask::default()).unwrap();
    assert_eq!(l.format, Format::Snake);
    assert_eq!(l.column_name(Field::Birthdate), "birthday");
}

#[test]
fn names_the_missing_column_and_the_close_one() {
    let p = Path::new("f.csv");
    let e = Layout::resolve(
        p,
        &h("First Name,LastName,PhoneNumber,Birthdate"),
        Ask::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("FirstName (the file has \"First Name\""), "{e}");
    assert!(e.contains("--map 'First Name=FirstName'"), "{e}");
    let e = Layout::resolve(p, &h("FirstName,LastName,Phone Number"), Ask::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("PhoneNumber (the file has \"Phone Number\""),
        "{e}"
    );
    assert!(e.contains("Birthdate"), "{e}");
}

#[test]
fn maps_their_columns() {
    let p = Path::new("f.csv");
    let map = vec![
        ("Given".to_string(), "FirstName".to_string()),
        ("Surname".to_string(), "last_name".to_string()),
        ("Mobile".to_string(), "PhoneNumber".to_string()),
        ("DOB".to_string(), "birthdate".to_string()),
    ];
    let l = Layout::resolve(
        p,
        &h("Given,Surname,Mobile,DOB"),
        Ask {
            map: &map,
            ..Ask::default()
        },
    )
    .unwrap();
    assert_eq!(l.targets[3], Some(Target::Field(Field::Birthdate)));
    let bad = vec![("Nope".to_string(), "FirstName".to_string())];
    assert!(
        Layout::resolve(
            p,
            &h("Given"),
            Ask {
                map: &bad,
                ..Ask::default()
            }
        )
        .unwrap_err()
        .to_string()
        .contains("no column \"Nope\"")
    );
    let twice = vec![("Given".to_string(), "LastName".to_string())];
    let e = Layout::resolve(
        p,
        &h("Given,LastName,FirstName,PhoneNumber,Birthdate"),
        Ask {
            map: &twice,
            ..Ask::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("both fill LastName"), "{e}");
}

#[test]
fn a_mapped_layout_takes_only_what_the_map_names_and_leaves_out_the_rest() {
    let p = Path::new("f.csv");
    let map = vec![
        ("Given".to_string(), "FirstName".to_string()),
        ("Email Address".to_string(), "Email".to_string()),
        ("FirstName".to_string(), String::new()),
        ("Visits".to_string(), "-".to_string()),
    ];
    let header = h("Given,FirstName,Email Address,Visits,Shoe");
    let l = Layout::resolve(
        p,
        &header,
        Ask {
            format: Some(Format::Mapped),
            map: &map,
            ..Ask::default()
        },
    )
    .unwrap();
    assert_eq!(
        l.targets,
        [
            Some(Target::Field(Field::FirstName)),
            None,
            Some(Target::Field(Field::Email)),
            None,
            None
        ]
    );
    assert_eq!(
        l.ignored(),
        [
            "FirstName (left out)",
            "Visits (history: only profile information is imported)",
            "Shoe (left out)"
        ]
    );
    // Left out in the studio layout too: a column it would read is not read.
    let studio = h("FirstName,LastName,PhoneNumber,Birthdate,City");
    let out = vec![("City".to_string(), "-".to_string())];
    let l = Layout::resolve(
        p,
        &studio,
        Ask {
            map: &out,
            ..Ask::default()
        },
    )
    .unwrap();
    assert!(!l.has(Field::City));
    // A mapped layout still needs a column that identifies the customer.
    let none = vec![("Shoe".to_string(), "City".to_string())];
    let e = Layout::resolve(
        p,
        &h("Shoe"),
        Ask {
            format: Some(Format::Mapped),
            map: &none,
            ..Ask::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("no identifying column"), "{e}");
    assert_eq!("mapped".parse::<Format>().unwrap(), Format::Mapped);
}

#[test]
fn a_peek_reads_the_header_and_the_first_row_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.csv");
    std::fs::write(
        &path,
        "\u{feff}FirstName,LastName,PhoneNumber,Birthdate\nAda,Moss,,1990-01-02\n\"broken",
    )
    .unwrap();
    let (l, sample) = Layout::peek(&path, Ask::default()).unwrap();
    assert_eq!(l.format, Format::Studio);
    assert_eq!(
        l.header[0], "FirstName",
        "the byte-order mark is not part of the name"
    );
    assert_eq!(sample, ["Ada", "Moss", "", "1990-01-02"]);
    std::fs::write(&path, "").unwrap();
    assert!(Layout::peek(&path, Ask::default()).is_err());
}

#[test]
fn a_header_too_wide_or_too_long_is_refused_before_it_is_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wide.csv");
    let wide = format!(
        "FirstName,LastName,PhoneNumber,Birthdate{}\nAda\n",
        ",x".repeat(300)
    );
    std::fs::write(&path, wide).unwrap();
    let e = Layout::peek(&path, Ask::default()).unwrap_err().to_string();
    assert!(e.contains("304 columns"), "{e}");
    let long = format!(
        "FirstName,LastName,PhoneNumber,Birthdate{}",
        ",".repeat(70 << 10)
    );
    std::fs::write(&path, long).unwrap();
    let e = Layout::peek(&path, Ask::default()).unwrap_err().to_string();
    assert!(e.contains("longer than 64 KiB"), "{e}");
    let e = check_header_length(&path).unwrap_err().to_string();
    assert!(e.contains("line 1"), "{e}");
}
