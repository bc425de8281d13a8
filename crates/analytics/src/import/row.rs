//! The canonical row every export is normalized to.

use chrono::NaiveDate;
use serde::Serialize;

use super::detect::Platform;
use super::money::{Currency, Money};

/// One ad × day, as AD-EXPORTS.md defines it. `source_import_id` is not here: the database
/// layer assigns it when it stores the rows of one [`super::ParsedImport`].
///
/// Metric cells that were empty or `--` are `None` (the platform reported nothing), which
/// sums count as zero.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CanonicalRow {
    /// The platform that exported the row.
    pub platform: Platform,
    /// 1-based line of the record in the uploaded file.
    pub line: usize,
    /// Advertiser account, when the export has the column.
    pub account_id: Option<String>,
    /// Currency of `spend` and `conversion_value` (one per file).
    pub currency: Option<Currency>,
    /// The day the metrics cover (Meta without a daily breakdown: `Reporting starts`).
    pub date: NaiveDate,
    /// Campaign ID, exactly as exported.
    pub campaign_id: Option<String>,
    /// Campaign name.
    pub campaign_name: Option<String>,
    /// Ad set (Meta) or ad group (Google, TikTok) ID.
    pub adset_id: Option<String>,
    /// Ad set or ad group name.
    pub adset_name: Option<String>,
    /// Ad ID, exactly as exported (IDs exceed 2^53, so never a number).
    pub ad_id: String,
    /// Ad name.
    pub ad_name: Option<String>,
    /// Impressions.
    pub impressions: Option<i64>,
    /// Link clicks (Meta `Link clicks`, Google `Clicks`, TikTok `Clicks (destination)`).
    pub clicks: Option<i64>,
    /// All clicks, social interactions included.
    pub clicks_all: Option<i64>,
    /// Amount spent in `currency`, exact.
    pub spend: Option<Money>,
    /// Conversions (Meta `Purchases`); fractional for Google's data-driven attribution.
    pub conversions: Option<f64>,
    /// Conversion value (revenue) in `currency`, exact.
    pub conversion_value: Option<Money>,
}
