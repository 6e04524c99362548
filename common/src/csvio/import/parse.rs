//! The import's parser thread: reads the CSV, checks and normalises each row, learns the
//! file's order of day and month, and hands rows to the database thread in batches.

use super::*;
use crate::csvio::preset::Value;

/// `03/04/1990`, `3.4.90`, `03-04-1990`: day and month (either way round), then the year.
/// (A year-first date is ISO, right or wrong, and never ambiguous.)
fn looks_like_numeric_date(raw: &str) -> bool {
    let parts: Vec<&str> = raw.split(['/', '.', '-']).collect();
    let digits =
        |p: &str, lens: &[usize]| lens.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit());
    matches!(parts.as_slice(), [a, b, y] if digits(a, &[1, 2]) && digits(b, &[1, 2]) && digits(y, &[2, 4]))
}

/// Which order an unambiguous numeric date shows: `31/03/1990` can only be day first.
fn order_shown(raw: &str) -> Option<DateFormat> {
    let raw = raw.trim();
    if !looks_like_numeric_date(raw) {
        return None;
    }
    let reads = |order: DateFormat| guess_date(raw, Some(&order)).is_ok();
    match (reads(DateFormat::MonthFirst), reads(DateFormat::DayFirst)) {
        (true, false) => Some(DateFormat::MonthFirst),
        (false, true) => Some(DateFormat::DayFirst),
        _ => None,
    }
}

pub(super) struct Parser {
    /// Turns a record's byte offset into the line an editor shows.
    pub(super) lines: Lines,
    pub(super) path: PathBuf,
    pub(super) layout: Layout,
    /// The file's order of day and month: given, or learnt once from the whole column.
    pub(super) date_order: Option<DateFormat>,
    pub(super) today: chrono::NaiveDate,
    /// Where the file's numbers without a country code belong.
    pub(super) region: Region,
    /// The region the database's keys are made in (the shop's). A number read in another
    /// region is stored in international form, so it keeps its country.
    pub(super) home: Region,
}

impl Parser {
    pub(super) fn run(
        mut self,
        mut csv: csv::Reader<Box<dyn std::io::Read + Send>>,
        out: SyncSender<Batch>,
        progress: Option<Progress>,
    ) {
        let mut record = csv::ByteRecord::new();
        let mut batch = Vec::with_capacity(BATCH);
        loop {
            match csv.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {
                    let line = self
                        .lines
                        .line_at(record.position().map_or(0, csv::Position::byte));
                    match self.parse(line, &record) {
                        Ok(parsed) => batch.push(parsed),
                        Err(fatal) => {
                            let _ = out.send(Batch::Fatal(fatal));
                            return;
                        }
                    }
                    if batch.len() == BATCH {
                        if let Some(p) = &progress {
                            p(record.position().map_or(0, csv::Position::byte));
                        }
                        let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                        if out.send(Batch::Rows(full)).is_err() {
                            return; // the store side gave up
                        }
                    }
                }
                Err(e) => {
                    let _ = out.send(Batch::Fatal(malformed(&self.path, &e)));
                    return;
                }
            }
        }
        if !batch.is_empty() && out.send(Batch::Rows(batch)).is_err() {
            return;
        }
        let _ = out.send(Batch::Done);
        if let Some(p) = &progress {
            p(u64::MAX);
        }
    }

    fn parse(&mut self, line: u64, record: &csv::ByteRecord) -> Result<Parsed, FileError> {
        let width = self.layout.header.len();
        if record.len() != width {
            return Ok(Parsed::Failed(vec![RowError {
                line,
                column: String::new(),
                message: format!(
                    "the row has {} fields; the header has {width} (a missing or extra comma, or an unclosed quote)",
                    record.len()
                ),
            }]));
        }
        let mut profile = Profile::with_capacity(record.as_slice().len());
        let mut id = None;
        let mut phone_key = None;
        let mut errors = Vec::new();
        let mut notes: Vec<String> = Vec::new();
        let mut whole_name = None;
        let empty_marks = self.layout.empty_marks();
        for (i, raw) in record.iter().enumerate() {
            let Some(target) = self.layout.targets[i] else {
                continue;
            };
            let reading = self.layout.readings[i];
            let text = decode::cell(raw);
            let text = unneutralise(&text);
            let text = if empty_marks.contains(&text.trim()) {
                ""
            } else {
                text
            };
            let column = self.layout.header[i].clone();
            let fail = |message: String| RowError {
                line,
                column: column.clone(),
                message,
            };
            if reading.fallback
                && let Target::Field(field) = target
                && profile.get(field).is_some()
            {
                continue;
            }
            match target {
                Target::Id => {
                    if !text.trim().is_empty() {
                        match Uuid::parse_str(text.trim()) {
                            Ok(u) => id = Some(u),
                            Err(_) => {
                                errors.push(fail(format!("{:?} is not a customer id", text.trim())))
                            }
                        }
                    }
                }
                Target::Note => {
                    let value = crate::normalize::clean_text(text);
                    if !value.is_empty() {
                        notes.push(format!("{column}: {value}"));
                    }
                }
                Target::Name => whole_name = Some(text.to_string()),
                Target::Field(field) => match read_value(text, reading.value) {
                    Read::Note(kept) => notes.push(format!("{column}: {kept}")),
                    Read::Bad(m) => errors.push(fail(m)),
                    Read::Value(text) => match field {
                        Field::Birthdate => match self.birthdate(line, &text) {
                            Ok(Some(d)) => profile.set(Field::Birthdate, Some(d)),
                            Ok(None) => {}
                            Err(Fatal(e)) => return Err(e),
                            Err(RowFail(m)) => errors.push(fail(m)),
                        },
                        Field::PhoneNumber => {
                            match self.phone(&text, reading.value == Value::CountryCodeFirst) {
                                Ok(Some((value, key))) => {
                                    profile.set_str(Field::PhoneNumber, Some(&value));
                                    phone_key = Some(key);
                                }
                                Ok(None) => {}
                                Err(m) => errors.push(fail(m)),
                            }
                        }
                        field => match field.parse(&text, self.region) {
                            Ok(v) => profile.set_str(field, v.as_deref()),
                            Err(m) => errors.push(fail(m)),
                        },
                    },
                },
            }
        }
        if let Some(name) = whole_name {
            let (first, last) = split_name(&name);
            for (field, part) in [(Field::FirstName, first), (Field::LastName, last)] {
                if profile.get(field).is_none()
                    && let Err(m) = field.parse(&part, self.region).map(|v| {
                        profile.set_str(field, v.as_deref());
                    })
                {
                    errors.push(RowError {
                        line,
                        column: self.layout.header[self.column_of(Target::Name)].clone(),
                        message: m,
                    });
                }
            }
        }
        if errors.is_empty() && !profile.is_identifiable() {
            // An app's report ends with totals, and a client deleted in the app is left
            // with nothing: passed over, where a studio file's empty row is a mistake.
            if self.layout.format.preset().is_some() {
                return Ok(Parsed::Skipped);
            }
            let cols: Vec<String> = Profile::IDENTIFYING
                .iter()
                .filter(|f| self.layout.has(**f))
                .map(|f| self.layout.column_name(*f))
                .collect();
            errors.push(RowError {
                line,
                column: cols.join(", "),
                message: "the row needs a value in at least one of these columns".into(),
            });
        }
        Ok(if errors.is_empty() {
            Parsed::Row(Candidate {
                line,
                id,
                keys: profile.keys_with_phone(phone_key),
                profile,
                note_lines: notes,
            })
        } else {
            Parsed::Failed(errors)
        })
    }

    fn column_of(&self, target: Target) -> usize {
        self.layout
            .targets
            .iter()
            .position(|t| *t == Some(target))
            .unwrap_or(0)
    }

    /// A phone cell: the number to store and its key, each worked out once.
    fn phone<'t>(
        &self,
        raw: &'t str,
        country_code_first: bool,
    ) -> Result<Option<(Cow<'t, str>, String)>, String> {
        if country_code_first && let Some(with_plus) = with_country_code(raw, self.region) {
            let key = crate::normalize::phone_key(&with_plus, self.region)?;
            return Ok(Some((Cow::Owned(with_plus), key)));
        }
        let Some((value, Some(key))) = Field::PhoneNumber.parse_keyed(raw, self.region)? else {
            return Ok(None);
        };
        // Written with its country code it reads the same in any region: keep it as written.
        if self.region == self.home || value.starts_with('+') || value.starts_with("00") {
            return Ok(Some((value, key)));
        }
        let international = crate::normalize::phone_international(&value, self.region)?;
        Ok(Some((Cow::Owned(international), key)))
    }

    fn birthdate(&mut self, line: u64, raw: &str) -> Result<Option<String>, DateProblem> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(None);
        }
        // The first numeric date that is not ISO settles the file's order, from the whole
        // column at once: no row is ever read under an order that a later row contradicts.
        if self.date_order.is_none()
            && looks_like_numeric_date(raw)
            && guess_date(raw, Some(&DateFormat::Iso)).is_err()
        {
            self.date_order = Some(self.prescan(line, raw).map_err(Fatal)?);
        }
        let date = match guess_date(raw, self.date_order.as_ref()).map_err(RowFail)? {
            DateGuess::Sure(d) => d,
            // Only reachable without a decided order, which the prescan rules out.
            DateGuess::Ambiguous { .. } => {
                return Err(RowFail(format!(
                    "{raw:?} could be read two ways; pass --date-format mdy or dmy"
                )));
            }
        };
        birthdate_in_range(date, self.today)
            .map(|d| Some(d.to_string()))
            .map_err(RowFail)
    }

    /// Reads the whole date column once to learn whether the file writes day or month
    /// first. Called only when an ambiguous date comes before any telling one.
    fn prescan(&self, line: u64, example: &str) -> Result<DateFormat, FileError> {
        let column = self
            .layout
            .targets
            .iter()
            .position(|t| *t == Some(Target::Field(Field::Birthdate)))
            .unwrap_or(0);
        let (reader, _) = decode::open(&self.path)?;
        let (reader, lines) = LineCounter::new(reader);
        let mut csv = header::reader(reader);
        let mut record = csv::ByteRecord::new();
        let mut found: Option<(u64, String, DateFormat)> = None;
        while csv
            .read_byte_record(&mut record)
            .map_err(|e| malformed(&self.path, &e))?
        {
            let here = lines.line_at(record.position().map_or(0, csv::Position::byte));
            if here <= self.layout.header_line {
                continue;
            }
            let Some(cell) = record.get(column) else {
                continue;
            };
            // Read as the column's cells are (a date with a time, an app's empty mark).
            let cell = decode::cell(cell);
            if self.layout.empty_marks().contains(&cell.trim()) {
                continue;
            }
            let Read::Value(cell) = read_value(&cell, self.layout.readings[column].value) else {
                continue;
            };
            let Some(order) = order_shown(&cell) else {
                continue;
            };
            match &found {
                None => found = Some((here, cell.trim().to_string(), order)),
                Some((l, first, seen)) if *seen != order => {
                    return Err(FileError::Dates {
                        path: self.path.clone(),
                        message: format!(
                            "column {}: line {l} ({first:?}) and line {here} ({:?}) write dates in different orders; fix the file or pass --date-format mdy or dmy",
                            self.layout.header[column],
                            cell.trim()
                        ),
                    });
                }
                Some(_) => {}
            }
        }
        found.map(|(_, _, order)| order).ok_or_else(|| FileError::Dates {
            path: self.path.clone(),
            message: format!(
                "column {}: line {line} has {example:?}, and no date in the file shows whether the day or the month comes first; pass --date-format mdy (month first) or dmy (day first)",
                self.layout.header[column]
            ),
        })
    }
}

enum DateProblem {
    Fatal(FileError),
    RowFail(String),
}
use DateProblem::{Fatal, RowFail};

/// Undoes the export's formula neutralisation: `'=x` reads back as `=x`.
fn unneutralise(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(crate::csvio::export::FORMULA_STARTS) => rest,
        _ => cell,
    }
}

/// A cell read the way its app writes it.
enum Read<'t> {
    Value(Cow<'t, str>),
    /// Kept in the notes as written (a birthday without a year).
    Note(&'t str),
    Bad(String),
}

fn read_value(text: &str, value: Value) -> Read<'_> {
    let t = text.trim();
    match value {
        Value::AsWritten | Value::CountryCodeFirst => Read::Value(Cow::Borrowed(text)),
        Value::Subscription => match t.to_ascii_lowercase().as_str() {
            "subscribed" => Read::Value(Cow::Borrowed("yes")),
            "unsubscribed" => Read::Value(Cow::Borrowed("no")),
            "" | "unknown" => Read::Value(Cow::Borrowed("")),
            _ => Read::Bad(format!("{t:?} is not Subscribed, Unsubscribed or Unknown")),
        },
        Value::Negated => match t {
            "" => Read::Value(Cow::Borrowed("")),
            _ => match crate::normalize::yes_no(t) {
                Ok(yes) => Read::Value(Cow::Borrowed(if yes { "no" } else { "yes" })),
                Err(m) => Read::Bad(m),
            },
        },
        Value::MaybeNoYear if month_and_day(t) => Read::Note(t),
        Value::MaybeNoYear => Read::Value(Cow::Borrowed(text)),
        Value::DateTime => Read::Value(Cow::Borrowed(
            t.split([' ', 'T']).next().unwrap_or_default(),
        )),
    }
}

/// `03-14`, `3/14`, `--03-14`: a month and a day with no year.
fn month_and_day(t: &str) -> bool {
    let parts: Vec<&str> = t.trim_start_matches('-').split(['-', '/', '.']).collect();
    matches!(parts.as_slice(), [a, b] if [a, b].iter().all(|p| (1..=2).contains(&p.len()) && p.bytes().all(|c| c.is_ascii_digit())))
}

/// `44 7700 900123` as `+44 7700 900123`, when it is no number of the shop's region but
/// reads as one with its country code; anything else is left as it is.
fn with_country_code(raw: &str, region: Region) -> Option<String> {
    let t = raw.trim();
    // A number the shop's region reads as its own stays so (`512 555 0143` in the US is
    // not Peru's +51).
    if t.is_empty()
        || t.starts_with('+')
        || t.starts_with("00")
        || crate::normalize::phone_key(t, region).is_ok()
    {
        return None;
    }
    let with_plus = format!("+{t}");
    crate::normalize::phone_key(&with_plus, region)
        .is_ok()
        .then_some(with_plus)
}

/// A whole name as first and last name: `Doe, Jane` is Jane Doe; otherwise the last word
/// is the last name (`Mary Ann Smith`: Mary Ann, Smith), and one word is a first name.
fn split_name(name: &str) -> (String, String) {
    let name = name.trim();
    if let Some((before, after)) = name.split_once(',') {
        // `Jane Doe, Jr.`: a suffix after the comma stays with the last name.
        let suffix = after.trim().trim_end_matches('.').to_ascii_lowercase();
        if SUFFIXES.contains(&suffix.as_str()) {
            let (first, last) = split_name(before);
            return (first, format!("{last} {}", after.trim()));
        }
        return (after.trim().to_string(), before.trim().to_string());
    }
    match name.rsplit_once(char::is_whitespace) {
        Some((first, last)) => (first.trim().to_string(), last.trim().to_string()),
        None => (name.to_string(), String::new()),
    }
}

/// What follows a name after a comma without being a first name.
const SUFFIXES: [&str; 10] = [
    "jr", "sr", "ii", "iii", "iv", "md", "phd", "dds", "esq", "rn",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_whole_name_splits_as_people_write_it() {
        let s = |n: &str| {
            let (a, b) = split_name(n);
            (a, b)
        };
        assert_eq!(s("Mary Ann Cole"), ("Mary Ann".into(), "Cole".into()));
        assert_eq!(s("Vance, Rhett"), ("Rhett".into(), "Vance".into()));
        assert_eq!(s("Jane Doe, MD"), ("Jane".into(), "Doe MD".into()));
        assert_eq!(s("Jane Doe, Jr."), ("Jane".into(), "Doe Jr.".into()));
        assert_eq!(s("Cher"), ("Cher".into(), String::new()));
        assert_eq!(s(" , "), (String::new(), String::new()));
    }

    #[test]
    fn a_number_of_the_shop_s_region_keeps_its_reading() {
        let us = Region::us();
        assert_eq!(with_country_code("512 555 0143", us), None);
        assert_eq!(with_country_code("(512) 555-0178", us), None);
        assert_eq!(
            with_country_code("44 7700 900123", us).as_deref(),
            Some("+44 7700 900123")
        );
        assert_eq!(
            with_country_code("39 333 555 0182", us).as_deref(),
            Some("+39 333 555 0182")
        );
        assert_eq!(with_country_code("+44 20 7946 0958", us), None);
    }
}
