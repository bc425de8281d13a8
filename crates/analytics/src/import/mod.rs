//! Ad-platform export import: bytes in, validated canonical rows out.
//!
//! [`scan`] sniffs the encoding (UTF-8 with or without BOM, UTF-16 with BOM), the delimiter
//! and any preamble; detects the platform from the header (or takes the caller's choice and
//! column mapping); then reads the records in blocks, each read by polars as string columns and
//! converted and validated cell by cell, and hands each block's rows to a sink, so memory holds a
//! block and not the file. Any bad cell rejects the whole file with line, column and reason, so a
//! file is imported entirely or not at all. [`parse`] collects every row, for previews and tests.
//! Nothing here panics on input, whatever the bytes.
//!
//! ```
//! use analytics::import::{parse, ImportOptions, Platform};
//! let csv = "Day,Ad ID,Impressions,Link clicks,Amount spent (EUR)\n2026-09-01,120212345678901234,1000,12,\"1,250.50\"\n";
//! let import = parse(csv.as_bytes(), &ImportOptions::default()).unwrap();
//! assert_eq!(import.platform, Platform::Meta);
//! assert_eq!(import.rows[0].ad_id, "120212345678901234");
//! assert_eq!(import.summary.totals.spend.to_string(), "1250.5");
//! ```

mod ad_table;
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
mod scan;
mod sniff;
mod source;
mod summary;
mod validate;
mod variant_code;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

pub use ad_table::ScannedAd;
pub use dates::DateOrder;
pub use detect::{Platform, UnknownPlatformName, detect_platform};
pub use error::{ImportError, RowError, RowErrors};
pub use mapping::{ColumnMapping, Field, UnknownField};
pub use money::{Currency, CurrencyError, Money, MoneyRangeError};
pub use numbers::DecimalSeparator;
pub use row::{AdLabels, CanonicalRow, RowValues, Text};
pub use scan::{Batch, ScanError, Scanned, scan};
pub use sniff::{Delimiter, Encoding};
pub use summary::{AdRef, ImportSummary, ResultCount, Totals, distinct_ads, unmapped_ads};
pub use variant_code::{placement_suffix, variant_code};

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

    /// The import as [`scan`] would have handed it over: the file's facts and ads, and the rows'
    /// values indexing those ads.
    pub fn to_scanned(&self) -> (Scanned, Vec<RowValues>) {
        let (ads, rows) = ad_table::table_of(&self.rows);
        let scanned = Scanned {
            platform: self.platform,
            encoding: self.encoding,
            delimiter: self.delimiter,
            decimal: self.decimal,
            header_line: self.header_line,
            currency: self.currency,
            mapping: self.mapping.clone(),
            summary: self.summary.clone(),
            ads,
        };
        (scanned, rows)
    }
}

/// Parses and validates one export and keeps every row with its texts. Returns every row or an
/// error; never a partial result. Storage reads a file with [`scan`] instead, which keeps no rows.
pub fn parse(bytes: &[u8], opts: &ImportOptions) -> Result<ParsedImport, ImportError> {
    let mut rows: Vec<CanonicalRow> = Vec::new();
    let scanned = scan::run(bytes, opts, chunk::Detail::Texts, &mut |_, _, block| {
        rows.reserve(block.rows.len());
        for (v, t) in block.rows.into_iter().zip(block.texts) {
            let [account_id, campaign_id, campaign_name, adset_id, adset_name, ad_name] =
                t.attributes;
            rows.push(CanonicalRow {
                platform: Platform::Generic,
                line: v.line,
                account_id,
                currency: None,
                date: v.date,
                campaign_id,
                campaign_name,
                adset_id,
                adset_name,
                ad_id: t.ad_id,
                ad_name,
                impressions: v.impressions,
                clicks: v.clicks,
                clicks_all: v.clicks_all,
                spend: v.spend,
                conversions: v.conversions,
                conversion_value: v.conversion_value,
            });
        }
        Ok::<(), std::convert::Infallible>(())
    })
    .map_err(|e| match e {
        ScanError::Import(e) => e,
        ScanError::Sink(never) => match never {},
    })?;
    // The platform and the currency are the file's, and the currency may be named late.
    for r in &mut rows {
        r.platform = scanned.platform;
        r.currency = scanned.currency;
    }
    Ok(ParsedImport {
        platform: scanned.platform,
        encoding: scanned.encoding,
        delimiter: scanned.delimiter,
        decimal: scanned.decimal,
        header_line: scanned.header_line,
        currency: scanned.currency,
        mapping: scanned.mapping,
        rows,
        summary: scanned.summary,
    })
}
