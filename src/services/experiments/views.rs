//! The results read model that the page, the API and the CSV exports share.

use analytics::stats::{AdMetric, Inference, Replication, VarianceModel, Verdict};
use serde::Serialize;

use crate::db::experiment_arms::ExperimentArm;
use crate::db::experiments::Experiment;
use crate::db::reporting::ArmDay;

/// One arm of a results page.
#[derive(Debug, Clone, Serialize)]
pub struct ArmView {
    /// The arm row; its `label` is the lineage label (see [`super::labels`]).
    pub arm: ExperimentArm,
    /// The edit this arm shows ("background = city"), or `None` for the master.
    pub edit: Option<String>,
    /// The variant's code, or `None` for the master.
    pub code: Option<String>,
    /// The ads mapped to the arm, as "platform:ad_id".
    pub ads: Vec<String>,
    /// Mapped ads with data in the window: the units of the default variance model.
    pub ads_with_data: u64,
    pub impressions: f64,
    /// Σ clicks.
    pub clicks: f64,
    /// Σ spend.
    pub spend: f64,
    /// Σ conversions.
    pub conversions: f64,
    /// Σ revenue.
    pub revenue: f64,
    pub ad_days: i64,
    /// Metric name → value.
    pub metrics: Vec<(AdMetric, Option<f64>)>,
    /// Observed share of impressions.
    pub impression_share: f64,
    /// Observed share of spend.
    pub spend_share: f64,
    /// Planned share, normalized, when every arm has a planned weight.
    pub planned_share: Option<f64>,
}

/// One treatment-versus-reference comparison on one metric.
#[derive(Debug, Clone, Serialize)]
pub struct ComparisonView {
    pub arm_id: i32,
    /// Treatment label (lineage path and code).
    pub arm_label: String,
    pub reference_id: i32,
    pub reference_label: String,
    pub metric: AdMetric,
    /// Variance model used (the ad-day one when an arm has a single ad).
    pub variance: VarianceModel,
    /// Units in the treatment summary (ads for the default model).
    pub n: u64,
    /// Units in the reference summary.
    pub reference_n: u64,
    /// Ads with data in the smaller of the two arms.
    pub min_ads: u64,
    /// What the number of ads lets the result say.
    pub replication: Replication,
    /// Why the result must be read with care, when it must.
    pub caveat: Option<String>,
    pub value: f64,
    pub reference_value: f64,
    /// Lift, interval, p or chance to win (p corrected when a correction applies).
    pub inference: Inference,
    /// The p-value before correction.
    pub raw_p_value: Option<f64>,
    /// Whether `inference.p_value` is corrected for multiple testing.
    pub corrected: bool,
    /// Sequential N* in the test's unit, for the sequential method.
    pub sequential_tuning: Option<f64>,
    /// Bayesian: P(treatment better), direction-aware.
    pub chance_to_be_better: Option<f64>,
    /// Winner / loser / inconclusive; never a winner or loser without replication.
    pub verdict: Verdict,
    /// Without replication: what the data say about these particular ads.
    pub these_ads_verdict: Option<Verdict>,
}

/// What the sample-ratio check was run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SrmBasis {
    /// Mapped ads with data per arm against the planned split: what the team controls.
    AdsVsPlan,
}

/// One arm in the sample-ratio check.
#[derive(Debug, Clone, Serialize)]
pub struct SrmArm {
    pub label: String,
    /// Ads with data in the window.
    pub ads: u64,
    /// Ads the plan expects for the arm.
    pub planned_ads: f64,
    /// Planned share.
    pub planned_share: f64,
    /// Observed share of spend.
    pub spend_share: f64,
    /// Observed share of impressions.
    pub impression_share: f64,
}

/// The sample-ratio check against what was planned.
#[derive(Debug, Clone, Serialize)]
pub struct SrmView {
    pub basis: SrmBasis,
    /// χ² of ads per arm against the planned split.
    pub chi_square: f64,
    pub p_value: f64,
    /// Whether p < the SRM threshold: the arms do not have the ads that were planned.
    pub mismatch: bool,
    pub threshold: f64,
    /// Each arm's planned and observed numbers.
    pub arms: Vec<SrmArm>,
    /// When spend strays from the planned budget split by more than a quarter (advisory).
    pub budget_note: Option<String>,
    /// χ² of impressions against the planned split: advisory only, see `impressions_reason`.
    pub impressions_chi_square: f64,
    pub impressions_p_value: f64,
    /// Why impressions cannot raise the alarm.
    pub impressions_reason: String,
}

/// Attribution of one edit: its effect against its parent arm.
#[derive(Debug, Clone, Serialize)]
pub struct AttributionView {
    /// The edit, with its lineage: "saucer = forest green → spoon = removed".
    pub edit: String,
    pub variable: String,
    pub value: String,
    pub code: String,
    pub parent: String,
    /// Whether the reference is the true parent (false: the parent is not an arm, so the control; such
    /// a lift mixes the edit with its ancestors' edits and is not pooled as the edit's own effect).
    pub vs_parent: bool,
    /// The comparison on the primary metric.
    pub comparison: ComparisonView,
}

/// Everything the results page, the API and the CSV exports show.
#[derive(Debug, Clone, Serialize)]
pub struct ExperimentResults {
    pub experiment: Experiment,
    pub master_name: String,
    pub primary_metric: AdMetric,
    pub guardrails: Vec<AdMetric>,
    /// Arms, control first.
    pub arms: Vec<ArmView>,
    /// Every treatment × metric against the control, corrected across arms per metric (on the primary
    /// metric, together with the attribution comparisons).
    pub comparisons: Vec<ComparisonView>,
    /// Each edit against its parent, on the primary metric.
    pub attribution: Vec<AttributionView>,
    /// The sample-ratio check, when a split was planned.
    pub srm: Option<SrmView>,
    /// Human name of the correction ("Holm–Bonferroni").
    pub correction_label: String,
    /// The variance model the experiment asked for, in words.
    pub variance_label: String,
    /// Per-arm daily sums (for the daily CSV).
    #[serde(skip)]
    pub days: Vec<ArmDay>,
    /// Cumulative-lift chart (SVG markup).
    pub cumulative_svg: String,
    /// Forest plot (SVG markup).
    pub forest_svg: String,
    /// The distinct replication caveats of the primary comparisons.
    pub caveats: Vec<String>,
    /// Problems that kept some numbers from being computed.
    pub notes: Vec<String>,
    /// The factorial analysis, when the experiment runs over a modular grid.
    pub grid: Option<crate::services::grids::FactorialView>,
    /// The primary metric per arm and placement, when an arm's ads span several formats.
    pub by_format: Option<super::by_format::ByFormatView>,
}

/// The variance model in words, for the page.
pub fn variance_label(model: VarianceModel) -> &'static str {
    match model {
        VarianceModel::AdClustered => "the ad is the unit (A/A-validated from 4 ads per arm)",
        VarianceModel::AdDayClustered => {
            "the ad-day is the unit (not A/A-valid when ads differ; for comparison only)"
        }
        VarianceModel::Binomial => {
            "per-impression binomial (not A/A-valid for ad data; for comparison only)"
        }
    }
}
