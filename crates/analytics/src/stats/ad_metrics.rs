//! Ad metrics (CTR, CVR, CPA, ROAS, CPC, CPM) from ad × day aggregates, under a chosen variance model.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::clustered::{AdWindow, ad_clustered};
use super::error::{Result, StatsError};
use super::summary::{MetricSummary, ProportionStats, RatioStats};

/// One ad on one day, as imported from an ad platform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdDay {
    /// The platform's ad ID.
    pub ad_id: String,
    pub date: NaiveDate,
    pub impressions: u64,
    /// Clicks (link clicks where the platform separates them).
    pub clicks: u64,
    /// Spend in the account currency.
    pub spend: f64,
    /// Conversions; fractional under data-driven attribution.
    pub conversions: f64,
    /// Conversion value in the account currency.
    pub revenue: f64,
}

/// Sums of the five base quantities over some ad-days (one ad's window, an arm, a day).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct AdSums {
    /// Σ impressions.
    pub impressions: f64,
    /// Σ clicks.
    pub clicks: f64,
    /// Σ spend, account currency.
    pub spend: f64,
    /// Σ conversions.
    pub conversions: f64,
    /// Σ conversion value, account currency.
    pub revenue: f64,
}

impl AdSums {
    /// Adds another set of sums.
    pub fn add(&mut self, o: &AdSums) {
        self.impressions += o.impressions;
        self.clicks += o.clicks;
        self.spend += o.spend;
        self.conversions += o.conversions;
        self.revenue += o.revenue;
    }
}

/// A ratio metric over ad data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AdMetric {
    /// Click-through rate, clicks / impressions.
    Ctr,
    /// Conversion rate, conversions / clicks.
    Cvr,
    /// Cost per acquisition, spend / conversions (lower is better).
    Cpa,
    /// Return on ad spend, revenue / spend.
    Roas,
    /// Cost per click, spend / clicks (lower is better).
    Cpc,
    /// Cost per mille, 1000 × spend / impressions (lower is better).
    Cpm,
}

impl AdMetric {
    /// Every metric, in display order.
    pub const ALL: [AdMetric; 6] =
        [Self::Ctr, Self::Cvr, Self::Cpa, Self::Roas, Self::Cpc, Self::Cpm];

    /// Lower-case name, as in JSON and URLs.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ctr => "ctr",
            Self::Cvr => "cvr",
            Self::Cpa => "cpa",
            Self::Roas => "roas",
            Self::Cpc => "cpc",
            Self::Cpm => "cpm",
        }
    }

    /// Costs are better when they fall.
    pub fn lower_is_better(self) -> bool {
        matches!(self, Self::Cpa | Self::Cpc | Self::Cpm)
    }

    /// The metric's (numerator, denominator) for one row.
    fn parts(self, row: &AdDay) -> (f64, f64) {
        self.parts_of(&AdSums {
            impressions: row.impressions as f64,
            clicks: row.clicks as f64,
            spend: row.spend,
            conversions: row.conversions,
            revenue: row.revenue,
        })
    }

    /// The metric's (numerator, denominator) for any sums of the five base quantities.
    pub fn parts_of(self, s: &AdSums) -> (f64, f64) {
        match self {
            Self::Ctr => (s.clicks, s.impressions),
            Self::Cvr => (s.conversions, s.clicks),
            Self::Cpa => (s.spend, s.conversions),
            Self::Roas => (s.revenue, s.spend),
            Self::Cpc => (s.spend, s.clicks),
            Self::Cpm => (s.spend, s.impressions),
        }
    }

    /// Constant the ratio is multiplied by (1000 for CPM, else 1).
    pub fn scale(self) -> f64 {
        if self == Self::Cpm { 1000.0 } else { 1.0 }
    }
}

/// How the variance of an arm's metric is estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VarianceModel {
    /// Every impression (CTR) or click (CVR) is an independent Bernoulli trial. Far too narrow when the
    /// rate moves from day to day, as ad rates do; only for CTR and CVR, and CVR only while conversions
    /// do not exceed clicks (view-through conversions can break that).
    Binomial,
    /// Ad-days are the units: delta-method ratio variance over (numerator, denominator) per ad-day.
    /// Blind to lasting per-ad differences (ad-days of one ad are correlated): with an ad CV of 10 %
    /// its A/A false-positive rate is several times α. Kept to show why it is not the default.
    AdDayClustered,
    /// Ads are the units (each ad's sums over the window are one observation), with a small-sample
    /// (leverage) correction and cluster-based degrees of freedom. The default: the A/A grid of
    /// `aa_sim` holds α with lasting per-ad differences, volume spread and day shocks.
    #[default]
    AdClustered,
}

impl VarianceModel {
    /// Snake-case name, as in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Self::Binomial => "binomial",
            Self::AdDayClustered => "ad_day_clustered",
            Self::AdClustered => "ad_clustered",
        }
    }
}

/// The arm's metric with its variance under `model`; `rows` should hold one row per ad and day. For
/// the ad-clustered model the summary's n is the number of ads (its degrees of freedom come from
/// [`ad_clustered`]).
pub fn arm_metric(rows: &[AdDay], metric: AdMetric, model: VarianceModel) -> Result<MetricSummary> {
    for row in rows {
        check_row(row)?;
    }
    let summary = match model {
        VarianceModel::Binomial => binomial(rows, metric)?,
        VarianceModel::AdDayClustered => {
            ratio_over_units(rows.iter().map(|r| metric.parts(r))).summarize()?
        }
        VarianceModel::AdClustered => return Ok(ad_clustered(&ad_windows(rows), metric)?.summary),
    };
    Ok(summary.scaled(metric.scale()))
}

/// The rows grouped by ad into window sums.
pub(crate) fn ad_windows(rows: &[AdDay]) -> Vec<AdWindow> {
    let mut per_ad: BTreeMap<&str, AdWindow> = BTreeMap::new();
    for row in rows {
        let w = per_ad.entry(row.ad_id.as_str()).or_default();
        w.ad_days += 1;
        w.sums.add(&AdSums {
            impressions: row.impressions as f64,
            clicks: row.clicks as f64,
            spend: row.spend,
            conversions: row.conversions,
            revenue: row.revenue,
        });
    }
    per_ad.into_values().collect()
}

/// Per-trial binomial summary: n = Σdenominator trials, sum = Σnumerator successes.
fn binomial(rows: &[AdDay], metric: AdMetric) -> Result<MetricSummary> {
    let (successes, trials) = match metric {
        AdMetric::Ctr => (
            rows.iter().map(|r| r.clicks as f64).sum::<f64>(),
            rows.iter().map(|r| r.impressions).sum::<u64>(),
        ),
        AdMetric::Cvr => (
            rows.iter().map(|r| r.conversions).sum::<f64>(),
            rows.iter().map(|r| r.clicks).sum::<u64>(),
        ),
        other => {
            return Err(StatsError::UnsupportedVariance {
                metric: other.name(),
                model: VarianceModel::Binomial.name(),
            });
        }
    };
    ProportionStats { n: trials, sum: successes }.summarize()
}

/// Sufficient statistics of a ratio over (numerator, denominator) units.
fn ratio_over_units(units: impl Iterator<Item = (f64, f64)>) -> RatioStats {
    let mut s = RatioStats {
        n: 0,
        numerator_sum: 0.0,
        numerator_sum_squares: 0.0,
        denominator_sum: 0.0,
        denominator_sum_squares: 0.0,
        numerator_denominator_sum_product: 0.0,
    };
    for (m, d) in units {
        s.n += 1;
        s.numerator_sum += m;
        s.numerator_sum_squares += m * m;
        s.denominator_sum += d;
        s.denominator_sum_squares += d * d;
        s.numerator_denominator_sum_product += m * d;
    }
    s
}

/// Rejects rows no platform export can produce.
fn check_row(row: &AdDay) -> Result<()> {
    let money = [("spend", row.spend), ("conversions", row.conversions), ("revenue", row.revenue)];
    for (name, v) in money {
        if !v.is_finite() || v < 0.0 {
            return Err(StatsError::InvalidInput(format!(
                "ad {} on {}: {name} must be a non-negative number, got {v}",
                row.ad_id, row.date
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(ad: &str, day: u32, impressions: u64, clicks: u64, spend: f64) -> AdDay {
        AdDay {
            ad_id: ad.into(),
            date: NaiveDate::from_ymd_opt(2026, 3, day).unwrap(),
            impressions,
            clicks,
            spend,
            conversions: 0.0,
            revenue: 0.0,
        }
    }

    fn rows() -> Vec<AdDay> {
        vec![row("x", 1, 1000, 10, 5.0), row("x", 2, 2000, 30, 12.0), row("y", 1, 1000, 20, 4.0)]
    }

    #[test]
    fn ctr_binomial_counts_impressions() {
        let s = arm_metric(&rows(), AdMetric::Ctr, VarianceModel::Binomial).unwrap();
        assert_eq!(s.n, 4000);
        assert_eq!(s.mean, 0.015);
        assert!((s.variance - 0.015 * 0.985).abs() < 1e-15);
    }

    #[test]
    fn ctr_ad_day_clustered_matches_numpy_delta_method() {
        // numpy (ddof = 1) on m = [10, 30, 20], d = [1000, 2000, 1000]: 1.40625e-05.
        let s = arm_metric(&rows(), AdMetric::Ctr, VarianceModel::AdDayClustered).unwrap();
        assert_eq!(s.n, 3);
        assert!((s.mean - 0.015).abs() < 1e-15);
        assert!((s.variance - 1.4062499999999996e-05).abs() < 1e-15, "{}", s.variance);
    }

    #[test]
    fn cpm_is_scaled_per_thousand() {
        // numpy on m = spend [5, 12, 4], d = impressions: mean 5.25, variance 1.08984375 (after ×1000²).
        let s = arm_metric(&rows(), AdMetric::Cpm, VarianceModel::AdDayClustered).unwrap();
        assert!((s.mean - 5.25).abs() < 1e-12);
        assert!((s.variance - 1.0898437500000007).abs() < 1e-9);
    }

    #[test]
    fn ad_clustered_sums_days_per_ad() {
        // Ads: x = (40 clicks, 3000 impressions), y = (35, 4000). R = 75/7000, e = ±7.857…, leverage
        // h = 3/7 and 4/7: (e²/(4/7) + e²/(3/7)) / 7000² per mean, × 2 ads = 1.0289115646258495e-05
        // (the plain delta method, without leverage, gives 1.0079133694294045e-05).
        let mut r = rows();
        r.push(row("y", 2, 3000, 15, 6.0));
        let s = arm_metric(&r, AdMetric::Ctr, VarianceModel::AdClustered).unwrap();
        assert_eq!(s.n, 2);
        assert!((s.mean - 75.0 / 7000.0).abs() < 1e-15);
        assert!((s.variance - 1.0289115646258495e-05).abs() < 1e-15, "{}", s.variance);
    }

    #[test]
    fn binomial_is_refused_for_money_metrics() {
        for metric in [AdMetric::Cpa, AdMetric::Roas, AdMetric::Cpc, AdMetric::Cpm] {
            let err = arm_metric(&rows(), metric, VarianceModel::Binomial).unwrap_err();
            assert!(matches!(err, StatsError::UnsupportedVariance { .. }), "{err}");
        }
    }

    #[test]
    fn bad_rows_and_tiny_arms_are_errors() {
        let mut r = rows();
        r[0].spend = f64::NAN;
        assert!(arm_metric(&r, AdMetric::Cpc, VarianceModel::AdDayClustered).is_err());
        assert!(arm_metric(&rows()[..1], AdMetric::Ctr, VarianceModel::AdDayClustered).is_err());
        // No clicks at all: CVR's denominator is zero.
        let none = vec![row("x", 1, 100, 0, 1.0), row("x", 2, 100, 0, 1.0)];
        assert!(arm_metric(&none, AdMetric::Cvr, VarianceModel::AdDayClustered).is_err());
    }
}
