//! The control audit: computed from the parent and result pixels alone, independently of how the
//! operation produced them, so that it checks the engine rather than trusting it.

use image::{GrayImage, RgbImage};

use super::imaging::max_channel_diff;

/// How lenient the audit is with externally edited (`import`) images, whose encoders and
/// colour pipelines nudge pixels a little everywhere.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    /// A pixel counts as changed when some channel differs by more than this.
    pub channel_threshold: u8,
    /// Largest fraction of the outside pixels that may change before the edit is a leak.
    pub max_leak_fraction: f64,
}

impl Tolerance {
    /// Internal operations: any change at all outside the mask is a failure.
    pub const EXACT: Tolerance = Tolerance { channel_threshold: 0, max_leak_fraction: 0.0 };
}

/// The audit of one variant.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Audit {
    /// Pixels outside the grown+feathered mask (alpha 0) that changed beyond the threshold.
    pub changed_outside_mask_px: u64,
    /// Fraction of all pixels that changed at all.
    pub changed_fraction: f64,
    /// Fraction of the image the grown+feathered mask covers.
    pub mask_fraction: f64,
    /// Fraction of the outside pixels that changed beyond the threshold.
    pub leak_fraction: f64,
    /// Whether the edit stayed within the tolerance.
    pub controlled: bool,
}

/// Audits `result` against `parent` under the prepared `alpha` (> 0 = inside the mask).
/// Images of different sizes are wholly changed and uncontrolled.
pub fn audit(parent: &RgbImage, result: &RgbImage, alpha: &GrayImage, tol: Tolerance) -> Audit {
    let total = u64::from(parent.width()) * u64::from(parent.height());
    if parent.dimensions() != result.dimensions() || alpha.dimensions() != parent.dimensions() {
        return Audit {
            changed_outside_mask_px: total,
            changed_fraction: 1.0,
            mask_fraction: 0.0,
            leak_fraction: 1.0,
            controlled: false,
        };
    }
    let (mut changed, mut inside, mut leaked) = (0u64, 0u64, 0u64);
    for ((p, r), a) in parent.pixels().zip(result.pixels()).zip(alpha.pixels()) {
        let d = max_channel_diff(p, r);
        if d > 0 {
            changed += 1;
        }
        if a[0] > 0 {
            inside += 1;
        } else if d > tol.channel_threshold {
            leaked += 1;
        }
    }
    let outside = total - inside;
    let frac = |n: u64, d: u64| if d == 0 { 0.0 } else { n as f64 / d as f64 };
    let leak_fraction = frac(leaked, outside);
    Audit {
        changed_outside_mask_px: leaked,
        changed_fraction: frac(changed, total),
        mask_fraction: frac(inside, total),
        leak_fraction,
        controlled: leak_fraction <= tol.max_leak_fraction,
    }
}

#[cfg(test)]
mod tests {
    use image::{Luma, Rgb};

    use super::*;

    fn setup() -> (RgbImage, GrayImage) {
        let parent = RgbImage::from_fn(20, 10, |x, y| Rgb([x as u8 * 10, y as u8 * 10, 7]));
        let alpha = GrayImage::from_fn(20, 10, |x, _| Luma([if x < 5 { 255 } else { 0 }]));
        (parent, alpha)
    }

    #[test]
    fn changes_inside_the_mask_are_controlled() {
        let (parent, alpha) = setup();
        let mut result = parent.clone();
        result.put_pixel(2, 2, Rgb([0, 0, 0]));
        let a = audit(&parent, &result, &alpha, Tolerance::EXACT);
        assert_eq!(a.changed_outside_mask_px, 0);
        assert!(a.controlled);
        assert!((a.mask_fraction - 0.25).abs() < 1e-9);
        assert!((a.changed_fraction - 1.0 / 200.0).abs() < 1e-9);
    }

    #[test]
    fn one_pixel_outside_fails_the_exact_audit_but_passes_a_tolerant_one() {
        let (parent, alpha) = setup();
        let mut result = parent.clone();
        result.put_pixel(10, 2, Rgb([255, 255, 255]));
        assert!(!audit(&parent, &result, &alpha, Tolerance::EXACT).controlled);
        let tol = Tolerance { channel_threshold: 8, max_leak_fraction: 0.01 };
        let a = audit(&parent, &result, &alpha, tol);
        assert_eq!(a.changed_outside_mask_px, 1);
        assert!(a.controlled);
    }
}
