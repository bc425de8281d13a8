//! The factorial analysis of an experiment over a grid (main effects, two-way interactions, the best
//! combination, a heatmap of cell lifts), and each main effect as its variable's evidence for the
//! leaderboard.

use std::collections::HashMap;

use analytics::design::model::Term;
use analytics::stats::{
    AdMetric, Effect, FactorialCell, FactorialFit, LogLiftEstimate, ad_clustered, factorial,
};
use serde::Serialize;

use super::matrix::{Matrix, layout};
use super::view::{VariableView, cell_label, design_of, level_names};
use super::{GridVariable, parse_levels};
use crate::db::experiment_arms::{self, ExperimentArm};
use crate::db::experiments::Experiment;
use crate::db::grids::{self, GridCell};
use crate::db::reporting::{self, ArmAdWindow};
use crate::db::variants::Variant;
use crate::db::{DbConn, variants};
use crate::services::experiments::{ExperimentError, arm_data, parse_metric};

/// One effect, in words and numbers.
#[derive(Debug, Clone, Serialize)]
pub struct EffectRow {
    /// `background = city vs as in the master`.
    pub label: String,
    /// Relative lift, exp(log effect) − 1.
    pub lift: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub p_value: f64,
    /// Satterthwaite degrees of freedom.
    pub dof: f64,
    /// Whether the interval excludes no effect.
    pub significant: bool,
}

/// A cell of the heatmap.
#[derive(Debug, Clone, Serialize)]
pub struct HeatCell {
    pub levels: Vec<usize>,
    pub label: String,
    pub code: Option<String>,
    pub variant_id: Option<i32>,
    pub image_url: String,
    /// Fitted lift over the baseline cell.
    pub lift: f64,
    /// Whether the cell ran (a fraction's other cells are predictions).
    pub observed: bool,
    /// Ads with data.
    pub ads: u64,
    /// CSS class of its colour (the page's policy allows no inline styles): `heat-better-1` to
    /// `-4` where better than the baseline, `heat-worse-1` to `-4` where worse, stronger further away,
    /// and `heat-flat` for the baseline itself.
    pub heat: String,
}

/// The best run combination.
#[derive(Debug, Clone, Serialize)]
pub struct BestView {
    pub label: String,
    pub code: Option<String>,
    pub lift: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// Cells it was picked from.
    pub candidates: usize,
    /// Why the interval is wider than a single comparison's.
    pub note: String,
}

/// The factorial section of an experiment's results.
#[derive(Debug, Clone, Serialize)]
pub struct FactorialView {
    pub grid_id: i32,
    pub grid_name: String,
    /// The metric analysed (the primary metric).
    pub metric: AdMetric,
    pub interactions_fitted: bool,
    pub main_effects: Vec<EffectRow>,
    pub interactions: Vec<EffectRow>,
    pub best: Option<BestView>,
    pub heatmap: Option<Matrix<HeatCell>>,
    /// The fewest ads with data in a cell.
    pub min_ads: u64,
    /// What kept numbers from being computed, or what a reader must know.
    pub notes: Vec<String>,
}

/// A grid experiment's data, ready to fit.
struct GridData {
    grid_id: i32,
    grid_name: String,
    design: Vec<GridVariable>,
    variables: Vec<VariableView>,
    /// Per run cell with data: its levels, its summary, its variant (`None`: the master arm standing
    /// in for a baseline cell the fraction did not run).
    cells: Vec<(Vec<usize>, analytics::stats::ClusteredSummary, Option<i32>)>,
    codes: HashMap<i32, String>,
    notes: Vec<String>,
}

/// Loads the cells of the grid experiment `experiment` with their ad-clustered `metric`, or `None`
/// when the experiment is not over a grid.
fn load(
    conn: &mut DbConn<'_>,
    experiment: &Experiment,
    arms: &[ExperimentArm],
    windows: &[ArmAdWindow],
    metric: AdMetric,
) -> Result<Option<GridData>, ExperimentError> {
    let Some(grid_id) = grids::grid_of_experiment(conn, experiment.id)? else { return Ok(None) };
    let grid = grids::find(conn, grid_id)?;
    let design = design_of(&grid).map_err(|e| ExperimentError::Invalid(e.to_string()))?;
    let by_id: HashMap<i32, Variant> =
        variants::for_master(conn, grid.master_id)?.into_iter().map(|v| (v.id, v)).collect();
    let variables = super::view::variables_view(&design, &by_id);
    let cell_rows: Vec<GridCell> = grids::cells(conn, grid.id)?;
    let data = arm_data(arms, &[], windows, None);
    let mut notes = Vec::new();
    let mut cells = Vec::new();
    // The master is pixel-identical to the all-baseline cell when every first level is "as in the
    // master", so a master arm stands in for that cell when the fraction did not run it.
    let baseline = vec![0usize; design.len()];
    let master_is_baseline = design.iter().all(|v| v.levels.first() == Some(&None))
        && !cell_rows.iter().any(|c| parse_levels(&c.levels).as_ref() == Some(&baseline));
    for arm in arms {
        let found = match arm.variant_id {
            Some(id) => {
                cell_rows.iter().find(|c| c.variant_id == id).and_then(|c| parse_levels(&c.levels))
            }
            None => master_is_baseline.then(|| baseline.clone()),
        };
        let Some(levels) = found else {
            notes.push(format!(
                "{} is not a cell of the grid: left out of the factorial fit",
                arm.label
            ));
            continue;
        };
        let ads = data.get(&arm.id).map(|d| d.ads.clone()).unwrap_or_default();
        match ad_clustered(&ads, metric) {
            Ok(s) => cells.push((levels, s, arm.variant_id)),
            Err(e) => notes.push(format!("{} left out of the factorial fit: {e}", arm.label)),
        }
    }
    let codes = by_id.into_iter().map(|(id, v)| (id, v.code)).collect();
    Ok(Some(GridData { grid_id, grid_name: grid.name, design, variables, cells, codes, notes }))
}

fn fit(d: &GridData, alpha: f64, metric: AdMetric) -> Result<FactorialFit, String> {
    let sizes: Vec<usize> = d.design.iter().map(|v| v.levels.len()).collect();
    let cells: Vec<FactorialCell<'_>> =
        d.cells.iter().map(|(l, s, _)| FactorialCell { levels: l, summary: *s }).collect();
    factorial(&sizes, &cells, alpha, metric.lower_is_better()).map_err(|e| e.to_string())
}

/// The name of a level: `city (LM-AB12)` or `as in the master`.
fn level_label(vars: &[VariableView], factor: usize, level: usize) -> String {
    let Some(v) = vars.get(factor) else { return "?".into() };
    match v.levels.get(level) {
        Some(l) => match &l.code {
            Some(code) => format!("{} = {} ({code})", v.variable, l.value),
            None => format!("{} {}", v.variable, l.value),
        },
        None => "?".into(),
    }
}

fn effect_row(vars: &[VariableView], e: &Effect, alpha: f64) -> EffectRow {
    let label = match e.term {
        Term::Main { factor, level } => {
            format!("{} vs {}", level_label(vars, factor, level), level_label(vars, factor, 0))
        }
        Term::Interaction { a, la, b, lb } => {
            format!("{} × {}", level_label(vars, a, la), level_label(vars, b, lb))
        }
        Term::Intercept => "baseline".into(),
    };
    EffectRow {
        label,
        lift: e.lift,
        ci_low: e.ci_low,
        ci_high: e.ci_high,
        p_value: e.p_value,
        dof: e.dof,
        significant: e.p_value < alpha,
    }
}

/// The factorial section of grid experiment `experiment`, or `None` when it is not over a grid.
pub fn factorial_for_experiment(
    conn: &mut DbConn<'_>,
    experiment: &Experiment,
    arms: &[ExperimentArm],
    windows: &[ArmAdWindow],
) -> Result<Option<FactorialView>, ExperimentError> {
    let metric = parse_metric(&experiment.primary_metric)?;
    let Some(mut d) = load(conn, experiment, arms, windows, metric)? else { return Ok(None) };
    let mut view = FactorialView {
        grid_id: d.grid_id,
        grid_name: d.grid_name.clone(),
        metric,
        interactions_fitted: false,
        main_effects: Vec::new(),
        interactions: Vec::new(),
        best: None,
        heatmap: None,
        min_ads: 0,
        notes: std::mem::take(&mut d.notes),
    };
    let f = match fit(&d, experiment.alpha, metric) {
        Ok(f) => f,
        Err(e) => {
            view.notes.push(format!("no factorial estimate yet: {e}"));
            return Ok(Some(view));
        }
    };
    let vars = &d.variables;
    view.interactions_fitted = f.interactions_fitted;
    view.main_effects =
        f.main_effects.iter().map(|e| effect_row(vars, e, experiment.alpha)).collect();
    view.interactions =
        f.interactions.iter().map(|e| effect_row(vars, e, experiment.alpha)).collect();
    view.min_ads = f.min_ads;
    if !f.interactions_fitted {
        view.notes.push(
            "the run cells cannot separate two-way interactions, so the model has main effects \
             only and assumes the interactions are negligible"
                .into(),
        );
    }
    if f.min_ads < analytics::stats::MIN_REPLICATED_ADS {
        view.notes.push(format!(
            "a cell has only {} ads with data: the intervals are validated from {} per cell",
            f.min_ads,
            analytics::stats::MIN_REPLICATED_ADS
        ));
    }
    let variant_of = |levels: &[usize]| d.cells.iter().find(|c| c.0 == levels).and_then(|c| c.2);
    view.best = f.best.as_ref().map(|b| {
        let id = variant_of(&b.levels);
        BestView {
            label: cell_label(vars, &b.levels),
            code: id.and_then(|i| d.codes.get(&i).cloned()),
            lift: b.effect.lift,
            ci_low: b.effect.ci_low,
            ci_high: b.effect.ci_high,
            candidates: b.candidates,
            note: format!(
                "picked as the best of {} cells, so its interval is Bonferroni-adjusted ({:.1} % \
                 per cell) to stay honest about the selection",
                b.candidates,
                100.0 * (1.0 - b.alpha_per_cell)
            ),
        }
    });
    let spread = f.cells.iter().map(|c| c.lift.abs()).fold(0.0, f64::max).max(1e-9);
    let master_id = experiment.master_id;
    let better = |lift: f64| if metric.lower_is_better() { -lift } else { lift };
    view.heatmap = Some(layout(&level_names(vars), |levels| {
        let c = f.cells.iter().find(|c| c.levels == levels)?;
        let id = variant_of(levels);
        // Four steps of the largest lift on the page, so the matrix reads at a glance.
        let step = ((c.lift.abs() / spread).clamp(0.0, 1.0) * 4.0).ceil() as u8;
        let heat = match (step, better(c.lift) >= 0.0) {
            (0, _) => "heat-flat".to_string(),
            (s, true) => format!("heat-better-{s}"),
            (s, false) => format!("heat-worse-{s}"),
        };
        Some(HeatCell {
            levels: levels.to_vec(),
            label: cell_label(vars, levels),
            code: id.and_then(|i| d.codes.get(&i).cloned()),
            variant_id: id,
            image_url: match id {
                Some(i) => format!("/variants/{i}/result.png"),
                None => format!("/masters/{master_id}/image"),
            },
            lift: c.lift,
            observed: c.observed,
            ads: c.ads,
            heat,
        })
    }));
    Ok(Some(view))
}

/// One main effect of a grid experiment as its variable's evidence.
#[derive(Debug, Clone, Serialize)]
pub struct MainEffectEvidence {
    pub variable: String,
    pub value: String,
    pub level_variant_id: i32,
    /// The experiment's control arm (the baseline cell, or `None` for the master): the creative whose
    /// days the estimate shares with other experiments.
    pub control_variant_id: Option<i32>,
    /// `grid <name>: <variable> = <value> (main effect over n cells)`.
    pub label: String,
    /// ln(level / as in the master), averaged over the other variables, and its variance.
    pub estimate: LogLiftEstimate,
    /// The fewest ads with data in a cell.
    pub min_ads: u64,
}

/// The main effects of experiment `experiment` on `metric` when it runs over a grid (`None` when it
/// does not). Only levels compared with "as in the master" are evidence for a variable's value; a
/// variable whose first level is itself an edit is left out.
pub fn leaderboard_evidence(
    conn: &mut DbConn<'_>,
    experiment: &Experiment,
    metric: AdMetric,
) -> Result<Option<Vec<MainEffectEvidence>>, ExperimentError> {
    if grids::grid_of_experiment(conn, experiment.id)?.is_none() {
        return Ok(None);
    }
    let arms = experiment_arms::list_for_experiment(conn, experiment.id)?;
    let windows =
        reporting::arm_ad_windows(conn, experiment.id, experiment.start_date, experiment.end_date)?;
    let Some(d) = load(conn, experiment, &arms, &windows, metric)? else { return Ok(None) };
    let Ok(f) = fit(&d, experiment.alpha, metric) else { return Ok(Some(Vec::new())) };
    let mut out = Vec::new();
    for e in &f.main_effects {
        let Term::Main { factor, level } = e.term else { continue };
        let Some(var) = d.design.get(factor) else { continue };
        if var.levels.first() != Some(&None) {
            continue;
        }
        let Some(Some(variant_id)) = var.levels.get(level).copied() else { continue };
        let value = d
            .variables
            .get(factor)
            .and_then(|v| v.levels.get(level))
            .map(|l| l.value.clone())
            .unwrap_or_default();
        out.push(MainEffectEvidence {
            variable: var.variable.clone(),
            label: format!(
                "grid {}: {} = {value} (main effect over {} cells)",
                d.grid_name,
                var.variable,
                d.cells.len()
            ),
            value,
            level_variant_id: variant_id,
            control_variant_id: arms.iter().find(|a| a.is_control).and_then(|a| a.variant_id),
            estimate: LogLiftEstimate { log_lift: e.log_effect, variance: e.se * e.se },
            min_ads: f.min_ads,
        });
    }
    Ok(Some(out))
}
