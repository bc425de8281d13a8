//! Matching a region to its surroundings: the Lab mean and spread of the region and of a ring
//! around it, and the per-channel affine map that carries one onto the other (Reinhard et al.'s
//! colour transfer, done in CIELAB). It is the usual fix for a composited plate that looks pasted
//! on: its exposure and cast then agree with the scene right around it.

use image::{GrayImage, Luma, RgbImage};
use imageproc::distance_transform::euclidean_squared_distance_transform;
use palette::Lab;
use palette::white_point::D65;

use crate::blend::active_window;
use crate::color::{Decoder, encode, lab_from_linear, linear_from_lab};

/// Per-channel statistics of a set of pixels in CIELAB (D65), channels in the order L*, a*, b*.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct LabStats {
    pub mean: [f64; 3],
    /// Population standard deviation.
    pub std: [f64; 3],
    /// How many pixels were measured.
    pub count: u64,
}

impl LabStats {
    /// The mean as a colour, for ΔE.
    pub fn mean_lab(&self) -> Lab<D65, f32> {
        Lab::new(self.mean[0] as f32, self.mean[1] as f32, self.mean[2] as f32)
    }
}

/// What a match did, for the audit.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct MatchReport {
    /// Width of the ring, in px.
    pub ring_px: u32,
    /// The ring of surroundings, the target.
    pub ring: LabStats,
    /// The region before the grade.
    pub before: LabStats,
    /// The region after the whole grade (match and any other adjustments).
    pub after: LabStats,
    /// ΔE2000 between the region's mean after the grade and the ring's mean.
    pub delta_e: f32,
}

/// Lab statistics of the pixels of `img` where `selection` ≥ `min` (and is never 0), or `None`
/// when there are none.
pub fn lab_stats(img: &RgbImage, selection: &GrayImage, min: u8) -> Option<LabStats> {
    let min = min.max(1);
    let dec = Decoder::new();
    let (mut sum, mut sq, mut n) = ([0f64; 3], [0f64; 3], 0u64);
    for (p, s) in img.pixels().zip(selection.pixels()) {
        if s[0] < min {
            continue;
        }
        let lab = lab_from_linear(dec.linear(p.0));
        for (c, v) in [lab.l, lab.a, lab.b].into_iter().enumerate() {
            let v = f64::from(v);
            sum[c] += v;
            sq[c] += v * v;
        }
        n += 1;
    }
    (n > 0).then(|| {
        let nf = n as f64;
        let mean = sum.map(|s| s / nf);
        let std = [0, 1, 2].map(|c| (sq[c] / nf - mean[c] * mean[c]).max(0.0).sqrt());
        LabStats { mean, std, count: n }
    })
}

/// The ring around a prepared alpha: 255 for each pixel whose alpha is 0 and which lies within
/// `width` px (Euclidean) of a pixel whose alpha is not, 0 elsewhere. The ring is measured
/// outside the feather, so it holds only untouched scene pixels.
pub fn ring_alpha(alpha: &GrayImage, width: u32) -> GrayImage {
    let (w, h) = alpha.dimensions();
    let mut ring = GrayImage::new(w, h);
    let Some(bbox) = active_window(alpha) else { return ring };
    // Only pixels within `width` of the mask can be in the ring, so the transform runs on that
    // window rather than the whole photo.
    let win = bbox.expand(width.saturating_add(1), w, h);
    let local = GrayImage::from_fn(win.width, win.height, |x, y| {
        Luma([if alpha.get_pixel(win.x + x, win.y + y)[0] > 0 { 255 } else { 0 }])
    });
    let dist2 = euclidean_squared_distance_transform(&local);
    let limit = f64::from(width) * f64::from(width);
    for (x, y, d2) in dist2.enumerate_pixels() {
        if d2[0] > 0.0 && d2[0] <= limit {
            ring.put_pixel(win.x + x, win.y + y, Luma([255]));
        }
    }
    ring
}

/// Spread ratios are kept within this factor either way: a nearly flat region (a studio plate)
/// must not have its sensor noise stretched into texture.
const MAX_SPREAD_RATIO: f64 = 4.0;

/// A channel spread below this (in L*, a* or b* units) is treated as flat and only shifted.
const FLAT_SPREAD: f64 = 0.5;

/// Rounds of the gamut correction in [`LabTransfer::refined`]; each costs one pass over the
/// region, and the shortfall shrinks several-fold per round.
const REFINE_ROUNDS: usize = 4;

/// Largest sample the gamut correction measures: with a spread of 20 in L*, a* or b*, its mean
/// is then within about 0.05 of the whole region's.
const REFINE_SAMPLES: usize = 200_000;

/// `v ↦ v × scale + offset` per Lab channel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct LabTransfer {
    scale: [f32; 3],
    offset: [f32; 3],
}

impl LabTransfer {
    /// The map taking `region`'s mean and spread onto `target`'s.
    pub(crate) fn between(region: &LabStats, target: &LabStats) -> Self {
        let mut scale = [1f32; 3];
        let mut offset = [0f32; 3];
        for c in 0..3 {
            let s = if region.std[c] < FLAT_SPREAD {
                1.0
            } else {
                (target.std[c] / region.std[c]).clamp(1.0 / MAX_SPREAD_RATIO, MAX_SPREAD_RATIO)
            };
            scale[c] = s as f32;
            offset[c] = (target.mean[c] - region.mean[c] * s) as f32;
        }
        Self { scale, offset }
    }

    /// Corrects the offsets for what the sRGB gamut clips: a region pushed partly out of gamut
    /// lands short of the target mean, so the shortfall, measured on the pixels as they will be
    /// stored (`selection` ≥ `min`), is added back a few times. Without this a bright plate in a
    /// dark, saturated scene ended about 2.4 ΔE2000 away instead of under 1.
    pub(crate) fn refined(
        mut self,
        img: &RgbImage,
        selection: &GrayImage,
        min: u8,
        target: &LabStats,
    ) -> Self {
        let dec = Decoder::new();
        // The shortfall is a mean, so an even sample of the region measures it: at most about
        // REFINE_SAMPLES pixels, whatever the mask's size.
        let selected = || {
            img.pixels().zip(selection.pixels()).filter(|(_, s)| s[0] >= min.max(1)).map(|(p, _)| p)
        };
        let stride = (selected().count() / REFINE_SAMPLES).max(1);
        let sample: Vec<Lab<D65, f32>> =
            selected().step_by(stride).map(|p| lab_from_linear(dec.linear(p.0))).collect();
        for _ in 0..REFINE_ROUNDS {
            let (mut sum, mut n) = ([0f64; 3], 0f64);
            for &lab in &sample {
                let stored = encode(linear_from_lab(self.apply(lab)));
                let lab = lab_from_linear(dec.linear(stored));
                for (c, v) in [lab.l, lab.a, lab.b].into_iter().enumerate() {
                    sum[c] += f64::from(v);
                }
                n += 1.0;
            }
            if n == 0.0 {
                break;
            }
            let short = [0, 1, 2].map(|c| target.mean[c] - sum[c] / n);
            if short.iter().all(|d| d.abs() < 0.05) {
                break;
            }
            for (offset, d) in self.offset.iter_mut().zip(short) {
                *offset += d as f32;
            }
        }
        self
    }

    pub(crate) fn apply(&self, lab: Lab<D65, f32>) -> Lab<D65, f32> {
        Lab::new(
            lab.l * self.scale[0] + self.offset[0],
            lab.a * self.scale[1] + self.offset[1],
            lab.b * self.scale[2] + self.offset[2],
        )
    }
}

#[cfg(test)]
mod tests {
    use image::Rgb;

    use super::*;

    #[test]
    fn ring_lies_outside_the_alpha_and_within_its_width() {
        let alpha = GrayImage::from_fn(40, 40, |x, y| {
            Luma([if (15..25).contains(&x) && (15..25).contains(&y) { 255 } else { 0 }])
        });
        let ring = ring_alpha(&alpha, 3);
        assert_eq!(ring.get_pixel(20, 20)[0], 0, "inside the mask");
        assert_eq!(ring.get_pixel(14, 20)[0], 255);
        assert_eq!(ring.get_pixel(12, 20)[0], 255);
        assert_eq!(ring.get_pixel(11, 20)[0], 0, "4 px away");
        assert_eq!(ring.get_pixel(12, 12)[0], 0, "corner is √18 px away");
        let count = ring.pixels().filter(|p| p[0] == 255).count();
        // A 16×16 square minus the 10×10 mask, minus in each 3×3 corner the five pixels farther
        // than 3 px from the mask's corner (offsets (1,3), (2,3), (3,3), (3,2), (3,1)).
        assert_eq!(count, 256 - 100 - 4 * 5);
    }

    #[test]
    fn stats_of_a_flat_patch_have_no_spread() {
        let img = RgbImage::from_pixel(8, 8, Rgb([119, 119, 119]));
        let all = GrayImage::from_pixel(8, 8, Luma([255]));
        let s = lab_stats(&img, &all, 255).unwrap();
        assert_eq!(s.count, 64);
        assert!((s.mean[0] - 50.0).abs() < 0.5, "{s:?}");
        assert!(s.std.iter().all(|&d| d < 1e-3));
        assert!(lab_stats(&img, &GrayImage::new(8, 8), 1).is_none());
    }

    #[test]
    fn transfer_maps_mean_and_spread() {
        let region = LabStats { mean: [40.0, 10.0, 0.0], std: [10.0, 0.1, 4.0], count: 9 };
        let target = LabStats { mean: [60.0, -5.0, 20.0], std: [5.0, 3.0, 40.0], count: 9 };
        let t = LabTransfer::between(&region, &target);
        let m = t.apply(Lab::new(40.0, 10.0, 0.0));
        assert!((m.l - 60.0).abs() < 1e-4 && (m.a + 5.0).abs() < 1e-4 && (m.b - 20.0).abs() < 1e-4);
        let up = t.apply(Lab::new(50.0, 10.0, 4.0));
        assert!((up.l - 65.0).abs() < 1e-4, "L spread halves");
        assert!((up.b - 36.0).abs() < 1e-4, "b spread ×10 is capped at ×4");
    }
}
