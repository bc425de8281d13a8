//! Thin, panic-free wrappers over the statrs distributions the tests need.

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

use super::error::{Result, dist_err};

/// Standard normal CDF Φ(x).
pub(crate) fn norm_cdf(x: f64) -> f64 {
    Normal::standard().cdf(x)
}

/// Standard normal survival function 1 − Φ(x), accurate in the far tail.
pub(crate) fn norm_sf(x: f64) -> f64 {
    Normal::standard().sf(x)
}

/// Standard normal quantile Φ⁻¹(p) for p in (0, 1); callers validate p first.
pub(crate) fn norm_ppf(p: f64) -> f64 {
    // statrs asserts p ∈ [0, 1]; clamping keeps a NaN or rounding slip from panicking.
    let p = if p.is_nan() { 0.5 } else { p.clamp(0.0, 1.0) };
    Normal::standard().inverse_cdf(p)
}

/// Student t survival function with `dof` degrees of freedom.
pub(crate) fn t_sf(x: f64, dof: f64) -> Result<f64> {
    Ok(StudentsT::new(0.0, 1.0, dof).map_err(dist_err)?.sf(x))
}

/// Above this many degrees of freedom the Cornish–Fisher expansion is used for t quantiles.
const CORNISH_FISHER_DOF: f64 = 300.0;

/// Student t quantile with `dof` degrees of freedom, for p in (0, 1).
pub(crate) fn t_ppf(p: f64, dof: f64) -> Result<f64> {
    let p = if p.is_nan() { 0.5 } else { p.clamp(0.0, 1.0) };
    let t = StudentsT::new(0.0, 1.0, dof).map_err(dist_err)?;
    if dof > CORNISH_FISHER_DOF {
        // statrs inverts the incomplete beta function, which loses about 1e-4 at 10⁶ dof (the ad-data
        // regime: Welch dof ≈ impressions). The expansion in 1/ν (Abramowitz & Stegun 26.7.5) is exact
        // to ~1e-15 there.
        return Ok(cornish_fisher(norm_ppf(p), dof));
    }
    Ok(t.inverse_cdf(p))
}

/// t quantile from the normal quantile `z`: z + g₁/ν + g₂/ν² + g₃/ν³ + g₄/ν⁴.
fn cornish_fisher(z: f64, v: f64) -> f64 {
    let z2 = z * z;
    let g1 = z * (z2 + 1.0) / 4.0;
    let g2 = z * ((5.0 * z2 + 16.0) * z2 + 3.0) / 96.0;
    let g3 = z * (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) / 384.0;
    let g4 = z * ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) / 92160.0;
    z + (g1 + (g2 + (g3 + g4 / v) / v) / v) / v
}
