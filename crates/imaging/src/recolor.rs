//! Recolor: repaint a masked element in an exact brand colour so that it reads as painted, not
//! tinted. The element's own lightness structure is kept (its shading and highlights), the
//! brand colour lands on its diffuse tone, and whatever sRGB cannot hold loses chroma at constant
//! lightness and hue rather than being clipped channel by channel.
//!
//! The model works in CIELAB rather than OKLab for two reasons. The audit's measures (ΔE2000 and
//! the correlation of L*) are CIELAB's, so the diffuse tone is pinned onto the target in the very
//! space it is judged in. And light scales exactly in it: multiplying XYZ by t³ multiplies
//! L* + 16, a* and b* by t (above the cube root's linear toe), so "the same paint under less
//! light" is one multiplication. OKLab's straighter hue lines would matter only where the gamut
//! cuts chroma, on highlights.
//!
//! Pixels whose alpha is 0 come back bit-identical.

use image::{GrayImage, Rgb, RgbImage};
use palette::Lab;
use palette::color_difference::Ciede2000;
use palette::white_point::D65;

use crate::blend::{active_window, blend};
use crate::color::{Decoder, encode, lab_from_linear, linear_from_lab};
use crate::hex::HexColor;

/// The typical colour is measured on the core pixels whose L* lies between these percentiles of
/// the core's L*: the element's diffuse tone, with its highlights and shadows left out.
pub const TYPICAL_BAND: (f32, f32) = (0.40, 0.60);

/// ΔE2000 under which the typical colour counts as on target (the bar the brand set for flat
/// elements).
pub const ON_TARGET_DELTA_E: f32 = 2.0;

/// Percentiles of L* that bound the element's ordinary shading; beyond them lie specular
/// highlights and deep shadows, which roll off toward white and black instead of staying linear.
const SHADING_BAND: (f32, f32) = (0.10, 0.90);

/// Share of the room between the target's L* and white (or black) that the ordinary shading may
/// fill; the rest is the shoulder (or toe) where the extremes roll off.
const ROOM: f32 = 0.6;

/// The shading keeps at least this share of the contrast the target's paint would show in the
/// same light. A target too light or too dark for that is reported out of reach rather than met
/// by flattening the element.
const MIN_GAIN: f32 = 0.25;

/// Below this diffuse chroma the original is grey, and its chroma cannot tell highlights apart.
const GREY_CHROMA: f32 = 10.0;

/// A pixel brighter than the diffuse tone whose chroma is under this share of what the original's
/// paint would show in that light is (partly) a specular highlight: the new paint whitens there
/// in proportion.
const SPECULAR_CHROMA: f32 = 0.8;

/// A variance of L* below this is quantisation, not shading.
const FLAT: f64 = 1e-6;

/// Bisection steps of the gamut map: the chroma lost is then exact to 1/2²⁰ of the pixel's.
const GAMUT_STEPS: usize = 20;

#[derive(Debug, thiserror::Error)]
pub enum RecolorError {
    #[error("the image is {image:?} px but the mask is {alpha:?} px")]
    SizeMismatch { image: (u32, u32), alpha: (u32, u32) },
    #[error("the mask selects no pixels")]
    EmptyMask,
}

/// Whether the typical colour reached the target, and if not, what stood in the way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    /// ΔE2000 under [`ON_TARGET_DELTA_E`].
    OnTarget,
    /// The caller asked to keep the element's lightness, so L* stays off the target's.
    KeptLightness,
    /// The target's L* lies outside [`RecolorReport::reachable_l`]: keeping the shading (its
    /// highlights under white, its shadows above black) holds the diffuse tone back.
    Lightness,
    /// The lightness is reachable, but sRGB cannot hold enough of the target's chroma over the
    /// diffuse tone.
    Gamut,
}

/// What a recolor did, for the audit.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct RecolorReport {
    /// The target in CIELAB (D65).
    pub target_lab: [f32; 3],
    /// The result's [`typical_colour`].
    pub typical_lab: [f32; 3],
    /// The typical colour, as stored bytes would show it.
    pub typical: HexColor,
    /// ΔE2000 between the target and the typical colour.
    pub delta_e: f32,
    /// Pearson correlation of L* over the mask's core, original against result: how much of the
    /// shading survived. `None` when the original is flat (it has no shading to keep).
    pub lightness_correlation: Option<f32>,
    /// L* of the original's diffuse tone (the median over the core).
    pub diffuse_l: f32,
    /// The L* range the diffuse tone can take while the shading keeps its room.
    pub reachable_l: [f32; 2],
    /// Edited pixels whose colour fell outside sRGB and lost chroma to fit.
    pub gamut_mapped_px: u64,
    /// Mean ΔE2000 that losing chroma cost those pixels (0 when there are none).
    pub gamut_delta_e: f32,
    /// Pixels edited (alpha > 0).
    pub region_px: u64,
    pub reach: Reach,
}

#[derive(Debug, Clone)]
pub struct Recolored {
    /// Bit-identical to the input wherever alpha is 0.
    pub image: RgbImage,
    pub report: RecolorReport,
}

#[derive(Debug, Clone, Copy)]
struct Diffuse {
    /// Median L* of the core.
    l: f32,
    /// [`SHADING_BAND`]'s percentiles of the core's L*.
    low: f32,
    high: f32,
    /// Median chroma of the core's diffuse band ([`TYPICAL_BAND`]).
    chroma: f32,
}

impl Diffuse {
    fn measure(core: &[Lab<D65, f32>]) -> Option<Self> {
        let mut ls: Vec<f32> = core.iter().map(|p| p.l).collect();
        ls.sort_unstable_by(f32::total_cmp);
        let (band_lo, band_hi) =
            (percentile(&ls, TYPICAL_BAND.0)?, percentile(&ls, TYPICAL_BAND.1)?);
        let mut chroma: Vec<f32> = core
            .iter()
            .filter(|p| (band_lo..=band_hi).contains(&p.l))
            .map(|p| p.a.hypot(p.b))
            .collect();
        Some(Self {
            l: percentile(&ls, 0.5)?,
            low: percentile(&ls, SHADING_BAND.0)?,
            high: percentile(&ls, SHADING_BAND.1)?,
            chroma: median(&mut chroma)?,
        })
    }
}

/// Nearest-rank percentile `p` (0..=1) of sorted values.
fn percentile(sorted: &[f32], p: f32) -> Option<f32> {
    let last = sorted.len().checked_sub(1)?;
    let i = ((last as f32) * p).round() as usize;
    sorted.get(i.min(last)).copied()
}

fn median(values: &mut [f32]) -> Option<f32> {
    if values.is_empty() {
        return None;
    }
    let mid = values.len() / 2;
    let (_, m, _) = values.select_nth_unstable_by(mid, f32::total_cmp);
    Some(*m)
}

/// The map of the original's L* to the result's: affine around the diffuse tone (the shading's
/// structure kept, scaled by `gain`), with a smooth shoulder toward white and toe toward black
/// where the extremes would otherwise leave 0..=100.
#[derive(Debug, Clone, Copy)]
struct LightnessMap {
    diffuse: f32,
    /// Where the diffuse tone lands: the target's L*, or the nearest L* the shading allows.
    target: f32,
    gain: f32,
    shoulder: Option<f32>,
    toe: Option<f32>,
    /// The diffuse tone's reachable L* at this gain.
    reachable: [f32; 2],
}

impl LightnessMap {
    /// `extremes` are the darkest and lightest L* among all edited pixels.
    fn new(d: &Diffuse, goal_l: f32, keep_lightness: bool, extremes: (f32, f32)) -> Self {
        // Paint with another albedo under the same light scales L* + 16 by this: the shading's
        // natural contrast for the target.
        let natural = (goal_l + 16.0) / (d.l + 16.0);
        let (above, below) = (d.high - d.l, d.l - d.low);
        let mut gain = natural;
        if above > 0.0 {
            gain = gain.min(ROOM * (100.0 - goal_l) / above);
        }
        if below > 0.0 {
            gain = gain.min(ROOM * goal_l / below);
        }
        gain = gain.max(MIN_GAIN * natural);
        let (lowest, highest) = (gain * below / ROOM, 100.0 - gain * above / ROOM);
        let reachable = if lowest <= highest {
            [lowest, highest]
        } else {
            let mid = (lowest + highest) / 2.0;
            [mid, mid]
        };
        let (target, gain) = if keep_lightness {
            (d.l, 1.0)
        } else {
            (goal_l.clamp(reachable[0], reachable[1]), gain)
        };
        let u = |l: f32| target + gain * (l - d.l);
        Self {
            diffuse: d.l,
            target,
            gain,
            shoulder: (u(extremes.1) > 100.0).then_some(target + ROOM * (100.0 - target)),
            toe: (u(extremes.0) < 0.0).then_some((1.0 - ROOM) * target),
            reachable,
        }
    }

    fn eval(&self, l: f32) -> f32 {
        let u = self.target + self.gain * (l - self.diffuse);
        match (self.shoulder, self.toe) {
            (Some(knee), _) if u > knee => roll_off(u, knee, 100.0),
            (_, Some(knee)) if u < knee => roll_off(u, knee, 0.0),
            _ => u,
        }
    }
}

/// Past `knee`, approaches `limit` exponentially with slope 1 at the knee, so the curve stays
/// smooth (no visible edge in a gradient) and never reaches the limit.
fn roll_off(u: f32, knee: f32, limit: f32) -> f32 {
    let room = limit - knee;
    if room == 0.0 {
        return knee;
    }
    knee + room * (1.0 - (-(u - knee) / room).exp())
}

/// Per pixel: the target paint under the pixel's light, whitened where the original shows a
/// specular highlight.
struct Paint {
    lightness: LightnessMap,
    goal: Lab<D65, f32>,
    diffuse_chroma: f32,
    /// How far the original's chroma can be trusted to find highlights (0 for a grey original).
    specular_trust: f32,
}

impl Paint {
    fn colour(&self, lab: Lab<D65, f32>) -> Lab<D65, f32> {
        let l = self.lightness.eval(lab.l);
        let mut k = (l + 16.0) / (self.lightness.target + 16.0);
        if lab.l > self.lightness.diffuse && self.specular_trust > 0.0 {
            // The original paint under this pixel's light, had nothing white been reflected.
            let lit = self.diffuse_chroma * (lab.l + 16.0) / (self.lightness.diffuse + 16.0);
            let kept = (lab.a.hypot(lab.b) / (SPECULAR_CHROMA * lit)).min(1.0);
            k *= 1.0 - self.specular_trust * (1.0 - kept);
        }
        Lab::new(l, self.goal.a * k, self.goal.b * k)
    }
}

fn in_gamut(lab: Lab<D65, f32>) -> bool {
    let c = linear_from_lab(lab);
    [c.red, c.green, c.blue].iter().all(|v| (-1e-4..=1.0 + 1e-4).contains(v))
}

/// `None` when sRGB holds `lab`, else the colour with the most chroma sRGB holds at the same L*
/// and hue.
fn into_gamut(lab: Lab<D65, f32>) -> Option<Lab<D65, f32>> {
    if in_gamut(lab) {
        return None;
    }
    let at = |s: f32| Lab::new(lab.l, lab.a * s, lab.b * s);
    let (mut lo, mut hi) = (0f32, 1f32);
    for _ in 0..GAMUT_STEPS {
        let mid = (lo + hi) / 2.0;
        if in_gamut(at(mid)) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(at(lo))
}

/// Repaints the pixels of `img` inside the prepared `alpha` (0..255, already grown and
/// feathered) in `target`, blending each in by its alpha. Statistics come from the mask's core
/// (alpha 255), or from every selected pixel when the mask is all fringe. With `keep_lightness`
/// only the colour changes and the element keeps its L*.
pub fn recolor(
    img: &RgbImage,
    alpha: &GrayImage,
    target: HexColor,
    keep_lightness: bool,
) -> Result<Recolored, RecolorError> {
    if img.dimensions() != alpha.dimensions() {
        return Err(RecolorError::SizeMismatch {
            image: img.dimensions(),
            alpha: alpha.dimensions(),
        });
    }
    let window = active_window(alpha).ok_or(RecolorError::EmptyMask)?;
    let core_min = core_threshold(alpha);
    let dec = Decoder::new();
    let mut selected = Vec::new();
    let mut core = Vec::new();
    let mut extremes = (f32::INFINITY, f32::NEG_INFINITY);
    for y in window.y..window.y + window.height {
        for x in window.x..window.x + window.width {
            let a = alpha.get_pixel(x, y)[0];
            if a == 0 {
                continue;
            }
            let lab = lab_from_linear(dec.linear(img.get_pixel(x, y).0));
            extremes = (extremes.0.min(lab.l), extremes.1.max(lab.l));
            if a >= core_min {
                core.push(lab);
            }
            selected.push((x, y, lab));
        }
    }
    let diffuse = Diffuse::measure(&core).ok_or(RecolorError::EmptyMask)?;
    let goal = target.lab();
    let paint = Paint {
        lightness: LightnessMap::new(&diffuse, goal.l, keep_lightness, extremes),
        goal,
        diffuse_chroma: diffuse.chroma,
        specular_trust: (diffuse.chroma / GREY_CHROMA).min(1.0),
    };
    let mut edited = img.clone();
    let (mut mapped, mut mapped_de) = (0u64, 0f64);
    for &(x, y, lab) in &selected {
        let painted = paint.colour(lab);
        let stored = match into_gamut(painted) {
            Some(fitted) => {
                mapped += 1;
                mapped_de += f64::from(painted.difference(fitted));
                fitted
            }
            None => painted,
        };
        edited.put_pixel(x, y, Rgb(encode(linear_from_lab(stored))));
    }
    let image = blend(img, &edited, alpha);
    let typical = typical_colour(&image, alpha).ok_or(RecolorError::EmptyMask)?;
    let delta_e = typical.difference(goal);
    let reach = if delta_e < ON_TARGET_DELTA_E {
        Reach::OnTarget
    } else if keep_lightness {
        Reach::KeptLightness
    } else if (paint.lightness.target - goal.l).abs() > 0.5 {
        Reach::Lightness
    } else {
        Reach::Gamut
    };
    let report = RecolorReport {
        target_lab: [goal.l, goal.a, goal.b],
        typical_lab: [typical.l, typical.a, typical.b],
        typical: HexColor(encode(linear_from_lab(typical))),
        delta_e,
        lightness_correlation: lightness_correlation(img, &image, alpha),
        diffuse_l: diffuse.l,
        reachable_l: paint.lightness.reachable,
        gamut_mapped_px: mapped,
        gamut_delta_e: if mapped == 0 { 0.0 } else { (mapped_de / mapped as f64) as f32 },
        region_px: selected.len() as u64,
        reach,
    };
    Ok(Recolored { image, report })
}

/// The alpha that marks the mask's core: 255, or any selection when no pixel is fully inside.
fn core_threshold(alpha: &GrayImage) -> u8 {
    if alpha.pixels().any(|p| p[0] == 255) { 255 } else { 1 }
}

fn core_labs(img: &RgbImage, alpha: &GrayImage) -> Vec<Lab<D65, f32>> {
    let min = core_threshold(alpha);
    let dec = Decoder::new();
    img.pixels()
        .zip(alpha.pixels())
        .filter(|(_, a)| a[0] >= min)
        .map(|(p, _)| lab_from_linear(dec.linear(p.0)))
        .collect()
}

/// The region's typical colour, the one the audit compares with the target: the per-channel
/// median L*, a*, b* of the core pixels (alpha 255, or every selected pixel when none is 255)
/// whose L* lies between the 40th and 60th percentiles of the core's L* ([`TYPICAL_BAND`]).
/// That middle band is the element's diffuse tone; its highlights and shadows are the paint
/// under other light, not the brand colour. `None` when `alpha` selects nothing.
pub fn typical_colour(img: &RgbImage, alpha: &GrayImage) -> Option<Lab<D65, f32>> {
    let core = core_labs(img, alpha);
    let mut ls: Vec<f32> = core.iter().map(|p| p.l).collect();
    ls.sort_unstable_by(f32::total_cmp);
    let band = percentile(&ls, TYPICAL_BAND.0)?..=percentile(&ls, TYPICAL_BAND.1)?;
    let (mut l, mut a, mut b) = (Vec::new(), Vec::new(), Vec::new());
    for p in core.iter().filter(|p| band.contains(&p.l)) {
        l.push(p.l);
        a.push(p.a);
        b.push(p.b);
    }
    Some(Lab::new(median(&mut l)?, median(&mut a)?, median(&mut b)?))
}

/// Pearson correlation of L* over the core of `alpha` between `before` and `after`, or `None`
/// when either is flat there (or nothing is selected).
pub fn lightness_correlation(
    before: &RgbImage,
    after: &RgbImage,
    alpha: &GrayImage,
) -> Option<f32> {
    let (x, y) = (core_labs(before, alpha), core_labs(after, alpha));
    let n = x.len() as f64;
    if n < 2.0 || x.len() != y.len() {
        return None;
    }
    let mean = |v: &[Lab<D65, f32>]| v.iter().map(|p| f64::from(p.l)).sum::<f64>() / n;
    let (mx, my) = (mean(&x), mean(&y));
    let (mut sxy, mut sxx, mut syy) = (0f64, 0f64, 0f64);
    for (p, q) in x.iter().zip(&y) {
        let (dx, dy) = (f64::from(p.l) - mx, f64::from(q.l) - my);
        (sxy, sxx, syy) = (sxy + dx * dy, sxx + dx * dx, syy + dy * dy);
    }
    (sxx / n > FLAT && syy / n > FLAT).then(|| (sxy / (sxx * syy).sqrt()) as f32)
}

#[cfg(test)]
mod tests;
