//! Cell validation of one block's string frame, and the merge of its rows into the scan.
//!
//! A block is cut into one range of rows per core and each range is converted by
//! [`chunk::convert_range`]; the parts are then merged in file order into the file's
//! [`AdTable`], which finds duplicate (ad, day) rows across blocks. What needs more than one block
//! lives in [`FileState`]: the order of slashed dates, the file's currency, the error collector and
//! the running totals.

use std::collections::BTreeMap;

use polars_core::prelude::DataFrame;

use super::ad_table::AdTable;
use super::chunk::{self, Columns, Detail, Part, RowText};
use super::collector::{Collector, Pending};
use super::dates::{self, DateOrder};
use super::detect::Platform;
use super::error::ImportError;
use super::frame::{Lines, StrCol, column, text};
use super::mapping::{Field, Resolved};
use super::money::Currency;
use super::numbers::DecimalSeparator;
use super::row::RowValues;
use super::sniff::HeaderInfo;
use super::summary::{ResultCount, Tally};

/// Below this many rows per core a block is converted on fewer threads: spawning would cost more.
/// Unit tests use a tiny value so that their small files go through the split and the merge.
const ROWS_PER_WORKER_MIN: usize = if cfg!(test) { 2 } else { 4_096 };

/// Settings for one file.
pub(crate) struct Context<'a> {
    pub platform: Platform,
    pub header: &'a HeaderInfo,
    pub resolved: &'a Resolved,
    /// Frame column index for each header index that was projected.
    pub frame_index: &'a BTreeMap<usize, usize>,
    pub decimal: DecimalSeparator,
    pub date_order: Option<DateOrder>,
    pub max_errors: usize,
    pub detail: Detail,
}

/// What the scan has learned from the blocks so far.
pub(crate) struct FileState {
    pub errors: Collector,
    pub ads: AdTable,
    pub tally: Tally,
    pub indicators: BTreeMap<String, ResultCount>,
    /// The file's currency so far: the spend header's suffix, else the first code of the currency
    /// column.
    pub currency: Option<Currency>,
    /// The order slashed dates proved, if they did.
    pub seen_order: Option<DateOrder>,
    /// Whether two slashed dates contradicted each other (reported once, as before).
    pub order_conflict: bool,
}

impl FileState {
    pub fn new(ctx: &Context<'_>) -> Self {
        Self {
            errors: Collector::new(ctx.max_errors),
            ads: AdTable::new(),
            tally: Tally::default(),
            indicators: BTreeMap::new(),
            currency: ctx.resolved.header_currency,
            seen_order: None,
            order_conflict: false,
        }
    }

    /// The order slashed dates are read in: forced, proven, or the locale's default.
    pub fn date_order(&self, ctx: &Context<'_>) -> DateOrder {
        ctx.date_order.or(self.seen_order).unwrap_or(match ctx.decimal {
            DecimalSeparator::Comma => DateOrder::DayFirst,
            DecimalSeparator::Point => DateOrder::MonthFirst,
        })
    }

    /// Whether the order still matters and is unknown: only then must blocks with ambiguous
    /// slashed dates wait for a later block to prove it.
    pub fn order_open(&self, ctx: &Context<'_>) -> bool {
        ctx.date_order.is_none() && self.seen_order.is_none() && !self.order_conflict
    }

    /// Looks at a block's dates for the order of slashed dates (a component above 12 proves it);
    /// returns whether the block has slashed dates that do not prove it.
    pub fn observe_dates(&mut self, ctx: &Context<'_>, df: &DataFrame, lines: &Lines) -> bool {
        if ctx.date_order.is_some() || self.order_conflict {
            return false;
        }
        let Some((col, ca)) = column(ctx, df, Field::Date) else { return false };
        let mut ambiguous = false;
        for row in 0..ca.len() {
            let Some(cell) = ca.get(row) else { continue };
            match (dates::slash_hint(cell), self.seen_order) {
                (None, _) => {}
                (Some(None), _) => ambiguous = true,
                (Some(Some(hint)), None) => self.seen_order = Some(hint),
                (Some(Some(hint)), Some(seen)) if hint != seen => {
                    let reason = dates::DateError::Conflict.to_string();
                    self.errors.cell(lines.line(row), col, cell, reason);
                    self.order_conflict = true;
                    return false;
                }
                (Some(Some(_)), Some(_)) => {}
            }
        }
        ambiguous
    }

    /// Reads a block's currency column: a second, different code is a conflict; a cell that is
    /// no code is a row error.
    pub fn observe_currency(
        &mut self,
        ctx: &Context<'_>,
        df: &DataFrame,
        lines: &Lines,
    ) -> Result<(), ImportError> {
        let currency_col = column(ctx, df, Field::Currency);
        let Some((ccol, ca)) = currency_col else { return Ok(()) };
        // Exports repeat the account's code on every row, so only a change is parsed.
        let mut last: Option<&str> = None;
        for row in 0..ca.len() {
            let Some(code) = text(currency_col, row) else { continue };
            if last == Some(code) {
                continue;
            }
            last = Some(code);
            match (Currency::parse(code), self.currency) {
                (Err(e), _) => self.errors.cell(lines.line(row), ccol, code, e.to_string()),
                (Ok(found), Some(expected)) if found != expected => {
                    return Err(ImportError::CurrencyConflict {
                        line: lines.line(row),
                        column: ctx.header.names[ccol].trim().to_owned(),
                        expected: expected.to_string(),
                        found: found.to_string(),
                    });
                }
                (Ok(found), _) => self.currency = Some(found),
            }
        }
        Ok(())
    }
}

/// A block's converted rows, ads indexing the file's [`AdTable`].
pub(crate) struct BlockRows {
    pub rows: Vec<RowValues>,
    /// The rows' texts, with [`Detail::Texts`].
    pub texts: Vec<RowText>,
}

/// Resolves the mapped columns; the ad ID and date are required.
fn columns<'a>(
    ctx: &Context<'_>,
    df: &'a DataFrame,
    date_order: DateOrder,
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
        date_order,
        max_errors: ctx.max_errors,
        detail: ctx.detail,
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
fn convert_parallel<'a>(cols: &Columns<'a>, n: usize, lines: &Lines) -> Vec<Part<'a>> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let workers = cores.min(n / ROWS_PER_WORKER_MIN).max(1);
    if workers == 1 {
        return vec![chunk::convert_range(cols, 0..n, lines)];
    }
    let per = n.div_ceil(workers);
    let range = |w: usize| (w * per).min(n)..((w + 1) * per).min(n);
    std::thread::scope(|s| {
        let handles: Vec<_> = (1..workers)
            .map(|w| s.spawn(move || chunk::convert_range(cols, range(w), lines)))
            .collect();
        // This thread converts the first range meanwhile.
        let mut parts = vec![chunk::convert_range(cols, range(0), lines)];
        parts.extend(
            handles.into_iter().map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))),
        );
        parts
    })
}

/// Converts one block's frame and merges it into `state`: ads, duplicate days, errors, totals.
pub(crate) fn convert_block(
    ctx: &Context<'_>,
    state: &mut FileState,
    df: &DataFrame,
    lines: &Lines,
) -> Result<BlockRows, ImportError> {
    let n = df.height();
    let mut out = BlockRows { rows: Vec::with_capacity(n), texts: Vec::new() };
    if n == 0 {
        return Ok(out);
    }
    let cols = columns(ctx, df, state.date_order(ctx))?;
    let ad_col = cols.ad.0;
    let name_col = cols.attributes[5];
    // Found ad by ad; pushed in file order, so that the first ones are the ones kept.
    let mut duplicates: Vec<Pending> = Vec::new();
    for part in convert_parallel(&cols, n, lines) {
        let Part { mut rows, texts, errors, ads, indicators, tally } = part;
        state.errors.absorb(errors);
        let mut global = Vec::with_capacity(ads.len());
        for ad in &ads {
            let i = state.ads.intern(ad.id, || text(name_col, ad.first_row).map(Into::into));
            for &(day, line) in &ad.days {
                if let Some(first) = state.ads.record_day(i, day, line) {
                    duplicates.push(Pending {
                        line,
                        header_index: ad_col,
                        value: ad.id.to_owned(),
                        reason: format!("duplicate row for ad {} on {day}", ad.id),
                        other_line: Some(first),
                    });
                }
            }
            if let Some((day, row)) = ad.latest {
                state.ads.relabel(i, day, cols.attributes.map(|c| text(c, row)));
            }
            global.push(i);
        }
        for r in &mut rows {
            r.ad = global[r.ad];
        }
        out.rows.append(&mut rows);
        out.texts.extend(texts);
        for (kind, count) in indicators {
            let entry = state.indicators.entry(kind.to_owned()).or_default();
            entry.rows += count.rows;
            entry.results += count.results;
        }
        state.tally.merge(&tally);
    }
    duplicates.sort_by_key(|p| p.line);
    for p in duplicates {
        state.errors.push(p);
    }
    Ok(out)
}
