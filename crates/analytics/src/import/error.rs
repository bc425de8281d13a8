//! Import errors. Every row-level problem names its 1-based file line (counting preamble and
//! header lines), its column and the reason.

use std::fmt;

use polars_core::prelude::PolarsError;
use serde::Serialize;

use super::mapping::Field;

/// One rejected cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// 1-based line in the uploaded file where the record starts.
    pub line: usize,
    /// The column as named in the file's header.
    pub column: String,
    /// The offending cell text (truncated to 60 characters).
    pub value: String,
    /// Why it was rejected.
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {:?}: {} (value {:?})",
            self.line, self.column, self.reason, self.value
        )
    }
}

/// A list of row errors: the first ones found, plus how many there were in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowErrors {
    /// The first errors in file order (at most `ImportOptions::max_errors`).
    pub errors: Vec<RowError>,
    /// How many cells were rejected in total.
    pub total: usize,
}

impl fmt::Display for RowErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} invalid cell(s), file rejected", self.total)?;
        for e in &self.errors {
            write!(f, "; {e}")?;
        }
        if self.total > self.errors.len() {
            write!(f, "; …")?;
        }
        Ok(())
    }
}

/// Why a file was rejected. Nothing is imported when any of these is returned.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The upload has no bytes, or only whitespace.
    #[error("the file is empty")]
    Empty,
    /// The bytes are not text in a supported encoding.
    #[error("unsupported encoding: {reason}")]
    Encoding { reason: String },
    /// The upload could not be read.
    #[error("reading the file: {0}")]
    Read(#[source] std::io::Error),
    /// No line with at least two delimited fields was found near the top.
    #[error("no header line found (expected a CSV or TSV header within the first 20 lines)")]
    NoHeader,
    /// Auto-detection found no platform's columns.
    #[error(
        "line {line}: cannot tell which platform exported this file from its columns {columns:?}; choose meta, google or tiktok, or generic with a column mapping"
    )]
    UnknownPlatform {
        line: usize,
        /// The header names seen.
        columns: Vec<String>,
    },
    /// A required column is absent from the header.
    #[error("line {line}: missing required column for {field} (expected one of {expected:?})")]
    MissingColumn {
        line: usize,
        /// The canonical field that has no source column.
        field: Field,
        /// Names that would have been accepted.
        expected: Vec<String>,
    },
    /// A user mapping names a column the file does not have.
    #[error("line {line}: column {column:?} mapped to {field} is not in the header")]
    MappedColumnNotFound {
        line: usize,
        field: Field,
        /// The column name the user gave.
        column: String,
    },
    /// The currency in the spend header disagrees with a currency column, or a file mixes
    /// currencies, so totals would be meaningless.
    #[error(
        "line {line}, column {column:?}: currency {found} conflicts with {expected} found earlier"
    )]
    CurrencyConflict {
        /// Line where the conflicting currency appears.
        line: usize,
        /// The column holding it.
        column: String,
        /// The currency seen first.
        expected: String,
        found: String,
    },
    /// The CSV structure itself is broken (e.g. a record with more fields than the header).
    #[error("{}malformed CSV: {source}", line.map(|l| format!("line {l}: ")).unwrap_or_default())]
    Csv {
        /// The line of the first malformed record when it could be located.
        line: Option<usize>,
        #[source]
        source: PolarsError,
    },
    /// A header with no data rows (after dropping totals rows).
    #[error("line {line}: the file has a header but no data rows")]
    NoRows { line: usize },
    /// One or more cells are invalid.
    #[error("{0}")]
    Rows(RowErrors),
}

impl ImportError {
    /// The row errors, when the rejection is about cell contents.
    pub fn row_errors(&self) -> Option<&RowErrors> {
        match self {
            Self::Rows(r) => Some(r),
            _ => None,
        }
    }
}
