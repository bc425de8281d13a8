//! Smart selection for the mask editor: the object in a box (GrabCut over a Boykov–Kolmogorov
//! minimum cut) and the magic wand (similar colour). Both return a mask, 255 = selected, that the
//! editor merges into what the user painted.

mod gmm;
mod grabcut;
mod maxflow;
mod strokes;
mod wand;

#[cfg(test)]
mod composites;

pub use grabcut::{GrabCut, grab_cut};
pub use strokes::{MAX_STROKE_POINTS, rasterize_strokes};
pub use wand::{MAX_TOLERANCE, Wand, magic_wand};

use image::GrayImage;

use crate::Window;

/// A selection that cannot be made; the message is for the user.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SelectError {
    #[error("{0}")]
    Invalid(String),
}

/// Checks that a box has area and lies inside a `w`×`h` image.
pub fn check_box(rect: Window, w: u32, h: u32) -> Result<(), SelectError> {
    if rect.width < 2 || rect.height < 2 {
        return Err(SelectError::Invalid(format!(
            "the box is {}x{} px; drag one at least 2x2",
            rect.width, rect.height
        )));
    }
    let fits = rect.x.checked_add(rect.width).is_some_and(|r| r <= w)
        && rect.y.checked_add(rect.height).is_some_and(|b| b <= h);
    if !fits {
        return Err(SelectError::Invalid(format!(
            "the box {}x{} at ({}, {}) runs outside the {w}x{h} image",
            rect.width, rect.height, rect.x, rect.y
        )));
    }
    Ok(())
}

/// Intersection over union of two masks (> 127 = in); 1 when both are empty.
pub fn iou(a: &GrayImage, b: &GrayImage) -> f64 {
    let (mut inter, mut union) = (0u64, 0u64);
    for (p, q) in a.pixels().zip(b.pixels()) {
        let (x, y) = (p[0] > 127, q[0] > 127);
        inter += u64::from(x && y);
        union += u64::from(x || y);
    }
    if union == 0 { 1.0 } else { inter as f64 / union as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    #[test]
    fn iou_of_half_overlapping_squares() {
        let sq = |x0: u32| {
            GrayImage::from_fn(20, 10, |x, y| {
                Luma([if (x0..x0 + 10).contains(&x) && y < 10 { 255 } else { 0 }])
            })
        };
        assert_eq!(iou(&sq(0), &sq(0)), 1.0);
        assert!((iou(&sq(0), &sq(5)) - 50.0 / 150.0).abs() < 1e-12);
        assert_eq!(iou(&sq(0), &sq(10)), 0.0);
    }

    #[test]
    fn boxes_must_have_area_and_fit() {
        assert!(check_box(Window { x: 0, y: 0, width: 10, height: 10 }, 10, 10).is_ok());
        assert!(check_box(Window { x: 1, y: 0, width: 10, height: 10 }, 10, 10).is_err());
        assert!(check_box(Window { x: 0, y: 0, width: 1, height: 10 }, 10, 10).is_err());
        assert!(check_box(Window { x: u32::MAX, y: 0, width: 5, height: 5 }, 10, 10).is_err());
    }
}
