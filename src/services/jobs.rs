//! Rendering a variant: run its operation on the parent, audit the result against the parent, and
//! store both. Called by the engine workers (`crate::jobs`), never on an actix thread.

use std::sync::Arc;

use image::{GrayImage, RgbImage};
use inpaint::{InpaintOptions, Inpainter};

use crate::blobs::{BlobError, BlobId, BlobStore};
use crate::config::Settings;
use crate::db::variants::{AuditUpdate, Variant};
use crate::db::workspaces::WorkspaceId;
use crate::db::{DbConn, DbError, masters, variants};
use crate::services::audit::{self, Audit, Tolerance};
use crate::services::composite;
use crate::services::engine_limits::{self, LimitError};
use crate::services::formats;
use crate::services::grade;
use crate::services::imaging::{self, ImagingError};
use crate::services::pictures::{self, DerivedPictures};
use crate::services::recolor;
use crate::services::variants::{Operation, Params, ParentRef, VariantError, load_parent};
use diesel::QueryResult;

/// Errors while rendering a variant.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The variant's stored input is unusable; retrying cannot help.
    #[error("{0}")]
    Invalid(String),
    /// The variant asks more of the engine than its bounds allow.
    #[error(transparent)]
    Limit(#[from] LimitError),
    /// The engine failed.
    #[error("inpainting: {0}")]
    Engine(#[from] inpaint::InpaintError),
    /// Loading the parent failed.
    #[error(transparent)]
    Variant(#[from] VariantError),
    /// Encoding failed.
    #[error(transparent)]
    Imaging(#[from] ImagingError),
    /// Blob storage failed.
    #[error(transparent)]
    Blob(#[from] BlobError),
    /// A query failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for RenderError {
    fn from(e: diesel::result::Error) -> Self {
        RenderError::Db(e.into())
    }
}

impl RenderError {
    /// Whether retrying could succeed (I/O and database trouble) or not (bad input).
    pub fn is_permanent(&self) -> bool {
        match self {
            RenderError::Invalid(_) | RenderError::Limit(_) | RenderError::Imaging(_) => true,
            RenderError::Engine(e) => !matches!(e, inpaint::InpaintError::Torch(_)),
            RenderError::Variant(e) => {
                matches!(e, VariantError::Invalid(_) | VariantError::Image(_))
            }
            RenderError::Blob(_) | RenderError::Db(_) => false,
        }
    }
}

/// The payload of a render job: which variant to render. Written and read only here, so the
/// queue's JSON has one shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RenderJob {
    pub variant_id: i32,
}

impl RenderJob {
    /// Queues the render of `variant_id` for workspace `ws`.
    pub fn enqueue(
        conn: &mut DbConn<'_>,
        variant_id: i32,
        ws: WorkspaceId,
    ) -> QueryResult<crate::db::jobs::Job> {
        let payload = serde_json::to_string(&RenderJob { variant_id })
            .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
        crate::db::jobs::enqueue(conn, crate::db::jobs::JobKind::Variant, &payload, ws)
    }

    /// Reads a job's payload; `None` when it is not a render job's.
    pub fn parse(payload: &str) -> Option<Self> {
        serde_json::from_str(payload).ok()
    }
}

/// A rendered variant, ready to be written with its job's completion.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub update: AuditUpdate,
    /// The audit behind them.
    pub audit: Audit,
    /// The diff, leak and overlay pictures, already stored.
    pub pictures: DerivedPictures,
}

/// Runs the operation of variant `variant_id`, stores the result PNG and returns the audit.
/// `progress` is told how far along it is (0..1).
pub fn render(
    conn: &mut DbConn<'_>,
    blobs: &Arc<dyn BlobStore>,
    settings: &Settings,
    engine: &dyn Inpainter,
    variant_id: i32,
    progress: &dyn Fn(f64),
) -> Result<Rendered, RenderError> {
    let v = variants::find(conn, variant_id)?;
    if v.format.is_some() {
        return formats::render(conn, blobs, settings, engine, &v, progress);
    }
    let op = Operation::parse(&v.operation)?;
    let params = Params::parse(&v.params)?;
    let parent_ref = match v.parent_variant_id {
        Some(p) => ParentRef::Variant(p),
        None => ParentRef::Master(v.master_id),
    };
    // A worker serves every workspace; the variant's own is the one its parent lives in.
    let ws = WorkspaceId(masters::find(conn, v.master_id)?.workspace_id);
    let parent = load_parent(conn, blobs, settings, ws, parent_ref)?.image;
    let limits = imaging::limits(settings);
    let mask = inpaint::load_mask(&blobs.get(&BlobId::parse(&v.mask_sha)?)?, &limits)?;
    progress(0.1);
    let (grow, feather) = (params.grow_for(op), params.feather_for(op));
    engine_limits::check_params(grow, feather)?;
    let alpha = inpaint::mask::prepare_alpha(&mask, grow, feather)?;
    engine_limits::check_alpha(&alpha, settings.engine.max_mask_pixels)?;
    let reference = || -> Result<Vec<u8>, RenderError> {
        let sha = v
            .reference_sha
            .as_deref()
            .ok_or_else(|| RenderError::Invalid(format!("{op} needs a reference image")))?;
        Ok(blobs.get(&BlobId::parse(sha)?)?)
    };
    let opts = InpaintOptions { seed: params.seed_for(op), grow, feather, context_margin: None };
    let mut delta_e = None;
    let mut recolored = None;
    let result: RgbImage = match op {
        Operation::Erase | Operation::Fill => inpaint::run(engine, &parent, &mask, &opts)?.image,
        Operation::Recolor => {
            let (out, target) = recolor::render(&parent, &alpha, &params)
                .map_err(|e| RenderError::Invalid(e.to_string()))?;
            delta_e = Some(f64::from(out.report.delta_e));
            recolored = Some((out.report, target));
            out.image
        }
        Operation::Composite => place(&parent, &reference()?, &alpha, &limits)?,
        Operation::EraseComposite => {
            let plate = inpaint::run(engine, &parent, &mask, &opts)?.image;
            progress(0.6);
            place(&plate, &reference()?, &alpha, &limits)?
        }
        Operation::Grade => {
            let out = grade::render(&parent, &alpha, &params)
                .map_err(|e| RenderError::Invalid(format!("grade: {e}")))?;
            delta_e = out.delta_e;
            out.image
        }
        Operation::Import => inpaint::load_image(&reference()?, &limits)?,
    };
    progress(0.8);
    let tol = if op.is_internal() {
        Tolerance::EXACT
    } else {
        Tolerance {
            channel_threshold: settings.audit.import_channel_threshold,
            max_leak_fraction: settings.audit.import_max_leak_fraction,
        }
    };
    let audit = audit::audit(&parent, &result, &alpha, tol);
    let result_sha = blobs.put(&imaging::png_rgb(&result)?)?;
    let pictures = pictures::derive(blobs, &parent, &result, &alpha)?;
    // The priming report travels with the audit; a failure here is a size mismatch the audit
    // has already called uncontrolled, so the report is simply absent.
    let priming = ::imaging::prime_edit(&parent, &result, &alpha, op.edit_kind())
        .ok()
        .and_then(|r| serde_json::to_string(&r).ok());
    let mut note = audit_note(&v, op, &audit, tol);
    if let Some((report, target)) = &recolored {
        note = format!("{note}. {}", recolor::note(report, *target));
    }
    let update = AuditUpdate {
        result_sha: Some(result_sha.as_str().to_owned()),
        changed_outside_mask_px: Some(
            i64::try_from(audit.changed_outside_mask_px).unwrap_or(i64::MAX),
        ),
        changed_fraction: Some(audit.changed_fraction),
        mask_fraction: Some(audit.mask_fraction),
        delta_e,
        controlled: Some(audit.controlled),
        audit_note: Some(note),
        lightness_corr: recolored
            .as_ref()
            .and_then(|(r, _)| r.lightness_correlation.map(f64::from)),
        gamut_mapped_px: recolored
            .as_ref()
            .map(|(r, _)| i64::try_from(r.gamut_mapped_px).unwrap_or(i64::MAX)),
        canvas_sha: None,
        priming,
    };
    Ok(Rendered { update, audit, pictures })
}

fn place(
    base: &RgbImage,
    reference: &[u8],
    alpha: &GrayImage,
    limits: &inpaint::DecodeLimits,
) -> Result<RgbImage, RenderError> {
    // The header alone tells whether the reference fits, before its pixels are decoded.
    let (w, h) = image::ImageReader::new(std::io::Cursor::new(reference))
        .with_guessed_format()
        .and_then(|r| r.into_dimensions().map_err(std::io::Error::other))
        .map_err(|e| RenderError::Invalid(format!("reference image: {e}")))?;
    engine_limits::check_reference(alpha, w, h)?;
    let rgba = imaging::load_rgba(reference, limits)?;
    Ok(composite::place(base, &rgba, alpha).map_err(LimitError::from)?)
}

fn audit_note(v: &Variant, op: Operation, a: &Audit, tol: Tolerance) -> String {
    if a.controlled {
        format!(
            "controlled: {} px changed outside the mask ({} changes only {} = {})",
            a.changed_outside_mask_px, op, v.variable, v.value
        )
    } else {
        format!(
            "uncontrolled: {} px ({:.2} %) outside the declared mask changed by more than {} levels (limit {:.2} %); this variant cannot be a single-variable arm",
            a.changed_outside_mask_px,
            a.leak_fraction * 100.0,
            tol.channel_threshold,
            tol.max_leak_fraction * 100.0
        )
    }
}
