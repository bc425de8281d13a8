//! Arm-versus-arm comparison of an ad metric, with a winner / loser / inconclusive verdict.

use serde::{Deserialize, Serialize};

use super::ad_metrics::{AdDay, AdMetric, VarianceModel, ad_windows, arm_metric};
use super::clustered::{ad_clustered, clustered_infer};
use super::correction::{Correction, adjust_p_values};
use super::error::{Result, check_alpha};
use super::inference::{Inference, Method, infer};
use super::lift::Difference;
use super::summary::MetricSummary;

/// What the data says about the treatment, taking the metric's direction into account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Significantly better than control (lower for costs).
    Winner,
    /// Significantly worse than control.
    Loser,
    /// Not enough evidence either way.
    Inconclusive,
}

/// How to compare two arms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ArmTest {
    /// The metric to compare.
    pub metric: AdMetric,
    /// Variance model for both arms.
    pub variance: VarianceModel,
    /// Test method.
    pub method: Method,
    /// Relative (default) or absolute lift.
    pub difference: Difference,
    /// Significance level; Bayesian verdicts need a chance to be better of at least 1 − alpha.
    pub alpha: f64,
}

impl ArmTest {
    /// Frequentist, relative, α = 0.05, the ad as the unit of variance.
    pub fn new(metric: AdMetric) -> Self {
        Self {
            metric,
            variance: VarianceModel::default(),
            method: Method::Frequentist,
            difference: Difference::Relative,
            alpha: 0.05,
        }
    }
}

/// The full result of one arm-versus-arm comparison.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ArmComparison {
    pub metric: AdMetric,
    /// The variance model that was used.
    pub variance: VarianceModel,
    pub control: MetricSummary,
    pub treatment: MetricSummary,
    /// Lift, interval and p-value or chance to win (P(metric rises)).
    pub inference: Inference,
    /// Bayesian only: P(treatment is better), i.e. P(metric falls) for costs.
    pub chance_to_be_better: Option<f64>,
    pub verdict: Verdict,
}

/// Compares `treatment` rows against `control` rows on `test.metric`.
pub fn compare_arms(
    control: &[AdDay],
    treatment: &[AdDay],
    test: &ArmTest,
) -> Result<ArmComparison> {
    let (a, b, inference) = if test.variance == VarianceModel::AdClustered {
        let a = ad_clustered(&ad_windows(control), test.metric)?;
        let b = ad_clustered(&ad_windows(treatment), test.metric)?;
        let inference = clustered_infer(&a, &b, test.difference, &test.method, test.alpha)?;
        (a.summary, b.summary, inference)
    } else {
        let a = arm_metric(control, test.metric, test.variance)?;
        let b = arm_metric(treatment, test.metric, test.variance)?;
        let inference = infer(&a, &b, test.difference, &test.method, test.alpha)?;
        (a, b, inference)
    };
    let better_if_up = !test.metric.lower_is_better();
    let chance_to_be_better =
        inference.chance_to_win.map(|ctw| if better_if_up { ctw } else { 1.0 - ctw });
    let verdict = verdict_of(&inference, chance_to_be_better, better_if_up, test.alpha);
    Ok(ArmComparison {
        metric: test.metric,
        variance: test.variance,
        control: a,
        treatment: b,
        inference,
        chance_to_be_better,
        verdict,
    })
}

/// Replaces the p-values of several treatment-versus-control comparisons (one experiment, one metric) by
/// their multiple-testing-adjusted values and re-derives the verdicts. Bayesian results, which carry no
/// p-value, are left as they are; intervals are not widened.
pub fn correct_comparisons(
    comparisons: &mut [ArmComparison],
    correction: Correction,
    alpha: f64,
) -> Result<()> {
    let alpha = check_alpha(alpha)?;
    let raw: Vec<f64> = comparisons.iter().filter_map(|c| c.inference.p_value).collect();
    let mut adjusted = adjust_p_values(&raw, correction)?.into_iter();
    for c in comparisons.iter_mut().filter(|c| c.inference.p_value.is_some()) {
        c.inference.p_value = adjusted.next();
        c.verdict = verdict_of(&c.inference, None, !c.metric.lower_is_better(), alpha);
    }
    Ok(())
}

/// Significant p (or a decisive chance to be better) decides; the sign and the metric's direction say which way.
pub fn verdict_of(inf: &Inference, better: Option<f64>, better_if_up: bool, alpha: f64) -> Verdict {
    match (inf.p_value, better) {
        (Some(p), _) if p < alpha => {
            if (inf.lift > 0.0) == better_if_up {
                Verdict::Winner
            } else {
                Verdict::Loser
            }
        }
        (None, Some(b)) if b >= 1.0 - alpha => Verdict::Winner,
        (None, Some(b)) if b <= alpha => Verdict::Loser,
        _ => Verdict::Inconclusive,
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    /// 20 ad-days with a small deterministic wobble; `cost` scales spend per conversion.
    fn arm(prefix: &str, cost: f64) -> Vec<AdDay> {
        (0..20)
            .map(|i| {
                let conversions = 20.0 + f64::from(i % 5);
                AdDay {
                    ad_id: format!("{prefix}{}", i % 4),
                    date: NaiveDate::from_ymd_opt(2026, 3, 1 + i / 4).unwrap(),
                    impressions: 10_000 + 100 * u64::from(i),
                    clicks: 200 + u64::from(i % 7),
                    spend: conversions * cost * (1.0 + 0.02 * f64::from(i % 3)),
                    conversions,
                    revenue: conversions * 40.0,
                }
            })
            .collect()
    }

    #[test]
    fn cheaper_acquisition_wins_although_the_lift_is_negative() {
        let r =
            compare_arms(&arm("a", 10.0), &arm("b", 8.0), &ArmTest::new(AdMetric::Cpa)).unwrap();
        assert!(r.inference.lift < -0.15);
        assert!(r.inference.p_value.unwrap() < 0.001);
        assert_eq!(r.verdict, Verdict::Winner);
        let r =
            compare_arms(&arm("a", 8.0), &arm("b", 10.0), &ArmTest::new(AdMetric::Cpa)).unwrap();
        assert_eq!(r.verdict, Verdict::Loser);
    }

    #[test]
    fn roas_falls_when_cost_rises_and_bayesian_agrees() {
        let mut test = ArmTest::new(AdMetric::Roas);
        test.method = Method::Bayesian { prior: None };
        let r = compare_arms(&arm("a", 8.0), &arm("b", 10.0), &test).unwrap();
        assert_eq!(r.verdict, Verdict::Loser);
        assert!(r.chance_to_be_better.unwrap() < 0.01);
        assert_eq!(r.inference.p_value, None);
        // For a cost the chance to be better is P(lift < 0).
        test.metric = AdMetric::Cpa;
        let r = compare_arms(&arm("a", 10.0), &arm("b", 8.0), &test).unwrap();
        assert!(r.chance_to_be_better.unwrap() > 0.99);
        assert_eq!(r.verdict, Verdict::Winner);
    }

    #[test]
    fn holm_correction_can_turn_a_winner_inconclusive() {
        let r =
            compare_arms(&arm("a", 10.0), &arm("b", 8.0), &ArmTest::new(AdMetric::Cpa)).unwrap();
        let with_p = |p: f64| {
            let mut c = r;
            c.inference.p_value = Some(p);
            c.verdict = verdict_of(&c.inference, None, false, 0.05);
            c
        };
        let mut arms = [with_p(0.03), with_p(0.2)];
        assert_eq!(arms[0].verdict, Verdict::Winner);
        correct_comparisons(&mut arms, Correction::HolmBonferroni, 0.05).unwrap();
        // Holm: 2 × 0.03 = 0.06, max(0.2, 0.06) = 0.2.
        assert_eq!(arms.map(|c| c.inference.p_value.unwrap()), [0.06, 0.2]);
        assert_eq!(arms[0].verdict, Verdict::Inconclusive);
        let mut arms = [with_p(0.001), with_p(0.2)];
        correct_comparisons(&mut arms, Correction::BenjaminiHochberg, 0.05).unwrap();
        assert_eq!(arms[0].verdict, Verdict::Winner);
    }

    #[test]
    fn identical_arms_are_inconclusive() {
        let mut test = ArmTest::new(AdMetric::Ctr);
        for method in [
            Method::Frequentist,
            Method::Sequential { tuning: 5000.0 },
            Method::Bayesian { prior: None },
        ] {
            test.method = method;
            let r = compare_arms(&arm("a", 10.0), &arm("b", 10.0), &test).unwrap();
            assert_eq!(r.inference.lift, 0.0);
            assert_eq!(r.verdict, Verdict::Inconclusive);
        }
    }
}
