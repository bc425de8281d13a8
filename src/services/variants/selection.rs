//! Smart selection for the mask editor: the object in a dragged box (GrabCut) or the colour
//! around a clicked point (magic wand), computed on the parent's pixels and returned as a mask
//! PNG that the editor merges into what the user painted.

use std::sync::Arc;

use image::imageops::{self, FilterType};
use image::{GrayImage, Luma, RgbImage};
use serde::Deserialize;

use super::{ParentRef, VariantError, decode_parent, locate_parent};
use crate::blobs::BlobStore;
use crate::config::Settings;
use crate::db::DbPool;
use crate::db::workspaces::WorkspaceId;
use crate::services::imaging;
use ::imaging::{
    GrabCut, SelectError, Wand, Window, check_box, grab_cut, magic_wand, rasterize_strokes,
};

/// GrabCut works on at most this many pixels; a larger parent is selected on a downscaled copy
/// and the mask scaled back, which bounds the work of one click whatever the photo's size.
const WORK_PIXELS: u32 = 1_000_000;

/// What the editor sends: the parent and the tool with its input, in the parent's pixels.
#[derive(Debug, Clone, Deserialize)]
pub struct SelectionRequest {
    /// `master` or `variant`.
    #[serde(default = "default_kind")]
    pub parent_kind: String,
    pub parent_id: i32,
    #[serde(flatten)]
    pub tool: SelectionTool,
}

fn default_kind() -> String {
    "master".into()
}

/// `{"tool": "object", "x", "y", "width", "height", "keep"?, "drop"?, "stroke_width"?}` or
/// `{"tool": "colour", "x", "y", "tolerance", "contiguous"}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "tool", rename_all = "snake_case")]
pub enum SelectionTool {
    /// The object inside a box, corrected by strokes over what must be kept (`keep`) or
    /// dropped (`drop`); each stroke is a polyline of [x, y] points in the parent's pixels.
    Object {
        x: u32,
        y: u32,
        width: u32,
        height: u32,
        #[serde(default)]
        keep: Vec<Vec<[f32; 2]>>,
        #[serde(default)]
        drop: Vec<Vec<[f32; 2]>>,
        #[serde(default = "default_stroke_width")]
        stroke_width: f32,
    },
    /// Pixels within `tolerance` (ΔE2000) of the colour at (x, y).
    Colour {
        x: u32,
        y: u32,
        tolerance: f32,
        #[serde(default = "contiguous_by_default")]
        contiguous: bool,
    },
}

fn contiguous_by_default() -> bool {
    true
}

fn default_stroke_width() -> f32 {
    12.0
}

/// The selection as a grayscale PNG (255 = selected) of the parent's size, for a parent in
/// workspace `ws`. The database is only asked where the parent is; the pixels are read and the
/// selection computed after the connection is returned.
pub fn select(
    pool: &DbPool,
    blobs: &Arc<dyn BlobStore>,
    settings: &Settings,
    ws: WorkspaceId,
    req: &SelectionRequest,
) -> Result<Vec<u8>, VariantError> {
    let parent = ParentRef::parse(&req.parent_kind, &req.parent_id.to_string())?;
    let (_, _, sha) = pool.run(|c| locate_parent(c, ws, parent))?;
    let image = decode_parent(blobs, settings, &sha)?;
    let mask = compute(&image, &req.tool)?;
    Ok(imaging::png_gray(&mask)?)
}

/// Runs the tool on `image`; the mask has the image's size.
fn compute(image: &RgbImage, tool: &SelectionTool) -> Result<GrayImage, VariantError> {
    let invalid = |e: SelectError| VariantError::Invalid(e.to_string());
    match *tool {
        SelectionTool::Object { x, y, width, height, ref keep, ref drop, stroke_width } => {
            let (w, h) = image.dimensions();
            // Checked at full size, so the message names the numbers the user sent.
            check_box(Window { x, y, width, height }, w, h).map_err(invalid)?;
            let keep = rasterize_strokes(w, h, keep, stroke_width).map_err(invalid)?;
            let drop = rasterize_strokes(w, h, drop, stroke_width).map_err(invalid)?;
            // A "keep" stroke past the box's edge means the box was drawn too tight.
            let rect = grow_to_cover(Window { x, y, width, height }, &keep);
            object(image, rect, &keep, &drop).map_err(invalid)
        }
        SelectionTool::Colour { x, y, tolerance, contiguous } => {
            magic_wand(image, x, y, Wand { tolerance, contiguous }).map_err(invalid)
        }
    }
}

/// GrabCut on `image` (downscaled to [`WORK_PIXELS`] when larger) with the stroke hints.
fn object(
    image: &RgbImage,
    rect: Window,
    keep: &GrayImage,
    drop: &GrayImage,
) -> Result<GrayImage, SelectError> {
    let (w, h) = image.dimensions();
    let hints =
        |keep, drop| GrabCut { sure_foreground: keep, sure_background: drop, ..GrabCut::default() };
    let marked = |m: &GrayImage| m.pixels().any(|p| p[0] > 127);
    let (keep_hint, drop_hint) = (marked(keep).then_some(keep), marked(drop).then_some(drop));
    let scale = (f64::from(WORK_PIXELS) / (f64::from(w) * f64::from(h))).sqrt();
    if scale >= 1.0 {
        return grab_cut(image, rect, &hints(keep_hint, drop_hint));
    }
    let s = |v: u32| (f64::from(v) * scale).round() as u32;
    let small = imageops::resize(image, s(w).max(2), s(h).max(2), FilterType::Triangle);
    let (sw, sh) = small.dimensions();
    let (sx, sy) = (s(rect.x).min(sw - 2), s(rect.y).min(sh - 2));
    let small_rect = Window {
        x: sx,
        y: sy,
        width: s(rect.width).clamp(2, sw - sx),
        height: s(rect.height).clamp(2, sh - sy),
    };
    // A thin stroke fades when scaled down; any trace of it still counts as the hint.
    let shrink = |m: &GrayImage| {
        let small = imageops::resize(m, sw, sh, FilterType::Triangle);
        GrayImage::from_fn(sw, sh, |px, py| {
            Luma([if small.get_pixel(px, py)[0] > 40 { 255 } else { 0 }])
        })
    };
    let (small_keep, small_drop) = (keep_hint.map(shrink), drop_hint.map(shrink));
    let mask = grab_cut(&small, small_rect, &hints(small_keep.as_ref(), small_drop.as_ref()))?;
    let back = imageops::resize(&mask, w, h, FilterType::Triangle);
    Ok(GrayImage::from_fn(w, h, |px, py| {
        Luma([if back.get_pixel(px, py)[0] > 127 { 255 } else { 0 }])
    }))
}

/// The smallest box holding `rect` and every marked pixel of `keep`.
fn grow_to_cover(rect: Window, keep: &GrayImage) -> Window {
    let (mut x0, mut y0) = (rect.x, rect.y);
    let (mut x1, mut y1) = (rect.x + rect.width, rect.y + rect.height);
    for (px, py, p) in keep.enumerate_pixels() {
        if p[0] > 127 {
            (x0, y0, x1, y1) = (x0.min(px), y0.min(py), x1.max(px + 1), y1.max(py + 1));
        }
    }
    Window { x: x0, y: y0, width: x1 - x0, height: y1 - y0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    fn object_tool(x: u32, y: u32, width: u32, height: u32) -> SelectionTool {
        SelectionTool::Object {
            x,
            y,
            width,
            height,
            keep: Vec::new(),
            drop: Vec::new(),
            stroke_width: default_stroke_width(),
        }
    }

    #[test]
    fn a_large_parent_is_cut_on_a_downscaled_copy_and_answered_at_full_size() {
        // A red disc on a grey 2000x1000 image (2 MP), selected at about 0.7x.
        let (w, h) = (2000u32, 1000u32);
        let inside = |x: u32, y: u32| {
            (f64::from(x) - 900.0).powi(2) + (f64::from(y) - 500.0).powi(2) < 300.0f64.powi(2)
        };
        let img = RgbImage::from_fn(w, h, |x, y| {
            if inside(x, y) {
                Rgb([200, 40, 40 + (x % 7) as u8])
            } else {
                Rgb([90 + (y % 9) as u8, 100, 110])
            }
        });
        let tool = object_tool(560, 160, 680, 680);
        let mask = compute(&img, &tool).unwrap();
        assert_eq!(mask.dimensions(), (w, h));
        let truth = GrayImage::from_fn(w, h, |x, y| Luma([if inside(x, y) { 255 } else { 0 }]));
        let iou = ::imaging::iou(&mask, &truth);
        assert!(iou > 0.97, "IoU {iou}");
        // The box is checked at full size, so the message names the numbers that were sent.
        let outside = object_tool(1990, 0, 20, 20);
        let err = compute(&img, &outside).unwrap_err().to_string();
        assert!(err.contains("(1990, 0)"), "{err}");
    }
}
