//! The streaming driver: blocks of the upload go through polars and the cell checks one at a
//! time, and each block's rows go to a sink as soon as they are valid, so memory holds a block,
//! the ad table and the totals, never the whole file.
//!
//! One file-wide fact can arrive late: the order of slashed dates, which a `13/01/2026` on any
//! row proves. Blocks whose slashed dates are all ambiguous wait, as frames, until a later block
//! proves the order or the file ends; ISO dates never wait.

use std::collections::BTreeMap;
use std::io::Read;

use polars_core::prelude::DataFrame;

use super::ad_table::ScannedAd;
use super::chunk::Detail;
use super::detect::{self, Platform, detect_platform};
use super::error::ImportError;
use super::frame::Lines;
use super::mapping::{self, ColumnMapping};
use super::money::Currency;
use super::numbers::DecimalSeparator;
use super::read;
use super::row::RowValues;
use super::sniff::{self, Delimiter, Encoding};
use super::source::Source;
use super::summary::{self, ImportSummary};
use super::validate::{self, BlockRows, Context, FileState};
use super::{AdRef, ImportOptions};

/// Rows of the file handed to the sink of [`scan`] while it is read, in file order.
#[derive(Debug, Clone, Copy)]
pub struct Batch<'a> {
    pub platform: Platform,
    /// Valid rows; each one's `ad` indexes `ads`.
    pub rows: &'a [RowValues],
    /// Every ad seen so far, labelled as on its latest day so far.
    pub ads: &'a [ScannedAd],
    /// The file's currency as far as known (a currency column may name it on a later row).
    pub currency: Option<Currency>,
}

/// A scanned file: everything [`super::ParsedImport`] holds but the rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Scanned {
    /// Detected or chosen platform.
    pub platform: Platform,
    /// Encoding the bytes were decoded from.
    pub encoding: Encoding,
    pub delimiter: Delimiter,
    /// Decimal mark used for numbers.
    pub decimal: DecimalSeparator,
    /// 1-based line of the header (after any preamble).
    pub header_line: usize,
    /// The file's currency, if it names one (or the fallback given in the options).
    pub currency: Option<Currency>,
    /// Field → column actually used.
    pub mapping: ColumnMapping,
    /// Counts, date range and totals.
    pub summary: ImportSummary,
    /// The distinct ads in first-seen order, labelled as on their latest day.
    pub ads: Vec<ScannedAd>,
}

impl Scanned {
    /// Distinct ads with their first row's name and any variant code, in first-seen order.
    pub fn ad_refs(&self) -> Vec<AdRef<'_>> {
        self.ads
            .iter()
            .map(|a| {
                let name = a.first_name.as_deref();
                AdRef {
                    ad_id: &a.ad_id,
                    ad_name: name,
                    variant_code: name.and_then(super::variant_code),
                }
            })
            .collect()
    }

    /// Fills `summary.unmapped_ads` (sorted) with the ads `is_mapped` rejects.
    pub fn fill_unmapped(&mut self, mut is_mapped: impl FnMut(&AdRef<'_>) -> bool) {
        let mut out: Vec<String> = self
            .ad_refs()
            .into_iter()
            .filter(|a| !is_mapped(a))
            .map(|a| a.ad_id.to_owned())
            .collect();
        out.sort();
        self.summary.unmapped_ads = out;
    }
}

/// Why a scan stopped: the file, or the sink.
#[derive(Debug, thiserror::Error)]
pub enum ScanError<E> {
    /// The file was rejected.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// The sink failed.
    #[error(transparent)]
    Sink(E),
}

/// Reads an export from `source` block by block and hands its valid rows to `sink` as they come.
///
/// The file is still judged whole: a bad row anywhere rejects it, and then rows of earlier blocks
/// may already have reached the sink. A caller that writes them must therefore write inside a
/// transaction and roll it back on any error, which is what storage does.
pub fn scan<E>(
    source: impl Read + Send,
    opts: &ImportOptions,
    mut sink: impl FnMut(Batch<'_>) -> Result<(), E>,
) -> Result<Scanned, ScanError<E>> {
    let fallback = opts.currency;
    run(source, opts, Detail::Values, &mut |platform, state, block| {
        let currency = state.currency.or(fallback);
        sink(Batch { platform, rows: &block.rows, ads: &state.ads.ads, currency })
    })
}

/// A block read but not converted yet: its slashed dates wait for the order.
struct Waiting {
    df: DataFrame,
    lines: Lines,
}

/// Blocks read ahead of the conversion: one converting, one waiting, one being read.
const READ_AHEAD: usize = 1;

/// Cuts the next block and reads it through polars; `None` after the last.
fn read_block(
    src: &mut Source<'_>,
    delimiter: Delimiter,
    projection: &[usize],
) -> Result<Option<Waiting>, ImportError> {
    let Some(block) = src.next_block()? else { return Ok(None) };
    let mut df = read::read_strings(block.text, delimiter, projection).map_err(|source| {
        ImportError::Csv { line: sniff::first_malformed_line(block.text, &block.header), source }
    })?;
    // Conversion indexes each column's single chunk.
    df.rechunk_mut();
    let lines = Lines::new(block.text, &block.header, df.height());
    Ok(Some(Waiting { df, lines }))
}

/// The scan behind [`scan`] and [`super::parse`].
pub(crate) fn run<E>(
    source: impl Read + Send,
    opts: &ImportOptions,
    detail: Detail,
    sink: &mut dyn FnMut(Platform, &FileState, BlockRows) -> Result<(), E>,
) -> Result<Scanned, ScanError<E>> {
    let mapped: Vec<String> = opts.mapping.iter().map(|(_, c)| detect::normalize(c)).collect();
    let mut src = Source::open(source, opts.delimiter, |name| {
        detect::is_known_header(name) || mapped.contains(&detect::normalize(name))
    })?;
    let header = src.header.clone();
    let platform = match opts.platform {
        Some(p) => p,
        None => detect_platform(&header.names).ok_or_else(|| ImportError::UnknownPlatform {
            line: header.line,
            columns: header.names.iter().map(|n| n.trim().to_owned()).collect(),
        })?,
    };
    let resolved = mapping::resolve(platform, &header, &opts.mapping)?;

    // Read only the mapped columns, plus the first one where Google writes `Total: Account`.
    let mut projection: Vec<usize> = resolved.columns.values().copied().chain([0]).collect();
    projection.sort_unstable();
    projection.dedup();
    let frame_index: BTreeMap<usize, usize> =
        projection.iter().enumerate().map(|(pos, &col)| (col, pos)).collect();
    let decimal = opts.decimal.unwrap_or(match header.delimiter {
        Delimiter::Semicolon => DecimalSeparator::Comma,
        Delimiter::Comma | Delimiter::Tab => DecimalSeparator::Point,
    });
    let ctx = Context {
        platform,
        header: &header,
        resolved: &resolved,
        frame_index: &frame_index,
        decimal,
        date_order: opts.date_order,
        max_errors: opts.max_errors,
        detail,
    };
    let mut state = FileState::new(&ctx);
    let mut waiting: Vec<Waiting> = Vec::new();
    // Whether a waiting block has slashed dates that need the order.
    let mut needs_order = false;
    let mut emit = |state: &mut FileState, w: Waiting| -> Result<(), ScanError<E>> {
        let rows = validate::convert_block(&ctx, state, &w.df, &w.lines)?;
        drop(w);
        // After the first error nothing more is handed out: the file is rejected anyway.
        if state.errors.total() == 0 && !rows.rows.is_empty() {
            sink(platform, state, rows).map_err(ScanError::Sink)?;
        }
        Ok(())
    };
    let encoding = src.encoding;
    let delimiter = header.delimiter;
    std::thread::scope(|s| -> Result<(), ScanError<E>> {
        let (send, receive) = std::sync::mpsc::sync_channel(READ_AHEAD);
        // Blocks are cut and read by polars on their own thread while this one converts the
        // previous block: the serial parts of each stage (cutting, counting lines, merging
        // into the ad table) then overlap instead of leaving a core idle between blocks.
        s.spawn(move || {
            loop {
                let read = read_block(&mut src, delimiter, &projection);
                let end = !matches!(read, Ok(Some(_)));
                // A closed channel means the converting side stopped (a rejected file).
                if send.send(read).is_err() || end {
                    break;
                }
            }
        });
        for read in receive {
            let Some(w) = read? else { break };
            let ambiguous = state.observe_dates(&ctx, &w.df, &w.lines);
            state.observe_currency(&ctx, &w.df, &w.lines)?;
            waiting.push(w);
            needs_order |= ambiguous;
            if needs_order && state.order_open(&ctx) {
                continue;
            }
            needs_order = false;
            for w in std::mem::take(&mut waiting) {
                emit(&mut state, w)?;
            }
        }
        Ok(())
    })?;
    for w in std::mem::take(&mut waiting) {
        emit(&mut state, w)?;
    }

    if state.errors.total() > 0 {
        return Err(ImportError::Rows(state.errors.into_row_errors(&header)).into());
    }
    let currency = state.currency.or(opts.currency);
    let ads = state.ads.ads;
    let summary = summary::summarize(platform, currency, &state.tally, ads.len(), state.indicators)
        .ok_or(ImportError::NoRows { line: header.line })?;
    Ok(Scanned {
        platform,
        encoding,
        delimiter,
        decimal,
        header_line: header.line,
        currency,
        mapping: resolved.mapping,
        summary,
        ads,
    })
}
