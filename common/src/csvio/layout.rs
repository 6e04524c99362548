//! Which column of a file means which customer field.

use std::path::Path;

use crate::customer::Field;
use crate::normalize::{edit_distance, header_key};

use super::FileError;

/// The layouts Intake reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The studio layout (`FirstName`, `LastName`, `PhoneNumber`, `Birthdate`, ...).
    Studio,
    /// The seed-003 layout (`first_name`, `last_name`, `email`, `phone`, ...).
    Snake,
    /// Every column's meaning given by the map (what the console's import page sends once
    /// a person has chosen the fields); a column the map does not name is left out. The
    /// file needs one identifying column, as the seed-003 layout does.
    Mapped,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "studio" | "other" | "intake" => Ok(Format::Studio),
            "snake" | "snake_case" | "basic" => Ok(Format::Snake),
            "mapped" => Ok(Format::Mapped),
            other => Err(format!(
                "unknown format {other:?}: use studio, snake, or mapped (with --map)"
            )),
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Format::Studio => "studio",
            Format::Snake => "snake",
            Format::Mapped => "mapped",
        })
    }
}

/// The most columns a file's header may name (no customer list comes near it).
pub const MAX_COLUMNS: usize = 256;
/// The longest header line read, in bytes.
pub const MAX_HEADER_BYTES: u64 = 64 << 10;

/// Refuses a file whose first line is longer than [`MAX_HEADER_BYTES`], before a CSV reader
/// would read all of it into memory.
pub fn check_header_length(path: &Path) -> Result<(), FileError> {
    use std::io::Read as _;
    let io = |source| FileError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut head = Vec::new();
    std::fs::File::open(path)
        .map_err(io)?
        .take(MAX_HEADER_BYTES + 1)
        .read_to_end(&mut head)
        .map_err(io)?;
    if head.len() as u64 > MAX_HEADER_BYTES && !head.contains(&b'\n') && !head.contains(&b'\r') {
        return Err(FileError::Header {
            path: path.to_path_buf(),
            message: format!(
                "the first line is longer than {} KiB: it is not a header of customer columns",
                MAX_HEADER_BYTES >> 10
            ),
        });
    }
    Ok(())
}

/// Required studio-layout columns (present in the header; values may be empty).
pub const STUDIO_REQUIRED: [Field; 4] = [
    Field::FirstName,
    Field::LastName,
    Field::PhoneNumber,
    Field::Birthdate,
];

/// The seed-003 layout's columns and the fields they fill.
pub const SNAKE_COLUMNS: [(&str, Field); 14] = [
    ("first_name", Field::FirstName),
    ("last_name", Field::LastName),
    ("email", Field::Email),
    ("phone", Field::PhoneNumber),
    ("company", Field::Company),
    ("street1", Field::Street),
    ("street2", Field::Street2),
    ("city", Field::City),
    ("state", Field::State),
    ("postal_code", Field::PostalCode),
    ("country", Field::Country),
    ("birthday", Field::Birthdate),
    ("reference_id", Field::ReferenceId),
    ("other", Field::Notes),
];

/// Columns an Intake export writes that are not profile fields: `Id` identifies the
/// customer on re-import; the others are not imported ("only profile information").
pub const ID_COLUMN: &str = "Id";
pub const EXPORT_ONLY_COLUMNS: [&str; 3] = ["CreatedAt", "UpdatedAt", "MedicalConditions"];

/// What one column of the file feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Field(Field),
    Id,
}

/// The resolved meaning of a file's header.
#[derive(Debug, Clone)]
pub struct Layout {
    pub format: Format,
    /// The header as the file has it.
    pub header: Vec<String>,
    /// One entry per column.
    pub targets: Vec<Option<Target>>,
    /// Columns read but not imported, with why.
    pub ignored: Vec<String>,
}

impl Layout {
    /// The file's own name for the column that fills `field` (for messages).
    pub fn column_name(&self, field: Field) -> String {
        self.targets
            .iter()
            .position(|t| *t == Some(Target::Field(field)))
            .map_or_else(|| field.column().to_string(), |i| self.header[i].clone())
    }

    pub fn has(&self, field: Field) -> bool {
        self.targets.contains(&Some(Target::Field(field)))
    }

    /// Works out the layout from the header, `--format` and `--map THEIR=OURS` pairs.
    pub fn resolve(
        path: &Path,
        header: &[String],
        format: Option<Format>,
        map: &[(String, String)],
    ) -> Result<Layout, FileError> {
        let err = |message: String| FileError::Header {
            path: path.to_path_buf(),
            message,
        };
        if header.len() > MAX_COLUMNS {
            return Err(err(format!(
                "the header has {} columns; Intake reads files of at most {MAX_COLUMNS}",
                header.len()
            )));
        }
        let header: Vec<String> = header.iter().map(|h| h.trim().to_string()).collect();
        if header.iter().all(String::is_empty) {
            return Err(err(
                "the first line must be a header naming the columns".into()
            ));
        }
        // Mapped columns first: --map 'Their Column=FirstName'; 'Their Column=' (or `-`)
        // leaves a column out.
        let mut mapped: Vec<Option<Target>> = vec![None; header.len()];
        let mut left_out = vec![false; header.len()];
        for (theirs, ours) in map {
            let Some(i) = header.iter().position(|h| h == theirs.trim()) else {
                return Err(FileError::Usage(format!(
                    "--map {theirs:?}: the file has no column {theirs:?} (its columns: {})",
                    header.join(", ")
                )));
            };
            if matches!(ours.trim(), "" | "-") {
                left_out[i] = true;
                continue;
            }
            let target = parse_target(ours).ok_or_else(|| {
                FileError::Usage(format!(
                    "--map {theirs}={ours}: {ours:?} is not a customer field (use one of: {}, Id)",
                    Field::ALL.map(Field::column).join(", ")
                ))
            })?;
            mapped[i] = Some(target);
        }
        let studio_hits = header.iter().filter(|h| studio_target(h).is_some()).count();
        let snake_hits = header.iter().filter(|h| snake_field(h).is_some()).count();
        let loose_hits = header
            .iter()
            .filter(|h| {
                let k = header_key(h);
                Field::ALL.iter().any(|f| header_key(f.column()) == k)
                    || SNAKE_COLUMNS.iter().any(|(c, _)| header_key(c) == k)
            })
            .count();
        let mapping = format == Some(Format::Mapped);
        if studio_hits + snake_hits + loose_hits == 0
            && mapped.iter().all(Option::is_none)
            && !mapping
        {
            let shown: Vec<&str> = header.iter().take(4).map(String::as_str).collect();
            return Err(err(format!(
                "the first line is not a header: none of its cells ({}) names a column Intake knows. Add a header row, e.g. FirstName,LastName,PhoneNumber,Birthdate",
                shown.join(", ")
            )));
        }
        let format = format.unwrap_or(if snake_hits > studio_hits {
            Format::Snake
        } else {
            Format::Studio
        });
        let mut targets = Vec::with_capacity(header.len());
        let mut ignored = Vec::new();
        for (i, name) in header.iter().enumerate() {
            let target = mapped[i].or_else(|| match format {
                _ if left_out[i] => None,
                Format::Studio => studio_target(name),
                Format::Snake => snake_field(name).map(Target::Field),
                Format::Mapped => None,
            });
            if target.is_none() && !name.is_empty() {
                let why = if EXPORT_ONLY_COLUMNS.contains(&name.as_str()) {
                    "not profile information"
                } else if left_out[i] || format == Format::Mapped {
                    "left out"
                } else {
                    "not a column Intake knows"
                };
                ignored.push(format!("{name} ({why})"));
            }
            targets.push(target);
        }
        // A field fed by two columns is a mistake in the file or the map.
        for (i, t) in targets.iter().enumerate() {
            if let Some(t) = t
                && let Some(j) = targets[i + 1..].iter().position(|u| u.as_ref() == Some(t))
            {
                return Err(err(format!(
                    "columns {} ({:?}) and {} ({:?}) both fill {}",
                    i + 1,
                    header[i],
                    i + j + 2,
                    header[i + j + 1],
                    target_name(*t)
                )));
            }
        }
        let layout = Layout {
            format,
            header,
            targets,
            ignored,
        };
        layout.check_required().map_err(err)?;
        Ok(layout)
    }

    /// The layout of the file at `path` as an import would read it (its header, `format`
    /// and `map`), and the first data row's cells, to show a person before anything is
    /// written.
    pub fn peek(
        path: &Path,
        format: Option<Format>,
        map: &[(String, String)],
    ) -> Result<(Layout, Vec<String>), FileError> {
        check_header_length(path)?;
        let (reader, _) = super::decode::open(path)?;
        let mut csv = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(true)
            .from_reader(reader);
        let malformed = |e: csv::Error| FileError::Malformed {
            path: path.to_path_buf(),
            line: e.position().map_or(1, csv::Position::line),
            message: e.to_string(),
        };
        let header: Vec<String> = csv
            .byte_headers()
            .map_err(malformed)?
            .iter()
            .map(|h| super::decode::cell(h).into_owned())
            .collect();
        if header.is_empty() {
            return Err(FileError::Empty {
                path: path.to_path_buf(),
            });
        }
        let mut first = csv::ByteRecord::new();
        let sample = if csv.read_byte_record(&mut first).map_err(malformed)? {
            first
                .iter()
                .map(|c| super::decode::cell(c).into_owned())
                .collect()
        } else {
            Vec::new()
        };
        Ok((Layout::resolve(path, &header, format, map)?, sample))
    }

    fn check_required(&self) -> Result<(), String> {
        match self.format {
            Format::Studio => {
                let missing: Vec<String> = STUDIO_REQUIRED
                    .iter()
                    .filter(|f| !self.has(**f))
                    .map(|f| self.describe_missing(f.column()))
                    .collect();
                if missing.is_empty() {
                    Ok(())
                } else {
                    Err(format!(
                        "required column{} missing: {}. The studio layout needs FirstName, LastName, PhoneNumber and Birthdate (values may be empty)",
                        if missing.len() > 1 { "s" } else { "" },
                        missing.join("; ")
                    ))
                }
            }
            Format::Snake | Format::Mapped => {
                let any = [
                    Field::FirstName,
                    Field::LastName,
                    Field::Email,
                    Field::PhoneNumber,
                ]
                .iter()
                .any(|f| self.has(*f));
                if any {
                    Ok(())
                } else {
                    Err(format!(
                        "no identifying column: the file needs at least one of first_name, last_name, email, phone ({})",
                        ["first_name", "last_name", "email", "phone"]
                            .map(|c| self.describe_missing(c))
                            .join("; ")
                    ))
                }
            }
        }
    }

    /// "FirstName (the file has "First Name": rename it, or pass --map 'First Name=FirstName')"
    fn describe_missing(&self, expected: &str) -> String {
        let want = header_key(expected);
        let close = self.header.iter().enumerate().find(|(i, h)| {
            self.targets[*i].is_none() && {
                let k = header_key(h);
                k == want || (want.len() > 4 && edit_distance(&k, &want) <= 2)
            }
        });
        match close {
            Some((_, h)) => format!(
                "{expected} (the file has {h:?}: rename it to {expected}, or pass --map '{h}={ours}')",
                ours = snake_field(expected)
                    .map_or_else(|| expected.to_string(), |f| f.column().to_string())
            ),
            None => expected.to_string(),
        }
    }
}

fn studio_target(name: &str) -> Option<Target> {
    if name == ID_COLUMN {
        return Some(Target::Id);
    }
    Field::from_column(name).map(Target::Field)
}

fn snake_field(name: &str) -> Option<Field> {
    SNAKE_COLUMNS
        .iter()
        .find(|(c, _)| *c == name)
        .map(|(_, f)| *f)
}

/// What a map's right-hand side names: a customer field (by its studio or seed-003 column
/// name, case and spacing aside) or `Id`.
pub fn parse_target(name: &str) -> Option<Target> {
    let name = name.trim();
    studio_target(name)
        .or_else(|| snake_field(name).map(Target::Field))
        .or_else(|| {
            let key = header_key(name);
            Field::ALL
                .into_iter()
                .find(|f| header_key(f.column()) == key)
                .map(Target::Field)
        })
}

fn target_name(t: Target) -> &'static str {
    match t {
        Target::Field(f) => f.column(),
        Target::Id => ID_COLUMN,
    }
}

#[cfg(test)]
mod tests {
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
            None,
            &[],
        )
        .unwrap();
        assert_eq!(l.format, Format::Studio);
        assert_eq!(l.targets[1], Some(Target::Field(Field::FirstName)));
        assert_eq!(l.ignored, vec!["Shoe (not a column Intake knows)"]);
        let l = Layout::resolve(p, &h("first_name,email,birthday"), None, &[]).unwrap();
        assert_eq!(l.format, Format::Snake);
        assert_eq!(l.column_name(Field::Birthdate), "birthday");
    }

    #[test]
    fn names_the_missing_column_and_the_close_one() {
        let p = Path::new("f.csv");
        let e = Layout::resolve(
            p,
            &h("First Name,LastName,PhoneNumber,Birthdate"),
            None,
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("FirstName (the file has \"First Name\""), "{e}");
        assert!(e.contains("--map 'First Name=FirstName'"), "{e}");
        let e = Layout::resolve(p, &h("FirstName,LastName,Phone Number"), None, &[])
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
        let l = Layout::resolve(p, &h("Given,Surname,Mobile,DOB"), None, &map).unwrap();
        assert_eq!(l.targets[3], Some(Target::Field(Field::Birthdate)));
        let bad = vec![("Nope".to_string(), "FirstName".to_string())];
        assert!(
            Layout::resolve(p, &h("Given"), None, &bad)
                .unwrap_err()
                .to_string()
                .contains("no column \"Nope\"")
        );
        let twice = vec![("Given".to_string(), "LastName".to_string())];
        let e = Layout::resolve(
            p,
            &h("Given,LastName,FirstName,PhoneNumber,Birthdate"),
            None,
            &twice,
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
        let l = Layout::resolve(p, &header, Some(Format::Mapped), &map).unwrap();
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
            l.ignored,
            [
                "FirstName (left out)",
                "Visits (left out)",
                "Shoe (left out)"
            ]
        );
        // Left out in the studio layout too: a column it would read is not read.
        let studio = h("FirstName,LastName,PhoneNumber,Birthdate,City");
        let out = vec![("City".to_string(), "-".to_string())];
        let l = Layout::resolve(p, &studio, None, &out).unwrap();
        assert!(!l.has(Field::City));
        // A mapped layout still needs a column that identifies the customer.
        let none = vec![("Visits".to_string(), "City".to_string())];
        let e = Layout::resolve(p, &h("Visits"), Some(Format::Mapped), &none)
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
        let (l, sample) = Layout::peek(&path, None, &[]).unwrap();
        assert_eq!(l.format, Format::Studio);
        assert_eq!(
            l.header[0], "FirstName",
            "the byte-order mark is not part of the name"
        );
        assert_eq!(sample, ["Ada", "Moss", "", "1990-01-02"]);
        std::fs::write(&path, "").unwrap();
        assert!(Layout::peek(&path, None, &[]).is_err());
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
        let e = Layout::peek(&path, None, &[]).unwrap_err().to_string();
        assert!(e.contains("304 columns"), "{e}");
        let long = format!(
            "FirstName,LastName,PhoneNumber,Birthdate{}",
            ",".repeat(70 << 10)
        );
        std::fs::write(&path, long).unwrap();
        let e = Layout::peek(&path, None, &[]).unwrap_err().to_string();
        assert!(e.contains("longer than 64 KiB"), "{e}");
        let e = check_header_length(&path).unwrap_err().to_string();
        assert!(e.contains("line 1"), "{e}");
    }
}
