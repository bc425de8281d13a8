//! The engine's one error type. It names no libtorch type, so the app can match on it without
//! linking libtorch; the engines (`inpaint-torch`) box their libtorch errors as [`BackendError`].

use std::path::PathBuf;

/// A backend's own error (a `tch::TchError` from `inpaint-torch`), kept as the source.
pub type BackendError = Box<dyn std::error::Error + Send + Sync>;

/// Errors the engine reports. Every variant is a clear, user-facing message; causes are kept as
/// sources so that `{:#}` (anyhow) prints the whole chain.
#[derive(Debug, thiserror::Error)]
pub enum InpaintError {
    /// libtorch failed.
    #[error("libtorch: {0}")]
    Torch(#[source] BackendError),
    /// The mask and the image differ in size.
    #[error("mask is {mask_width}x{mask_height} but the image is {image_width}x{image_height}")]
    SizeMismatch {
        /// Image width in pixels.
        image_width: u32,
        /// Image height in pixels.
        image_height: u32,
        /// Mask width in pixels.
        mask_width: u32,
        /// Mask height in pixels.
        mask_height: u32,
    },
    /// The mask selects nothing, so there is nothing to inpaint.
    #[error("the mask selects no pixels (paint the area to fill white, or with alpha above 127)")]
    EmptyMask,
    /// Nothing outside the mask is left to copy texture from.
    #[error(
        "the mask leaves no unmasked {patch}x{patch} area to copy texture from; patchfill needs context"
    )]
    NoContext {
        /// Patch size in pixels that could not be found fully unmasked.
        patch: i64,
    },
    /// `cuda` was asked for on a machine where libtorch sees no CUDA device.
    #[error("CUDA was requested but libtorch sees no CUDA device (use --device auto or cpu)")]
    CudaUnavailable,
    /// A device name that is not `auto`, `cpu` or `cuda`.
    #[error("unknown device {0:?}: expected auto, cpu or cuda")]
    UnknownDevice(String),
    /// A backend name that is not `patchfill` or `torchscript`.
    #[error("unknown inpainting backend {0:?}: expected patchfill or torchscript")]
    UnknownBackend(String),
    /// The torchscript backend was chosen without a model file.
    #[error("the torchscript backend needs a model file (--model PATH)")]
    ModelRequired,
    /// The model file could not be read.
    #[error("cannot read model file {path}")]
    ModelRead {
        /// The model path as given.
        path: PathBuf,
        /// The I/O failure.
        #[source]
        source: std::io::Error,
    },
    /// The model file is not a TorchScript module libtorch can load.
    #[error("{path} is not a loadable TorchScript module")]
    ModelLoad {
        /// The model path as given.
        path: PathBuf,
        #[source]
        source: BackendError,
    },
    /// The model rejected the standard inputs.
    #[error(
        "the model's forward failed: a TorchScript inpainting model must take (image f32 [1,3,H,W] in 0..1, mask f32 [1,1,H,W] with 1 = fill) and return [1,3,H,W]"
    )]
    ModelForward(#[source] BackendError),
    /// The model returned something other than one [1,3,H,W] tensor.
    #[error("the model returned shape {got:?}, expected {expected:?}")]
    ModelOutputShape {
        /// Shape the model returned.
        got: Vec<i64>,
        /// Shape the engine expected.
        expected: Vec<i64>,
    },
    /// The bytes are not PNG, JPEG or WebP.
    #[error("unsupported image format{}: expected PNG, JPEG or WebP", .0.as_deref().map(|f| format!(" ({f})")).unwrap_or_default())]
    UnsupportedFormat(Option<String>),
    /// The image is larger than the configured decode limits.
    #[error("image is {width}x{height} ({pixels} pixels), above the limit of {max_pixels} pixels")]
    TooLarge {
        width: u32,
        height: u32,
        /// width × height.
        pixels: u64,
        /// The configured maximum.
        max_pixels: u64,
    },
    /// The image has a zero width or height.
    #[error("the image is empty ({width}x{height})")]
    EmptyImage {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// Decoding failed (corrupt data, or a decoder limit was hit).
    #[error("cannot decode image")]
    Decode(#[from] image::ImageError),
    /// libtorch raised inside a tensor operation (for example CUDA out of memory).
    #[error("the {backend} backend failed inside libtorch: {message}")]
    Backend {
        backend: &'static str,
        /// The panic message tch produced.
        message: String,
    },
    /// Reading the image header failed.
    #[error("cannot read image")]
    Io(#[from] std::io::Error),
}
