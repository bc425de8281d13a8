//! Sample-ratio mismatch: a chi-square goodness-of-fit test of observed units against the planned split.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ChiSquared, ContinuousCDF};

use super::error::{Result, StatsError, dist_err, finite};

/// GrowthBook's default: an SRM p-value below this flags the experiment.
pub const SRM_THRESHOLD: f64 = 0.001;

/// The outcome of an SRM check.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SrmResult {
    /// Σ (observed − expected)² / expected over arms with positive weight.
    pub chi_square: f64,
    /// Degrees of freedom, arms − 1.
    pub dof: usize,
    /// P(χ² ≥ chi_square).
    pub p_value: f64,
    /// `p_value < SRM_THRESHOLD`: the split is not what was planned, so results are suspect.
    pub mismatch: bool,
}

/// Tests `observed` unit counts per arm against planned `weights` (any positive scale), as gbstats' `check_srm`.
pub fn srm_check(observed: &[f64], weights: &[f64]) -> Result<SrmResult> {
    if observed.len() != weights.len() || observed.len() < 2 {
        return Err(StatsError::InvalidInput(format!(
            "SRM needs at least two arms and one weight per arm, got {} counts and {} weights",
            observed.len(),
            weights.len()
        )));
    }
    for (&o, &w) in observed.iter().zip(weights) {
        if finite("observed count", o)? < 0.0 || finite("weight", w)? < 0.0 {
            return Err(StatsError::InvalidInput(
                "SRM counts and weights must not be negative".into(),
            ));
        }
    }
    let total: f64 = observed.iter().sum();
    let total_weight: f64 = weights.iter().sum();
    let dof = observed.len() - 1;
    if total == 0.0 || total_weight == 0.0 {
        // Nothing observed yet: no evidence of a mismatch (gbstats returns p = 1).
        return Ok(SrmResult { chi_square: 0.0, dof, p_value: 1.0, mismatch: false });
    }
    // Arms with zero weight are skipped, as in gbstats.
    let chi_square: f64 = observed
        .iter()
        .zip(weights)
        .filter(|(_, w)| **w > 0.0)
        .map(|(o, w)| {
            let e = w / total_weight * total;
            (o - e).powi(2) / e
        })
        .sum();
    let p_value = ChiSquared::new(dof as f64).map_err(dist_err)?.sf(chi_square);
    Ok(SrmResult { chi_square, dof, p_value, mismatch: p_value < SRM_THRESHOLD })
}
