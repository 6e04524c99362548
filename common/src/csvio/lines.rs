//! Line numbers as an editor shows them, for a CSV reader that only knows byte offsets.
//!
//! [`LineCounter`] sits between the decoded file and the CSV reader and notes where every
//! line starts (after `\n`, `\r\n` or a lone `\r`, quoted or not); [`Lines::line_at`] turns a
//! record's byte offset into its line. The reader reads ahead a little, so only the offsets
//! between the last record asked about and the read position are kept.

use std::collections::VecDeque;
use std::io::Read;
use std::sync::{Arc, Mutex, PoisonError};

#[derive(Debug, Default)]
struct State {
    /// Offsets at which a line starts, not yet passed by a record.
    starts: VecDeque<u64>,
    /// Lines already passed.
    passed: u64,
    /// Bytes read so far.
    offset: u64,
    /// The last byte read was `\r` (a following `\n` belongs to the same break).
    after_cr: bool,
}

/// The shared line index of one file.
#[derive(Debug, Clone, Default)]
pub struct Lines(Arc<Mutex<State>>);

impl Lines {
    /// The line (from 1) on which the byte at `offset` stands.
    pub fn line_at(&self, offset: u64) -> u64 {
        let mut s = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        while s.starts.front().is_some_and(|start| *start <= offset) {
            s.starts.pop_front();
            s.passed += 1;
        }
        s.passed + 1
    }
}

/// Counts line starts in the bytes that pass through it.
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
            let next = base + i as u64 + 1;
            match b {
                // `\r\n` is one break, already counted at the `\r`. (The CSV reader places a
                // record after `\r\n` either at the `\n` or after it; both are past the start.)
                b'\n' if s.after_cr => {}
                b'\n' => s.starts.push_back(next),
                b'\r' => {
                    s.starts.push_back(next);
                    s.after_cr = true;
                    continue;
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

    fn lines_of(text: &[u8], chunk: usize) -> Vec<u64> {
        struct Chunked<'a>(&'a [u8], usize);
        impl Read for Chunked<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(self.1).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let (mut counter, lines) = LineCounter::new(Chunked(text, chunk));
        let mut all = Vec::new();
        counter.read_to_end(&mut all).unwrap();
        // The line of every byte that starts a line of the text.
        (0..text.len() as u64)
            .filter(|o| {
                *o == 0
                    || matches!(text[*o as usize - 1], b'\n')
                    || (text[*o as usize - 1] == b'\r' && text[*o as usize] != b'\n')
            })
            .map(|o| lines.line_at(o))
            .collect()
    }

    #[test]
    fn counts_every_kind_of_line_break_across_chunks() {
        for chunk in [1, 2, 3, 64] {
            assert_eq!(lines_of(b"a\nb\nc", chunk), vec![1, 2, 3]);
            assert_eq!(lines_of(b"a\r\nb\r\nc", chunk), vec![1, 2, 3]);
            assert_eq!(lines_of(b"a\rb\rc", chunk), vec![1, 2, 3]);
            assert_eq!(lines_of(b"a\r\n\r\nb\n\nc", chunk), vec![1, 2, 3, 4, 5]);
        }
    }
}
