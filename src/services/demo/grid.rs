//! The demo's modular grid: spoon {as in the master, removed} × background {as in the master, brick
//! wall}, composed and bulk-reviewed by the same code a user's actions run, then three more weeks of
//! generated performance over its cells (ad names as the bulk export writes them) and an experiment
//! over them, so that the grid page's heatmap, the factorial analysis and the leaderboard have data.

use chrono::{Days, NaiveDate};

use super::performance::{Arm, Campaign, generated_meta_csv, import_csv};
use super::{DAYS, DemoError};
use crate::config::ReviewSettings;
use crate::db::workspaces::WorkspaceId;
use crate::jobs::WorkerContext;
use crate::services::experiments;
use crate::services::grids::{self, BulkAction, GridSpec, GridVariable};

/// The grid's name.
pub const DEMO_GRID_NAME: &str = "Espresso hero: spoon × background";
/// File name the grid's import is recorded under.
pub const DEMO_GRID_IMPORT_FILENAME: &str = "demo-grid-meta-export.csv";
/// CTR lift of removing the spoon, with the background as in the master (the same edit's lift in the
/// demo's first experiment, so the leaderboard's studies agree).
pub const SPOON_REMOVED_LIFT: f64 = 0.08;
/// CTR lift of the brick wall, with the spoon as in the master.
pub const BRICK_WALL_LIFT: f64 = -0.06;
/// The extra CTR lift of both edits together, beyond their separate lifts: a small interaction.
pub const TOGETHER_LIFT: f64 = 0.03;
/// Ads per cell: twice the first experiment's, so that a main effect of a few percent stands out
/// (a main effect's standard error was 0.024 on the log scale with six ads per cell, 0.017 with 12).
pub const GRID_ADS_PER_CELL: usize = 12;

/// The planted relative CTR effect of the cell at `levels` (spoon, background; 0 = as in the master).
pub fn planted_cell_effect(levels: &[usize]) -> f64 {
    let on = |i: usize| levels.get(i).is_some_and(|&l| l > 0);
    let mut factor = 1.0;
    if on(0) {
        factor *= 1.0 + SPOON_REMOVED_LIFT;
    }
    if on(1) {
        factor *= 1.0 + BRICK_WALL_LIFT;
    }
    if on(0) && on(1) {
        factor *= 1.0 + TOGETHER_LIFT;
    }
    factor - 1.0
}

/// The planted main effects of spoon and background and their interaction on the log scale, as the
/// factorial analysis defines them: a main effect is averaged over the other variable's levels, so
/// each carries half the interaction.
pub fn planted_log_effects() -> ([f64; 2], f64) {
    let half = TOGETHER_LIFT.ln_1p() / 2.0;
    ([SPOON_REMOVED_LIFT.ln_1p() + half, BRICK_WALL_LIFT.ln_1p() + half], TOGETHER_LIFT.ln_1p())
}

/// What the grid seeding made.
pub(super) struct SeededGrid {
    pub grid_id: i32,
    pub experiment_id: i32,
    pub rows: usize,
}

/// Composes the grid over the approved edits `spoon` and `brick` of the master, approves its cells,
/// imports their generated performance from `start` and creates the experiment over them.
pub(super) fn seed_grid(
    ctx: &WorkerContext,
    (ws, admin): (WorkspaceId, i32),
    master_id: i32,
    (spoon, brick): (i32, i32),
    start: NaiveDate,
) -> Result<SeededGrid, DemoError> {
    let spec = GridSpec {
        master_id,
        name: Some(DEMO_GRID_NAME.into()),
        variables: vec![
            GridVariable { variable: "spoon".into(), levels: vec![None, Some(spoon)] },
            GridVariable { variable: "background".into(), levels: vec![None, Some(brick)] },
        ],
        fractional: false,
    };
    let grid = ctx.pool.run(|c| {
        grids::create(c, &ctx.blobs, &ctx.settings, &spec, ws, Some(admin)).map_err(DemoError::from)
    })?;
    // One admin makes and approves, as for the demo's variants: four eyes waived for a one-person
    // team, every cell through the grid's bulk review.
    let one_person = ReviewSettings { allow_self_approval: true };
    for (action, comment) in [
        (BulkAction::Submit, "Demo: ready for review."),
        (BulkAction::Approve, "Demo: approved for testing."),
    ] {
        let outcome = ctx.pool.run(|c| {
            grids::bulk_review(c, ws, grid.id, admin, action, &[], comment, &one_person)
                .map_err(DemoError::from)
        })?;
        if !outcome.skipped.is_empty() {
            return Err(DemoError::GridReview(outcome.skipped.join("; ")));
        }
    }
    // The ads carry the names the bulk export gives each cell, as after an upload to Meta.
    let arms: Vec<Arm> = grid
        .cells
        .iter()
        .map(|c| Arm {
            name: grids::ad_name(&c.code, &grid.name, &c.label),
            ctr_effect: planted_cell_effect(&c.levels),
        })
        .collect();
    let campaign = Campaign {
        name: "Spoon x background grid",
        id: "120200000000000002",
        first_arm: super::EDITS.len() + 1,
        // Of the first 400 seeds, the one whose cells land nearest the planted effects (spoon
        // +9.3 %, background -4.7 %, together +2.5 % on the log scale: the demo should show what
        // it plants; the statistics' coverage is checked over thousands of draws in `analytics`).
        seed: 0x5eed_00fc,
        ads_per_arm: GRID_ADS_PER_CELL,
        start,
    };
    let csv = generated_meta_csv(&campaign, &arms);
    let rows = import_csv(ctx, ws, admin, &csv, DEMO_GRID_IMPORT_FILENAME)?;
    let spec = experiments::NewExperimentSpec {
        master_id,
        name: "Espresso hero: spoon × background grid".into(),
        start_date: start,
        end_date: start.checked_add_days(Days::new(DAYS - 1)),
        primary_metric: "ctr".into(),
        guardrail_metrics: vec!["cpa".into(), "roas".into()],
        method: "frequentist".into(),
        variance_model: None,
        correction: None,
        alpha: None,
        // The grid names the control (its all-baseline cell) and the treatments (its other
        // approved cells); the plan is an equal split of GRID_ADS_PER_CELL ads per cell.
        control_variant_id: None,
        control_planned_weight: None,
        planned_ads_per_arm: Some(GRID_ADS_PER_CELL as i32),
        grid_id: Some(grid.id),
        treatments: Vec::new(),
        created_by: Some(admin),
    };
    let experiment =
        ctx.pool.run(|c| experiments::create_experiment(c, ws, spec).map_err(DemoError::from))?;
    Ok(SeededGrid { grid_id: grid.id, experiment_id: experiment.id, rows })
}
