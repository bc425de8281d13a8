//! The stable `liftmask stats compare` interface: one JSON request in, one JSON response out (STATS.md).

use serde::{Deserialize, Serialize};

use super::bayesian::GaussianPrior;
use super::error::{Result, StatsError};
use super::inference::{Method, infer};
use super::lift::Difference;
use super::sequential::DEFAULT_TUNING;
use super::summary::{MeanStats, MetricSummary, ProportionStats, RatioStats};

/// Which gbstats metric shape the arms carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MetricKind {
    /// `{n, sum, sum_squares}`.
    Mean,
    /// `{n, sum}`.
    Proportion,
    /// `{n, numerator_sum, numerator_sum_squares, denominator_sum, denominator_sum_squares, numerator_denominator_sum_product}`.
    Ratio,
}

impl MetricKind {
    /// The name used in the JSON.
    pub fn name(self) -> &'static str {
        match self {
            Self::Mean => "mean",
            Self::Proportion => "proportion",
            Self::Ratio => "ratio",
        }
    }
}

/// The method named in the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MethodKind {
    /// Welch t-test.
    Frequentist,
    /// Asymptotic confidence sequences.
    Sequential,
    /// Gaussian posterior with a flat (or the given proper) prior.
    Bayesian,
}

/// One arm as written in the request; which fields are required depends on `metric`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArmInput {
    /// Number of units.
    pub n: u64,
    /// Σx (mean and proportion).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sum: Option<f64>,
    /// Σx² (mean).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sum_squares: Option<f64>,
    /// Σm (ratio).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numerator_sum: Option<f64>,
    /// Σm² (ratio).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numerator_sum_squares: Option<f64>,
    /// Σd (ratio).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denominator_sum: Option<f64>,
    /// Σd² (ratio).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denominator_sum_squares: Option<f64>,
    /// Σm·d (ratio).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numerator_denominator_sum_product: Option<f64>,
}

/// The request read by `liftmask stats compare`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareRequest {
    /// `mean`, `proportion` or `ratio`.
    pub metric: MetricKind,
    /// `frequentist`, `sequential` or `bayesian`.
    pub method: MethodKind,
    /// `relative` (default) or `absolute`.
    #[serde(default)]
    pub difference: Difference,
    /// Significance level, default 0.05.
    #[serde(default = "default_alpha")]
    pub alpha: f64,
    /// N* for the sequential method, default 5000; ignored by the other methods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequential_tuning: Option<f64>,
    /// Optional proper Gaussian prior on the lift for the Bayesian method (an extension of STATS.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prior: Option<GaussianPrior>,
    pub control: ArmInput,
    pub treatment: ArmInput,
}

/// gbstats' default significance level.
fn default_alpha() -> f64 {
    0.05
}

/// The response written by `liftmask stats compare`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CompareResponse {
    /// Point estimate of the lift.
    pub lift: f64,
    /// Lower interval bound.
    pub ci_low: f64,
    /// Upper interval bound.
    pub ci_high: f64,
    /// Two-sided p-value; absent for bayesian.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_value: Option<f64>,
    /// P(treatment beats control); present only for bayesian.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chance_to_win: Option<f64>,
}

impl CompareRequest {
    /// Parses the documented JSON; unknown fields are errors.
    pub fn from_json(json: &str) -> Result<Self> {
        Ok(serde_json::from_str(json)?)
    }
}

impl CompareResponse {
    /// The single-line JSON the CLI prints.
    pub fn to_json(&self) -> Result<String> {
        Ok(serde_json::to_string(self)?)
    }
}

/// Runs the comparison a `CompareRequest` describes.
pub fn compare(req: &CompareRequest) -> Result<CompareResponse> {
    let control = arm_summary(req.metric, "control", &req.control)?;
    let treatment = arm_summary(req.metric, "treatment", &req.treatment)?;
    let method = match req.method {
        MethodKind::Frequentist => Method::Frequentist,
        MethodKind::Sequential => {
            Method::Sequential { tuning: req.sequential_tuning.unwrap_or(DEFAULT_TUNING) }
        }
        MethodKind::Bayesian => Method::Bayesian { prior: req.prior },
    };
    if req.prior.is_some() && req.method != MethodKind::Bayesian {
        return Err(StatsError::InvalidInput("prior only applies to method bayesian".into()));
    }
    let out = infer(&control, &treatment, req.difference, &method, req.alpha)?;
    Ok(CompareResponse {
        lift: out.lift,
        ci_low: out.ci_low,
        ci_high: out.ci_high,
        p_value: out.p_value,
        chance_to_win: out.chance_to_win,
    })
}

/// Parses, compares and serializes in one step, for the CLI.
pub fn compare_json(json: &str) -> Result<String> {
    compare(&CompareRequest::from_json(json)?)?.to_json()
}

/// Picks and checks the fields `metric` needs, refusing fields of another metric kind.
fn arm_summary(metric: MetricKind, arm: &str, a: &ArmInput) -> Result<MetricSummary> {
    let need = |name: &str, v: Option<f64>| {
        v.ok_or_else(|| StatsError::InvalidInput(format!("{arm}: missing field {name}")))
    };
    let fields = [
        ("sum", a.sum.is_some()),
        ("sum_squares", a.sum_squares.is_some()),
        ("numerator_sum", a.numerator_sum.is_some()),
        ("numerator_sum_squares", a.numerator_sum_squares.is_some()),
        ("denominator_sum", a.denominator_sum.is_some()),
        ("denominator_sum_squares", a.denominator_sum_squares.is_some()),
        ("numerator_denominator_sum_product", a.numerator_denominator_sum_product.is_some()),
    ];
    let allowed: &[&str] = match metric {
        MetricKind::Mean => &["sum", "sum_squares"],
        MetricKind::Proportion => &["sum"],
        MetricKind::Ratio => &[
            "numerator_sum",
            "numerator_sum_squares",
            "denominator_sum",
            "denominator_sum_squares",
            "numerator_denominator_sum_product",
        ],
    };
    if let Some((name, _)) = fields.iter().find(|(name, set)| *set && !allowed.contains(name)) {
        return Err(StatsError::InvalidInput(format!(
            "{arm}: field {name} does not belong to a {} metric",
            metric.name()
        )));
    }
    match metric {
        MetricKind::Mean => MeanStats {
            n: a.n,
            sum: need("sum", a.sum)?,
            sum_squares: need("sum_squares", a.sum_squares)?,
        }
        .summarize(),
        MetricKind::Proportion => ProportionStats { n: a.n, sum: need("sum", a.sum)? }.summarize(),
        MetricKind::Ratio => RatioStats {
            n: a.n,
            numerator_sum: need("numerator_sum", a.numerator_sum)?,
            numerator_sum_squares: need("numerator_sum_squares", a.numerator_sum_squares)?,
            denominator_sum: need("denominator_sum", a.denominator_sum)?,
            denominator_sum_squares: need("denominator_sum_squares", a.denominator_sum_squares)?,
            numerator_denominator_sum_product: need(
                "numerator_denominator_sum_product",
                a.numerator_denominator_sum_product,
            )?,
        }
        .summarize(),
    }
    .map_err(|e| match e {
        StatsError::InvalidInput(msg) => StatsError::InvalidInput(format!("{arm}: {msg}")),
        other => other,
    })
}
