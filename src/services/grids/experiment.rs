//! Creating an experiment over a grid: its control is the all-baseline cell and its treatments the
//! approved cells.

use super::parse_levels;
use crate::db::grids;
use crate::db::variants::VariantStatus;
use crate::db::workspaces::WorkspaceId;
use crate::db::{DbConn, variants};
use crate::services::experiments::{ArmSpec, ExperimentError, NewExperimentSpec};

/// Fills an experiment spec that names a grid: its control is the grid's all-baseline cell (the
/// master when every variable's first level is "as in the master") and, unless treatments are
/// listed, every other approved cell is a treatment. Listed treatments must be cells of the grid.
pub fn prepare_experiment(
    conn: &mut DbConn<'_>,
    ws: WorkspaceId,
    spec: &mut NewExperimentSpec,
) -> Result<(), ExperimentError> {
    let Some(grid_id) = spec.grid_id else { return Ok(()) };
    let grid = grids::find_in(conn, ws, grid_id).map_err(|e| match e {
        diesel::result::Error::NotFound => {
            ExperimentError::Invalid(format!("grid {grid_id} does not exist in this workspace"))
        }
        other => other.into(),
    })?;
    if grid.master_id != spec.master_id {
        return Err(ExperimentError::Invalid(format!(
            "grid {grid_id} is on master {}, not {}",
            grid.master_id, spec.master_id
        )));
    }
    let cells = grids::cells(conn, grid.id)?;
    let baseline =
        cells.iter().find(|c| parse_levels(&c.levels).is_some_and(|l| l.iter().all(|&x| x == 0)));
    spec.control_variant_id = baseline.map(|c| c.variant_id);
    let cell_variants: Vec<i32> = cells.iter().map(|c| c.variant_id).collect();
    if spec.treatments.is_empty() {
        for id in &cell_variants {
            if Some(*id) == spec.control_variant_id {
                continue;
            }
            if variants::find(conn, *id)?.status == VariantStatus::Approved {
                spec.treatments.push(ArmSpec { variant_id: *id, planned_weight: None });
            }
        }
        if spec.treatments.is_empty() {
            return Err(ExperimentError::Invalid(
                "no cell of this grid is approved yet: review the grid first".into(),
            ));
        }
    } else if let Some(t) = spec.treatments.iter().find(|t| !cell_variants.contains(&t.variant_id))
    {
        return Err(ExperimentError::Invalid(format!(
            "variant {} is not a cell of grid {grid_id}",
            t.variant_id
        )));
    }
    Ok(())
}
