//! Priming tests on the real photos of `tests/fixtures`: each glitch is made by hand the way a
//! careless edit makes it, and each clean edit is one the product really performs.

use image::{GrayImage, Luma, Rgb, RgbImage};
use imageproc::filter::gaussian_blur_f32;

use super::*;
use crate::{HexColor, recolor};

fn fixture(name: &str) -> RgbImage {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures").join(name);
    image::open(path).unwrap().to_rgb8()
}

fn rect_mask(img: &RgbImage, x: (u32, u32), y: (u32, u32)) -> GrayImage {
    GrayImage::from_fn(img.width(), img.height(), |px, py| {
        Luma([if (x.0..x.1).contains(&px) && (y.0..y.1).contains(&py) { 255 } else { 0 }])
    })
}

fn warnings(report: &PrimingReport, check: PrimingCheck) -> Vec<&Finding> {
    report
        .findings
        .iter()
        .filter(|f| f.check == check && f.verdict == PrimingVerdict::Warn)
        .collect()
}

fn show(name: &str, report: &PrimingReport) {
    for f in &report.findings {
        eprintln!(
            "{name}: {:?} {:?} at {:?} score {:.2} (warn from {}): {}",
            f.verdict, f.check, f.rect, f.score, f.threshold, f.note
        );
    }
}

fn mean_colour(img: &RgbImage, pixels: impl Iterator<Item = (u32, u32)>) -> Rgb<u8> {
    let (mut s, mut n) = ([0u64; 3], 0u64);
    for (x, y) in pixels {
        for (sum, v) in s.iter_mut().zip(img.get_pixel(x, y).0) {
            *sum += u64::from(v);
        }
        n += 1;
    }
    Rgb(s.map(|v| (v / n.max(1)) as u8))
}

#[test]
fn a_pasted_patch_with_a_hard_seam_warns_along_its_edge() {
    let before = fixture("coffee.png");
    let mask = rect_mask(&before, (500, 580), (200, 280));
    let mut after = before.clone();
    // A piece of the red saucer pasted onto the wood, edge to edge.
    for y in 0..80 {
        for x in 0..80 {
            after.put_pixel(500 + x, 200 + y, *before.get_pixel(95 + x, 200 + y));
        }
    }
    let report = prime_edit(&before, &after, &mask, EditKind::Content).unwrap();
    show("pasted", &report);
    let seams = warnings(&report, PrimingCheck::Seam);
    assert!(!seams.is_empty());
    assert_eq!(report.verdict, PrimingVerdict::Warn);
    // The seam lies on the patch's outline.
    let [x, y, w, h] = seams[0].rect;
    assert!(x >= 490 && y >= 190 && x + w <= 590 && y + h <= 290, "{:?}", seams[0].rect);
}

#[test]
fn a_clone_stamped_repeat_warns_at_its_shift() {
    let before = fixture("coffee.png");
    let mask = rect_mask(&before, (490, 586), (90, 186));
    let mut after = before.clone();
    // One 32×32 piece of wood grain stamped nine times over the region.
    for y in 0..96 {
        for x in 0..96 {
            after.put_pixel(490 + x, 90 + y, *before.get_pixel(520 + x % 32, 16 + y % 32));
        }
    }
    let report = prime_edit(&before, &after, &mask, EditKind::Content).unwrap();
    show("stamped", &report);
    let clones = warnings(&report, PrimingCheck::Clone);
    assert!(!clones.is_empty());
    assert!(clones[0].score >= 100.0, "{:?}", clones[0]);
    assert!(
        clones[0].note.contains("(32, 0)") || clones[0].note.contains("(0, 32)"),
        "{:?}",
        clones[0]
    );
}

#[test]
fn an_edge_cut_off_at_the_mask_warns_as_a_broken_joint() {
    let before = fixture("astronaut.png");
    // The flag's stripes run diagonally through this box; it is filled flat with their mean.
    let (xs, ys) = ((14, 54), (200, 250));
    let mask = rect_mask(&before, xs, ys);
    let fill = mean_colour(&before, (ys.0..ys.1).flat_map(|y| (xs.0..xs.1).map(move |x| (x, y))));
    let mut after = before.clone();
    for y in ys.0..ys.1 {
        for x in xs.0..xs.1 {
            after.put_pixel(x, y, fill);
        }
    }
    let report = prime_edit(&before, &after, &mask, EditKind::Content).unwrap();
    show("cut", &report);
    assert!(!warnings(&report, PrimingCheck::BrokenJoint).is_empty());
}

/// The recolor tests' saucer, feathered wide (σ 5 px). A hand-drawn ellipse is a few pixels off
/// the real rim, and with a hard or 2 px edge the check rightly flags what that leaves (a band of
/// the old red around the spoon, the cup's shading cut at the mask); a wide feather hides it.
fn feathered_saucer(img: &RgbImage) -> GrayImage {
    let in_ellipse = |x: f64, y: f64, (cx, cy, rx, ry): (f64, f64, f64, f64)| {
        let (dx, dy) = ((x - cx) / rx, (y - cy) / ry);
        dx * dx + dy * dy <= 1.0
    };
    let hard = GrayImage::from_fn(img.width(), img.height(), |x, y| {
        let (x, y) = (f64::from(x), f64::from(y));
        let (vx, vy) = (372.0 - 412.0, 250.0 - 70.0);
        let t = (((x - 412.0) * vx + (y - 70.0) * vy) / (vx * vx + vy * vy)).clamp(0.0, 1.0);
        let (px, py) = (412.0 + t * vx - x, 70.0 + t * vy - y);
        let inside = in_ellipse(x, y, (278.0, 232.0, 196.0, 148.0))
            && !in_ellipse(x, y, (290.0, 150.0, 124.0, 128.0))
            && !in_ellipse(x, y, (228.0, 268.0, 36.0, 40.0))
            && !in_ellipse(x, y, (366.0, 284.0, 48.0, 48.0))
            && px * px + py * py > 18.0 * 18.0;
        Luma([if inside { 255 } else { 0 }])
    });
    gaussian_blur_f32(&hard, 5.0)
}

#[test]
fn a_clean_recolor_passes() {
    let before = fixture("coffee.png");
    let alpha = feathered_saucer(&before);
    for target in ["#1E5AA8", "#228B22"] {
        let after =
            recolor(&before, &alpha, HexColor::parse(target).unwrap(), false).unwrap().image;
        // Judged even as new content (seams and joints checked), a feathered recolor passes;
        // as what it is, a colour-only edit, only repeated texture is looked for.
        for kind in [EditKind::Content, EditKind::Colour] {
            let report = prime_edit(&before, &after, &alpha, kind).unwrap();
            show(target, &report);
            assert_eq!(report.verdict, PrimingVerdict::Pass, "{target} {kind:?}");
            assert_eq!(report.findings.len(), 3, "one pass finding per check");
            assert!(report.findings.iter().all(|f| f.score < f.threshold), "{:?}", report.findings);
        }
    }
}

/// Fills the mask by diffusion from its boundary (Jacobi iterations of Laplace's equation): the
/// smooth fill an eraser makes of a plain backdrop.
fn diffuse(img: &RgbImage, mask: &GrayImage) -> RgbImage {
    let (w, h) = img.dimensions();
    let mut cur: Vec<[f32; 3]> = img.pixels().map(|p| p.0.map(f32::from)).collect();
    let inside = |x: u32, y: u32| mask.get_pixel(x, y)[0] > 0;
    for _ in 0..1500 {
        let prev = cur.clone();
        for y in 1..h - 1 {
            for x in 1..w - 1 {
                if !inside(x, y) {
                    continue;
                }
                let i = (y * w + x) as usize;
                let w_ = w as usize;
                for c in 0..3 {
                    cur[i][c] =
                        (prev[i - 1][c] + prev[i + 1][c] + prev[i - w_][c] + prev[i + w_][c]) / 4.0;
                }
            }
        }
    }
    RgbImage::from_fn(w, h, |x, y| Rgb(cur[(y * w + x) as usize].map(|v| v.round() as u8)))
}

#[test]
fn a_clean_erase_of_a_plain_backdrop_passes() {
    let before = fixture("astronaut.png");
    let mask = rect_mask(&before, (318, 352), (24, 64));
    let after = diffuse(&before, &mask);
    assert_ne!(after, before);
    let report = prime_edit(&before, &after, &mask, EditKind::Content).unwrap();
    show("erase", &report);
    assert_eq!(report.verdict, PrimingVerdict::Pass);
    assert!(report.edited_px > 34 * 40 / 2, "{}", report.edited_px);
}

#[test]
fn a_master_photo_has_no_clones_until_a_piece_is_duplicated() {
    let img = fixture("coffee.png");
    let clean = prime_master(&img);
    show("master", &clean);
    assert_eq!(clean.verdict, PrimingVerdict::Pass);
    let mut stamped = img.clone();
    for y in 0..40 {
        for x in 0..40 {
            stamped.put_pixel(30 + x, 330 + y, *img.get_pixel(500 + x, 120 + y));
        }
    }
    assert!(!warnings(&prime_master(&stamped), PrimingCheck::Clone).is_empty());
}

#[test]
fn sizes_must_agree_and_an_untouched_image_has_nothing_to_report() {
    let img = fixture("chelsea.png");
    let small = GrayImage::new(10, 10);
    assert!(matches!(
        prime_edit(&img, &img, &small, EditKind::Content),
        Err(PrimingError::SizeMismatch { .. })
    ));
    let none = GrayImage::new(img.width(), img.height());
    let report = prime_edit(&img, &img, &none, EditKind::Content).unwrap();
    assert_eq!(
        (report.verdict, report.edited_px, report.findings.len()),
        (PrimingVerdict::Pass, 0, 0)
    );
}

#[test]
fn each_check_keeps_its_twelve_worst_findings_and_counts_the_rest() {
    let many: Vec<Finding> = (0..20)
        .map(|i| Finding {
            check: PrimingCheck::Clone,
            rect: [i, 0, 8, 8],
            score: f64::from(i),
            threshold: 24.0,
            verdict: PrimingVerdict::Warn,
            note: format!("shift {i}"),
        })
        .collect();
    let kept = worst(many);
    assert_eq!(kept.len(), 12);
    assert_eq!(kept[0].score, 19.0);
    assert_eq!(kept[11].note, "shift 8 (and 8 more like it, not drawn)");
}

#[test]
fn a_reframed_report_keeps_the_findings_in_the_window_and_moves_them() {
    let before = fixture("coffee.png");
    let mask = rect_mask(&before, (500, 580), (200, 280));
    let mut after = before.clone();
    for y in 0..80 {
        for x in 0..80 {
            after.put_pixel(500 + x, 200 + y, *before.get_pixel(95 + x, 200 + y));
        }
    }
    let report = prime_edit(&before, &after, &mask, EditKind::Content).unwrap();
    // A window holding the patch's left half, placed 10 px down in a taller canvas.
    let window = crate::Rect { x: 400, y: 0, w: 140, h: 400 };
    let moved = report.reframed(window, (0, 10), 140, 420);
    assert_eq!((moved.width, moved.height, moved.verdict), (140, 420, PrimingVerdict::Warn));
    assert!(!moved.findings.is_empty());
    for f in &moved.findings {
        assert!(f.rect[0] + f.rect[2] <= 140 && f.rect[1] >= 10, "{:?}", f.rect);
    }
    // A window away from the patch carries nothing.
    let clear = report.reframed(crate::Rect { x: 0, y: 0, w: 300, h: 400 }, (0, 0), 300, 400);
    assert_eq!((clear.verdict, clear.findings.len()), (PrimingVerdict::Pass, 0));
    // Merged with a clean report, the warnings stay and the redundant passes go.
    let merged = moved.clone().merged(
        prime_edit(&before, &before, &GrayImage::new(600, 400), EditKind::Content).unwrap(),
    );
    assert_eq!(merged.warnings(), moved.warnings());
}
