//! The ad as the unit of variance. Ad-days of one ad share its audience, placement and CTR for the
//! ad's whole life, so they are not independent; each ad's sums over the analysis window are one
//! observation, and the ratio's variance comes from the spread of those per-ad sums.
//!
//! Two small-sample corrections keep the test honest with a handful of ads (both chosen on the A/A grid
//! of `aa_sim`):
//! - the variance is the leverage-corrected (CR2-style) delta method: ad j's residual
//!   e_j = m_j − R·d_j is inflated by 1/(1 − h_j) with h_j = d_j / Σd, its share of the denominator.
//!   With equal volumes this is exactly the usual n/(n − 1) delta method; with one big ad it stops the
//!   big ad from hiding its own deviation;
//! - the t degrees of freedom count effective ads, (Σd)² / Σd² − 1 per arm (Welch–Satterthwaite across
//!   the arms), so ten ads of which one carries most of the volume are not treated as ten.
//!
//! On the A/A grid (ad volume CV 0.8) the plain delta method with n − 1 degrees of freedom reaches
//! 0.06–0.09 with 4–10 ads per arm; weighting the degrees of freedom by d² instead of d falls to 0.02;
//! this pair stays within 0.03–0.06.

use serde::{Deserialize, Serialize};

use super::ad_metrics::{AdMetric, AdSums};
use super::bayesian::bayesian_test;
use super::dist::t_ppf;
use super::error::{Result, StatsError, check_alpha};
use super::frequentist::t_test;
use super::inference::{Inference, Method};
use super::lift::{Difference, lift};
use super::sequential::confidence_sequence;
use super::summary::MetricSummary;

/// One ad's sums over the analysis window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct AdWindow {
    /// Ad-days with data inside the window; an ad without any is not a unit.
    pub ad_days: u64,
    /// The ad's sums over those days.
    pub sums: AdSums,
}

/// An arm's metric with the ad as the unit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClusteredSummary {
    /// n = ads, mean = Σm/Σd (scaled), and `variance / n` the leverage-corrected variance of the mean.
    pub summary: MetricSummary,
    /// Effective degrees of freedom of the variance estimate, between 1 and ads − 1.
    pub dof: f64,
}

/// How much replication an arm comparison has, from the fewer ads of its two arms. The thresholds are
/// the A/A grid's (`liftmask stats aa`): from 4 ads per arm the default test stays within [0.03, 0.07]
/// in every scenario; with 2–3 it measured 0.024–0.038, conservative with little power, so it is not
/// validated; with 1 ad there is no between-ad variance at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Replication {
    /// At least [`MIN_REPLICATED_ADS`] ads in each arm: the result generalizes to the arm's creative.
    Replicated,
    /// 2 or 3 ads in the smaller arm: conservative and wide, not validated by the grid.
    FewAds,
    /// One ad in an arm: the comparison holds for those ads only.
    None,
}

/// Ads per arm from which the A/A grid keeps the false-positive rate within [0.03, 0.07].
pub const MIN_REPLICATED_ADS: u64 = 4;

impl Replication {
    /// The replication of a comparison whose smaller arm has `ads` ads.
    pub fn of(ads: u64) -> Self {
        match ads {
            0 | 1 => Self::None,
            n if n < MIN_REPLICATED_ADS => Self::FewAds,
            _ => Self::Replicated,
        }
    }

    /// What a reader must know before acting on the result, if anything.
    pub fn caveat(self, ads: u64) -> Option<String> {
        match self {
            Self::Replicated => None,
            Self::FewAds => Some(format!(
                "only {ads} ads in the smaller arm: the A/A grid validates the ad as the unit from \
                 {MIN_REPLICATED_ADS} ads per arm; with fewer the test is conservative (it measured \
                 false-positive rates of 0.024–0.038) and can miss real effects"
            )),
            Self::None => Some(
                "one ad per arm: no replication, so ad-to-ad differences cannot be told from the \
                 edit; the result holds for these ads only (ad-day variance) and is not a winner \
                 call for the edit"
                    .to_string(),
            ),
        }
    }
}

/// The arm's `metric` with the ad as the unit. Ads without ad-days are skipped; at least two must
/// remain, and no single ad may carry the whole denominator.
pub fn ad_clustered(ads: &[AdWindow], metric: AdMetric) -> Result<ClusteredSummary> {
    let units: Vec<(f64, f64)> =
        ads.iter().filter(|a| a.ad_days > 0).map(|a| metric.parts_of(&a.sums)).collect();
    for &(m, d) in &units {
        if !(m.is_finite() && d.is_finite() && m >= 0.0 && d >= 0.0) {
            return Err(StatsError::InvalidInput(format!(
                "ad sums must be non-negative numbers, got {m} / {d}"
            )));
        }
    }
    let n = units.len();
    if n < 2 {
        return Err(StatsError::InvalidInput(format!(
            "the ad-clustered variance needs at least 2 ads with data, got {n}"
        )));
    }
    let sum_m: f64 = units.iter().map(|u| u.0).sum();
    let sum_d: f64 = units.iter().map(|u| u.1).sum();
    if sum_d <= 0.0 {
        return Err(StatsError::InvalidInput(format!(
            "{}: the denominator is zero, so the ratio is undefined",
            metric.name()
        )));
    }
    let ratio = sum_m / sum_d;
    let mut corrected = 0.0;
    for &(m, d) in &units {
        let keep = 1.0 - d / sum_d;
        if keep <= 1e-12 {
            return Err(StatsError::InvalidInput(format!(
                "{}: one ad carries the whole denominator, so there is no replication",
                metric.name()
            )));
        }
        corrected += (m - ratio * d).powi(2) / keep;
    }
    let variance_of_mean = corrected / (sum_d * sum_d);
    let scale = metric.scale();
    let d2: f64 = units.iter().map(|&(_, d)| d * d).sum();
    let effective = if d2 > 0.0 { sum_d * sum_d / d2 } else { n as f64 };
    let dof = (effective - 1.0).clamp(1.0, (n - 1) as f64);
    Ok(ClusteredSummary {
        summary: MetricSummary {
            n: n as u64,
            mean: ratio * scale,
            variance: variance_of_mean * n as f64 * scale * scale,
        },
        dof,
    })
}

/// Welch–Satterthwaite degrees of freedom of the lift from each arm's own degrees of freedom.
pub fn clustered_dof(
    control: &ClusteredSummary,
    treatment: &ClusteredSummary,
    difference: Difference,
) -> f64 {
    let (a, b) = (&control.summary, &treatment.summary);
    let (va, vb) = (a.variance_of_mean(), b.variance_of_mean());
    let (ta, tb) = match difference {
        Difference::Relative => (va * b.mean.powi(2) / a.mean.powi(4), vb / a.mean.powi(2)),
        Difference::Absolute => (va, vb),
    };
    let denom = ta * ta / control.dof + tb * tb / treatment.dof;
    if denom > 0.0 { (ta + tb).powi(2) / denom } else { control.dof + treatment.dof }
}

/// Runs `method` on the lift of `treatment` over `control`, the frequentist test with t on the
/// cluster-based degrees of freedom and the sequential one counting ads.
pub fn clustered_infer(
    control: &ClusteredSummary,
    treatment: &ClusteredSummary,
    difference: Difference,
    method: &Method,
    alpha: f64,
) -> Result<Inference> {
    let alpha = check_alpha(alpha)?;
    let l = lift(&control.summary, &treatment.summary, difference)?;
    match method {
        Method::Frequentist => t_test(l, clustered_dof(control, treatment, difference), alpha),
        Method::Sequential { tuning } => {
            confidence_sequence(l, control.summary.n + treatment.summary.n, alpha, *tuning)
        }
        Method::Bayesian { prior } => bayesian_test(l, alpha, prior.as_ref()),
    }
}

/// The two-sided 1 − α interval of one arm's metric with the ad as the unit: mean ± t·se, with t on
/// the arm's effective degrees of freedom, so a slice with a few ads (one placement of an arm) gets
/// the same small-sample honesty as the comparisons.
pub fn arm_interval(arm: &ClusteredSummary, alpha: f64) -> Result<(f64, f64)> {
    let alpha = check_alpha(alpha)?;
    let half_width = t_ppf(1.0 - alpha / 2.0, arm.dof)? * arm.summary.variance_of_mean().sqrt();
    Ok((arm.summary.mean - half_width, arm.summary.mean + half_width))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ad(impressions: f64, clicks: f64) -> AdWindow {
        AdWindow {
            ad_days: 7,
            sums: AdSums { impressions, clicks, spend: impressions / 100.0, ..AdSums::default() },
        }
    }

    #[test]
    fn equal_volumes_give_the_plain_delta_method() {
        // Plain delta method (numpy, ddof = 1) on m = [10, 14, 12], d = [1000] × 3:
        // var(m − R d)/(n d̄²) = 4 / (3 · 10⁶) per mean → 4e-6 per unit.
        let s =
            ad_clustered(&[ad(1000.0, 10.0), ad(1000.0, 14.0), ad(1000.0, 12.0)], AdMetric::Ctr)
                .unwrap();
        assert_eq!(s.summary.n, 3);
        assert!((s.summary.mean - 0.012).abs() < 1e-15);
        assert!((s.summary.variance - 4e-6).abs() < 1e-18, "{}", s.summary.variance);
        assert_eq!(s.dof, 2.0);
    }

    #[test]
    fn the_arm_interval_is_t_on_the_cluster_dof() {
        // mean 0.012, variance of the mean 4e-6 / 3, 2 dof: t(0.975, 2) = 4.302652729911275 (scipy).
        let s =
            ad_clustered(&[ad(1000.0, 10.0), ad(1000.0, 14.0), ad(1000.0, 12.0)], AdMetric::Ctr)
                .unwrap();
        let (lo, hi) = arm_interval(&s, 0.05).unwrap();
        let half = 4.302652729911275 * (4e-6f64 / 3.0).sqrt();
        assert!((lo - (0.012 - half)).abs() < 1e-9, "{lo}");
        assert!((hi - (0.012 + half)).abs() < 1e-9, "{hi}");
        let (lo90, hi90) = arm_interval(&s, 0.10).unwrap();
        assert!(lo90 > lo && hi90 < hi, "a 90 % interval is narrower");
        assert!(arm_interval(&s, 1.5).is_err());
    }

    #[test]
    fn a_dominant_ad_gets_leverage_and_fewer_degrees_of_freedom() {
        // d = [8000, 1000, 1000], m = [80, 15, 5]: R = 0.01, e = [0, 5, −5], h = [0.8, 0.1, 0.1].
        // CR2: (25/0.9 + 25/0.9) / 10⁸ = 5.5556e-7 per mean; effective ads 10⁸ / 66e6 = 1.52 → 1 dof.
        let s = ad_clustered(&[ad(8000.0, 80.0), ad(1000.0, 15.0), ad(1000.0, 5.0)], AdMetric::Ctr)
            .unwrap();
        assert!((s.summary.variance_of_mean() - 50.0 / 0.9 / 1e8).abs() < 1e-20);
        assert_eq!(s.dof, 1.0);
        let cpm = ad_clustered(&[ad(1000.0, 1.0), ad(3000.0, 2.0)], AdMetric::Cpm).unwrap();
        assert!((cpm.summary.mean - 10.0).abs() < 1e-12);
    }

    #[test]
    fn one_ad_or_one_carrier_is_refused() {
        assert!(ad_clustered(&[ad(1000.0, 10.0)], AdMetric::Ctr).is_err());
        let empty = AdWindow::default();
        assert!(ad_clustered(&[ad(1000.0, 10.0), empty], AdMetric::Ctr).is_err());
        assert!(ad_clustered(&[ad(1000.0, 10.0), ad(0.0, 0.0)], AdMetric::Ctr).is_err());
    }

    #[test]
    fn replication_thresholds() {
        assert_eq!(Replication::of(1), Replication::None);
        assert_eq!(Replication::of(3), Replication::FewAds);
        assert_eq!(Replication::of(4), Replication::Replicated);
        assert!(Replication::None.caveat(1).unwrap().contains("these ads only"));
        assert!(Replication::Replicated.caveat(9).is_none());
    }

    #[test]
    fn t_uses_cluster_dof() {
        let a = ad_clustered(
            &[ad(1000.0, 10.0), ad(1000.0, 14.0), ad(1000.0, 12.0), ad(1000.0, 12.0)],
            AdMetric::Ctr,
        )
        .unwrap();
        let b = ad_clustered(
            &[ad(1000.0, 13.0), ad(1000.0, 17.0), ad(1000.0, 15.0), ad(1000.0, 15.0)],
            AdMetric::Ctr,
        )
        .unwrap();
        // Same spread in both arms: Welch gives 3 + 3 = 6 only when the terms are equal; here the
        // relative-lift terms differ, so the dof lies between 3 and 6.
        let dof = clustered_dof(&a, &b, Difference::Relative);
        assert!(dof > 3.0 && dof < 6.0, "{dof}");
        let inf =
            clustered_infer(&a, &b, Difference::Relative, &Method::Frequentist, 0.05).unwrap();
        assert!((inf.lift - 0.25).abs() < 1e-12);
        let z_p = 2.0 * super::super::dist::norm_sf(inf.lift / inf.se);
        assert!(inf.p_value.unwrap() > z_p, "t tails are heavier than z");
    }
}
