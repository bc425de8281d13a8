//! The canonical row every export is normalized to.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Serialize, Serializer};

use super::detect::Platform;
use super::money::{Currency, Money};

/// One ad × day, as AD-EXPORTS.md defines it. `source_import_id` is not here: the database
/// layer assigns it when it stores the rows of one [`super::ParsedImport`].
///
/// Metric cells that were empty or `--` are `None` (the platform reported nothing), which
/// sums count as zero. Text cells are [`Text`]: an ad's names repeat on every day's row, so the
/// rows share one copy of each.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CanonicalRow {
    /// The platform that exported the row.
    pub platform: Platform,
    /// 1-based line of the record in the uploaded file.
    pub line: usize,
    /// Advertiser account, when the export has the column.
    pub account_id: Option<Text>,
    /// Currency of `spend` and `conversion_value` (one per file).
    pub currency: Option<Currency>,
    /// The day the metrics cover (Meta without a daily breakdown: `Reporting starts`).
    pub date: NaiveDate,
    /// Campaign ID, exactly as exported.
    pub campaign_id: Option<Text>,
    pub campaign_name: Option<Text>,
    /// Ad set (Meta) or ad group (Google, TikTok) ID.
    pub adset_id: Option<Text>,
    /// Ad set or ad group name.
    pub adset_name: Option<Text>,
    /// Ad ID, exactly as exported (IDs exceed 2^53, so never a number).
    pub ad_id: Text,
    pub ad_name: Option<Text>,
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

/// An immutable, cheaply cloned string: rows of the same ad share their IDs and names.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Text(Arc<str>);

impl Text {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Self(Arc::from(s))
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// One validated ad × day as the batches of [`super::scan`] carry it: the numbers, with the ad as
/// an index into the scan's ad table instead of its texts (one ad's texts serve all its rows).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RowValues {
    /// Index of the row's ad in [`super::Batch::ads`] and [`super::Scanned::ads`].
    pub ad: usize,
    /// 1-based line of the record in the uploaded file.
    pub line: usize,
    /// The day the metrics cover.
    pub date: NaiveDate,
    pub impressions: Option<i64>,
    pub clicks: Option<i64>,
    pub clicks_all: Option<i64>,
    /// Amount spent, exact.
    pub spend: Option<Money>,
    pub conversions: Option<f64>,
    /// Conversion value, exact.
    pub conversion_value: Option<Money>,
}

/// The text columns that describe an ad, as one row gives them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdLabels {
    /// Advertiser account.
    pub account_id: Option<Text>,
    pub campaign_id: Option<Text>,
    pub campaign_name: Option<Text>,
    /// Ad set or ad group ID.
    pub adset_id: Option<Text>,
    /// Ad set or ad group name.
    pub adset_name: Option<Text>,
    pub ad_name: Option<Text>,
}

impl std::borrow::Borrow<str> for Text {
    fn borrow(&self) -> &str {
        &self.0
    }
}
