//! Which column of a file means which customer field.

use std::path::Path;

use crate::customer::Field;
use crate::normalize::{DateFormat, edit_distance, header_key};

use super::FileError;
use super::preset::{Dates, Preset, Reading, Role, looks_like_history, looks_private};

pub use super::header::{MAX_COLUMNS, MAX_HEADER_BYTES, check_header_length};

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
    /// Another app's customer export ([`Preset`]); a map changes any of its columns.
    Preset(&'static Preset),
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "studio" | "other" | "intake" => Ok(Format::Studio),
            "snake" | "snake_case" | "basic" => Ok(Format::Snake),
            "mapped" => Ok(Format::Mapped),
            other => Preset::named(other).map(Format::Preset).ok_or_else(|| {
                format!(
                    "unknown format {other:?}: use studio, snake, mapped (with --map), or an app: {}",
                    Preset::names().join(", ")
                )
            }),
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Format::Studio => "studio",
            Format::Snake => "snake",
            Format::Mapped => "mapped",
            Format::Preset(p) => p.name,
        })
    }
}

impl Format {
    /// The app this layout is the export of.
    pub fn preset(self) -> Option<&'static Preset> {
        match self {
            Format::Preset(p) => Some(p),
            _ => None,
        }
    }
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
    /// The whole name, split into first and last name (`+Name` in a map).
    Name,
    /// A `Column: value` line in the customer's notes (`+Notes` in a map).
    Note,
}

/// What a map's right-hand side writes for "a line in the notes" and "the whole name".
pub const NOTE_TARGET: &str = "+Notes";
pub const NAME_TARGET: &str = "+Name";

/// The resolved meaning of a file's header.
#[derive(Debug, Clone)]
pub struct Layout {
    pub format: Format,
    /// Whether the format was recognised from the header (not asked for).
    pub recognised: bool,
    /// The header as the file has it.
    pub header: Vec<String>,
    /// The line the header is on (below an app's report lines, it is not the first).
    pub header_line: u64,
    /// One entry per column.
    pub targets: Vec<Option<Target>>,
    /// How each column's cells are read.
    pub readings: Vec<Reading>,
    /// Why each column left out is left out.
    pub why: Vec<Option<Skip>>,
}

/// Why a column is not imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// Written by Intake's export, not profile information (`CreatedAt`).
    ExportOnly,
    /// Visits, spend, counts.
    History,
    /// Card, bank or identity document details.
    Private,
    /// Repeats other columns.
    Repeats,
    /// Left out by the map.
    LeftOut,
    /// A column of the app's with no field of Intake's: `--extra-to-notes` keeps it.
    NoField,
    /// Not a column of the layout.
    Unknown,
}

impl Skip {
    /// Whether no choice of a person's brings the column in: history, card, bank or
    /// identity details, what only an Intake export writes.
    pub fn never(self) -> bool {
        matches!(self, Skip::History | Skip::Private | Skip::ExportOnly)
    }

    pub fn describe(self) -> &'static str {
        match self {
            Skip::ExportOnly => "not profile information",
            Skip::History => "history: only profile information is imported",
            Skip::Private => "payment or identity details: never imported",
            Skip::Repeats => "repeats other columns",
            Skip::LeftOut => "left out",
            Skip::NoField => "no field of its own; --extra-to-notes keeps it in the notes",
            Skip::Unknown => "not a column Intake knows",
        }
    }
}

/// What the import was asked for: a layout (or none, to recognise it), a map of columns,
/// and whether columns with no field go to the notes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ask<'a> {
    pub format: Option<Format>,
    pub map: &'a [(String, String)],
    /// Every column's target by its place (`None` leaves it out): what the console's
    /// mapping form sends, which a map by name cannot say for two columns of one name.
    pub chosen: Option<&'a [Option<Target>]>,
    pub extra_to_notes: bool,
}

impl Layout {
    /// The file's own name for the column that fills `field` (for messages).
    pub fn column_name(&self, field: Field) -> String {
        self.targets
            .iter()
            .position(|t| *t == Some(Target::Field(field)))
            .map_or_else(|| field.column().to_string(), |i| self.header[i].clone())
    }

    /// Columns read but not imported, with why.
    pub fn ignored(&self) -> Vec<String> {
        self.header
            .iter()
            .zip(&self.why)
            .filter_map(|(name, skip)| skip.map(|s| format!("{name} ({})", s.describe())))
            .collect()
    }

    pub fn has(&self, field: Field) -> bool {
        self.targets.contains(&Some(Target::Field(field)))
    }

    /// The order of day and month the layout's app writes, if it has one.
    pub fn date_order(&self) -> Option<DateFormat> {
        match self.format.preset()?.dates {
            Dates::MonthFirst => Some(DateFormat::MonthFirst),
            Dates::Learn => None,
        }
    }

    /// Cells that mean "no value" in this layout.
    pub fn empty_marks(&self) -> &'static [&'static str] {
        self.format.preset().map_or(&[], |p| p.empty)
    }

    /// Works out the layout from the header, `--format` (or `--from`) and `--map THEIR=OURS`
    /// pairs.
    pub fn resolve(path: &Path, header: &[String], ask: Ask<'_>) -> Result<Layout, FileError> {
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
        let studio_whole = STUDIO_REQUIRED
            .iter()
            .all(|f| header.iter().any(|h| h == f.column()));
        let detected = if ask.format.is_none() && !studio_whole {
            Preset::detect(&header)
        } else {
            None
        };
        let format = ask.format.unwrap_or(match detected {
            Some(p) => Format::Preset(p),
            None if snake_hits > studio_hits => Format::Snake,
            None => Format::Studio,
        });
        let preset = format.preset();
        let role = |name: &str| preset.and_then(|p| p.role(name));
        // Mapped columns first: --map 'Their Column=FirstName'; 'Their Column=' (or `-`)
        // leaves a column out. The console chooses every column by its place instead.
        let mut mapped: Vec<Option<Target>> = vec![None; header.len()];
        let mut left_out = vec![false; header.len()];
        let refuse = |i: usize, name: &str, why: Skip| {
            FileError::Usage(format!(
                "column {} ({name:?}) cannot be imported: {}",
                i + 1,
                why.describe()
            ))
        };
        if let Some(chosen) = ask.chosen {
            if chosen.len() != header.len() {
                return Err(FileError::Usage(format!(
                    "{} columns chosen for a file of {}",
                    chosen.len(),
                    header.len()
                )));
            }
            for (i, t) in chosen.iter().enumerate() {
                match t {
                    Some(t) => mapped[i] = Some(*t),
                    None => left_out[i] = true,
                }
            }
        }
        for (theirs, ours) in ask.map {
            let mut at = (0..header.len()).filter(|i| header[*i] == theirs.trim());
            let (Some(i), None) = (at.next(), at.next()) else {
                let why = if header.iter().any(|h| h == theirs.trim()) {
                    format!("the file has two columns {theirs:?}: rename one")
                } else {
                    format!("the file has no column {theirs:?}")
                };
                return Err(FileError::Usage(format!(
                    "--map {theirs:?}: {why} (its columns: {})",
                    header.join(", ")
                )));
            };
            if matches!(ours.trim(), "" | "-") {
                left_out[i] = true;
                continue;
            }
            let target = parse_target(ours).ok_or_else(|| {
                FileError::Usage(format!(
                    "--map {theirs}={ours}: {ours:?} is not a customer field (use one of: {}, Id, {NOTE_TARGET} for a line in the notes, {NAME_TARGET} for a whole name)",
                    Field::ALL.map(Field::column).join(", ")
                ))
            })?;
            mapped[i] = Some(target);
        }
        // What is never imported stays out, whoever asks for it.
        for (i, name) in header.iter().enumerate() {
            if mapped[i].is_none() {
                continue;
            }
            if let Some(why) = never_imported(name, role(name)) {
                return Err(refuse(i, name, why));
            }
            if name.is_empty() && mapped[i] == Some(Target::Note) {
                return Err(FileError::Usage(format!(
                    "column {} has no name: it cannot be a line in the notes",
                    i + 1
                )));
            }
        }
        let mapping = format == Format::Mapped;
        if studio_hits + snake_hits + loose_hits == 0
            && mapped.iter().all(Option::is_none)
            && !mapping
            && preset.is_none()
        {
            let shown: Vec<&str> = header.iter().take(4).map(String::as_str).collect();
            return Err(err(format!(
                "the first line is not a header: none of its cells ({}) names a column Intake knows. Add a header row, e.g. FirstName,LastName,PhoneNumber,Birthdate",
                shown.join(", ")
            )));
        }
        let mut targets = Vec::with_capacity(header.len());
        let mut readings = Vec::with_capacity(header.len());
        let mut why = Vec::with_capacity(header.len());
        for (i, name) in header.iter().enumerate() {
            let (target, reading, skip) = column(
                name,
                format,
                role(name),
                mapped[i],
                left_out[i],
                ask.extra_to_notes,
            );
            let skip = match skip {
                Some(_) if name.is_empty() => None,
                _ if target.is_none() => never_imported(name, role(name)).or(skip),
                other => other,
            };
            targets.push(target);
            readings.push(reading);
            why.push(skip);
        }
        check_twice(&header, &targets, &readings).map_err(err)?;
        let layout = Layout {
            format,
            recognised: detected.is_some(),
            header,
            header_line: 1,
            targets,
            readings,
            why,
        };
        layout.check_required().map_err(err)?;
        Ok(layout)
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
            Format::Snake | Format::Mapped | Format::Preset(_) => {
                let any = [
                    Field::FirstName,
                    Field::LastName,
                    Field::Email,
                    Field::PhoneNumber,
                ]
                .iter()
                .any(|f| self.has(*f))
                    || self.targets.contains(&Some(Target::Name));
                let names = match self.format {
                    Format::Snake => ["first_name", "last_name", "email", "phone"],
                    _ => ["FirstName", "LastName", "Email", "PhoneNumber"],
                };
                if any {
                    Ok(())
                } else {
                    Err(format!(
                        "no identifying column: the file needs at least one of {} ({})",
                        names.join(", "),
                        names.map(|c| self.describe_missing(c)).join("; ")
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

/// One column's target, how it is read, and why it is left out (if it is).
fn column(
    name: &str,
    format: Format,
    role: Option<Role>,
    mapped: Option<Target>,
    left_out: bool,
    extra_to_notes: bool,
) -> (Option<Target>, Reading, Option<Skip>) {
    let plain = Reading::PLAIN;
    if let Some(target) = mapped {
        // A column mapped to the field its app fills keeps the app's way of reading it.
        let reading = match role {
            Some(Role::Fill(f, r)) if target == Target::Field(f) => r,
            _ => plain,
        };
        return (Some(target), reading, None);
    }
    if left_out {
        return (None, plain, Some(Skip::LeftOut));
    }
    if name.is_empty() {
        return (None, plain, None);
    }
    if let Some(why) = never_imported(name, role) {
        return (None, plain, Some(why));
    }
    let to_notes = |skip| {
        if extra_to_notes {
            (Some(Target::Note), plain, None)
        } else {
            (None, plain, Some(skip))
        }
    };
    match format {
        Format::Mapped => (None, plain, Some(Skip::LeftOut)),
        Format::Studio | Format::Snake => {
            let target = if format == Format::Studio {
                studio_target(name)
            } else {
                snake_field(name).map(Target::Field)
            };
            match target {
                Some(t) => (Some(t), plain, None),
                None => to_notes(Skip::Unknown),
            }
        }
        Format::Preset(_) => match role {
            Some(Role::Fill(f, r)) => (Some(Target::Field(f)), r, None),
            Some(Role::Name) => (Some(Target::Name), plain, None),
            Some(Role::Repeats) => (None, plain, Some(Skip::Repeats)),
            // Never imported: answered above.
            Some(Role::History | Role::Private) => (None, plain, None),
            Some(Role::Extra) | None => to_notes(Skip::NoField),
        },
    }
}

/// Why a column is never imported, whatever a layout, a map or a person asks: history
/// (visits, spend, counts), card, bank or identity details, and what only an Intake export
/// writes (its medical column among them) — by the app's own word for its column, else by
/// the column's name.
pub fn never_imported(name: &str, role: Option<Role>) -> Option<Skip> {
    match role {
        Some(Role::History) => Some(Skip::History),
        Some(Role::Private) => Some(Skip::Private),
        Some(_) => None,
        None if EXPORT_ONLY_COLUMNS.contains(&name) => Some(Skip::ExportOnly),
        None if looks_like_history(name) => Some(Skip::History),
        None if looks_private(name) => Some(Skip::Private),
        None => None,
    }
}

/// A field fed by two columns is a mistake in the file or the map, unless the later ones
/// only stand in when the first is empty. Any number of columns may add lines to the notes.
fn check_twice(
    header: &[String],
    targets: &[Option<Target>],
    readings: &[Reading],
) -> Result<(), String> {
    for (i, t) in targets.iter().enumerate() {
        let Some(t) = t else { continue };
        if *t == Target::Note || readings[i].fallback {
            continue;
        }
        if let Some(j) = (i + 1..targets.len())
            .find(|j| targets[*j].as_ref() == Some(t) && !readings[*j].fallback)
        {
            return Err(format!(
                "columns {} ({:?}) and {} ({:?}) both fill {}",
                i + 1,
                header[i],
                j + 1,
                header[j],
                target_name(*t)
            ));
        }
    }
    Ok(())
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
/// name, case and spacing aside), `Id`, `+Notes` or `+Name`.
pub fn parse_target(name: &str) -> Option<Target> {
    let name = name.trim();
    if name.eq_ignore_ascii_case(NOTE_TARGET) {
        return Some(Target::Note);
    }
    if name.eq_ignore_ascii_case(NAME_TARGET) {
        return Some(Target::Name);
    }
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

/// A target as a map writes it (what [`parse_target`] reads back).
pub fn target_name(t: Target) -> &'static str {
    match t {
        Target::Field(f) => f.column(),
        Target::Id => ID_COLUMN,
        Target::Name => NAME_TARGET,
        Target::Note => NOTE_TARGET,
    }
}

#[cfg(test)]
mod tests;
