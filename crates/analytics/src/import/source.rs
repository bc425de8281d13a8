//! The upload as a stream of text blocks: the encoding is read from the first bytes, the header
//! found among the first lines, then the records follow in blocks of about [`BLOCK_BYTES`]. Each
//! block is cut after the last line of a record and led by a copy of the header line, so polars
//! reads every block as a small CSV file of its own, with the header it expects. Memory holds one
//! block at a time, never the file.

use std::io::Read;

use super::error::ImportError;
use super::sniff::{self, Encoding, HeaderInfo};

/// Record bytes per block. Unit tests use a tiny value so that every fixture is read in several
/// blocks, which puts the cuts and the joins under the quirk tests.
pub(crate) const BLOCK_BYTES: usize = if cfg!(test) { 48 } else { 4 << 20 };

/// How many lines to read before looking for the header (it may follow a preamble).
const SNIFF_LINES: usize = 21;

/// The bytes read from the upload, once its encoding is known.
pub(crate) struct Source<'r> {
    reader: Box<dyn Read + Send + 'r>,
    /// The header line, then the records not handed out yet.
    buf: Vec<u8>,
    /// Length of the header line at the start of `buf`.
    head: usize,
    /// Bytes of `buf` after the header that the last block handed out.
    taken: usize,
    eof: bool,
    /// Byte offset in the upload of `buf[head]`, for encoding errors (UTF-8 only).
    offset: usize,
    /// The line the next block's first record starts on.
    next_line: usize,
    pub encoding: Encoding,
    pub header: HeaderInfo,
}

/// One block: a CSV text of the header line and whole records.
pub(crate) struct Block<'a> {
    pub text: &'a str,
    /// The header to read `text` with: its `line` is the one before the block's first record, so
    /// that line arithmetic made for a whole file holds for the block.
    pub header: HeaderInfo,
}

/// Reads into `buf` until `enough(buf)` holds or the reader ends; returns whether it ended.
fn fill(
    reader: &mut dyn Read,
    buf: &mut Vec<u8>,
    enough: impl Fn(&[u8]) -> bool,
) -> Result<bool, ImportError> {
    const STEP: usize = 256 << 10;
    while !enough(buf) {
        let len = buf.len();
        buf.resize(len + STEP, 0);
        let n = loop {
            match reader.read(&mut buf[len..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    buf.truncate(len);
                    return Err(ImportError::Read(e));
                }
            }
        };
        buf.truncate(len + n);
        if n == 0 {
            return Ok(true);
        }
    }
    Ok(false)
}

fn count_byte(bytes: &[u8], byte: u8) -> usize {
    // Summing `u8` flags per 255-byte chunk lets the compiler vectorize.
    bytes.chunks(255).map(|c| usize::from(c.iter().map(|&b| u8::from(b == byte)).sum::<u8>())).sum()
}

/// Counts `\n` bytes.
pub(crate) fn count_newlines(bytes: &[u8]) -> usize {
    count_byte(bytes, b'\n')
}

/// The end of the last whole record in `data` (just after its `\n`), if any: a newline after an
/// even number of quotes, the rule the CSV reader splits a file by.
fn last_record_end(data: &[u8]) -> Option<usize> {
    let mut quotes_before = count_byte(data, b'"');
    for i in (0..data.len()).rev() {
        match data[i] {
            b'"' => quotes_before -= 1,
            b'\n' if quotes_before.is_multiple_of(2) => return Some(i + 1),
            _ => {}
        }
    }
    None
}

fn utf8_error(offset: usize, bom: bool) -> ImportError {
    let reason = if bom {
        format!("invalid UTF-8 at byte {offset}")
    } else {
        format!("not UTF-8 (invalid byte at offset {offset}); export as UTF-8 or UTF-16")
    };
    ImportError::Encoding { reason }
}

impl<'r> Source<'r> {
    /// Detects the encoding and finds the header; `is_known` recognizes header names.
    pub fn open(
        reader: impl Read + Send + 'r,
        forced: Option<sniff::Delimiter>,
        is_known: impl Fn(&str) -> bool,
    ) -> Result<Self, ImportError> {
        let mut reader: Box<dyn Read + Send + 'r> = Box::new(reader);
        let mut buf = Vec::new();
        let mut eof = fill(&mut reader, &mut buf, |b| b.len() >= 3)?;
        let (encoding, bom) = if buf.starts_with(b"\xEF\xBB\xBF") {
            buf.drain(..3);
            (Encoding::Utf8Bom, 3)
        } else if buf.starts_with(b"\xFF\xFE") || buf.starts_with(b"\xFE\xFF") {
            // UTF-16 comes from Google's "Excel .csv", a small file: decoded whole, then read as
            // UTF-8 like the others.
            reader.read_to_end(&mut buf).map_err(ImportError::Read)?;
            let (text, encoding) = sniff::decode(&buf)?;
            let decoded = text.into_owned().into_bytes();
            reader = Box::new(std::io::Cursor::new(decoded));
            buf = Vec::new();
            eof = false;
            (encoding, 0)
        } else {
            (Encoding::Utf8, 0)
        };
        if !eof {
            eof = fill(&mut reader, &mut buf, |b| {
                b.len() >= BLOCK_BYTES && count_newlines(b) >= SNIFF_LINES
            })?;
        }
        let sniffed = match std::str::from_utf8(&buf) {
            Ok(text) => text,
            // A character cut by the end of the read is whole in the next one.
            Err(e) if e.error_len().is_none() && !eof => {
                std::str::from_utf8(&buf[..e.valid_up_to()]).unwrap_or_default()
            }
            Err(e) => return Err(utf8_error(e.valid_up_to() + bom, bom > 0)),
        };
        if eof && sniffed.trim().is_empty() {
            return Err(ImportError::Empty);
        }
        let header = sniff::locate_header(sniffed, forced, is_known)?;
        let rest = &sniffed[header.offset..];
        let head = rest.find('\n').map_or(rest.len(), |i| i + 1);
        buf.drain(..header.offset);
        Ok(Self {
            reader,
            buf,
            head,
            taken: 0,
            eof,
            offset: bom + header.offset + head,
            next_line: header.line + 1,
            encoding,
            header,
        })
    }

    /// The next block, `None` after the last.
    pub fn next_block(&mut self) -> Result<Option<Block<'_>>, ImportError> {
        if self.taken > 0 {
            self.buf.drain(self.head..self.head + self.taken);
            self.taken = 0;
        }
        let mut want = BLOCK_BYTES;
        let cut = loop {
            if !self.eof {
                let head = self.head;
                self.eof = fill(&mut self.reader, &mut self.buf, |b| b.len() - head >= want)?;
            }
            let data = &self.buf[self.head..];
            if data.is_empty() {
                return Ok(None);
            }
            if self.eof && data.len() <= want {
                break data.len();
            }
            match last_record_end(&data[..want.min(data.len())]) {
                Some(end) => break end,
                // One record longer than a block: read on until it ends.
                None if self.eof => break data.len(),
                None => want *= 2,
            }
        };
        let first_line = self.next_line;
        self.next_line += count_newlines(&self.buf[self.head..self.head + cut]);
        let (offset, head) = (self.offset, self.head);
        self.offset += cut;
        self.taken = cut;
        // The header line was checked when it was found, so a bad byte lies in the records.
        let bom = self.encoding == Encoding::Utf8Bom;
        let text = std::str::from_utf8(&self.buf[..head + cut])
            .map_err(|e| utf8_error(offset + e.valid_up_to().saturating_sub(head), bom))?;
        let header = HeaderInfo { line: first_line - 1, offset: 0, ..self.header.clone() };
        Ok(Some(Block { text, header }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(text: &[u8]) -> Vec<(String, usize)> {
        let mut src = Source::open(text, None, |n| n.starts_with('h')).unwrap();
        let mut out = Vec::new();
        while let Some(b) = src.next_block().unwrap() {
            out.push((b.text.to_owned(), b.header.line));
        }
        out
    }

    #[test]
    fn blocks_end_on_record_ends_and_repeat_the_header() {
        let records = "\"a\nb\",12345\nx,1111111111\ny,2222222222\nz,3333333333\nw,4\n";
        let text = format!("title\nh1,h2\n{records}");
        let got = blocks(text.as_bytes());
        assert!(got.len() >= 2, "{got:?}");
        // The quoted record (lines 3 and 4) is never cut.
        assert!(got[0].0.starts_with("h1,h2\n\"a\nb\",12345\n"), "{got:?}");
        assert!(got.iter().all(|(t, _)| t.starts_with("h1,h2\n") && t.ends_with('\n')));
        let joined: String = got.iter().map(|(t, _)| &t["h1,h2\n".len()..]).collect();
        assert_eq!(joined, records);
        // Each block's header line is the line before its first record.
        let mut line = 2;
        for (t, header_line) in &got {
            assert_eq!(*header_line, line, "{got:?}");
            line += t.matches('\n').count() - 1;
        }
    }

    #[test]
    fn encodings_and_errors_keep_their_offsets() {
        let src = Source::open(&b"\xEF\xBB\xBFh1,h2\n1,2"[..], None, |n| n.starts_with('h'));
        assert_eq!(src.map(|s| s.encoding).ok(), Some(Encoding::Utf8Bom));
        let mut late = b"h1,h2\n".to_vec();
        for _ in 0..40 {
            late.extend_from_slice(b"1,2\n");
        }
        late.extend_from_slice(b"\xC3,1\n");
        // Found while sniffing (a small file is read at once) or in a later block alike.
        let err = match Source::open(&late[..], None, |n| n.starts_with('h')) {
            Err(e) => e,
            Ok(mut src) => loop {
                match src.next_block() {
                    Ok(Some(_)) => continue,
                    Ok(None) => panic!("the bad byte was not found"),
                    Err(e) => break e,
                }
            },
        };
        assert!(err.to_string().contains("invalid byte at offset 166"), "{err}");
    }
}
