//! Experiment statistics that agree with GrowthBook's gbstats (see `shared/design/STATS.md`), plus what ad
//! data needs beyond it: ad-day-clustered variance, verdicts, multiple-testing corrections, SRM, power and
//! meta-analytic pooling of lifts across experiments.
//!
//! Everything here is pure and synchronous: summaries in, numbers out.
//!
//! Ad metrics default to ad-day-clustered (delta-method) variance: the seeded A/A simulation in `aa_sim`
//! keeps its false-positive rate near α (0.0475 at α = 0.05 over 2,000 experiments), where per-impression
//! binomial variance, blind to day-to-day overdispersion, reaches about 0.30.

mod aa_sim;
mod ad_metrics;
mod bayesian;
mod compare;
mod correction;
mod dist;
mod error;
mod frequentist;
mod inference;
mod lift;
mod meta;
mod power;
mod sequential;
mod srm;
mod summary;
mod verdict;

#[cfg(test)]
mod tests;

pub use aa_sim::{AaRates, AaSimConfig, simulate_aa};
pub use ad_metrics::{AdDay, AdMetric, VarianceModel, arm_metric};
pub use bayesian::{GaussianPrior, bayesian_test};
pub use compare::{
    ArmInput, CompareRequest, CompareResponse, MethodKind, MetricKind, compare, compare_json,
};
pub use correction::{Correction, adjust_p_values};
pub use error::{Result, StatsError};
pub use frequentist::{welch_dof, welch_t_test};
pub use inference::{Inference, Method, infer};
pub use lift::{Difference, Lift, lift};
pub use meta::{LogLiftEstimate, PooledEffect, PoolingModel, pool_log_lifts};
pub use power::{Baseline, minimum_detectable_effect, power, sample_size_per_arm};
pub use sequential::{DEFAULT_TUNING, confidence_sequence, rho};
pub use srm::{SRM_THRESHOLD, SrmResult, srm_check};
pub use summary::{MeanStats, MetricSummary, ProportionStats, RatioStats};
pub use verdict::{ArmComparison, ArmTest, Verdict, compare_arms, correct_comparisons};
