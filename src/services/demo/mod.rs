//! The demo workspace `make run` shows a new user: a real master photo, variants made by the real
//! engine (erase, recolor, composite, and a chained edit), approved, an experiment over them, and
//! three weeks of generated Meta-style performance (six ads per arm, each with its own lasting CTR)
//! imported through the real importer; then a 2×2 modular grid of two of those edits, its cells
//! approved, and three more weeks of performance over them with an experiment (`grid`).
//!
//! Seeding is idempotent: it does nothing when the database has masters. Every master and import it
//! makes is marked in `demo_records`, so that `demo --reset` (`services::demo_reset`) removes
//! exactly those; the grid, its cells and both experiments go with the master.

use std::sync::Arc;

use chrono::{Days, NaiveDate};
use diesel::prelude::*;
use image::{GrayImage, RgbImage};
use inpaint::Inpainter;

use crate::blobs::BlobStore;
use crate::config::Settings;
use crate::db::demo_records::{self, DemoRecordKind};
use crate::db::schema::{masters, users};
use crate::db::workspaces::WorkspaceId;
use crate::db::{DbError, DbPool};
use crate::db_run;
use crate::jobs::{WorkerContext, WorkerError};
use crate::services::{
    ad_mapping, experiments, imports as import_service, masters as master_service,
};
use crate::services::{review, variants};

mod grid;
mod masks;
mod performance;
mod placement;
mod review_flow;
#[cfg(test)]
mod tests;

pub use grid::{
    BRICK_WALL_LIFT, DEMO_GRID_IMPORT_FILENAME, DEMO_GRID_NAME, GRID_ADS_PER_CELL,
    SPOON_REMOVED_LIFT, TOGETHER_LIFT, planted_cell_effect, planted_log_effects,
};
use masks::{background_mask, saucer_mask, spoon_mask};
use performance::{ADS_PER_ARM, Arm, Campaign, ad_id, generated_meta_csv, import_csv};
use review_flow::{approve_as_demo, wait_for_job};

/// Name of the demo master (only a label: the demo is recognised by its `demo_records`).
pub const DEMO_MASTER_NAME: &str = "Demo: espresso hero";
/// File name the demo import is recorded under.
pub const DEMO_IMPORT_FILENAME: &str = "demo-meta-export.csv";
/// The demo master photo (scikit-image's `coffee.png`, public domain; see tests/fixtures/SOURCES.md).
const MASTER_PHOTO: &[u8] = include_bytes!("../../../tests/fixtures/coffee.png");
/// The background plate composited into the demo (scikit-image's `brick.png`, public domain).
const PLATE_PHOTO: &[u8] = include_bytes!("../../../tests/fixtures/brick.png");
/// Days of generated performance.
const DAYS: u64 = 21;

/// Errors while seeding.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// A master could not be made.
    #[error("demo master: {0}")]
    Master(#[from] master_service::MasterError),
    /// A variant could not be made.
    #[error("demo variant: {0}")]
    Variant(#[from] variants::VariantError),
    /// A render job failed.
    #[error("demo render: {0}")]
    Render(#[from] WorkerError),
    /// A render finished without a result.
    #[error("demo variant {0} did not render: {1}")]
    NotRendered(i32, String),
    /// A review failed.
    #[error("demo review: {0}")]
    Review(#[from] review::ReviewError),
    /// The import failed.
    #[error("demo import: {0}")]
    Import(#[from] import_service::ImportServiceError),
    /// Mapping the control ad failed.
    #[error("demo ad mapping: {0}")]
    Mapping(#[from] ad_mapping::AdMappingError),
    /// The experiment could not be made.
    #[error("demo experiment: {0}")]
    Experiment(#[from] experiments::ExperimentError),
    /// The placement could not be made.
    #[error("demo placement: {0}")]
    Format(#[from] crate::services::formats::FormatError),
    /// The grid could not be made or reviewed.
    #[error("demo grid: {0}")]
    Grid(#[from] crate::services::grids::GridError),
    /// The grid's bulk review left cells as they were; the message lists them with the reason.
    #[error("demo grid review skipped cells: {0}")]
    GridReview(String),
    /// A mask could not be encoded.
    #[error("demo mask: {0}")]
    Image(#[from] image::ImageError),
    /// A mask could not be selected on the master photo.
    #[error("demo mask selection: {0}")]
    Select(#[from] imaging::SelectError),
    /// No admin exists to approve the variants.
    #[error(
        "no admin user exists to approve the demo variants; run `liftmask user add --role admin` first"
    )]
    NoAdmin,
}

impl From<diesel::result::Error> for DemoError {
    fn from(e: diesel::result::Error) -> Self {
        DemoError::Db(e.into())
    }
}

/// What was seeded.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DemoSummary {
    pub master_id: i32,
    /// The variants, in creation order.
    pub variant_ids: Vec<i32>,
    pub experiment_id: i32,
    /// The 2×2 grid of `spoon` × `background`.
    pub grid_id: i32,
    /// The experiment over the grid's cells.
    pub grid_experiment_id: i32,
    /// The 1:1 crop of the spoon erase, so the lineage shows a placement.
    pub placement_id: i32,
    /// Performance rows imported, both files.
    pub rows: usize,
}

/// One demo edit: what it changes, how, and its mask.
struct DemoEdit {
    variable: &'static str,
    value: &'static str,
    operation: &'static str,
    params: &'static str,
    /// Index into the variants made so far, or `None` for the master.
    parent: Option<usize>,
    mask: fn(&RgbImage) -> Result<GrayImage, imaging::SelectError>,
    reference: Option<&'static [u8]>,
    /// Relative CTR effect the generated data give this arm's ad.
    ctr_effect: f64,
}

/// Indices into [`EDITS`] of the grid's levels: direct edits of the master whose grown, feathered
/// regions are disjoint (the spoon on the saucer, the backdrop in the top-left corner).
const SPOON_EDIT: usize = 0;
const BRICK_EDIT: usize = 2;

const EDITS: [DemoEdit; 4] = [
    DemoEdit {
        variable: "spoon",
        value: "removed",
        operation: "erase",
        params: r#"{"grow":6,"feather":3}"#,
        parent: None,
        mask: spoon_mask,
        reference: None,
        ctr_effect: SPOON_REMOVED_LIFT,
    },
    DemoEdit {
        variable: "saucer",
        value: "forest green",
        operation: "recolor",
        params: r##"{"hex":"#228B22"}"##,
        parent: None,
        mask: saucer_mask,
        reference: None,
        ctr_effect: 0.14,
    },
    DemoEdit {
        variable: "background",
        value: "brick wall",
        operation: "composite",
        params: r#"{"grow":2,"feather":6}"#,
        parent: None,
        mask: background_mask,
        reference: Some(PLATE_PHOTO),
        ctr_effect: BRICK_WALL_LIFT,
    },
    DemoEdit {
        variable: "spoon",
        value: "removed",
        operation: "erase",
        params: r#"{"grow":6,"feather":3}"#,
        parent: Some(1),
        mask: spoon_mask,
        reference: None,
        // The green saucer's lift, then the spoon's on top of it.
        ctr_effect: (1.0 + 0.14) * (1.0 + SPOON_REMOVED_LIFT) - 1.0,
    },
];

/// Seeds the demo when the database has no masters at all (first start of `make run`).
pub fn seed_if_empty(
    ctx: &WorkerContext,
    engine: &dyn Inpainter,
) -> Result<Option<DemoSummary>, DemoError> {
    let masters_count: i64 = ctx
        .pool
        .run(|c| db_run!(c, |c| masters::table.count().get_result(c)).map_err(DemoError::from))?;
    if masters_count > 0 {
        return Ok(None);
    }
    seed(ctx, engine).map(Some)
}

/// Seeds the demo unless its master already exists.
pub fn seed(ctx: &WorkerContext, engine: &dyn Inpainter) -> Result<DemoSummary, DemoError> {
    let pool: &DbPool = &ctx.pool;
    let blobs: &Arc<dyn BlobStore> = &ctx.blobs;
    let settings: &Settings = &ctx.settings;
    let admin = pool.run(|c| {
        db_run!(c, |c| users::table
            .filter(users::role.eq("admin"))
            .order(users::id)
            .select((users::id, users::workspace_id))
            .first::<(i32, i32)>(c)
            .optional())
        .map_err(DemoError::from)
    })?;
    // The demo lives in its admin's workspace (the default one, for the admin `make run` makes).
    let (admin, ws) = admin.map(|(id, ws)| (id, WorkspaceId(ws))).ok_or(DemoError::NoAdmin)?;

    let master = pool.run(|c| {
        master_service::create(
            c,
            blobs,
            settings,
            &master_service::MasterInput {
                name: DEMO_MASTER_NAME.into(),
                source_model: "photograph (scikit-image sample, public domain)".into(),
                source_prompt: "espresso cup on a wooden table, warm light, top-down".into(),
                image: MASTER_PHOTO.to_vec(),
            },
            ws,
            Some(admin),
        )
        .map_err(DemoError::from)
    })?;

    pool.run(|c| {
        demo_records::mark(c, DemoRecordKind::Master, master.id).map_err(DemoError::from)
    })?;

    let photo = image::load_from_memory(MASTER_PHOTO)?.to_rgb8();
    let mut variant_ids: Vec<i32> = Vec::new();
    for edit in &EDITS {
        let parent = match edit.parent {
            None => variants::ParentRef::Master(master.id),
            Some(i) => variants::ParentRef::Variant(variant_ids[i]),
        };
        let mut mask_png = Vec::new();
        (edit.mask)(&photo)?
            .write_to(&mut std::io::Cursor::new(&mut mask_png), image::ImageFormat::Png)?;
        let input = variants::VariantInput {
            parent,
            variable: edit.variable.into(),
            value: edit.value.into(),
            operation: edit.operation.into(),
            params: edit.params.into(),
            mask: mask_png,
            reference: edit.reference.map(<[u8]>::to_vec),
        };
        let created = pool.run(|c| {
            variants::create(c, blobs, settings, &input, ws, Some(admin)).map_err(DemoError::from)
        })?;
        // Render with the real engine, the same code the workers run (in-process workers may
        // pick the job up first; then this waits for them).
        wait_for_job(ctx, engine, created.job_id, created.variant.id)?;
        pool.run(|c| approve_as_demo(c, ws, created.variant.id, admin))?;
        variant_ids.push(created.variant.id);
    }

    let codes: Vec<String> = pool.run(|c| {
        variant_ids
            .iter()
            .map(|id| crate::db::variants::find(c, *id).map(|v| v.code).map_err(DemoError::from))
            .collect()
    })?;
    let start = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap_or_default();
    let control = Arm { name: "Espresso hero - control".into(), ctr_effect: 0.0 };
    let arms: Vec<Arm> = std::iter::once(control)
        .chain(codes.iter().zip(EDITS.iter()).map(|(code, e)| Arm {
            name: format!("Espresso hero - {} = {} [{code}]", e.variable, e.value),
            ctr_effect: e.ctr_effect,
        }))
        .collect();
    let campaign = Campaign {
        name: "Spring refresh",
        id: "120200000000000001",
        first_arm: 0,
        seed: 0x5eed_1234,
        ads_per_arm: ADS_PER_ARM,
        start,
    };
    let csv = generated_meta_csv(&campaign, &arms);
    let mut rows = import_csv(ctx, ws, admin, &csv, DEMO_IMPORT_FILENAME)?;
    for k in 0..ADS_PER_ARM {
        pool.run(|c| {
            ad_mapping::map_manually(
                c,
                ws,
                "meta",
                &ad_id(0, k),
                ad_mapping::MapTarget::Master(master.id),
            )
            .map_err(DemoError::from)
        })?;
    }

    let arms = EDITS.len() + 1;
    let share = 1.0 / arms as f64;
    let spec = experiments::NewExperimentSpec {
        master_id: master.id,
        name: "Espresso hero: spring refresh".into(),
        start_date: start,
        end_date: start.checked_add_days(Days::new(DAYS - 1)),
        primary_metric: "ctr".into(),
        guardrail_metrics: vec!["cpa".into(), "roas".into()],
        method: "frequentist".into(),
        variance_model: None,
        correction: None,
        alpha: None,
        control_variant_id: None,
        control_planned_weight: Some(share),
        planned_ads_per_arm: Some(ADS_PER_ARM as i32),
        grid_id: None,
        treatments: variant_ids
            .iter()
            .map(|id| experiments::ArmSpec { variant_id: *id, planned_weight: Some(share) })
            .collect(),
        created_by: Some(admin),
    };
    let experiment =
        pool.run(|c| experiments::create_experiment(c, ws, spec).map_err(DemoError::from))?;
    // The grid runs in the three weeks after, so its studies join the first experiment's on the
    // leaderboard rather than reusing its days.
    let grid_start = start.checked_add_days(Days::new(DAYS)).unwrap_or(start);
    let levels = (variant_ids[SPOON_EDIT], variant_ids[BRICK_EDIT]);
    let grid = grid::seed_grid(ctx, (ws, admin), master.id, levels, grid_start)?;
    rows += grid.rows;
    let placement_id =
        placement::seed_placement(ctx, engine, (ws, admin), variant_ids[SPOON_EDIT])?;
    Ok(DemoSummary {
        master_id: master.id,
        variant_ids,
        experiment_id: experiment.id,
        grid_id: grid.grid_id,
        grid_experiment_id: grid.experiment_id,
        placement_id,
        rows,
    })
}
