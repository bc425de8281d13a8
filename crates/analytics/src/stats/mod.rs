//! Experiment statistics that agree with GrowthBook's gbstats (see `shared/design/STATS.md`), plus what ad
//! data needs beyond it: ad-clustered variance, verdicts, multiple-testing corrections, SRM, power and
//! meta-analytic pooling of lifts across experiments.
//!
//! Everything here is pure and synchronous: summaries in, numbers out.
//!
//! Ad metrics default to the ad as the unit of variance (`clustered`): each ad's sums over the window are
//! one observation. The A/A grid of `aa_sim` (lasting per-ad CTR differences, volume spread, day shocks)
//! shows it holding α from 4 ads per arm, where the ad-day unit and per-impression binomial variance call
//! false winners several times as often as α.

mod aa_sim;
mod ad_metrics;
mod bayesian;
mod clustered;
mod compare;
mod correction;
mod dist;
mod error;
mod factorial;
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

pub use aa_sim::{
    AaGridConfig, AaRates, AaScenario, AaWorld, format_grid, simulate_grid, simulate_scenario,
};
pub use ad_metrics::{AdDay, AdMetric, AdSums, VarianceModel, arm_metric};
pub use bayesian::{GaussianPrior, bayesian_test};
pub use clustered::{
    AdWindow, ClusteredSummary, MIN_REPLICATED_ADS, Replication, ad_clustered, arm_interval,
    clustered_dof, clustered_infer,
};
pub use compare::{
    ArmInput, CompareRequest, CompareResponse, MethodKind, MetricKind, compare, compare_json,
};
pub use correction::{Correction, adjust_p_values};
pub use error::{Result, StatsError};
pub use factorial::{BestCombination, CellFit, Effect, FactorialCell, FactorialFit, factorial};
pub use frequentist::{t_test, welch_dof, welch_t_test};
pub use inference::{Inference, Method, infer};
pub use lift::{Difference, Lift, lift};
pub use meta::{
    LogLiftEstimate, PoolInterval, PooledEffect, PoolingModel, pool_hartung_knapp, pool_log_lifts,
};
pub use power::{Baseline, minimum_detectable_effect, power, sample_size_per_arm};
pub use sequential::{DEFAULT_TUNING, confidence_sequence, rho};
pub use srm::{SRM_THRESHOLD, SrmResult, srm_check};
pub use summary::{MeanStats, MetricSummary, ProportionStats, RatioStats};
pub use verdict::{ArmComparison, ArmTest, Verdict, compare_arms, correct_comparisons, verdict_of};
