//! The demo workspace `make run` shows a new user: a real master photo, variants made by the real
//! engine (erase, recolor, composite, and a chained edit), approved, an experiment over them, and
//! three weeks of generated Meta-style performance (six ads per arm, each with its own lasting CTR)
//! imported through the real importer.
//!
//! Seeding is idempotent: it does nothing when the database has masters. Every master and import it
//! makes is marked in `demo_records`, so that `demo --reset` (`services::demo_reset`) removes
//! exactly those.

use std::fmt::Write as _;
use std::sync::Arc;

use chrono::{Days, NaiveDate};
use diesel::prelude::*;
use image::{GrayImage, Luma};
use inpaint::Inpainter;

use crate::blobs::BlobStore;
use crate::config::Settings;
use crate::db::demo_records::{self, DemoRecordKind};
use crate::db::schema::{masters, users};
use crate::db::workspaces::WorkspaceId;
use crate::db::{DbError, DbPool};
use crate::db_run;
use crate::jobs::{WorkerContext, WorkerError, process_one};
use crate::services::{
    ad_mapping, experiments, imports as import_service, masters as master_service,
};
use crate::services::{review, variants};

/// Name of the demo master (only a label: the demo is recognised by its `demo_records`).
pub const DEMO_MASTER_NAME: &str = "Demo: espresso hero";
/// File name the demo import is recorded under.
pub const DEMO_IMPORT_FILENAME: &str = "demo-meta-export.csv";
/// The demo master photo (scikit-image's `coffee.png`, public domain; see tests/fixtures/SOURCES.md).
const MASTER_PHOTO: &[u8] = include_bytes!("../../tests/fixtures/coffee.png");
/// The background plate composited into the demo (scikit-image's `brick.png`, public domain).
const PLATE_PHOTO: &[u8] = include_bytes!("../../tests/fixtures/brick.png");
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
    /// A mask could not be encoded.
    #[error("demo mask: {0}")]
    Image(#[from] image::ImageError),
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
    /// The master.
    pub master_id: i32,
    /// The variants, in creation order.
    pub variant_ids: Vec<i32>,
    /// The experiment.
    pub experiment_id: i32,
    /// Performance rows imported.
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
    mask: fn() -> GrayImage,
    reference: Option<&'static [u8]>,
    /// Relative CTR effect the generated data gives this arm's ad.
    ctr_effect: f64,
}

const EDITS: [DemoEdit; 4] = [
    DemoEdit {
        variable: "spoon",
        value: "removed",
        operation: "erase",
        params: r#"{"grow":6,"feather":3}"#,
        parent: None,
        mask: spoon_mask,
        reference: None,
        ctr_effect: 0.02,
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
        ctr_effect: -0.06,
    },
    DemoEdit {
        variable: "spoon",
        value: "removed",
        operation: "erase",
        params: r#"{"grow":6,"feather":3}"#,
        parent: Some(1),
        mask: spoon_mask,
        reference: None,
        ctr_effect: 0.16,
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

    let mut variant_ids: Vec<i32> = Vec::new();
    for edit in &EDITS {
        let parent = match edit.parent {
            None => variants::ParentRef::Master(master.id),
            Some(i) => variants::ParentRef::Variant(variant_ids[i]),
        };
        let mut mask_png = Vec::new();
        (edit.mask)()
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
        let rendered = pool
            .run(|c| crate::db::variants::find(c, created.variant.id).map_err(DemoError::from))?;
        // The demo has one admin who both makes and approves its variants: a one-person team,
        // so four eyes is waived here whatever `review.allow_self_approval` says.
        let one_person = crate::config::ReviewSettings { allow_self_approval: true };
        pool.run(|c| {
            review::submit(c, ws, rendered.id, admin, "Demo: ready for review.")?;
            review::decide(
                c,
                ws,
                rendered.id,
                admin,
                review::Decision::Approve,
                "Demo: approved for testing.",
                &one_person,
            )
            .map_err(DemoError::from)
        })?;
        variant_ids.push(rendered.id);
    }

    let codes: Vec<String> = pool.run(|c| {
        variant_ids
            .iter()
            .map(|id| crate::db::variants::find(c, *id).map(|v| v.code).map_err(DemoError::from))
            .collect()
    })?;
    let start = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap_or_default();
    let csv = generated_meta_csv(start, &codes);
    let parsed =
        import_service::parse(csv.as_bytes(), &analytics::import::ImportOptions::default())?;
    let rows = parsed.rows.len();
    let sha256 = crate::blobs::BlobId::of(csv.as_bytes()).to_string();
    pool.run(|c| {
        let stored = import_service::store(
            c,
            &parsed,
            &import_service::StoreMeta {
                sha256: sha256.clone(),
                filename: DEMO_IMPORT_FILENAME.into(),
                user_id: Some(admin),
                workspace: ws,
            },
            &|_, _| {},
        )?;
        demo_records::mark(c, DemoRecordKind::Import, stored.import.id)?;
        Ok::<_, DemoError>(())
    })?;
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
        treatments: variant_ids
            .iter()
            .map(|id| experiments::ArmSpec { variant_id: *id, planned_weight: Some(share) })
            .collect(),
        created_by: Some(admin),
    };
    let experiment =
        pool.run(|c| experiments::create_experiment(c, ws, spec).map_err(DemoError::from))?;
    Ok(DemoSummary { master_id: master.id, variant_ids, experiment_id: experiment.id, rows })
}

fn wait_for_job(
    ctx: &WorkerContext,
    engine: &dyn Inpainter,
    job_id: i32,
    variant_id: i32,
) -> Result<(), DemoError> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(600);
    loop {
        let job = ctx.pool.run(|c| crate::db::jobs::find(c, job_id).map_err(DemoError::from))?;
        match job.status.as_str() {
            "done" => return Ok(()),
            "failed" => {
                return Err(DemoError::NotRendered(variant_id, job.error.unwrap_or_default()));
            }
            _ if std::time::Instant::now() > deadline => {
                return Err(DemoError::NotRendered(variant_id, "timed out".into()));
            }
            _ => {
                if process_one(ctx, engine, "demo-seed")?.is_none() {
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
            }
        }
    }
}

/// Ads per arm: enough for the ad-clustered analysis to hold α (the A/A grid's threshold is 4).
const ADS_PER_ARM: usize = 6;

/// The platform ID of ad `k` of arm `arm` (arm 0 is the control).
fn ad_id(arm: usize, k: usize) -> String {
    format!("1202100000{arm:02}{k:06}")
}

/// A Meta "Export table data" CSV with a daily breakdown: six control ads and six ads per variant
/// (named with its code, so the importer maps them). Like real ads, each ad keeps its own CTR for its
/// whole life (lognormal, CV 5 %) and its own volume, days shock every ad alike, and daily CTR wobbles.
fn generated_meta_csv(start: NaiveDate, codes: &[String]) -> String {
    let mut rng = SplitMix(0x5eed_1234);
    let mut out = String::from(
        "\u{feff}Day,Campaign name,Campaign ID,Ad set name,Ad set ID,Ad name,Ad ID,Impressions,Link clicks,\
         Amount spent (USD),Purchases,Purchases conversion value\n",
    );
    // (name, id, arm effect × the ad's own lasting CTR factor, the ad's volume factor)
    let mut ads: Vec<(String, String, f64, f64)> = Vec::new();
    let arms = std::iter::once(("control".to_string(), None, 0.0)).chain(
        codes.iter().zip(EDITS.iter()).map(|(code, e)| {
            (format!("{} = {}", e.variable, e.value), Some(code.clone()), e.ctr_effect)
        }),
    );
    for (arm, (label, code, effect)) in arms.enumerate() {
        // Each arm gets the same budget (the planned split), shared unevenly by its ads.
        let volumes: Vec<f64> = (0..ADS_PER_ARM).map(|_| (0.4 * rng.normal()).exp()).collect();
        let mean_volume = volumes.iter().sum::<f64>() / ADS_PER_ARM as f64;
        for (k, volume) in volumes.iter().enumerate() {
            let own_ctr = (0.05 * rng.normal() - 0.00125).exp();
            let own_volume = volume / mean_volume;
            let name = match &code {
                Some(code) => format!("Espresso hero - {label} #{} [{code}]", k + 1),
                None => format!("Espresso hero - {label} #{}", k + 1),
            };
            ads.push((name, ad_id(arm, k), (1.0 + effect) * own_ctr, own_volume));
        }
    }
    for day in 0..DAYS {
        let date = start.checked_add_days(Days::new(day)).unwrap_or(start);
        let day_factor = 0.85 + 0.3 * rng.next_f64();
        for (name, id, ctr_factor, volume) in &ads {
            let impressions = ((3_000.0 + rng.next_f64() * 1_000.0) * volume) as u64;
            let ctr = 0.018 * ctr_factor * day_factor * (0.9 + 0.2 * rng.next_f64());
            let clicks = (impressions as f64 * ctr).round() as u64;
            let purchases = (clicks as f64 * (0.035 + 0.02 * rng.next_f64())).round() as u64;
            let spend = impressions as f64 * 9.4 / 1000.0;
            let revenue = purchases as f64 * (36.0 + 8.0 * rng.next_f64());
            let _ = writeln!(
                out,
                "{date},Spring refresh,120200000000000001,Broad US,120201000000000001,\"{name}\",{id},\
                 {impressions},{clicks},{spend:.2},{purchases},{revenue:.2}"
            );
        }
    }
    out
}

/// A tiny deterministic generator, so the demo data are the same on every machine.
struct SplitMix(u64);

impl SplitMix {
    fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A standard normal draw (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u = self.next_f64().max(f64::MIN_POSITIVE);
        let v = self.next_f64();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

const W: u32 = 600;
const H: u32 = 400;

fn mask_from(inside: impl Fn(f64, f64) -> bool) -> GrayImage {
    GrayImage::from_fn(W, H, |x, y| {
        Luma([if inside(f64::from(x), f64::from(y)) { 255 } else { 0 }])
    })
}

fn in_ellipse(x: f64, y: f64, cx: f64, cy: f64, rx: f64, ry: f64) -> bool {
    let (dx, dy) = ((x - cx) / rx, (y - cy) / ry);
    dx * dx + dy * dy <= 1.0
}

fn near_segment(x: f64, y: f64, (ax, ay): (f64, f64), (bx, by): (f64, f64), r: f64) -> bool {
    let (vx, vy) = (bx - ax, by - ay);
    let t = (((x - ax) * vx + (y - ay) * vy) / (vx * vx + vy * vy)).clamp(0.0, 1.0);
    let (px, py) = (ax + t * vx - x, ay + t * vy - y);
    px * px + py * py <= r * r
}

/// The spoon: its bowl and its handle.
fn spoon_mask() -> GrayImage {
    mask_from(|x, y| {
        in_ellipse(x, y, 366.0, 284.0, 44.0, 44.0)
            || near_segment(x, y, (412.0, 70.0), (372.0, 250.0), 14.0)
    })
}

/// The saucer: its ellipse minus the cup, the handle and the spoon.
fn saucer_mask() -> GrayImage {
    mask_from(|x, y| {
        in_ellipse(x, y, 278.0, 232.0, 196.0, 148.0)
            && !in_ellipse(x, y, 290.0, 150.0, 124.0, 128.0)
            && !in_ellipse(x, y, 228.0, 268.0, 36.0, 40.0)
            && !in_ellipse(x, y, 366.0, 284.0, 48.0, 48.0)
            && !near_segment(x, y, (412.0, 70.0), (372.0, 250.0), 18.0)
    })
}

/// The dark backdrop in the top-left corner.
fn background_mask() -> GrayImage {
    mask_from(|x, y| y < 100.0 - x * 0.55 && !in_ellipse(x, y, 278.0, 232.0, 210.0, 162.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_masks_cover_plausible_areas() {
        let area =
            |m: GrayImage| m.pixels().filter(|p| p.0[0] > 127).count() as f64 / f64::from(W * H);
        assert!((0.02..0.08).contains(&area(spoon_mask())));
        assert!((0.10..0.30).contains(&area(saucer_mask())));
        assert!((0.01..0.10).contains(&area(background_mask())));
    }

    #[test]
    fn generated_csv_parses_with_exact_rows() {
        let codes: Vec<String> =
            ["LM-AAAA", "LM-BBBB", "LM-CCCC", "LM-DDDD"].iter().map(|s| s.to_string()).collect();
        let csv = generated_meta_csv(NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(), &codes);
        let parsed =
            analytics::import::parse(csv.as_bytes(), &analytics::import::ImportOptions::default())
                .unwrap();
        assert_eq!(parsed.rows.len(), (DAYS as usize) * 5 * ADS_PER_ARM);
        assert_eq!(parsed.summary.ads, 5 * ADS_PER_ARM);
        assert_eq!(
            parsed.summary.currency.as_ref().map(|c| c.as_str().to_string()),
            Some("USD".to_string())
        );
    }
}
