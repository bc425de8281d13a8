//! Asymptotic confidence sequences (Waudby-Smith et al., arXiv 2103.06476), as gbstats' `SequentialTwoSidedTTest`.
//!
//! They stay valid however often the experiment is peeked at, at the price of wider intervals.

use super::error::{Result, StatsError};
use super::inference::Inference;
use super::lift::Lift;

/// gbstats' default tuning parameter N*: the total sample size where the sequence is tightest.
pub const DEFAULT_TUNING: f64 = 5000.0;

/// ρ = sqrt((−2 ln α + ln(−2 ln α + 1)) / N*) (eq. 161).
pub fn rho(alpha: f64, tuning: f64) -> f64 {
    let l = -2.0 * alpha.ln();
    ((l + (l + 1.0).ln()) / tuning).sqrt()
}

/// Confidence sequence and anytime-valid p-value for a lift estimated from `n_total` units.
pub fn confidence_sequence(lift: Lift, n_total: u64, alpha: f64, tuning: f64) -> Result<Inference> {
    if !(tuning.is_finite() && tuning > 0.0) {
        return Err(StatsError::InvalidInput(format!(
            "sequential_tuning must be a positive number, got {tuning}"
        )));
    }
    let n = n_total as f64;
    let rho = rho(alpha, tuning);
    let se = lift.se();
    let s2 = lift.variance * n;
    let nr2p1 = n * rho * rho + 1.0;
    // eq. 9
    let half_width =
        s2.sqrt() * (2.0 * nr2p1 * (nr2p1.sqrt() / alpha).ln() / (n * rho).powi(2)).sqrt();
    // eq. 155: E = exp(ρ²·st²/(2(nρ²+1))) / sqrt(nρ²+1); in logs so a huge E gives p = 0 instead of inf/NaN.
    let st2 = lift.estimate.powi(2) * n / lift.variance;
    let log_e = rho * rho * st2 / (2.0 * nr2p1) - 0.5 * nr2p1.ln();
    let p_value = (-log_e).exp().min(1.0);
    Ok(Inference {
        lift: lift.estimate,
        se,
        ci_low: lift.estimate - half_width,
        ci_high: lift.estimate + half_width,
        p_value: Some(p_value),
        chance_to_win: None,
    })
}
