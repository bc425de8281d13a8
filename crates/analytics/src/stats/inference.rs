//! One entry point that runs the chosen test on two arm summaries.

use serde::{Deserialize, Serialize};

use super::bayesian::{GaussianPrior, bayesian_test};
use super::error::{Result, check_alpha};
use super::frequentist::welch_t_test;
use super::lift::{Difference, lift};
use super::sequential::confidence_sequence;
use super::summary::MetricSummary;

/// The inference method, with its own settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Method {
    /// Fixed-horizon Welch t-test.
    Frequentist,
    /// Anytime-valid confidence sequences; `tuning` is N*.
    Sequential {
        /// N*, the total sample size where the sequence is tightest.
        tuning: f64,
    },
    /// Gaussian posterior; flat prior unless `prior` is set.
    Bayesian {
        /// Optional proper prior on the lift.
        prior: Option<GaussianPrior>,
    },
}

/// The result of one test, on the scale of the chosen difference.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Inference {
    /// Point estimate (posterior mean for Bayesian).
    pub lift: f64,
    /// Standard error (posterior standard deviation for Bayesian).
    pub se: f64,
    /// Lower interval bound.
    pub ci_low: f64,
    /// Upper interval bound.
    pub ci_high: f64,
    /// Two-sided p-value; `None` for Bayesian.
    pub p_value: Option<f64>,
    /// P(treatment mean > control mean); only for Bayesian.
    pub chance_to_win: Option<f64>,
}

/// Runs `method` on the lift of `treatment` over `control`.
pub fn infer(
    control: &MetricSummary,
    treatment: &MetricSummary,
    difference: Difference,
    method: &Method,
    alpha: f64,
) -> Result<Inference> {
    let alpha = check_alpha(alpha)?;
    let lift = lift(control, treatment, difference)?;
    match method {
        Method::Frequentist => welch_t_test(control, treatment, lift, alpha),
        Method::Sequential { tuning } => {
            confidence_sequence(lift, control.n + treatment.n, alpha, *tuning)
        }
        Method::Bayesian { prior } => bayesian_test(lift, alpha, prior.as_ref()),
    }
}
