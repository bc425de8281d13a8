//! Experiments: creation from a master and its controlled variants, and the results read model (per-arm
//! metrics, lifts with intervals, corrected verdicts, SRM, attribution to each edit, charts).

use std::collections::HashMap;

use analytics::stats::{
    AdMetric, Correction, Difference, Inference, Method, MetricSummary, ProportionStats,
    RatioStats, SRM_THRESHOLD, StatsError, VarianceModel, Verdict, adjust_p_values, infer,
    srm_check,
};
use chrono::NaiveDate;
use serde::Serialize;

use crate::db::experiment_arms::{self, ExperimentArm, NewExperimentArm};
use crate::db::experiments::{self, Experiment, NewExperiment};
use crate::db::reporting::{self, ArmDay, MappedAd, VariantInfo};
use crate::db::{DbConn, now};
use crate::services::{attribution, charts};

/// Why an experiment could not be created or analysed.
#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    /// The database failed.
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
    /// No connection could be had.
    #[error(transparent)]
    Pool(#[from] crate::db::DbError),
    /// The request is not a valid experiment.
    #[error("{0}")]
    Invalid(String),
    /// The statistics could not be computed.
    #[error("statistics: {0}")]
    Stats(#[from] StatsError),
}

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

    /// The stats engine's method with its default settings.
    fn method(self) -> Method {
        match self {
            Self::Frequentist => Method::Frequentist,
            Self::Sequential => Method::Sequential { tuning: analytics::stats::DEFAULT_TUNING },
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

/// Parses a variance model name. The app offers the two models its daily rollup supports exactly; the
/// ad-clustered model of `analytics::stats` needs per-ad sums over the experiment's window.
pub fn parse_variance(s: &str) -> Result<VarianceModel, ExperimentError> {
    [VarianceModel::AdDayClustered, VarianceModel::Binomial]
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

/// A treatment arm to create.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct ArmSpec {
    /// The approved, controlled variant shown in the arm.
    pub variant_id: i32,
    /// Planned traffic share, for SRM.
    #[serde(default)]
    pub planned_weight: Option<f64>,
}

/// Everything needed to create an experiment.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct NewExperimentSpec {
    /// The master the arms descend from.
    pub master_id: i32,
    /// Display name.
    pub name: String,
    /// First day counted.
    pub start_date: NaiveDate,
    /// Last day counted, if any.
    #[serde(default)]
    pub end_date: Option<NaiveDate>,
    /// Primary metric name.
    pub primary_metric: String,
    /// Guardrail metric names.
    #[serde(default)]
    pub guardrail_metrics: Vec<String>,
    /// Method name.
    pub method: String,
    /// Variance model name; the A/A-validated default when absent.
    #[serde(default)]
    pub variance_model: Option<String>,
    /// Correction name; `holm` when absent.
    #[serde(default)]
    pub correction: Option<String>,
    /// Significance level; 0.05 when absent.
    #[serde(default)]
    pub alpha: Option<f64>,
    /// The control: `None` is the master itself, else a variant.
    #[serde(default)]
    pub control_variant_id: Option<i32>,
    /// Planned traffic share of the control.
    #[serde(default)]
    pub control_planned_weight: Option<f64>,
    /// The treatment arms.
    pub treatments: Vec<ArmSpec>,
    /// Who creates it.
    #[serde(default)]
    pub created_by: Option<i32>,
}

/// A variant's label, "variable = value".
fn edit_label(v: &VariantInfo) -> String {
    format!("{} = {}", v.variable, v.value)
}

/// Checks that a variant may be an arm: approved and audited as controlled.
fn check_arm_variant(v: &VariantInfo) -> Result<(), ExperimentError> {
    if v.status != "approved" {
        return Err(ExperimentError::Invalid(format!(
            "variant {} ({}) is {}, not approved: only approved variants can be arms",
            v.code,
            edit_label(v),
            v.status
        )));
    }
    if v.controlled != Some(true) {
        return Err(ExperimentError::Invalid(format!(
            "variant {} ({}) is not controlled (its audit found changes outside the mask): only \
             controlled edits can be arms",
            v.code,
            edit_label(v)
        )));
    }
    Ok(())
}

/// Creates an experiment with its control and treatment arms, after validating every arm.
pub fn create_experiment(
    conn: &mut DbConn<'_>,
    spec: NewExperimentSpec,
) -> Result<Experiment, ExperimentError> {
    let name = spec.name.trim();
    if name.is_empty() {
        return Err(ExperimentError::Invalid("give the experiment a name".into()));
    }
    if let Some(end) = spec.end_date
        && end < spec.start_date
    {
        return Err(ExperimentError::Invalid("the end date is before the start date".into()));
    }
    let primary = parse_metric(&spec.primary_metric)?;
    let guardrails = spec
        .guardrail_metrics
        .iter()
        .filter(|g| !g.trim().is_empty())
        .map(|g| parse_metric(g))
        .collect::<Result<Vec<_>, _>>()?;
    let method = MethodName::parse(&spec.method)?;
    let variance = match spec.variance_model.as_deref() {
        Some(v) if !v.is_empty() => parse_variance(v)?,
        _ => VarianceModel::default(),
    };
    let correction = spec.correction.clone().unwrap_or_else(|| "holm".into());
    parse_correction(&correction)?;
    let alpha = spec.alpha.unwrap_or(0.05);
    if !(alpha > 0.0 && alpha < 0.5) {
        return Err(ExperimentError::Invalid("alpha must be between 0 and 0.5".into()));
    }
    if spec.treatments.is_empty() {
        return Err(ExperimentError::Invalid("pick at least one treatment variant".into()));
    }
    let weights = std::iter::once(spec.control_planned_weight)
        .chain(spec.treatments.iter().map(|t| t.planned_weight));
    for w in weights.flatten() {
        if !(w.is_finite() && w > 0.0) {
            return Err(ExperimentError::Invalid("planned weights must be positive".into()));
        }
    }
    conn.transaction(|tx| {
        let master_name = reporting::master_name(tx, spec.master_id).map_err(|e| match e {
            diesel::result::Error::NotFound => {
                ExperimentError::Invalid(format!("master {} does not exist", spec.master_id))
            }
            other => other.into(),
        })?;
        let variants: HashMap<i32, VariantInfo> =
            reporting::variants_of_master(tx, spec.master_id)?
                .into_iter()
                .map(|v| (v.id, v))
                .collect();
        let find = |id: i32| {
            variants.get(&id).ok_or_else(|| {
                ExperimentError::Invalid(format!("variant {id} is not a variant of this master"))
            })
        };
        let control_label = match spec.control_variant_id {
            None => format!("master: {master_name}"),
            Some(id) => {
                let v = find(id)?;
                check_arm_variant(v)?;
                edit_label(v)
            }
        };
        let mut seen = vec![spec.control_variant_id];
        let mut treatment_labels = Vec::with_capacity(spec.treatments.len());
        for t in &spec.treatments {
            if seen.contains(&Some(t.variant_id)) {
                return Err(ExperimentError::Invalid(format!(
                    "variant {} is used by two arms",
                    t.variant_id
                )));
            }
            seen.push(Some(t.variant_id));
            let v = find(t.variant_id)?;
            check_arm_variant(v)?;
            treatment_labels.push(edit_label(v));
        }
        let guardrail_names: Vec<&str> = guardrails.iter().map(|g| g.name()).collect();
        let experiment = experiments::insert(
            tx,
            &NewExperiment {
                master_id: spec.master_id,
                name,
                start_date: spec.start_date,
                end_date: spec.end_date,
                primary_metric: primary.name(),
                guardrail_metrics: &guardrail_names.join(","),
                method: method.as_str(),
                variance_model: variance.name(),
                correction: &correction,
                alpha,
                created_by: spec.created_by,
                created_at: now(),
            },
        )?;
        experiment_arms::insert(
            tx,
            &NewExperimentArm {
                experiment_id: experiment.id,
                variant_id: spec.control_variant_id,
                is_control: true,
                label: &control_label,
                planned_weight: spec.control_planned_weight,
            },
        )?;
        for (t, label) in spec.treatments.iter().zip(&treatment_labels) {
            experiment_arms::insert(
                tx,
                &NewExperimentArm {
                    experiment_id: experiment.id,
                    variant_id: Some(t.variant_id),
                    is_control: false,
                    label,
                    planned_weight: t.planned_weight,
                },
            )?;
        }
        Ok(experiment)
    })
}

/// An arm's totals: the sums every metric and variance model is computed from.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct ArmTotals {
    /// Ad-days.
    pub n: i64,
    /// Sums over ad-days, as aggregated by the database.
    #[serde(skip)]
    pub sums: ArmDay,
}

impl ArmTotals {
    /// Adds one day of sums.
    pub fn add(&mut self, d: &ArmDay) {
        let s = &mut self.sums;
        self.n += d.n;
        s.n += d.n;
        s.imp += d.imp;
        s.imp2 += d.imp2;
        s.clk += d.clk;
        s.clk2 += d.clk2;
        s.clk_imp += d.clk_imp;
        s.conv += d.conv;
        s.conv2 += d.conv2;
        s.conv_clk += d.conv_clk;
        s.spend += d.spend;
        s.spend2 += d.spend2;
        s.spend_conv += d.spend_conv;
        s.spend_clk += d.spend_clk;
        s.spend_imp += d.spend_imp;
        s.rev += d.rev;
        s.rev2 += d.rev2;
        s.rev_spend += d.rev_spend;
    }

    /// The metric's point value (ratio of sums), if its denominator is positive.
    pub fn value(&self, metric: AdMetric) -> Option<f64> {
        let s = &self.sums;
        let (num, den, scale) = match metric {
            AdMetric::Ctr => (s.clk, s.imp, 1.0),
            AdMetric::Cvr => (s.conv, s.clk, 1.0),
            AdMetric::Cpa => (s.spend, s.conv, 1.0),
            AdMetric::Roas => (s.rev, s.spend, 1.0),
            AdMetric::Cpc => (s.spend, s.clk, 1.0),
            AdMetric::Cpm => (s.spend, s.imp, 1000.0),
        };
        (den > 0.0).then(|| scale * num / den)
    }

    /// The variance model actually used for `metric`: binomial applies only to CTR and CVR, so money
    /// metrics fall back to the ad-day-clustered model.
    pub fn effective_model(metric: AdMetric, model: VarianceModel) -> VarianceModel {
        match (model, metric) {
            (VarianceModel::Binomial, AdMetric::Ctr | AdMetric::Cvr) => VarianceModel::Binomial,
            (VarianceModel::Binomial, _) => VarianceModel::AdDayClustered,
            (m, _) => m,
        }
    }

    /// The arm's summary for `metric` under `model`, from the aggregated sums (the same statistics
    /// `analytics::stats::arm_metric` computes from rows). Every model but binomial is the ad-day one:
    /// [`parse_variance`] accepts no other.
    pub fn summary(
        &self,
        metric: AdMetric,
        model: VarianceModel,
    ) -> Result<MetricSummary, StatsError> {
        let s = &self.sums;
        let n = u64::try_from(self.n).unwrap_or(0);
        if let VarianceModel::Binomial = Self::effective_model(metric, model) {
            let (successes, trials) =
                if metric == AdMetric::Ctr { (s.clk, s.imp) } else { (s.conv, s.clk) };
            return ProportionStats { n: trials.max(0.0) as u64, sum: successes }.summarize();
        }
        let (m, m2, d, d2, md, scale) = match metric {
            AdMetric::Ctr => (s.clk, s.clk2, s.imp, s.imp2, s.clk_imp, 1.0),
            AdMetric::Cvr => (s.conv, s.conv2, s.clk, s.clk2, s.conv_clk, 1.0),
            AdMetric::Cpa => (s.spend, s.spend2, s.conv, s.conv2, s.spend_conv, 1.0),
            AdMetric::Roas => (s.rev, s.rev2, s.spend, s.spend2, s.rev_spend, 1.0),
            AdMetric::Cpc => (s.spend, s.spend2, s.clk, s.clk2, s.spend_clk, 1.0),
            AdMetric::Cpm => (s.spend, s.spend2, s.imp, s.imp2, s.spend_imp, 1000.0),
        };
        let stats = RatioStats {
            n,
            numerator_sum: m,
            numerator_sum_squares: m2,
            denominator_sum: d,
            denominator_sum_squares: d2,
            numerator_denominator_sum_product: md,
        };
        Ok(stats.summarize()?.scaled(scale))
    }
}

/// One arm of a results page.
#[derive(Debug, Clone, Serialize)]
pub struct ArmView {
    /// The arm row.
    pub arm: ExperimentArm,
    /// The edit this arm shows ("background = city"), or `None` for the master.
    pub edit: Option<String>,
    /// The ads mapped to the arm, as "platform:ad_id".
    pub ads: Vec<String>,
    /// Totals.
    pub impressions: f64,
    /// Σ clicks.
    pub clicks: f64,
    /// Σ spend.
    pub spend: f64,
    /// Σ conversions.
    pub conversions: f64,
    /// Σ revenue.
    pub revenue: f64,
    /// Ad-days.
    pub ad_days: i64,
    /// Metric name → value.
    pub metrics: Vec<(AdMetric, Option<f64>)>,
    /// Observed share of impressions.
    pub impression_share: f64,
    /// Planned share, normalized, when every arm has a planned weight.
    pub planned_share: Option<f64>,
}

/// One treatment-versus-reference comparison on one metric.
#[derive(Debug, Clone, Serialize)]
pub struct ComparisonView {
    /// The treatment arm.
    pub arm_id: i32,
    /// Treatment label.
    pub arm_label: String,
    /// Reference arm.
    pub reference_id: i32,
    /// Reference label.
    pub reference_label: String,
    /// The metric.
    pub metric: AdMetric,
    /// Variance model used.
    pub variance: VarianceModel,
    /// Units in the treatment summary.
    pub n: u64,
    /// Units in the reference summary.
    pub reference_n: u64,
    /// Treatment value.
    pub value: f64,
    /// Reference value.
    pub reference_value: f64,
    /// Lift, interval, p or chance to win (p corrected when a correction applies).
    pub inference: Inference,
    /// The p-value before correction.
    pub raw_p_value: Option<f64>,
    /// Bayesian: P(treatment better), direction-aware.
    pub chance_to_be_better: Option<f64>,
    /// Winner / loser / inconclusive.
    pub verdict: Verdict,
}

/// The sample-ratio check against the planned split.
#[derive(Debug, Clone, Serialize)]
pub struct SrmView {
    /// χ² statistic.
    pub chi_square: f64,
    /// Its p-value.
    pub p_value: f64,
    /// Whether p < the SRM threshold.
    pub mismatch: bool,
    /// The threshold used.
    pub threshold: f64,
}

/// Attribution of one edit: its effect against its parent arm.
#[derive(Debug, Clone, Serialize)]
pub struct AttributionView {
    /// "jacket = forest green".
    pub edit: String,
    /// The variable.
    pub variable: String,
    /// The value.
    pub value: String,
    /// "background = city" or "master" or the control label.
    pub parent: String,
    /// Whether the reference is the true parent (false: the parent is not an arm, so the control).
    pub vs_parent: bool,
    /// The comparison on the primary metric.
    pub comparison: ComparisonView,
}

/// Everything the results page, the API and the CSV exports show.
#[derive(Debug, Clone, Serialize)]
pub struct ExperimentResults {
    /// The experiment.
    pub experiment: Experiment,
    /// The master's name.
    pub master_name: String,
    /// Primary metric.
    pub primary_metric: AdMetric,
    /// Guardrails.
    pub guardrails: Vec<AdMetric>,
    /// Arms, control first.
    pub arms: Vec<ArmView>,
    /// Every treatment × metric against the control, corrected across arms per metric.
    pub comparisons: Vec<ComparisonView>,
    /// Each edit against its parent, on the primary metric.
    pub attribution: Vec<AttributionView>,
    /// SRM check, when every arm has a planned weight.
    pub srm: Option<SrmView>,
    /// Human name of the correction ("Holm–Bonferroni").
    pub correction_label: String,
    /// Per-arm daily sums (for the charts and the daily CSV).
    #[serde(skip)]
    pub days: Vec<ArmDay>,
    /// Cumulative-lift chart (SVG markup).
    pub cumulative_svg: String,
    /// Forest plot (SVG markup).
    pub forest_svg: String,
    /// Problems that kept some numbers from being computed.
    pub notes: Vec<String>,
}

/// The direction-aware verdict, as `analytics::stats` decides it.
pub fn verdict_for(inf: &Inference, better: Option<f64>, metric: AdMetric, alpha: f64) -> Verdict {
    let better_if_up = !metric.lower_is_better();
    match (inf.p_value, better) {
        (Some(p), _) if p < alpha => {
            if (inf.lift > 0.0) == better_if_up {
                Verdict::Winner
            } else {
                Verdict::Loser
            }
        }
        (None, Some(b)) if b >= 1.0 - alpha => Verdict::Winner,
        (None, Some(b)) if b <= alpha => Verdict::Loser,
        _ => Verdict::Inconclusive,
    }
}

/// The statistical settings of one experiment.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Method.
    pub method: Method,
    /// Variance model.
    pub variance: VarianceModel,
    /// Correction, if any.
    pub correction: Option<Correction>,
    /// α.
    pub alpha: f64,
}

impl Settings {
    /// Reads the stored settings of `e`.
    pub fn of(e: &Experiment) -> Result<Self, ExperimentError> {
        Ok(Self {
            method: MethodName::parse(&e.method)?.method(),
            variance: parse_variance(&e.variance_model)?,
            correction: parse_correction(&e.correction)?,
            alpha: e.alpha,
        })
    }
}

/// One arm-versus-arm test on aggregated sums.
#[derive(Debug, Clone, Copy)]
pub struct Compared {
    /// Reference arm summary.
    pub reference: MetricSummary,
    /// Treatment arm summary.
    pub treatment: MetricSummary,
    /// Lift, interval, p or chance to win.
    pub inference: Inference,
    /// Bayesian: P(treatment better), direction-aware.
    pub better: Option<f64>,
    /// The verdict before any correction.
    pub verdict: Verdict,
}

/// Compares `treatment` against `reference` on `metric`.
pub fn compare_totals(
    reference: &ArmTotals,
    treatment: &ArmTotals,
    metric: AdMetric,
    settings: &Settings,
) -> Result<Compared, StatsError> {
    let a = reference.summary(metric, settings.variance)?;
    let b = treatment.summary(metric, settings.variance)?;
    let inf = infer(&a, &b, Difference::Relative, &settings.method, settings.alpha)?;
    let better = inf.chance_to_win.map(|c| if metric.lower_is_better() { 1.0 - c } else { c });
    let verdict = verdict_for(&inf, better, metric, settings.alpha);
    Ok(Compared { reference: a, treatment: b, inference: inf, better, verdict })
}

/// Builds one comparison view, or a note when the data cannot support it.
fn comparison(
    reference: (&ExperimentArm, &ArmTotals),
    treatment: (&ExperimentArm, &ArmTotals),
    metric: AdMetric,
    settings: &Settings,
) -> Result<ComparisonView, String> {
    let Compared { reference: a, treatment: b, inference, better, verdict } =
        compare_totals(reference.1, treatment.1, metric, settings).map_err(|e| {
            format!("{} vs {} on {}: {e}", treatment.0.label, reference.0.label, metric.name())
        })?;
    Ok(ComparisonView {
        arm_id: treatment.0.id,
        arm_label: treatment.0.label.clone(),
        reference_id: reference.0.id,
        reference_label: reference.0.label.clone(),
        metric,
        variance: ArmTotals::effective_model(metric, settings.variance),
        n: b.n,
        reference_n: a.n,
        value: b.mean,
        reference_value: a.mean,
        raw_p_value: inference.p_value,
        inference,
        chance_to_be_better: better,
        verdict,
    })
}

/// Applies the multiple-testing correction across the arms of each metric.
fn correct(comparisons: &mut [ComparisonView], settings: &Settings) -> Result<(), StatsError> {
    let Some(correction) = settings.correction else { return Ok(()) };
    for metric in AdMetric::ALL {
        let idx: Vec<usize> = (0..comparisons.len())
            .filter(|&i| comparisons[i].metric == metric && comparisons[i].raw_p_value.is_some())
            .collect();
        let raw: Vec<f64> = idx.iter().filter_map(|&i| comparisons[i].raw_p_value).collect();
        let adjusted = adjust_p_values(&raw, correction)?;
        for (&i, p) in idx.iter().zip(adjusted) {
            let c = &mut comparisons[i];
            c.inference.p_value = Some(p);
            c.verdict = verdict_for(&c.inference, None, metric, settings.alpha);
        }
    }
    Ok(())
}

/// The human name of a stored correction.
pub fn correction_label(name: &str) -> &'static str {
    match name {
        "holm" => "Holm–Bonferroni (family-wise error)",
        "bh" => "Benjamini–Hochberg (false discovery rate)",
        _ => "none",
    }
}

/// Loads and analyses an experiment; performance per arm and day comes from the `creative_days` rollup.
pub fn results(conn: &mut DbConn<'_>, id: i32) -> Result<ExperimentResults, ExperimentError> {
    let experiment = experiments::find(conn, id)?;
    let arms = experiment_arms::list_for_experiment(conn, id)?;
    let variants: HashMap<i32, VariantInfo> =
        reporting::variants_of_master(conn, experiment.master_id)?
            .into_iter()
            .map(|v| (v.id, v))
            .collect();
    let ads = reporting::mapped_ads(conn, experiment.master_id)?;
    let master_name = reporting::master_name(conn, experiment.master_id)?;
    let days =
        reporting::arm_days(conn, experiment.id, experiment.start_date, experiment.end_date)?;
    analyse(experiment, master_name, arms, &variants, &ads, days)
}

/// The pure part of [`results`]: from arms, variants, ads and daily sums to the read model.
pub fn analyse(
    experiment: Experiment,
    master_name: String,
    arms: Vec<ExperimentArm>,
    variants: &HashMap<i32, VariantInfo>,
    ads: &[MappedAd],
    days: Vec<ArmDay>,
) -> Result<ExperimentResults, ExperimentError> {
    let settings = Settings::of(&experiment)?;
    let primary = parse_metric(&experiment.primary_metric)?;
    let guardrails = experiment
        .guardrail_metrics
        .split(',')
        .filter(|g| !g.trim().is_empty())
        .map(parse_metric)
        .collect::<Result<Vec<_>, _>>()?;
    let mut totals: HashMap<i32, ArmTotals> =
        arms.iter().map(|a| (a.id, ArmTotals::default())).collect();
    for d in &days {
        if let Some(t) = totals.get_mut(&d.arm_id) {
            t.add(d);
        }
    }
    let total_of = |arm: &ExperimentArm| totals.get(&arm.id).copied().unwrap_or_default();
    let all_impressions: f64 = totals.values().map(|t| t.sums.imp).sum();
    let all_weights: Option<Vec<f64>> = arms.iter().map(|a| a.planned_weight).collect();
    let weight_sum: f64 = all_weights.as_ref().map_or(0.0, |w| w.iter().sum());
    let mut notes = Vec::new();
    let arm_views: Vec<ArmView> = arms
        .iter()
        .zip(0..)
        .map(|(arm, i)| {
            let t = total_of(arm);
            let arm_ads = ads
                .iter()
                .filter(|a| a.variant_id == arm.variant_id)
                .map(|a| format!("{}:{}", a.platform, a.ad_id))
                .collect();
            ArmView {
                arm: arm.clone(),
                edit: arm.variant_id.and_then(|v| variants.get(&v)).map(edit_label),
                ads: arm_ads,
                impressions: t.sums.imp,
                clicks: t.sums.clk,
                spend: t.sums.spend,
                conversions: t.sums.conv,
                revenue: t.sums.rev,
                ad_days: t.n,
                metrics: AdMetric::ALL.iter().map(|&m| (m, t.value(m))).collect(),
                impression_share: if all_impressions > 0.0 {
                    t.sums.imp / all_impressions
                } else {
                    0.0
                },
                planned_share: all_weights.as_ref().and_then(|w| w.get(i)).map(|w| w / weight_sum),
            }
        })
        .collect();
    let Some(control) = arms.iter().find(|a| a.is_control) else {
        return Err(ExperimentError::Invalid("the experiment has no control arm".into()));
    };
    let control_totals = total_of(control);
    let mut comparisons = Vec::new();
    for metric in AdMetric::ALL {
        for arm in arms.iter().filter(|a| !a.is_control) {
            match comparison((control, &control_totals), (arm, &total_of(arm)), metric, &settings) {
                Ok(c) => comparisons.push(c),
                Err(note) => notes.push(note),
            }
        }
    }
    correct(&mut comparisons, &settings)?;
    let srm = match &all_weights {
        Some(w) if all_impressions > 0.0 && arms.len() > 1 => {
            let observed: Vec<f64> = arms.iter().map(|a| total_of(a).sums.imp).collect();
            let r = srm_check(&observed, w)?;
            Some(SrmView {
                chi_square: r.chi_square,
                p_value: r.p_value,
                mismatch: r.mismatch,
                threshold: SRM_THRESHOLD,
            })
        }
        _ => None,
    };
    let attribution = attribution::attribute_edits(
        &arms,
        control,
        variants,
        &master_name,
        |reference, treatment| {
            comparison(
                (reference, &total_of(reference)),
                (treatment, &total_of(treatment)),
                primary,
                &settings,
            )
        },
        &mut notes,
    );
    let primary_rows: Vec<&ComparisonView> =
        comparisons.iter().filter(|c| c.metric == primary).collect();
    let cumulative = charts::cumulative_series(&arms, control, &days, primary, &settings);
    let cumulative_svg = charts::cumulative_lift_svg(&cumulative, primary).unwrap_or_else(|e| {
        notes.push(format!("cumulative chart: {e}"));
        String::new()
    });
    let forest_svg = charts::forest_svg(&primary_rows, primary).unwrap_or_else(|e| {
        notes.push(format!("forest plot: {e}"));
        String::new()
    });
    let correction_label = correction_label(&experiment.correction).to_string();
    Ok(ExperimentResults {
        experiment,
        master_name,
        primary_metric: primary,
        guardrails,
        arms: arm_views,
        comparisons,
        attribution,
        srm,
        correction_label,
        days,
        cumulative_svg,
        forest_svg,
        notes,
    })
}

/// All experiments, newest first.
pub fn list(conn: &mut DbConn<'_>) -> Result<Vec<Experiment>, ExperimentError> {
    Ok(experiments::list(conn)?)
}

#[cfg(test)]
mod tests {
    use analytics::stats::{AdDay, arm_metric};

    use super::*;

    fn rows() -> Vec<AdDay> {
        (0..12u32)
            .map(|i| AdDay {
                ad_id: format!("ad{}", i % 3),
                date: NaiveDate::from_ymd_opt(2026, 3, 1 + i / 3).unwrap(),
                impressions: 1000 + 37 * u64::from(i),
                clicks: 12 + u64::from(i % 5),
                spend: 5.0 + f64::from(i) * 0.25,
                conversions: f64::from(1 + i % 3),
                revenue: 20.0 + f64::from(i % 4) * 3.5,
            })
            .collect()
    }

    /// What the SQL query returns for `rows`, one ArmDay per row (the sums are over one row each).
    fn totals(rows: &[AdDay]) -> ArmTotals {
        let mut t = ArmTotals::default();
        for r in rows {
            let (i, c, s, v, rv) =
                (r.impressions as f64, r.clicks as f64, r.spend, r.conversions, r.revenue);
            t.add(&ArmDay {
                arm_id: 1,
                day: r.date,
                n: 1,
                imp: i,
                imp2: i * i,
                clk: c,
                clk2: c * c,
                clk_imp: c * i,
                conv: v,
                conv2: v * v,
                conv_clk: v * c,
                spend: s,
                spend2: s * s,
                spend_conv: s * v,
                spend_clk: s * c,
                spend_imp: s * i,
                rev: rv,
                rev2: rv * rv,
                rev_spend: rv * s,
            });
        }
        t
    }

    #[test]
    fn aggregated_sums_give_the_stats_modules_summaries() {
        let rows = rows();
        let t = totals(&rows);
        for metric in AdMetric::ALL {
            for model in [VarianceModel::AdDayClustered, VarianceModel::Binomial] {
                let ours = t.summary(metric, model).unwrap();
                let theirs =
                    arm_metric(&rows, metric, ArmTotals::effective_model(metric, model)).unwrap();
                assert_eq!(ours.n, theirs.n, "{metric:?} {model:?}");
                assert!((ours.mean - theirs.mean).abs() <= 1e-12 * theirs.mean.abs(), "{metric:?}");
                assert!(
                    (ours.variance - theirs.variance).abs() <= 1e-9 * theirs.variance.abs(),
                    "{metric:?} {model:?}: {} vs {}",
                    ours.variance,
                    theirs.variance
                );
            }
        }
    }

    #[test]
    fn verdicts_follow_the_metric_direction() {
        let inf = Inference {
            lift: -0.2,
            se: 0.05,
            ci_low: -0.3,
            ci_high: -0.1,
            p_value: Some(0.001),
            chance_to_win: None,
        };
        assert_eq!(verdict_for(&inf, None, AdMetric::Cpa, 0.05), Verdict::Winner);
        assert_eq!(verdict_for(&inf, None, AdMetric::Ctr, 0.05), Verdict::Loser);
        let unsure = Inference { p_value: Some(0.2), ..inf };
        assert_eq!(verdict_for(&unsure, None, AdMetric::Ctr, 0.05), Verdict::Inconclusive);
        let bayes = Inference { p_value: None, chance_to_win: Some(0.01), ..inf };
        assert_eq!(verdict_for(&bayes, Some(0.99), AdMetric::Cpc, 0.05), Verdict::Winner);
    }

    #[test]
    fn default_variance_model_is_the_a_a_validated_one() {
        assert_eq!(VarianceModel::default(), VarianceModel::AdDayClustered);
    }
}
