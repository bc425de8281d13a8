//! Reading grids: a grid's page (levels, cells with their audits, the image matrix, review counts),
//! and a master's grids with the levels a new grid can use.

use std::collections::HashMap;

use serde::Serialize;

use super::create::GRID_OPERATION;
use super::matrix::{Matrix, layout};
use super::{GridError, GridVariable, parse_levels};
use crate::db::grids::{self, Grid};
use crate::db::variants::{Variant, VariantStatus};
use crate::db::workspaces::WorkspaceId;
use crate::db::{DbConn, experiment_arms, experiments, masters, reporting, variants};

/// A level of a variable.
#[derive(Debug, Clone, Serialize)]
pub struct LevelView {
    /// The edit, or `None` for "as in the master".
    pub variant_id: Option<i32>,
    pub code: Option<String>,
    /// The edit's value, or `as in the master`.
    pub value: String,
}

/// A variable and its levels.
#[derive(Debug, Clone, Serialize)]
pub struct VariableView {
    pub variable: String,
    pub levels: Vec<LevelView>,
}

/// One cell: its levels, its variant and audit.
#[derive(Debug, Clone, Serialize)]
pub struct CellView {
    pub levels: Vec<usize>,
    /// `background: city · jacket: as in the master`.
    pub label: String,
    /// The cell's variant (the all-master cell is one too, identical to the master).
    pub variant_id: i32,
    pub code: String,
    pub status: VariantStatus,
    /// Whether the cell audit found it exact.
    pub controlled: Option<bool>,
    /// Pixels outside the union of its levels' masks that differ from the master.
    pub changed_outside_mask_px: Option<i64>,
    pub audit_note: Option<String>,
    pub image_url: String,
    /// Its fitted lift over the baseline cell in the grid's latest experiment, once it has data.
    pub lift: Option<f64>,
    /// The heatmap class of that lift (see `FactorialView`).
    pub heat: Option<String>,
}

/// How many cells are in each review status.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StatusCounts {
    pub draft: usize,
    pub in_review: usize,
    pub approved: usize,
    pub rejected: usize,
}

/// The fraction a grid runs, when it does not run every combination.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct FractionView {
    /// How it was built.
    pub construction: String,
    /// Cells of the full grid.
    pub full_size: usize,
    /// What it confounds, in words.
    pub notes: Vec<String>,
}

/// An experiment run over the grid.
#[derive(Debug, Clone, Serialize)]
pub struct ExperimentLink {
    pub id: i32,
    pub name: String,
}

/// A grid's page and the API's answer.
#[derive(Debug, Clone, Serialize)]
pub struct GridView {
    pub id: i32,
    pub master_id: i32,
    pub master_name: String,
    pub name: String,
    pub variables: Vec<VariableView>,
    /// Run cells in creation order.
    pub cells: Vec<CellView>,
    /// The cells as an image matrix.
    pub matrix: Matrix<CellView>,
    pub fraction: Option<FractionView>,
    pub counts: StatusCounts,
    pub experiments: Vec<ExperimentLink>,
    /// The experiment whose lifts colour the cells, if one has data.
    pub lifts_from: Option<ExperimentLink>,
    pub created_at: chrono::NaiveDateTime,
}

/// The grid `id` of workspace `ws`.
pub fn show(conn: &mut DbConn<'_>, ws: WorkspaceId, id: i32) -> Result<GridView, GridError> {
    let grid = grids::find_in(conn, ws, id)?;
    let master = masters::find_in(conn, ws, grid.master_id)?;
    let by_id: HashMap<i32, Variant> =
        variants::for_master(conn, grid.master_id)?.into_iter().map(|v| (v.id, v)).collect();
    let design = design_of(&grid)?;
    let variables = variables_view(&design, &by_id);
    let mut counts = StatusCounts::default();
    let mut cells = Vec::new();
    for row in grids::cells(conn, grid.id)? {
        let levels = parse_levels(&row.levels)
            .ok_or_else(|| GridError::Invalid(format!("stored cell levels `{}`", row.levels)))?;
        let v = by_id.get(&row.variant_id).ok_or_else(|| {
            GridError::Invalid(format!("cell variant {} is missing", row.variant_id))
        })?;
        match v.status {
            VariantStatus::Draft => counts.draft += 1,
            VariantStatus::InReview => counts.in_review += 1,
            VariantStatus::Approved => counts.approved += 1,
            VariantStatus::Rejected => counts.rejected += 1,
        }
        cells.push(CellView {
            label: cell_label(&variables, &levels),
            levels,
            variant_id: v.id,
            code: v.code.clone(),
            status: v.status,
            controlled: v.controlled,
            changed_outside_mask_px: v.changed_outside_mask_px,
            audit_note: v.audit_note.clone(),
            image_url: format!("/variants/{}/result.png", v.id),
            lift: None,
            heat: None,
        });
    }
    let names = level_names(&variables);
    let matrix = layout(&names, |l| cells.iter().find(|c| c.levels == l).cloned());
    let fraction = grid.fraction.as_deref().and_then(|f| serde_json::from_str(f).ok());
    let experiments = grids::experiments_of(conn, grid.id)?
        .into_iter()
        .map(|(id, name)| ExperimentLink { id, name })
        .collect();
    Ok(GridView {
        id: grid.id,
        master_id: grid.master_id,
        master_name: master.name,
        name: grid.name,
        variables,
        cells,
        matrix,
        fraction,
        counts,
        experiments,
        lifts_from: None,
        created_at: grid.created_at,
    })
}

/// The grid's page: [`show`], with each cell coloured by its fitted lift in the grid's latest
/// experiment once that experiment has data to fit.
pub fn page(conn: &mut DbConn<'_>, ws: WorkspaceId, id: i32) -> Result<GridView, GridError> {
    let mut view = show(conn, ws, id)?;
    let Some(latest) = view.experiments.last().cloned() else { return Ok(view) };
    let experiment = experiments::find_in(conn, ws, latest.id)?;
    let arms = experiment_arms::list_for_experiment(conn, experiment.id)?;
    let windows =
        reporting::arm_ad_windows(conn, experiment.id, experiment.start_date, experiment.end_date)?;
    let heat = super::factorial_for_experiment(conn, &experiment, &arms, &windows)?
        .and_then(|f| f.heatmap);
    let Some(heat) = heat else { return Ok(view) };
    let lifts: Vec<(Vec<usize>, f64, String)> = heat
        .rows
        .into_iter()
        .flat_map(|r| r.cells)
        .flatten()
        .map(|c| (c.levels, c.lift, c.heat))
        .collect();
    let colour = |c: &mut CellView| {
        if let Some((_, lift, heat)) = lifts.iter().find(|l| l.0 == c.levels) {
            c.lift = Some(*lift);
            c.heat = Some(heat.clone());
        }
    };
    view.cells.iter_mut().for_each(colour);
    view.matrix.rows.iter_mut().flat_map(|r| r.cells.iter_mut()).flatten().for_each(colour);
    view.lifts_from = Some(latest);
    Ok(view)
}

/// The variables with their levels' codes and values.
pub(super) fn variables_view(
    design: &[GridVariable],
    by_id: &HashMap<i32, Variant>,
) -> Vec<VariableView> {
    design
        .iter()
        .map(|v| VariableView {
            variable: v.variable.clone(),
            levels: v
                .levels
                .iter()
                .map(|l| {
                    let found = l.and_then(|id| by_id.get(&id));
                    LevelView {
                        variant_id: *l,
                        code: found.map(|f| f.code.clone()),
                        value: found.map_or_else(|| "as in the master".into(), |f| f.value.clone()),
                    }
                })
                .collect(),
        })
        .collect()
}

/// The stored design.
pub(super) fn design_of(grid: &Grid) -> Result<Vec<GridVariable>, GridError> {
    serde_json::from_str(&grid.design)
        .map_err(|e| GridError::Invalid(format!("grid {} has an unreadable design: {e}", grid.id)))
}

/// (variable, level names) for [`layout`].
pub(super) fn level_names(variables: &[VariableView]) -> Vec<(String, Vec<String>)> {
    variables
        .iter()
        .map(|v| {
            let names = v
                .levels
                .iter()
                .map(|l| match &l.code {
                    Some(code) => format!("{} ({code})", l.value),
                    None => l.value.clone(),
                })
                .collect();
            (v.variable.clone(), names)
        })
        .collect()
}

/// `background: city · jacket: as in the master`.
pub(super) fn cell_label(variables: &[VariableView], levels: &[usize]) -> String {
    variables
        .iter()
        .zip(levels)
        .map(|(v, &l)| {
            format!("{}: {}", v.variable, v.levels.get(l).map_or("?", |x| x.value.as_str()))
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// A grid in a master's list.
#[derive(Debug, Clone, Serialize)]
pub struct GridSummary {
    pub id: i32,
    pub name: String,
    pub created_at: chrono::NaiveDateTime,
}

/// An edit that can be a level.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub variant_id: i32,
    pub code: String,
    pub value: String,
}

/// A variable with the edits that can be its levels.
#[derive(Debug, Clone, Serialize)]
pub struct CandidateVariable {
    pub variable: String,
    pub levels: Vec<Candidate>,
}

/// A master's grids and what a new one can be made of.
#[derive(Debug, Clone, Serialize)]
pub struct GridIndex {
    pub master_id: i32,
    pub master_name: String,
    pub grids: Vec<GridSummary>,
    /// The master's approved, controlled direct edits, by variable.
    pub candidates: Vec<CandidateVariable>,
}

/// The grids of master `master_id` of workspace `ws`, and the levels a new grid can use.
pub fn index(
    conn: &mut DbConn<'_>,
    ws: WorkspaceId,
    master_id: i32,
) -> Result<GridIndex, GridError> {
    let master = masters::find_in(conn, ws, master_id)?;
    let grids = grids::for_master(conn, master_id)?
        .into_iter()
        .map(|g| GridSummary { id: g.id, name: g.name, created_at: g.created_at })
        .collect();
    let mut candidates: Vec<CandidateVariable> = Vec::new();
    let usable = variants::for_master(conn, master_id)?.into_iter().filter(|v| {
        v.parent_variant_id.is_none()
            && v.operation != GRID_OPERATION
            && v.status == VariantStatus::Approved
            && v.controlled == Some(true)
    });
    for v in usable {
        let c = Candidate { variant_id: v.id, code: v.code, value: v.value };
        match candidates.iter_mut().find(|x| x.variable == v.variable) {
            Some(x) => x.levels.push(c),
            None => candidates.push(CandidateVariable { variable: v.variable, levels: vec![c] }),
        }
    }
    Ok(GridIndex { master_id, master_name: master.name, grids, candidates })
}
