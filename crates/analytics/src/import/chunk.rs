//! Converts one range of a block's frame rows. The driver in `validate` runs one range per core
//! and merges the parts into the scan's ad table.
//!
//! Money needs exact decimal micros and numbers need the file's locale (`1 234,56`), neither of
//! which polars' casts express, so each cell goes through the small parsers in `numbers` and
//! `dates`, which allocate nothing. A row becomes [`RowValues`]: its numbers and the index of its
//! ad, found with one hash lookup. An ad's texts are read once per part (its first and latest
//! rows), not once per row, unless the caller wants every row's texts ([`Detail::Texts`]); then
//! each worker keeps the last [`Text`] it made per ad and column and shares it while the cell is
//! unchanged.

use chrono::NaiveDate;
use polars_core::prelude::{InitHashMaps, PlHashMap};

use super::collector::Collector;
use super::dates::{self, DateOrder};
use super::detect::Platform;
use super::frame::{Col, Lines, StrCol, text};
use super::money::Money;
use super::numbers::{self, DecimalSeparator, NumberError};
use super::row::{RowValues, Text};
use super::summary::{ResultCount, Tally};

/// The text columns that describe an ad, in [`super::CanonicalRow`] order.
pub(crate) const ATTRIBUTES: usize = 6;

/// Whether rows keep their texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Detail {
    /// Numbers only (storing, dry runs).
    Values,
    /// Every row's IDs and names too (the preview's [`super::ParsedImport`]).
    Texts,
}

/// The frame's mapped columns, resolved once per block and shared by the workers.
pub(crate) struct Columns<'a> {
    pub platform: Platform,
    pub decimal: DecimalSeparator,
    pub date_order: DateOrder,
    pub max_errors: usize,
    pub detail: Detail,
    pub ad: (usize, StrCol<'a>),
    pub date: (usize, StrCol<'a>),
    /// Account, campaign ID and name, ad set ID and name, ad name.
    pub attributes: [Col<'a>; ATTRIBUTES],
    pub impressions: Col<'a>,
    pub clicks: Col<'a>,
    pub clicks_all: Col<'a>,
    pub spend: Col<'a>,
    pub conversions: Col<'a>,
    pub value: Col<'a>,
    pub results: Col<'a>,
    pub indicator: Col<'a>,
    /// Columns where Google writes `Total: Account` (the names, the date and the first column).
    pub labels: Vec<StrCol<'a>>,
    /// Every projected column, to recognise blank lines.
    pub all: Vec<StrCol<'a>>,
}

/// An ad as one part saw it.
pub(crate) struct LocalAd<'a> {
    pub id: &'a str,
    /// Whether the ID passed the platform's digits-only rule.
    pub valid: bool,
    /// Frame row of the ad's first row in the part.
    pub first_row: usize,
    /// Day and frame row of its latest row (the first of that day).
    pub latest: Option<(NaiveDate, usize)>,
    /// Its (day, line) pairs in row order, for the duplicate check.
    pub days: Vec<(NaiveDate, usize)>,
}

/// A row's texts, for [`Detail::Texts`].
pub(crate) struct RowText {
    pub ad_id: Text,
    pub attributes: [Option<Text>; ATTRIBUTES],
}

/// What one worker produced.
pub(crate) struct Part<'a> {
    /// Converted rows, `ad` indexing `ads` (dropped by the caller when there are errors).
    pub rows: Vec<RowValues>,
    /// The rows' texts, with [`Detail::Texts`].
    pub texts: Vec<RowText>,
    pub errors: Collector,
    /// The part's ads in first-seen order.
    pub ads: Vec<LocalAd<'a>>,
    /// Meta `Results` per `Result indicator`.
    pub indicators: Vec<(&'a str, ResultCount)>,
    pub tally: Tally,
}

fn is_total_label(cell: &str) -> bool {
    cell.trim().get(..5).is_some_and(|p| p.eq_ignore_ascii_case("total"))
}

fn number_reason(e: NumberError, what: &str) -> String {
    format!("{e}: expected {what}")
}

/// The text of `col` at `row`, shared with the previous row of the ad when unchanged.
fn shared(col: Col<'_>, row: usize, last: &mut Option<Text>) -> Option<Text> {
    let cell = text(col, row)?;
    match last {
        Some(t) if t.as_str() == cell => Some(t.clone()),
        _ => {
            let t = Text::from(cell);
            *last = Some(t.clone());
            Some(t)
        }
    }
}

/// Counts one row's `Results` under its indicator (a file has a handful, so a list beats a map).
fn tally_result<'a>(indicators: &mut Vec<(&'a str, ResultCount)>, kind: &'a str, results: f64) {
    let i = indicators.iter().position(|(k, _)| *k == kind).unwrap_or_else(|| {
        indicators.push((kind, ResultCount::default()));
        indicators.len() - 1
    });
    let entry = &mut indicators[i].1;
    entry.rows += 1;
    entry.results += results;
}

/// The last texts a worker made for one ad, with [`Detail::Texts`].
#[derive(Default)]
struct TextCache {
    id: Option<Text>,
    attributes: [Option<Text>; ATTRIBUTES],
}

/// Converts frame rows `range`, validating every cell; rows get their file line from `lines`.
pub(crate) fn convert_range<'a>(
    cols: &Columns<'a>,
    range: std::ops::Range<usize>,
    lines: &Lines,
) -> Part<'a> {
    let mut errors = Collector::new(cols.max_errors);
    let mut index: PlHashMap<&'a str, usize> = PlHashMap::new();
    let mut ads: Vec<LocalAd<'a>> = Vec::new();
    let mut cache: Vec<TextCache> = Vec::new();
    let mut indicators: Vec<(&'a str, ResultCount)> = Vec::new();
    let mut rows = Vec::with_capacity(range.len());
    let mut texts = Vec::new();
    let mut tally = Tally::default();
    let sep = cols.decimal;
    let count =
        |c: &str| numbers::parse_count(c, sep).map_err(|e| number_reason(e, "a whole number"));
    let money = |c: &str| {
        numbers::parse_micros(c, sep)
            .map(|m| m.map(Money::from_micros))
            .map_err(|e| number_reason(e, "an amount"))
    };
    let real = |c: &str| match numbers::parse_real(c, sep) {
        Ok(Some(v)) if v < 0.0 => Err(number_reason(NumberError::Negative, "a number")),
        other => other.map_err(|e| number_reason(e, "a number")),
    };
    let order = cols.date_order;
    let date = |c: &str| dates::parse_date(c, order).map(Some).map_err(|e| e.to_string());
    let digits_only = cols.platform != Platform::Generic;
    let (ad_col, ad_ca) = cols.ad;
    let (date_col, date_ca) = cols.date;

    for row in range {
        let line = lines.line(row);
        let Some(ad_id) = text(Some(cols.ad), row) else {
            // Rows without an ad ID are totals rows, blank lines (a row of nulls), or errors.
            let is_total = cols.labels.iter().any(|ca| ca.get(row).is_some_and(is_total_label));
            let is_blank = cols.all.iter().all(|c| c.get(row).is_none_or(|v| v.trim().is_empty()));
            if !is_total && !is_blank {
                let cell = ad_ca.get(row).unwrap_or_default();
                errors.cell(line, ad_col, cell, "missing ad ID".into());
            }
            continue;
        };
        let ad_index = *index.entry(ad_id).or_insert_with(|| {
            ads.push(LocalAd {
                id: ad_id,
                valid: !digits_only || ad_id.bytes().all(|b| b.is_ascii_digit()),
                first_row: row,
                latest: None,
                days: Vec::new(),
            });
            ads.len() - 1
        });
        let ad = &mut ads[ad_index];
        if !ad.valid {
            let reason = "ad ID must be digits (a spreadsheet may have turned it into a number like 1.2E+17)";
            errors.cell(line, ad_col, ad_id, reason.into());
        }
        let day = errors.parse(Some(cols.date), row, line, &date);
        if date_ca.get(row).is_none() {
            errors.cell(line, date_col, "", "missing date".into());
        }
        if let Some(day) = day {
            ad.days.push((day, line));
            if ad.latest.is_none_or(|(latest, _)| day > latest) {
                ad.latest = Some((day, row));
            }
        }
        let values = RowValues {
            ad: ad_index,
            line,
            date: day.unwrap_or_default(),
            impressions: errors.parse(cols.impressions, row, line, &count),
            clicks: errors.parse(cols.clicks, row, line, &count),
            clicks_all: errors.parse(cols.clicks_all, row, line, &count),
            spend: errors.parse(cols.spend, row, line, &money),
            conversions: errors.parse(cols.conversions, row, line, &real),
            conversion_value: errors.parse(cols.value, row, line, &money),
        };
        let result = errors.parse(cols.results, row, line, &real);
        let kind = text(cols.indicator, row);
        if result.is_some() || kind.is_some() {
            tally_result(&mut indicators, kind.unwrap_or("unknown"), result.unwrap_or(0.0));
        }
        tally.add(&values);
        rows.push(values);
        if cols.detail == Detail::Texts {
            if cache.len() <= ad_index {
                cache.resize_with(ad_index + 1, TextCache::default);
            }
            let last = &mut cache[ad_index];
            let ad_id = last.id.get_or_insert_with(|| Text::from(ad_id)).clone();
            let mut attributes: [Option<Text>; ATTRIBUTES] = Default::default();
            for ((slot, col), last) in
                attributes.iter_mut().zip(cols.attributes).zip(&mut last.attributes)
            {
                *slot = shared(col, row, last);
            }
            texts.push(RowText { ad_id, attributes });
        }
    }
    Part { rows, texts, errors, ads, indicators, tally }
}
