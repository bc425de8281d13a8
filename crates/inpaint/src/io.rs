//! Decoding untrusted uploads: format allow-list and limits against decompression bombs.

use std::io::Cursor;

use image::{DynamicImage, GrayImage, ImageFormat, ImageReader, Luma, RgbImage};

use crate::InpaintError;

/// Limits applied before and while decoding an upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimits {
    /// Largest accepted width in pixels.
    pub max_width: u32,
    /// Largest accepted height in pixels.
    pub max_height: u32,
    /// Largest accepted width × height.
    pub max_pixels: u64,
    /// Most bytes the decoder may allocate at once.
    pub max_alloc: u64,
}

impl Default for DecodeLimits {
    /// 16384 px a side, 64 megapixels and 1 GiB of decoder memory: above any ad creative, far
    /// below what a crafted header could ask for.
    fn default() -> Self {
        Self { max_width: 16_384, max_height: 16_384, max_pixels: 64_000_000, max_alloc: 1 << 30 }
    }
}

/// Decodes PNG, JPEG or WebP bytes into RGB (alpha is dropped), within `limits`.
pub fn load_image(bytes: &[u8], limits: &DecodeLimits) -> Result<RgbImage, InpaintError> {
    Ok(decode(bytes, limits)?.to_rgb8())
}

/// Decodes a mask: a grayscale or RGB(A) PNG (JPEG and WebP are accepted too).
///
/// When the image has an alpha channel that is not fully opaque, a pixel is "fill" where alpha is
/// above 127 (a brush stroke on a transparent canvas). Otherwise a pixel is "fill" where its
/// luminance is above 127 (white on black). The result holds only 0 and 255.
pub fn load_mask(bytes: &[u8], limits: &DecodeLimits) -> Result<GrayImage, InpaintError> {
    let decoded = decode(bytes, limits)?;
    let rgba = decoded.color().has_alpha().then(|| decoded.to_rgba8());
    let mask = match rgba {
        Some(rgba) if rgba.pixels().any(|p| p[3] < 255) => {
            GrayImage::from_fn(rgba.width(), rgba.height(), |x, y| binary(rgba.get_pixel(x, y)[3]))
        }
        _ => {
            let luma = decoded.to_luma8();
            GrayImage::from_fn(luma.width(), luma.height(), |x, y| binary(luma.get_pixel(x, y)[0]))
        }
    };
    Ok(mask)
}

fn binary(value: u8) -> Luma<u8> {
    Luma([if value > 127 { 255 } else { 0 }])
}

fn decode(bytes: &[u8], limits: &DecodeLimits) -> Result<DynamicImage, InpaintError> {
    let reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format()?;
    match reader.format() {
        Some(ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP) => {}
        other => return Err(InpaintError::UnsupportedFormat(other.map(|f| format!("{f:?}")))),
    }
    // Read the header first so an oversized image is refused before any pixel buffer exists.
    let (width, height) =
        ImageReader::new(Cursor::new(bytes)).with_guessed_format()?.into_dimensions()?;
    let pixels = u64::from(width) * u64::from(height);
    if width > limits.max_width || height > limits.max_height || pixels > limits.max_pixels {
        return Err(InpaintError::TooLarge {
            width,
            height,
            pixels,
            max_pixels: limits.max_pixels.min(
                u64::from(limits.max_width.min(width)) * u64::from(limits.max_height.min(height)),
            ),
        });
    }
    if pixels == 0 {
        return Err(InpaintError::EmptyImage { width, height });
    }
    let mut image_limits = image::Limits::default();
    image_limits.max_image_width = Some(limits.max_width);
    image_limits.max_image_height = Some(limits.max_height);
    image_limits.max_alloc = Some(limits.max_alloc);
    let mut reader = reader;
    reader.limits(image_limits);
    Ok(reader.decode()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageEncoder, Rgba, RgbaImage, codecs::png::PngEncoder};

    fn png(image: &DynamicImage) -> Vec<u8> {
        let mut out = Vec::new();
        image.write_to(&mut Cursor::new(&mut out), ImageFormat::Png).unwrap();
        out
    }

    #[test]
    fn decodes_png_to_rgb() {
        let src = RgbImage::from_fn(5, 3, |x, y| image::Rgb([x as u8, y as u8, 7]));
        let out = load_image(&png(&DynamicImage::ImageRgb8(src.clone())), &DecodeLimits::default());
        assert_eq!(out.unwrap(), src);
    }

    #[test]
    fn refuses_unknown_formats_and_garbage() {
        let err = load_image(b"GIF89a\x01\x00\x01\x00", &DecodeLimits::default()).unwrap_err();
        assert!(matches!(err, InpaintError::UnsupportedFormat(Some(_))), "{err}");
        let err = load_image(b"definitely not an image", &DecodeLimits::default()).unwrap_err();
        assert!(matches!(err, InpaintError::UnsupportedFormat(None)), "{err}");
        let mut truncated = png(&DynamicImage::ImageRgb8(RgbImage::new(40, 40)));
        truncated.truncate(60);
        let err = load_image(&truncated, &DecodeLimits::default()).unwrap_err();
        assert!(matches!(err, InpaintError::Decode(_)), "{err}");
    }

    #[test]
    fn refuses_a_decompression_bomb_from_its_header() {
        // A valid PNG header claiming 60000x60000 pixels, written without the pixel data: the
        // refusal must come from the header alone.
        let mut bytes = Vec::new();
        let encoder = PngEncoder::new(&mut bytes);
        let small = vec![0u8; 64 * 64];
        encoder.write_image(&small, 64, 64, image::ExtendedColorType::L8).unwrap();
        // Patch IHDR width/height (bytes 16..24) to 60000; the CRC is not checked before the limit.
        bytes[16..20].copy_from_slice(&60_000u32.to_be_bytes());
        bytes[20..24].copy_from_slice(&60_000u32.to_be_bytes());
        let err = load_image(&bytes, &DecodeLimits::default()).unwrap_err();
        assert!(matches!(err, InpaintError::TooLarge { .. } | InpaintError::Decode(_)), "{err}");
        let tight = DecodeLimits { max_pixels: 100, ..DecodeLimits::default() };
        let ok_png = png(&DynamicImage::ImageLuma8(GrayImage::new(64, 64)));
        let err = load_image(&ok_png, &tight).unwrap_err();
        assert!(matches!(err, InpaintError::TooLarge { pixels: 4096, .. }), "{err}");
    }

    #[test]
    fn mask_from_gray_and_from_alpha() {
        let gray = GrayImage::from_fn(4, 1, |x, _| Luma([[0, 127, 128, 255][x as usize]]));
        let mask = load_mask(&png(&DynamicImage::ImageLuma8(gray)), &DecodeLimits::default());
        assert_eq!(mask.unwrap().into_raw(), vec![0, 0, 255, 255]);

        // Brush strokes on a transparent canvas: colour is irrelevant, alpha decides.
        let rgba = RgbaImage::from_fn(3, 1, |x, _| {
            let i = x as usize;
            Rgba([[255, 0, 10][i], 0, 0, [0, 200, 128][i]])
        });
        let mask = load_mask(&png(&DynamicImage::ImageRgba8(rgba)), &DecodeLimits::default());
        assert_eq!(mask.unwrap().into_raw(), vec![0, 255, 255]);

        // A fully opaque RGBA mask is read by luminance, not by its (all-255) alpha.
        let opaque =
            RgbaImage::from_fn(2, 1, |x, _| Rgba(if x == 0 { [0, 0, 0, 255] } else { [255; 4] }));
        let mask = load_mask(&png(&DynamicImage::ImageRgba8(opaque)), &DecodeLimits::default());
        assert_eq!(mask.unwrap().into_raw(), vec![0, 255]);
    }
}
