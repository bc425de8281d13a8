//! Mask preparation (grow, feather), the bit-exact composite, and the crop window.

use image::{GrayImage, Luma, RgbImage};
use imageproc::distance_transform::euclidean_squared_distance_transform;

use crate::InpaintError;

/// A rectangle of the image, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CropWindow {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width (at least 1).
    pub width: u32,
    /// Height (at least 1).
    pub height: u32,
}

/// Checks what every backend needs: a non-empty image, a mask of the same size that selects at
/// least one pixel. Returns the number of pixels to fill.
pub fn validate(image: &RgbImage, mask: &GrayImage) -> Result<usize, InpaintError> {
    if image.width() == 0 || image.height() == 0 {
        return Err(InpaintError::EmptyImage { width: image.width(), height: image.height() });
    }
    if image.dimensions() != mask.dimensions() {
        return Err(InpaintError::SizeMismatch {
            image_width: image.width(),
            image_height: image.height(),
            mask_width: mask.width(),
            mask_height: mask.height(),
        });
    }
    match mask.as_raw().iter().filter(|&&v| v > 127).count() {
        0 => Err(InpaintError::EmptyMask),
        n => Ok(n),
    }
}

/// Bounding box of the pixels above `threshold`, or `None` when there are none.
pub fn bounding_box(mask: &GrayImage, threshold: u8) -> Option<CropWindow> {
    let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
    for (x, y, p) in mask.enumerate_pixels() {
        if p[0] > threshold {
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
    }
    (x0 != u32::MAX).then(|| CropWindow { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 })
}

/// The grown and feathered alpha (0..255) for a fill mask (>127 = fill).
///
/// Alpha is 255 within `grow` px (Euclidean) of the mask and falls linearly to 0 over the next
/// `feather` px, so feathering only ever widens the edited area: the object being erased never
/// shows through. Every pixel whose alpha is 0 is guaranteed unchanged by [`composite`].
pub fn prepare_alpha(mask: &GrayImage, grow: u32, feather: u32) -> Result<GrayImage, InpaintError> {
    let binary = GrayImage::from_fn(mask.width(), mask.height(), |x, y| {
        Luma([if mask.get_pixel(x, y)[0] > 127 { 255 } else { 0 }])
    });
    let bbox = bounding_box(&binary, 127).ok_or(InpaintError::EmptyMask)?;
    if grow == 0 && feather == 0 {
        return Ok(binary);
    }
    // Distances only matter within grow + feather of the mask, so the transform runs on that
    // window rather than the whole (possibly 12-megapixel) image.
    let reach = grow.saturating_add(feather).saturating_add(1);
    let win = expand(bbox, reach, mask.width(), mask.height());
    let local = image::imageops::crop_imm(&binary, win.x, win.y, win.width, win.height).to_image();
    let dist2 = euclidean_squared_distance_transform(&local);
    let (grow, feather) = (f64::from(grow), f64::from(feather));
    let mut alpha = GrayImage::new(mask.width(), mask.height());
    for (x, y, d2) in dist2.enumerate_pixels() {
        let d = d2[0].sqrt();
        let a = if d <= grow {
            255.0
        } else if feather > 0.0 {
            (255.0 * (grow + feather - d) / feather).round().clamp(0.0, 255.0)
        } else {
            0.0
        };
        // `a` is clamped to 0..=255 above, so the cast cannot truncate.
        alpha.put_pixel(win.x + x, win.y + y, Luma([a as u8]));
    }
    Ok(alpha)
}

/// The pixels a backend must fill: every pixel with non-zero alpha, as 0/255.
pub fn fill_mask(alpha: &GrayImage) -> GrayImage {
    GrayImage::from_fn(alpha.width(), alpha.height(), |x, y| {
        Luma([if alpha.get_pixel(x, y)[0] > 0 { 255 } else { 0 }])
    })
}

/// `original × (1 − α) + fill × α`, computed only inside `window`; outside it and wherever α = 0
/// the original bytes are copied, so those pixels are bit-identical by construction.
pub fn composite(
    original: &RgbImage,
    fill: &RgbImage,
    alpha: &GrayImage,
    window: CropWindow,
) -> RgbImage {
    let mut out = original.clone();
    for y in window.y..window.y + window.height {
        for x in window.x..window.x + window.width {
            let a = u32::from(alpha.get_pixel(x, y)[0]);
            if a == 0 {
                continue;
            }
            let (o, f) = (original.get_pixel(x, y), fill.get_pixel(x, y));
            let mut px = *o;
            for c in 0..3 {
                let v = (u32::from(o[c]) * (255 - a) + u32::from(f[c]) * a + 127) / 255;
                px[c] = u8::try_from(v).unwrap_or(u8::MAX);
            }
            out.put_pixel(x, y, px);
        }
    }
    out
}

/// `bbox` grown by `margin` px on every side, clipped to a `width`×`height` image.
pub fn expand(bbox: CropWindow, margin: u32, width: u32, height: u32) -> CropWindow {
    let x0 = bbox.x.saturating_sub(margin);
    let y0 = bbox.y.saturating_sub(margin);
    let x1 = (bbox.x + bbox.width).saturating_add(margin).min(width);
    let y1 = (bbox.y + bbox.height).saturating_add(margin).min(height);
    CropWindow { x: x0, y: y0, width: x1 - x0, height: y1 - y0 }
}

/// The default context margin for a mask bounding box: as much context as the hole is large
/// (so a patch search has several hole-sizes of texture to copy from), at least 48 px.
pub fn auto_margin(bbox: CropWindow) -> u32 {
    bbox.width.max(bbox.height).max(48)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dot_mask() -> GrayImage {
        let mut m = GrayImage::new(40, 30);
        m.put_pixel(20, 15, Luma([255]));
        m
    }

    #[test]
    fn grow_is_a_disk_and_feather_falls_off_outside_it() {
        let alpha = prepare_alpha(&dot_mask(), 3, 4).unwrap();
        assert_eq!(alpha.get_pixel(20, 15)[0], 255);
        assert_eq!(alpha.get_pixel(23, 15)[0], 255); // distance 3 = grow
        assert_eq!(alpha.get_pixel(22, 17)[0], 255); // distance 2.83
        let mid = alpha.get_pixel(25, 15)[0]; // distance 5: halfway through the feather
        assert!((120..=135).contains(&mid), "{mid}");
        assert_eq!(alpha.get_pixel(27, 15)[0], 0); // distance 7 = grow + feather
        assert_eq!(alpha.get_pixel(0, 0)[0], 0);
        // Monotone in distance along a row.
        let row: Vec<u8> = (20..30).map(|x| alpha.get_pixel(x, 15)[0]).collect();
        assert!(row.windows(2).all(|w| w[0] >= w[1]), "{row:?}");
    }

    #[test]
    fn no_grow_no_feather_keeps_the_binary_mask_and_empty_masks_fail() {
        let alpha = prepare_alpha(&dot_mask(), 0, 0).unwrap();
        assert_eq!(alpha.as_raw().iter().filter(|&&v| v == 255).count(), 1);
        let err = prepare_alpha(&GrayImage::new(8, 8), 2, 2).unwrap_err();
        assert!(matches!(err, InpaintError::EmptyMask));
    }

    #[test]
    fn composite_blends_and_leaves_alpha_zero_untouched() {
        let orig = RgbImage::from_pixel(4, 1, image::Rgb([10, 20, 30]));
        let fill = RgbImage::from_pixel(4, 1, image::Rgb([210, 220, 230]));
        let alpha = GrayImage::from_raw(4, 1, vec![0, 255, 128, 1]).unwrap();
        let all = CropWindow { x: 0, y: 0, width: 4, height: 1 };
        let out = composite(&orig, &fill, &alpha, all);
        assert_eq!(out.get_pixel(0, 0).0, [10, 20, 30]);
        assert_eq!(out.get_pixel(1, 0).0, [210, 220, 230]);
        assert_eq!(out.get_pixel(2, 0).0, [110, 120, 130]);
        assert_eq!(out.get_pixel(3, 0).0, [11, 21, 31]);
    }

    #[test]
    fn validate_reports_size_mismatch_and_empty_mask() {
        let img = RgbImage::new(10, 10);
        let err = validate(&img, &GrayImage::new(10, 9)).unwrap_err();
        assert!(err.to_string().contains("10x9"), "{err}");
        assert!(matches!(validate(&img, &GrayImage::new(10, 10)), Err(InpaintError::EmptyMask)));
        let err = validate(&RgbImage::new(0, 0), &GrayImage::new(0, 0)).unwrap_err();
        assert!(matches!(err, InpaintError::EmptyImage { .. }));
    }

    #[test]
    fn expand_clips_to_the_image() {
        let b = CropWindow { x: 2, y: 50, width: 5, height: 5 };
        assert_eq!(expand(b, 10, 60, 58), CropWindow { x: 0, y: 40, width: 17, height: 18 });
    }
}
