//! Cell validation and conversion of the string frame into canonical rows.
//!
//! Conversion runs column by column over polars' string arrays. Money needs exact decimal
//! micros and numbers need the file's locale (`1 234,56`), neither of which polars' casts
//! express, so each cell goes through the small parsers in `numbers` and `dates`; they allocate
//! nothing on the happy path. Errors keep the polars row index and become file lines only when
//! the file is rejected.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use polars::prelude::{DataFrame, InitHashMaps, PlHashMap, StringChunked};

use super::dates::{self, DateOrder};
use super::detect::Platform;
use super::error::{ImportError, RowError, RowErrors};
use super::mapping::{Field, Resolved};
use super::money::{Currency, Money};
use super::numbers::{self, DecimalSeparator, NumberError};
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
            let newlines = body.bytes().filter(|&b| b == b'\n').count();
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

fn column<'a>(ctx: &Context<'_>, df: &'a DataFrame, field: Field) -> Option<(usize, &'a StringChunked)> {
    let header_index = *ctx.resolved.columns.get(&field)?;
    let frame_index = *ctx.frame_index.get(&header_index)?;
    let ca = df.columns().get(frame_index)?.str().ok()?;
    Some((header_index, ca))
}

/// Trimmed text cells, with empty and `--` as `None`.
fn text_cells(ca: &StringChunked) -> Vec<Option<&str>> {
    ca.iter().map(|c| c.map(str::trim).filter(|c| !numbers::is_null_cell(c))).collect()
}

fn is_total_label(cell: &str) -> bool {
    cell.trim().get(..5).is_some_and(|p| p.eq_ignore_ascii_case("total"))
}

/// Parses one column with `parse`, skipping dropped rows and recording errors.
fn parse_column<T>(
    ca: &StringChunked,
    header_index: usize,
    keep: &[bool],
    errors: &mut Collector,
    parse: impl Fn(&str) -> Result<Option<T>, String>,
) -> Vec<Option<T>> {
    ca.iter()
        .enumerate()
        .map(|(row, cell)| {
            let cell = cell?;
            if !keep.get(row).copied().unwrap_or(false) {
                return None;
            }
            match parse(cell) {
                Ok(v) => v,
                Err(reason) => {
                    errors.push(Pending { row, header_index, value: cell.to_owned(), reason, other_row: None });
                    None
                }
            }
        })
        .collect()
}

fn number_reason(e: NumberError, what: &str) -> String {
    format!("{e}: expected {what}")
}

/// Converts the string frame into canonical rows, or rejects the whole file.
pub(crate) fn convert(ctx: &Context<'_>, df: &DataFrame) -> Result<Converted, ImportError> {
    let n = df.height();
    let mut errors = Collector { max: ctx.max_errors.max(1), per_column: HashMap::new(), kept: Vec::new(), total: 0 };
    let mut lines = Lines { text: ctx.text, header: ctx.header, rows: n, map: None };
    let required = |field: Field| {
        column(ctx, df, field).ok_or(ImportError::MissingColumn {
            line: ctx.header.line,
            field,
            expected: vec![ctx.resolved.mapping.get(field).unwrap_or_default().to_owned()],
        })
    };

    // Ad IDs first: rows without one are either totals rows (dropped) or errors.
    let (ad_col, ad_ca) = required(Field::AdId)?;
    let ad_ids = text_cells(ad_ca);
    let label_columns: Vec<&StringChunked> = [Field::CampaignName, Field::AdsetName, Field::AdName, Field::Date]
        .into_iter()
        .filter_map(|f| column(ctx, df, f).map(|(_, ca)| ca))
        .chain(df.columns().first().and_then(|c| c.str().ok()))
        .collect();
    let digits_only = ctx.platform != Platform::Generic;
    let mut keep = vec![true; n];
    for (row, id) in ad_ids.iter().enumerate() {
        match id {
            None => {
                keep[row] = false;
                let is_total = label_columns.iter().any(|ca| ca.get(row).is_some_and(is_total_label));
                // The reader turns a blank line into a row of nulls; it carries no data.
                let is_blank = df.columns().iter().all(|c| {
                    c.str().ok().and_then(|ca| ca.get(row)).is_none_or(|v| v.trim().is_empty())
                });
                if !is_total && !is_blank {
                    let value = ad_ca.get(row).unwrap_or_default().to_owned();
                    let reason = "missing ad ID".to_owned();
                    errors.push(Pending { row, header_index: ad_col, value, reason, other_row: None });
                }
            }
            Some(id) if digits_only && !id.bytes().all(|b| b.is_ascii_digit()) => {
                let reason = "ad ID must be digits (a spreadsheet may have turned it into a number like 1.2E+17)".to_owned();
                errors.push(Pending { row, header_index: ad_col, value: (*id).to_owned(), reason, other_row: None });
            }
            Some(_) => {}
        }
    }

    // Dates: settle the order of slashed dates for the whole column, then parse.
    let (date_col, date_ca) = required(Field::Date)?;
    let order = match ctx.date_order {
        Some(o) => o,
        None => {
            let mut seen: Option<DateOrder> = None;
            for (row, cell) in date_ca.iter().enumerate() {
                let (Some(cell), true) = (cell, keep[row]) else { continue };
                if let Some(hint) = dates::order_hint(cell) {
                    match seen {
                        None => seen = Some(hint),
                        Some(s) if s != hint => {
                            let reason = dates::DateError::Conflict.to_string();
                            errors.push(Pending { row, header_index: date_col, value: cell.to_owned(), reason, other_row: None });
                            break;
                        }
                        Some(_) => {}
                    }
                }
            }
            seen.unwrap_or(match ctx.decimal {
                DecimalSeparator::Comma => DateOrder::DayFirst,
                DecimalSeparator::Point => DateOrder::MonthFirst,
            })
        }
    };
    let mut dates_parsed = parse_column(date_ca, date_col, &keep, &mut errors, |c| {
        dates::parse_date(c, order).map(Some).map_err(|e| e.to_string())
    });
    for (row, d) in dates_parsed.iter().enumerate() {
        if keep[row] && d.is_none() && date_ca.get(row).is_none_or(numbers::is_null_cell) {
            let reason = "missing date".to_owned();
            errors.push(Pending { row, header_index: date_col, value: String::new(), reason, other_row: None });
        }
    }
    dates_parsed.resize(n, None);

    let sep = ctx.decimal;
    let count = |errors: &mut Collector, field: Field| {
        column(ctx, df, field).map(|(col, ca)| {
            parse_column(ca, col, &keep, errors, |c| {
                numbers::parse_count(c, sep).map_err(|e| number_reason(e, "a whole number"))
            })
        })
    };
    let money = |errors: &mut Collector, field: Field| {
        column(ctx, df, field).map(|(col, ca)| {
            parse_column(ca, col, &keep, errors, |c| {
                numbers::parse_micros(c, sep)
                    .map(|m| m.map(Money::from_micros))
                    .map_err(|e| number_reason(e, "an amount"))
            })
        })
    };
    let real = |errors: &mut Collector, field: Field| {
        column(ctx, df, field).map(|(col, ca)| {
            parse_column(ca, col, &keep, errors, |c| match numbers::parse_real(c, sep) {
                Ok(Some(v)) if v < 0.0 => Err(number_reason(NumberError::Negative, "a number")),
                other => other.map_err(|e| number_reason(e, "a number")),
            })
        })
    };
    let impressions = count(&mut errors, Field::Impressions);
    let clicks = count(&mut errors, Field::Clicks);
    let clicks_all = count(&mut errors, Field::ClicksAll);
    let spend = money(&mut errors, Field::Spend);
    let conversion_value = money(&mut errors, Field::ConversionValue);
    let conversions = real(&mut errors, Field::Conversions);
    let results = real(&mut errors, Field::Results);

    // One currency per file: the spend header's suffix, a currency column, or the fallback.
    let mut currency = ctx.resolved.header_currency;
    if let Some((col, ca)) = column(ctx, df, Field::Currency) {
        for (row, cell) in ca.iter().enumerate() {
            let Some(cell) = cell.filter(|c| keep[row] && !numbers::is_null_cell(c)) else { continue };
            match (Currency::parse(cell), currency) {
                (Err(e), _) => {
                    errors.push(Pending { row, header_index: col, value: cell.to_owned(), reason: e.to_string(), other_row: None });
                }
                (Ok(found), Some(expected)) if found != expected => {
                    return Err(ImportError::CurrencyConflict {
                        line: lines.line(row),
                        column: ctx.header.names[col].trim().to_owned(),
                        expected: expected.to_string(),
                        found: found.to_string(),
                    });
                }
                (Ok(found), _) => currency = Some(found),
            }
        }
    }
    let currency = currency.or(ctx.fallback_currency);

    // The same ad twice on one day would be double-counted here and overwritten in storage.
    let mut first_seen: PlHashMap<(&str, NaiveDate), usize> = PlHashMap::with_capacity(n);
    for row in 0..n {
        if let (true, Some(id), Some(date)) = (keep[row], ad_ids[row], dates_parsed[row]) {
            if let Some(&first) = first_seen.get(&(id, date)) {
                let reason = format!("duplicate row for ad {id} on {date}");
                errors.push(Pending { row, header_index: ad_col, value: id.to_owned(), reason, other_row: Some(first) });
            } else {
                first_seen.insert((id, date), row);
            }
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
                    column: ctx.header.names.get(p.header_index).map(|s| s.trim().to_owned()).unwrap_or_default(),
                    value: p.value,
                    reason,
                }
            })
            .collect();
        return Err(ImportError::Rows(RowErrors { errors: list, total: errors.total }));
    }

    let texts = |field: Field| column(ctx, df, field).map(|(_, ca)| text_cells(ca));
    let account_ids = texts(Field::AccountId);
    let campaign_ids = texts(Field::CampaignId);
    let campaign_names = texts(Field::CampaignName);
    let adset_ids = texts(Field::AdsetId);
    let adset_names = texts(Field::AdsetName);
    let ad_names = texts(Field::AdName);
    let indicators = texts(Field::ResultIndicator);
    let owned = |col: &Option<Vec<Option<&str>>>, row: usize| -> Option<String> {
        col.as_ref().and_then(|v| v[row]).map(str::to_owned)
    };
    let num = |col: &Option<Vec<Option<i64>>>, row: usize| col.as_ref().and_then(|v| v[row]);
    let cash = |col: &Option<Vec<Option<Money>>>, row: usize| col.as_ref().and_then(|v| v[row]);
    let flt = |col: &Option<Vec<Option<f64>>>, row: usize| col.as_ref().and_then(|v| v[row]);

    let mut result_indicators: BTreeMap<String, ResultCount> = BTreeMap::new();
    let mut rows = Vec::with_capacity(keep.iter().filter(|k| **k).count());
    for row in 0..n {
        let (true, Some(ad_id), Some(date)) = (keep[row], ad_ids[row], dates_parsed[row]) else { continue };
        let result = flt(&results, row);
        let indicator = indicators.as_ref().and_then(|v| v[row]);
        if result.is_some() || indicator.is_some() {
            let entry = result_indicators.entry(indicator.unwrap_or("unknown").to_owned()).or_default();
            entry.rows += 1;
            entry.results += result.unwrap_or(0.0);
        }
        rows.push(CanonicalRow {
            platform: ctx.platform,
            line: lines.line(row),
            account_id: owned(&account_ids, row),
            currency,
            date,
            campaign_id: owned(&campaign_ids, row),
            campaign_name: owned(&campaign_names, row),
            adset_id: owned(&adset_ids, row),
            adset_name: owned(&adset_names, row),
            ad_id: ad_id.to_owned(),
            ad_name: owned(&ad_names, row),
            impressions: num(&impressions, row),
            clicks: num(&clicks, row),
            clicks_all: num(&clicks_all, row),
            spend: cash(&spend, row),
            conversions: flt(&conversions, row),
            conversion_value: cash(&conversion_value, row),
        });
    }
    Ok(Converted { rows, currency, result_indicators })
}
