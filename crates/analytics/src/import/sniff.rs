//! Encoding, delimiter and preamble sniffing, plus the record-to-line map used for error
//! messages.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::error::ImportError;

/// How many leading lines may precede the header (Google's report title and date range).
const MAX_PREAMBLE_LINES: usize = 20;

/// Field separators the platforms use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delimiter {
    /// `,`: English exports.
    Comma,
    /// `;`: French and other decimal-comma locales.
    Semicolon,
    /// Tab: Google's "Excel .csv" (UTF-16LE) download.
    Tab,
}

impl Delimiter {
    /// Every delimiter, in the order ties are broken.
    pub const ALL: [Delimiter; 3] = [Delimiter::Comma, Delimiter::Semicolon, Delimiter::Tab];

    /// The separator byte.
    pub fn byte(self) -> u8 {
        match self {
            Self::Comma => b',',
            Self::Semicolon => b';',
            Self::Tab => b'\t',
        }
    }
}

/// The text encoding a file was decoded from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    /// UTF-8 without a byte-order mark.
    Utf8,
    /// UTF-8 with a byte-order mark (Meta, Excel).
    Utf8Bom,
    /// UTF-16 little-endian with a byte-order mark (Google's "Excel .csv").
    Utf16LeBom,
    /// UTF-16 big-endian with a byte-order mark.
    Utf16BeBom,
}

/// Decodes the raw upload into text, detecting the encoding from its byte-order mark.
pub fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, Encoding), ImportError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        let text = std::str::from_utf8(rest).map_err(|e| ImportError::Encoding {
            reason: format!("invalid UTF-8 at byte {}", e.valid_up_to() + 3),
        })?;
        return Ok((Cow::Borrowed(text), Encoding::Utf8Bom));
    }
    for (bom, enc, from) in [
        (b"\xFF\xFE", Encoding::Utf16LeBom, u16::from_le_bytes as fn([u8; 2]) -> u16),
        (b"\xFE\xFF", Encoding::Utf16BeBom, u16::from_be_bytes as fn([u8; 2]) -> u16),
    ] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            if rest.len() % 2 != 0 {
                return Err(ImportError::Encoding {
                    reason: "UTF-16 data has an odd number of bytes".into(),
                });
            }
            let units = rest.chunks_exact(2).map(|p| from([p[0], p[1]]));
            let text = char::decode_utf16(units).collect::<Result<String, _>>().map_err(|e| {
                ImportError::Encoding {
                    reason: format!(
                        "invalid UTF-16 (unpaired surrogate {:#06x})",
                        e.unpaired_surrogate()
                    ),
                }
            })?;
            return Ok((Cow::Owned(text), enc));
        }
    }
    let text = std::str::from_utf8(bytes).map_err(|e| ImportError::Encoding {
        reason: format!(
            "not UTF-8 (invalid byte at offset {}); export as UTF-8 or UTF-16",
            e.valid_up_to()
        ),
    })?;
    Ok((Cow::Borrowed(text), Encoding::Utf8))
}

/// Splits one physical line into fields, honouring `"` quoting with `""` escapes. A line whose
/// quote never closes yields its partial fields; header sniffing only needs a best effort.
pub fn split_fields(line: &str, delim: u8) -> Vec<String> {
    let mut fields = Vec::new();
    let mut cur = Vec::new();
    let mut in_quotes = false;
    let bytes = line.trim_end_matches(['\r', '\n']).as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_quotes {
            if b == b'"' {
                if bytes.get(i + 1) == Some(&b'"') {
                    cur.push(b'"');
                    i += 1;
                } else {
                    in_quotes = false;
                }
            } else {
                cur.push(b);
            }
        } else if b == b'"' {
            in_quotes = true;
        } else if b == delim {
            fields.push(String::from_utf8_lossy(&cur).into_owned());
            cur.clear();
        } else {
            cur.push(b);
        }
        i += 1;
    }
    fields.push(String::from_utf8_lossy(&cur).into_owned());
    fields
}

/// Where the real header is and how the file is delimited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderInfo {
    /// 1-based line number of the header.
    pub line: usize,
    /// Byte offset of the header in the decoded text.
    pub offset: usize,
    pub delimiter: Delimiter,
    /// Header names as written (untrimmed).
    pub names: Vec<String>,
}

/// Finds the header line among the first lines: the first line where some delimiter splits off
/// at least two fields that `is_known` recognizes. Preamble lines (a report title, a quoted date
/// range) never contain two known column names, so they are skipped. When nothing is recognized
/// the first line with at least two fields is taken, so the caller can report its columns.
pub fn locate_header(
    text: &str,
    forced: Option<Delimiter>,
    is_known: impl Fn(&str) -> bool,
) -> Result<HeaderInfo, ImportError> {
    let candidates: Vec<Delimiter> = forced.map_or_else(|| Delimiter::ALL.to_vec(), |d| vec![d]);
    let mut fallback: Option<HeaderInfo> = None;
    let mut offset = 0;
    for (idx, line) in text.split_inclusive('\n').take(MAX_PREAMBLE_LINES).enumerate() {
        let mut best: Option<(usize, usize, Delimiter, Vec<String>)> = None;
        for &d in &candidates {
            let names = split_fields(line, d.byte());
            let known = names.iter().filter(|n| is_known(n)).count();
            if best.as_ref().is_none_or(|(k, n, _, _)| (known, names.len()) > (*k, *n)) {
                best = Some((known, names.len(), d, names));
            }
        }
        if let Some((known, width, delimiter, names)) = best {
            let info = HeaderInfo { line: idx + 1, offset, delimiter, names };
            if known >= 2 {
                return Ok(info);
            }
            if width >= 2 && fallback.is_none() {
                fallback = Some(info);
            }
        }
        offset += line.len();
    }
    fallback.ok_or(ImportError::NoHeader)
}

/// For each data record after the header, the 1-based line it starts on, following the CSV
/// reader's rules: quoted fields may span lines, and a blank line is a record (of nulls). Only
/// used when lines are not consecutive, so the second pass is rare.
pub fn record_lines(text: &str, header: &HeaderInfo) -> Vec<usize> {
    let body = &text.as_bytes()[header.offset..];
    let mut starts = Vec::new();
    let mut line = header.line;
    let mut in_quotes = false;
    for (i, &b) in body.iter().enumerate() {
        if b == b'"' {
            in_quotes = !in_quotes;
        } else if b == b'\n' {
            line += 1;
            // An unquoted newline ends a record; the next one starts here unless the file ends.
            if !in_quotes && i + 1 < body.len() {
                starts.push(line);
            }
        }
    }
    starts
}

/// The line of the first record the CSV reader would refuse: one with more fields than the
/// header, or a quote that never closes. Used to place a reader error in the file.
pub fn first_malformed_line(text: &str, header: &HeaderInfo) -> Option<usize> {
    let body = &text[header.offset..];
    let (width, delim) = (header.names.len(), header.delimiter.byte());
    let mut line = header.line;
    let mut start = line;
    let mut fields = 1;
    let mut in_quotes = false;
    let mut first = true;
    for &b in body.as_bytes() {
        if b == b'"' {
            in_quotes = !in_quotes;
        } else if b == delim && !in_quotes {
            fields += 1;
        } else if b == b'\n' {
            line += 1;
            if !in_quotes {
                if !first && fields > width {
                    return Some(start);
                }
                first = false;
                fields = 1;
                start = line;
            }
        }
    }
    (in_quotes || (!first && fields > width)).then_some(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boms() {
        let (t, e) = decode(b"\xEF\xBB\xBFa,b").unwrap();
        assert_eq!((t.as_ref(), e), ("a,b", Encoding::Utf8Bom));
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("Day\tÉ".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let (t, e) = decode(&utf16).unwrap();
        assert_eq!((t.as_ref(), e), ("Day\tÉ", Encoding::Utf16LeBom));
        assert!(decode(b"\xFF\xFEa").is_err());
        assert!(decode(b"a,\xC3").is_err());
    }

    #[test]
    fn quoted_fields() {
        assert_eq!(
            split_fields("a,\"CPM (cost per 1,000 impressions) (USD)\",\"x\"\"y\"\r\n", b','),
            ["a", "CPM (cost per 1,000 impressions) (USD)", "x\"y"]
        );
    }

    #[test]
    fn preamble_is_skipped() {
        let text = "Campaign report\n\"September 1, 2026 - September 3, 2026\"\nDay,Campaign,Cost\n1,2,3\n";
        let h = locate_header(text, None, |n| ["Day", "Campaign", "Cost"].contains(&n)).unwrap();
        assert_eq!((h.line, h.delimiter, h.names.len()), (3, Delimiter::Comma, 3));
        assert_eq!(&text[h.offset..h.offset + 3], "Day");
    }

    #[test]
    fn semicolons_win_on_french_headers() {
        let text = "Jour;Nom de la campagne;Montant dépensé (EUR)\n2026-09-01;A;1 234,56\n";
        let h = locate_header(text, None, |n| n == "Jour" || n.starts_with("Montant")).unwrap();
        assert_eq!((h.line, h.delimiter), (1, Delimiter::Semicolon));
    }

    #[test]
    fn record_lines_follow_quotes_and_blank_lines() {
        let text = "pre\nh1,h2\na,b\n\"multi\nline\",c\n\nd,e\n";
        let h = locate_header(text, None, |n| n.starts_with('h')).unwrap();
        assert_eq!(h.line, 2);
        assert_eq!(record_lines(text, &h), [3, 4, 6, 7]);
        assert_eq!(first_malformed_line(text, &h), None);
        let bad = "h1,h2\na,b\nc,d,e\n";
        let h = locate_header(bad, None, |n| n.starts_with('h')).unwrap();
        assert_eq!(first_malformed_line(bad, &h), Some(3));
        let open = "h1,h2\na,b\n\"c,d\n";
        assert_eq!(first_malformed_line(open, &h), Some(3));
    }
}
