//! The `run` pipeline: bit-exactness outside the prepared alpha, determinism, edge cases and
//! the crop window for large images.

use image::{GrayImage, Luma, RgbImage};
use inpaint::{BackendKind, DevicePreference, InpaintError, InpaintOptions, Inpainter, run};
use inpaint_torch::{PatchFill, PatchFillParams, build_backend};

use crate::common::{photo, rect_mask, test_device};

/// An irregular brush-like mask: a disc plus a diagonal stroke.
fn blob_mask(width: u32, height: u32, cx: f64, cy: f64, radius: f64) -> GrayImage {
    GrayImage::from_fn(width, height, |x, y| {
        let (dx, dy) = (f64::from(x) - cx, f64::from(y) - cy);
        let disc = dx * dx + dy * dy <= radius * radius;
        let stroke = (dx - dy).abs() < 4.0 && dx.abs() < radius * 1.8;
        Luma([if disc || stroke { 255 } else { 0 }])
    })
}

fn assert_untouched_outside_alpha(input: &RgbImage, out: &inpaint::InpaintOutcome) {
    assert_eq!(out.image.dimensions(), input.dimensions());
    assert_eq!(out.alpha.dimensions(), input.dimensions());
    let mut changed_inside = 0;
    for (x, y, a) in out.alpha.enumerate_pixels() {
        if a[0] == 0 {
            assert_eq!(
                out.image.get_pixel(x, y),
                input.get_pixel(x, y),
                "pixel ({x},{y}) outside the mask changed"
            );
        } else if out.image.get_pixel(x, y) != input.get_pixel(x, y) {
            changed_inside += 1;
        }
    }
    assert!(changed_inside > 0, "nothing inside the mask changed");
}

#[test]
fn pixels_outside_grown_feathered_mask_are_bit_identical_on_photos() {
    let engine = PatchFill::new(test_device());
    for (name, cx, cy) in [("astronaut.png", 300.0, 140.0), ("chelsea.png", 200.0, 150.0)] {
        let img = photo(name);
        let mask = blob_mask(img.width(), img.height(), cx, cy, 22.0);
        let opts = InpaintOptions { seed: 3, grow: 4, feather: 6, context_margin: None };
        let out = run(&engine, &img, &mask, &opts).unwrap();
        assert_untouched_outside_alpha(&img, &out);
        // The alpha really is grown and feathered: wider than the mask, with soft values.
        let masked = mask.pixels().filter(|p| p[0] > 127).count();
        let full = out.alpha.pixels().filter(|p| p[0] == 255).count();
        let soft = out.alpha.pixels().filter(|p| p[0] > 0 && p[0] < 255).count();
        assert!(full > masked && soft > 0, "{name}: {masked} masked, {full} full, {soft} soft");
    }
}

#[test]
fn same_seed_gives_identical_output_and_the_seed_steers_patchmatch() {
    let engine = PatchFill::new(test_device());
    let img = photo("gravel.png");
    let mask = rect_mask(img.width(), img.height(), 100, 100, 40, 40);
    let opts = InpaintOptions { seed: 42, ..Default::default() };
    let a = run(&engine, &img, &mask, &opts).unwrap();
    let b = run(&engine, &img, &mask, &opts).unwrap();
    assert_eq!(a.image, b.image);
    // The seed only matters where PatchMatch's random search runs; on a GPU the default budget
    // makes this small hole use the exact search everywhere, so force PatchMatch here.
    let searching = PatchFill::with_params(
        test_device(),
        PatchFillParams { exhaustive_budget: 0.0, ..PatchFillParams::default() },
    );
    let c = run(&searching, &img, &mask, &opts).unwrap();
    assert_eq!(c.image, run(&searching, &img, &mask, &opts).unwrap().image);
    let d = run(&searching, &img, &mask, &InpaintOptions { seed: 43, ..opts }).unwrap();
    assert_ne!(c.image, d.image, "the seed should steer the random search");
}

#[test]
fn mask_touching_the_border_and_corner_is_filled() {
    let engine = PatchFill::new(test_device());
    let img = photo("brick.png");
    let (w, h) = img.dimensions();
    let mut mask = rect_mask(w, h, 0, 0, 30, 30);
    for x in w - 25..w {
        for y in 200..260 {
            mask.put_pixel(x, y, Luma([255]));
        }
    }
    let out = run(&engine, &img, &mask, &InpaintOptions::default()).unwrap();
    assert_untouched_outside_alpha(&img, &out);
}

#[test]
fn empty_full_and_mismatched_masks_are_clear_errors() {
    let engine = PatchFill::new(test_device());
    let img = photo("chelsea.png");
    let (w, h) = img.dimensions();
    let opts = InpaintOptions::default();

    let err = run(&engine, &img, &GrayImage::new(w, h), &opts).unwrap_err();
    assert!(matches!(err, InpaintError::EmptyMask), "{err}");

    let err = run(&engine, &img, &GrayImage::from_pixel(w, h, Luma([255])), &opts).unwrap_err();
    assert!(matches!(err, InpaintError::NoContext { .. }), "{err}");
    assert!(err.to_string().contains("context"), "{err}");

    let err = run(&engine, &img, &GrayImage::new(w + 1, h), &opts).unwrap_err();
    assert!(matches!(err, InpaintError::SizeMismatch { .. }), "{err}");
    let err = engine.inpaint(&img, &GrayImage::new(w, h - 1), &opts).unwrap_err();
    assert!(err.to_string().contains(&format!("{w}x{}", h - 1)), "{err}");
}

#[test]
fn large_image_works_on_a_window_around_the_mask() {
    // 4000x3000, tiled from a real photo, with a small mask: only a window is processed.
    let tile = photo("coffee.png");
    let big =
        RgbImage::from_fn(4000, 3000, |x, y| *tile.get_pixel(x % tile.width(), y % tile.height()));
    let mask = rect_mask(4000, 3000, 2010, 1530, 40, 30);
    let engine = PatchFill::new(test_device());
    let out =
        run(&engine, &big, &mask, &InpaintOptions { grow: 2, feather: 2, ..Default::default() })
            .unwrap();
    assert!(out.window.width <= 200 && out.window.height <= 200, "{:?}", out.window);
    assert!(out.window.x <= 2010 - 48 && out.window.y <= 1530 - 48, "{:?}", out.window);
    assert_untouched_outside_alpha(&big, &out);
}

#[test]
fn backend_factory_and_names() {
    let engine = build_backend(BackendKind::Patchfill, None, DevicePreference::Cpu).unwrap();
    assert_eq!(engine.name(), "patchfill");
    let err = build_backend(BackendKind::Torchscript, None, DevicePreference::Cpu).err().unwrap();
    assert!(matches!(err, InpaintError::ModelRequired), "{err}");
    assert_eq!("torchscript".parse::<BackendKind>().unwrap(), BackendKind::Torchscript);
    assert!("lama".parse::<BackendKind>().is_err());
}

#[test]
fn coffee_photo_600x400_with_a_ten_percent_hole_fills() {
    let img = photo("coffee.png");
    assert_eq!(img.dimensions(), (600, 400));
    // 155x155 ≈ 10 % of 600x400, over the cup's rim and the table.
    let mask = rect_mask(600, 400, 300, 180, 155, 155);
    let out = run(&PatchFill::new(test_device()), &img, &mask, &InpaintOptions::default()).unwrap();
    assert_untouched_outside_alpha(&img, &out);
}
