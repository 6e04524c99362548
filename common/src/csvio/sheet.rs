//! A spreadsheet read as CSV: Vagaro's customer list comes only as an Excel workbook, and
//! Fresha's may. The first sheet's rows become CSV lines, each on the line of the same
//! number as its row in the sheet (rows above the used range are empty lines), so a
//! problem's line is the row a person sees in the spreadsheet.

use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader};

use super::FileError;

/// The most a workbook may unpack to. A workbook is a zip of XML: a small file could
/// otherwise unpack to gigabytes. A million customer rows unpack to far less.
pub const MAX_UNPACKED: u64 = 512 << 20;

/// Whether a file's first bytes are a workbook's: a zip (.xlsx, .ods) or an OLE compound
/// file (.xls).
pub fn is_workbook(head: &[u8]) -> bool {
    head.starts_with(b"PK\x03\x04") || head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
}

/// The first sheet of the workbook at `path` as CSV bytes.
pub fn as_csv(path: &Path) -> Result<Vec<u8>, FileError> {
    as_csv_within(path, MAX_UNPACKED)
}

fn as_csv_within(path: &Path, max_unpacked: u64) -> Result<Vec<u8>, FileError> {
    let bad = |message: String| FileError::Malformed {
        path: path.to_path_buf(),
        line: 0,
        message,
    };
    let bytes = std::fs::read(path).map_err(|source| FileError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if bytes.starts_with(b"PK") {
        let unpacked = unpacked_size(&bytes).map_err(|e| {
            bad(format!(
                "this is a zip file but not a readable workbook ({e})"
            ))
        })?;
        if unpacked > max_unpacked {
            return Err(bad(format!(
                "the workbook unpacks to {} MiB; Intake reads workbooks of at most {} MiB (save the sheet as CSV instead)",
                unpacked >> 20,
                max_unpacked >> 20
            )));
        }
    }
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes.as_slice()))
        .map_err(|e| bad(format!("not a workbook Intake can read: {e}")))?;
    let Some(sheet) = book.worksheet_range_at(0) else {
        return Err(FileError::Empty {
            path: path.to_path_buf(),
        });
    };
    let sheet = sheet.map_err(|e| bad(format!("its first sheet cannot be read: {e}")))?;
    let Some((first_row, first_col)) = sheet.start() else {
        return Err(FileError::Empty {
            path: path.to_path_buf(),
        });
    };
    let mut out = vec![b'\n'; first_row as usize];
    {
        let mut csv = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(&mut out);
        let lead = vec![String::new(); first_col as usize];
        for row in sheet.rows() {
            let cells = lead.iter().cloned().chain(row.iter().map(cell));
            csv.write_record(cells.collect::<Vec<_>>())
                .map_err(|e| bad(e.to_string()))?;
        }
        csv.flush().map_err(|e| bad(e.to_string()))?;
    }
    Ok(out)
}

/// What the zip's entries unpack to, as its directory says.
fn unpacked_size(bytes: &[u8]) -> Result<u64, zip::result::ZipError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))?;
    let mut total = 0u64;
    for i in 0..zip.len() {
        total = total.saturating_add(zip.by_index_raw(i)?.size());
    }
    Ok(total)
}

/// A cell as the text a CSV export of the sheet would hold: whole numbers without a
/// decimal point (a ZIP code or a phone typed as a number), dates as ISO dates.
fn cell(data: &Data) -> String {
    match data {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(d) => match d.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => t.date().to_string(),
            Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
            None => d.as_f64().to_string(),
        },
        Data::Error(e) => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    #[test]
    fn a_workbook_that_would_unpack_too_far_is_refused_before_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bomb.xlsx");
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        zip.start_file(
            "xl/worksheets/sheet1.xml",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        zip.write_all(&vec![b' '; 3 << 20]).unwrap();
        zip.finish().unwrap();
        assert!(
            std::fs::metadata(&path).unwrap().len() < 64 << 10,
            "it packs small"
        );
        let e = as_csv_within(&path, 2 << 20).unwrap_err().to_string();
        assert!(e.contains("unpacks to 3 MiB"), "{e}");
        // Within the limit it is still no workbook, and says so.
        let e = as_csv_within(&path, 8 << 20).unwrap_err().to_string();
        assert!(e.contains("not a workbook Intake can read"), "{e}");
        std::fs::write(&path, b"PK\x03\x04 not a zip at all").unwrap();
        let e = as_csv(&path).unwrap_err().to_string();
        assert!(e.contains("not a readable workbook"), "{e}");
    }

    #[test]
    fn cells_read_as_a_csv_export_of_the_sheet_would_hold_them() {
        assert_eq!(cell(&Data::Float(80202.0)), "80202");
        assert_eq!(cell(&Data::Float(2.5)), "2.5");
        assert_eq!(cell(&Data::Int(3035550126)), "3035550126");
        assert_eq!(cell(&Data::Bool(true)), "TRUE");
        assert_eq!(cell(&Data::Empty), "");
    }
}
