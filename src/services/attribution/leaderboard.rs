//! The variables leaderboard: each variable = value pooled across experiments, honestly.
//! - Only comparisons against the edit's true parent are pooled; a lift over the control standing in
//!   for a missing parent mixes in the ancestors' edits, so it is listed apart.
//! - A creative-day enters a pool once: two comparisons that share a creative over overlapping windows
//!   reuse the same rows, so only the more precise one is pooled and the other is set aside.
//! - The ad is the unit (two ads per arm at least), the pool is random effects with Hartung–Knapp
//!   intervals, and values are ranked by their conservative bound, not by the point estimate.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use analytics::stats::{
    AdMetric, LogLiftEstimate, PooledEffect, VarianceModel, pool_hartung_knapp,
};
use chrono::NaiveDate;
use serde::Serialize;

use super::reference_arm;
use crate::db::experiment_arms;
use crate::db::reporting::{self, VariantInfo};
use crate::db::workspaces::WorkspaceId;
use crate::db::{DbConn, experiments};
use crate::services::charts;
use crate::services::experiments::labels::arm_label;
use crate::services::experiments::{ExperimentError, MethodName, Settings, arm_data, compare};
use crate::services::grids;

/// One experiment's estimate of an edit.
#[derive(Debug, Clone, Serialize)]
pub struct Study {
    pub variable: String,
    pub value: String,
    pub experiment_id: i32,
    pub experiment_name: String,
    /// The treatment arm's label (lineage and code).
    pub arm_label: String,
    /// The reference arm's label.
    pub reference_label: String,
    /// Whether the reference is the edit's true parent.
    pub vs_parent: bool,
    /// Ads with data in the smaller arm.
    pub min_ads: u64,
    /// ln(treatment / reference) and its variance, ad as the unit.
    pub estimate: LogLiftEstimate,
    /// exp(log lift) − 1.
    pub relative_lift: f64,
    /// Normal 95 % interval of the relative lift.
    pub ci_low: f64,
    /// Upper bound.
    pub ci_high: f64,
    /// Why the study is not in the pool, if it is not.
    pub set_aside: Option<String>,
    /// The edit it measures (for a grid, the level's edit), for its creative card.
    pub variant_id: Option<i32>,
    /// The two creatives the comparison reads, as (master, variant).
    #[serde(skip)]
    creatives: [(i32, Option<i32>); 2],
    /// The window it reads.
    #[serde(skip)]
    window: (NaiveDate, NaiveDate),
}

impl Study {
    /// Whether the two comparisons read some of the same creative-days.
    fn overlaps(&self, other: &Study) -> bool {
        let shared = self.creatives.iter().any(|c| other.creatives.contains(c));
        shared && self.window.0 <= other.window.1 && other.window.0 <= self.window.1
    }
}

/// One row of the leaderboard: a variable = value pooled across experiments.
#[derive(Debug, Clone, Serialize)]
pub struct VariableEffect {
    /// The variable (`background`).
    pub variable: String,
    /// The value (`snow`).
    pub value: String,
    pub metric: AdMetric,
    /// How many experiments contributed.
    pub experiments: usize,
    /// How many masters contributed.
    pub masters: usize,
    /// The pooled effect (relative lift, Hartung–Knapp interval, p, I²).
    pub pooled: PooledEffect,
    /// The bound the ranking uses: the interval's lower end (upper for costs).
    pub rank_bound: f64,
    pub studies: Vec<Study>,
    /// True-parent studies left out because they reuse creative-days already pooled.
    pub set_aside: Vec<Study>,
}

/// A forest plot of one variable's values and their experiments.
#[derive(Debug, Clone, Serialize)]
pub struct VariableForest {
    pub variable: String,
    /// SVG markup.
    pub svg: String,
}

/// The leaderboard page: pooled rows, control fallbacks apart, forest plots.
#[derive(Debug, Clone, Serialize)]
pub struct Leaderboard {
    /// Pooled values, best conservative bound first.
    pub rows: Vec<VariableEffect>,
    /// Lifts over a control standing in for a missing parent: shown, never pooled.
    pub fallbacks: Vec<Study>,
    /// Comparisons without replication (one ad in an arm): not pooled.
    pub unreplicated: Vec<String>,
    /// One forest plot per variable.
    pub forests: Vec<VariableForest>,
}

/// The pooled rows only (the API and the CSV).
pub fn leaderboard(
    conn: &mut DbConn<'_>,
    ws: WorkspaceId,
    metric: AdMetric,
) -> Result<Vec<VariableEffect>, ExperimentError> {
    Ok(build(conn, ws, metric)?.rows)
}

/// Everything the page shows.
pub fn leaderboard_page(
    conn: &mut DbConn<'_>,
    ws: WorkspaceId,
    metric: AdMetric,
) -> Result<Leaderboard, ExperimentError> {
    let mut board = build(conn, ws, metric)?;
    let mut by_variable: BTreeMap<&str, Vec<&VariableEffect>> = BTreeMap::new();
    for row in &board.rows {
        by_variable.entry(row.variable.as_str()).or_default().push(row);
    }
    let mut forests = Vec::new();
    for (variable, rows) in by_variable {
        match charts::variable_forest_svg(variable, &rows, metric) {
            Ok(svg) => forests.push(VariableForest { variable: variable.to_string(), svg }),
            Err(e) => board.unreplicated.push(format!("forest plot of {variable}: {e}")),
        }
    }
    board.forests = forests;
    Ok(board)
}

/// Every study of every experiment of workspace `ws` on `metric`.
fn studies(
    conn: &mut DbConn<'_>,
    ws: WorkspaceId,
    metric: AdMetric,
    unreplicated: &mut Vec<String>,
) -> Result<Vec<Study>, ExperimentError> {
    let mut out = Vec::new();
    for experiment in experiments::list_in(conn, ws)? {
        // A grid's cells are combinations, not single edits: its evidence per variable is each
        // main effect, from all cells together.
        if let Some(evidence) = grids::leaderboard_evidence(conn, &experiment, metric)? {
            out.extend(evidence.into_iter().filter(|e| e.min_ads >= 2).map(|e| {
                let se = e.estimate.variance.sqrt();
                Study {
                    variable: e.variable,
                    value: e.value,
                    experiment_id: experiment.id,
                    experiment_name: experiment.name.clone(),
                    arm_label: e.label,
                    reference_label: "as in the master".into(),
                    vs_parent: true,
                    min_ads: e.min_ads,
                    estimate: e.estimate,
                    relative_lift: e.estimate.log_lift.exp_m1(),
                    ci_low: (e.estimate.log_lift - 1.959963984540054 * se).exp_m1(),
                    ci_high: (e.estimate.log_lift + 1.959963984540054 * se).exp_m1(),
                    set_aside: None,
                    variant_id: Some(e.level_variant_id),
                    creatives: [
                        (experiment.master_id, e.control_variant_id),
                        (experiment.master_id, Some(e.level_variant_id)),
                    ],
                    window: (experiment.start_date, experiment.end_date.unwrap_or(NaiveDate::MAX)),
                }
            }));
            continue;
        }
        let mut arms = experiment_arms::list_for_experiment(conn, experiment.id)?;
        let variants: HashMap<i32, VariantInfo> =
            reporting::variants_of_master(conn, experiment.master_id)?
                .into_iter()
                .map(|v| (v.id, v))
                .collect();
        let master_name = reporting::master_name(conn, experiment.master_id)?;
        for a in &mut arms {
            a.label =
                arm_label(a.variant_id.and_then(|v| variants.get(&v)), &variants, &master_name);
        }
        let Some(control) = arms.iter().find(|a| a.is_control) else { continue };
        let (start, end) = (experiment.start_date, experiment.end_date);
        let windows = reporting::arm_ad_windows(conn, experiment.id, start, end)?;
        let data = arm_data(&arms, &[], &windows, None);
        // The leaderboard always uses the A/A-validated unit, whatever the experiment displays.
        let settings = Settings {
            method: MethodName::Frequentist,
            variance: VarianceModel::AdClustered,
            correction: None,
            alpha: experiment.alpha,
            planned_ads_per_arm: None,
        };
        for arm in arms.iter().filter(|a| !a.is_control) {
            let Some(variant) = arm.variant_id.and_then(|v| variants.get(&v)) else { continue };
            let (reference, vs_parent) = reference_arm(&arms, control, arm, &variants);
            let (Some(a), Some(b)) = (data.get(&reference.id), data.get(&arm.id)) else { continue };
            let min_ads = a.ads_with_data().min(b.ads_with_data());
            if min_ads < 2 {
                if min_ads == 1 {
                    unreplicated.push(format!(
                        "{} in {}: one ad per arm, no replication",
                        arm.label, experiment.name
                    ));
                }
                continue;
            }
            // Arms without enough data for this metric simply do not contribute.
            let Ok(c) = compare(a, b, metric, &settings) else { continue };
            let Ok(estimate) = LogLiftEstimate::from_summaries(&c.reference, &c.treatment) else {
                continue;
            };
            let se = estimate.variance.sqrt();
            out.push(Study {
                variable: variant.variable.clone(),
                value: variant.value.clone(),
                experiment_id: experiment.id,
                experiment_name: experiment.name.clone(),
                arm_label: arm.label.clone(),
                reference_label: reference.label.clone(),
                vs_parent,
                min_ads,
                estimate,
                relative_lift: estimate.log_lift.exp_m1(),
                ci_low: (estimate.log_lift - 1.959963984540054 * se).exp_m1(),
                ci_high: (estimate.log_lift + 1.959963984540054 * se).exp_m1(),
                set_aside: None,
                variant_id: arm.variant_id,
                creatives: [
                    (experiment.master_id, reference.variant_id),
                    (experiment.master_id, arm.variant_id),
                ],
                window: (start, end.unwrap_or(NaiveDate::MAX)),
            });
        }
    }
    Ok(out)
}

/// Pools every variable = value across the experiments of workspace `ws` on `metric`, best
/// conservative bound first.
fn build(
    conn: &mut DbConn<'_>,
    ws: WorkspaceId,
    metric: AdMetric,
) -> Result<Leaderboard, ExperimentError> {
    let mut unreplicated = Vec::new();
    let (parent, fallbacks): (Vec<Study>, Vec<Study>) =
        studies(conn, ws, metric, &mut unreplicated)?.into_iter().partition(|s| s.vs_parent);
    let mut groups: BTreeMap<(String, String), Vec<Study>> = BTreeMap::new();
    for s in parent {
        groups.entry((s.variable.clone(), s.value.clone())).or_default().push(s);
    }
    let mut rows = Vec::with_capacity(groups.len());
    for ((variable, value), mut group) in groups {
        // The most precise study of overlapping ones is kept.
        group.sort_by(|a, b| a.estimate.variance.total_cmp(&b.estimate.variance));
        let (mut pooled, mut set_aside): (Vec<Study>, Vec<Study>) = (Vec::new(), Vec::new());
        for mut s in group {
            match pooled.iter().find(|p| p.overlaps(&s)) {
                Some(p) => {
                    s.set_aside = Some(format!(
                        "reuses creative-days of {} ({}), already pooled",
                        p.experiment_name, p.arm_label
                    ));
                    set_aside.push(s);
                }
                None => pooled.push(s),
            }
        }
        let estimates: Vec<LogLiftEstimate> = pooled.iter().map(|s| s.estimate).collect();
        let effect = pool_hartung_knapp(&estimates, 0.05)?;
        let experiments: BTreeSet<i32> = pooled.iter().map(|s| s.experiment_id).collect();
        let masters: BTreeSet<i32> = pooled.iter().map(|s| s.creatives[0].0).collect();
        let rank_bound = if metric.lower_is_better() { effect.ci_high } else { effect.ci_low };
        rows.push(VariableEffect {
            variable,
            value,
            metric,
            experiments: experiments.len(),
            masters: masters.len(),
            pooled: effect,
            rank_bound,
            studies: pooled,
            set_aside,
        });
    }
    let sign = if metric.lower_is_better() { 1.0 } else { -1.0 };
    rows.sort_by(|a, b| (sign * a.rank_bound).total_cmp(&(sign * b.rank_bound)));
    Ok(Leaderboard { rows, fallbacks, unreplicated, forests: Vec::new() })
}
