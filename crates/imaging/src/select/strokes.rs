//! Brush strokes the user draws to correct an object selection ("keep this", "drop that"),
//! turned into the hint masks GrabCut takes.

use image::{GrayImage, Luma};
use imageproc::drawing::draw_filled_circle_mut;

use super::SelectError;

/// Points one request may carry in all its strokes: ample for hand-drawn corrections, and it
/// bounds the drawing work of one click.
pub const MAX_STROKE_POINTS: usize = 20_000;

/// A `w`×`h` mask (255 = under a stroke) of round-capped polylines `width` px wide. Each stroke
/// is a list of points in image pixels; a single point draws a dot.
pub fn rasterize_strokes(
    w: u32,
    h: u32,
    strokes: &[Vec<[f32; 2]>],
    width: f32,
) -> Result<GrayImage, SelectError> {
    let points: usize = strokes.iter().map(Vec::len).sum();
    if points > MAX_STROKE_POINTS {
        return Err(SelectError::Invalid(format!(
            "the strokes have {points} points; at most {MAX_STROKE_POINTS} are accepted"
        )));
    }
    if !(width.is_finite() && width >= 1.0 && width <= w.max(h) as f32) {
        return Err(SelectError::Invalid(format!(
            "a stroke width of {width} px is not between 1 and the image's side"
        )));
    }
    let mut mask = GrayImage::new(w, h);
    let radius = (width / 2.0).max(0.5);
    for stroke in strokes {
        if let Some(bad) = stroke.iter().find(|p| !p.iter().all(|v| v.is_finite())) {
            return Err(SelectError::Invalid(format!("a stroke point {bad:?} is not a number")));
        }
        let Some(first) = stroke.first() else { continue };
        let mut prev = *first;
        dab(&mut mask, prev, radius);
        for &next in &stroke[1..] {
            // Dabs half a radius apart leave no gaps between them.
            let length = ((next[0] - prev[0]).powi(2) + (next[1] - prev[1]).powi(2)).sqrt();
            let steps = (length / (radius / 2.0).max(0.5)).ceil().min(10_000.0) as usize;
            for s in 1..=steps {
                let t = s as f32 / steps as f32;
                dab(
                    &mut mask,
                    [prev[0] + t * (next[0] - prev[0]), prev[1] + t * (next[1] - prev[1])],
                    radius,
                );
            }
            prev = next;
        }
    }
    Ok(mask)
}

fn dab(mask: &mut GrayImage, at: [f32; 2], radius: f32) {
    // Points off the image still paint the part of the dab that falls inside it.
    let centre = (at[0].round().clamp(-1e6, 1e6) as i32, at[1].round().clamp(-1e6, 1e6) as i32);
    draw_filled_circle_mut(mask, centre, radius.round().max(0.0) as i32, Luma([255]));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stroke_covers_its_line_and_nothing_far_from_it() {
        let mask = rasterize_strokes(100, 60, &[vec![[10.0, 30.0], [90.0, 30.0]]], 6.0).unwrap();
        for x in 10..=90 {
            assert_eq!(mask.get_pixel(x, 30)[0], 255, "gap at x={x}");
        }
        assert_eq!(mask.get_pixel(50, 40)[0], 0);
        assert_eq!(mask.get_pixel(95, 30)[0], 0);
        let on = mask.pixels().filter(|p| p[0] > 127).count();
        // About 80 px long and 6 wide, plus round caps.
        assert!((400..=620).contains(&on), "{on} px");
    }

    #[test]
    fn bad_strokes_are_refused_with_a_reason() {
        let too_wide = rasterize_strokes(10, 10, &[vec![[1.0, 1.0]]], 500.0).unwrap_err();
        assert!(too_wide.to_string().contains("500"), "{too_wide}");
        let nan = rasterize_strokes(10, 10, &[vec![[f32::NAN, 1.0]]], 3.0).unwrap_err();
        assert!(nan.to_string().contains("not a number"), "{nan}");
        let many = vec![vec![[1.0, 1.0]; MAX_STROKE_POINTS + 1]];
        assert!(rasterize_strokes(10, 10, &many, 3.0).is_err());
    }
}
