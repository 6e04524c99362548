//! Finding a file's header: its first line, or, for an app whose export puts lines of
//! report text above it (Vagaro), the first of its first lines that is that app's header.

use std::io::Read;
use std::path::Path;

use super::FileError;
use super::decode;
use super::layout::{Ask, Format, Layout};
use super::lines::{LineCounter, Lines};
use super::preset::Preset;

/// The most columns a file's header may name (no customer list comes near it).
pub const MAX_COLUMNS: usize = 256;
/// The longest header line read, in bytes.
pub const MAX_HEADER_BYTES: u64 = 64 << 10;

/// Refuses a file whose first line is longer than [`MAX_HEADER_BYTES`], before a CSV reader
/// would read all of it into memory.
pub fn check_header_length(path: &Path) -> Result<(), FileError> {
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
    // A workbook's header is a row of its sheet, read as CSV with its size bounded.
    if super::sheet::is_workbook(&head) {
        return Ok(());
    }
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

/// A CSV reader over the decoded file, with the header read as a row like any other.
pub(super) fn reader<R: Read>(inner: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .buffer_capacity(1 << 16)
        .from_reader(inner)
}

pub(super) fn malformed(path: &Path, e: &csv::Error) -> FileError {
    match e.kind() {
        csv::ErrorKind::Io(io) => FileError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::new(io.kind(), io.to_string()),
        },
        _ => FileError::Malformed {
            path: path.to_path_buf(),
            line: e.position().map_or(0, csv::Position::line),
            message: e.to_string(),
        },
    }
}

/// A line's cells, or how many there are when too many for a header.
type Cells = Result<Vec<String>, usize>;

/// Reads the file's rows up to its header and works out the layout. A first line that is
/// no header may stand above an app's header (lines of report text): then the app's header
/// is looked for within the lines that app allows, and if none is found the first line's
/// own problem is reported.
pub(super) fn read_layout<R: Read>(
    csv: &mut csv::Reader<R>,
    lines: &Lines,
    path: &Path,
    ask: Ask<'_>,
) -> Result<Layout, FileError> {
    let mut record = csv::ByteRecord::new();
    let mut next = |record: &mut csv::ByteRecord| -> Result<Option<(u64, Cells)>, FileError> {
        if !csv
            .read_byte_record(record)
            .map_err(|e| malformed(path, &e))?
        {
            return Ok(None);
        }
        let line = lines.line_at(record.position().map_or(0, csv::Position::byte));
        // A line wider than any header is no header, and is not read cell by cell.
        if record.len() > MAX_COLUMNS {
            return Ok(Some((line, Err(record.len()))));
        }
        let cells = record
            .iter()
            .map(|c| decode::cell(c).into_owned())
            .collect();
        Ok(Some((line, Ok(cells))))
    };
    let Some((line, cells)) = next(&mut record)? else {
        return Err(FileError::Empty {
            path: path.to_path_buf(),
        });
    };
    let first = match cells {
        Err(width) => FileError::Header {
            path: path.to_path_buf(),
            message: format!(
                "the header has {width} columns; Intake reads files of at most {MAX_COLUMNS}"
            ),
        },
        Ok(cells) => match Layout::resolve(path, &cells, ask) {
            Ok(mut layout) => {
                layout.header_line = line;
                return Ok(layout);
            }
            Err(e) => e,
        },
    };
    // Lines of report text may stand above an app's header: looked for by the header's
    // columns alone (a map names the columns of the header found).
    let within = match ask.format {
        Some(Format::Preset(p)) => p.header_within,
        None => Preset::all()
            .iter()
            .map(|p| p.header_within)
            .max()
            .unwrap_or(1),
        Some(_) => 1,
    };
    while let Some((line, cells)) = next(&mut record)? {
        if line > within {
            break;
        }
        let Ok(cells) = cells else { continue };
        let app = match ask.format {
            Some(Format::Preset(p)) => p.recognises(&cells).then_some(p),
            _ => Preset::detect(&cells).filter(|p| line <= p.header_within),
        };
        if let Some(p) = app {
            let found = Ask {
                format: Some(Format::Preset(p)),
                ..ask
            };
            let mut layout = Layout::resolve(path, &cells, found).map_err(|e| match e {
                // Its problem is on the line it stands on, not the first.
                FileError::Header { path, message } => FileError::Malformed {
                    path,
                    line,
                    message,
                },
                other => other,
            })?;
            layout.header_line = line;
            layout.recognised = ask.format.is_none();
            return Ok(layout);
        }
    }
    Err(first)
}

impl Layout {
    /// The layout of the file at `path` as an import would read it, and the first data row's
    /// cells, to show a person before anything is written.
    pub fn peek(path: &Path, ask: Ask<'_>) -> Result<(Layout, Vec<String>), FileError> {
        check_header_length(path)?;
        let (inner, _) = decode::open(path)?;
        let (inner, lines) = LineCounter::new(inner);
        let mut csv = reader(inner);
        let layout = read_layout(&mut csv, &lines, path, ask)?;
        let mut first = csv::ByteRecord::new();
        let sample = if csv
            .read_byte_record(&mut first)
            .map_err(|e| malformed(path, &e))?
        {
            first.iter().map(|c| decode::cell(c).into_owned()).collect()
        } else {
            Vec::new()
        };
        Ok((layout, sample))
    }
}
