//! The libtorch inpainting engines behind `inpaint`'s [`Inpainter`](inpaint::Inpainter) trait:
//! `patchfill` (weight-free, multi-scale exemplar fill in tensor ops) and `torchscript` (a
//! user-supplied model). Only the `liftmask-engine` binary and tests that render depend on this
//! crate, so the `liftmask` binary never loads libtorch.

mod convert;
mod device;
mod patchfill;
mod rng;
mod torchscript;

use std::path::Path;

use inpaint::{BackendKind, Backends, DevicePreference, InpaintError, Inpainter};

pub use device::select_device;
pub use patchfill::{PatchFill, PatchFillParams};
pub use tch::Device;
pub use torchscript::TorchScriptInpainter;

/// Builds a backend on the chosen device. `model` is required for `torchscript` and ignored by
/// `patchfill`. Build once per worker and reuse: loading a model is the expensive part.
pub fn build_backend(
    kind: BackendKind,
    model: Option<&Path>,
    device: DevicePreference,
) -> Result<Box<dyn Inpainter>, InpaintError> {
    let device = select_device(device)?;
    Ok(match kind {
        BackendKind::Patchfill => Box::new(PatchFill::new(device)),
        BackendKind::Torchscript => {
            let path = model.ok_or(InpaintError::ModelRequired)?;
            Box::new(TorchScriptInpainter::load(path, device)?)
        }
    })
}

/// The libtorch engines, as the app's engine factory.
#[derive(Debug, Clone, Copy, Default)]
pub struct TorchBackends;

impl Backends for TorchBackends {
    fn build(
        &self,
        kind: BackendKind,
        model: Option<&Path>,
        device: DevicePreference,
    ) -> Result<Box<dyn Inpainter>, InpaintError> {
        build_backend(kind, model, device)
    }

    fn set_threads(&self, threads: usize) {
        tch::set_num_threads(i32::try_from(threads).unwrap_or(i32::MAX).max(1));
    }
}

/// libtorch's error as the engine error's boxed source.
pub(crate) fn torch_error(e: tch::TchError) -> InpaintError {
    InpaintError::Torch(Box::new(e))
}

#[cfg(test)]
mod tests {
    use tch::{Device, Kind, Tensor};

    fn send_sync<T: Send + Sync>() {}

    #[test]
    fn engines_cross_threads() {
        send_sync::<super::TorchScriptInpainter>();
        send_sync::<super::PatchFill>();
    }

    #[test]
    fn tensor_op_runs_on_libtorch() {
        let t = Tensor::from_slice(&[1.0f32, 2.0, 3.0]).to_device(Device::Cpu);
        let doubled = (&t * 2.0).sum(Kind::Float);
        assert_eq!(f32::try_from(doubled).ok(), Some(12.0));
    }

    #[test]
    fn a_libtorch_error_keeps_its_cause() {
        let err = super::torch_error(tch::TchError::Torch("boom".into()));
        assert!(matches!(err, inpaint::InpaintError::Torch(_)));
        assert!(std::error::Error::source(&err).is_some_and(|s| s.to_string().contains("boom")));
    }
}
