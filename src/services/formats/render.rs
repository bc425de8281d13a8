//! Rendering a format sibling in an engine worker: cut or extend the source's canvas at its own
//! resolution, audit that every source pixel is still the source's, then resample to the
//! placement's delivery size.

use std::sync::Arc;

use ::imaging::{Aspect, EditKind, PrimingReport, Rect, prime_edit};
use image::imageops::{self, FilterType};
use image::{GrayImage, RgbImage};
use inpaint::{InpaintOptions, Inpainter};

use super::{FormatMode, FormatParams};
use crate::blobs::{BlobId, BlobStore};
use crate::config::Settings;
use crate::db::variants::{AuditUpdate, Variant};
use crate::db::{DbConn, masters, variants};
use crate::services::audit::Audit;
use crate::services::engine_limits;
use crate::services::imaging;
use crate::services::jobs::{RenderError, Rendered};
use crate::services::pictures;
use crate::services::variants::decode_parent;

/// Renders format sibling `v` (a row with `format` set).
pub fn render(
    conn: &mut DbConn<'_>,
    blobs: &Arc<dyn BlobStore>,
    settings: &Settings,
    engine: &dyn Inpainter,
    v: &Variant,
    progress: &dyn Fn(f64),
) -> Result<Rendered, RenderError> {
    let bad = |what: &str| RenderError::Invalid(format!("format {}: {what}", v.code));
    let aspect =
        v.format.as_deref().and_then(Aspect::parse).ok_or_else(|| bad("unknown aspect"))?;
    let params: FormatParams = serde_json::from_str(&v.params).map_err(|e| bad(&e.to_string()))?;
    let placed: Rect = v
        .source_rect
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
        .ok_or_else(|| bad("no source_rect"))?;
    // The source's own priming report travels into the format: its glitches are still there.
    let (source_sha, source_priming) = match v.format_of {
        Some(id) => {
            let src = variants::find(conn, id)?;
            let report: Option<PrimingReport> =
                src.priming.as_deref().and_then(|r| serde_json::from_str(r).ok());
            (src.result_sha.ok_or_else(|| bad("its source has no result"))?, report)
        }
        None => (masters::find(conn, v.master_id)?.image_sha, None),
    };
    let source = decode_parent(blobs, settings, &source_sha)?;
    let mask =
        inpaint::load_mask(&blobs.get(&BlobId::parse(&v.mask_sha)?)?, &imaging::limits(settings))?;
    progress(0.1);
    // What the engine starts from: the source placed on the canvas, and its edge pixels carried
    // outwards so the fill begins from the scene's colours rather than black.
    let (cw, ch) = params.canvas;
    let start = RgbImage::from_fn(cw, ch, |x, y| {
        let sx = i64::from(x) - i64::from(placed.x) + i64::from(params.crop.map_or(0, |c| c.x));
        let sy = i64::from(y) - i64::from(placed.y) + i64::from(params.crop.map_or(0, |c| c.y));
        let sx = sx.clamp(0, i64::from(source.width()) - 1) as u32;
        let sy = sy.clamp(0, i64::from(source.height()) - 1) as u32;
        *source.get_pixel(sx, sy)
    });
    let canvas = match params.mode {
        FormatMode::Crop => start.clone(),
        FormatMode::Outpaint => {
            engine_limits::check_alpha(&mask, settings.engine.max_mask_pixels)?;
            let opts = InpaintOptions { seed: 0, grow: 0, feather: 0, context_margin: None };
            inpaint::run(engine, &start, &mask, &opts)?.image
        }
    };
    progress(0.7);
    let audit = audit_placement(&source, &canvas, placed, params.crop, &mask);
    let (dw, dh) = aspect.delivery();
    let delivery = imageops::resize(&canvas, dw, dh, FilterType::Lanczos3);
    let mut priming =
        prime_edit(&start, &canvas, &mask, EditKind::Content).map_err(|e| bad(&e.to_string()))?;
    if let Some(src) = source_priming {
        let window =
            params.crop.unwrap_or(Rect { x: 0, y: 0, w: source.width(), h: source.height() });
        priming = priming.merged(src.reframed(window, (placed.x, placed.y), cw, ch));
    }
    let pictures = pictures::derive(blobs, &start, &canvas, &mask)?;
    let result_sha = blobs.put(&imaging::png_rgb(&delivery)?)?;
    let canvas_sha = blobs.put(&imaging::png_rgb(&canvas)?)?;
    let note = match params.mode {
        FormatMode::Crop => format!(
            "exact: a {}x{} window of the source, every pixel the source's, resampled to {dw}x{dh}",
            canvas.width(),
            canvas.height()
        ),
        FormatMode::Outpaint => format!(
            "outpainted: {:.1} % of the {cw}x{ch} canvas is new; {} of the source's {} px changed in source_rect [{}, {}, {}, {}] (0 is required); resampled to {dw}x{dh}",
            audit.mask_fraction * 100.0,
            audit.changed_outside_mask_px,
            u64::from(placed.w) * u64::from(placed.h),
            placed.x,
            placed.y,
            placed.w,
            placed.h
        ),
    };
    let update = AuditUpdate {
        result_sha: Some(result_sha.as_str().to_owned()),
        changed_outside_mask_px: Some(
            i64::try_from(audit.changed_outside_mask_px).unwrap_or(i64::MAX),
        ),
        changed_fraction: Some(audit.changed_fraction),
        mask_fraction: Some(audit.mask_fraction),
        delta_e: None,
        controlled: Some(audit.controlled),
        audit_note: Some(note),
        lightness_corr: None,
        gamut_mapped_px: None,
        canvas_sha: Some(canvas_sha.as_str().to_owned()),
        priming: serde_json::to_string(&priming).ok(),
    };
    Ok(Rendered { update, audit, pictures })
}

/// The audit of a placement: every canvas pixel in `placed` compared with the source pixel it
/// came from, so "bit-identical" is counted, not assumed.
fn audit_placement(
    source: &RgbImage,
    canvas: &RgbImage,
    placed: Rect,
    crop: Option<Rect>,
    mask: &GrayImage,
) -> Audit {
    let (ox, oy) = crop.map_or((0, 0), |c| (c.x, c.y));
    let mut changed = 0u64;
    for y in 0..placed.h {
        for x in 0..placed.w {
            if canvas.get_pixel(placed.x + x, placed.y + y) != source.get_pixel(ox + x, oy + y) {
                changed += 1;
            }
        }
    }
    let total = (u64::from(canvas.width()) * u64::from(canvas.height())).max(1) as f64;
    let new_px = mask.pixels().filter(|p| p[0] > 0).count() as f64;
    let placed_px = (u64::from(placed.w) * u64::from(placed.h)).max(1) as f64;
    Audit {
        changed_outside_mask_px: changed,
        changed_fraction: new_px / total,
        mask_fraction: new_px / total,
        leak_fraction: changed as f64 / placed_px,
        controlled: changed == 0,
    }
}
