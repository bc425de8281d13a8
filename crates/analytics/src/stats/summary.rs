//! Per-arm sufficient statistics with gbstats' conventions, reduced to the (n, mean, variance) every test uses.

use serde::{Deserialize, Serialize};

use super::error::{Result, StatsError, finite};

/// What every test consumes: the number of units, the metric's mean and its per-unit variance.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MetricSummary {
    /// Number of units (users, impressions or ad-days).
    pub n: u64,
    /// The metric's point estimate for the arm.
    pub mean: f64,
    /// Per-unit variance; the variance of `mean` is `variance / n`.
    pub variance: f64,
}

impl MetricSummary {
    /// Variance of the arm's mean, `variance / n`.
    pub fn variance_of_mean(&self) -> f64 {
        self.variance / self.n as f64
    }

    /// Multiplies the metric by a constant (CPM is 1000 × spend / impressions).
    pub fn scaled(self, factor: f64) -> Self {
        Self { n: self.n, mean: self.mean * factor, variance: self.variance * factor * factor }
    }
}

/// A mean metric: `{n, sum, sum_squares}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeanStats {
    /// Number of units.
    pub n: u64,
    /// Σx.
    pub sum: f64,
    /// Σx².
    pub sum_squares: f64,
}

/// A proportion metric: `{n, sum}` with `sum` successes out of `n`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProportionStats {
    /// Number of trials.
    pub n: u64,
    /// Number of successes.
    pub sum: f64,
}

/// A ratio metric over units (Σnumerator / Σdenominator), summarized for the delta method.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatioStats {
    /// Number of units (e.g. ad-days).
    pub n: u64,
    /// Σm.
    pub numerator_sum: f64,
    /// Σm².
    pub numerator_sum_squares: f64,
    /// Σd.
    pub denominator_sum: f64,
    /// Σd².
    pub denominator_sum_squares: f64,
    /// Σm·d.
    pub numerator_denominator_sum_product: f64,
}

/// Rejects arms too small for a sample variance.
fn check_n(n: u64) -> Result<f64> {
    if n < 2 {
        return Err(StatsError::InvalidInput(format!("n must be at least 2, got {n}")));
    }
    Ok(n as f64)
}

/// Sample variance (n − 1 denominator) from Σx and Σx², refusing clearly impossible sums.
fn sample_variance(name: &str, n: f64, sum: f64, sum_squares: f64) -> Result<f64> {
    let centered = sum_squares - sum * sum / n;
    // Cancellation can leave a tiny negative number for a constant column; anything larger is bad input.
    if centered < -1e-9 * sum_squares.abs().max(1.0) {
        return Err(StatsError::InvalidInput(format!(
            "{name}: sum of squares {sum_squares} is smaller than sum²/n, which no data can give"
        )));
    }
    Ok(centered.max(0.0) / (n - 1.0))
}

impl MeanStats {
    /// mean = sum / n, variance = (sum_squares − sum²/n) / (n − 1).
    pub fn summarize(&self) -> Result<MetricSummary> {
        let n = check_n(self.n)?;
        let sum = finite("sum", self.sum)?;
        let sum_squares = finite("sum_squares", self.sum_squares)?;
        if sum_squares < 0.0 {
            return Err(StatsError::InvalidInput(format!(
                "sum_squares must not be negative, got {sum_squares}"
            )));
        }
        let variance = sample_variance("mean metric", n, sum, sum_squares)?;
        Ok(MetricSummary { n: self.n, mean: sum / n, variance })
    }
}

impl ProportionStats {
    /// p = sum / n, variance = p(1 − p) with no n − 1 correction (as gbstats).
    pub fn summarize(&self) -> Result<MetricSummary> {
        let n = check_n(self.n)?;
        let sum = finite("sum", self.sum)?;
        if !(0.0..=n).contains(&sum) {
            return Err(StatsError::InvalidInput(format!(
                "proportion sum must be between 0 and n = {n}, got {sum}"
            )));
        }
        let p = sum / n;
        Ok(MetricSummary { n: self.n, mean: p, variance: p * (1.0 - p) })
    }
}

impl RatioStats {
    /// Ratio of sums with the delta-method variance, including the numerator–denominator covariance.
    pub fn summarize(&self) -> Result<MetricSummary> {
        let n = check_n(self.n)?;
        let m_sum = finite("numerator_sum", self.numerator_sum)?;
        let m_ss = finite("numerator_sum_squares", self.numerator_sum_squares)?;
        let d_sum = finite("denominator_sum", self.denominator_sum)?;
        let d_ss = finite("denominator_sum_squares", self.denominator_sum_squares)?;
        let md =
            finite("numerator_denominator_sum_product", self.numerator_denominator_sum_product)?;
        if m_ss < 0.0 || d_ss < 0.0 {
            return Err(StatsError::InvalidInput("sums of squares must not be negative".into()));
        }
        if d_sum == 0.0 {
            return Err(StatsError::InvalidInput(
                "denominator_sum is zero, so the ratio is undefined".into(),
            ));
        }
        let m_var = sample_variance("ratio numerator", n, m_sum, m_ss)?;
        let d_var = sample_variance("ratio denominator", n, d_sum, d_ss)?;
        let cov = (md - m_sum * d_sum / n) / (n - 1.0);
        let (m_mean, d_mean) = (m_sum / n, d_sum / n);
        let variance = m_var / d_mean.powi(2) - 2.0 * cov * m_mean / d_mean.powi(3)
            + m_mean.powi(2) * d_var / d_mean.powi(4);
        // The delta-method variance is a PSD quadratic form; a clearly negative value means the
        // cross product is inconsistent with the sums of squares (Cauchy–Schwarz is violated).
        if variance < -1e-12 * (m_var / d_mean.powi(2)).abs().max(f64::MIN_POSITIVE) {
            return Err(StatsError::InvalidInput(
                "numerator_denominator_sum_product is inconsistent with the sums of squares".into(),
            ));
        }
        Ok(MetricSummary { n: self.n, mean: m_sum / d_sum, variance: variance.max(0.0) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_matches_gbstats_convention() {
        let s = MeanStats { n: 3407, sum: 1396.87, sum_squares: 52377.9767 }.summarize().unwrap();
        assert!((s.mean - 1396.87 / 3407.0).abs() < 1e-15);
        let var = (52377.9767 - 1396.87f64.powi(2) / 3407.0) / 3406.0;
        assert!((s.variance - var).abs() < 1e-12);
    }

    #[test]
    fn proportion_variance_has_no_small_sample_correction() {
        let s = ProportionStats { n: 28, sum: 14.0 }.summarize().unwrap();
        assert_eq!(s.mean, 0.5);
        assert_eq!(s.variance, 0.25);
    }

    #[test]
    fn ratio_delta_method_matches_hand_computation() {
        // Units: (m, d) = (1, 10), (3, 20), (2, 10). Python (numpy, ddof=1):
        // m̄ = 2, d̄ = 13.333…, var_m = 1, var_d = 33.333…, cov = 5;
        // var = 1/d̄² − 2·5·2/d̄³ + 2²·33.333…/d̄⁴ = 0.00140625.
        let s = RatioStats {
            n: 3,
            numerator_sum: 6.0,
            numerator_sum_squares: 14.0,
            denominator_sum: 40.0,
            denominator_sum_squares: 600.0,
            numerator_denominator_sum_product: 90.0,
        }
        .summarize()
        .unwrap();
        assert!((s.mean - 0.15).abs() < 1e-15);
        assert!((s.variance - 0.00140625).abs() < 1e-12, "{}", s.variance);
    }

    #[test]
    fn rejects_bad_inputs() {
        assert!(ProportionStats { n: 1, sum: 0.0 }.summarize().is_err());
        assert!(ProportionStats { n: 10, sum: 11.0 }.summarize().is_err());
        assert!(ProportionStats { n: 10, sum: -1.0 }.summarize().is_err());
        assert!(MeanStats { n: 10, sum: f64::NAN, sum_squares: 1.0 }.summarize().is_err());
        assert!(MeanStats { n: 10, sum: 10.0, sum_squares: 5.0 }.summarize().is_err());
        let zero_den = RatioStats {
            n: 3,
            numerator_sum: 1.0,
            numerator_sum_squares: 1.0,
            denominator_sum: 0.0,
            denominator_sum_squares: 0.0,
            numerator_denominator_sum_product: 0.0,
        };
        assert!(zero_den.summarize().is_err());
    }
}
