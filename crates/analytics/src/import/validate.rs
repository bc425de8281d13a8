//! Cell validation and conversion of the string frame into canonical rows.
//!
//! One row-major pass over polars' string arrays. Money needs exact decimal micros and numbers
//! need the file's locale (`1 234,56`), neither of which polars' casts express, so each cell
//! goes through the small parsers in `numbers` and `dates`, which allocate nothing. Errors keep
//! the polars row index and become file lines only when the file is rejected.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use polars::prelude::{
    DataFrame, InitHashMaps, PlHashMap, PolarsDataType, StringChunked, StringType,
};

use super::dates::{self, DateOrder};
use super::detect::Platform;
use super::error::{ImportError, RowError, RowErrors};
use super::mapping::{Field, Resolved};
use super::money::{Currency, Money};
use super::numbers::{self, DecimalSeparator, NumberError, trim_cell};
use super::row::CanonicalRow;
use super::sniff::{self, HeaderInfo};
use super::summary::ResultCount;

/// Settings for one conversion.
pub(crate) struct Context<'a> {
    pub platform: Platform,
    pub text: &'a str,
    pub header: &'a HeaderInfo,
    pub resolved: &'a Resolved,
    /// Frame column index for each header index that was projected.
    pub frame_index: &'a BTreeMap<usize, usize>,
    pub decimal: DecimalSeparator,
    pub date_order: Option<DateOrder>,
    pub fallback_currency: Option<Currency>,
    pub max_errors: usize,
}

/// The converted rows and what was learned on the way.
pub(crate) struct Converted {
    pub rows: Vec<CanonicalRow>,
    pub currency: Option<Currency>,
    pub result_indicators: BTreeMap<String, ResultCount>,
}

/// An error before its row index is turned into a line.
struct Pending {
    row: usize,
    header_index: usize,
    value: String,
    reason: String,
    /// A second row the reason refers to (the first copy of a duplicate).
    other_row: Option<usize>,
}

/// Keeps the first `max` errors of each column, so the first `max` of the file survive sorting.
struct Collector {
    max: usize,
    per_column: HashMap<usize, usize>,
    kept: Vec<Pending>,
    total: usize,
}

impl Collector {
    fn push(&mut self, mut p: Pending) {
        self.total += 1;
        let n = self.per_column.entry(p.header_index).or_default();
        if *n < self.max {
            *n += 1;
            p.value = p.value.chars().take(60).collect();
            self.kept.push(p);
        }
    }
}

/// Counts `\n` bytes; summing `u8` flags per 255-byte chunk lets the compiler vectorize.
fn count_newlines(bytes: &[u8]) -> usize {
    bytes
        .chunks(255)
        .map(|c| usize::from(c.iter().map(|&b| u8::from(b == b'\n')).sum::<u8>()))
        .sum()
}

/// Maps polars row indexes to file lines, computing the map once and only when needed.
struct Lines<'a> {
    text: &'a str,
    header: &'a HeaderInfo,
    rows: usize,
    map: Option<Vec<usize>>,
}

impl Lines<'_> {
    fn line(&mut self, row: usize) -> usize {
        let (text, header, rows) = (self.text, self.header, self.rows);
        let map = self.map.get_or_insert_with(|| {
            let body = &text[header.offset..];
            let newlines = count_newlines(body.as_bytes());
            // One newline after the header and after each record (the last one optionally):
            // then no record spans lines and no blank line hides, and the lines are consecutive.
            if newlines == rows + usize::from(body.ends_with('\n')) {
                Vec::new()
            } else {
                sniff::record_lines(text, header)
            }
        });
        map.get(row).copied().unwrap_or(header.line + 1 + row)
    }
}

type StrArray = <StringType as PolarsDataType>::Array;

/// A string column's single arrow chunk. Its lookup is a bounds check and a view read, several
/// times cheaper than `ChunkedArray::get`, which locates the chunk on every call.
#[derive(Clone, Copy)]
struct StrCol<'a>(&'a StrArray);

impl<'a> StrCol<'a> {
    /// The column's array; `None` unless the column is one chunk (the reader rechunks).
    fn of(ca: &'a StringChunked) -> Option<Self> {
        let mut chunks = ca.downcast_iter();
        let first = chunks.next()?;
        chunks.next().is_none().then_some(Self(first))
    }

    fn len(self) -> usize {
        self.0.len()
    }

    fn get(self, row: usize) -> Option<&'a str> {
        if row < self.0.len() { self.0.get(row) } else { None }
    }
}

/// A mapped column: its index in the header and its cells.
type Col<'a> = Option<(usize, StrCol<'a>)>;

fn column<'a>(ctx: &Context<'_>, df: &'a DataFrame, field: Field) -> Col<'a> {
    let header_index = *ctx.resolved.columns.get(&field)?;
    let frame_index = *ctx.frame_index.get(&header_index)?;
    let ca = df.columns().get(frame_index)?.str().ok()?;
    Some((header_index, StrCol::of(ca)?))
}

/// A trimmed text cell, with empty and `--` as `None`.
fn text<'a>(col: Col<'a>, row: usize) -> Option<&'a str> {
    col.and_then(|(_, ca)| ca.get(row)).map(trim_cell).filter(|c| !numbers::is_null_cell(c))
}

fn is_total_label(cell: &str) -> bool {
    cell.trim().get(..5).is_some_and(|p| p.eq_ignore_ascii_case("total"))
}

fn number_reason(e: NumberError, what: &str) -> String {
    format!("{e}: expected {what}")
}

impl Collector {
    fn cell(&mut self, row: usize, header_index: usize, value: &str, reason: String) {
        self.push(Pending { row, header_index, value: value.to_owned(), reason, other_row: None });
    }

    /// Parses the cell of `col` at `row`, recording a failure.
    fn parse<T>(
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
}

/// The order of slashed dates in this column: forced, proven by a component above 12, or the
/// locale's default.
fn date_order(
    ctx: &Context<'_>,
    (col, ca): (usize, StrCol<'_>),
    errors: &mut Collector,
) -> DateOrder {
    if let Some(o) = ctx.date_order {
        return o;
    }
    let mut seen: Option<DateOrder> = None;
    for row in 0..ca.len() {
        let cell = ca.get(row);
        let Some(hint) = cell.and_then(dates::order_hint) else { continue };
        match seen {
            None => seen = Some(hint),
            Some(s) if s != hint => {
                let reason = dates::DateError::Conflict.to_string();
                errors.cell(row, col, cell.unwrap_or_default(), reason);
                break;
            }
            Some(_) => {}
        }
    }
    seen.unwrap_or(match ctx.decimal {
        DecimalSeparator::Comma => DateOrder::DayFirst,
        DecimalSeparator::Point => DateOrder::MonthFirst,
    })
}

/// Converts the string frame into canonical rows, or rejects the whole file.
pub(crate) fn convert(ctx: &Context<'_>, df: &DataFrame) -> Result<Converted, ImportError> {
    let n = df.height();
    if n == 0 {
        let result_indicators = BTreeMap::new();
        return Ok(Converted { rows: Vec::new(), currency: None, result_indicators });
    }
    let mut errors = Collector {
        max: ctx.max_errors.max(1),
        per_column: HashMap::new(),
        kept: Vec::new(),
        total: 0,
    };
    let mut lines = Lines { text: ctx.text, header: ctx.header, rows: n, map: None };
    let col = |field: Field| column(ctx, df, field);
    let required = |field: Field| {
        col(field).ok_or_else(|| ImportError::MissingColumn {
            line: ctx.header.line,
            field,
            expected: vec![ctx.resolved.mapping.get(field).unwrap_or_default().to_owned()],
        })
    };
    let (ad_col, ad_ca) = required(Field::AdId)?;
    let (date_col, date_ca) = required(Field::Date)?;
    let order = date_order(ctx, (date_col, date_ca), &mut errors);
    let all_columns: Vec<StrCol<'_>> =
        df.columns().iter().filter_map(|c| c.str().ok().and_then(StrCol::of)).collect();
    // Google writes `Total: Account` in the first column, whatever it is mapped to.
    let labels: Vec<StrCol<'_>> =
        [Field::CampaignName, Field::AdsetName, Field::AdName, Field::Date]
            .into_iter()
            .filter_map(|f| col(f).map(|(_, ca)| ca))
            .chain(all_columns.first().copied())
            .collect();
    let digits_only = ctx.platform != Platform::Generic;

    let sep = ctx.decimal;
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
    let date = |c: &str| dates::parse_date(c, order).map(Some).map_err(|e| e.to_string());
    let (account, campaign_id, campaign_name) =
        (col(Field::AccountId), col(Field::CampaignId), col(Field::CampaignName));
    let (adset_id, adset_name, ad_name) =
        (col(Field::AdsetId), col(Field::AdsetName), col(Field::AdName));
    let (impressions, clicks, clicks_all) =
        (col(Field::Impressions), col(Field::Clicks), col(Field::ClicksAll));
    let (spend, conversions, value) =
        (col(Field::Spend), col(Field::Conversions), col(Field::ConversionValue));
    let (results, indicator, currency_col) =
        (col(Field::Results), col(Field::ResultIndicator), col(Field::Currency));

    let mut currency = ctx.resolved.header_currency;
    let mut first_seen: PlHashMap<(&str, NaiveDate), usize> = PlHashMap::with_capacity(n);
    let mut result_indicators: BTreeMap<String, ResultCount> = BTreeMap::new();
    let mut rows = Vec::with_capacity(n);
    for row in 0..n {
        let Some(ad_id) = text(Some((ad_col, ad_ca)), row) else {
            // Rows without an ad ID are totals rows, blank lines (a row of nulls), or errors.
            let is_total = labels.iter().any(|ca| ca.get(row).is_some_and(is_total_label));
            let is_blank =
                all_columns.iter().all(|c| c.get(row).is_none_or(|v| v.trim().is_empty()));
            if !is_total && !is_blank {
                errors.cell(
                    row,
                    ad_col,
                    ad_ca.get(row).unwrap_or_default(),
                    "missing ad ID".into(),
                );
            }
            continue;
        };
        if digits_only && !ad_id.bytes().all(|b| b.is_ascii_digit()) {
            let reason = "ad ID must be digits (a spreadsheet may have turned it into a number like 1.2E+17)";
            errors.cell(row, ad_col, ad_id, reason.into());
        }
        let day = errors.parse(Some((date_col, date_ca)), row, &date);
        if date_ca.get(row).is_none() {
            errors.cell(row, date_col, "", "missing date".into());
        }
        if let Some(day) = day {
            // The same ad twice on one day would be double-counted here and overwritten in storage.
            // One probe per row: an earlier copy keeps its own (smaller) row index in the slot.
            let first = *first_seen.entry((ad_id, day)).or_insert(row);
            if first != row {
                let reason = format!("duplicate row for ad {ad_id} on {day}");
                let (value, other_row) = (ad_id.to_owned(), Some(first));
                errors.push(Pending { row, header_index: ad_col, value, reason, other_row });
            }
        }
        // One currency per file: the spend header's suffix, a currency column, or the fallback.
        if let (Some(code), Some((ccol, _))) = (text(currency_col, row), currency_col) {
            match (Currency::parse(code), currency) {
                (Err(e), _) => errors.cell(row, ccol, code, e.to_string()),
                (Ok(found), Some(expected)) if found != expected => {
                    return Err(ImportError::CurrencyConflict {
                        line: lines.line(row),
                        column: ctx.header.names[ccol].trim().to_owned(),
                        expected: expected.to_string(),
                        found: found.to_string(),
                    });
                }
                (Ok(found), _) => currency = Some(found),
            }
        }
        let parsed = CanonicalRow {
            platform: ctx.platform,
            line: 0,
            account_id: text(account, row).map(str::to_owned),
            currency: None,
            date: day.unwrap_or_default(),
            campaign_id: text(campaign_id, row).map(str::to_owned),
            campaign_name: text(campaign_name, row).map(str::to_owned),
            adset_id: text(adset_id, row).map(str::to_owned),
            adset_name: text(adset_name, row).map(str::to_owned),
            ad_id: ad_id.to_owned(),
            ad_name: text(ad_name, row).map(str::to_owned),
            impressions: errors.parse(impressions, row, &count),
            clicks: errors.parse(clicks, row, &count),
            clicks_all: errors.parse(clicks_all, row, &count),
            spend: errors.parse(spend, row, &money),
            conversions: errors.parse(conversions, row, &real),
            conversion_value: errors.parse(value, row, &money),
        };
        let result = errors.parse(results, row, &real);
        let kind = text(indicator, row);
        if result.is_some() || kind.is_some() {
            let entry = result_indicators.entry(kind.unwrap_or("unknown").to_owned()).or_default();
            entry.rows += 1;
            entry.results += result.unwrap_or(0.0);
        }
        // Once the file is rejected, rows are only validated, not kept.
        if errors.total == 0 {
            rows.push(CanonicalRow { line: lines.line(row), ..parsed });
        }
    }
    drop(first_seen);

    if errors.total > 0 {
        let mut kept = std::mem::take(&mut errors.kept);
        kept.sort_by_key(|p| (p.row, p.header_index));
        kept.truncate(ctx.max_errors.max(1));
        let list = kept
            .into_iter()
            .map(|p| {
                let reason = match p.other_row {
                    Some(other) => format!("{} (first on line {})", p.reason, lines.line(other)),
                    None => p.reason,
                };
                RowError {
                    line: lines.line(p.row),
                    column: ctx
                        .header
                        .names
                        .get(p.header_index)
                        .map(|s| s.trim().to_owned())
                        .unwrap_or_default(),
                    value: p.value,
                    reason,
                }
            })
            .collect();
        return Err(ImportError::Rows(RowErrors { errors: list, total: errors.total }));
    }
    let currency = currency.or(ctx.fallback_currency);
    // The currency may first appear on a later row, so it is set once all rows are read.
    for r in &mut rows {
        r.currency = currency;
    }
    Ok(Converted { rows, currency, result_indicators })
}
