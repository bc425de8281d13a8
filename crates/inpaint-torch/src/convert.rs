//! Conversions between `image` buffers and libtorch tensors.

use image::{GrayImage, RgbImage};
use tch::{Device, Kind, Tensor};

use inpaint::InpaintError;

/// RGB image to a float tensor [3,H,W] in 0..1 on `device`.
pub(crate) fn rgb_to_tensor(image: &RgbImage, device: Device) -> Tensor {
    let (w, h) = (i64::from(image.width()), i64::from(image.height()));
    Tensor::from_slice(image.as_raw())
        .view([h, w, 3])
        .permute([2, 0, 1])
        .to_device(device)
        .to_kind(Kind::Float)
        / 255.0
}

/// Mask (above 127 = fill) to a bool tensor [H,W] on `device`.
pub(crate) fn mask_to_tensor(mask: &GrayImage, device: Device) -> Tensor {
    let (w, h) = (i64::from(mask.width()), i64::from(mask.height()));
    Tensor::from_slice(mask.as_raw()).view([h, w]).to_device(device).gt(127)
}

/// Float tensor [3,H,W] in 0..1 (any device) back to an RGB image, rounding to nearest.
pub(crate) fn tensor_to_rgb(t: &Tensor) -> Result<RgbImage, InpaintError> {
    let size = t.size();
    let (h, w) = match size.as_slice() {
        [3, h, w] => (*h, *w),
        _ => {
            return Err(InpaintError::ModelOutputShape { got: size, expected: vec![3, -1, -1] });
        }
    };
    let bytes = (t * 255.0)
        .round()
        .clamp(0.0, 255.0)
        .to_kind(Kind::Uint8)
        .permute([1, 2, 0])
        .contiguous()
        .to_device(Device::Cpu)
        .view([-1]);
    let raw = Vec::<u8>::try_from(&bytes).map_err(crate::torch_error)?;
    let dims = (u32::try_from(w), u32::try_from(h));
    match dims {
        (Ok(w), Ok(h)) => RgbImage::from_raw(w, h, raw).ok_or(InpaintError::ModelOutputShape {
            got: vec![3, i64::from(h), i64::from(w)],
            expected: vec![3, i64::from(h), i64::from(w)],
        }),
        _ => Err(InpaintError::ModelOutputShape { got: vec![3, h, w], expected: vec![3, -1, -1] }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rgb_round_trips_exactly_through_float() {
        let img =
            RgbImage::from_fn(17, 5, |x, y| image::Rgb([(x * 15) as u8, (y * 60) as u8, 255]));
        let t = rgb_to_tensor(&img, Device::Cpu);
        assert_eq!(t.size(), vec![3, 5, 17]);
        assert_eq!(tensor_to_rgb(&t).unwrap(), img);
    }
}
