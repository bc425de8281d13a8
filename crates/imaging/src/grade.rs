//! The grade: exposure and white balance in linear light, where light adds up physically;
//! contrast, highlights, shadows, the tone curve and saturation in CIELAB, where equal steps look
//! equal; an optional match to the surroundings first. Pixels whose alpha is 0 come back
//! bit-identical.

use std::ops::RangeInclusive;

use image::{GrayImage, RgbImage};
use palette::color_difference::Ciede2000;
use palette::white_point::D65;
use palette::{Lab, LinSrgb};

use crate::blend::{active_window, blend};
use crate::color::{Decoder, encode, lab_from_linear, linear_from_lab, luminance};
use crate::curve::ToneCurve;
use crate::matching::{LabTransfer, MatchReport, lab_stats, ring_alpha};

/// Exposure range, in stops.
pub const EXPOSURE: RangeInclusive<f32> = -4.0..=4.0;
/// Range of the slider-style adjustments (contrast, highlights, shadows, temperature, tint,
/// saturation); 0 leaves the image as it is.
pub const SLIDER: RangeInclusive<f32> = -100.0..=100.0;
/// Range of the match ring's width, in px.
pub const RING: RangeInclusive<u32> = 1..=256;

/// Temperature ±100 moves red and blue by this many stops in opposite directions, before the
/// luminance normalisation (about ±1500 K around daylight, as editors' sliders span).
const TEMPERATURE_STOPS: f32 = 0.5;
/// Tint ±100 moves green by this many stops (+ is magenta, so green goes down).
const TINT_STOPS: f32 = 0.35;
/// Highlights and shadows ±100 move L* by up to this much at the middle of their band.
const TONE_BAND_L: f32 = 25.0;

/// What to do to the masked region. Every field defaults to "no change"; the stored JSON lists
/// only the fields that change something.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Grade {
    /// Stops (EV): linear light × 2^exposure. −4..=4.
    #[serde(skip_serializing_if = "is_zero")]
    pub exposure: f32,
    /// Scales L* about 50 by 2^(contrast/100). −100..=100.
    #[serde(skip_serializing_if = "is_zero")]
    pub contrast: f32,
    /// Lifts (+) or recovers (−) the bright half of L*. −100..=100.
    #[serde(skip_serializing_if = "is_zero")]
    pub highlights: f32,
    /// Lifts (+) or deepens (−) the dark half of L*. −100..=100.
    #[serde(skip_serializing_if = "is_zero")]
    pub shadows: f32,
    /// White balance: + is warmer (red up, blue down), neutral luminance kept. −100..=100.
    #[serde(skip_serializing_if = "is_zero")]
    pub temperature: f32,
    /// White balance: + is magenta, − is green. −100..=100.
    #[serde(skip_serializing_if = "is_zero")]
    pub tint: f32,
    /// Scales LCh chroma by 1 + saturation/100 (−100 is grey). −100..=100.
    #[serde(skip_serializing_if = "is_zero")]
    pub saturation: f32,
    /// Tone curve points `[input L*, output L*]`, each 0..=100, at most 8.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub curve: Vec<[f32; 2]>,
    /// Before the other adjustments, match the region's Lab mean and spread to a ring of the
    /// surroundings this many px wide (1..=256).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_ring: Option<u32>,
}

fn is_zero(v: &f32) -> bool {
    *v == 0.0
}

/// Why a grade cannot run. Every message names the parameter and says what is allowed.
#[derive(Debug, thiserror::Error)]
pub enum GradeError {
    /// A numeric parameter is outside its range (or not a number).
    #[error("{field} = {value} is out of range: expected {min}..={max}")]
    OutOfRange { field: &'static str, value: f32, min: f32, max: f32 },
    /// The tone curve's points are unusable.
    #[error("{0}")]
    Curve(String),
    /// The match ring's width is outside its range.
    #[error("match_ring = {0} px is out of range: expected 1..=256")]
    Ring(u32),
    /// Nothing would change.
    #[error(
        "the grade changes nothing: set at least one of exposure, contrast, highlights, shadows, temperature, tint, saturation, curve or match_ring"
    )]
    Neutral,
    /// The image and the alpha differ in size.
    #[error("the image is {image:?} px but the mask is {alpha:?} px")]
    SizeMismatch { image: (u32, u32), alpha: (u32, u32) },
    /// The alpha selects nothing.
    #[error("the mask selects no pixels")]
    EmptyMask,
    /// Matching needs scene pixels around the mask.
    #[error("there is nothing around the mask to match: the {0} px ring around it is empty")]
    NoRing(u32),
}

impl Grade {
    /// Checks every parameter's range; the error names the first one that is out.
    pub fn validate(&self) -> Result<(), GradeError> {
        let check = |field: &'static str, value: f32, range: &RangeInclusive<f32>| {
            if range.contains(&value) {
                Ok(())
            } else {
                Err(GradeError::OutOfRange { field, value, min: *range.start(), max: *range.end() })
            }
        };
        check("exposure", self.exposure, &EXPOSURE)?;
        for (field, value) in self.sliders() {
            check(field, value, &SLIDER)?;
        }
        ToneCurve::new(&self.curve)?;
        match self.match_ring {
            Some(r) if !RING.contains(&r) => Err(GradeError::Ring(r)),
            _ => Ok(()),
        }
    }

    /// Whether the grade would leave every pixel as it is.
    pub fn is_neutral(&self) -> bool {
        self.exposure == 0.0
            && self.sliders().iter().all(|(_, v)| *v == 0.0)
            && self.curve.is_empty()
            && self.match_ring.is_none()
    }

    fn sliders(&self) -> [(&'static str, f32); 6] {
        [
            ("contrast", self.contrast),
            ("highlights", self.highlights),
            ("shadows", self.shadows),
            ("temperature", self.temperature),
            ("tint", self.tint),
            ("saturation", self.saturation),
        ]
    }

    /// Linear-light channel gains for white balance and exposure, or `None` when both are
    /// neutral. The white-balance gains are normalised so that a neutral grey keeps its
    /// luminance: temperature and tint change colour, exposure alone changes brightness.
    fn gains(&self) -> Option<[f32; 3]> {
        if self.exposure == 0.0 && self.temperature == 0.0 && self.tint == 0.0 {
            return None;
        }
        let t = self.temperature / 100.0 * TEMPERATURE_STOPS;
        let g = -self.tint / 100.0 * TINT_STOPS;
        let raw = LinSrgb::new(t.exp2(), g.exp2(), (-t).exp2());
        let k = self.exposure.exp2() / luminance(raw);
        Some([raw.red * k, raw.green * k, raw.blue * k])
    }

    fn tone(&self) -> Result<Option<Tone>, GradeError> {
        let curve = if self.curve.is_empty() { None } else { Some(ToneCurve::new(&self.curve)?) };
        let idle = self.contrast == 0.0
            && self.highlights == 0.0
            && self.shadows == 0.0
            && self.saturation == 0.0
            && curve.is_none();
        Ok((!idle).then(|| Tone {
            contrast: (self.contrast / 100.0).exp2(),
            highlights: self.highlights / 100.0 * TONE_BAND_L,
            shadows: self.shadows / 100.0 * TONE_BAND_L,
            curve,
            chroma: 1.0 + self.saturation / 100.0,
        }))
    }
}

/// The perceptual part of the grade, ready to run per pixel.
struct Tone {
    contrast: f32,
    highlights: f32,
    shadows: f32,
    curve: Option<ToneCurve>,
    chroma: f32,
}

/// A hump that is 0 at both ends of `0..1`, 1 in the middle and 0 outside: highlights and
/// shadows each move their own half of the tonal range and leave black and white where they are.
fn band(x: f32) -> f32 {
    if (0.0..=1.0).contains(&x) { 4.0 * x * (1.0 - x) } else { 0.0 }
}

impl Tone {
    fn apply(&self, lab: Lab<D65, f32>) -> Lab<D65, f32> {
        let mut l = 50.0 + (lab.l - 50.0) * self.contrast;
        l += self.highlights * band((l - 50.0) / 50.0);
        l += self.shadows * band(l / 50.0);
        if let Some(curve) = &self.curve {
            l = curve.eval(l);
        }
        Lab::new(l, lab.a * self.chroma, lab.b * self.chroma)
    }
}

/// A graded image and, when the grade matched the surroundings, how closely it did.
#[derive(Debug, Clone)]
pub struct Graded {
    /// Bit-identical to the input wherever alpha is 0.
    pub image: RgbImage,
    /// The match's statistics, when `match_ring` was set.
    pub matched: Option<MatchReport>,
}

/// Grades `img` inside the prepared `alpha` (0..255, already grown and feathered): each pixel
/// with alpha > 0 is graded and blended in by its alpha; the others are copied.
pub fn grade(img: &RgbImage, alpha: &GrayImage, g: &Grade) -> Result<Graded, GradeError> {
    g.validate()?;
    if g.is_neutral() {
        return Err(GradeError::Neutral);
    }
    if img.dimensions() != alpha.dimensions() {
        return Err(GradeError::SizeMismatch {
            image: img.dimensions(),
            alpha: alpha.dimensions(),
        });
    }
    let window = active_window(alpha).ok_or(GradeError::EmptyMask)?;
    // Statistics of the region come from its core (alpha 255), not its feathered fringe, which
    // is half scene; a mask that is all fringe falls back to every selected pixel.
    let core = if alpha.pixels().any(|p| p[0] == 255) { 255 } else { 1 };
    let matching = match g.match_ring {
        Some(width) => {
            let ring =
                lab_stats(img, &ring_alpha(alpha, width), 255).ok_or(GradeError::NoRing(width))?;
            let before = lab_stats(img, alpha, core).ok_or(GradeError::EmptyMask)?;
            let transfer = LabTransfer::between(&before, &ring).refined(img, alpha, core, &ring);
            Some((width, ring, before, transfer))
        }
        None => None,
    };
    let transfer = matching.map(|m| m.3);
    let gains = g.gains();
    let tone = g.tone()?;
    let dec = Decoder::new();
    let mut edited = img.clone();
    for y in window.y..window.y + window.height {
        for x in window.x..window.x + window.width {
            if alpha.get_pixel(x, y)[0] == 0 {
                continue;
            }
            let mut lin = dec.linear(img.get_pixel(x, y).0);
            if let Some(t) = &transfer {
                lin = linear_from_lab(t.apply(lab_from_linear(lin)));
            }
            if let Some([r, gr, b]) = gains {
                lin = LinSrgb::new(lin.red * r, lin.green * gr, lin.blue * b);
            }
            if let Some(tone) = &tone {
                lin = linear_from_lab(tone.apply(lab_from_linear(lin)));
            }
            edited.put_pixel(x, y, image::Rgb(encode(lin)));
        }
    }
    let image = blend(img, &edited, alpha);
    let matched = match matching {
        Some((ring_px, ring, before, _)) => {
            let after = lab_stats(&image, alpha, core).ok_or(GradeError::EmptyMask)?;
            let delta_e = after.mean_lab().difference(ring.mean_lab());
            Some(MatchReport { ring_px, ring, before, after, delta_e })
        }
        None => None,
    };
    Ok(Graded { image, matched })
}

#[cfg(test)]
mod tests;
