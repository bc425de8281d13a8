//! Clone artifacts: the same textured block appearing twice inside the fill at one shift. Every
//! 8×8 block lying wholly in the region is described by its 4×4 grid of 2×2 luma means; sorting
//! those descriptors puts copies side by side (the block-matching method of copy-move forgery
//! detection, Fridrich et al. 2003), and each candidate pair is confirmed on its full RGB pixels.
//! A real texture repeats now and then at scattered shifts; a copied patch repeats at one shift
//! for every block it spans.

use std::collections::HashMap;

use super::{Finding, PrimingCheck, PrimingVerdict, bbox, region_rect};

const BLOCK: usize = 8;
/// Blocks whose luma varies less than this around its best-fit plane are flat or a smooth
/// gradient: they repeat in every clean fill and say nothing about copying.
const MIN_DETAIL: f32 = 6.0;
/// Largest mean absolute RGB difference for two blocks to count as copies.
const MAX_MEAN_DIFF: f32 = 2.0;
/// Neighbours in sorted order compared with each block.
const SORT_WINDOW: usize = 6;
/// Copied block positions at one shift from which the check warns: 24 positions is a copied
/// area of about 12×12 px beyond the block itself.
pub const MIN_COPIES: f64 = 24.0;
/// Above this many candidate blocks only every other row and column is described, which keeps a
/// full-frame check under a second; copies at an odd shift are then missed.
const MAX_BLOCKS: usize = 600_000;

pub(super) fn clones(
    luma: &[f32],
    rgb: &[[u8; 3]],
    region: &[bool],
    w: usize,
    h: usize,
) -> Vec<Finding> {
    if w < BLOCK || h < BLOCK {
        return Vec::new();
    }
    let inside = block_inside(region, w, h);
    let mut candidates: Vec<(usize, usize)> = (0..=h - BLOCK)
        .flat_map(|y| (0..=w - BLOCK).map(move |x| (x, y)))
        .filter(|&(x, y)| inside[y * w + x])
        .collect();
    if candidates.len() > MAX_BLOCKS {
        candidates.retain(|&(x, y)| x % 2 == 0 && y % 2 == 0);
    }
    let mut described: Vec<([u8; 16], (usize, usize))> = candidates
        .into_iter()
        .filter(|&(x, y)| detail(luma, w, x, y) >= MIN_DETAIL)
        .map(|(x, y)| (descriptor(luma, w, x, y), (x, y)))
        .collect();
    let textured = described.len();
    described.sort_unstable();

    let mut shifts: HashMap<(i64, i64), Vec<(usize, usize)>> = HashMap::new();
    for (i, (_, a)) in described.iter().enumerate() {
        for (_, b) in described.iter().skip(i + 1).take(SORT_WINDOW) {
            let (dx, dy) = (b.0 as i64 - a.0 as i64, b.1 as i64 - a.1 as i64);
            // Overlapping blocks of a smooth texture resemble each other without any copying.
            if dx.abs().max(dy.abs()) < BLOCK as i64 || !same_pixels(rgb, w, *a, *b) {
                continue;
            }
            // One sign per shift, so a→b and b→a count together.
            let (key, first) = if (dy, dx) > (0, 0) { ((dx, dy), *a) } else { ((-dx, -dy), *b) };
            shifts.entry(key).or_default().push(first);
        }
    }

    let mut findings: Vec<Finding> = shifts
        .into_iter()
        .filter(|(_, at)| at.len() as f64 >= MIN_COPIES)
        .map(|((dx, dy), at)| {
            let corners = at.iter().flat_map(|&(x, y)| {
                let (x, y) = (x as i64, y as i64);
                let b = BLOCK as i64 - 1;
                [(x, y), (x + b, y + b), (x + dx, y + dy), (x + dx + b, y + dy + b)]
            });
            Finding {
                check: PrimingCheck::Clone,
                rect: bbox(corners, 0, w, h),
                score: at.len() as f64,
                threshold: MIN_COPIES,
                verdict: PrimingVerdict::Warn,
                note: format!(
                    "{} textured blocks repeated at a shift of ({dx}, {dy}) px",
                    at.len()
                ),
            }
        })
        .collect();
    findings.sort_by(|a, b| b.score.total_cmp(&a.score));
    if findings.is_empty() {
        findings.push(Finding {
            check: PrimingCheck::Clone,
            rect: region_rect(region, w, h),
            score: 0.0,
            threshold: MIN_COPIES,
            verdict: PrimingVerdict::Pass,
            note: format!("{textured} textured 8×8 blocks, none repeated at one shift"),
        });
    }
    findings
}

/// `inside[y * w + x]`: whether the block with top-left (x, y) lies wholly in the region, from a
/// summed-area table of the region.
fn block_inside(region: &[bool], w: usize, h: usize) -> Vec<bool> {
    let mut sat = vec![0u32; (w + 1) * (h + 1)];
    for y in 0..h {
        for x in 0..w {
            sat[(y + 1) * (w + 1) + x + 1] = u32::from(region[y * w + x])
                + sat[y * (w + 1) + x + 1]
                + sat[(y + 1) * (w + 1) + x]
                - sat[y * (w + 1) + x];
        }
    }
    let full = (BLOCK * BLOCK) as u32;
    let mut inside = vec![false; w * h];
    for y in 0..=h - BLOCK {
        for x in 0..=w - BLOCK {
            let at = |xx: usize, yy: usize| sat[yy * (w + 1) + xx];
            let n = at(x + BLOCK, y + BLOCK) + at(x, y) - at(x + BLOCK, y) - at(x, y + BLOCK);
            inside[y * w + x] = n == full;
        }
    }
    inside
}

/// Standard deviation of a block's luma around its least-squares plane.
fn detail(luma: &[f32], w: usize, x0: usize, y0: usize) -> f32 {
    // Centred coordinates make the plane's three coefficients independent sums.
    let c = (BLOCK as f32 - 1.0) / 2.0;
    let (mut s, mut sx, mut sy, mut sxx) = (0f32, 0f32, 0f32, 0f32);
    for y in 0..BLOCK {
        for x in 0..BLOCK {
            let v = luma[(y0 + y) * w + x0 + x];
            let (u, t) = (x as f32 - c, y as f32 - c);
            s += v;
            sx += v * u;
            sy += v * t;
            sxx += u * u;
        }
    }
    let n = (BLOCK * BLOCK) as f32;
    let (mean, gx, gy) = (s / n, sx / sxx, sy / sxx);
    let mut ss = 0f32;
    for y in 0..BLOCK {
        for x in 0..BLOCK {
            let fit = mean + gx * (x as f32 - c) + gy * (y as f32 - c);
            ss += (luma[(y0 + y) * w + x0 + x] - fit).powi(2);
        }
    }
    (ss / n).sqrt()
}

fn descriptor(luma: &[f32], w: usize, x0: usize, y0: usize) -> [u8; 16] {
    let mut d = [0u8; 16];
    for (k, slot) in d.iter_mut().enumerate() {
        let (cx, cy) = (x0 + (k % 4) * 2, y0 + (k / 4) * 2);
        let sum = luma[cy * w + cx]
            + luma[cy * w + cx + 1]
            + luma[(cy + 1) * w + cx]
            + luma[(cy + 1) * w + cx + 1];
        *slot = (sum / 4.0).round().clamp(0.0, 255.0) as u8;
    }
    d
}

fn same_pixels(rgb: &[[u8; 3]], w: usize, a: (usize, usize), b: (usize, usize)) -> bool {
    let mut diff = 0u32;
    for y in 0..BLOCK {
        for x in 0..BLOCK {
            let (p, q) = (rgb[(a.1 + y) * w + a.0 + x], rgb[(b.1 + y) * w + b.0 + x]);
            for c in 0..3 {
                diff += u32::from(p[c].abs_diff(q[c]));
            }
        }
    }
    (diff as f32) / (BLOCK * BLOCK * 3) as f32 <= MAX_MEAN_DIFF
}
