//! Attribution to each controlled edit: a variant's effect is measured against its parent arm (or the
//! control when the parent is not in the experiment), and a variable's effect is pooled across experiments
//! by inverse-variance meta-analysis of log lifts.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use analytics::stats::{AdMetric, LogLiftEstimate, PooledEffect, pool_log_lifts};
use serde::Serialize;

use crate::db::experiment_arms::{self, ExperimentArm};
use crate::db::reporting::{self, VariantInfo};
use crate::db::{DbConn, experiments};
use crate::services::experiments::{
    ArmTotals, AttributionView, ComparisonView, ExperimentError, parse_variance,
};

/// The arm a treatment is measured against: its parent's arm when the parent is in the experiment
/// (`true`), else the control (`false`).
pub fn reference_arm<'a>(
    arms: &'a [ExperimentArm],
    control: &'a ExperimentArm,
    arm: &ExperimentArm,
    variants: &HashMap<i32, VariantInfo>,
) -> (&'a ExperimentArm, bool) {
    let Some(variant) = arm.variant_id.and_then(|v| variants.get(&v)) else {
        return (control, false);
    };
    match arms.iter().find(|a| a.id != arm.id && a.variant_id == variant.parent_variant_id) {
        Some(parent) => (parent, true),
        None => (control, false),
    }
}

/// Each treatment's edit against its parent arm, compared by `compare(reference, treatment)`.
pub fn attribute_edits(
    arms: &[ExperimentArm],
    control: &ExperimentArm,
    variants: &HashMap<i32, VariantInfo>,
    master_name: &str,
    compare: impl Fn(&ExperimentArm, &ExperimentArm) -> Result<ComparisonView, String>,
    notes: &mut Vec<String>,
) -> Vec<AttributionView> {
    let mut out = Vec::new();
    for arm in arms.iter().filter(|a| !a.is_control) {
        let Some(variant) = arm.variant_id.and_then(|v| variants.get(&v)) else { continue };
        let (reference, vs_parent) = reference_arm(arms, control, arm, variants);
        let parent = if vs_parent {
            match reference.variant_id.and_then(|v| variants.get(&v)) {
                Some(p) => format!("{} = {}", p.variable, p.value),
                None => format!("master: {master_name}"),
            }
        } else {
            format!("{} (control; the parent is not an arm)", control.label)
        };
        match compare(reference, arm) {
            Ok(comparison) => out.push(AttributionView {
                edit: format!("{} = {}", variant.variable, variant.value),
                variable: variant.variable.clone(),
                value: variant.value.clone(),
                parent,
                vs_parent,
                comparison,
            }),
            Err(note) => notes.push(note),
        }
    }
    out
}

/// One row of the variables leaderboard: a variable = value pooled across experiments.
#[derive(Debug, Clone, Serialize)]
pub struct VariableEffect {
    /// The variable (`background`).
    pub variable: String,
    /// The value (`snow`).
    pub value: String,
    /// The metric pooled.
    pub metric: AdMetric,
    /// How many experiments contributed.
    pub experiments: usize,
    /// How many masters contributed.
    pub masters: usize,
    /// The pooled effect (relative lift, interval, p, I²).
    pub pooled: PooledEffect,
}

/// One variable = value's estimates, with the experiments and masters they came from.
type Group = (Vec<LogLiftEstimate>, BTreeSet<i32>, BTreeSet<i32>);

/// Pools every variable = value across experiments on `metric`, best first.
pub fn leaderboard(
    conn: &mut DbConn<'_>,
    metric: AdMetric,
) -> Result<Vec<VariableEffect>, ExperimentError> {
    let mut groups: BTreeMap<(String, String), Group> = BTreeMap::new();
    for experiment in experiments::list(conn)? {
        let arms = experiment_arms::list_for_experiment(conn, experiment.id)?;
        let Some(control) = arms.iter().find(|a| a.is_control) else { continue };
        let variants: HashMap<i32, VariantInfo> =
            reporting::variants_of_master(conn, experiment.master_id)?
                .into_iter()
                .map(|v| (v.id, v))
                .collect();
        let model = parse_variance(&experiment.variance_model)?;
        let days =
            reporting::arm_days(conn, experiment.id, experiment.start_date, experiment.end_date)?;
        let mut totals: HashMap<i32, ArmTotals> = HashMap::new();
        for d in &days {
            totals.entry(d.arm_id).or_default().add(d);
        }
        for arm in arms.iter().filter(|a| !a.is_control) {
            let Some(variant) = arm.variant_id.and_then(|v| variants.get(&v)) else { continue };
            let (reference, _) = reference_arm(&arms, control, arm, &variants);
            let (Some(a), Some(b)) = (totals.get(&reference.id), totals.get(&arm.id)) else {
                continue;
            };
            // Arms without enough data for this metric simply do not contribute.
            let (Ok(sa), Ok(sb)) = (a.summary(metric, model), b.summary(metric, model)) else {
                continue;
            };
            let Ok(estimate) = LogLiftEstimate::from_summaries(&sa, &sb) else { continue };
            let entry =
                groups.entry((variant.variable.clone(), variant.value.clone())).or_default();
            entry.0.push(estimate);
            entry.1.insert(experiment.id);
            entry.2.insert(experiment.master_id);
        }
    }
    let mut rows = Vec::with_capacity(groups.len());
    for ((variable, value), (estimates, exps, masters)) in groups {
        let pooled = pool_log_lifts(&estimates, 0.05)?;
        rows.push(VariableEffect {
            variable,
            value,
            metric,
            experiments: exps.len(),
            masters: masters.len(),
            pooled,
        });
    }
    let sign = if metric.lower_is_better() { 1.0 } else { -1.0 };
    rows.sort_by(|a, b| (sign * a.pooled.log_lift).total_cmp(&(sign * b.pooled.log_lift)));
    Ok(rows)
}
