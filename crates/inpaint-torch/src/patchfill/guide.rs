//! Region guide: which of the hole's surrounding regions each hole pixel belongs to.
//!
//! A hole that straddles several regions (a spoon lying along a cup's edge, over the saucer and
//! the table behind) is filled badly by patches alone: the best-matching patch at the top of
//! the hole may be the cup's white wall, and the fill then paints the cup beyond its own edge.
//! The guide splits the surroundings into colour regions, extends each region into the hole up
//! to where it meets the others, and is appended to the image as one-hot channels, so a patch
//! is only matched to sources whose region layout agrees: cup wall from cup wall, table from
//! table, and the boundary between them continued through the hole.

use std::collections::VecDeque;

use tch::{Device, Kind, Tensor};

/// Regions the surroundings are split into at most.
const MAX_REGIONS: usize = 6;

/// Colours (RGB, 0..1) closer than this are one region: texture, shading and noise vary less
/// than this within a surface, and distinct surfaces usually differ by more.
const SAME_REGION: f32 = 0.16;

/// Side of the box over which colours are averaged before the regions are labelled: enough to
/// even out noise and fine grain, little enough to keep the regions' edges where they are.
const SMOOTHING: i64 = 7;

/// Side of the box for the test of whether there are regions at all: averaged this widely, a
/// texture (grass, bricks and mortar) is one colour, while surfaces larger than the patch stay
/// apart. Without that test the guide would chop a texture into blocks and the fill would copy
/// only its smoothest parts.
const STRUCTURE_SCALE: i64 = 21;

/// Ring pixels sampled for clustering at most.
const MAX_SAMPLES: usize = 4000;

/// The guide for `img` ([3,H,W], hole pixels zeroed) and `hole` ([H,W] bool): [K,H,W] one-hot
/// region channels times `weight`, or `None` when the surroundings are one region (then the
/// guide would change nothing).
pub(super) fn region_guide(img: &Tensor, hole: &Tensor, reach: i64, weight: f64) -> Option<Tensor> {
    let (h, w) = (hole.size()[0], hole.size()[1]);
    let known = hole.logical_not().to_kind(Kind::Float).view([1, 1, h, w]);
    let smooth = |side: i64| {
        let pool = |t: &Tensor| {
            t.avg_pool2d([side, side], [1, 1], [side / 2, side / 2], false, false, None)
        };
        (pool(&(img.unsqueeze(0) * &known)) / pool(&known).clamp_min(1e-6)).squeeze_dim(0)
    };
    let hole_f = hole.to_kind(Kind::Float).view([1, 1, h, w]);
    let near = hole_f
        .max_pool2d([2 * reach + 1, 2 * reach + 1], [1, 1], [reach, reach], [1, 1], false)
        .view([h, w])
        .gt(0.0)
        .logical_and(&hole.logical_not());
    let holes = to_vec_bool(hole)?;
    let ring = to_vec_bool(&near)?;
    let (h, w) = (usize::try_from(h).ok()?, usize::try_from(w).ok()?);
    let ring_idx: Vec<usize> = (0..h * w).filter(|&i| ring[i]).collect();
    let step = ring_idx.len().div_ceil(MAX_SAMPLES).max(1);
    let coarse = to_vec_f32(&smooth(STRUCTURE_SCALE))?;
    let coarse_samples: Vec<[f32; 3]> =
        ring_idx.iter().step_by(step).map(|&i| rgb(&coarse, h * w, i)).collect();
    if cluster(&coarse_samples).len() < 2 {
        return None;
    }
    let colours = to_vec_f32(&smooth(SMOOTHING))?;
    let pixel = |i: usize| rgb(&colours, h * w, i);
    let samples: Vec<[f32; 3]> = ring_idx.iter().step_by(step).map(|&i| pixel(i)).collect();
    let centres = cluster(&samples);
    if centres.len() < 2 {
        return None;
    }
    let nearest = |c: [f32; 3]| {
        (0..centres.len())
            .min_by(|&a, &b| dist2(c, centres[a]).total_cmp(&dist2(c, centres[b])))
            .unwrap_or(0)
    };
    let mut labels: Vec<Option<usize>> =
        (0..h * w).map(|i| (!holes[i]).then(|| nearest(pixel(i)))).collect();
    extend_into_hole(&mut labels, &holes, h, w);
    smooth_hole_labels(&mut labels, &holes, h, w);

    let k = centres.len();
    let mut one_hot = vec![0f32; k * h * w];
    for (i, l) in labels.iter().enumerate() {
        if let Some(l) = l {
            one_hot[l * h * w + i] = 1.0;
        }
    }
    let shape = [i64::try_from(k).ok()?, i64::try_from(h).ok()?, i64::try_from(w).ok()?];
    Some(Tensor::from_slice(&one_hot).view(shape).to_device(img.device()) * weight)
}

fn to_vec_f32(t: &Tensor) -> Option<Vec<f32>> {
    Vec::<f32>::try_from(t.to_device(Device::Cpu).to_kind(Kind::Float).contiguous().view([-1])).ok()
}

fn to_vec_bool(t: &Tensor) -> Option<Vec<bool>> {
    Vec::<bool>::try_from(t.to_device(Device::Cpu).to_kind(Kind::Bool).contiguous().view([-1])).ok()
}

/// Pixel `i` of planar RGB `planes` (each `plane` values long).
fn rgb(planes: &[f32], plane: usize, i: usize) -> [f32; 3] {
    [planes[i], planes[plane + i], planes[2 * plane + i]]
}

fn dist2(a: [f32; 3], b: [f32; 3]) -> f32 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)
}

/// k-means from farthest-point seeds, then centres closer than [`SAME_REGION`] are merged.
fn cluster(samples: &[[f32; 3]]) -> Vec<[f32; 3]> {
    let Some(&first) = samples.first() else {
        return Vec::new();
    };
    let mut centres = vec![first];
    while centres.len() < MAX_REGIONS {
        let far = samples.iter().copied().max_by(|&a, &b| {
            let da = centres.iter().map(|&c| dist2(a, c)).fold(f32::INFINITY, f32::min);
            let db = centres.iter().map(|&c| dist2(b, c)).fold(f32::INFINITY, f32::min);
            da.total_cmp(&db)
        });
        match far {
            Some(f) if centres.iter().all(|&c| dist2(f, c) > SAME_REGION * SAME_REGION) => {
                centres.push(f)
            }
            _ => break,
        }
    }
    let mut counts = vec![0usize; centres.len()];
    for _ in 0..10 {
        let mut sums = vec![[0f32; 3]; centres.len()];
        counts.iter_mut().for_each(|c| *c = 0);
        for &s in samples {
            let j = (0..centres.len())
                .min_by(|&a, &b| dist2(s, centres[a]).total_cmp(&dist2(s, centres[b])))
                .unwrap_or(0);
            counts[j] += 1;
            (0..3).for_each(|c| sums[j][c] += s[c]);
        }
        for j in 0..centres.len() {
            if counts[j] > 0 {
                centres[j] = sums[j].map(|v| v / counts[j] as f32);
            }
        }
    }
    merge_close(centres, counts)
}

/// Merges the closest pair of centres (weighted by their sample counts) while it is closer than
/// [`SAME_REGION`]; drops centres no sample chose.
fn merge_close(mut centres: Vec<[f32; 3]>, mut counts: Vec<usize>) -> Vec<[f32; 3]> {
    let mut i = 0;
    while i < centres.len() {
        if counts[i] == 0 {
            centres.remove(i);
            counts.remove(i);
        } else {
            i += 1;
        }
    }
    loop {
        let mut best: Option<(usize, usize, f32)> = None;
        for a in 0..centres.len() {
            for b in a + 1..centres.len() {
                let d = dist2(centres[a], centres[b]);
                if best.is_none_or(|(_, _, bd)| d < bd) {
                    best = Some((a, b, d));
                }
            }
        }
        match best {
            Some((a, b, d)) if d < SAME_REGION * SAME_REGION => {
                let (na, nb) = (counts[a] as f32, counts[b] as f32);
                centres[a] =
                    [0, 1, 2].map(|c| (centres[a][c] * na + centres[b][c] * nb) / (na + nb));
                counts[a] += counts[b];
                centres.remove(b);
                counts.remove(b);
            }
            _ => return centres,
        }
    }
}

/// Gives each hole pixel the region of the known pixel that reaches it first (a breadth-first
/// flood, 8-connected, from every known pixel at once): regions grow into the hole at the same
/// speed and meet halfway, which continues their boundary through it.
fn extend_into_hole(labels: &mut [Option<usize>], holes: &[bool], h: usize, w: usize) {
    let mut queue: VecDeque<usize> = (0..h * w).filter(|&i| !holes[i]).collect();
    while let Some(i) = queue.pop_front() {
        let (y, x) = (i / w, i % w);
        let label = labels[i];
        for ny in y.saturating_sub(1)..=(y + 1).min(h - 1) {
            for nx in x.saturating_sub(1)..=(x + 1).min(w - 1) {
                let j = ny * w + nx;
                if labels[j].is_none() {
                    labels[j] = label;
                    queue.push_back(j);
                }
            }
        }
    }
}

/// Two passes of a 5×5 majority filter over the hole's labels, which rounds off the stair
/// steps where two flood fronts met.
fn smooth_hole_labels(labels: &mut [Option<usize>], holes: &[bool], h: usize, w: usize) {
    for _ in 0..2 {
        let before = labels.to_vec();
        for i in (0..h * w).filter(|&i| holes[i]) {
            let (y, x) = (i / w, i % w);
            let mut votes = [0u32; MAX_REGIONS];
            for ny in y.saturating_sub(2)..=(y + 2).min(h - 1) {
                for nx in x.saturating_sub(2)..=(x + 2).min(w - 1) {
                    if let Some(l) = before[ny * w + nx] {
                        votes[l.min(MAX_REGIONS - 1)] += 1;
                    }
                }
            }
            let winner = (0..MAX_REGIONS).max_by_key(|&l| (votes[l], std::cmp::Reverse(l)));
            labels[i] = winner.filter(|&l| votes[l] > 0).or(before[i]);
        }
    }
}

#[cfg(test)]
mod tests {
    use tch::{Device, Kind, Tensor};

    use super::region_guide;

    /// White on the left, dark red on the right, a vertical hole over the boundary: the guide
    /// has two regions, and inside the hole it splits them at the boundary.
    #[test]
    fn two_regions_meet_halfway_inside_a_hole_over_their_boundary() {
        let (h, w) = (40i64, 60i64);
        let x =
            Tensor::arange(w, (Kind::Float, Device::Cpu)).view([1, 1, w]).expand([3, h, w], false);
        let white = Tensor::from_slice(&[0.95f32, 0.95, 0.92]).view([3, 1, 1]);
        let red = Tensor::from_slice(&[0.55f32, 0.12, 0.08]).view([3, 1, 1]);
        let img =
            white.expand([3, h, w], false).where_self(&x.lt(30.0), &red.expand([3, h, w], false));
        let hole = Tensor::zeros([h, w], (Kind::Bool, Device::Cpu));
        let _ = hole.narrow(1, 22, 16).fill_(1);
        let img = img * hole.logical_not().to_kind(Kind::Float);
        let guide = region_guide(&img, &hole, 9, 1.0).expect("two regions");
        assert_eq!(guide.size(), [2, h, w]);
        let white_channel = if guide.double_value(&[0, 20, 5]) > 0.5 { 0 } else { 1 };
        for col in 22..38 {
            let is_white = guide.double_value(&[white_channel, 20, col]) > 0.5;
            assert_eq!(is_white, col < 30, "column {col}");
        }
    }

    #[test]
    fn one_surface_around_the_hole_needs_no_guide() {
        let (h, w) = (30i64, 30i64);
        let noise = Tensor::rand([3, h, w], (Kind::Float, Device::Cpu)) * 0.05 + 0.4;
        let hole = Tensor::zeros([h, w], (Kind::Bool, Device::Cpu));
        let _ = hole.narrow(0, 10, 10).narrow(1, 10, 10).fill_(1);
        assert!(region_guide(&noise, &hole, 9, 1.0).is_none());
    }
}
