//! Cell validation and conversion of the string frame into canonical rows.
//!
//! The frame is cut into one range of rows per core and each range is converted by
//! [`chunk::convert_range`]; the parts are then joined in file order. What needs the whole file
//! runs here: the order of slashed dates and the file's currency before the split, and the
//! duplicate (ad, day) check after it. Errors keep the polars row index and become file lines
//! only when the file is rejected.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use polars::prelude::{DataFrame, PlHashMap};

use super::chunk::{self, Columns, Part};
use super::collector::{Collector, Pending};
use super::dates::{self, DateOrder};
use super::detect::Platform;
use super::error::ImportError;
use super::frame::{Col, Lines, StrCol, column, text};
use super::mapping::{Field, Resolved};
use super::money::Currency;
use super::numbers::DecimalSeparator;
use super::row::CanonicalRow;
use super::sniff::HeaderInfo;
use super::summary::ResultCount;

/// Below this many rows per core a file is converted on fewer threads: spawning would cost more.
/// Unit tests use a tiny value so that their small files go through the split and the merge.
const ROWS_PER_WORKER_MIN: usize = if cfg!(test) { 2 } else { 50_000 };

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
    /// Distinct ad IDs.
    pub ads: usize,
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

/// The file's one currency: the spend header's suffix, else the currency column's first code. A
/// second, different code is a conflict; a cell that is no code is a row error.
fn file_currency(
    ctx: &Context<'_>,
    currency_col: Col<'_>,
    lines: &Lines,
    errors: &mut Collector,
) -> Result<Option<Currency>, ImportError> {
    let mut currency = ctx.resolved.header_currency;
    let Some((ccol, ca)) = currency_col else { return Ok(currency) };
    // Exports repeat the account's code on every row, so only a change is parsed.
    let mut last: Option<&str> = None;
    for row in 0..ca.len() {
        let Some(code) = text(currency_col, row) else { continue };
        if last == Some(code) {
            continue;
        }
        last = Some(code);
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
    Ok(currency)
}

/// Resolves the mapped columns; the ad ID and date are required.
fn columns<'a>(
    ctx: &Context<'_>,
    df: &'a DataFrame,
    errors: &mut Collector,
) -> Result<Columns<'a>, ImportError> {
    let col = |field: Field| column(ctx, df, field);
    let required = |field: Field| {
        col(field).ok_or_else(|| ImportError::MissingColumn {
            line: ctx.header.line,
            field,
            expected: vec![ctx.resolved.mapping.get(field).unwrap_or_default().to_owned()],
        })
    };
    let ad = required(Field::AdId)?;
    let date = required(Field::Date)?;
    let all: Vec<StrCol<'a>> =
        df.columns().iter().filter_map(|c| c.str().ok().and_then(StrCol::of)).collect();
    // Google writes `Total: Account` in the first column, whatever it is mapped to.
    let labels = [Field::CampaignName, Field::AdsetName, Field::AdName, Field::Date]
        .into_iter()
        .filter_map(|f| col(f).map(|(_, ca)| ca))
        .chain(all.first().copied())
        .collect();
    Ok(Columns {
        platform: ctx.platform,
        decimal: ctx.decimal,
        date_order: date_order(ctx, date, errors),
        max_errors: ctx.max_errors,
        ad,
        date,
        attributes: [
            col(Field::AccountId),
            col(Field::CampaignId),
            col(Field::CampaignName),
            col(Field::AdsetId),
            col(Field::AdsetName),
            col(Field::AdName),
        ],
        impressions: col(Field::Impressions),
        clicks: col(Field::Clicks),
        clicks_all: col(Field::ClicksAll),
        spend: col(Field::Spend),
        conversions: col(Field::Conversions),
        value: col(Field::ConversionValue),
        results: col(Field::Results),
        indicator: col(Field::ResultIndicator),
        labels,
        all,
    })
}

/// Converts rows `0..n`, one contiguous range per available core, and returns the parts in order.
fn convert_parallel<'a>(
    cols: &Columns<'a>,
    n: usize,
    lines: &Lines,
    currency: Option<Currency>,
) -> Vec<Part<'a>> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let workers = cores.min(n / ROWS_PER_WORKER_MIN).max(1);
    if workers == 1 {
        return vec![chunk::convert_range(cols, 0..n, n, lines, currency)];
    }
    let per = n.div_ceil(workers);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let range = (w * per).min(n)..((w + 1) * per).min(n);
                // The first part's vector takes the others' rows, so it is sized for all.
                let capacity = if w == 0 { n } else { range.len() };
                s.spawn(move || chunk::convert_range(cols, range, capacity, lines, currency))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    })
}

/// Each ad's (day, frame row) pairs of one part, in row order.
type AdDays<'a> = PlHashMap<&'a str, Vec<(NaiveDate, usize)>>;

/// Reports every (ad, day) seen on more than one row: it would be double-counted here and
/// overwritten in storage. `parts` hold each ad's days in row order; the common case, every ad's
/// days ascending across the parts, is one pass, and only an ad whose days go back is sorted.
/// Returns the number of distinct ads.
fn report_duplicates(parts: &[AdDays<'_>], ad_col: usize, errors: &mut Collector) -> usize {
    let mut found: Vec<Pending> = Vec::new();
    let mut ads = 0;
    for (p, part) in parts.iter().enumerate() {
        for &ad in part.keys() {
            // An ad is handled where it first appears.
            if parts[..p].iter().any(|earlier| earlier.contains_key(ad)) {
                continue;
            }
            ads += 1;
            let lists = || parts[p..].iter().filter_map(|later| later.get(ad)).flatten();
            let mut previous: Option<NaiveDate> = None;
            let ascending = lists().all(|&(day, _)| {
                let up = previous.is_none_or(|prev| prev < day);
                previous = Some(day);
                up
            });
            if ascending {
                continue;
            }
            let mut all: Vec<(NaiveDate, usize)> = lists().copied().collect();
            // By day, then row: the first row of each day comes first.
            all.sort_unstable();
            let mut first = 0;
            for i in 1..all.len() {
                if all[i].0 != all[first].0 {
                    first = i;
                    continue;
                }
                let (day, row) = all[i];
                found.push(Pending {
                    row,
                    header_index: ad_col,
                    value: ad.to_owned(),
                    reason: format!("duplicate row for ad {ad} on {day}"),
                    other_row: Some(all[first].1),
                });
            }
        }
    }
    found.sort_by_key(|p| p.row);
    for p in found {
        errors.push(p);
    }
    ads
}

/// Converts the string frame into canonical rows, or rejects the whole file.
pub(crate) fn convert(ctx: &Context<'_>, df: &DataFrame) -> Result<Converted, ImportError> {
    let n = df.height();
    if n == 0 {
        let result_indicators = BTreeMap::new();
        return Ok(Converted { rows: Vec::new(), currency: None, result_indicators, ads: 0 });
    }
    let mut errors = Collector::new(ctx.max_errors);
    let lines = Lines::new(ctx.text, ctx.header, n);
    let cols = columns(ctx, df, &mut errors)?;
    // The currency may first appear on a later row, so it is found before rows are made.
    let currency = file_currency(ctx, column(ctx, df, Field::Currency), &lines, &mut errors)?
        .or(ctx.fallback_currency);

    let mut parts = convert_parallel(&cols, n, &lines, currency).into_iter();
    let Some(first) = parts.next() else {
        return Ok(Converted {
            rows: Vec::new(),
            currency,
            result_indicators: BTreeMap::new(),
            ads: 0,
        });
    };
    let mut rows = first.rows;
    errors.absorb(first.errors);
    let mut days = vec![first.days];
    let mut indicators = first.indicators;
    for part in parts {
        rows.extend(part.rows);
        errors.absorb(part.errors);
        days.push(part.days);
        indicators.extend(part.indicators);
    }
    let ads = report_duplicates(&days, cols.ad.0, &mut errors);
    if errors.total() > 0 {
        return Err(ImportError::Rows(errors.into_row_errors(ctx.header, &lines)));
    }
    let mut result_indicators: BTreeMap<String, ResultCount> = BTreeMap::new();
    for (kind, count) in indicators {
        let entry = result_indicators.entry(kind.to_owned()).or_default();
        entry.rows += count.rows;
        entry.results += count.results;
    }
    Ok(Converted { rows, currency, result_indicators, ads })
}
