//! Shared helpers for the engine tests: fixtures, the test device, and image metrics.

use std::path::PathBuf;

use image::{GrayImage, Luma, RgbImage};
use inpaint::{DecodeLimits, DevicePreference, load_image};
use inpaint_torch::select_device;

/// `tests/fixtures` at the repository root; `INPAINT_FIXTURES` overrides it so prebuilt test
/// binaries can run from another checkout (scripts/gpu-check.sh).
pub fn fixture_dir() -> PathBuf {
    std::env::var_os("INPAINT_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures"))
}

/// A fixture photo as RGB.
pub fn photo(name: &str) -> RgbImage {
    let bytes = std::fs::read(fixture_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    load_image(&bytes, &DecodeLimits::default()).unwrap()
}

/// The device the tests run on: `INPAINT_TEST_DEVICE=cpu|cuda|auto`, default cpu.
pub fn test_device() -> tch::Device {
    let pref: DevicePreference =
        std::env::var("INPAINT_TEST_DEVICE").unwrap_or_else(|_| "cpu".into()).parse().unwrap();
    select_device(pref).unwrap()
}

/// A mask with the rectangle (x, y, w, h) set to 255.
pub fn rect_mask(width: u32, height: u32, x: u32, y: u32, w: u32, h: u32) -> GrayImage {
    GrayImage::from_fn(width, height, |px, py| {
        Luma([if px >= x && px < x + w && py >= y && py < y + h { 255 } else { 0 }])
    })
}

/// Peak signal-to-noise ratio over the pixels where `inside` holds.
pub fn psnr(a: &RgbImage, b: &RgbImage, inside: impl Fn(u32, u32) -> bool) -> f64 {
    let (mut sum, mut n) = (0.0, 0u64);
    for (x, y, p) in a.enumerate_pixels() {
        if inside(x, y) {
            let q = b.get_pixel(x, y);
            for c in 0..3 {
                let d = f64::from(p[c]) - f64::from(q[c]);
                sum += d * d;
            }
            n += 3;
        }
    }
    10.0 * (255.0f64 * 255.0 / (sum / n as f64).max(1e-9)).log10()
}

/// Mean squared forward difference (both neighbours where `inside` holds), over channels: the
/// "gradient energy" that separates texture from blur.
pub fn gradient_energy(img: &RgbImage, inside: impl Fn(u32, u32) -> bool) -> f64 {
    let (mut sum, mut n) = (0.0, 0u64);
    for y in 0..img.height() {
        for x in 0..img.width() {
            if !inside(x, y) {
                continue;
            }
            let p = img.get_pixel(x, y);
            for (nx, ny) in [(x + 1, y), (x, y + 1)] {
                if nx < img.width() && ny < img.height() && inside(nx, ny) {
                    let q = img.get_pixel(nx, ny);
                    for c in 0..3 {
                        let d = f64::from(p[c]) - f64::from(q[c]);
                        sum += d * d;
                    }
                    n += 3;
                }
            }
        }
    }
    sum / n.max(1) as f64
}
