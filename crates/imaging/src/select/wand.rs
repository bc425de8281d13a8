//! The magic wand: pixels whose colour is within a CIEDE2000 tolerance of a clicked pixel.

use image::{GrayImage, Luma, RgbImage};
use palette::color_difference::Ciede2000;

use super::SelectError;
use crate::color::{Decoder, lab_from_linear};

/// Largest tolerance accepted: ΔE2000 100 already spans black to white.
pub const MAX_TOLERANCE: f32 = 100.0;

/// Options for [`magic_wand`].
#[derive(Debug, Clone, Copy)]
pub struct Wand {
    /// ΔE2000 from the seed's colour; about 2 is a just-noticeable difference.
    pub tolerance: f32,
    /// Only pixels joined to the seed (8-connected) through matching pixels; otherwise every
    /// matching pixel of the image.
    pub contiguous: bool,
}

/// 255 where the colour matches the seed at (`x`, `y`), 0 elsewhere.
pub fn magic_wand(image: &RgbImage, x: u32, y: u32, opts: Wand) -> Result<GrayImage, SelectError> {
    let (w, h) = image.dimensions();
    if x >= w || y >= h {
        return Err(SelectError::Invalid(format!(
            "the point ({x}, {y}) is outside the {w}x{h} image"
        )));
    }
    if !(0.0..=MAX_TOLERANCE).contains(&opts.tolerance) {
        return Err(SelectError::Invalid(format!(
            "tolerance must be between 0 and {MAX_TOLERANCE} (ΔE2000), not {}",
            opts.tolerance
        )));
    }
    let dec = Decoder::new();
    let lab = |px: u32, py: u32| lab_from_linear(dec.linear(image.get_pixel(px, py).0));
    let seed = lab(x, y);
    let matches = |px: u32, py: u32| lab(px, py).difference(seed) <= opts.tolerance;
    let mut mask = GrayImage::new(w, h);
    if !opts.contiguous {
        for (px, py, p) in mask.enumerate_pixels_mut() {
            if matches(px, py) {
                *p = Luma([255]);
            }
        }
        return Ok(mask);
    }
    // Flood fill; a pixel is tested once, when first reached, and marked 1 if it failed so that
    // no neighbour tests it again.
    let mut stack = vec![(x, y)];
    mask.put_pixel(x, y, Luma([255]));
    while let Some((cx, cy)) = stack.pop() {
        for (dx, dy) in [(-1i64, -1i64), (0, -1), (1, -1), (-1, 0), (1, 0), (-1, 1), (0, 1), (1, 1)]
        {
            let (nx, ny) = (i64::from(cx) + dx, i64::from(cy) + dy);
            if nx < 0 || ny < 0 || nx >= i64::from(w) || ny >= i64::from(h) {
                continue;
            }
            let (nx, ny) = (nx as u32, ny as u32);
            if mask.get_pixel(nx, ny)[0] != 0 {
                continue;
            }
            if matches(nx, ny) {
                mask.put_pixel(nx, ny, Luma([255]));
                stack.push((nx, ny));
            } else {
                mask.put_pixel(nx, ny, Luma([1]));
            }
        }
    }
    for p in mask.pixels_mut() {
        if p[0] == 1 {
            *p = Luma([0]);
        }
    }
    Ok(mask)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    /// Two separate red squares on grey, one of them a shade lighter.
    fn squares() -> RgbImage {
        RgbImage::from_fn(60, 30, |x, y| {
            let in_sq = (5..20).contains(&y) && ((5..20).contains(&x) || (35..50).contains(&x));
            match (in_sq, x < 30) {
                (true, true) => Rgb([200, 30, 30]),
                (true, false) => Rgb([205, 34, 32]),
                _ => Rgb([128, 128, 128]),
            }
        })
    }

    fn count(m: &GrayImage) -> usize {
        m.pixels().filter(|p| p[0] == 255).count()
    }

    #[test]
    fn contiguous_fill_stops_at_the_square() {
        let m = magic_wand(&squares(), 10, 10, Wand { tolerance: 5.0, contiguous: true });
        assert_eq!(m.map(|m| count(&m)).ok(), Some(225));
    }

    #[test]
    fn global_mode_takes_both_squares_only_within_tolerance() {
        let img = squares();
        let loose = magic_wand(&img, 10, 10, Wand { tolerance: 5.0, contiguous: false });
        let tight = magic_wand(&img, 10, 10, Wand { tolerance: 0.5, contiguous: false });
        assert_eq!(loose.map(|m| count(&m)).ok(), Some(450));
        assert_eq!(tight.map(|m| count(&m)).ok(), Some(225));
    }

    #[test]
    fn refuses_points_outside_and_bad_tolerances() {
        let img = squares();
        assert!(magic_wand(&img, 60, 0, Wand { tolerance: 5.0, contiguous: true }).is_err());
        assert!(magic_wand(&img, 0, 0, Wand { tolerance: -1.0, contiguous: true }).is_err());
        assert!(magic_wand(&img, 0, 0, Wand { tolerance: f32::NAN, contiguous: true }).is_err());
    }
}
