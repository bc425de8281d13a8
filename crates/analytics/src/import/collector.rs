//! Row errors as they are found: kept with the frame row index, turned into file lines only when
//! the file is rejected.

use std::collections::HashMap;

use super::frame::{Col, Lines};
use super::sniff::HeaderInfo;
use super::{RowError, RowErrors};

/// An error before its row index is turned into a line.
pub(crate) struct Pending {
    pub row: usize,
    pub header_index: usize,
    pub value: String,
    pub reason: String,
    /// A second row the reason refers to (the first copy of a duplicate).
    pub other_row: Option<usize>,
}

/// Keeps the first `max` errors of each column, so the first `max` of the file survive sorting,
/// and counts them all.
pub(crate) struct Collector {
    max: usize,
    per_column: HashMap<usize, usize>,
    kept: Vec<Pending>,
    total: usize,
}

impl Collector {
    pub fn new(max: usize) -> Self {
        Self { max: max.max(1), per_column: HashMap::new(), kept: Vec::new(), total: 0 }
    }

    /// How many errors were found.
    pub fn total(&self) -> usize {
        self.total
    }

    pub fn push(&mut self, mut p: Pending) {
        self.total += 1;
        let n = self.per_column.entry(p.header_index).or_default();
        if *n < self.max {
            *n += 1;
            p.value = p.value.chars().take(60).collect();
            self.kept.push(p);
        }
    }

    /// Records a bad cell.
    pub fn cell(&mut self, row: usize, header_index: usize, value: &str, reason: String) {
        self.push(Pending { row, header_index, value: value.to_owned(), reason, other_row: None });
    }

    /// Parses the cell of `col` at `row`, recording a failure.
    pub fn parse<T>(
        &mut self,
        col: Col<'_>,
        row: usize,
        parse: &impl Fn(&str) -> Result<Option<T>, String>,
    ) -> Option<T> {
        let (header_index, ca) = col?;
        let cell = ca.get(row)?;
        match parse(cell) {
            Ok(v) => v,
            Err(reason) => {
                self.cell(row, header_index, cell, reason);
                None
            }
        }
    }

    /// Takes over the errors another worker found. Each kept its first `max` per column, so the
    /// union still holds the file's first `max` per column.
    pub fn absorb(&mut self, other: Collector) {
        self.total += other.total;
        self.kept.extend(other.kept);
    }

    /// The first `max` errors in file order, with lines and column names.
    pub fn into_row_errors(self, header: &HeaderInfo, lines: &Lines) -> RowErrors {
        let Collector { max, mut kept, total, .. } = self;
        kept.sort_by_key(|p| (p.row, p.header_index));
        kept.truncate(max);
        let errors = kept
            .into_iter()
            .map(|p| {
                let reason = match p.other_row {
                    Some(other) => format!("{} (first on line {})", p.reason, lines.line(other)),
                    None => p.reason,
                };
                RowError {
                    line: lines.line(p.row),
                    column: header
                        .names
                        .get(p.header_index)
                        .map(|s| s.trim().to_owned())
                        .unwrap_or_default(),
                    value: p.value,
                    reason,
                }
            })
            .collect();
        RowErrors { errors, total }
    }
}
