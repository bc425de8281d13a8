//! Treatment-versus-control lift and its variance (gbstats' `frequentist_diff` / `frequentist_variance`).

use serde::{Deserialize, Serialize};

use super::error::{Result, StatsError};
use super::summary::MetricSummary;

/// How the difference between arms is expressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Difference {
    /// (mean_b − mean_a) / |mean_a|.
    #[default]
    Relative,
    /// mean_b − mean_a.
    Absolute,
}

/// A lift estimate with the variance of that estimate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lift {
    /// Point estimate of the difference.
    pub estimate: f64,
    /// Variance of the estimate (se²).
    pub variance: f64,
}

impl Lift {
    /// Standard error of the estimate.
    pub fn se(&self) -> f64 {
        self.variance.sqrt()
    }
}

/// Lift of `treatment` over `control`; both arms need positive variance, and a relative lift a non-zero control mean.
pub fn lift(
    control: &MetricSummary,
    treatment: &MetricSummary,
    difference: Difference,
) -> Result<Lift> {
    check_arm("control", control)?;
    check_arm("treatment", treatment)?;
    let (ma, mb) = (control.mean, treatment.mean);
    let (na, nb) = (control.n as f64, treatment.n as f64);
    let (va, vb) = (control.variance, treatment.variance);
    let lift = match difference {
        Difference::Relative => {
            if ma == 0.0 {
                return Err(StatsError::ZeroControlMean);
            }
            Lift {
                estimate: (mb - ma) / ma.abs(),
                variance: vb / (ma.powi(2) * nb) + va * mb.powi(2) / (ma.powi(4) * na),
            }
        }
        Difference::Absolute => Lift { estimate: mb - ma, variance: vb / nb + va / na },
    };
    if !(lift.estimate.is_finite() && lift.variance.is_finite() && lift.variance > 0.0) {
        return Err(StatsError::InvalidInput(format!(
            "lift {} with variance {} is not usable",
            lift.estimate, lift.variance
        )));
    }
    Ok(lift)
}

/// A summary a test can use: at least two units, finite numbers, positive variance.
fn check_arm(arm: &'static str, s: &MetricSummary) -> Result<()> {
    if s.n < 2 {
        return Err(StatsError::InvalidInput(format!("{arm} arm needs n ≥ 2, got {}", s.n)));
    }
    if !(s.mean.is_finite() && s.variance.is_finite()) {
        return Err(StatsError::InvalidInput(format!(
            "{arm} arm has a non-finite mean or variance"
        )));
    }
    if s.variance <= 0.0 {
        return Err(StatsError::ZeroVariance { arm });
    }
    Ok(())
}
