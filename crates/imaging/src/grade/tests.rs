//! Grade tests on the real photos of `tests/fixtures`.

use image::{Luma, Rgb};

use super::*;
use crate::color::Decoder;

fn fixture(name: &str) -> RgbImage {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures").join(name);
    image::open(path).unwrap().to_rgb8()
}

fn rect_alpha(img: &RgbImage, x0: u32, y0: u32, w: u32, h: u32) -> GrayImage {
    GrayImage::from_fn(img.width(), img.height(), |x, y| {
        Luma([if (x0..x0 + w).contains(&x) && (y0..y0 + h).contains(&y) { 255 } else { 0 }])
    })
}

fn assert_outside_identical(before: &RgbImage, after: &RgbImage, alpha: &GrayImage) {
    for (x, y, a) in alpha.enumerate_pixels() {
        if a[0] == 0 {
            assert_eq!(before.get_pixel(x, y), after.get_pixel(x, y), "({x},{y}) changed");
        }
    }
}

fn parse(json: &str) -> Grade {
    serde_json::from_str(json).unwrap()
}

#[test]
fn plus_one_ev_doubles_linear_light_inside_and_nothing_outside() {
    let img = fixture("coffee.png");
    let alpha = rect_alpha(&img, 150, 100, 300, 200);
    let out = grade(&img, &alpha, &parse(r#"{"exposure":1}"#)).unwrap();
    assert_outside_identical(&img, &out.image, &alpha);
    let dec = Decoder::new();
    let (mut checked, mut ratio_sum) = (0u32, 0f64);
    for (x, y, a) in alpha.enumerate_pixels() {
        if a[0] == 0 {
            continue;
        }
        let before = dec.linear(img.get_pixel(x, y).0);
        let after = dec.linear(out.image.get_pixel(x, y).0);
        // Away from clipping (no channel doubled past 1) and from the darkest, coarsely
        // quantised levels, every channel is exactly twice as bright to within one level.
        if before.red.max(before.green).max(before.blue) >= 0.5 || luminance(before) < 0.02 {
            continue;
        }
        let doubled = encode(LinSrgb::new(before.red * 2.0, before.green * 2.0, before.blue * 2.0));
        let got = out.image.get_pixel(x, y).0;
        for c in 0..3 {
            assert!(got[c].abs_diff(doubled[c]) <= 1, "({x},{y}) {got:?} vs {doubled:?}");
        }
        ratio_sum += f64::from(luminance(after) / luminance(before));
        checked += 1;
    }
    assert!(checked > 20_000, "only {checked} unclipped pixels");
    let mean = ratio_sum / f64::from(checked);
    assert!((mean - 2.0).abs() < 0.01, "mean luminance ratio {mean}");
}

#[test]
fn a_grey_card_graded_warmer_turns_red_up_blue_down_and_keeps_its_luminance() {
    // gravel.png is a grey photo: every pixel is neutral, a grey card with texture.
    let img = fixture("gravel.png");
    let alpha = rect_alpha(&img, 100, 100, 200, 200);
    let out = grade(&img, &alpha, &parse(r#"{"temperature":40}"#)).unwrap();
    assert_outside_identical(&img, &out.image, &alpha);
    let dec = Decoder::new();
    let mut n = 0;
    for (x, y, a) in alpha.enumerate_pixels() {
        let (p, q) = (img.get_pixel(x, y), out.image.get_pixel(x, y));
        if a[0] == 0 || !(40..=200).contains(&p[0]) {
            continue;
        }
        assert!(q[0] > p[0] && q[2] < p[2], "({x},{y}) {p:?} → {q:?}");
        assert!(q[0] > q[1] && q[1] > q[2], "warm means R > G > B: {q:?}");
        let (lb, la) = (luminance(dec.linear(p.0)), luminance(dec.linear(q.0)));
        assert!((la / lb - 1.0).abs() < 0.03, "luminance {lb} → {la}");
        n += 1;
    }
    assert!(n > 10_000, "{n}");
    let cool = grade(&img, &alpha, &parse(r#"{"temperature":-40}"#)).unwrap().image;
    let p = img.get_pixel(200, 200);
    let q = cool.get_pixel(200, 200);
    assert!(q[0] < p[0] && q[2] > p[2], "cooler: {p:?} → {q:?}");
    let magenta = grade(&img, &alpha, &parse(r#"{"tint":50}"#)).unwrap().image;
    let m = magenta.get_pixel(200, 200);
    assert!(m[1] < m[0] && m[1] < m[2], "magenta lowers green: {m:?}");
}

#[test]
fn saturation_contrast_tones_and_curve_work_in_lab() {
    let img = fixture("astronaut.png");
    let alpha = rect_alpha(&img, 0, 0, 512, 512);
    let grey = grade(&img, &alpha, &parse(r#"{"saturation":-100}"#)).unwrap().image;
    for p in grey.pixels().step_by(97) {
        let (lo, hi) = (p[0].min(p[1]).min(p[2]), p[0].max(p[1]).max(p[2]));
        assert!(hi - lo <= 2, "desaturated pixel {p:?}");
    }
    let l_std = |im: &RgbImage| lab_stats(im, &alpha, 1).unwrap().std[0];
    let punchy = grade(&img, &alpha, &parse(r#"{"contrast":50}"#)).unwrap().image;
    let flat = grade(&img, &alpha, &parse(r#"{"contrast":-50}"#)).unwrap().image;
    assert!(l_std(&punchy) > l_std(&img) * 1.15 && l_std(&flat) < l_std(&img) * 0.85);
    let l_mean = |im: &RgbImage| lab_stats(im, &alpha, 1).unwrap().mean[0];
    let lifted = grade(&img, &alpha, &parse(r#"{"shadows":60}"#)).unwrap().image;
    let dimmed = grade(&img, &alpha, &parse(r#"{"highlights":-60}"#)).unwrap().image;
    assert!(l_mean(&lifted) > l_mean(&img) + 2.0 && l_mean(&dimmed) < l_mean(&img) - 2.0);
    // Black and white stay where they are under the tone bands.
    let ends = RgbImage::from_fn(2, 1, |x, _| Rgb([[0, 255][x as usize]; 3]));
    let all = GrayImage::from_pixel(2, 1, Luma([255]));
    let g = parse(r#"{"shadows":100,"highlights":-100}"#);
    assert_eq!(grade(&ends, &all, &g).unwrap().image, ends);
    let curved = grade(&img, &alpha, &parse(r#"{"curve":[[50,60]]}"#)).unwrap().image;
    let mid = Rgb([119u8, 119, 119]); // L* ≈ 50
    let one = RgbImage::from_pixel(1, 1, mid);
    let one_alpha = GrayImage::from_pixel(1, 1, Luma([255]));
    let lifted_mid = grade(&one, &one_alpha, &parse(r#"{"curve":[[50,60]]}"#)).unwrap().image;
    let l = lab_stats(&lifted_mid, &one_alpha, 1).unwrap().mean[0];
    assert!((l - 60.0).abs() < 0.6, "curve put L* 50 at {l}");
    assert!(l_mean(&curved) > l_mean(&img));
}

#[test]
fn a_feathered_edge_blends_and_zero_alpha_is_untouched() {
    let img = fixture("chelsea.png");
    let alpha = GrayImage::from_fn(img.width(), img.height(), |x, _| {
        Luma([u8::try_from(x.saturating_sub(100).min(255)).unwrap()])
    });
    let out = grade(&img, &alpha, &parse(r#"{"exposure":-1.5,"saturation":30}"#)).unwrap();
    assert_outside_identical(&img, &out.image, &alpha);
    let full = grade(
        &img,
        &GrayImage::from_pixel(451, 300, Luma([255])),
        &parse(r#"{"exposure":-1.5,"saturation":30}"#),
    )
    .unwrap()
    .image;
    // Halfway along the feather the result lies between the parent and the full grade.
    let (o, h, f) =
        (img.get_pixel(228, 150), out.image.get_pixel(228, 150), full.get_pixel(228, 150));
    for c in 0..3 {
        let (lo, hi) = (o[c].min(f[c]), o[c].max(f[c]));
        assert!((lo..=hi).contains(&h[c]), "{o:?} {h:?} {f:?}");
    }
}

#[test]
fn a_pasted_plate_matched_to_its_ring_lands_within_two_delta_e() {
    // A bright, warm patch of Chelsea's fur pasted into the dark coffee table: pasted on.
    let mut img = fixture("coffee.png");
    let cat = fixture("chelsea.png");
    image::imageops::replace(
        &mut img,
        &image::imageops::crop_imm(&cat, 150, 60, 160, 120).to_image(),
        380,
        240,
    );
    let alpha = rect_alpha(&img, 380, 240, 160, 120);
    let ring = ring_alpha(&alpha, 16);
    let target = lab_stats(&img, &ring, 255).unwrap();
    let before = lab_stats(&img, &alpha, 255).unwrap();
    let start = before.mean_lab().difference(target.mean_lab());
    assert!(start > 10.0, "the paste should start visibly off, ΔE {start}");
    let out = grade(&img, &alpha, &parse(r#"{"match_ring":16}"#)).unwrap();
    assert_outside_identical(&img, &out.image, &alpha);
    let report = out.matched.unwrap();
    let after = lab_stats(&out.image, &alpha, 255).unwrap();
    let de = after.mean_lab().difference(target.mean_lab());
    assert!(de < 2.0, "ΔE2000 after the match {de} (before {start})");
    assert!((report.delta_e - de).abs() < 1e-3);
    assert_eq!(report.ring.count, target.count);
    for c in 0..3 {
        let ratio = after.std[c] / target.std[c];
        assert!((0.6..1.6).contains(&ratio), "channel {c} spread ratio {ratio}");
    }
}

#[test]
fn out_of_range_and_unknown_parameters_say_which() {
    let err = |json: &str| parse(json).validate().unwrap_err().to_string();
    assert!(err(r#"{"exposure":4.5}"#).starts_with("exposure = 4.5 is out of range"));
    assert!(err(r#"{"tint":-101}"#).contains("tint"));
    assert!(err(r#"{"match_ring":0}"#).contains("match_ring"));
    assert!(err(r#"{"curve":[[10,10],[10,20]]}"#).contains("too close"));
    assert!(serde_json::from_str::<Grade>(r#"{"exposur":1}"#).is_err());
    let img = RgbImage::new(4, 4);
    let all = GrayImage::from_pixel(4, 4, Luma([255]));
    assert!(matches!(grade(&img, &all, &Grade::default()), Err(GradeError::Neutral)));
    assert!(matches!(
        grade(&img, &GrayImage::new(4, 4), &parse(r#"{"exposure":1}"#)),
        Err(GradeError::EmptyMask)
    ));
    assert!(matches!(grade(&img, &all, &parse(r#"{"match_ring":3}"#)), Err(GradeError::NoRing(3))));
    // Stored JSON keeps only what changes something.
    assert_eq!(
        serde_json::to_string(&parse(r#"{"exposure":0.5,"tint":0}"#)).unwrap(),
        r#"{"exposure":0.5}"#
    );
}
