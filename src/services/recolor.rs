//! Recolor: shift a masked element to an exact brand colour in CIELAB, keeping its texture and
//! shading (each pixel moves by the same Lab offset, so local contrast survives).

use image::{GrayImage, Rgb, RgbImage};
use inpaint::mask::{CropWindow, composite};
use palette::color_difference::Ciede2000;
use palette::{FromColor, IntoColor, Lab, Srgb};

/// A validated `#RRGGBB` colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct HexColor(pub [u8; 3]);

/// A colour that is not `#RRGGBB`.
#[derive(Debug, thiserror::Error)]
#[error("`{0}` is not a colour: expected #RRGGBB, e.g. #228B22")]
pub struct BadHex(pub String);

impl HexColor {
    /// Parses `#RRGGBB` (the `#` is optional, case-insensitive).
    pub fn parse(s: &str) -> Result<Self, BadHex> {
        let t = s.trim().trim_start_matches('#');
        if t.len() != 6 || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(BadHex(s.to_owned()));
        }
        let byte =
            |i: usize| u8::from_str_radix(&t[i..i + 2], 16).map_err(|_| BadHex(s.to_owned()));
        Ok(Self([byte(0)?, byte(2)?, byte(4)?]))
    }

    /// The colour in CIELAB (D65).
    pub fn lab(self) -> Lab {
        to_lab(&Rgb(self.0))
    }
}

impl std::fmt::Display for HexColor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{:02X}{:02X}{:02X}", self.0[0], self.0[1], self.0[2])
    }
}

fn to_lab(p: &Rgb<u8>) -> Lab {
    Srgb::new(p[0], p[1], p[2]).into_format::<f32>().into_color()
}

fn from_lab(lab: Lab) -> Rgb<u8> {
    let rgb: Srgb<f32> = Srgb::from_color(lab);
    let q = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
    Rgb([q(rgb.red), q(rgb.green), q(rgb.blue)])
}

/// Mean Lab colour of the pixels where `alpha` is 255 (the core of the mask, not its feather),
/// or of all pixels with alpha > 0 when the core is empty.
pub fn region_mean(img: &RgbImage, alpha: &GrayImage) -> Option<Lab> {
    let mean = |min: u8| {
        let (mut l, mut a, mut b, mut n) = (0f64, 0f64, 0f64, 0u64);
        for (p, m) in img.pixels().zip(alpha.pixels()) {
            if m[0] >= min {
                let lab = to_lab(p);
                (l, a, b, n) =
                    (l + f64::from(lab.l), a + f64::from(lab.a), b + f64::from(lab.b), n + 1);
            }
        }
        (n > 0).then(|| {
            let n = n as f64;
            Lab::new((l / n) as f32, (a / n) as f32, (b / n) as f32)
        })
    };
    mean(255).or_else(|| mean(1))
}

/// What [`recolor`] returns.
#[derive(Debug, Clone)]
pub struct Recolored {
    /// The image, bit-identical to the input wherever alpha is 0.
    pub image: RgbImage,
    /// ΔE2000 between the region's mean colour after the edit and the target.
    pub delta_e: f64,
}

/// Moves the masked region's mean colour onto `target`. With `keep_lightness` only a* and b*
/// shift (the element keeps its brightness); otherwise L* shifts too, which is what an exact
/// brand colour needs. Returns `None` when `alpha` selects nothing.
pub fn recolor(
    img: &RgbImage,
    alpha: &GrayImage,
    target: HexColor,
    keep_lightness: bool,
) -> Option<Recolored> {
    let mean = region_mean(img, alpha)?;
    let goal = target.lab();
    let dl = if keep_lightness { 0.0 } else { goal.l - mean.l };
    let (da, db) = (goal.a - mean.a, goal.b - mean.b);
    let shifted = RgbImage::from_fn(img.width(), img.height(), |x, y| {
        if alpha.get_pixel(x, y)[0] == 0 {
            return *img.get_pixel(x, y);
        }
        let lab = to_lab(img.get_pixel(x, y));
        from_lab(Lab::new(lab.l + dl, lab.a + da, lab.b + db))
    });
    let window = CropWindow { x: 0, y: 0, width: img.width(), height: img.height() };
    let image = composite(img, &shifted, alpha, window);
    let after = region_mean(&image, alpha)?;
    let delta_e = f64::from(after.difference(goal));
    Some(Recolored { image, delta_e })
}

#[cfg(test)]
mod tests {
    use image::Luma;

    use super::*;

    #[test]
    fn hex_parses_and_prints() {
        assert_eq!(HexColor::parse("#228b22").unwrap().0, [0x22, 0x8B, 0x22]);
        assert_eq!(HexColor::parse("228B22").unwrap().to_string(), "#228B22");
        assert!(HexColor::parse("#12345").is_err());
        assert!(HexColor::parse("#GG0000").is_err());
    }

    #[test]
    fn flat_region_reaches_the_target_and_outside_is_untouched() {
        let img = RgbImage::from_fn(40, 40, |x, y| {
            if (10..30).contains(&x) && (10..30).contains(&y) {
                Rgb([200, 40, 40])
            } else {
                Rgb([x as u8, y as u8, 99])
            }
        });
        let alpha = GrayImage::from_fn(40, 40, |x, y| {
            Luma([if (10..30).contains(&x) && (10..30).contains(&y) { 255 } else { 0 }])
        });
        let out = recolor(&img, &alpha, HexColor::parse("#228B22").unwrap(), false).unwrap();
        assert!(out.delta_e < 2.0, "ΔE {}", out.delta_e);
        assert_eq!(out.image.get_pixel(15, 15), &Rgb([0x22, 0x8B, 0x22]));
        assert_eq!(out.image.get_pixel(3, 3), img.get_pixel(3, 3));
    }
}
