//! What an import contains, in the shape `liftmask import --json` prints.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use polars_core::prelude::{InitHashMaps, PlHashSet};
use serde::{Deserialize, Serialize};

use super::detect::Platform;
use super::money::{Currency, Money};
use super::row::{CanonicalRow, RowValues};
use super::variant_code::variant_code;

/// Sums over all rows. Null cells count as zero.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    pub impressions: i64,
    /// Link / destination clicks.
    pub clicks: i64,
    /// Spend, exact.
    pub spend: Money,
    /// Conversions, summed in micro-units so that `0.1 + 0.2` prints `0.3`.
    pub conversions: f64,
    /// Conversion value, exact.
    pub revenue: Money,
}

/// Meta `Results` of one `Result indicator` (e.g. `actions:link_click`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ResultCount {
    /// Rows with this indicator.
    pub rows: u64,
    /// Sum of their `Results`.
    pub results: f64,
}

/// The import summary. Serializes exactly as the CLI prints it; `result_indicators` appears
/// only for files that have Meta's `Result indicator` column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportSummary {
    pub platform: Platform,
    /// Data rows (totals rows excluded).
    pub rows: usize,
    /// Distinct ad IDs.
    pub ads: usize,
    /// Account currency, when the file names one.
    pub currency: Option<Currency>,
    pub date_min: NaiveDate,
    pub date_max: NaiveDate,
    /// Sums.
    pub totals: Totals,
    /// Ads mapped to no variant; filled by the app layer with [`unmapped_ads`].
    pub unmapped_ads: Vec<String>,
    /// Meta `Results` per `Result indicator`; never counted as conversions.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub result_indicators: BTreeMap<String, ResultCount>,
}

/// Sums micro-units of a float that has at most six decimals, exactly.
fn to_micro_units(x: f64) -> i128 {
    (x * 1e6).round() as i128
}

/// Running sums over accepted rows; parts of a file are tallied apart and merged.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Tally {
    rows: usize,
    dates: Option<(NaiveDate, NaiveDate)>,
    impressions: i64,
    clicks: i64,
    spend: i64,
    revenue: i64,
    conversions: i128,
}

impl Tally {
    pub fn add(&mut self, r: &RowValues) {
        self.rows += 1;
        self.dates = Some(match self.dates {
            Some((min, max)) => (min.min(r.date), max.max(r.date)),
            None => (r.date, r.date),
        });
        // Saturating: a file claiming more than 9e18 impressions is nonsense, not a panic.
        self.impressions = self.impressions.saturating_add(r.impressions.unwrap_or(0));
        self.clicks = self.clicks.saturating_add(r.clicks.unwrap_or(0));
        self.spend = self.spend.saturating_add(r.spend.map_or(0, Money::micros));
        self.revenue = self.revenue.saturating_add(r.conversion_value.map_or(0, Money::micros));
        self.conversions = self.conversions.saturating_add(r.conversions.map_or(0, to_micro_units));
    }

    pub fn merge(&mut self, other: &Tally) {
        self.rows += other.rows;
        self.dates = match (self.dates, other.dates) {
            (Some((a, b)), Some((c, d))) => Some((a.min(c), b.max(d))),
            (x, y) => x.or(y),
        };
        self.impressions = self.impressions.saturating_add(other.impressions);
        self.clicks = self.clicks.saturating_add(other.clicks);
        self.spend = self.spend.saturating_add(other.spend);
        self.revenue = self.revenue.saturating_add(other.revenue);
        self.conversions = self.conversions.saturating_add(other.conversions);
    }
}

/// Builds the summary of the rows in `tally` from `ads` distinct ads; `None` when there are no
/// rows.
pub(crate) fn summarize(
    platform: Platform,
    currency: Option<Currency>,
    tally: &Tally,
    ads: usize,
    result_indicators: BTreeMap<String, ResultCount>,
) -> Option<ImportSummary> {
    let (date_min, date_max) = tally.dates?;
    let totals = Totals {
        impressions: tally.impressions,
        clicks: tally.clicks,
        spend: Money::from_micros(tally.spend),
        conversions: tally.conversions as f64 / 1e6,
        revenue: Money::from_micros(tally.revenue),
    };
    Some(ImportSummary {
        platform,
        rows: tally.rows,
        ads,
        currency,
        date_min,
        date_max,
        totals,
        unmapped_ads: Vec::new(),
        result_indicators,
    })
}

/// One distinct ad of an import, for mapping ads to variants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdRef<'a> {
    pub ad_id: &'a str,
    /// Ad name from the first row of the ad.
    pub ad_name: Option<&'a str>,
    /// Variant code found in the ad name, which maps the ad automatically.
    pub variant_code: Option<&'a str>,
}

/// Distinct ads in first-seen order.
pub fn distinct_ads(rows: &[CanonicalRow]) -> Vec<AdRef<'_>> {
    let mut seen = PlHashSet::new();
    rows.iter()
        .filter(|r| seen.insert(r.ad_id.as_str()))
        .map(|r| AdRef {
            ad_id: &r.ad_id,
            ad_name: r.ad_name.as_deref(),
            variant_code: r.ad_name.as_deref().and_then(variant_code),
        })
        .collect()
}

/// Ad IDs (sorted) that `is_mapped` rejects. The app layer passes a predicate that checks its
/// arm mappings and, for ads with a variant code, whether that variant exists.
pub fn unmapped_ads(
    rows: &[CanonicalRow],
    mut is_mapped: impl FnMut(&AdRef<'_>) -> bool,
) -> Vec<String> {
    let mut out: Vec<String> = distinct_ads(rows)
        .into_iter()
        .filter(|a| !is_mapped(a))
        .map(|a| a.ad_id.to_owned())
        .collect();
    out.sort();
    out
}
