//! Power, minimum detectable effect and sample size for a two-sided test of a relative lift.
//!
//! Uses the normal approximation with the relative-lift variance of `lift.rs`, evaluated at the
//! treatment mean the effect implies, so it agrees with what the test itself will later compute.

use serde::{Deserialize, Serialize};

use super::dist::{norm_cdf, norm_ppf};
use super::error::{Result, StatsError, check_alpha};

/// What is known about the control arm before the experiment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "metric", rename_all = "lowercase", deny_unknown_fields)]
pub enum Baseline {
    /// A mean metric; the treatment is assumed to keep the same per-unit variance.
    Mean {
        /// Control mean (non-zero).
        mean: f64,
        /// Per-unit variance (positive).
        variance: f64,
    },
    /// A proportion; the treatment's variance follows from its rate, p(1 − p).
    Proportion {
        /// Control rate, in (0, 1).
        rate: f64,
    },
}

impl Baseline {
    /// Checks the baseline and returns its mean and variance.
    fn checked(&self) -> Result<(f64, f64)> {
        match *self {
            Self::Mean { mean, variance } => {
                if !(mean.is_finite() && mean != 0.0 && variance.is_finite() && variance > 0.0) {
                    return Err(StatsError::InvalidInput(format!(
                        "baseline needs a non-zero mean and a positive variance, got {mean} and {variance}"
                    )));
                }
                Ok((mean, variance))
            }
            Self::Proportion { rate } => {
                if !(rate > 0.0 && rate < 1.0) {
                    return Err(StatsError::InvalidInput(format!(
                        "baseline rate must be in (0, 1), got {rate}"
                    )));
                }
                Ok((rate, rate * (1.0 - rate)))
            }
        }
    }

    /// Largest relative effect the metric can take (a rate cannot pass 1).
    fn max_effect(&self) -> f64 {
        match *self {
            Self::Mean { .. } => f64::INFINITY,
            Self::Proportion { rate } => 1.0 / rate - 1.0,
        }
    }

    /// Per-unit variance of the relative lift (times n per arm) for a relative effect `effect`.
    fn unit_lift_variance(&self, effect: f64) -> Result<f64> {
        let (mean, var_a) = self.checked()?;
        let mean_b = mean * (1.0 + effect);
        let var_b = match *self {
            Self::Mean { .. } => var_a,
            Self::Proportion { .. } => mean_b * (1.0 - mean_b),
        };
        Ok(var_b / mean.powi(2) + var_a * mean_b.powi(2) / mean.powi(4))
    }
}

/// Probability that a two-sided level-`alpha` test with `n_per_arm` units per arm detects a relative effect `effect`.
pub fn power(baseline: &Baseline, n_per_arm: f64, effect: f64, alpha: f64) -> Result<f64> {
    let alpha = check_alpha(alpha)?;
    if !(n_per_arm.is_finite() && n_per_arm >= 2.0) {
        return Err(StatsError::InvalidInput(format!(
            "n per arm must be at least 2, got {n_per_arm}"
        )));
    }
    if !(effect.is_finite() && effect > -1.0 && effect <= baseline.max_effect()) {
        return Err(StatsError::InvalidInput(format!("relative effect {effect} is out of range")));
    }
    let se = (baseline.unit_lift_variance(effect)? / n_per_arm).sqrt();
    let z = norm_ppf(1.0 - alpha / 2.0);
    if se == 0.0 {
        return Ok(if effect == 0.0 { alpha } else { 1.0 });
    }
    let shift = effect / se;
    Ok(norm_cdf(shift - z) + norm_cdf(-shift - z))
}

/// Smallest positive relative effect detected with probability `target_power`.
pub fn minimum_detectable_effect(
    baseline: &Baseline,
    n_per_arm: f64,
    alpha: f64,
    target_power: f64,
) -> Result<f64> {
    check_target(target_power, alpha)?;
    // Power grows with the effect but is bounded (the lift's variance grows too), so the bracket may not close.
    let mut hi = baseline.max_effect().min(1.0);
    while power(baseline, n_per_arm, hi, alpha)? < target_power {
        if hi >= baseline.max_effect() || hi > 1e6 {
            return Err(StatsError::InvalidInput(format!(
                "no effect reaches power {target_power} with {n_per_arm} units per arm"
            )));
        }
        hi = (hi * 2.0).min(baseline.max_effect());
    }
    bisect(0.0, hi, |e| Ok(power(baseline, n_per_arm, e, alpha)? >= target_power))
}

/// Units per arm needed to detect a relative `effect` with probability `target_power`.
pub fn sample_size_per_arm(
    baseline: &Baseline,
    effect: f64,
    alpha: f64,
    target_power: f64,
) -> Result<f64> {
    check_target(target_power, alpha)?;
    if effect == 0.0 {
        return Err(StatsError::InvalidInput("a zero effect cannot be detected".into()));
    }
    // Power is increasing in n and reaches 1, so doubling always brackets the answer.
    let mut hi = 2.0_f64;
    while power(baseline, hi, effect, alpha)? < target_power {
        hi *= 2.0;
        if hi > 1e15 {
            return Err(StatsError::InvalidInput(format!(
                "effect {effect} is too small to detect"
            )));
        }
    }
    bisect(2.0, hi, |n| Ok(power(baseline, n, effect, alpha)? >= target_power))
}

/// Rejects a target power that is not a meaningful goal for a level-`alpha` test.
fn check_target(target_power: f64, alpha: f64) -> Result<()> {
    if !(target_power > alpha && target_power < 1.0) {
        return Err(StatsError::InvalidInput(format!(
            "target power must be in (alpha, 1), got {target_power}"
        )));
    }
    Ok(())
}

/// Smallest x in [lo, hi] with `reached(x)`, assuming `reached` is monotone and true at `hi`.
fn bisect(mut lo: f64, mut hi: f64, reached: impl Fn(f64) -> Result<bool>) -> Result<f64> {
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if reached(mid)? {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(hi)
}
