//! The sample-ratio check on what the team planned. Ad impressions are neither randomized nor
//! independent (the platform's delivery decides them, and they arrive in correlated ad-days), so a
//! chi-square on them flags almost every experiment: 1M impressions split 50.5/49.5 give p ≈ 1e-23.
//! What the team controls is which ads run in each arm (and their budgets): the alarm is a chi-square
//! of ads per arm against the plan; spend against the planned budget split and the impression test are
//! shown as advisory.

use analytics::stats::{SRM_THRESHOLD, StatsError, srm_check};

use super::views::{SrmArm, SrmBasis, SrmView};

/// Relative deviation of an arm's spend share from its planned share above which the page says so.
const BUDGET_TOLERANCE: f64 = 0.25;

/// One arm's planned weight and what it delivered.
#[derive(Debug, Clone)]
pub struct SrmInput {
    pub label: String,
    /// Planned weight (any positive scale).
    pub weight: f64,
    /// Ads with data in the window.
    pub ads: u64,
    /// Σ spend.
    pub spend: f64,
    /// Σ impressions.
    pub impressions: f64,
}

/// Runs the check; `None` when fewer than two arms or no ads at all.
pub fn check(arms: &[SrmInput]) -> Result<Option<SrmView>, StatsError> {
    let total_ads: u64 = arms.iter().map(|a| a.ads).sum();
    if arms.len() < 2 || total_ads == 0 {
        return Ok(None);
    }
    let weights: Vec<f64> = arms.iter().map(|a| a.weight).collect();
    let total_weight: f64 = weights.iter().sum();
    let ads: Vec<f64> = arms.iter().map(|a| a.ads as f64).collect();
    let by_ads = srm_check(&ads, &weights)?;
    let impressions: Vec<f64> = arms.iter().map(|a| a.impressions).collect();
    let by_impressions = srm_check(&impressions, &weights)?;
    let total_spend: f64 = arms.iter().map(|a| a.spend).sum();
    let total_impressions: f64 = impressions.iter().sum();
    let share = |x: f64, total: f64| if total > 0.0 { x / total } else { 0.0 };
    let rows: Vec<SrmArm> = arms
        .iter()
        .map(|a| SrmArm {
            label: a.label.clone(),
            ads: a.ads,
            planned_ads: a.weight / total_weight * total_ads as f64,
            planned_share: a.weight / total_weight,
            spend_share: share(a.spend, total_spend),
            impression_share: share(a.impressions, total_impressions),
        })
        .collect();
    let off_budget: Vec<String> = rows
        .iter()
        .filter(|r| {
            total_spend > 0.0 && (r.spend_share / r.planned_share - 1.0).abs() > BUDGET_TOLERANCE
        })
        .map(|r| {
            format!(
                "{} spent {:.1} % against a planned {:.1} %",
                r.label,
                100.0 * r.spend_share,
                100.0 * r.planned_share
            )
        })
        .collect();
    let budget_note = (!off_budget.is_empty()).then(|| {
        format!(
            "Spend strays from the planned split by more than {:.0} %: {}. Check the budgets; \
             the statistics stay valid because the ad is the unit.",
            100.0 * BUDGET_TOLERANCE,
            off_budget.join("; ")
        )
    });
    Ok(Some(SrmView {
        basis: SrmBasis::AdsVsPlan,
        chi_square: by_ads.chi_square,
        p_value: by_ads.p_value,
        mismatch: by_ads.mismatch,
        threshold: SRM_THRESHOLD,
        arms: rows,
        budget_note,
        impressions_chi_square: by_impressions.chi_square,
        impressions_p_value: by_impressions.p_value,
        impressions_reason: "Advisory only: impressions are not randomized (the platform's delivery \
                             optimizes them) and are not independent, so a chi-square on them flags \
                             nearly every ad experiment."
            .into(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arm(label: &str, ads: u64, spend: f64, impressions: f64) -> SrmInput {
        SrmInput { label: label.into(), weight: 1.0, ads, spend, impressions }
    }

    #[test]
    fn a_lopsided_impression_split_is_advisory_but_missing_ads_alarm() {
        // 505k vs 495k impressions: χ² = 100, p ≈ 1.5e-23 on impressions, yet the plan was kept.
        let r = check(&[arm("a", 6, 100.0, 505_000.0), arm("b", 6, 100.0, 495_000.0)])
            .unwrap()
            .unwrap();
        assert!(r.impressions_p_value < 1e-20);
        assert!(!r.mismatch);
        assert_eq!(r.chi_square, 0.0);
        assert!(r.budget_note.is_none());
        // 40 planned ads per arm, one arm got 10 (a mapping mistake): χ² = 18, p ≈ 2.2e-5.
        let r = check(&[arm("a", 40, 100.0, 1e5), arm("b", 10, 50.0, 1e5)]).unwrap().unwrap();
        assert!(r.mismatch, "{r:?}");
        assert!(r.budget_note.unwrap().contains("b spent 33.3 %"));
        assert!(check(&[arm("a", 0, 0.0, 0.0), arm("b", 0, 0.0, 0.0)]).unwrap().is_none());
    }
}
