//! The priming check where people work: a variant's report (written by the worker with the
//! audit, or computed once here for variants rendered before the check existed) and a master's,
//! on demand. The pixel analysis itself is `imaging::prime_edit` / `prime_master`.

use std::sync::Arc;

use ::imaging::{PrimingReport, PrimingVerdict, prime_edit, prime_master};

use crate::blobs::{BlobId, BlobStore};
use crate::config::Settings;
use crate::db::masters::Master;
use crate::db::workspaces::WorkspaceId;
use crate::db::{DbPool, masters, variants};
use crate::services::imaging;
use crate::services::variants::{Operation, Params, VariantError, decode_parent};

/// A report with what the pages need around it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PrimingView {
    pub variant_id: Option<i32>,
    pub master_id: i32,
    pub report: PrimingReport,
    /// How many findings warn, per check: seam, clone, broken joint.
    pub warnings: [usize; 3],
    pub ready: bool,
}

impl PrimingView {
    fn new(variant_id: Option<i32>, master_id: i32, report: PrimingReport) -> Self {
        let warnings = report.warnings();
        let ready = report.verdict == PrimingVerdict::Pass;
        Self { variant_id, master_id, report, warnings, ready }
    }
}

/// The priming report of variant `id` of workspace `ws`.
pub fn variant(
    pool: &DbPool,
    blobs: &Arc<dyn BlobStore>,
    settings: &Settings,
    ws: WorkspaceId,
    id: i32,
) -> Result<PrimingView, VariantError> {
    let (v, parent_sha) = pool.run(|c| -> Result<_, VariantError> {
        let v = variants::find_in(c, ws, id)?;
        let parent_sha = match v.parent_variant_id {
            Some(p) => variants::find(c, p)?.result_sha,
            None => Some(masters::find(c, v.master_id)?.image_sha),
        };
        Ok((v, parent_sha))
    })?;
    if let Some(report) = v.priming.as_deref().and_then(|s| serde_json::from_str(s).ok()) {
        return Ok(PrimingView::new(Some(v.id), v.master_id, report));
    }
    let not_ready = || VariantError::NotReady("the variant has not finished rendering".into());
    let result_sha = v.result_sha.as_deref().ok_or_else(not_ready)?;
    if v.format.is_some() {
        // Formats always get their report with their render.
        return Err(not_ready());
    }
    let parent = decode_parent(blobs, settings, parent_sha.as_deref().ok_or_else(not_ready)?)?;
    let result = decode_parent(blobs, settings, result_sha)?;
    let limits = imaging::limits(settings);
    let mask = inpaint::load_mask(&blobs.get(&BlobId::parse(&v.mask_sha)?)?, &limits)?;
    let op = Operation::parse(&v.operation)?;
    let params = Params::parse(&v.params)?;
    let alpha = inpaint::mask::prepare_alpha(&mask, params.grow_for(op), params.feather_for(op))?;
    let report = prime_edit(&parent, &result, &alpha, op.edit_kind())
        .map_err(|e| VariantError::Invalid(e.to_string()))?;
    let json = serde_json::to_string(&report).map_err(|e| VariantError::Invalid(e.to_string()))?;
    pool.run(|c| variants::set_priming(c, v.id, &json).map_err(VariantError::from))?;
    Ok(PrimingView::new(Some(v.id), v.master_id, report))
}

/// The priming report of master `id` of workspace `ws`: repeated texture over the whole frame.
pub fn master(
    pool: &DbPool,
    blobs: &Arc<dyn BlobStore>,
    settings: &Settings,
    ws: WorkspaceId,
    id: i32,
) -> Result<PrimingView, VariantError> {
    Ok(master_page(pool, blobs, settings, ws, id)?.1)
}

/// The master and its priming report, for its priming page.
pub fn master_page(
    pool: &DbPool,
    blobs: &Arc<dyn BlobStore>,
    settings: &Settings,
    ws: WorkspaceId,
    id: i32,
) -> Result<(Master, PrimingView), VariantError> {
    let m = pool.run(|c| masters::find_in(c, ws, id).map_err(VariantError::from))?;
    let img = decode_parent(blobs, settings, &m.image_sha)?;
    let view = PrimingView::new(None, m.id, prime_master(&img));
    Ok((m, view))
}

/// Sizes of the priming pack: the inputs image-to-video models commonly take (720p landscape
/// and portrait, and a square).
pub const PACK_SIZES: [(&str, u32, u32); 3] =
    [("16x9", 1280, 720), ("9x16", 720, 1280), ("1x1", 1024, 1024)];

/// One image of the pack, for its manifest.
#[derive(Debug, Clone, serde::Serialize)]
struct PackEntry {
    file: String,
    width: u32,
    height: u32,
    /// The window of the variant it was cut from, `[x,y,w,h]`.
    crop: [u32; 4],
    /// Whether that window had to cut into the edited region (the aspect is too far from the
    /// image's to hold it whole).
    cuts_edit: bool,
}

/// The priming pack of variant `id` of workspace `ws`: a zip with the variant at each of
/// [`PACK_SIZES`] (cropped around the edited region where it fits) and `priming.json`.
pub fn pack(
    pool: &DbPool,
    blobs: &Arc<dyn BlobStore>,
    settings: &Settings,
    ws: WorkspaceId,
    id: i32,
) -> Result<(String, Vec<u8>), VariantError> {
    use std::io::Write;

    let view = variant(pool, blobs, settings, ws, id)?;
    let v = pool.run(|c| variants::find_in(c, ws, id).map_err(VariantError::from))?;
    let not_ready = || VariantError::NotReady("the variant has not finished rendering".into());
    // Report coordinates are a format's canvas; the crops are taken from that same canvas.
    let sha = v.canvas_sha.as_deref().or(v.result_sha.as_deref()).ok_or_else(not_ready)?;
    let img = decode_parent(blobs, settings, sha)?;
    let (w, h) = img.dimensions();
    // Every finding lies in or on the edited region; their union is what a crop should keep.
    let keep = view
        .report
        .findings
        .iter()
        .map(|f| ::imaging::Rect::from(f.rect))
        .reduce(|a, b| a.union(b));
    let zip_err = |e: zip::result::ZipError| VariantError::Invalid(format!("zip: {e}"));
    let io_err = |e: std::io::Error| VariantError::Invalid(format!("zip: {e}"));
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts =
        zip::write::FileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut entries = Vec::new();
    for (label, tw, th) in PACK_SIZES {
        let (crop, cuts_edit) = match ::imaging::crop_to(w, h, (tw, th), label, keep) {
            Ok(c) => (c, false),
            Err(_) => (
                ::imaging::crop_to(w, h, (tw, th), label, None)
                    .map_err(|e| VariantError::Invalid(e.to_string()))?,
                true,
            ),
        };
        let cut = image::imageops::crop_imm(&img, crop.x, crop.y, crop.w, crop.h).to_image();
        let out = image::imageops::resize(&cut, tw, th, image::imageops::FilterType::Lanczos3);
        let file = format!("{}_{label}_{tw}x{th}.png", v.code);
        zip.start_file(file.clone(), opts).map_err(zip_err)?;
        zip.write_all(&imaging::png_rgb(&out)?).map_err(io_err)?;
        entries.push(PackEntry { file, width: tw, height: th, crop: crop.into(), cuts_edit });
    }
    let manifest = serde_json::json!({ "variant": v.code, "priming": view, "images": entries });
    zip.start_file("priming.json", opts).map_err(zip_err)?;
    zip.write_all(manifest.to_string().as_bytes()).map_err(io_err)?;
    let bytes = zip.finish().map_err(zip_err)?.into_inner();
    Ok((format!("{}-priming-pack.zip", v.code), bytes))
}
