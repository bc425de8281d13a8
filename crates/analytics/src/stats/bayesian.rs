//! Gaussian Bayesian test on the lift (gbstats' `EffectBayesianABTest`).

use serde::{Deserialize, Serialize};

use super::dist::{norm_ppf, norm_sf};
use super::error::{Result, StatsError};
use super::inference::Inference;
use super::lift::Lift;

/// A proper Gaussian prior on the lift, on the same scale as the lift (relative or absolute).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GaussianPrior {
    /// Prior mean of the lift.
    pub mean: f64,
    /// Prior variance of the lift; must be positive.
    pub variance: f64,
}

/// Posterior Normal(lift, se) under a flat prior, or the conjugate update under `prior`.
/// chance_to_win = P(lift > 0); the credible interval is the α/2 and 1 − α/2 posterior quantiles.
pub fn bayesian_test(lift: Lift, alpha: f64, prior: Option<&GaussianPrior>) -> Result<Inference> {
    let (mean, sd) = match prior {
        None => (lift.estimate, lift.se()),
        Some(p) => {
            if !(p.mean.is_finite() && p.variance.is_finite() && p.variance > 0.0) {
                return Err(StatsError::InvalidInput(format!(
                    "prior needs a finite mean and a positive variance, got {} and {}",
                    p.mean, p.variance
                )));
            }
            let precision = 1.0 / lift.variance + 1.0 / p.variance;
            let mean = (lift.estimate / lift.variance + p.mean / p.variance) / precision;
            (mean, (1.0 / precision).sqrt())
        }
    };
    Ok(Inference {
        lift: mean,
        se: sd,
        ci_low: mean + sd * norm_ppf(alpha / 2.0),
        ci_high: mean + sd * norm_ppf(1.0 - alpha / 2.0),
        p_value: None,
        chance_to_win: Some(norm_sf(-mean / sd)),
    })
}
