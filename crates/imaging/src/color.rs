//! Colour conversions used by the grade: sRGB bytes to linear light through a table, linear light
//! to and from CIELAB (D65), and back to bytes. Conversions are unclamped so that an exposure
//! push keeps its headroom until the single clamp at the end.

use palette::convert::{FromColorUnclamped, IntoColorUnclamped};
use palette::white_point::D65;
use palette::{Lab, LinSrgb, Srgb, Xyz};

/// sRGB byte → linear light for all 256 values, so the transfer function runs 256 times per
/// image instead of three times per pixel.
pub struct Decoder([f32; 256]);

impl Decoder {
    pub fn new() -> Self {
        let mut table = [0f32; 256];
        for (v, slot) in (0u8..=255).zip(table.iter_mut()) {
            let lin: LinSrgb<f32> = Srgb::new(v, v, v).into_format::<f32>().into_linear();
            *slot = lin.red;
        }
        Self(table)
    }

    pub fn linear(&self, p: [u8; 3]) -> LinSrgb<f32> {
        LinSrgb::new(
            self.0[usize::from(p[0])],
            self.0[usize::from(p[1])],
            self.0[usize::from(p[2])],
        )
    }
}

pub fn lab_from_linear(c: LinSrgb<f32>) -> Lab<D65, f32> {
    c.into_color_unclamped()
}

pub fn linear_from_lab(lab: Lab<D65, f32>) -> LinSrgb<f32> {
    LinSrgb::from_color_unclamped(lab)
}

/// Relative luminance Y (0..1 for in-gamut colours) of a linear sRGB colour.
pub fn luminance(c: LinSrgb<f32>) -> f32 {
    Xyz::<D65, f32>::from_color_unclamped(c).y
}

/// Linear light → sRGB bytes. Each channel is clipped to 0..1 before encoding: the only clamp in
/// the pipeline.
pub fn encode(c: LinSrgb<f32>) -> [u8; 3] {
    let clipped = LinSrgb::new(clip(c.red), clip(c.green), clip(c.blue));
    let s: Srgb<f32> = Srgb::from_linear(clipped);
    let q = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
    [q(s.red), q(s.green), q(s.blue)]
}

fn clip(v: f32) -> f32 {
    if v.is_nan() { 0.0 } else { v.clamp(0.0, 1.0) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_survive_the_round_trip_through_linear_and_lab() {
        let dec = Decoder::new();
        for p in [[0u8, 0, 0], [255, 255, 255], [12, 200, 77], [128, 128, 128], [250, 3, 140]] {
            assert_eq!(encode(dec.linear(p)), p);
            assert_eq!(encode(linear_from_lab(lab_from_linear(dec.linear(p)))), p, "{p:?}");
        }
    }

    #[test]
    fn white_has_unit_luminance_and_l_100() {
        let white = Decoder::new().linear([255, 255, 255]);
        assert!((luminance(white) - 1.0).abs() < 1e-4);
        assert!((lab_from_linear(white).l - 100.0).abs() < 1e-2);
    }
}
