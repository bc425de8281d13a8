//! Seams: at each pixel on the inside of the region's boundary, the colour step (ΔE76 in
//! CIELAB) to its outside neighbours in the edit, less the step the parent had between the same
//! two pixels, over the parent's mean step in a window around it. The parent's own texture is
//! the yardstick: a step of 10 ΔE is a seam on a plain wall and noise on gravel. A feathered
//! edit ends where its change reaches 0, so it has no step there and passes; a pasted patch
//! does not.

use super::{Crop, Finding, PrimingCheck, PrimingVerdict, bbox, clusters, de76, region_rect};

/// A boundary pixel is a seam pixel when its excess step is this many times the local mean step…
pub const SEAM_Z: f64 = 3.0;
/// …and at least this many ΔE76, so sensor-flat areas do not flag a step of 2.
const SEAM_MIN_DE: f32 = 8.0;
/// Seam pixels (within 2 px of each other) a run needs before it warns: shorter ones are specks
/// a video model smooths away.
const SEAM_MIN_RUN: usize = 12;
/// Half-size of the window of the parent's local statistics.
const LOCAL: i64 = 3;
/// Added to the local mean step so that a flat parent does not divide by ~0.
const NOISE_FLOOR: f32 = 1.5;

pub(super) fn seams(c: &Crop) -> Vec<Finding> {
    // The parent's step at each pixel: the larger of the steps to its right and lower neighbour.
    let step = |lab: &[[f32; 3]], x: usize, y: usize| {
        let i = y * c.w + x;
        let right = if x + 1 < c.w { de76(lab[i], lab[i + 1]) } else { 0.0 };
        let down = if y + 1 < c.h { de76(lab[i], lab[i + c.w]) } else { 0.0 };
        right.max(down)
    };
    let parent_step: Vec<f32> = (0..c.h)
        .flat_map(|y| (0..c.w).map(move |x| (x, y)))
        .map(|(x, y)| step(&c.before_lab, x, y))
        .collect();
    let local_mean = |x: i64, y: i64| {
        let (mut sum, mut n) = (0f32, 0f32);
        for yy in y - LOCAL..=y + LOCAL {
            for xx in x - LOCAL..=x + LOCAL {
                if let Some(i) = c.index(xx, yy) {
                    sum += parent_step[i];
                    n += 1.0;
                }
            }
        }
        sum / n.max(1.0)
    };

    let mut flagged: Vec<(i64, i64)> = Vec::new();
    let mut z_of: Vec<f64> = Vec::new();
    let mut all_z: Vec<f64> = Vec::new();
    for y in 0..c.h as i64 {
        for x in 0..c.w as i64 {
            if !c.inside(x, y) {
                continue;
            }
            let Some(i) = c.index(x, y) else { continue };
            let mut excess = f32::NEG_INFINITY;
            for (dx, dy) in [(1, 0), (-1, 0), (0, 1), (0, -1)] {
                let Some(j) = c.index(x + dx, y + dy) else { continue };
                if c.region[j] {
                    continue;
                }
                let edit = de76(c.after_lab[i], c.after_lab[j]);
                let parent = de76(c.before_lab[i], c.before_lab[j]);
                excess = excess.max(edit - parent);
            }
            if excess == f32::NEG_INFINITY {
                continue;
            }
            let z = f64::from(excess.max(0.0) / (local_mean(x, y) + NOISE_FLOOR));
            all_z.push(z);
            if z >= SEAM_Z && excess >= SEAM_MIN_DE {
                flagged.push((x, y));
                z_of.push(z);
            }
        }
    }

    let mut findings: Vec<Finding> = clusters(&flagged, 2)
        .into_iter()
        .filter(|g| g.len() >= SEAM_MIN_RUN)
        .map(|g| {
            let mean_z = g.iter().map(|&k| z_of[k]).sum::<f64>() / g.len() as f64;
            Finding {
                check: PrimingCheck::Seam,
                rect: bbox(g.iter().map(|&k| flagged[k]), 2, c.w, c.h),
                score: mean_z,
                threshold: SEAM_Z,
                verdict: PrimingVerdict::Warn,
                note: format!(
                    "{} px of boundary step {mean_z:.1}× harder than the photo's own texture there",
                    g.len()
                ),
            }
        })
        .collect();
    if findings.is_empty() {
        // The 95th percentile says how close the boundary came, without one odd pixel.
        all_z.sort_by(f64::total_cmp);
        let p95 = all_z.get(all_z.len() * 95 / 100).copied().unwrap_or(0.0);
        findings.push(Finding {
            check: PrimingCheck::Seam,
            rect: region_rect(&c.region, c.w, c.h),
            score: p95,
            threshold: SEAM_Z,
            verdict: PrimingVerdict::Pass,
            note: format!(
                "{} boundary px; 95% step within {p95:.1}× the photo's own texture",
                all_z.len()
            ),
        });
    }
    findings
}
