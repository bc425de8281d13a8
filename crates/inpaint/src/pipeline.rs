//! The one call the app and CLI make: prepare the mask, crop, inpaint, composite.

use std::fmt;
use std::str::FromStr;
use std::time::Instant;

use image::{GrayImage, RgbImage};

use crate::mask::{
    CropWindow, auto_margin, bounding_box, composite, expand, fill_mask, prepare_alpha, validate,
};
use crate::{InpaintError, InpaintOptions, Inpainter};

/// Which backend to build (`--backend patchfill|torchscript`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BackendKind {
    /// Weight-free exemplar inpainting (the default).
    #[default]
    Patchfill,
    /// A user-supplied TorchScript model.
    Torchscript,
}

impl FromStr for BackendKind {
    type Err = InpaintError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "patchfill" => Ok(Self::Patchfill),
            "torchscript" => Ok(Self::Torchscript),
            _ => Err(InpaintError::UnknownBackend(s.to_owned())),
        }
    }
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Patchfill => "patchfill",
            Self::Torchscript => "torchscript",
        })
    }
}

/// What [`run`] produces.
#[derive(Debug, Clone)]
pub struct InpaintOutcome {
    /// The final image, same size as the input.
    pub image: RgbImage,
    /// The prepared (grown + feathered) alpha, same size as the input: exactly the pixels with
    /// alpha 0 are bit-identical to the input, so the control audit checks against this.
    pub alpha: GrayImage,
    /// The crop the backend worked on (mask bounding box plus context).
    pub window: CropWindow,
    pub backend: String,
}

/// Inpaints `mask` (>127 = fill) in `image`: grows and feathers the mask, runs `engine` on a
/// window around the mask only, and blends `original × (1 − α) + fill × α`.
///
/// An empty mask is an error ([`InpaintError::EmptyMask`]) rather than a silent no-op, because a
/// variant that changes nothing is always a mistake upstream.
pub fn run(
    engine: &dyn Inpainter,
    image: &RgbImage,
    mask: &GrayImage,
    opts: &InpaintOptions,
) -> Result<InpaintOutcome, InpaintError> {
    let started = Instant::now();
    validate(image, mask)?;
    let alpha = prepare_alpha(mask, opts.grow, opts.feather)?;
    let bbox = bounding_box(&alpha, 0).ok_or(InpaintError::EmptyMask)?;
    let margin = opts.context_margin.unwrap_or_else(|| auto_margin(bbox));
    let window = expand(bbox, margin, image.width(), image.height());
    let crop = image::imageops::crop_imm(image, window.x, window.y, window.width, window.height)
        .to_image();
    let crop_alpha =
        image::imageops::crop_imm(&alpha, window.x, window.y, window.width, window.height)
            .to_image();
    let filled = engine.inpaint(&crop, &fill_mask(&crop_alpha), opts)?;
    if filled.dimensions() != crop.dimensions() {
        return Err(InpaintError::ModelOutputShape {
            got: vec![i64::from(filled.height()), i64::from(filled.width())],
            expected: vec![i64::from(crop.height()), i64::from(crop.width())],
        });
    }
    let mut fill = image.clone();
    image::imageops::replace(&mut fill, &filled, i64::from(window.x), i64::from(window.y));
    let out = composite(image, &fill, &alpha, window);
    tracing::info!(
        backend = engine.name(),
        ?window,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "inpainted"
    );
    Ok(InpaintOutcome { image: out, alpha, window, backend: engine.name().to_owned() })
}
