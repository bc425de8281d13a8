//! Modular grids: one cell per combination of levels, each level a controlled edit of the same master
//! made on its own region.
//!
//! A cell is composed, not re-rendered: inside each level's region (its grown, feathered alpha > 0) the
//! cell takes that edit's pixels, everywhere else the master's. Because the regions of different
//! variables are disjoint, every cell pixel has exactly one source, so the cell is the master plus
//! exactly those edits and nothing else; [`audit_cell`] checks it pixel by pixel afterwards, trusting
//! nothing here. An edit's own changes outside its region (an imported edit's encoder noise) are
//! dropped, never carried into a cell.

use image::{GrayImage, Luma, RgbImage};
use serde::Serialize;

/// A rectangle in pixel coordinates, both ends inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PixelBox {
    pub x0: u32,
    pub y0: u32,
    pub x1: u32,
    pub y1: u32,
}

impl std::fmt::Display for PixelBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "x {}–{}, y {}–{}", self.x0, self.x1, self.y0, self.y1)
    }
}

/// Where two regions share pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Overlap {
    /// Pixels inside both regions.
    pub pixels: u64,
    /// The bounding box of those pixels.
    pub bbox: PixelBox,
}

/// One level placed in a cell: the edit's full image and its region.
#[derive(Debug, Clone, Copy)]
pub struct Layer<'a> {
    /// The edit of the master (same size).
    pub edit: &'a RgbImage,
    /// The edit's grown, feathered alpha; > 0 is the region.
    pub alpha: &'a GrayImage,
}

/// Why a cell cannot be composed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GridError {
    /// An edit or alpha is not the master's size.
    #[error("layer {layer} is {got_w}x{got_h} but the master is {want_w}x{want_h}")]
    Size { layer: usize, got_w: u32, got_h: u32, want_w: u32, want_h: u32 },
    /// Two layers' regions share pixels, so a pixel would have two sources.
    #[error("layers {first} and {second} overlap on {} px at {}", overlap.pixels, overlap.bbox)]
    Overlap { first: usize, second: usize, overlap: Overlap },
}

/// The pixels two regions share (alpha > 0 in both), or `None` when they are disjoint. Regions of
/// different sizes cannot be compared and count as disjoint; [`compose`] refuses them anyway.
pub fn overlap(a: &GrayImage, b: &GrayImage) -> Option<Overlap> {
    if a.dimensions() != b.dimensions() {
        return None;
    }
    let mut pixels = 0u64;
    let mut bbox = PixelBox { x0: u32::MAX, y0: u32::MAX, x1: 0, y1: 0 };
    for (x, y, pa) in a.enumerate_pixels() {
        if pa[0] > 0 && b.get_pixel(x, y)[0] > 0 {
            pixels += 1;
            bbox.x0 = bbox.x0.min(x);
            bbox.y0 = bbox.y0.min(y);
            bbox.x1 = bbox.x1.max(x);
            bbox.y1 = bbox.y1.max(y);
        }
    }
    (pixels > 0).then_some(Overlap { pixels, bbox })
}

/// 255 wherever some alpha is > 0, else 0: the union of the regions, the cell's audit mask.
pub fn union_mask(width: u32, height: u32, alphas: &[&GrayImage]) -> GrayImage {
    GrayImage::from_fn(width, height, |x, y| {
        let inside =
            alphas.iter().any(|a| a.dimensions() == (width, height) && a.get_pixel(x, y)[0] > 0);
        Luma([if inside { 255 } else { 0 }])
    })
}

/// Checks sizes and pairwise disjointness of `layers` against `master`.
fn check(master: &RgbImage, layers: &[Layer<'_>]) -> Result<(), GridError> {
    let want = master.dimensions();
    for (i, l) in layers.iter().enumerate() {
        for got in [l.edit.dimensions(), l.alpha.dimensions()] {
            if got != want {
                return Err(GridError::Size {
                    layer: i,
                    got_w: got.0,
                    got_h: got.1,
                    want_w: want.0,
                    want_h: want.1,
                });
            }
        }
    }
    for i in 0..layers.len() {
        for j in i + 1..layers.len() {
            if let Some(o) = overlap(layers[i].alpha, layers[j].alpha) {
                return Err(GridError::Overlap { first: i, second: j, overlap: o });
            }
        }
    }
    Ok(())
}

/// The cell: each layer's edit inside its region, the master elsewhere. With no layers it is the
/// master. Layers must be the master's size and pairwise disjoint.
pub fn compose(master: &RgbImage, layers: &[Layer<'_>]) -> Result<RgbImage, GridError> {
    check(master, layers)?;
    let mut cell = master.clone();
    for l in layers {
        for (x, y, a) in l.alpha.enumerate_pixels() {
            if a[0] > 0 {
                cell.put_pixel(x, y, *l.edit.get_pixel(x, y));
            }
        }
    }
    Ok(cell)
}

/// What [`audit_cell`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CellAudit {
    /// Pixels outside every region that differ from the master (must be 0).
    pub outside_changed_px: u64,
    /// Pixels inside some region that differ from that region's edit (must be 0).
    pub inside_mismatch_px: u64,
    /// Pixels in the union of the regions.
    pub union_px: u64,
    /// Pixels that differ from the master anywhere.
    pub changed_px: u64,
}

impl CellAudit {
    /// Whether the cell is exactly the master plus its levels' edits.
    pub fn exact(&self) -> bool {
        self.outside_changed_px == 0 && self.inside_mismatch_px == 0
    }
}

/// Compares a cell with its master and layers, pixel by pixel and independently of [`compose`].
/// Mismatched sizes count every pixel as wrong.
pub fn audit_cell(master: &RgbImage, cell: &RgbImage, layers: &[Layer<'_>]) -> CellAudit {
    let total = u64::from(master.width()) * u64::from(master.height());
    let sized = cell.dimensions() == master.dimensions()
        && layers.iter().all(|l| {
            l.edit.dimensions() == master.dimensions()
                && l.alpha.dimensions() == master.dimensions()
        });
    if !sized {
        return CellAudit {
            outside_changed_px: total,
            inside_mismatch_px: total,
            union_px: 0,
            changed_px: total,
        };
    }
    let mut a =
        CellAudit { outside_changed_px: 0, inside_mismatch_px: 0, union_px: 0, changed_px: 0 };
    for (x, y, m) in master.enumerate_pixels() {
        let c = cell.get_pixel(x, y);
        let differs = c != m;
        a.changed_px += u64::from(differs);
        // Every layer owning the pixel must agree with the cell; no allocation per pixel, since a
        // 12-megapixel cell has 12 million of them.
        let (mut owned, mut mismatch) = (false, false);
        for l in layers.iter().filter(|l| l.alpha.get_pixel(x, y)[0] > 0) {
            owned = true;
            mismatch |= l.edit.get_pixel(x, y) != c;
        }
        if owned {
            a.union_px += 1;
            a.inside_mismatch_px += u64::from(mismatch);
        } else {
            a.outside_changed_px += u64::from(differs);
        }
    }
    a
}

#[cfg(test)]
mod tests {
    use image::Rgb;

    use super::*;

    fn master() -> RgbImage {
        RgbImage::from_fn(30, 20, |x, y| Rgb([x as u8 * 8, y as u8 * 12, 90]))
    }

    fn region(x0: u32, x1: u32) -> GrayImage {
        GrayImage::from_fn(30, 20, |x, _| Luma([if (x0..=x1).contains(&x) { 200 } else { 0 }]))
    }

    fn edit_everywhere(m: &RgbImage, v: u8) -> RgbImage {
        RgbImage::from_fn(m.width(), m.height(), |_, _| Rgb([v, v, v]))
    }

    #[test]
    fn a_cell_is_each_edit_inside_its_region_and_the_master_elsewhere() {
        let m = master();
        // The edits differ from the master everywhere, so a pixel leaking from outside its region
        // would show.
        let (e1, e2) = (edit_everywhere(&m, 1), edit_everywhere(&m, 2));
        let (a1, a2) = (region(0, 4), region(20, 29));
        let layers = [Layer { edit: &e1, alpha: &a1 }, Layer { edit: &e2, alpha: &a2 }];
        let cell = compose(&m, &layers).unwrap();
        assert_eq!(cell.get_pixel(3, 5), &Rgb([1, 1, 1]));
        assert_eq!(cell.get_pixel(25, 5), &Rgb([2, 2, 2]));
        assert_eq!(cell.get_pixel(10, 5), m.get_pixel(10, 5));
        let audit = audit_cell(&m, &cell, &layers);
        assert!(audit.exact());
        assert_eq!(audit.union_px, 15 * 20);
        assert_eq!(compose(&m, &[]).unwrap(), m);
    }

    #[test]
    fn overlapping_regions_are_refused_with_where_they_meet() {
        let m = master();
        let e = edit_everywhere(&m, 5);
        let (a1, a2) = (region(0, 12), region(10, 20));
        let err = compose(&m, &[Layer { edit: &e, alpha: &a1 }, Layer { edit: &e, alpha: &a2 }])
            .unwrap_err();
        let want = Overlap { pixels: 3 * 20, bbox: PixelBox { x0: 10, y0: 0, x1: 12, y1: 19 } };
        assert_eq!(err, GridError::Overlap { first: 0, second: 1, overlap: want });
        assert_eq!(overlap(&a1, &region(13, 20)), None);
    }

    #[test]
    fn the_audit_catches_a_stray_pixel_and_a_wrong_one() {
        let m = master();
        let e = edit_everywhere(&m, 1);
        let a = region(0, 4);
        let layers = [Layer { edit: &e, alpha: &a }];
        let mut cell = compose(&m, &layers).unwrap();
        cell.put_pixel(15, 3, Rgb([0, 0, 0]));
        cell.put_pixel(2, 3, Rgb([9, 9, 9]));
        let audit = audit_cell(&m, &cell, &layers);
        assert_eq!((audit.outside_changed_px, audit.inside_mismatch_px), (1, 1));
        assert!(!audit.exact());
    }

    #[test]
    fn sizes_must_match() {
        let m = master();
        let e = RgbImage::new(10, 10);
        let a = GrayImage::new(10, 10);
        assert!(matches!(
            compose(&m, &[Layer { edit: &e, alpha: &a }]),
            Err(GridError::Size { layer: 0, .. })
        ));
        let u = union_mask(30, 20, &[&region(0, 1), &region(5, 5)]);
        assert_eq!(u.pixels().filter(|p| p[0] == 255).count(), 3 * 20);
    }
}
