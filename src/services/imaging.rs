//! Image plumbing shared by the variant services: upload decoding with limits, PNG encoding,
//! thumbnails, the diff heatmap and the mask overlay.

use std::io::Cursor;

use image::{DynamicImage, GrayImage, ImageFormat, Rgb, RgbImage, RgbaImage};
use inpaint::{DecodeLimits, InpaintError};

use crate::config::Settings;

/// Longest side of a thumbnail, in pixels.
pub const THUMB_SIDE: u32 = 240;

/// Errors while decoding or encoding images.
#[derive(Debug, thiserror::Error)]
pub enum ImagingError {
    /// The engine's decoder refused the upload (format, size, corrupt data).
    #[error(transparent)]
    Decode(#[from] InpaintError),
    /// Encoding a PNG failed.
    #[error("encoding PNG: {0}")]
    Encode(#[from] image::ImageError),
}

/// Decode limits from the settings (`max_image_side`, `max_image_pixels`).
pub fn limits(settings: &Settings) -> DecodeLimits {
    DecodeLimits {
        max_width: settings.max_image_side,
        max_height: settings.max_image_side,
        max_pixels: settings.max_image_pixels,
        ..DecodeLimits::default()
    }
}

/// Decodes an RGBA reference (a cut-out keeps its alpha) within `limits`. The engine's
/// `load_image` vets the format and dimensions first; this decodes again keeping alpha.
pub fn load_rgba(bytes: &[u8], limits: &DecodeLimits) -> Result<RgbaImage, ImagingError> {
    inpaint::load_image(bytes, limits)?;
    let mut reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ImagingError::Encode(image::ImageError::IoError(e)))?;
    let mut lim = image::Limits::default();
    lim.max_image_width = Some(limits.max_width);
    lim.max_image_height = Some(limits.max_height);
    lim.max_alloc = Some(limits.max_alloc);
    reader.limits(lim);
    Ok(reader.decode()?.to_rgba8())
}

/// Encodes an RGB image as PNG.
pub fn png_rgb(img: &RgbImage) -> Result<Vec<u8>, ImagingError> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png)?;
    Ok(out.into_inner())
}

/// Encodes a grayscale image as PNG.
pub fn png_gray(img: &GrayImage) -> Result<Vec<u8>, ImagingError> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png)?;
    Ok(out.into_inner())
}

/// A PNG thumbnail no larger than [`THUMB_SIDE`] on its longest side.
pub fn thumbnail(img: &RgbImage) -> Result<Vec<u8>, ImagingError> {
    let thumb = DynamicImage::ImageRgb8(img.clone()).thumbnail(THUMB_SIDE, THUMB_SIDE).to_rgb8();
    png_rgb(&thumb)
}

/// The largest per-channel difference of two pixels.
pub fn max_channel_diff(a: &Rgb<u8>, b: &Rgb<u8>) -> u8 {
    (0..3).map(|c| a[c].abs_diff(b[c])).max().unwrap_or(0)
}

/// A heatmap of `|result − parent|`: unchanged pixels are a dimmed grey copy of the parent so the
/// picture stays readable, changed ones run from blue (small) through yellow to red (large).
/// When `only_outside` is given, changes inside that alpha (> 0) are not coloured: the leak map.
pub fn diff_heatmap(
    parent: &RgbImage,
    result: &RgbImage,
    only_outside: Option<&GrayImage>,
) -> RgbImage {
    RgbImage::from_fn(parent.width(), parent.height(), |x, y| {
        let p = parent.get_pixel(x, y);
        let d = if result.dimensions() == parent.dimensions() {
            max_channel_diff(p, result.get_pixel(x, y))
        } else {
            255
        };
        let inside = only_outside.is_some_and(|a| a.get_pixel(x, y)[0] > 0);
        if d == 0 || inside {
            let g = ((u16::from(p[0]) + u16::from(p[1]) + u16::from(p[2])) / 3 / 3) as u8;
            Rgb([g, g, g])
        } else {
            ramp(d)
        }
    })
}

/// Blue → cyan → yellow → red for 1..=255, boosted so that a 1-level change is still visible.
fn ramp(d: u8) -> Rgb<u8> {
    let t = (f32::from(d).sqrt() / 255f32.sqrt()).clamp(0.0, 1.0);
    let (r, g, b) = if t < 0.33 {
        let u = t / 0.33;
        (0.0, u, 1.0)
    } else if t < 0.66 {
        let u = (t - 0.33) / 0.33;
        (u, 1.0, 1.0 - u)
    } else {
        let u = (t - 0.66) / 0.34;
        (1.0, 1.0 - u, 0.0)
    };
    let q = |v: f32| (v * 255.0).round().clamp(0.0, 255.0) as u8;
    Rgb([q(r), q(g), q(b)])
}

/// The parent with the prepared alpha tinted magenta over it.
pub fn mask_overlay(parent: &RgbImage, alpha: &GrayImage) -> RgbImage {
    RgbImage::from_fn(parent.width(), parent.height(), |x, y| {
        let p = parent.get_pixel(x, y);
        let a = alpha.get_pixel(x, y)[0].min(160);
        let tint = [255u32, 0, 200];
        let mut out = *p;
        for c in 0..3 {
            let v = (u32::from(p[c]) * (255 - u32::from(a)) + tint[c] * u32::from(a)) / 255;
            out[c] = v.min(255) as u8;
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heatmap_greys_unchanged_and_colours_changed_pixels() {
        let a = RgbImage::from_pixel(4, 4, Rgb([90, 90, 90]));
        let mut b = a.clone();
        b.put_pixel(1, 1, Rgb([200, 90, 90]));
        let h = diff_heatmap(&a, &b, None);
        assert_eq!(h.get_pixel(0, 0), &Rgb([30, 30, 30]));
        assert_ne!(h.get_pixel(1, 1)[0], h.get_pixel(1, 1)[2]);
    }

    #[test]
    fn thumbnails_fit_the_box() {
        let img = RgbImage::new(600, 300);
        let png = thumbnail(&img).unwrap();
        let t = image::load_from_memory(&png).unwrap();
        assert_eq!((t.width(), t.height()), (240, 120));
    }
}
