//! A tone curve on CIELAB lightness: a few `(input L*, output L*)` points joined by straight
//! segments. Straight segments keep the curve exactly where the user put it, with no spline
//! overshoot, and the browser preview computes the same thing in a few lines.

use crate::grade::GradeError;

/// Most points a curve may have; a few are what a grade needs.
pub const MAX_POINTS: usize = 8;

/// A validated tone curve, anchored at (0, 0) and (100, 100) unless the user moved those ends.
#[derive(Debug, Clone, PartialEq)]
pub struct ToneCurve {
    points: Vec<(f32, f32)>,
}

impl ToneCurve {
    /// Checks the points (each coordinate 0..=100, inputs distinct, at most [`MAX_POINTS`]) and
    /// sorts them by input.
    pub fn new(points: &[[f32; 2]]) -> Result<Self, GradeError> {
        if points.len() > MAX_POINTS {
            return Err(GradeError::Curve(format!(
                "a curve has at most {MAX_POINTS} points, not {}",
                points.len()
            )));
        }
        let mut pts: Vec<(f32, f32)> = Vec::with_capacity(points.len() + 2);
        for &[x, y] in points {
            if !(0.0..=100.0).contains(&x) || !(0.0..=100.0).contains(&y) {
                return Err(GradeError::Curve(format!(
                    "curve point [{x}, {y}] must have both coordinates in 0..=100 (L*)"
                )));
            }
            pts.push((x, y));
        }
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        if let Some(w) = pts.windows(2).find(|w| w[1].0 - w[0].0 < 0.5) {
            return Err(GradeError::Curve(format!(
                "curve inputs {} and {} are too close: inputs must differ by at least 0.5",
                w[0].0, w[1].0
            )));
        }
        if pts.first().is_none_or(|p| p.0 > 0.0) {
            pts.insert(0, (0.0, 0.0));
        }
        if pts.last().is_none_or(|p| p.0 < 100.0) {
            pts.push((100.0, 100.0));
        }
        Ok(Self { points: pts })
    }

    /// Output lightness for input `l`. Beyond the ends (an exposure push can exceed 100) the
    /// curve continues with slope 1, so headroom is kept rather than flattened.
    pub fn eval(&self, l: f32) -> f32 {
        let pts = &self.points;
        let (Some(&first), Some(&last)) = (pts.first(), pts.last()) else { return l };
        if l <= first.0 {
            return first.1 + (l - first.0);
        }
        if l >= last.0 {
            return last.1 + (l - last.0);
        }
        let i = pts.partition_point(|p| p.0 <= l).clamp(1, pts.len() - 1);
        let (a, b) = (pts[i - 1], pts[i]);
        a.1 + (b.1 - a.1) * (l - a.0) / (b.0 - a.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_curve_is_the_identity_and_points_interpolate() {
        let id = ToneCurve::new(&[]).unwrap();
        for l in [0.0, 12.5, 50.0, 99.0, 130.0] {
            assert!((id.eval(l) - l).abs() < 1e-5);
        }
        let c = ToneCurve::new(&[[75.0, 85.0], [25.0, 15.0]]).unwrap();
        assert!((c.eval(25.0) - 15.0).abs() < 1e-5);
        assert!((c.eval(50.0) - 50.0).abs() < 1e-5);
        assert!((c.eval(12.5) - 7.5).abs() < 1e-5);
        assert!((c.eval(87.5) - 92.5).abs() < 1e-5);
        assert!((c.eval(110.0) - 110.0).abs() < 1e-5);
    }

    #[test]
    fn bad_points_are_refused_with_the_reason() {
        assert!(ToneCurve::new(&[[120.0, 10.0]]).unwrap_err().to_string().contains("0..=100"));
        assert!(ToneCurve::new(&[[40.0, 10.0], [40.2, 30.0]]).is_err());
        assert!(ToneCurve::new(&[[1.0, 1.0]; 9]).is_err());
        let lifted = ToneCurve::new(&[[0.0, 10.0]]).unwrap();
        assert!((lifted.eval(0.0) - 10.0).abs() < 1e-5);
        assert!((lifted.eval(100.0) - 100.0).abs() < 1e-5);
    }
}
