//! Ad-platform export import: bytes in, validated canonical rows out.
//!
//! [`parse`] sniffs the encoding (UTF-8 with or without BOM, UTF-16 with BOM), the delimiter
//! and any preamble; detects the platform from the header (or takes the caller's choice and
//! column mapping); reads every column as a string with polars; then converts and validates
//! each cell. Any bad cell rejects the whole file with line, column and reason, so a file is
//! imported entirely or not at all. Nothing here panics on input, whatever the bytes.
//!
//! ```
//! use analytics::import::{parse, ImportOptions, Platform};
//! let csv = "Day,Ad ID,Impressions,Link clicks,Amount spent (EUR)\n2026-09-01,120212345678901234,1000,12,\"1,250.50\"\n";
//! let import = parse(csv.as_bytes(), &ImportOptions::default()).unwrap();
//! assert_eq!(import.platform, Platform::Meta);
//! assert_eq!(import.rows[0].ad_id, "120212345678901234");
//! assert_eq!(import.summary.totals.spend.to_string(), "1250.5");
//! ```

mod chunk;
mod collector;
mod dates;
mod detect;
mod error;
mod frame;
mod mapping;
mod money;
mod numbers;
mod read;
mod row;
mod sniff;
mod summary;
mod validate;
mod variant_code;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

pub use dates::DateOrder;
pub use detect::{Platform, UnknownPlatformName, detect_platform};
pub use error::{ImportError, RowError, RowErrors};
pub use mapping::{ColumnMapping, Field, UnknownField};
pub use money::{Currency, CurrencyError, Money, MoneyRangeError};
pub use numbers::DecimalSeparator;
pub use row::{CanonicalRow, Text};
pub use sniff::{Delimiter, Encoding};
pub use summary::{AdRef, ImportSummary, ResultCount, Totals, distinct_ads, unmapped_ads};
pub use variant_code::variant_code;

/// How to read a file. `Default` means: detect everything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOptions {
    /// The platform; `None` detects it from the header.
    pub platform: Option<Platform>,
    /// Field → column overrides; the whole mapping for [`Platform::Generic`].
    pub mapping: ColumnMapping,
    /// Forces the delimiter instead of sniffing it.
    pub delimiter: Option<Delimiter>,
    /// Forces the decimal mark; by default `;`-delimited files use `,` and others `.`.
    pub decimal: Option<DecimalSeparator>,
    /// Forces the order of slashed dates; by default it is inferred per file.
    pub date_order: Option<DateOrder>,
    /// Currency to assume when the file names none.
    pub currency: Option<Currency>,
    /// How many row errors to report at most (at least 1).
    pub max_errors: usize,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self {
            platform: None,
            mapping: ColumnMapping::new(),
            delimiter: None,
            decimal: None,
            date_order: None,
            currency: None,
            max_errors: 20,
        }
    }
}

/// A validated import, ready for preview or storage.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedImport {
    /// Detected or chosen platform.
    pub platform: Platform,
    /// Encoding the bytes were decoded from.
    pub encoding: Encoding,
    /// Field separator used.
    pub delimiter: Delimiter,
    /// Decimal mark used for numbers.
    pub decimal: DecimalSeparator,
    /// 1-based line of the header (after any preamble).
    pub header_line: usize,
    /// The file's currency, if it names one (or the fallback given in the options).
    pub currency: Option<Currency>,
    /// Field → column actually used, for the preview page.
    pub mapping: ColumnMapping,
    /// The rows, totals rows dropped, in file order.
    pub rows: Vec<CanonicalRow>,
    /// Counts, date range and totals.
    pub summary: ImportSummary,
}

impl ParsedImport {
    /// Distinct ads with their names and any variant code, in first-seen order.
    pub fn ads(&self) -> Vec<AdRef<'_>> {
        distinct_ads(&self.rows)
    }

    /// Fills `summary.unmapped_ads` with the ads `is_mapped` rejects (see [`unmapped_ads`]).
    pub fn fill_unmapped(&mut self, is_mapped: impl FnMut(&AdRef<'_>) -> bool) {
        self.summary.unmapped_ads = unmapped_ads(&self.rows, is_mapped);
    }
}

/// Parses and validates one export. Returns every row or an error; never a partial result.
pub fn parse(bytes: &[u8], opts: &ImportOptions) -> Result<ParsedImport, ImportError> {
    let (text, encoding) = sniff::decode(bytes)?;
    let text: &str = &text;
    if text.trim().is_empty() {
        return Err(ImportError::Empty);
    }
    let mapped: Vec<String> = opts.mapping.iter().map(|(_, c)| detect::normalize(c)).collect();
    let header = sniff::locate_header(text, opts.delimiter, |name| {
        detect::is_known_header(name) || mapped.contains(&detect::normalize(name))
    })?;
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
    let mut df =
        read::read_strings(&text[header.offset..], header.delimiter, &projection).map_err(
            |source| ImportError::Csv { line: sniff::first_malformed_line(text, &header), source },
        )?;
    // Conversion indexes each column's single chunk.
    df.rechunk_mut();

    let decimal = opts.decimal.unwrap_or(match header.delimiter {
        Delimiter::Semicolon => DecimalSeparator::Comma,
        Delimiter::Comma | Delimiter::Tab => DecimalSeparator::Point,
    });
    let ctx = validate::Context {
        platform,
        text,
        header: &header,
        resolved: &resolved,
        frame_index: &frame_index,
        decimal,
        date_order: opts.date_order,
        fallback_currency: opts.currency,
        max_errors: opts.max_errors,
    };
    let converted = validate::convert(&ctx, &df)?;
    drop(df);
    let summary = summary::summarize(
        platform,
        converted.currency,
        &converted.rows,
        converted.ads,
        converted.result_indicators,
    )
    .ok_or(ImportError::NoRows { line: header.line })?;
    Ok(ParsedImport {
        platform,
        encoding,
        delimiter: header.delimiter,
        decimal,
        header_line: header.line,
        currency: converted.currency,
        mapping: resolved.mapping,
        rows: converted.rows,
        summary,
    })
}
