//! Masked inpainting engine. The web app sees only the [`Inpainter`] trait.

use image::{GrayImage, RgbImage};

/// Options shared by every backend.
#[derive(Debug, Clone, Default)]
pub struct InpaintOptions {
    /// Seed for any randomised search, so results are reproducible.
    pub seed: u64,
}

/// Errors the engine reports.
#[derive(Debug, thiserror::Error)]
pub enum InpaintError {
    /// libtorch failed.
    #[error("libtorch: {0}")]
    Torch(#[from] tch::TchError),
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

    #[test]
    fn tensor_op_runs_on_libtorch() {
        let t = Tensor::from_slice(&[1.0f32, 2.0, 3.0]).to_device(Device::Cpu);
        let doubled = (&t * 2.0).sum(Kind::Float);
        assert_eq!(f32::try_from(doubled).ok(), Some(12.0));
    }
}
