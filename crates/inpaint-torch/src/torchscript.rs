//! `torchscript`: a user-supplied TorchScript inpainting model (e.g. LaMa's `big-lama.pt` as
//! IOPaint exports it). Contract: `forward(image f32 [1,3,H,W] 0..1, mask f32 [1,1,H,W] {0,1})`
//! returns `[1,3,H,W]` in 0..1, with H and W multiples of 8.

use std::path::{Path, PathBuf};

use image::{GrayImage, RgbImage};
use tch::{CModule, Device, Kind, Tensor};

use crate::convert::{mask_to_tensor, rgb_to_tensor, tensor_to_rgb};
use crate::patchfill::{keep_known, panic_message};
use inpaint::mask::validate;
use inpaint::{InpaintError, InpaintOptions, Inpainter};

/// Spatial sizes are padded up to a multiple of this, as LaMa-style encoders need.
const PAD_MULTIPLE: i64 = 8;

/// A loaded TorchScript inpainting model.
#[derive(Debug)]
pub struct TorchScriptInpainter {
    module: CModule,
    device: Device,
    half: bool,
    path: PathBuf,
}

impl TorchScriptInpainter {
    /// Loads the model at `path` onto `device` in fp32.
    pub fn load(path: &Path, device: Device) -> Result<Self, InpaintError> {
        Self::load_with_precision(path, device, false)
    }

    /// Loads the model; `half` runs it in fp16, which is honoured on CUDA only (CPU fp16
    /// kernels are slow or missing, so the CPU stays in fp32).
    pub fn load_with_precision(
        path: &Path,
        device: Device,
        half: bool,
    ) -> Result<Self, InpaintError> {
        // Check the file first so a typo reads as "cannot read", not as a libtorch parse error.
        std::fs::File::open(path)
            .map_err(|source| InpaintError::ModelRead { path: path.to_owned(), source })?;
        let mut module = CModule::load_on_device(path, device)
            .map_err(|e| InpaintError::ModelLoad { path: path.to_owned(), source: Box::new(e) })?;
        module.set_eval();
        let half = half && device.is_cuda();
        if half {
            module.to(device, Kind::Half, false);
        }
        tracing::info!(model = %path.display(), ?device, half, "torchscript inpainting model loaded");
        Ok(Self { module, device, half, path: path.to_owned() })
    }

    /// The model file this backend was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn forward(&self, image: &RgbImage, mask: &GrayImage) -> Result<Tensor, InpaintError> {
        let (h, w) = (i64::from(image.height()), i64::from(image.width()));
        let pad_h = (PAD_MULTIPLE - h % PAD_MULTIPLE) % PAD_MULTIPLE;
        let pad_w = (PAD_MULTIPLE - w % PAD_MULTIPLE) % PAD_MULTIPLE;
        let kind = if self.half { Kind::Half } else { Kind::Float };
        let img = rgb_to_tensor(image, self.device)
            .unsqueeze(0)
            .f_pad([0, pad_w, 0, pad_h], "replicate", None)
            .map_err(crate::torch_error)?
            .to_kind(kind);
        let msk = mask_to_tensor(mask, self.device)
            .to_kind(Kind::Float)
            .view([1, 1, h, w])
            .f_pad([0, pad_w, 0, pad_h], "constant", 0.0)
            .map_err(crate::torch_error)?
            .to_kind(kind);
        let out = self
            .module
            .forward_ts(&[img, msk])
            .map_err(|e| InpaintError::ModelForward(Box::new(e)))?;
        let expected = vec![1, 3, h + pad_h, w + pad_w];
        if out.size() != expected {
            return Err(InpaintError::ModelOutputShape { got: out.size(), expected });
        }
        Ok(out
            .to_kind(Kind::Float)
            .narrow(2, 0, h)
            .narrow(3, 0, w)
            .squeeze_dim(0)
            .nan_to_num(0.0, 1.0, 0.0)
            .clamp(0.0, 1.0))
    }
}

impl Inpainter for TorchScriptInpainter {
    fn name(&self) -> &str {
        "torchscript"
    }

    fn inpaint(
        &self,
        image: &RgbImage,
        mask: &GrayImage,
        _opts: &InpaintOptions,
    ) -> Result<RgbImage, InpaintError> {
        validate(image, mask)?;
        // See PatchFill::inpaint: libtorch exceptions surface as tch panics.
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            tch::no_grad(|| self.forward(image, mask))
        }))
        .map_err(|panic| InpaintError::Backend {
            backend: "torchscript",
            message: panic_message(panic.as_ref()),
        })??;
        Ok(keep_known(image, &tensor_to_rgb(&out)?, mask))
    }
}
