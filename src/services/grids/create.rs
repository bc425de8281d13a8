//! Creating a grid: check the levels (approved, controlled edits of the master, on disjoint regions of
//! their variable), compose every run combination exactly, audit each cell against its master and
//! levels, and store the cells as variants of the master.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use analytics::design::model::full_grid;
use analytics::design::propose_fraction;
use image::{GrayImage, RgbImage};

use super::view::{GridView, show};
use super::{GridError, GridSpec, LEVELS, MAX_CELLS, VARIABLES, levels_key};
use crate::blobs::{BlobId, BlobStore};
use crate::config::Settings;
use crate::db::grids::{self, NewGrid};
use crate::db::variants::{AuditUpdate, NewVariant, Variant, VariantStatus};
use crate::db::workspaces::WorkspaceId;
use crate::db::{DbConn, audit_log, masters, variant_pictures, variants};
use crate::services::imaging;
use crate::services::pictures;
use crate::services::variants::{Operation, Params, Variable, decode_parent, fresh_code};

/// The operation stored on a cell variant: composed from its levels, never rendered by a job.
pub const GRID_OPERATION: &str = "grid";

/// A cell's region is exactly the union of its levels' regions, already grown and feathered, so
/// nothing grows or feathers it again.
const CELL_PARAMS: &str = r#"{"grow":0,"feather":0}"#;

/// A level's pixels: the edit and its grown, feathered region.
struct LevelPixels {
    variant: Variant,
    edit: RgbImage,
    alpha: GrayImage,
}

/// A composed cell, ready to store.
struct ComposedCell {
    levels: Vec<usize>,
    value: String,
    result_sha: BlobId,
    mask_sha: BlobId,
    pictures: pictures::DerivedPictures,
    audit: ::imaging::CellAudit,
    pixels: u64,
    levels_used: usize,
}

/// Creates the grid described by `spec` on a master of workspace `ws` and returns its view.
pub fn create(
    conn: &mut DbConn<'_>,
    blobs: &Arc<dyn BlobStore>,
    settings: &Settings,
    spec: &GridSpec,
    ws: WorkspaceId,
    user_id: Option<i32>,
) -> Result<GridView, GridError> {
    check_shape(spec)?;
    let master = masters::find_in(conn, ws, spec.master_id)?;
    let mut levels: HashMap<i32, LevelPixels> = HashMap::new();
    for var in &spec.variables {
        for id in var.levels.iter().flatten() {
            let v = variants::find_in(conn, ws, *id).map_err(|e| match e {
                diesel::result::Error::NotFound => {
                    GridError::Invalid(format!("variant {id} does not exist in this workspace"))
                }
                other => other.into(),
            })?;
            check_level(&v, master.id, &var.variable)?;
            levels.insert(*id, load_level(blobs, settings, v)?);
        }
    }
    let master_img = decode_parent(blobs, settings, &master.image_sha)?;
    check_overlaps(spec, &levels)?;
    let sizes: Vec<usize> = spec.variables.iter().map(|v| v.levels.len()).collect();
    let (runs, fraction) = if spec.fractional {
        let plan = propose_fraction(&sizes)
            .map_err(|e| GridError::Invalid(e.to_string()))?
            .ok_or_else(|| {
                GridError::Invalid(format!(
                    "no fraction of a {} grid is smaller than the grid itself: run every cell",
                    dims(&sizes)
                ))
            })?;
        let names: Vec<String> = spec.variables.iter().map(|v| v.variable.clone()).collect();
        let stored = serde_json::json!({
            "construction": &plan.construction,
            "full_size": plan.full_size,
            "notes": plan.describe(&names),
        });
        (plan.runs, Some(stored.to_string()))
    } else {
        (full_grid(&sizes), None)
    };
    if runs.len() > MAX_CELLS {
        return Err(GridError::Invalid(format!(
            "a {} grid has {} cells, more than {MAX_CELLS}: ask for the fraction (\"fractional\": true)",
            dims(&sizes),
            runs.len()
        )));
    }
    let cells = compose_all(blobs, spec, &levels, &master_img, &runs)?;
    let design = serde_json::to_string(&spec.variables)
        .map_err(|e| GridError::Invalid(format!("design: {e}")))?;
    let name = spec
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| {
            let vars: Vec<&str> = spec.variables.iter().map(|v| v.variable.as_str()).collect();
            format!("{} ({})", vars.join(" × "), dims(&sizes))
        });
    let variable =
        spec.variables.iter().map(|v| v.variable.as_str()).collect::<Vec<_>>().join(" × ");
    let grid_id = conn.transaction(|tx| -> Result<i32, GridError> {
        let grid = grids::insert(
            tx,
            &NewGrid {
                master_id: master.id,
                name: &name,
                design: &design,
                fraction: fraction.as_deref(),
                created_by: user_id,
                created_at: crate::db::now(),
            },
        )?;
        for cell in &cells {
            let variant_id = store_cell(tx, master.id, &variable, cell, user_id)?;
            grids::insert_cell(tx, grid.id, variant_id, &levels_key(&cell.levels))?;
        }
        audit_log::record(tx, user_id, "grid.create", &format!("grid:{}", grid.id), &name)?;
        Ok(grid.id)
    })?;
    show(conn, ws, grid_id)
}

fn dims(sizes: &[usize]) -> String {
    sizes.iter().map(usize::to_string).collect::<Vec<_>>().join("×")
}

/// 2–4 distinct, valid variables of 2–4 distinct levels, each varying something.
fn check_shape(spec: &GridSpec) -> Result<(), GridError> {
    let invalid = |m: String| Err(GridError::Invalid(m));
    if !VARIABLES.contains(&spec.variables.len()) {
        return invalid(format!(
            "a grid has 2 to 4 variables; this one has {}",
            spec.variables.len()
        ));
    }
    let mut names = HashSet::new();
    let mut ids = HashSet::new();
    for v in &spec.variables {
        Variable::parse(&v.variable).map_err(|e| GridError::Invalid(e.to_string()))?;
        if !names.insert(v.variable.as_str()) {
            return invalid(format!("variable {} appears twice", v.variable));
        }
        if !LEVELS.contains(&v.levels.len()) {
            return invalid(format!(
                "{} has {} levels; a variable has 2 to 4",
                v.variable,
                v.levels.len()
            ));
        }
        if v.levels.iter().filter(|l| l.is_none()).count() > 1 {
            return invalid(format!("{} lists \"as in the master\" twice", v.variable));
        }
        for id in v.levels.iter().flatten() {
            if !ids.insert(*id) {
                return invalid(format!("variant {id} is a level twice"));
            }
        }
    }
    Ok(())
}

/// A level must be an approved, controlled, rendered edit of the master itself, changing `variable`.
fn check_level(v: &Variant, master_id: i32, variable: &str) -> Result<(), GridError> {
    let why = if v.master_id != master_id {
        Some(format!("is an edit of another master (#{})", v.master_id))
    } else if v.parent_variant_id.is_some() {
        Some(
            "is an edit of another variant, not of the master: a level must be a direct edit"
                .into(),
        )
    } else if v.operation == GRID_OPERATION {
        Some("is itself a grid cell".into())
    } else if v.variable != variable {
        Some(format!("changes {}, not {variable}", v.variable))
    } else if v.status != VariantStatus::Approved {
        Some(format!("is {}, not approved", v.status))
    } else if v.controlled != Some(true) || v.result_sha.is_none() {
        Some("has no controlled audit (changes outside its mask, or not rendered)".into())
    } else {
        None
    };
    match why {
        Some(w) => Err(GridError::Invalid(format!(
            "variant {} ({} = {}) {w}",
            v.code, v.variable, v.value
        ))),
        None => Ok(()),
    }
}

/// The edit and its region, grown and feathered exactly as its render was.
fn load_level(
    blobs: &Arc<dyn BlobStore>,
    settings: &Settings,
    v: Variant,
) -> Result<LevelPixels, GridError> {
    let sha = v.result_sha.clone().unwrap_or_default();
    let edit = decode_parent(blobs, settings, &sha)?;
    let op = Operation::parse(&v.operation)?;
    let params = Params::parse(&v.params)?;
    let mask =
        inpaint::load_mask(&blobs.get(&BlobId::parse(&v.mask_sha)?)?, &imaging::limits(settings))?;
    let alpha = inpaint::mask::prepare_alpha(&mask, params.grow_for(op), params.feather_for(op))?;
    Ok(LevelPixels { variant: v, edit, alpha })
}

/// Every pair of levels of different variables must be disjoint; all overlaps are reported at once.
fn check_overlaps(spec: &GridSpec, levels: &HashMap<i32, LevelPixels>) -> Result<(), GridError> {
    let mut found = Vec::new();
    for (i, a) in spec.variables.iter().enumerate() {
        for b in &spec.variables[i + 1..] {
            for la in a.levels.iter().flatten().filter_map(|id| levels.get(id)) {
                for lb in b.levels.iter().flatten().filter_map(|id| levels.get(id)) {
                    if let Some(o) = ::imaging::overlap(&la.alpha, &lb.alpha) {
                        found.push(format!(
                            "{} = {} ({}) and {} = {} ({}) overlap on {} px at {}",
                            la.variant.variable,
                            la.variant.value,
                            la.variant.code,
                            lb.variant.variable,
                            lb.variant.value,
                            lb.variant.code,
                            o.pixels,
                            o.bbox
                        ));
                    }
                }
            }
        }
    }
    if found.is_empty() {
        Ok(())
    } else {
        Err(GridError::Overlap(format!(
            "levels of different variables must touch disjoint regions (grown and feathered masks): {}",
            found.join("; ")
        )))
    }
}

/// Composes every run, on as many threads as there are cores: each cell is independent, and
/// encoding its pictures dominates (a 3×3 grid at 1080×1080 took 9.9 s on one thread of the debug
/// build).
fn compose_all(
    blobs: &Arc<dyn BlobStore>,
    spec: &GridSpec,
    levels: &HashMap<i32, LevelPixels>,
    master: &RgbImage,
    runs: &[Vec<usize>],
) -> Result<Vec<ComposedCell>, GridError> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    let chunk = runs.len().div_ceil(threads).max(1);
    let parts = std::thread::scope(|scope| {
        let handles: Vec<_> = runs
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|run| compose_cell(blobs, spec, levels, master, run.clone()))
                        .collect::<Result<Vec<_>, GridError>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect::<Result<Vec<_>, GridError>>()
    })?;
    Ok(parts.into_iter().flatten().collect())
}

/// Composes and audits one run, and stores its pixels.
fn compose_cell(
    blobs: &Arc<dyn BlobStore>,
    spec: &GridSpec,
    levels: &HashMap<i32, LevelPixels>,
    master: &RgbImage,
    run: Vec<usize>,
) -> Result<ComposedCell, GridError> {
    let chosen: Vec<(&str, Option<&LevelPixels>)> = spec
        .variables
        .iter()
        .zip(&run)
        .map(|(v, &l)| {
            (v.variable.as_str(), v.levels.get(l).copied().flatten().and_then(|id| levels.get(&id)))
        })
        .collect();
    let used: Vec<&LevelPixels> = chosen.iter().filter_map(|(_, l)| *l).collect();
    let layers: Vec<::imaging::Layer<'_>> =
        used.iter().map(|l| ::imaging::Layer { edit: &l.edit, alpha: &l.alpha }).collect();
    let cell = ::imaging::compose(master, &layers)
        .map_err(|e| GridError::Overlap(format!("cell {}: {e}", levels_key(&run))))?;
    let audit = ::imaging::audit_cell(master, &cell, &layers);
    if !audit.exact() {
        return Err(GridError::Audit(
            levels_key(&run),
            format!(
                "{} px outside its masks differ from the master, {} px inside differ from their edit",
                audit.outside_changed_px, audit.inside_mismatch_px
            ),
        ));
    }
    let alphas: Vec<&GrayImage> = used.iter().map(|l| &l.alpha).collect();
    let union = ::imaging::union_mask(master.width(), master.height(), &alphas);
    let value = chosen
        .iter()
        .map(|(var, l)| match l {
            Some(l) => format!("{var}: {} ({})", l.variant.value, l.variant.code),
            None => format!("{var}: as in the master"),
        })
        .collect::<Vec<_>>()
        .join(" · ");
    Ok(ComposedCell {
        levels: run,
        value,
        result_sha: blobs.put(&imaging::png_rgb(&cell)?)?,
        mask_sha: blobs.put(&imaging::png_gray(&union)?)?,
        pictures: pictures::derive(blobs, master, &cell, &union)?,
        audit,
        pixels: u64::from(master.width()) * u64::from(master.height()),
        levels_used: used.len(),
    })
}

/// Inserts a cell's variant, its audit and its pictures; returns its id.
fn store_cell(
    tx: &mut DbConn<'_>,
    master_id: i32,
    variable: &str,
    made: &ComposedCell,
    user_id: Option<i32>,
) -> Result<i32, GridError> {
    let code = fresh_code(tx)?;
    let v = variants::insert(
        tx,
        &NewVariant {
            master_id,
            parent_variant_id: None,
            code: &code,
            variable,
            value: &made.value,
            operation: GRID_OPERATION,
            params: CELL_PARAMS,
            mask_sha: made.mask_sha.as_str(),
            reference_sha: None,
            created_by: user_id,
            created_at: crate::db::now(),
        },
    )?;
    let a = made.audit;
    let frac = |n: u64| n as f64 / made.pixels.max(1) as f64;
    let note = if made.levels_used == 0 {
        "controlled grid cell: every variable as in the master, so 0 px differ from it".to_string()
    } else {
        format!(
            "controlled grid cell: 0 px outside the union of its {} level mask{} differ from the \
             master; inside, all {} px equal their level's edit",
            made.levels_used,
            if made.levels_used == 1 { "" } else { "s" },
            a.union_px
        )
    };
    variants::set_audit(
        tx,
        v.id,
        &AuditUpdate {
            result_sha: Some(made.result_sha.as_str().to_owned()),
            changed_outside_mask_px: Some(i64::try_from(a.outside_changed_px).unwrap_or(i64::MAX)),
            changed_fraction: Some(frac(a.changed_px)),
            mask_fraction: Some(frac(a.union_px)),
            delta_e: None,
            controlled: Some(a.exact()),
            audit_note: Some(note),
            lightness_corr: None,
            gamut_mapped_px: None,
            canvas_sha: None,
            // Computed on the cell's first view, as for any variant without a report.
            priming: None,
        },
    )?;
    variant_pictures::upsert(tx, &made.pictures.row(v.id))?;
    Ok(v.id)
}
