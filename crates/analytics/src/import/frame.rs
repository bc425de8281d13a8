//! Fast, read-only access to the string frame polars produced: each mapped column as one arrow
//! array, looked up by canonical field, and the map from frame rows back to file lines.

use polars_core::prelude::{DataFrame, PolarsDataType, StringChunked, StringType};

use super::mapping::Field;
use super::numbers::{self, trim_cell};
use super::sniff::{self, HeaderInfo};
use super::source::count_newlines;
use super::validate::Context;

type StrArray = <StringType as PolarsDataType>::Array;

/// A string column's single arrow chunk. Its lookup is a bounds check and a view read, several
/// times cheaper than `ChunkedArray::get`, which locates the chunk on every call.
#[derive(Clone, Copy)]
pub(crate) struct StrCol<'a>(&'a StrArray);

impl<'a> StrCol<'a> {
    /// The column's array; `None` unless the column is one chunk (the reader rechunks).
    pub fn of(ca: &'a StringChunked) -> Option<Self> {
        let mut chunks = ca.downcast_iter();
        let first = chunks.next()?;
        chunks.next().is_none().then_some(Self(first))
    }

    pub fn len(self) -> usize {
        self.0.len()
    }

    pub fn get(self, row: usize) -> Option<&'a str> {
        if row < self.0.len() { self.0.get(row) } else { None }
    }
}

/// A mapped column: its index in the header and its cells.
pub(crate) type Col<'a> = Option<(usize, StrCol<'a>)>;

/// The column mapped to `field`, if the file has one.
pub(crate) fn column<'a>(ctx: &Context<'_>, df: &'a DataFrame, field: Field) -> Col<'a> {
    let header_index = *ctx.resolved.columns.get(&field)?;
    let frame_index = *ctx.frame_index.get(&header_index)?;
    let ca = df.columns().get(frame_index)?.str().ok()?;
    Some((header_index, StrCol::of(ca)?))
}

/// A trimmed text cell, with empty and `--` as `None`.
pub(crate) fn text<'a>(col: Col<'a>, row: usize) -> Option<&'a str> {
    col.and_then(|(_, ca)| ca.get(row)).map(trim_cell).filter(|c| !numbers::is_null_cell(c))
}

/// Maps polars row indexes to file lines.
pub(crate) struct Lines {
    /// Line of frame row 0 when rows sit on consecutive lines (the usual file).
    first: usize,
    /// Otherwise, the line of each row.
    map: Vec<usize>,
}

impl Lines {
    pub fn new(text: &str, header: &HeaderInfo, rows: usize) -> Self {
        let body = &text[header.offset..];
        let newlines = count_newlines(body.as_bytes());
        // One newline after the header and after each record (the last one optionally): then
        // no record spans lines and no blank line hides, and the lines are consecutive.
        let map = if newlines == rows + usize::from(body.ends_with('\n')) {
            Vec::new()
        } else {
            sniff::record_lines(text, header)
        };
        Self { first: header.line + 1, map }
    }

    pub fn line(&self, row: usize) -> usize {
        self.map.get(row).copied().unwrap_or(self.first + row)
    }
}
