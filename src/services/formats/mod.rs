//! Format siblings: an approved variant (or a master) re-framed for a placement (1:1, 4:5, 9:16,
//! 1.91:1) by cropping around its edits or by outpainting a wider canvas. A sibling is not a new
//! variable: it keeps its source's variable, value and parent, and its code is the source's plus
//! the placement (`LM-7F3K-916`), so the importer maps its ads to the source's arm.

mod render;

use std::sync::Arc;

use ::imaging::{Aspect, FormatError as Geometry, Rect, plan_crop, plan_outpaint};
use image::{GrayImage, Luma};

pub use render::render;

use crate::blobs::{BlobId, BlobStore};
use crate::config::Settings;
use crate::db::variants::{NewFormat, Variant, VariantStatus};
use crate::db::workspaces::WorkspaceId;
use crate::db::{DbConn, DbError, audit_log, masters, variants};
use crate::services::jobs::RenderJob;
use crate::services::variants::{Operation, Params, VariantError, fresh_code};
use crate::services::{engine_limits, imaging};

/// How a format is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormatMode {
    /// A window of the source around its edits: every pixel is the source's.
    Crop,
    /// The source whole on a wider or taller canvas whose new area the engine fills.
    Outpaint,
}

impl FormatMode {
    pub fn parse(s: &str) -> Result<Self, FormatError> {
        match s.trim() {
            "crop" => Ok(FormatMode::Crop),
            "outpaint" => Ok(FormatMode::Outpaint),
            other => {
                Err(FormatError::Invalid(format!("mode must be crop or outpaint, not {other:?}")))
            }
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FormatMode::Crop => "crop",
            FormatMode::Outpaint => "outpaint",
        }
    }
}

/// What a format request carries (the API's JSON body).
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormatRequest {
    /// `1:1`, `4:5`, `9:16` or `1.91:1`.
    pub aspect: String,
    /// `crop` or `outpaint`.
    pub mode: String,
    /// A subject box `[x, y, w, h]` (source px) a crop must keep, besides the edits.
    #[serde(default)]
    pub focus: Option<[u32; 4]>,
}

/// What a format is made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatSource {
    Variant(i32),
    Master(i32),
}

/// The stored parameters of a format row (`variants.params`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FormatParams {
    pub mode: FormatMode,
    /// The subject box the user gave.
    pub focus: Option<Rect>,
    /// The crop window in the source (crop only).
    pub crop: Option<Rect>,
    /// The canvas size at the source's resolution.
    pub canvas: (u32, u32),
}

#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("{0}")]
    Invalid(String),
    /// The crop cannot keep the edits whole; the message names the aspect and the way out.
    #[error(transparent)]
    Geometry(#[from] Geometry),
    #[error(transparent)]
    Variant(#[from] VariantError),
    #[error(transparent)]
    Blob(#[from] crate::blobs::BlobError),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for FormatError {
    fn from(e: diesel::result::Error) -> Self {
        FormatError::Db(e.into())
    }
}

/// A queued format sibling.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FormatCreated {
    pub id: i32,
    pub job_id: i32,
    pub code: String,
    pub format: &'static str,
    pub mode: FormatMode,
}

/// Queues the `req.aspect` format of `source` (a master, or an approved variant that is not a
/// format itself) in workspace `ws`. One format per placement and source: the code is the
/// placement's, so a second would be ambiguous in an ad name.
pub fn create(
    conn: &mut DbConn<'_>,
    blobs: &Arc<dyn BlobStore>,
    settings: &Settings,
    ws: WorkspaceId,
    source: FormatSource,
    req: &FormatRequest,
    user_id: Option<i32>,
) -> Result<FormatCreated, FormatError> {
    let aspect = Aspect::parse(&req.aspect).ok_or_else(|| {
        FormatError::Invalid(format!(
            "aspect must be 1:1, 4:5, 9:16 or 1.91:1, not {:?}",
            req.aspect
        ))
    })?;
    let mode = FormatMode::parse(&req.mode)?;
    let focus = req.focus.map(Rect::from);
    if focus.is_some_and(|f| f.w == 0 || f.h == 0) {
        return Err(FormatError::Invalid("the focus box needs a width and a height".into()));
    }
    let (master, src) = match source {
        FormatSource::Master(id) => (masters::find_in(conn, ws, id)?, None),
        FormatSource::Variant(id) => {
            let v = variants::find_in(conn, ws, id)?;
            if v.format.is_some() {
                return Err(FormatError::Invalid(format!(
                    "{} is already a format; make formats from its source",
                    v.code
                )));
            }
            if v.status != VariantStatus::Approved || v.result_sha.is_none() {
                return Err(FormatError::Invalid(format!(
                    "{} is {}; only an approved variant goes to other placements",
                    v.code, v.status
                )));
            }
            (masters::find(conn, v.master_id)?, Some(v))
        }
    };
    let (w, h) = (dim(master.width)?, dim(master.height)?);
    let edited = match &src {
        Some(v) => edited_box(conn, blobs, v)?,
        None => None,
    };
    let keep = match (edited, focus) {
        (Some(e), Some(f)) => Some(e.union(f)),
        (e, f) => e.or(f),
    };
    let (canvas, placed, crop, mask) = match mode {
        FormatMode::Crop => {
            let c = plan_crop(w, h, aspect, keep)?;
            ((c.w, c.h), Rect { x: 0, y: 0, w: c.w, h: c.h }, Some(c), GrayImage::new(c.w, c.h))
        }
        FormatMode::Outpaint => {
            let ((cw, ch), at) = plan_outpaint(w, h, aspect);
            let inside =
                |x: u32, y: u32| x >= at.x && y >= at.y && x < at.x + at.w && y < at.y + at.h;
            let mask =
                GrayImage::from_fn(cw, ch, |x, y| Luma([if inside(x, y) { 0 } else { 255 }]));
            // Refused now, with the reason, rather than failed later by the worker's same check.
            engine_limits::check_alpha(&mask, settings.engine.max_mask_pixels).map_err(|e| {
                FormatError::Invalid(format!("outpaint to {}: {e}", aspect.as_str()))
            })?;
            ((cw, ch), at, None, mask)
        }
    };
    let params = FormatParams { mode, focus, crop, canvas };
    let params_json =
        serde_json::to_string(&params).map_err(|e| FormatError::Invalid(e.to_string()))?;
    let rect_json =
        serde_json::to_string(&placed).map_err(|e| FormatError::Invalid(e.to_string()))?;
    let mask_sha = blobs.put(&imaging::png_gray(&mask).map_err(VariantError::from)?)?;
    conn.transaction(|tx| -> Result<FormatCreated, FormatError> {
        let base = match &src {
            Some(v) => v.code.clone(),
            None => master_base_code(tx, master.id)?,
        };
        let code = format!("{base}-{}", aspect.code_suffix());
        if variants::code_exists(tx, &code)? {
            return Err(FormatError::Invalid(format!(
                "{code} exists already: this source has its {} format",
                aspect.as_str()
            )));
        }
        let (variable, value) = match &src {
            Some(v) => (v.variable.as_str(), v.value.as_str()),
            // A master's formats change nothing: they are the control arm in other placements.
            None => ("format", aspect.as_str()),
        };
        let v = variants::insert_format(
            tx,
            &NewFormat {
                master_id: master.id,
                parent_variant_id: src.as_ref().and_then(|v| v.parent_variant_id),
                code: &code,
                variable,
                value,
                operation: mode.as_str(),
                params: &params_json,
                mask_sha: mask_sha.as_str(),
                created_by: user_id,
                created_at: crate::db::now(),
                format: aspect.as_str(),
                format_of: src.as_ref().map(|v| v.id),
                source_rect: &rect_json,
            },
        )?;
        let job = RenderJob::enqueue(tx, v.id, ws)?;
        variants::set_job(tx, v.id, job.id)?;
        audit_log::record(tx, user_id, "variant.format", &format!("variant:{}", v.id), &code)?;
        Ok(FormatCreated { id: v.id, job_id: job.id, code, format: aspect.as_str(), mode })
    })
}

/// Queues several placements at once (the formats grid); each outcome is reported on its own,
/// so a 9:16 crop that would cut the edit does not stop the other three.
#[expect(
    clippy::too_many_arguments,
    reason = "the request's fields, as the grid's form carries them"
)]
pub fn create_many(
    conn: &mut DbConn<'_>,
    blobs: &Arc<dyn BlobStore>,
    settings: &Settings,
    ws: WorkspaceId,
    source: FormatSource,
    aspects: &[Aspect],
    mode: &str,
    focus: Option<[u32; 4]>,
    user_id: Option<i32>,
) -> Vec<Result<FormatCreated, FormatError>> {
    aspects
        .iter()
        .map(|a| {
            let req = FormatRequest { aspect: a.as_str().to_owned(), mode: mode.to_owned(), focus };
            create(conn, blobs, settings, ws, source, &req, user_id)
        })
        .collect()
}

fn dim(v: i32) -> Result<u32, FormatError> {
    u32::try_from(v).map_err(|_| FormatError::Invalid(format!("bad image size {v}")))
}

/// The union of the boxes of every edit in `v`'s lineage (its own mask and its ancestors'),
/// each grown by the operation's grow and feather: what a crop must keep whole.
fn edited_box(
    conn: &mut DbConn<'_>,
    blobs: &Arc<dyn BlobStore>,
    v: &Variant,
) -> Result<Option<Rect>, FormatError> {
    let mut out: Option<Rect> = None;
    let mut next = Some(v.clone());
    while let Some(cur) = next {
        let mask = image::load_from_memory(&blobs.get(&BlobId::parse(&cur.mask_sha)?)?)
            .map_err(|e| FormatError::Invalid(format!("mask of {}: {e}", cur.code)))?
            .to_luma8();
        let (mw, mh) = mask.dimensions();
        if let Some(win) = ::imaging::active_window(&mask) {
            let margin = Operation::parse(&cur.operation)
                .ok()
                .zip(Params::parse(&cur.params).ok())
                .map(|(op, p)| p.grow_for(op) + p.feather_for(op))
                .unwrap_or(0);
            let win = win.expand(margin, mw, mh);
            let r = Rect { x: win.x, y: win.y, w: win.width, h: win.height };
            out = Some(out.map_or(r, |o| o.union(r)));
        }
        next = cur.parent_variant_id.map(|p| variants::find(conn, p)).transpose()?;
    }
    Ok(out)
}

/// The base code of a master's formats: the one its first format took, else a fresh one.
fn master_base_code(conn: &mut DbConn<'_>, master_id: i32) -> Result<String, FormatError> {
    let existing = variants::formats_of(conn, master_id, None)?;
    if let Some(code) =
        existing.first().and_then(|v| v.code.rsplit_once('-').map(|(b, _)| b.to_owned()))
    {
        return Ok(code);
    }
    Ok(fresh_code(conn)?)
}

/// A placement as the formats grid lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AspectView {
    pub aspect: &'static str,
    /// The code suffix, which also names its checkbox.
    pub suffix: &'static str,
    pub width: u32,
    pub height: u32,
}

/// The placements, for the formats grid.
pub fn aspects() -> Vec<AspectView> {
    Aspect::ALL
        .iter()
        .map(|a| AspectView {
            aspect: a.as_str(),
            suffix: a.code_suffix(),
            width: a.delivery().0,
            height: a.delivery().1,
        })
        .collect()
}
