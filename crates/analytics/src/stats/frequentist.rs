//! Two-sided Welch t-test on the lift (gbstats' `TwoSidedTTest`).

use super::dist::{t_ppf, t_sf};
use super::error::Result;
use super::inference::Inference;
use super::lift::Lift;
use super::summary::MetricSummary;

/// Welch–Satterthwaite degrees of freedom from the arms' var/n terms.
pub fn welch_dof(control: &MetricSummary, treatment: &MetricSummary) -> f64 {
    let term = |s: &MetricSummary| s.variance / s.n as f64;
    let denom = |s: &MetricSummary| {
        let n = s.n as f64;
        s.variance.powi(2) / (n.powi(2) * (n - 1.0))
    };
    (term(treatment) + term(control)).powi(2) / (denom(treatment) + denom(control))
}

/// CI = lift ± t(1 − α/2, dof)·se and p = 2·(1 − T_dof(|lift/se|)).
pub fn welch_t_test(
    control: &MetricSummary,
    treatment: &MetricSummary,
    lift: Lift,
    alpha: f64,
) -> Result<Inference> {
    t_test(lift, welch_dof(control, treatment), alpha)
}

/// CI = lift ± t(1 − α/2, dof)·se and p = 2·(1 − T_dof(|lift/se|)), for any degrees of freedom (the
/// ad-clustered test passes its cluster-based ones).
pub fn t_test(lift: Lift, dof: f64, alpha: f64) -> Result<Inference> {
    let se = lift.se();
    let half_width = t_ppf(1.0 - alpha / 2.0, dof)? * se;
    // The survival function keeps precision for tiny p-values where 1 − cdf would round to 0.
    let p_value = (2.0 * t_sf((lift.estimate / se).abs(), dof)?).min(1.0);
    Ok(Inference {
        lift: lift.estimate,
        se,
        ci_low: lift.estimate - half_width,
        ci_high: lift.estimate + half_width,
        p_value: Some(p_value),
        chance_to_win: None,
    })
}
