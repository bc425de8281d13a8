//! Gradient-domain (Poisson) blending of a fill into its hole, after Pérez et al. (2003).
//!
//! A patch fill copies texture from elsewhere in the photo, so where it meets the hole's edge its
//! colour is often off by a little (other light, a slightly different tone): a visible seam. The
//! fix keeps the fill's gradients and lets its absolute colour float: inside the hole the output
//! is `prediction + c`, where `c` is the smooth (harmonic) correction that makes the prediction
//! meet the known pixels around the hole exactly. Solving for `c` rather than for the colours
//! makes the right-hand side tiny and the conjugate-gradient solve short.

use tch::{Kind, Tensor};

/// Iterations after which the solve stops even if not converged; a 200 px hole needs ~150.
const MAX_ITERS: i64 = 400;
/// Relative residual at which the correction is visually exact (far below one 8-bit level).
const TOLERANCE: f64 = 1e-4;

/// Blends `pred` into `known` over `hole` ([H,W] bool); both images are [C,H,W]. `pred` must be
/// meaningful on the hole and on the pixels next to it (its own estimate of the known ring);
/// the result equals `known` outside the hole.
pub(super) fn poisson_blend(known: &Tensor, pred: &Tensor, hole: &Tensor) -> Tensor {
    let (c, h, w) = (known.size()[0], known.size()[1], known.size()[2]);
    let idx = hole.nonzero();
    if idx.size()[0] == 0 {
        return known.shallow_clone();
    }
    let lo = idx.amin([0i64].as_slice(), false);
    let hi = idx.amax([0i64].as_slice(), false);
    let (lo, hi) = match (Vec::<i64>::try_from(&lo), Vec::<i64>::try_from(&hi)) {
        (Ok(lo), Ok(hi)) => (lo, hi),
        _ => return known.where_self(&hole.logical_not(), pred),
    };
    // The solve only needs the hole's bounding box plus the ring of known pixels around it.
    let (y0, x0) = ((lo[0] - 1).max(0), (lo[1] - 1).max(0));
    let (y1, x1) = ((hi[0] + 2).min(h), (hi[1] + 2).min(w));
    let sub = |t: &Tensor| t.narrow(-2, y0, y1 - y0).narrow(-1, x0, x1 - x0);
    let omega = sub(hole).to_kind(Kind::Float).unsqueeze(0).unsqueeze(0);
    let (k, p) = (sub(known).unsqueeze(1), sub(pred).unsqueeze(1));

    let cross = Tensor::from_slice(&[0f32, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0])
        .view([1, 1, 3, 3])
        .to_device(known.device());
    let neighbours = |x: &Tensor| x.conv2d(&cross, None::<Tensor>, [1, 1], [1, 1], [1, 1], 1);
    // Zero padding gives pixels on the image's border fewer neighbours: a free (Neumann) edge.
    let degree = neighbours(&omega.ones_like()) * &omega;
    let apply = |x: &Tensor| (&degree * x - neighbours(x)) * &omega;

    // Dirichlet values: how far the prediction is from the truth on the known ring.
    let boundary = (&k - &p) * (1.0 - &omega);
    let b = neighbours(&boundary) * &omega;
    let dot = |a: &Tensor, b: &Tensor| {
        (a * b).sum_dim_intlist([1i64, 2, 3].as_slice(), true, Kind::Float)
    };

    let mut x = b.zeros_like();
    let mut r = b.shallow_clone();
    let mut d = r.shallow_clone();
    let mut rr = dot(&r, &r);
    let b_norm = rr.max().double_value(&[]).max(1e-20);
    for it in 0..MAX_ITERS {
        let ad = apply(&d);
        let alpha = &rr / dot(&d, &ad).clamp_min(1e-30);
        x += &alpha * &d;
        r -= &alpha * &ad;
        let rr_next = dot(&r, &r);
        // Reading the residual back syncs a GPU, so only every 8th iteration checks it.
        if it % 8 == 7 && rr_next.max().double_value(&[]) / b_norm < TOLERANCE * TOLERANCE {
            break;
        }
        d = &r + (&rr_next / rr.clamp_min(1e-30)) * &d;
        rr = rr_next;
    }
    let blended = (p + x).squeeze_dim(1);
    let region = known.narrow(-2, y0, y1 - y0).narrow(-1, x0, x1 - x0);
    let out = known.copy();
    out.narrow(-2, y0, y1 - y0).narrow(-1, x0, x1 - x0).copy_(
        &region.where_self(&sub(hole).logical_not().expand([c, y1 - y0, x1 - x0], false), &blended),
    );
    out
}

#[cfg(test)]
mod tests {
    use tch::{Device, Kind, Tensor};

    use super::poisson_blend;

    #[test]
    fn an_offset_fill_is_pulled_to_its_surroundings_and_keeps_its_gradients() {
        // The truth is a horizontal ramp; the prediction is the same ramp 0.3 too bright, a
        // seam a patch fill leaves when it copies from a brighter part of the photo.
        let (h, w) = (20i64, 30i64);
        let ramp = Tensor::arange(w, (Kind::Float, Device::Cpu)).view([1, 1, w]) / 100.0;
        let truth = ramp.expand([3, h, w], false).contiguous();
        let hole = Tensor::zeros([h, w], (Kind::Bool, Device::Cpu));
        let _ = hole.narrow(0, 5, 10).narrow(1, 8, 12).fill_(1);
        let known = &truth * hole.logical_not().to_kind(Kind::Float);
        let pred = &truth + 0.3;
        let out = poisson_blend(&known, &pred, &hole);
        let err = (&out - &truth).abs().max().double_value(&[]);
        assert!(err < 1e-3, "largest error {err}");
        // Outside the hole the known pixels come back unchanged.
        let outside = (&out - &known).abs() * hole.logical_not().to_kind(Kind::Float);
        assert_eq!(outside.max().double_value(&[]), 0.0);
    }

    #[test]
    fn a_hole_on_the_image_border_uses_a_free_edge() {
        let (h, w) = (16i64, 16i64);
        let truth = Tensor::full([3, h, w], 0.5, (Kind::Float, Device::Cpu));
        let hole = Tensor::zeros([h, w], (Kind::Bool, Device::Cpu));
        let _ = hole.narrow(0, 0, 6).narrow(1, 0, 6).fill_(1);
        let known = &truth * hole.logical_not().to_kind(Kind::Float);
        let out = poisson_blend(&known, &(&truth - 0.2), &hole);
        let err = (&out - &truth).abs().max().double_value(&[]);
        assert!(err < 1e-3, "largest error {err}");
    }
}
