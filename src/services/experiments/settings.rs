//! An experiment's statistical settings: the stored names, parsed once into the stats engine's types.

use analytics::stats::{AdMetric, Correction, Method, VarianceModel};
use serde::Serialize;

use super::ExperimentError;
use crate::db::experiments::Experiment;

/// The test methods an experiment can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MethodName {
    /// Welch t-test (fixed horizon).
    Frequentist,
    /// Anytime-valid confidence sequences.
    Sequential,
    /// Gaussian posterior, flat prior.
    Bayesian,
}

impl MethodName {
    /// Every method, for forms.
    pub const ALL: [MethodName; 3] = [Self::Frequentist, Self::Sequential, Self::Bayesian];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Frequentist => "frequentist",
            Self::Sequential => "sequential",
            Self::Bayesian => "bayesian",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Result<Self, ExperimentError> {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| ExperimentError::Invalid(format!("unknown method {s:?}")))
    }

    /// The stats engine's method; `tuning` is the sequential N* in the test's unit.
    pub fn method(self, tuning: f64) -> Method {
        match self {
            Self::Frequentist => Method::Frequentist,
            Self::Sequential => Method::Sequential { tuning },
            Self::Bayesian => Method::Bayesian { prior: None },
        }
    }
}

/// Parses a metric name (`ctr`, `cvr`, `cpa`, `roas`, `cpc`, `cpm`).
pub fn parse_metric(s: &str) -> Result<AdMetric, ExperimentError> {
    let s = s.trim().to_ascii_lowercase();
    AdMetric::ALL
        .into_iter()
        .find(|m| m.name() == s)
        .ok_or_else(|| ExperimentError::Invalid(format!("unknown metric {s:?}")))
}

/// Parses a variance model name: `ad_clustered` (the default), or the two kept for comparison.
pub fn parse_variance(s: &str) -> Result<VarianceModel, ExperimentError> {
    [VarianceModel::AdClustered, VarianceModel::AdDayClustered, VarianceModel::Binomial]
        .into_iter()
        .find(|m| m.name() == s)
        .ok_or_else(|| ExperimentError::Invalid(format!("unknown variance model {s:?}")))
}

/// Parses a correction name: `holm`, `bh` or `none`.
pub fn parse_correction(s: &str) -> Result<Option<Correction>, ExperimentError> {
    match s {
        "holm" => Ok(Some(Correction::HolmBonferroni)),
        "bh" => Ok(Some(Correction::BenjaminiHochberg)),
        "none" => Ok(None),
        other => Err(ExperimentError::Invalid(format!("unknown correction {other:?}"))),
    }
}

/// The human name of a stored correction.
pub fn correction_label(name: &str) -> &'static str {
    match name {
        "holm" => "Holm–Bonferroni (family-wise error)",
        "bh" => "Benjamini–Hochberg (false discovery rate)",
        _ => "none (p-values are uncorrected)",
    }
}

/// The statistical settings of one experiment.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub method: MethodName,
    pub variance: VarianceModel,
    pub correction: Option<Correction>,
    /// α.
    pub alpha: f64,
    /// Planned ads per arm, when the team set it.
    pub planned_ads_per_arm: Option<u32>,
}

impl Settings {
    /// Reads the stored settings of `e`.
    pub fn of(e: &Experiment) -> Result<Self, ExperimentError> {
        Ok(Self {
            method: MethodName::parse(&e.method)?,
            variance: parse_variance(&e.variance_model)?,
            correction: parse_correction(&e.correction)?,
            alpha: e.alpha,
            planned_ads_per_arm: e.planned_ads_per_arm.and_then(|n| u32::try_from(n).ok()),
        })
    }

    /// Sequential testing's N*, the total size where the confidence sequence is tightest, in the unit
    /// the test counts: the planned ads of both arms when the ad is the unit and a plan is set, else the
    /// units the two arms have now (ads, ad-days or impressions).
    pub fn tuning(&self, model: VarianceModel, units_now: u64) -> f64 {
        match (model, self.planned_ads_per_arm) {
            (VarianceModel::AdClustered, Some(planned)) => 2.0 * f64::from(planned.max(1)),
            _ => units_now.max(2) as f64,
        }
    }
}
