//! Line numbers as an editor shows them, for a CSV reader that only knows byte offsets.
//!
//! [`LineCounter`] sits between the decoded file and the CSV reader and notes where each
//! line's text begins (lines end at `\n`, `\r\n` or a lone `\r`, quoted or not);
//! [`Lines::line_at`] turns a record's byte offset into the line its text begins on. The
//! reader places a record that follows blank lines at the first of them, so the blank
//! lines are passed over. The reader reads ahead a little, so only the lines between the
//! last record asked about and the read position are kept.

use std::collections::VecDeque;
use std::io::Read;
use std::sync::{Arc, Mutex, PoisonError};

#[derive(Debug)]
struct State {
    /// Where each line's text begins, and the line's number, not yet passed by a record.
    texts: VecDeque<(u64, u64)>,
    /// The line being read.
    line: u64,
    /// The line being read has text already.
    has_text: bool,
    /// Bytes read so far.
    offset: u64,
    /// The last byte read was `\r` (a following `\n` belongs to the same break).
    after_cr: bool,
}

impl Default for State {
    fn default() -> Self {
        State {
            texts: VecDeque::new(),
            line: 1,
            has_text: false,
            offset: 0,
            after_cr: false,
        }
    }
}

/// The shared line index of one file.
#[derive(Debug, Clone, Default)]
pub struct Lines(Arc<Mutex<State>>);

impl Lines {
    /// The line (from 1) of the first text at or after `offset`: where a record that
    /// begins there stands, blank lines before it passed over.
    pub fn line_at(&self, offset: u64) -> u64 {
        let mut s = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        while s.texts.front().is_some_and(|(at, _)| *at < offset) {
            s.texts.pop_front();
        }
        s.texts.front().map_or(s.line, |(_, line)| *line)
    }
}

/// Notes where each line's text begins in the bytes that pass through it.
#[derive(Debug)]
pub struct LineCounter<R> {
    inner: R,
    lines: Lines,
}

impl<R: Read> LineCounter<R> {
    pub fn new(inner: R) -> (Self, Lines) {
        let lines = Lines::default();
        (
            Self {
                inner,
                lines: lines.clone(),
            },
            lines,
        )
    }
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut s = self.lines.0.lock().unwrap_or_else(PoisonError::into_inner);
        let base = s.offset;
        for (i, b) in buf[..n].iter().enumerate() {
            match b {
                // `\r\n` is one break, already counted at the `\r`.
                b'\n' if s.after_cr => {}
                b'\n' => {
                    s.line += 1;
                    s.has_text = false;
                }
                b'\r' => {
                    s.line += 1;
                    s.has_text = false;
                    s.after_cr = true;
                    continue;
                }
                _ if !s.has_text => {
                    let line = s.line;
                    s.texts.push_back((base + i as u64, line));
                    s.has_text = true;
                }
                _ => {}
            }
            s.after_cr = false;
        }
        s.offset = base + n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line of each record the CSV reader finds in `text`, read `chunk` bytes at a time.
    fn record_lines(text: &[u8], chunk: usize) -> Vec<u64> {
        struct Chunked<'a>(&'a [u8], usize);
        impl Read for Chunked<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(self.1).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let (counter, lines) = LineCounter::new(Chunked(text, chunk));
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(counter);
        let mut record = csv::ByteRecord::new();
        let mut out = Vec::new();
        while csv.read_byte_record(&mut record).unwrap() {
            out.push(lines.line_at(record.position().unwrap().byte()));
        }
        out
    }

    #[test]
    fn counts_every_kind_of_line_break_across_chunks() {
        for chunk in [1, 2, 3, 64] {
            assert_eq!(record_lines(b"a\nb\nc", chunk), vec![1, 2, 3]);
            assert_eq!(record_lines(b"a\r\nb\r\nc", chunk), vec![1, 2, 3]);
            assert_eq!(record_lines(b"a\rb\rc", chunk), vec![1, 2, 3]);
            // Blank lines are passed over, as the reader does.
            assert_eq!(record_lines(b"a\r\n\r\nb\n\nc", chunk), vec![1, 3, 5]);
            assert_eq!(record_lines(b"\n\na\n\n\nb\n", chunk), vec![3, 6]);
            // A quoted line break belongs to its record; the next record is on its own line.
            assert_eq!(record_lines(b"a,\"x\ny\"\nb\n", chunk), vec![1, 3]);
        }
    }
}
