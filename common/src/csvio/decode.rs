//! Turning a file's bytes into text: UTF-8 (with or without BOM), UTF-16 (by BOM or by
//! its zero bytes), and Windows-1252 for cells that are not valid UTF-8; a spreadsheet's
//! first sheet as CSV.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use encoding_rs::{UTF_16BE, UTF_16LE, WINDOWS_1252};
use encoding_rs_io::DecodeReaderBytesBuilder;

use super::FileError;

/// Opens `path` as a stream of UTF-8-or-Windows-1252 bytes for the CSV reader.
pub fn open(path: &Path) -> Result<(Box<dyn Read + Send>, u64), FileError> {
    let io = |source| FileError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    let mut head = vec![0u8; 4096];
    let n = read_up_to(&mut file, &mut head).map_err(io)?;
    head.truncate(n);
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    if super::sheet::is_workbook(&head) {
        let csv = super::sheet::as_csv(path)?;
        let len = csv.len() as u64;
        return Ok((Box::new(std::io::Cursor::new(csv)), len));
    }
    if head.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(FileError::Empty {
            path: path.to_path_buf(),
        });
    }
    let utf16 = if head.starts_with(&[0xFF, 0xFE]) {
        Some(UTF_16LE)
    } else if head.starts_with(&[0xFE, 0xFF]) {
        Some(UTF_16BE)
    } else {
        sniff_utf16(&head)
    };
    if let Some(encoding) = utf16 {
        let reader = DecodeReaderBytesBuilder::new()
            .encoding(Some(encoding))
            .bom_sniffing(true)
            .build(BufReader::with_capacity(1 << 16, file));
        return Ok((Box::new(reader), len));
    }
    if let Some(offset) = head.iter().position(|b| *b == 0) {
        return Err(FileError::NotText {
            path: path.to_path_buf(),
            offset: offset as u64,
        });
    }
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        // Drop a UTF-8 BOM here, so that every reader of the stream sees the same offsets.
        file.seek(SeekFrom::Start(3)).map_err(io)?;
    }
    Ok((Box::new(file), len))
}

fn read_up_to(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// UTF-16 without a BOM shows as a zero byte in every other position of ASCII text.
fn sniff_utf16(head: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    if head.len() < 8 {
        return None;
    }
    let pairs = head.len() / 2;
    let even_zero = head.iter().step_by(2).filter(|b| **b == 0).count();
    let odd_zero = head.iter().skip(1).step_by(2).filter(|b| **b == 0).count();
    if odd_zero * 10 > pairs * 8 && even_zero * 10 < pairs {
        Some(UTF_16LE)
    } else if even_zero * 10 > pairs * 8 && odd_zero * 10 < pairs {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// A cell as text: UTF-8 when it is valid UTF-8, else read as Windows-1252.
pub fn cell(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => WINDOWS_1252.decode_without_bom_handling(bytes).0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_fall_back_to_windows_1252() {
        assert_eq!(cell(b"Zo\xc3\xab"), "Zoë");
        assert_eq!(cell(b"Zo\xeb"), "Zoë");
        assert_eq!(cell(b"caf\xe9 \x80"), "café €");
    }

    #[test]
    fn sniffs_utf16_without_bom() {
        let text: Vec<u8> = "FirstName,LastName\r\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(sniff_utf16(&text), Some(UTF_16LE));
        let be: Vec<u8> = "FirstName,LastName\r\n"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(sniff_utf16(&be), Some(UTF_16BE));
        assert_eq!(sniff_utf16(b"FirstName,LastName\r\n"), None);
    }
}
