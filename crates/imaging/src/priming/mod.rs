//! The priming check: what an image-to-video model would animate as a glitch. A video model
//! reads every hard discontinuity as a physical boundary and every repeated texel as an object,
//! so an edit that looks fine as a still can "move" wrongly. Three checks, each on the edited
//! region only (the untouched photo is the model's ground truth):
//! - **seams**: colour steps across the region's boundary that the parent did not have there,
//!   measured against the parent's own local step statistics ([`seam`]);
//! - **clones**: textured blocks repeated at one shift inside the fill, the tell of a patch fill
//!   or clone stamp that copied one source twice ([`clone`]);
//! - **broken joints**: edges that enter the region and stop inside it where the parent's edge
//!   went on, or where nothing meets them ([`joints`]).
//!
//! Pure pixel maths: no web, database or libtorch dependency.

mod clone;
mod joints;
mod seam;
#[cfg(test)]
mod tests;

use image::{GrayImage, Luma, RgbImage};
use serde::{Deserialize, Serialize};

use crate::blend::{Window, active_window};
use crate::color::{Decoder, lab_from_linear};
use crate::formats::Rect;

/// Which glitch a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrimingCheck {
    Seam,
    Clone,
    BrokenJoint,
}

impl PrimingCheck {
    pub fn label(self) -> &'static str {
        match self {
            PrimingCheck::Seam => "seam",
            PrimingCheck::Clone => "clone artifact",
            PrimingCheck::BrokenJoint => "broken joint",
        }
    }
}

/// Ordered so that the worst verdict of a list is its maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrimingVerdict {
    Pass,
    Warn,
}

/// One place a check looked at. A check that found nothing reports one `pass` finding over the
/// whole region, so a report always says what was checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub check: PrimingCheck,
    /// `[x, y, w, h]` in image pixels.
    pub rect: [u32; 4],
    /// In the check's own unit (see `threshold`); higher is worse.
    pub score: f64,
    /// The score from which the check warns.
    pub threshold: f64,
    pub verdict: PrimingVerdict,
    /// What was measured, in words, for the overlay's tooltip.
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrimingReport {
    /// `warn` when any finding warns.
    pub verdict: PrimingVerdict,
    pub width: u32,
    pub height: u32,
    /// Pixels in the edited region (every pixel the edit changed).
    pub edited_px: u64,
    pub findings: Vec<Finding>,
}

impl PrimingReport {
    fn new(width: u32, height: u32, edited_px: u64, findings: Vec<Finding>) -> Self {
        let verdict = findings.iter().map(|f| f.verdict).max().unwrap_or(PrimingVerdict::Pass);
        Self { verdict, width, height, edited_px, findings }
    }

    /// This report as seen in a re-framed image: the findings within `window` of this image,
    /// clipped to it and moved to `at` in a `width`×`height` canvas. A crop or an outpaint of an
    /// edit carries the edit's glitches with it.
    pub fn reframed(&self, window: Rect, at: (u32, u32), width: u32, height: u32) -> PrimingReport {
        let findings = self
            .findings
            .iter()
            .filter_map(|f| {
                let r = Rect::from(f.rect);
                let (x0, y0) = (r.x.max(window.x), r.y.max(window.y));
                let x1 = (r.x + r.w).min(window.x + window.w);
                let y1 = (r.y + r.h).min(window.y + window.h);
                (x0 < x1 && y0 < y1).then(|| Finding {
                    rect: [x0 - window.x + at.0, y0 - window.y + at.1, x1 - x0, y1 - y0],
                    ..f.clone()
                })
            })
            .collect();
        PrimingReport::new(width, height, self.edited_px, findings)
    }

    /// Both reports' findings in one (same image size). Where either warns for a check, the
    /// check's `pass` summaries go; otherwise one of them stays.
    pub fn merged(self, other: PrimingReport) -> PrimingReport {
        let mut all = self.findings;
        all.extend(other.findings);
        let warns = |c: PrimingCheck, all: &[Finding]| {
            all.iter().any(|f| f.check == c && f.verdict == PrimingVerdict::Warn)
        };
        let mut kept: Vec<Finding> = Vec::with_capacity(all.len());
        for f in &all {
            let redundant = f.verdict == PrimingVerdict::Pass
                && (warns(f.check, &all)
                    || kept
                        .iter()
                        .any(|k| k.check == f.check && k.verdict == PrimingVerdict::Pass));
            if !redundant {
                kept.push(f.clone());
            }
        }
        PrimingReport::new(self.width, self.height, self.edited_px + other.edited_px, kept)
    }

    /// How many findings warn, per check, in the order seam, clone, broken joint.
    pub fn warnings(&self) -> [usize; 3] {
        let count = |c| {
            self.findings
                .iter()
                .filter(|f| f.check == c && f.verdict == PrimingVerdict::Warn)
                .count()
        };
        [count(PrimingCheck::Seam), count(PrimingCheck::Clone), count(PrimingCheck::BrokenJoint)]
    }
}

/// What an edit did to the pixels, which decides what can go wrong at its edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditKind {
    /// New content (erase, fill, composite, import, outpaint): its edge should be invisible and
    /// the edges around it should run on through it.
    Content,
    /// New colour on the same structure (recolor, grade). Its edge is the element's outline,
    /// where a new colour step is the point of the edit, and it invents no edges to break; the
    /// audit's ΔE and lightness correlation judge it instead.
    Colour,
}

#[derive(Debug, thiserror::Error)]
pub enum PrimingError {
    #[error("parent is {parent:?}, edit is {edit:?} and mask is {mask:?}: sizes must agree")]
    SizeMismatch { parent: (u32, u32), edit: (u32, u32), mask: (u32, u32) },
}

/// Checks an edit: `before` is the parent, `after` the variant and `mask` the declared mask
/// (any non-zero value is inside). The edited region is every pixel that differs, so an edit is
/// judged where it really ends: a feathered one at the end of its feather, a patch pasted inside
/// a generous mask at the patch's own edge. Only an edit that changed nothing falls back to the
/// mask.
pub fn prime_edit(
    before: &RgbImage,
    after: &RgbImage,
    mask: &GrayImage,
    kind: EditKind,
) -> Result<PrimingReport, PrimingError> {
    let (w, h) = after.dimensions();
    if before.dimensions() != (w, h) || mask.dimensions() != (w, h) {
        return Err(PrimingError::SizeMismatch {
            parent: before.dimensions(),
            edit: (w, h),
            mask: mask.dimensions(),
        });
    }
    let changed = GrayImage::from_fn(w, h, |x, y| {
        Luma([if before.get_pixel(x, y) != after.get_pixel(x, y) { 255 } else { 0 }])
    });
    let region = if active_window(&changed).is_some() {
        changed
    } else {
        GrayImage::from_fn(w, h, |x, y| Luma([if mask.get_pixel(x, y)[0] > 0 { 255 } else { 0 }]))
    };
    let Some(bbox) = active_window(&region) else {
        return Ok(PrimingReport::new(w, h, 0, Vec::new()));
    };
    // Every check looks at most a few pixels outside the region, so the work is confined to its
    // bounding box plus a margin.
    let win = bbox.expand(MARGIN, w, h);
    let crop = Crop::new(before, after, &region, win);
    let whole = [0, 0, win.width, win.height];
    let mut findings = match kind {
        EditKind::Content => worst(seam::seams(&crop)),
        EditKind::Colour => vec![not_applicable(PrimingCheck::Seam, whole)],
    };
    findings.extend(worst(clone::clones(
        &crop.after_luma,
        &crop.after,
        &crop.region,
        crop.w,
        crop.h,
    )));
    findings.extend(match kind {
        EditKind::Content => worst(joints::joints(&crop)),
        EditKind::Colour => vec![not_applicable(PrimingCheck::BrokenJoint, whole)],
    });
    for f in &mut findings {
        f.rect[0] += win.x;
        f.rect[1] += win.y;
    }
    let edited = region.pixels().filter(|p| p[0] > 0).count() as u64;
    Ok(PrimingReport::new(w, h, edited, findings))
}

/// The pass finding of a check that cannot fail for a colour-only edit, saying why.
fn not_applicable(check: PrimingCheck, rect: [u32; 4]) -> Finding {
    Finding {
        check,
        rect,
        score: 0.0,
        threshold: 1.0,
        verdict: PrimingVerdict::Pass,
        note: "a colour-only edit keeps the structure: its edge is the element's outline".into(),
    }
}

/// Checks a master, which has no edit: only repeated texture can be judged, over the whole
/// frame (the usual tell of a generated or retouched image).
pub fn prime_master(img: &RgbImage) -> PrimingReport {
    let (w, h) = img.dimensions();
    let dec = Decoder::new();
    let luma: Vec<f32> = img.pixels().map(|p| lab_from_linear(dec.linear(p.0)).l * 2.55).collect();
    let rgb: Vec<[u8; 3]> = img.pixels().map(|p| p.0).collect();
    let all = vec![true; (w as usize) * (h as usize)];
    PrimingReport::new(w, h, 0, worst(clone::clones(&luma, &rgb, &all, w as usize, h as usize)))
}

/// Findings kept per check: a patch-filled outpaint can repeat at hundreds of shifts, and an
/// overlay of hundreds of boxes shows nothing. The rest are counted in the last one's note.
const MAX_PER_CHECK: usize = 12;

/// The [`MAX_PER_CHECK`] highest-scoring findings of one check.
fn worst(mut findings: Vec<Finding>) -> Vec<Finding> {
    if findings.len() <= MAX_PER_CHECK {
        return findings;
    }
    findings.sort_by(|a, b| b.score.total_cmp(&a.score));
    let dropped = findings.len() - MAX_PER_CHECK;
    findings.truncate(MAX_PER_CHECK);
    if let Some(last) = findings.last_mut() {
        last.note = format!("{} (and {dropped} more like it, not drawn)", last.note);
    }
    findings
}

/// Context kept around the region's bounding box, in px.
const MARGIN: u32 = 16;

/// The parent, the edit and the region cut to the working window, as flat row-major planes.
pub(crate) struct Crop {
    pub w: usize,
    pub h: usize,
    pub before_lab: Vec<[f32; 3]>,
    pub after_lab: Vec<[f32; 3]>,
    pub before_luma: Vec<f32>,
    pub after_luma: Vec<f32>,
    pub after: Vec<[u8; 3]>,
    pub region: Vec<bool>,
}

impl Crop {
    fn new(before: &RgbImage, after: &RgbImage, region: &GrayImage, win: Window) -> Self {
        let dec = Decoder::new();
        let lab = |img: &RgbImage| -> Vec<[f32; 3]> {
            window_pixels(win)
                .map(|(x, y)| {
                    let l = lab_from_linear(dec.linear(img.get_pixel(x, y).0));
                    [l.l, l.a, l.b]
                })
                .collect()
        };
        let (before_lab, after_lab) = (lab(before), lab(after));
        Self {
            w: win.width as usize,
            h: win.height as usize,
            before_luma: lightness(&before_lab),
            after_luma: lightness(&after_lab),
            before_lab,
            after_lab,
            after: window_pixels(win).map(|(x, y)| after.get_pixel(x, y).0).collect(),
            region: window_pixels(win).map(|(x, y)| region.get_pixel(x, y)[0] > 0).collect(),
        }
    }

    pub fn inside(&self, x: i64, y: i64) -> bool {
        self.index(x, y).is_some_and(|i| self.region[i])
    }

    pub fn index(&self, x: i64, y: i64) -> Option<usize> {
        (x >= 0 && y >= 0 && (x as usize) < self.w && (y as usize) < self.h)
            .then(|| y as usize * self.w + x as usize)
    }
}

fn window_pixels(win: Window) -> impl Iterator<Item = (u32, u32)> {
    (win.y..win.y + win.height).flat_map(move |y| (win.x..win.x + win.width).map(move |x| (x, y)))
}

/// L* scaled to 0..255, the edges' plane. L* rather than luma because a recolor keeps an element's
/// L* structure (its shading) while luma weighs hues unevenly: a shadow across red fabric and
/// across the same fabric in navy differ in luma contrast, not in L*.
fn lightness(lab: &[[f32; 3]]) -> Vec<f32> {
    lab.iter().map(|p| p[0] * 2.55).collect()
}

fn de76(a: [f32; 3], b: [f32; 3]) -> f32 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
}

/// Groups points (`(x, y)` pairs) that lie within `radius` px (Chebyshev) of each other, so a run
/// of flagged pixels becomes one finding. Points are few (boundary or entry pixels), so the
/// quadratic scan within a sorted sweep is cheap.
fn clusters(points: &[(i64, i64)], radius: i64) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by_key(|&i| points[i]);
    let mut label = vec![usize::MAX; points.len()];
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for &start in &order {
        if label[start] != usize::MAX {
            continue;
        }
        let g = groups.len();
        label[start] = g;
        let mut members = vec![start];
        let mut next = 0;
        while next < members.len() {
            let (px, py) = points[members[next]];
            next += 1;
            // `order` is sorted by x, so only a band of it can be near.
            let lo = order.partition_point(|&i| points[i].0 < px - radius);
            for &j in order[lo..].iter().take_while(|&&i| points[i].0 <= px + radius) {
                if label[j] == usize::MAX && (points[j].1 - py).abs() <= radius {
                    label[j] = g;
                    members.push(j);
                }
            }
        }
        groups.push(members);
    }
    groups
}

/// Bounding box `[x, y, w, h]` of some points, grown by `pad` and clipped to `w`×`h`.
fn bbox(points: impl Iterator<Item = (i64, i64)>, pad: i64, w: usize, h: usize) -> [u32; 4] {
    let (mut x0, mut y0, mut x1, mut y1) = (i64::MAX, i64::MAX, i64::MIN, i64::MIN);
    for (x, y) in points {
        (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
    }
    if x0 > x1 {
        return [0, 0, 0, 0];
    }
    let x0 = (x0 - pad).max(0);
    let y0 = (y0 - pad).max(0);
    let x1 = (x1 + pad).min(w as i64 - 1);
    let y1 = (y1 + pad).min(h as i64 - 1);
    [x0 as u32, y0 as u32, (x1 - x0 + 1) as u32, (y1 - y0 + 1) as u32]
}

/// The region's bounding box, for the `pass` finding of a check that found nothing.
fn region_rect(region: &[bool], w: usize, h: usize) -> [u32; 4] {
    let pts = region
        .iter()
        .enumerate()
        .filter(|(_, inside)| **inside)
        .map(|(i, _)| ((i % w) as i64, (i / w) as i64));
    bbox(pts, 0, w, h)
}
