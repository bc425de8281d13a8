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
use ::imaging::{GrabCut, SelectError, Wand, Window, check_box, grab_cut, magic_wand};

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

/// `{"tool": "object", "x", "y", "width", "height"}` or
/// `{"tool": "colour", "x", "y", "tolerance", "contiguous"}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "tool", rename_all = "snake_case")]
pub enum SelectionTool {
    /// The object inside a box.
    Object { x: u32, y: u32, width: u32, height: u32 },
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
        SelectionTool::Object { x, y, width, height } => {
            let rect = Window { x, y, width, height };
            let (w, h) = image.dimensions();
            // Checked at full size, so the message names the numbers the user sent.
            check_box(rect, w, h).map_err(invalid)?;
            let scale = (f64::from(WORK_PIXELS) / (f64::from(w) * f64::from(h))).sqrt();
            if scale >= 1.0 {
                return grab_cut(image, rect, &GrabCut::default()).map_err(invalid);
            }
            let s = |v: u32| (f64::from(v) * scale).round() as u32;
            let small = imageops::resize(image, s(w).max(2), s(h).max(2), FilterType::Triangle);
            let (sw, sh) = small.dimensions();
            let (sx, sy) = (s(x).min(sw - 2), s(y).min(sh - 2));
            let small_rect = Window {
                x: sx,
                y: sy,
                width: s(width).clamp(2, sw - sx),
                height: s(height).clamp(2, sh - sy),
            };
            let mask = grab_cut(&small, small_rect, &GrabCut::default()).map_err(invalid)?;
            let back = imageops::resize(&mask, w, h, FilterType::Triangle);
            Ok(GrayImage::from_fn(w, h, |px, py| {
                Luma([if back.get_pixel(px, py)[0] > 127 { 255 } else { 0 }])
            }))
        }
        SelectionTool::Colour { x, y, tolerance, contiguous } => {
            magic_wand(image, x, y, Wand { tolerance, contiguous }).map_err(invalid)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

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
        let tool = SelectionTool::Object { x: 560, y: 160, width: 680, height: 680 };
        let mask = compute(&img, &tool).unwrap();
        assert_eq!(mask.dimensions(), (w, h));
        let truth = GrayImage::from_fn(w, h, |x, y| Luma([if inside(x, y) { 255 } else { 0 }]));
        let iou = ::imaging::iou(&mask, &truth);
        assert!(iou > 0.97, "IoU {iou}");
        // The box is checked at full size, so the message names the numbers that were sent.
        let outside = SelectionTool::Object { x: 1990, y: 0, width: 20, height: 20 };
        let err = compute(&img, &outside).unwrap_err().to_string();
        assert!(err.contains("(1990, 0)"), "{err}");
    }
}
