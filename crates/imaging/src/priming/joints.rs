//! Broken joints: an edge (a strong luma gradient that runs as a line) meeting the region's
//! boundary head-on must go on inside it, or end against another edge. Each entry is taken 2 px
//! outside the region, where the photo is untouched, and followed along its tangent into the
//! region in the edit and in the parent. It is broken when the edit stops it sooner than the
//! parent did (an edge cut off at the mask), or when it stops in the open with nothing to meet
//! (an erased occluder whose background was not continued). Edges running along the boundary
//! are the region's outline, not joints, and are skipped.

use super::{Crop, Finding, PrimingCheck, PrimingVerdict, bbox, clusters, region_rect};

/// Sobel magnitude (on 0..255 luma) of an edge worth following: a step of about 12 levels.
const EDGE_MIN: f32 = 48.0;
/// |cos| between the edge's tangent and the direction into the region above which the edge
/// crosses the boundary rather than following it.
const CROSSING: f32 = 0.6;
/// Steps inside the region an edge is followed for; a thinner region is followed across.
const DEPTH: usize = 8;
/// Regions thinner than this along the edge are not judged: the edge is out again at once.
const MIN_DEPTH: usize = 3;
/// An edge goes on where the gradient keeps this share of its entry strength…
const KEEP: f32 = 0.3;
/// …and its direction within about 45°.
const SAME_DIRECTION: f32 = 0.7;
/// An edge has vanished where the edit keeps under this share of the parent's strength.
const VANISHED: f32 = 0.35;
/// Entry pixels a broken edge needs (see [`joints`]).
const MIN_ENTRIES: usize = 2;
/// Share of the needed depth an edge must lack before the joint warns.
pub const BROKEN: f64 = 0.5;

struct Gradient {
    gx: Vec<f32>,
    gy: Vec<f32>,
}

impl Gradient {
    fn sobel(luma: &[f32], w: usize, h: usize) -> Self {
        let mut gx = vec![0f32; w * h];
        let mut gy = vec![0f32; w * h];
        for y in 1..h.saturating_sub(1) {
            for x in 1..w.saturating_sub(1) {
                let p = |dx: usize, dy: usize| luma[(y + dy - 1) * w + x + dx - 1];
                gx[y * w + x] =
                    p(2, 0) + 2.0 * p(2, 1) + p(2, 2) - p(0, 0) - 2.0 * p(0, 1) - p(0, 2);
                gy[y * w + x] =
                    p(0, 2) + 2.0 * p(1, 2) + p(2, 2) - p(0, 0) - 2.0 * p(1, 0) - p(2, 0);
            }
        }
        Self { gx, gy }
    }

    fn at(&self, i: usize) -> (f32, f32, f32) {
        let (gx, gy) = (self.gx[i], self.gy[i]);
        (gx, gy, gx.hypot(gy))
    }
}

pub(super) fn joints(c: &Crop) -> Vec<Finding> {
    let edit = Gradient::sobel(&c.after_luma, c.w, c.h);
    let parent = Gradient::sobel(&c.before_luma, c.w, c.h);
    let mut broken: Vec<(i64, i64)> = Vec::new();
    let mut score_of: Vec<f64> = Vec::new();
    // A recolor keeps an element's shading but may compress it (red to navy halves the luma
    // range), so the edit's edges are followed at the strength its contrast allows.
    let contrast = contrast_ratio(c);
    let mut followed = 0usize;
    for y in 0..c.h as i64 {
        for x in 0..c.w as i64 {
            let Some(toward) = entry_direction(c, x, y) else { continue };
            let Some(i) = c.index(x, y) else { continue };
            let (gx, gy, m) = edit.at(i);
            if m < EDGE_MIN {
                continue;
            }
            let mut t = (-gy / m, gx / m);
            let along = t.0 * toward.0 + t.1 * toward.1;
            if along.abs() < CROSSING {
                continue;
            }
            if along < 0.0 {
                t = (-t.0, -t.1);
            }
            let g0 = (gx / m, gy / m);
            // A line that comes from away from the region, not a speck and not the outline: the
            // edge already runs 4 px before the entry, and there it is clear of the region.
            let back = (x as f32 - 4.0 * t.0, y as f32 - 4.0 * t.1);
            if !continues(&edit, c, back, g0, m) || near_region(c, back, 3) {
                continue;
            }
            let depth = depth_inside(c, (x, y), t);
            if depth < MIN_DEPTH {
                continue;
            }
            followed += 1;
            let (in_edit, stop) = run_inside(&edit, c, (x, y), t, g0, m * contrast, depth);
            let (in_parent, parent_stop) = run_inside(&parent, c, (x, y), t, g0, m, depth);
            if in_edit >= depth {
                continue;
            }
            // Cut off: the parent's edge crossed the whole way, and where the edit's stops it has
            // vanished, not merely faded (a recolor may weaken shading; a cut leaves nothing).
            let at = step((x, y), t, stop);
            let cut = in_parent >= depth
                && strength(&edit, c, at, g0) < VANISHED * strength(&parent, c, at, g0);
            // Left in the open: the edit's edge meets nothing where it stops, and the parent's
            // did (an occluder taken away without continuing what it hid). An edge the photo
            // itself let fade out is not the edit's doing.
            let open = !meets_edge(&edit, c, step((x, y), t, stop), g0, m * contrast)
                && meets_edge(&parent, c, step((x, y), t, parent_stop), g0, m);
            if !cut && !open {
                continue;
            }
            broken.push((x, y));
            score_of.push(1.0 - in_edit as f64 / depth as f64);
        }
    }

    // Each cluster of entry pixels is one edge; its score is the median of its pixels', and an
    // edge needs MIN_ENTRIES pixels: a real edge is 2-3 px wide where it crosses the ring, so
    // one pixel alone stopping is noise.
    let edges: Vec<(Vec<usize>, f64)> = clusters(&broken, 3)
        .into_iter()
        .filter(|g| g.len() >= MIN_ENTRIES)
        .map(|g| {
            let mut scores: Vec<f64> = g.iter().map(|&k| score_of[k]).collect();
            scores.sort_by(f64::total_cmp);
            let score = scores[scores.len() / 2];
            (g, score)
        })
        .collect();
    let closest = edges.iter().map(|(_, s)| *s).fold(0.0, f64::max);
    let mut findings: Vec<Finding> = edges
        .into_iter()
        .filter(|(_, score)| *score >= BROKEN)
        .map(|(g, score)| Finding {
            check: PrimingCheck::BrokenJoint,
            rect: bbox(g.iter().map(|&k| broken[k]), DEPTH as i64, c.w, c.h),
            score,
            threshold: BROKEN,
            verdict: PrimingVerdict::Warn,
            note: format!(
                "an edge enters the edit and stops after {:.0}% of its way in",
                (1.0 - score) * 100.0
            ),
        })
        .collect();
    if findings.is_empty() {
        findings.push(Finding {
            check: PrimingCheck::BrokenJoint,
            rect: region_rect(&c.region, c.w, c.h),
            score: closest,
            threshold: BROKEN,
            verdict: PrimingVerdict::Pass,
            note: format!(
                "{followed} edge pixels cross into the edit; each edge goes on or meets another"
            ),
        });
    }
    findings
}

/// The edit's luma spread over the parent's, inside the region, within 0.25..1: how much weaker
/// an edge may be inside the edit and still be the same edge.
fn contrast_ratio(c: &Crop) -> f32 {
    let spread = |luma: &[f32]| {
        let (mut s, mut ss, mut n) = (0f64, 0f64, 0f64);
        for (v, _) in luma.iter().zip(&c.region).filter(|(_, inside)| **inside) {
            let v = f64::from(*v);
            s += v;
            ss += v * v;
            n += 1.0;
        }
        if n == 0.0 { 0.0 } else { (ss / n - (s / n).powi(2)).max(0.0).sqrt() }
    };
    let parent = spread(&c.before_luma);
    if parent < 1.0 {
        return 1.0;
    }
    ((spread(&c.after_luma) / parent) as f32).clamp(0.25, 1.0)
}

/// For a pixel 2 px (Chebyshev) outside the region, the unit direction towards the region (the
/// mean offset to the region's pixels in its 5×5 neighbourhood); `None` for any other pixel.
fn entry_direction(c: &Crop, x: i64, y: i64) -> Option<(f32, f32)> {
    if c.inside(x, y) {
        return None;
    }
    let (mut sx, mut sy, mut near, mut n) = (0f32, 0f32, false, 0u32);
    for dy in -2i64..=2 {
        for dx in -2i64..=2 {
            if c.inside(x + dx, y + dy) {
                near |= dx.abs() <= 1 && dy.abs() <= 1;
                sx += dx as f32;
                sy += dy as f32;
                n += 1;
            }
        }
    }
    let len = sx.hypot(sy);
    (n > 0 && !near && len > 0.0).then(|| (sx / len, sy / len))
}

fn near_region(c: &Crop, p: (f32, f32), radius: i64) -> bool {
    let (x, y) = (p.0.round() as i64, p.1.round() as i64);
    (-radius..=radius).any(|dy| (-radius..=radius).any(|dx| c.inside(x + dx, y + dy)))
}

fn step(from: (i64, i64), t: (f32, f32), k: usize) -> (f32, f32) {
    (from.0 as f32 + k as f32 * t.0, from.1 as f32 + k as f32 * t.1)
}

fn pixel(c: &Crop, p: (f32, f32)) -> Option<(i64, i64, usize)> {
    let (x, y) = (p.0.round() as i64, p.1.round() as i64);
    c.index(x, y).map(|i| (x, y, i))
}

/// Steps along `t` that stay inside the region once inside, up to [`DEPTH`].
fn depth_inside(c: &Crop, from: (i64, i64), t: (f32, f32)) -> usize {
    let mut depth = 0;
    for k in 1..=DEPTH + 3 {
        match pixel(c, step(from, t, k)) {
            Some((_, _, i)) if c.region[i] => depth += 1,
            _ if depth > 0 => break,
            Some(_) => {}
            None => break,
        }
        if depth == DEPTH {
            break;
        }
    }
    depth
}

/// Whether the edge of strength `m` and unit gradient `g0` is present at `p`, on the pixel or
/// one of its neighbours across the edge (a tilted line wanders by a pixel).
fn continues(grad: &Gradient, c: &Crop, p: (f32, f32), g0: (f32, f32), m: f32) -> bool {
    [-1.0f32, 0.0, 1.0].into_iter().any(|s| {
        pixel(c, (p.0 + s * g0.0, p.1 + s * g0.1)).is_some_and(|(_, _, i)| {
            let (gx, gy, mm) = grad.at(i);
            mm >= KEEP * m && ((gx * g0.0 + gy * g0.1) / mm).abs() >= SAME_DIRECTION
        })
    })
}

/// The strongest gradient at `p` or one pixel across, in the direction `g0` (within 45°).
fn strength(grad: &Gradient, c: &Crop, p: (f32, f32), g0: (f32, f32)) -> f32 {
    [-1.0f32, 0.0, 1.0]
        .into_iter()
        .filter_map(|s| pixel(c, (p.0 + s * g0.0, p.1 + s * g0.1)))
        .map(|(_, _, i)| {
            let (gx, gy, mm) = grad.at(i);
            let along = if mm > 0.0 { ((gx * g0.0 + gy * g0.1) / mm).abs() } else { 0.0 };
            if along >= SAME_DIRECTION { mm } else { 0.0 }
        })
        .fold(0.0, f32::max)
}

/// How many of the `depth` steps inside the region the edge goes on for without a break,
/// counting from the entry (the steps before the region must hold too), and the step at which
/// it stopped.
fn run_inside(
    grad: &Gradient,
    c: &Crop,
    from: (i64, i64),
    t: (f32, f32),
    g0: (f32, f32),
    m: f32,
    depth: usize,
) -> (usize, usize) {
    let mut inside = 0;
    for k in 1..=DEPTH + 3 {
        let p = step(from, t, k);
        let Some((_, _, i)) = pixel(c, p) else { return (inside, k) };
        if !continues(grad, c, p, g0, m) {
            return (inside, k);
        }
        if c.region[i] {
            inside += 1;
            if inside == depth {
                break;
            }
        }
    }
    (inside, DEPTH + 3)
}

/// Whether another edge (strong, and crossing at over 45°) lies within 3 px of where the
/// followed edge stopped: a T-junction, the way an edge plausibly ends.
fn meets_edge(grad: &Gradient, c: &Crop, at: (f32, f32), g0: (f32, f32), m: f32) -> bool {
    let (cx, cy) = (at.0.round() as i64, at.1.round() as i64);
    (-3i64..=3).any(|dy| {
        (-3i64..=3).any(|dx| {
            c.index(cx + dx, cy + dy).is_some_and(|i| {
                let (gx, gy, mm) = grad.at(i);
                mm >= KEEP.max(0.5) * m && ((gx * g0.0 + gy * g0.1) / mm).abs() < SAME_DIRECTION
            })
        })
    })
}
