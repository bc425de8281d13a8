//! The torchscript backend, with tiny models traced from Rust, saved and loaded back.

use std::path::Path;

use image::RgbImage;
use inpaint::{BackendKind, DevicePreference, InpaintError, InpaintOptions, Inpainter, run};
use inpaint_torch::{TorchScriptInpainter, build_backend};
use tch::{CModule, Kind, Tensor};

use crate::common::{photo, rect_mask, test_device};

/// Traces `f` on (image, mask) example inputs and saves it as TorchScript to `path`.
fn trace_to(path: &Path, f: impl Fn(&Tensor, &Tensor) -> Tensor) {
    let img = Tensor::rand([1, 3, 16, 24], (Kind::Float, tch::Device::Cpu));
    let mask = Tensor::zeros([1, 1, 16, 24], (Kind::Float, tch::Device::Cpu));
    let mut closure = |inputs: &[Tensor]| vec![f(&inputs[0], &inputs[1])];
    let module =
        CModule::create_by_tracing("TinyInpaint", "forward", &[img, mask], &mut closure).unwrap();
    module.save(path).unwrap();
}

/// The tiny "inpainting" model: known pixels pass through, masked pixels become 0.25 grey.
/// pixel_unshuffle(8) only accepts sizes divisible by 8, so the model also proves the padding.
fn grey_fill(img: &Tensor, mask: &Tensor) -> Tensor {
    let roundtrip = img.pixel_unshuffle(8).pixel_shuffle(8);
    roundtrip * (mask.ones_like() - mask) + mask * 0.25
}

#[test]
fn torchscript_module_traced_in_rust_saves_and_loads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tiny.pt");
    trace_to(&path, grey_fill);
    // Loads back as a plain module and computes the same thing as the closure.
    let module = CModule::load(&path).unwrap();
    let img = Tensor::rand([1, 3, 8, 16], (Kind::Float, tch::Device::Cpu));
    let mask = Tensor::ones([1, 1, 8, 16], (Kind::Float, tch::Device::Cpu));
    let out = module.forward_ts(&[&img, &mask]).unwrap();
    let max_err = (out - 0.25).abs().max().double_value(&[]);
    assert!(max_err < 1e-6, "{max_err}");
}

#[test]
fn tiny_model_fills_mask_exactly_with_padding_to_multiple_of_eight() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tiny.pt");
    trace_to(&path, grey_fill);
    let device = test_device();
    // Odd sizes (37x29) force padding; without it pixel_unshuffle(8) would fail.
    let full = photo("coffee.png");
    let img = image::imageops::crop_imm(&full, 100, 100, 37, 29).to_image();
    let mask = rect_mask(37, 29, 10, 5, 12, 20);
    let mut engines = vec![TorchScriptInpainter::load(&path, device).unwrap()];
    if device.is_cuda() {
        engines.push(TorchScriptInpainter::load_with_precision(&path, device, true).unwrap());
    }
    for engine in &engines {
        let out = engine.inpaint(&img, &mask, &InpaintOptions::default()).unwrap();
        for (x, y, p) in out.enumerate_pixels() {
            let expected = if mask.get_pixel(x, y)[0] > 127 {
                image::Rgb([64, 64, 64])
            } else {
                *img.get_pixel(x, y)
            };
            assert_eq!(*p, expected, "({x},{y})");
        }
    }
    // Through the pipeline too, with grow and feather.
    let out = run(
        &engines[0],
        &img,
        &mask,
        &InpaintOptions { grow: 1, feather: 2, ..Default::default() },
    )
    .unwrap();
    for (x, y, a) in out.alpha.enumerate_pixels() {
        let p = *out.image.get_pixel(x, y);
        match a[0] {
            0 => assert_eq!(p, *img.get_pixel(x, y)),
            255 => assert_eq!(p, image::Rgb([64, 64, 64])),
            _ => {}
        }
    }
}

#[test]
fn missing_corrupt_and_wrong_signature_models_are_clear_errors() {
    let device = test_device();
    let dir = tempfile::tempdir().unwrap();
    let img = RgbImage::from_pixel(16, 16, image::Rgb([9, 9, 9]));
    let mask = rect_mask(16, 16, 4, 4, 4, 4);
    let opts = InpaintOptions::default();

    let missing = dir.path().join("nope.pt");
    let err = TorchScriptInpainter::load(&missing, device).unwrap_err();
    assert!(matches!(err, InpaintError::ModelRead { .. }), "{err}");
    assert!(err.to_string().contains("nope.pt"), "{err}");

    let corrupt = dir.path().join("corrupt.pt");
    std::fs::write(&corrupt, b"PK\x03\x04 this is not a TorchScript archive").unwrap();
    let err = TorchScriptInpainter::load(&corrupt, device).unwrap_err();
    assert!(matches!(err, InpaintError::ModelLoad { .. }), "{err}");
    let err = build_backend(BackendKind::Torchscript, Some(&corrupt), DevicePreference::Cpu)
        .err()
        .unwrap();
    assert!(matches!(err, InpaintError::ModelLoad { .. }), "{err}");

    // One input instead of two.
    let one_input = dir.path().join("one.pt");
    let x = Tensor::rand([1, 3, 8, 8], (Kind::Float, tch::Device::Cpu));
    let module =
        CModule::create_by_tracing("One", "forward", &[x], &mut |i: &[Tensor]| vec![&i[0] * 2.0])
            .unwrap();
    module.save(&one_input).unwrap();
    let engine = TorchScriptInpainter::load(&one_input, device).unwrap();
    let err = engine.inpaint(&img, &mask, &opts).unwrap_err();
    assert!(matches!(err, InpaintError::ModelForward(_)), "{err}");
    assert!(err.to_string().contains("[1,3,H,W]"), "{err}");

    // Two inputs, but a one-channel output.
    let gray_out = dir.path().join("gray.pt");
    trace_to(&gray_out, |img, _mask| img.mean_dim([1i64].as_slice(), true, Kind::Float));
    let engine = TorchScriptInpainter::load(&gray_out, device).unwrap();
    let err = engine.inpaint(&img, &mask, &opts).unwrap_err();
    assert!(matches!(err, InpaintError::ModelOutputShape { .. }), "{err}");
}
