//! The bit-exact blend of an edited image back into the original under a prepared alpha.

use image::{GrayImage, RgbImage};

/// A rectangle of the image, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width (at least 1).
    pub width: u32,
    /// Height (at least 1).
    pub height: u32,
}

impl Window {
    /// Grown by `margin` px on each side, clipped to a `width`×`height` image.
    pub fn expand(self, margin: u32, width: u32, height: u32) -> Window {
        let x0 = self.x.saturating_sub(margin);
        let y0 = self.y.saturating_sub(margin);
        let x1 = (self.x + self.width).saturating_add(margin).min(width);
        let y1 = (self.y + self.height).saturating_add(margin).min(height);
        Window { x: x0, y: y0, width: x1 - x0, height: y1 - y0 }
    }
}

/// Bounding box of the pixels with alpha > 0, or `None` when there are none. Work is confined
/// to it, so a small mask on a large photo costs little.
pub fn active_window(alpha: &GrayImage) -> Option<Window> {
    let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
    for (x, y, p) in alpha.enumerate_pixels() {
        if p[0] > 0 {
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
    }
    (x0 != u32::MAX).then(|| Window { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 })
}

/// `original × (1 − α) + edited × α`, rounded, for pixels with α > 0. Every other pixel is copied
/// from `original`, so it is bit-identical by construction rather than by arithmetic luck.
/// The three images must have the same size.
pub fn blend(original: &RgbImage, edited: &RgbImage, alpha: &GrayImage) -> RgbImage {
    let mut out = original.clone();
    for ((o, e), (a, px)) in
        original.pixels().zip(edited.pixels()).zip(alpha.pixels().zip(out.pixels_mut()))
    {
        let a = u32::from(a[0]);
        if a == 0 {
            continue;
        }
        for c in 0..3 {
            let v = (u32::from(o[c]) * (255 - a) + u32::from(e[c]) * a + 127) / 255;
            px[c] = u8::try_from(v).unwrap_or(u8::MAX);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use image::{Luma, Rgb};

    use super::*;

    #[test]
    fn zero_alpha_copies_full_alpha_replaces_half_mixes() {
        let original = RgbImage::from_pixel(3, 1, Rgb([10, 20, 30]));
        let edited = RgbImage::from_pixel(3, 1, Rgb([210, 220, 230]));
        let alpha = GrayImage::from_fn(3, 1, |x, _| Luma([[0, 255, 128][x as usize]]));
        let out = blend(&original, &edited, &alpha);
        assert_eq!(out.get_pixel(0, 0), &Rgb([10, 20, 30]));
        assert_eq!(out.get_pixel(1, 0), &Rgb([210, 220, 230]));
        assert_eq!(out.get_pixel(2, 0), &Rgb([110, 120, 130]));
    }

    #[test]
    fn window_is_the_bounding_box_of_nonzero_alpha() {
        let alpha =
            GrayImage::from_fn(10, 8, |x, y| Luma([u8::from((3..6).contains(&x) && y == 4)]));
        let w = active_window(&alpha).unwrap();
        assert_eq!(w, Window { x: 3, y: 4, width: 3, height: 1 });
        assert_eq!(w.expand(2, 10, 8), Window { x: 1, y: 2, width: 7, height: 5 });
        assert!(active_window(&GrayImage::new(4, 4)).is_none());
    }
}
