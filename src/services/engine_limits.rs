//! Bounds on what one variant may ask of the engine. They are checked when the variant is
//! submitted, so the user gets a 422 with the reason, and again by the worker before it allocates
//! anything, so a row written some other way cannot get past them either.

use std::io::Cursor;

use image::GrayImage;
use inpaint::InpaintError;
use inpaint::mask::bounding_box;

use crate::config::Settings;
use crate::services::composite::{self, CompositeError};
use crate::services::variants::{Operation, Params, VariantError};

/// Largest mask growth. Growth only has to clear an object's halo; the distance transform's
/// window grows with it.
pub const MAX_GROW_PX: u32 = 64;
/// Largest feather width, for the same reason.
pub const MAX_FEATHER_PX: u32 = 64;

/// A request beyond the engine's bounds.
#[derive(Debug, thiserror::Error)]
pub enum LimitError {
    /// `grow` above [`MAX_GROW_PX`].
    #[error("grow is {0} px; at most {MAX_GROW_PX} px is allowed")]
    Grow(u32),
    /// `feather` above [`MAX_FEATHER_PX`].
    #[error("feather is {0} px; at most {MAX_FEATHER_PX} px is allowed")]
    Feather(u32),
    /// The grown and feathered mask edits too many pixels.
    #[error(
        "the grown and feathered mask covers {area} px; one variant may edit at most {max} px (setting engine.max_mask_pixels)"
    )]
    MaskArea {
        /// Pixels with non-zero alpha.
        area: u64,
        /// The setting.
        max: u64,
    },
    /// The reference cannot cover the mask within bounds.
    #[error(transparent)]
    Composite(#[from] CompositeError),
    /// The mask could not be prepared.
    #[error(transparent)]
    Mask(#[from] InpaintError),
    /// The reference's header could not be read.
    #[error("reference image: {0}")]
    Reference(String),
}

impl From<LimitError> for VariantError {
    fn from(e: LimitError) -> Self {
        VariantError::Invalid(e.to_string())
    }
}

/// Checks `grow` and `feather`.
pub fn check_params(grow: u32, feather: u32) -> Result<(), LimitError> {
    if grow > MAX_GROW_PX {
        return Err(LimitError::Grow(grow));
    }
    if feather > MAX_FEATHER_PX {
        return Err(LimitError::Feather(feather));
    }
    Ok(())
}

/// Checks the area a prepared alpha edits.
pub fn check_alpha(alpha: &GrayImage, max_mask_pixels: u64) -> Result<(), LimitError> {
    let area = alpha.as_raw().iter().filter(|&&a| a > 0).count() as u64;
    if area > max_mask_pixels {
        return Err(LimitError::MaskArea { area, max: max_mask_pixels });
    }
    Ok(())
}

/// Checks that a `width`×`height` reference can cover the alpha's box.
pub fn check_reference(alpha: &GrayImage, width: u32, height: u32) -> Result<(), LimitError> {
    let bbox = bounding_box(alpha, 0).ok_or(CompositeError::EmptyMask)?;
    composite::visible_part(width, height, bbox)?;
    Ok(())
}

/// Every check, at submission: `mask` is the decoded mask (already validated against its parent)
/// and `reference` the uploaded reference bytes, whose header alone is read here.
pub fn check_submission(
    settings: &Settings,
    op: Operation,
    params: &Params,
    mask: &GrayImage,
    reference: Option<&[u8]>,
) -> Result<(), LimitError> {
    let (grow, feather) = (params.grow_for(op), params.feather_for(op));
    check_params(grow, feather)?;
    let alpha = inpaint::mask::prepare_alpha(mask, grow, feather)?;
    check_alpha(&alpha, settings.engine.max_mask_pixels)?;
    if let (Operation::Composite | Operation::EraseComposite, Some(bytes)) = (op, reference) {
        let (w, h) = image::ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|e| LimitError::Reference(e.to_string()))?
            .into_dimensions()
            .map_err(|e| LimitError::Reference(e.to_string()))?;
        check_reference(&alpha, w, h)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use image::Luma;

    use super::*;

    #[test]
    fn grow_and_feather_are_capped() {
        assert!(check_params(MAX_GROW_PX, MAX_FEATHER_PX).is_ok());
        assert!(matches!(check_params(65, 0), Err(LimitError::Grow(65))));
        assert!(matches!(check_params(0, u32::MAX), Err(LimitError::Feather(_))));
    }

    #[test]
    fn the_masked_area_is_capped() {
        let alpha = GrayImage::from_fn(10, 10, |x, _| Luma([if x < 5 { 255 } else { 0 }]));
        assert!(check_alpha(&alpha, 50).is_ok());
        let err = check_alpha(&alpha, 49).unwrap_err();
        assert!(err.to_string().contains("50 px"), "{err}");
    }

    #[test]
    fn the_crafted_composite_is_refused_at_submission() {
        let mut mask = GrayImage::new(4000, 8);
        for x in 0..4000 {
            mask.put_pixel(x, 3, Luma([255]));
        }
        let reference = {
            let img = image::RgbImage::new(1, 12_000);
            let mut out = Cursor::new(Vec::new());
            img.write_to(&mut out, image::ImageFormat::Png).unwrap();
            out.into_inner()
        };
        let params = Params::parse(r#"{"grow":0,"feather":0}"#).unwrap();
        let err = check_submission(
            &Settings::default(),
            Operation::Composite,
            &params,
            &mask,
            Some(&reference),
        )
        .unwrap_err();
        assert!(matches!(err, LimitError::Composite(CompositeError::TooSmall { .. })), "{err}");
    }
}
