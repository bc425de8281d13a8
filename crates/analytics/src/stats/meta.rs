//! Attribution pooling: inverse-variance meta-analysis of log lifts across experiments.
//!
//! Each experiment gives ln(mean_b / mean_a) with its delta-method variance; the pooled log lift is
//! the fixed-effect estimate, or DerSimonian–Laird random effects when the studies disagree beyond chance.
//! [`pool_hartung_knapp`] is what the leaderboard uses: random effects always, with the Hartung–Knapp
//! interval (t on k − 1 degrees of freedom), which keeps its coverage with the two or three studies a
//! variable typically has, where the normal interval is far too narrow.

use serde::{Deserialize, Serialize};

use super::dist::{norm_ppf, norm_sf, t_ppf, t_sf};
use super::error::{Result, StatsError, check_alpha};
use super::summary::MetricSummary;

/// One experiment's log ratio of means and its variance.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LogLiftEstimate {
    /// ln(mean_treatment / mean_control).
    pub log_lift: f64,
    /// Variance of `log_lift`.
    pub variance: f64,
}

impl LogLiftEstimate {
    /// Delta method: Var ln(b/a) ≈ var_b/(n_b·mean_b²) + var_a/(n_a·mean_a²). Both means must be positive.
    pub fn from_summaries(control: &MetricSummary, treatment: &MetricSummary) -> Result<Self> {
        if !(control.mean > 0.0 && treatment.mean > 0.0) {
            return Err(StatsError::InvalidInput(format!(
                "log lift needs positive means, got control {} and treatment {}",
                control.mean, treatment.mean
            )));
        }
        let variance = treatment.variance_of_mean() / treatment.mean.powi(2)
            + control.variance_of_mean() / control.mean.powi(2);
        let estimate = Self { log_lift: (treatment.mean / control.mean).ln(), variance };
        estimate.check()?;
        Ok(estimate)
    }

    /// A usable estimate has a finite log lift and a positive, finite variance.
    fn check(&self) -> Result<()> {
        if self.log_lift.is_finite() && self.variance.is_finite() && self.variance > 0.0 {
            Ok(())
        } else {
            Err(StatsError::InvalidInput(format!(
                "log lift {} with variance {} cannot be pooled",
                self.log_lift, self.variance
            )))
        }
    }
}

/// Which pooling model produced the estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PoolingModel {
    /// Inverse-variance fixed effect (no between-study variance detected).
    FixedEffect,
    /// DerSimonian–Laird random effects (τ² > 0).
    RandomEffects,
}

/// The pooled effect of a variable across experiments.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PooledEffect {
    /// Number of pooled experiments.
    pub k: usize,
    pub log_lift: f64,
    /// Its standard error.
    pub se: f64,
    /// exp(log_lift) − 1.
    pub relative_lift: f64,
    /// Lower bound of the relative lift's interval.
    pub ci_low: f64,
    /// Upper bound of the relative lift's interval.
    pub ci_high: f64,
    /// Two-sided z-test p-value for no effect.
    pub p_value: f64,
    /// Cochran's Q.
    pub q: f64,
    /// I² = max(0, (Q − (k − 1)) / Q): the share of variation due to real differences between experiments.
    pub i_squared: f64,
    /// DerSimonian–Laird between-experiment variance τ².
    pub tau_squared: f64,
    /// Which model the estimate comes from.
    pub model: PoolingModel,
    /// How the interval and p-value were computed.
    pub interval: PoolInterval,
}

/// The reference distribution of the pooled interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PoolInterval {
    /// Normal, se = 1/sqrt(Σw).
    Normal,
    /// Hartung–Knapp: t on k − 1 degrees of freedom with the weighted residual variance (never below
    /// the random-effects se: the "modified" rule, so near-identical studies cannot shrink it).
    HartungKnapp,
}

/// Pools log lifts by inverse variance, switching to random effects when τ² > 0.
pub fn pool_log_lifts(estimates: &[LogLiftEstimate], alpha: f64) -> Result<PooledEffect> {
    let alpha = check_alpha(alpha)?;
    if estimates.is_empty() {
        return Err(StatsError::InvalidInput("nothing to pool".into()));
    }
    for e in estimates {
        e.check()?;
    }
    let weights: Vec<f64> = estimates.iter().map(|e| 1.0 / e.variance).collect();
    let (fixed, _) = weighted_mean(estimates, &weights);
    let q: f64 =
        estimates.iter().zip(&weights).map(|(e, w)| w * (e.log_lift - fixed).powi(2)).sum();
    let df = (estimates.len() - 1) as f64;
    // One estimate has no between-study spread: Q is 0 up to rounding, and (Q − 0) / Q would read
    // as 100 % heterogeneity.
    let i_squared = if df > 0.0 && q > 0.0 { ((q - df) / q).max(0.0) } else { 0.0 };
    let sum_w: f64 = weights.iter().sum();
    let sum_w2: f64 = weights.iter().map(|w| w * w).sum();
    let c = sum_w - sum_w2 / sum_w;
    let tau_squared = if c > 0.0 { ((q - df) / c).max(0.0) } else { 0.0 };
    let (log_lift, se, model) = if tau_squared > 0.0 {
        let re: Vec<f64> = estimates.iter().map(|e| 1.0 / (e.variance + tau_squared)).collect();
        let (mean, se) = weighted_mean(estimates, &re);
        (mean, se, PoolingModel::RandomEffects)
    } else {
        let (mean, se) = weighted_mean(estimates, &weights);
        (mean, se, PoolingModel::FixedEffect)
    };
    let z = norm_ppf(1.0 - alpha / 2.0);
    Ok(PooledEffect {
        k: estimates.len(),
        log_lift,
        se,
        relative_lift: log_lift.exp_m1(),
        ci_low: (log_lift - z * se).exp_m1(),
        ci_high: (log_lift + z * se).exp_m1(),
        p_value: 2.0 * norm_sf((log_lift / se).abs()),
        q,
        i_squared,
        tau_squared,
        model,
        interval: PoolInterval::Normal,
    })
}

/// Random-effects pooling (DerSimonian–Laird τ², which may be 0) with the Hartung–Knapp interval and
/// p-value on k − 1 degrees of freedom; one study keeps its own normal interval.
pub fn pool_hartung_knapp(estimates: &[LogLiftEstimate], alpha: f64) -> Result<PooledEffect> {
    let base = pool_log_lifts(estimates, alpha)?;
    let k = estimates.len();
    if k < 2 {
        return Ok(base);
    }
    let weights: Vec<f64> =
        estimates.iter().map(|e| 1.0 / (e.variance + base.tau_squared)).collect();
    let (mean, se_re) = weighted_mean(estimates, &weights);
    let sum_w: f64 = weights.iter().sum();
    let df = (k - 1) as f64;
    let q_hk =
        estimates.iter().zip(&weights).map(|(e, w)| w * (e.log_lift - mean).powi(2)).sum::<f64>()
            / df;
    let se = (q_hk / sum_w).sqrt().max(se_re);
    let t = t_ppf(1.0 - alpha / 2.0, df)?;
    Ok(PooledEffect {
        log_lift: mean,
        se,
        relative_lift: mean.exp_m1(),
        ci_low: (mean - t * se).exp_m1(),
        ci_high: (mean + t * se).exp_m1(),
        p_value: (2.0 * t_sf((mean / se).abs(), df)?).min(1.0),
        model: PoolingModel::RandomEffects,
        interval: PoolInterval::HartungKnapp,
        ..base
    })
}

/// Weighted mean of the log lifts and its standard error, 1/sqrt(Σw).
fn weighted_mean(estimates: &[LogLiftEstimate], weights: &[f64]) -> (f64, f64) {
    let sum_w: f64 = weights.iter().sum();
    let mean = estimates.iter().zip(weights).map(|(e, w)| w * e.log_lift).sum::<f64>() / sum_w;
    (mean, (1.0 / sum_w).sqrt())
}
