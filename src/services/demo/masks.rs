//! The demo edits' masks, made the way a user makes them in the editor: the smart selection's
//! "Select object" box (GrabCut) and "Similar colour" click on the master photo, with a few
//! strokes that tell the cut what is not the object.

use image::{GrayImage, Luma, RgbImage};
use imageproc::distance_transform::Norm;
use imageproc::morphology::dilate;
use imaging::{GrabCut, SelectError, Wand, Window, grab_cut, magic_wand};

/// The box a user drags around the spoon, bowl to the tip of the handle.
const SPOON_BOX: Window = Window { x: 318, y: 58, width: 114, height: 276 };
/// The box around the saucer, rim included.
const SAUCER_BOX: Window = Window { x: 66, y: 64, width: 424, height: 332 };
/// A stroke down the middle of the spoon's handle, tip to bowl.
const HANDLE: [(f64, f64); 6] =
    [(409.0, 80.0), (412.0, 100.0), (410.0, 130.0), (405.0, 160.0), (388.0, 200.0), (380.0, 230.0)];
/// A stroke along the saucer's lower lip, left to right.
const RIM: [(f64, f64); 10] = [
    (100.0, 287.0),
    (120.0, 316.0),
    (160.0, 350.0),
    (200.0, 370.0),
    (240.0, 381.0),
    (280.0, 386.0),
    (320.0, 383.0),
    (360.0, 373.0),
    (400.0, 352.0),
    (430.0, 330.0),
];
/// Where the user clicks the dark backdrop in the top-left corner.
const BACKDROP_CLICK: (u32, u32) = (12, 12);

fn painted(w: u32, h: u32, inside: impl Fn(f64, f64) -> bool) -> GrayImage {
    GrayImage::from_fn(w, h, |x, y| {
        Luma([if inside(f64::from(x), f64::from(y)) { 255 } else { 0 }])
    })
}

fn in_ellipse(x: f64, y: f64, (cx, cy): (f64, f64), (rx, ry): (f64, f64)) -> bool {
    let (dx, dy) = ((x - cx) / rx, (y - cy) / ry);
    dx * dx + dy * dy <= 1.0
}

/// A stroke of radius `r` px along the polyline `points`.
fn stroke(w: u32, h: u32, points: &[(f64, f64)], r: f64) -> GrayImage {
    painted(w, h, |x, y| {
        points.windows(2).any(|seg| {
            let ((ax, ay), (bx, by)) = (seg[0], seg[1]);
            let (vx, vy) = (bx - ax, by - ay);
            let t = (((x - ax) * vx + (y - ay) * vy) / (vx * vx + vy * vy)).clamp(0.0, 1.0);
            (ax + t * vx - x).hypot(ay + t * vy - y) <= r
        })
    })
}

fn union(a: &GrayImage, b: &GrayImage) -> GrayImage {
    GrayImage::from_fn(a.width(), a.height(), |x, y| {
        Luma([a.get_pixel(x, y)[0].max(b.get_pixel(x, y)[0])])
    })
}

fn minus(a: &GrayImage, b: &GrayImage) -> GrayImage {
    GrayImage::from_fn(a.width(), a.height(), |x, y| {
        Luma([if b.get_pixel(x, y)[0] > 127 { 0 } else { a.get_pixel(x, y)[0] }])
    })
}

/// The spoon, bowl and handle. Grown by 2 px so that the handle's anti-aliased edge, half spoon
/// and half saucer, is erased too rather than left as a light ghost.
pub(super) fn spoon_mask(photo: &RgbImage) -> Result<GrayImage, SelectError> {
    // The handle is a few px wide: a stroke along it keeps the cut from trimming it away.
    let (w, h) = photo.dimensions();
    let handle = stroke(w, h, &HANDLE, 1.0);
    let opts = GrabCut { sure_foreground: Some(&handle), ..GrabCut::default() };
    let cut = grab_cut(photo, SPOON_BOX, &opts)?;
    Ok(dilate(&cut, Norm::LInf, 2))
}

/// The saucer, rim included, without the cup, its handle or the spoon. The cup is glazed in the
/// saucer's red, so colour alone cannot part them: two strokes inside the cup and its handle
/// mark them as background, and the cut finds the border between them and the saucer.
pub(super) fn saucer_mask(photo: &RgbImage) -> Result<GrayImage, SelectError> {
    let (w, h) = photo.dimensions();
    let spoon = spoon_mask(photo)?;
    let cup = painted(w, h, |x, y| {
        in_ellipse(x, y, (290.0, 150.0), (112.0, 118.0))
            || in_ellipse(x, y, (292.0, 255.0), (50.0, 24.0))
            || in_ellipse(x, y, (228.0, 266.0), (24.0, 32.0))
    });
    let not_saucer = union(&cup, &spoon);
    // The lower rim is a thin lip in shadow, glazed like the cup the strokes above rule out: a
    // stroke along it keeps it in.
    let rim = stroke(w, h, &RIM, 1.0);
    let opts = GrabCut {
        sure_background: Some(&not_saucer),
        sure_foreground: Some(&rim),
        ..GrabCut::default()
    };
    Ok(minus(&grab_cut(photo, SAUCER_BOX, &opts)?, &spoon))
}

/// The dark backdrop in the top-left corner: one "Similar colour" click.
pub(super) fn background_mask(photo: &RgbImage) -> Result<GrayImage, SelectError> {
    let (x, y) = BACKDROP_CLICK;
    magic_wand(photo, x, y, Wand { tolerance: 14.0, contiguous: true })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo() -> RgbImage {
        image::load_from_memory(super::super::MASTER_PHOTO).map(|i| i.to_rgb8()).unwrap()
    }

    fn area(m: &GrayImage) -> f64 {
        m.pixels().filter(|p| p.0[0] > 127).count() as f64 / f64::from(m.width() * m.height())
    }

    #[test]
    fn demo_masks_cover_plausible_areas() {
        let photo = photo();
        let (spoon, saucer, backdrop) = (
            spoon_mask(&photo).unwrap(),
            saucer_mask(&photo).unwrap(),
            background_mask(&photo).unwrap(),
        );
        println!(
            "areas: spoon {:.4}, saucer {:.4}, backdrop {:.4}",
            area(&spoon),
            area(&saucer),
            area(&backdrop)
        );
        assert!((0.02..0.08).contains(&area(&spoon)));
        assert!((0.15..0.35).contains(&area(&saucer)));
        assert!((0.01..0.10).contains(&area(&backdrop)));
    }

    #[test]
    fn the_saucer_mask_takes_its_rim_and_leaves_cup_and_spoon() {
        let saucer = saucer_mask(&photo()).unwrap();
        let on = |x: u32, y: u32| saucer.get_pixel(x, y)[0] > 127;
        // The outer rim: left, right and upper right, a few px in from the edge, and the lower
        // lip beside (not on) the stroke that guides the cut.
        let rim = [
            (81, 180),
            (78, 230),
            (464, 180),
            (477, 230),
            (440, 134),
            (240, 383),
            (280, 388),
            (360, 375),
        ];
        let missed: Vec<_> = rim.iter().filter(|&&(x, y)| !on(x, y)).collect();
        assert!(missed.is_empty(), "rim pixels left out: {missed:?}");
        // The cup's coffee and body, its handle, the spoon's bowl.
        for (x, y) in [(290, 150), (300, 230), (228, 266), (365, 285)] {
            assert!(!on(x, y), "({x}, {y}) is not saucer");
        }
    }
}
