//! The demo edits' masks, drawn from shapes fitted to the master photo.

use image::{GrayImage, Luma};

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
pub(super) fn spoon_mask() -> GrayImage {
    mask_from(|x, y| {
        in_ellipse(x, y, 366.0, 284.0, 44.0, 44.0)
            || near_segment(x, y, (412.0, 70.0), (372.0, 250.0), 14.0)
    })
}

/// The saucer: its ellipse minus the cup, the handle and the spoon.
pub(super) fn saucer_mask() -> GrayImage {
    mask_from(|x, y| {
        in_ellipse(x, y, 278.0, 232.0, 196.0, 148.0)
            && !in_ellipse(x, y, 290.0, 150.0, 124.0, 128.0)
            && !in_ellipse(x, y, 228.0, 268.0, 36.0, 40.0)
            && !in_ellipse(x, y, 366.0, 284.0, 48.0, 48.0)
            && !near_segment(x, y, (412.0, 70.0), (372.0, 250.0), 18.0)
    })
}

/// The dark backdrop in the top-left corner.
pub(super) fn background_mask() -> GrayImage {
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
}
