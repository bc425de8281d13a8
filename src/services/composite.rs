//! Composite: place a reference image (a background plate, or a product cut-out with alpha) into
//! the mask with a feathered blend. Pixels where the prepared alpha is 0 stay bit-identical.
//!
//! Every buffer here is at most the size of the mask's bounding box (itself inside the parent):
//! only the part of the reference that lands in the box is resized, never the whole reference at
//! the covering scale, which for a 1×12000 reference and a 4000×1 box would be 768 GB.

use image::imageops::FilterType;
use image::{GrayImage, Luma, RgbImage, RgbaImage};
use inpaint::mask::{CropWindow, bounding_box, composite};

/// The most a reference may be enlarged to cover the mask's box. Beyond it, the result is a
/// smear of a few source pixels, never a usable creative, so it is refused rather than rendered.
pub const MAX_UPSCALE: f64 = 16.0;

/// Why a reference cannot be placed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CompositeError {
    /// The prepared alpha is empty.
    #[error("the mask selects no pixels")]
    EmptyMask,
    /// Covering the box would enlarge the reference more than [`MAX_UPSCALE`].
    #[error(
        "the reference image is {width}x{height} px: covering the mask's {box_width}x{box_height} px box would enlarge it {scale:.0}x, and at most {MAX_UPSCALE}x is allowed; upload a reference of at least {min_width}x{min_height} px"
    )]
    TooSmall {
        width: u32,
        height: u32,
        box_width: u32,
        box_height: u32,
        /// The enlargement covering would need.
        scale: f64,
        /// Smallest acceptable reference width.
        min_width: u32,
        /// Smallest acceptable reference height.
        min_height: u32,
    },
}

/// The part of a `width`×`height` reference that covers `bbox` (scaled to cover it, keeping the
/// aspect ratio, centred and cropped), as a rectangle of the reference.
pub fn visible_part(
    width: u32,
    height: u32,
    bbox: CropWindow,
) -> Result<CropWindow, CompositeError> {
    let (rw, rh) = (f64::from(width.max(1)), f64::from(height.max(1)));
    let (bw, bh) = (f64::from(bbox.width), f64::from(bbox.height));
    let scale = (bw / rw).max(bh / rh);
    if scale > MAX_UPSCALE {
        return Err(CompositeError::TooSmall {
            width,
            height,
            box_width: bbox.width,
            box_height: bbox.height,
            scale,
            min_width: (bw / MAX_UPSCALE).ceil() as u32,
            min_height: (bh / MAX_UPSCALE).ceil() as u32,
        });
    }
    // Both are at most the reference's sides (scale covers both), and at least 1 px.
    let vw = ((bw / scale).round() as u32).clamp(1, width.max(1));
    let vh = ((bh / scale).round() as u32).clamp(1, height.max(1));
    Ok(CropWindow { x: (width - vw) / 2, y: (height - vh) / 2, width: vw, height: vh })
}

/// Scales `reference` to cover the mask's bounding box (keeping its aspect ratio, centred and
/// cropped) and blends it in with `alpha × reference alpha`.
pub fn place(
    base: &RgbImage,
    reference: &RgbaImage,
    alpha: &GrayImage,
) -> Result<RgbImage, CompositeError> {
    let bbox = bounding_box(alpha, 0).ok_or(CompositeError::EmptyMask)?;
    let part = visible_part(reference.width(), reference.height(), bbox)?;
    let crop =
        image::imageops::crop_imm(reference, part.x, part.y, part.width, part.height).to_image();
    let scaled = image::imageops::resize(&crop, bbox.width, bbox.height, FilterType::Lanczos3);
    let mut fill = base.clone();
    let mut combined = GrayImage::new(base.width(), base.height());
    for y in 0..bbox.height {
        for x in 0..bbox.width {
            let (bx, by) = (bbox.x + x, bbox.y + y);
            let p = scaled.get_pixel(x, y);
            fill.put_pixel(bx, by, image::Rgb([p[0], p[1], p[2]]));
            let a = u32::from(alpha.get_pixel(bx, by)[0]) * u32::from(p[3]) / 255;
            combined.put_pixel(bx, by, Luma([a.min(255) as u8]));
        }
    }
    Ok(composite(base, &fill, &combined, bbox))
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
    fn a_sliver_reference_over_a_wide_box_is_refused_before_any_allocation() {
        // The crafted attack: a 1x12000 reference over a 4000x1 box asks for a 4000x enlargement.
        let bbox = CropWindow { x: 0, y: 0, width: 4000, height: 1 };
        let err = visible_part(1, 12_000, bbox).unwrap_err();
        assert!(matches!(err, CompositeError::TooSmall { min_width: 250, min_height: 1, .. }));
        assert!(err.to_string().contains("4000x"), "{err}");
    }

    #[test]
    fn only_the_covering_part_of_the_reference_is_used() {
        // A 400x100 reference covering a 50x50 box: scale 0.5, the centred 100x100 square.
        let bbox = CropWindow { x: 7, y: 9, width: 50, height: 50 };
        assert_eq!(
            visible_part(400, 100, bbox).unwrap(),
            CropWindow { x: 150, y: 0, width: 100, height: 100 }
        );
        // Enlarging 16x is still allowed.
        let wide = CropWindow { x: 0, y: 0, width: 160, height: 16 };
        assert_eq!(visible_part(10, 1, wide).unwrap().width, 10);
    }

    #[test]
    fn transparent_cutout_pixels_keep_the_base() {
        let base = RgbImage::from_pixel(10, 10, Rgb([9, 9, 9]));
        let alpha = GrayImage::from_pixel(10, 10, Luma([255]));
        let reference = RgbaImage::from_pixel(10, 10, Rgba([255, 0, 0, 0]));
        assert_eq!(place(&base, &reference, &alpha).unwrap(), base);
    }
}
