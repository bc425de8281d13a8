//! Masked inpainting without libtorch: the [`Inpainter`] trait, [`run`] (mask preparation, crop,
//! bit-exact composite), image and mask decoding. The libtorch engines live in `inpaint-torch`,
//! which only the `liftmask-engine` binary and tests that render link; they reach the app
//! through [`Backends`].
//!
//! ```text
//! let engine = inpaint_torch::TorchBackends.build(BackendKind::Patchfill, None, DevicePreference::Auto)?;
//! let out = run(engine.as_ref(), &image, &mask, &InpaintOptions { seed: 7, grow: 4, feather: 3, ..Default::default() })?;
//! // out.image: the result; out.alpha: the pixels allowed to change (0 = bit-identical).
//! ```

mod device;
mod error;
mod io;
pub mod mask;
mod pipeline;

use std::path::Path;

use image::{GrayImage, RgbImage};

pub use device::DevicePreference;
pub use error::{BackendError, InpaintError};
pub use io::{DecodeLimits, load_image, load_mask};
pub use mask::CropWindow;
pub use pipeline::{BackendKind, InpaintOutcome, run};

/// Options shared by every backend.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InpaintOptions {
    /// Seed for any randomised search, so results are reproducible.
    pub seed: u64,
    /// Dilation of the mask in pixels (Euclidean disk) before filling.
    pub grow: u32,
    /// Width in pixels of the soft edge added outside the grown mask.
    pub feather: u32,
    /// Context kept around the mask's bounding box; `None` picks max(48 px, the box's longer side).
    pub context_margin: Option<u32>,
}

/// An inpainting backend: fills the white pixels of `mask` in `image`.
pub trait Inpainter: Send + Sync {
    /// Short backend name, shown in logs and stored with each variant.
    fn name(&self) -> &str;
    /// Returns an image of the same size with the masked region filled.
    fn inpaint(
        &self,
        image: &RgbImage,
        mask: &GrayImage,
        opts: &InpaintOptions,
    ) -> Result<RgbImage, InpaintError>;
}

/// Builds engines: the seam between code that renders and the libtorch that renders it.
pub trait Backends: Send + Sync {
    /// Builds `kind` on `device`; `model` is required for `torchscript` and ignored by
    /// `patchfill`. Build once per worker and reuse: loading a model is the expensive part.
    fn build(
        &self,
        kind: BackendKind,
        model: Option<&Path>,
        device: DevicePreference,
    ) -> Result<Box<dyn Inpainter>, InpaintError>;
    /// Caps the threads one tensor operation uses, so worker processes share the cores.
    fn set_threads(&self, threads: usize);
}

#[cfg(test)]
mod tests {
    fn send_sync<T: Send + Sync>() {}

    #[test]
    fn engines_and_errors_cross_threads() {
        // Worker threads own boxed engines and send errors back to the app.
        send_sync::<Box<dyn super::Inpainter>>();
        send_sync::<super::InpaintError>();
    }
}
