//! Composite: place a reference image (a background plate, or a product cut-out with alpha) into
//! the mask with a feathered blend. Pixels where the prepared alpha is 0 stay bit-identical.

use image::imageops::FilterType;
use image::{GrayImage, Luma, RgbImage, RgbaImage};
use inpaint::mask::{bounding_box, composite};

/// Scales `reference` to cover the mask's bounding box (keeping its aspect ratio, centred and
/// cropped) and blends it in with `alpha × reference alpha`. Returns `None` for an empty alpha.
pub fn place(base: &RgbImage, reference: &RgbaImage, alpha: &GrayImage) -> Option<RgbImage> {
    let bbox = bounding_box(alpha, 0)?;
    let (rw, rh) = (f64::from(reference.width().max(1)), f64::from(reference.height().max(1)));
    let scale = (f64::from(bbox.width) / rw).max(f64::from(bbox.height) / rh);
    let (sw, sh) = (
        ((rw * scale).ceil() as u32).max(bbox.width),
        ((rh * scale).ceil() as u32).max(bbox.height),
    );
    let scaled = image::imageops::resize(reference, sw, sh, FilterType::Lanczos3);
    let (ox, oy) = ((sw - bbox.width) / 2, (sh - bbox.height) / 2);
    let mut fill = base.clone();
    let mut combined = GrayImage::new(base.width(), base.height());
    for y in 0..bbox.height {
        for x in 0..bbox.width {
            let (bx, by) = (bbox.x + x, bbox.y + y);
            let p = scaled.get_pixel(ox + x, oy + y);
            fill.put_pixel(bx, by, image::Rgb([p[0], p[1], p[2]]));
            let a = u32::from(alpha.get_pixel(bx, by)[0]) * u32::from(p[3]) / 255;
            combined.put_pixel(bx, by, Luma([a.min(255) as u8]));
        }
    }
    Some(composite(base, &fill, &combined, bbox))
}

#[cfg(test)]
mod tests {
    use image::{Rgb, Rgba};

    use super::*;

    #[test]
    fn reference_lands_inside_and_outside_is_bit_identical() {
        let base = RgbImage::from_fn(30, 30, |x, y| Rgb([x as u8 * 3, y as u8 * 3, 50]));
        let alpha = GrayImage::from_fn(30, 30, |x, y| {
            Luma([if (5..15).contains(&x) && (5..15).contains(&y) { 255 } else { 0 }])
        });
        let reference = RgbaImage::from_pixel(8, 8, Rgba([0, 255, 0, 255]));
        let out = place(&base, &reference, &alpha).unwrap();
        assert_eq!(out.get_pixel(10, 10), &Rgb([0, 255, 0]));
        for (x, y, p) in out.enumerate_pixels() {
            if alpha.get_pixel(x, y)[0] == 0 {
                assert_eq!(p, base.get_pixel(x, y));
            }
        }
    }

    #[test]
    fn transparent_cutout_pixels_keep_the_base() {
        let base = RgbImage::from_pixel(10, 10, Rgb([9, 9, 9]));
        let alpha = GrayImage::from_pixel(10, 10, Luma([255]));
        let reference = RgbaImage::from_pixel(10, 10, Rgba([255, 0, 0, 0]));
        assert_eq!(place(&base, &reference, &alpha).unwrap(), base);
    }
}
