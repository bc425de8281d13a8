//! The polars CSV read: every projected column as a string column.
//!
//! Reading as strings (no schema inference) is what keeps 18-digit IDs exact and lets the
//! localized-number rules, not polars' float parser, decide what a cell means.

use std::io::Cursor;

use polars_core::prelude::{DataFrame, PolarsResult};
use polars_io::SerReader;
use polars_io::csv::read::{CsvParseOptions, CsvReadOptions};

use super::sniff::Delimiter;

/// Reads `body` (the header line and everything after it) keeping only the `projection`
/// columns, which must be sorted and unique. The frame's columns come back in that order.
pub(crate) fn read_strings(
    body: &str,
    delimiter: Delimiter,
    projection: &[usize],
) -> PolarsResult<DataFrame> {
    let parse = CsvParseOptions::default()
        .with_separator(delimiter.byte())
        .with_quote_char(Some(b'"'))
        .with_missing_is_null(true);
    CsvReadOptions::default()
        .with_has_header(true)
        // Zero rows of inference: every column is read as a string.
        .with_infer_schema_length(Some(0))
        .with_projection(Some(projection.to_vec().into()))
        .with_rechunk(true)
        .with_raise_if_empty(false)
        .with_parse_options(parse)
        .into_reader_with_file_handle(Cursor::new(body.as_bytes()))
        .finish()
}
