//! Converts one range of frame rows into canonical rows. The driver in `validate` runs one range
//! per core and merges the parts.
//!
//! Money needs exact decimal micros and numbers need the file's locale (`1 234,56`), neither of
//! which polars' casts express, so each cell goes through the small parsers in `numbers` and
//! `dates`, which allocate nothing. An ad's IDs and names repeat on every one of its rows, so each
//! worker keeps the last [`Text`] it made per ad and column and shares it while the cell is
//! unchanged: one hash lookup per row instead of seven string allocations.

use chrono::NaiveDate;
use polars::prelude::{InitHashMaps, PlHashMap};

use super::collector::Collector;
use super::dates::{self, DateOrder};
use super::detect::Platform;
use super::frame::{Col, Lines, StrCol, text};
use super::money::{Currency, Money};
use super::numbers::{self, DecimalSeparator, NumberError};
use super::row::{CanonicalRow, Text};
use super::summary::ResultCount;

/// The text columns that describe an ad, in [`CanonicalRow`] order.
const ATTRIBUTES: usize = 6;

/// The frame's mapped columns, resolved once and shared by the workers.
pub(crate) struct Columns<'a> {
    pub platform: Platform,
    pub decimal: DecimalSeparator,
    pub date_order: DateOrder,
    pub max_errors: usize,
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

/// What one worker produced.
pub(crate) struct Part<'a> {
    /// Converted rows (dropped by the caller when there are errors).
    pub rows: Vec<CanonicalRow>,
    pub errors: Collector,
    /// Each ad's (day, frame row) pairs in row order, for the duplicate check.
    pub days: PlHashMap<&'a str, Vec<(NaiveDate, usize)>>,
    /// Meta `Results` per `Result indicator`.
    pub indicators: Vec<(&'a str, ResultCount)>,
}

/// What a worker remembers of an ad.
struct AdState {
    id: Text,
    /// Whether the ID passed the platform's digits-only rule.
    valid: bool,
    attributes: [Option<Text>; ATTRIBUTES],
    days: Vec<(NaiveDate, usize)>,
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
fn tally<'a>(indicators: &mut Vec<(&'a str, ResultCount)>, kind: &'a str, results: f64) {
    let i = indicators.iter().position(|(k, _)| *k == kind).unwrap_or_else(|| {
        indicators.push((kind, ResultCount::default()));
        indicators.len() - 1
    });
    let entry = &mut indicators[i].1;
    entry.rows += 1;
    entry.results += results;
}

/// Converts frame rows `range`, validating every cell. Rows get their file line from `lines` and
/// the file's `currency`; `capacity` sizes the row vector (the first part is grown to hold all).
pub(crate) fn convert_range<'a>(
    cols: &Columns<'a>,
    range: std::ops::Range<usize>,
    capacity: usize,
    lines: &Lines,
    currency: Option<Currency>,
) -> Part<'a> {
    let mut errors = Collector::new(cols.max_errors);
    let mut ads: PlHashMap<&'a str, AdState> = PlHashMap::new();
    let mut indicators: Vec<(&'a str, ResultCount)> = Vec::new();
    let mut rows = Vec::with_capacity(capacity.max(range.len()));
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
        let Some(ad_id) = text(Some(cols.ad), row) else {
            // Rows without an ad ID are totals rows, blank lines (a row of nulls), or errors.
            let is_total = cols.labels.iter().any(|ca| ca.get(row).is_some_and(is_total_label));
            let is_blank = cols.all.iter().all(|c| c.get(row).is_none_or(|v| v.trim().is_empty()));
            if !is_total && !is_blank {
                let cell = ad_ca.get(row).unwrap_or_default();
                errors.cell(row, ad_col, cell, "missing ad ID".into());
            }
            continue;
        };
        let ad = ads.entry(ad_id).or_insert_with(|| AdState {
            id: Text::from(ad_id),
            valid: !digits_only || ad_id.bytes().all(|b| b.is_ascii_digit()),
            attributes: Default::default(),
            days: Vec::new(),
        });
        if !ad.valid {
            let reason = "ad ID must be digits (a spreadsheet may have turned it into a number like 1.2E+17)";
            errors.cell(row, ad_col, ad_id, reason.into());
        }
        let day = errors.parse(Some(cols.date), row, &date);
        if date_ca.get(row).is_none() {
            errors.cell(row, date_col, "", "missing date".into());
        }
        if let Some(day) = day {
            ad.days.push((day, row));
        }
        let [account, campaign_id, campaign_name, adset_id, adset_name, ad_name] =
            &mut ad.attributes;
        let [c_account, c_campaign_id, c_campaign_name, c_adset_id, c_adset_name, c_ad_name] =
            cols.attributes;
        let parsed = CanonicalRow {
            platform: cols.platform,
            line: lines.line(row),
            account_id: shared(c_account, row, account),
            currency,
            date: day.unwrap_or_default(),
            campaign_id: shared(c_campaign_id, row, campaign_id),
            campaign_name: shared(c_campaign_name, row, campaign_name),
            adset_id: shared(c_adset_id, row, adset_id),
            adset_name: shared(c_adset_name, row, adset_name),
            ad_id: ad.id.clone(),
            ad_name: shared(c_ad_name, row, ad_name),
            impressions: errors.parse(cols.impressions, row, &count),
            clicks: errors.parse(cols.clicks, row, &count),
            clicks_all: errors.parse(cols.clicks_all, row, &count),
            spend: errors.parse(cols.spend, row, &money),
            conversions: errors.parse(cols.conversions, row, &real),
            conversion_value: errors.parse(cols.value, row, &money),
        };
        let result = errors.parse(cols.results, row, &real);
        let kind = text(cols.indicator, row);
        if result.is_some() || kind.is_some() {
            tally(&mut indicators, kind.unwrap_or("unknown"), result.unwrap_or(0.0));
        }
        rows.push(parsed);
    }
    let days = ads.into_iter().map(|(id, ad)| (id, ad.days)).collect();
    Part { rows, errors, days, indicators }
}
