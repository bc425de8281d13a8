//! Selection accuracy on synthetic composites: a shape cut from one real photo of
//! `tests/fixtures`, with an anti-aliased alpha, pasted onto another, so the true mask is exact.

use image::{GrayImage, Luma, RgbImage};

use super::{GrabCut, Wand, grab_cut, iou, magic_wand};
use crate::Window;

fn fixture(name: &str) -> RgbImage {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures").join(name);
    image::open(&path).map(|i| i.to_rgb8()).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// An irregular blob of mean radius `r` (lobes, so no box or ellipse fits it): the alpha of a
/// point `(dx, dy)` from its centre, with a 1 px anti-aliased edge.
fn blob_alpha(dx: f64, dy: f64, r: f64) -> f64 {
    let theta = dy.atan2(dx);
    let edge = r * (1.0 + 0.18 * (3.0 * theta).sin() + 0.08 * (5.0 * theta + 1.0).cos());
    (0.5 + edge - dx.hypot(dy)).clamp(0.0, 1.0)
}

struct Case {
    name: &'static str,
    source: &'static str,
    /// Centre of the cut in the source photo.
    from: (u32, u32),
    target: &'static str,
    /// Centre of the paste in the target photo.
    to: (u32, u32),
    radius: f64,
}

/// The composite, its exact mask (alpha ≥ ½) and the box a user would drag: the shape's bounds
/// plus a margin of 8 % of its size on each side.
fn composite(c: &Case) -> (RgbImage, GrayImage, Window) {
    let (src, mut img) = (fixture(c.source), fixture(c.target));
    let mut truth = GrayImage::new(img.width(), img.height());
    let reach = (c.radius * 1.3).ceil() as i64;
    let (mut x0, mut y0, mut x1, mut y1) = (i64::MAX, i64::MAX, i64::MIN, i64::MIN);
    for dy in -reach..=reach {
        for dx in -reach..=reach {
            let a = blob_alpha(dx as f64, dy as f64, c.radius);
            if a <= 0.0 {
                continue;
            }
            let (tx, ty) = (i64::from(c.to.0) + dx, i64::from(c.to.1) + dy);
            let (sx, sy) = (i64::from(c.from.0) + dx, i64::from(c.from.1) + dy);
            let s = src.get_pixel(sx as u32, sy as u32).0;
            let t = img.get_pixel_mut(tx as u32, ty as u32);
            for (tk, sk) in t.0.iter_mut().zip(s) {
                *tk = (f64::from(sk) * a + f64::from(*tk) * (1.0 - a)).round() as u8;
            }
            if a >= 0.5 {
                truth.put_pixel(tx as u32, ty as u32, Luma([255]));
                (x0, y0, x1, y1) = (x0.min(tx), y0.min(ty), x1.max(tx), y1.max(ty));
            }
        }
    }
    let margin = ((x1 - x0).max(y1 - y0) as f64 * 0.08).round() as i64;
    let rect = Window {
        x: (x0 - margin) as u32,
        y: (y0 - margin) as u32,
        width: (x1 - x0 + 1 + 2 * margin) as u32,
        height: (y1 - y0 + 1 + 2 * margin) as u32,
    };
    (img, truth, rect)
}

const CASES: [Case; 4] = [
    // The orange suit on gravel.
    Case {
        name: "suit on gravel",
        source: "astronaut.png",
        from: (150, 400),
        target: "gravel.png",
        to: (300, 220),
        radius: 60.0,
    },
    // The cat's face on a brick wall, near the corner.
    Case {
        name: "cat on brick",
        source: "chelsea.png",
        from: (200, 130),
        target: "brick.png",
        to: (110, 400),
        radius: 70.0,
    },
    // Gravel on the wooden table beside the saucer.
    Case {
        name: "gravel on table",
        source: "gravel.png",
        from: (250, 250),
        target: "coffee.png",
        to: (530, 300),
        radius: 45.0,
    },
    // The flag's stripes and stars on the table, at the saucer's edge.
    Case {
        name: "flag on coffee",
        source: "astronaut.png",
        from: (55, 250),
        target: "coffee.png",
        to: (70, 335),
        radius: 40.0,
    },
];

#[test]
fn grab_cut_recovers_pasted_objects_from_a_loose_box() {
    for c in &CASES {
        let (img, truth, rect) = composite(c);
        let boxed = GrayImage::from_fn(img.width(), img.height(), |x, y| {
            let inside = (rect.x..rect.x + rect.width).contains(&x)
                && (rect.y..rect.y + rect.height).contains(&y);
            Luma([if inside { 255 } else { 0 }])
        });
        let started = std::time::Instant::now();
        let mask =
            grab_cut(&img, rect, &GrabCut::default()).unwrap_or_else(|e| panic!("{}: {e}", c.name));
        let took = started.elapsed();
        let (score, baseline) = (iou(&mask, &truth), iou(&boxed, &truth));
        println!("grabcut {}: IoU {score:.3} (the box alone {baseline:.3}), {took:?}", c.name);
        // The box alone must fail the bar, or the test would not tell a cut from a rectangle.
        assert!(baseline < 0.9, "{}: box IoU {baseline}", c.name);
        assert!(score >= 0.9, "{}: IoU {score}", c.name);
    }
}

#[test]
fn wand_recovers_a_flat_pasted_region() {
    // A piece of the dark backdrop behind the astronaut, pasted onto the wooden table.
    let c = Case {
        name: "backdrop on table",
        source: "astronaut.png",
        from: (440, 312),
        target: "coffee.png",
        to: (540, 330),
        radius: 22.0,
    };
    let (img, truth, _) = composite(&c);
    let mask = magic_wand(&img, 540, 330, Wand { tolerance: 12.0, contiguous: true })
        .unwrap_or_else(|e| panic!("{e}"));
    let score = iou(&mask, &truth);
    let loose = magic_wand(&img, 540, 330, Wand { tolerance: 60.0, contiguous: true })
        .map(|m| iou(&m, &truth))
        .unwrap_or(1.0);
    println!("wand {}: IoU {score:.3} (tolerance 60: {loose:.3})", c.name);
    assert!(score >= 0.9, "IoU {score}");
    assert!(
        loose < 0.9,
        "a loose tolerance must spill onto the table, or the check proves nothing"
    );
}

/// GrabCut's speed on a photo of the demo's size, printed for the README (`--nocapture`).
#[test]
fn grab_cut_timing_on_600x400() {
    let img = fixture("coffee.png");
    let started = std::time::Instant::now();
    let mask =
        grab_cut(&img, Window { x: 60, y: 60, width: 430, height: 335 }, &GrabCut::default());
    println!("grabcut 600x400, 430x335 box, 5 rounds: {:?}", started.elapsed());
    assert!(mask.is_ok());
}
