//! The warning for a tight mask whose border follows a high-contrast edge.

use image::{GrayImage, RgbImage};

/// Mean luma gradient, across the mask border, above which the border is "high-contrast".
const EDGE_CONTRAST: f64 = 40.0;

/// Warns when a tight mask's border runs along a high-contrast edge: the inpainter then sees half
/// an edge and smears it back in (the boundary-mismatch problem). Growing the mask moves the
/// border into calmer pixels.
pub fn edge_warning(image: &RgbImage, mask: &GrayImage, grow: u32) -> Option<String> {
    if grow >= 8 {
        return None;
    }
    let luma = image::imageops::grayscale(image);
    let (w, h) = mask.dimensions();
    let (mut sum, mut n) = (0f64, 0u64);
    for y in 1..h.saturating_sub(1) {
        for x in 1..w.saturating_sub(1) {
            if mask.get_pixel(x, y)[0] <= 127 {
                continue;
            }
            for (a, b) in [(x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)] {
                if mask.get_pixel(a, b)[0] <= 127 {
                    sum += f64::from(luma.get_pixel(x, y)[0].abs_diff(luma.get_pixel(a, b)[0]));
                    n += 1;
                }
            }
        }
    }
    let mean = if n == 0 { 0.0 } else { sum / n as f64 };
    (mean > EDGE_CONTRAST).then(|| {
        format!(
            "the mask edge sits on a high-contrast edge (mean step {mean:.0} levels); grow it by at least 8 px so the fill does not smear the edge back in"
        )
    })
}

#[cfg(test)]
mod tests {
    use image::{Luma, Rgb};

    use super::*;

    #[test]
    fn tight_mask_on_an_edge_warns() {
        let img =
            RgbImage::from_fn(
                20,
                20,
                |x, _| if x < 10 { Rgb([0, 0, 0]) } else { Rgb([255, 255, 255]) },
            );
        let mask = GrayImage::from_fn(20, 20, |x, _| Luma([if x < 10 { 255 } else { 0 }]));
        assert!(edge_warning(&img, &mask, 0).is_some());
        assert!(edge_warning(&img, &mask, 10).is_none());
        let flat = RgbImage::from_pixel(20, 20, Rgb([80, 80, 80]));
        assert!(edge_warning(&flat, &mask, 0).is_none());
    }
}
