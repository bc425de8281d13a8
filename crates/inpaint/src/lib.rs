//! Masked inpainting engine. The web app sees only the [`Inpainter`] trait and [`run`].
//!
//! ```text
//! let engine = build_backend(BackendKind::Patchfill, None, DevicePreference::Auto)?;
//! let out = run(engine.as_ref(), &image, &mask, &InpaintOptions { seed: 7, grow: 4, feather: 3, ..Default::default() })?;
//! // out.image: the result; out.alpha: the pixels allowed to change (0 = bit-identical).
//! ```

mod convert;
mod device;
mod error;
mod io;
pub mod mask;
mod patchfill;
mod pipeline;
mod rng;
mod torchscript;

use image::{GrayImage, RgbImage};

pub use device::{DevicePreference, select_device};
pub use error::InpaintError;
pub use io::{DecodeLimits, load_image, load_mask};
pub use mask::CropWindow;
pub use patchfill::{PatchFill, PatchFillParams};
pub use pipeline::{BackendKind, InpaintOutcome, build_backend, run};
pub use torchscript::TorchScriptInpainter;

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

#[cfg(test)]
mod tests {
    use tch::{Device, Kind, Tensor};

    fn send_sync<T: Send + Sync>() {}

    #[test]
    fn engines_and_errors_cross_threads() {
        // Worker threads own boxed engines and send errors back to the app.
        send_sync::<Box<dyn super::Inpainter>>();
        send_sync::<super::InpaintError>();
        send_sync::<super::TorchScriptInpainter>();
    }

    #[test]
    fn tensor_op_runs_on_libtorch() {
        let t = Tensor::from_slice(&[1.0f32, 2.0, 3.0]).to_device(Device::Cpu);
        let doubled = (&t * 2.0).sum(Kind::Float);
        assert_eq!(f32::try_from(doubled).ok(), Some(12.0));
    }
}
