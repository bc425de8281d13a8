//! Row errors as they are found, each with the file line of its record.

use std::collections::HashMap;

use super::frame::Col;
use super::sniff::HeaderInfo;
use super::{RowError, RowErrors};

/// An error before it is given its column name.
pub(crate) struct Pending {
    pub line: usize,
    pub header_index: usize,
    pub value: String,
    pub reason: String,
    /// A second line the reason refers to (the first copy of a duplicate).
    pub other_line: Option<usize>,
}

/// Keeps the first `max` errors of each column, so the first `max` of the file survive sorting,
/// and counts them all.
pub(crate) struct Collector {
    max: usize,
    per_column: HashMap<usize, usize>,
    kept: Vec<Pending>,
    total: usize,
    /// Kept errors past which [`Collector::absorb`] trims them: a file full of bad cells grows
    /// the list by every block's first errors, not by all of its errors.
    trim_at: usize,
}

impl Collector {
    pub fn new(max: usize) -> Self {
        let max = max.max(1);
        Self { max, per_column: HashMap::new(), kept: Vec::new(), total: 0, trim_at: 1024 }
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
    pub fn cell(&mut self, line: usize, header_index: usize, value: &str, reason: String) {
        self.push(Pending {
            line,
            header_index,
            value: value.to_owned(),
            reason,
            other_line: None,
        });
    }

    /// Parses the cell of `col` at frame `row` (file line `line`), recording a failure.
    pub fn parse<T>(
        &mut self,
        col: Col<'_>,
        row: usize,
        line: usize,
        parse: &impl Fn(&str) -> Result<Option<T>, String>,
    ) -> Option<T> {
        let (header_index, ca) = col?;
        let cell = ca.get(row)?;
        match parse(cell) {
            Ok(v) => v,
            Err(reason) => {
                self.cell(line, header_index, cell, reason);
                None
            }
        }
    }

    /// Takes over the errors another worker found. Each kept its first `max` per column, so the
    /// union still holds the file's first `max` per column.
    pub fn absorb(&mut self, other: Collector) {
        self.total += other.total;
        self.kept.extend(other.kept);
        if self.kept.len() > self.trim_at {
            // Only the first `max` of each column can ever be reported.
            self.kept.sort_by_key(|p| (p.line, p.header_index));
            let mut per_column: HashMap<usize, usize> = HashMap::new();
            let max = self.max;
            self.kept.retain(|p| {
                let n = per_column.entry(p.header_index).or_default();
                *n += 1;
                *n <= max
            });
            self.trim_at = 2 * self.kept.len() + 1024;
        }
    }

    /// The first `max` errors in file order, with column names.
    pub fn into_row_errors(self, header: &HeaderInfo) -> RowErrors {
        let Collector { max, mut kept, total, .. } = self;
        kept.sort_by_key(|p| (p.line, p.header_index));
        kept.truncate(max);
        let errors = kept
            .into_iter()
            .map(|p| {
                let reason = match p.other_line {
                    Some(other) => format!("{} (first on line {other})", p.reason),
                    None => p.reason,
                };
                RowError {
                    line: p.line,
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
