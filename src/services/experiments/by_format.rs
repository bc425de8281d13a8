//! Results split by placement. An arm's ads show either its source creative or one of its format
//! siblings, and the importer maps both to the same arm; only the ad name still says which (the
//! code's placement suffix, `LM-7F3K-916` → 9:16). Each arm × format gets the primary metric with
//! its interval and a lift over the control's same format, or over the control as a whole when the
//! control has no ads there. The ad is the unit, as in the arm comparisons, whatever variance model
//! the experiment chose: per-format daily sums are not in the rollup, and the ad-day unit is not
//! A/A-valid anyway. These lifts are exploratory (no correction across formats).

use std::collections::{BTreeMap, HashMap};

use ::imaging::Aspect;
use analytics::import::placement_suffix;
use analytics::stats::{
    AdMetric, AdSums, AdWindow, Difference, Inference, Replication, StatsError, VarianceModel,
    ad_clustered, arm_interval, clustered_infer,
};
use serde::Serialize;

use super::settings::Settings;
use super::views::ArmView;
use crate::db::reporting::ArmAdWindow;

/// The format name of ads that show the source creative itself.
pub const ORIGINAL: &str = "original";

/// The placement an ad's name declares: the suffix of its code, when it is one of the placements'.
/// The plain code, no code, or another suffix is the source creative.
pub fn format_of_name(ad_name: Option<&str>) -> Option<Aspect> {
    let suffix = placement_suffix(ad_name?)?;
    Aspect::ALL.into_iter().find(|a| a.code_suffix() == suffix)
}

/// What a format row's lift is measured against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FormatReference {
    /// The control's ads on the same format.
    SameFormat,
    /// Every control ad, because the control has none on this format.
    ControlOverall,
}

/// One arm on one format.
#[derive(Debug, Clone, Serialize)]
pub struct FormatRow {
    pub arm_id: i32,
    pub arm_label: String,
    /// The arm's variant code (`None` for the master).
    pub code: Option<String>,
    pub is_control: bool,
    /// `original`, `1:1`, `4:5`, `9:16` or `1.91:1`.
    pub format: &'static str,
    /// Ads of this arm on this format with data in the window.
    pub ads: u64,
    pub impressions: f64,
    /// The primary metric, ratio of sums; `None` when its denominator is zero.
    pub value: Option<f64>,
    /// The value's 1 − α interval with the ad as the unit (needs two ads).
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    /// What `lift` is over; `None` on the control's rows.
    pub reference: Option<FormatReference>,
    /// Relative lift over the reference, with the experiment's method.
    pub lift: Option<Inference>,
    /// What the fewer ads of the two sides allow the lift to say.
    pub replication: Option<Replication>,
    /// Why the interval or the lift is missing.
    pub note: Option<String>,
}

/// The split, present when at least one arm has ads on more than one format.
#[derive(Debug, Clone, Serialize)]
pub struct ByFormatView {
    /// The experiment's primary metric, the one split.
    pub metric: AdMetric,
    /// Arms in the results' order, then formats, original first.
    pub rows: Vec<FormatRow>,
}

/// 0 for the original, then the placements in [`Aspect::ALL`] order.
fn format_rank(format: Option<Aspect>) -> usize {
    format.and_then(|f| Aspect::ALL.iter().position(|&a| a == f)).map_or(0, |i| i + 1)
}

fn format_name(rank: usize) -> &'static str {
    rank.checked_sub(1).and_then(|i| Aspect::ALL.get(i)).map_or(ORIGINAL, |a| a.as_str())
}

/// The metric as a ratio of the ads' summed parts, scaled like the arm totals.
fn ratio_value(ads: &[AdWindow], metric: AdMetric) -> Option<f64> {
    let (num, den) = ads.iter().fold((0.0, 0.0), |(n, d), a| {
        let (an, ad) = metric.parts_of(&a.sums);
        (n + an, d + ad)
    });
    (den > 0.0).then(|| metric.scale() * num / den)
}

/// The relative lift of `treatment` over `reference` with the ad as the unit.
fn lift(
    reference: &[AdWindow],
    treatment: &[AdWindow],
    metric: AdMetric,
    settings: &Settings,
) -> Result<(Inference, Replication), StatsError> {
    let a = ad_clustered(reference, metric)?;
    let b = ad_clustered(treatment, metric)?;
    let tuning = settings.tuning(VarianceModel::AdClustered, a.summary.n + b.summary.n);
    let method = settings.method.method(tuning);
    let inference = clustered_infer(&a, &b, Difference::Relative, &method, settings.alpha)?;
    Ok((inference, Replication::of(a.summary.n.min(b.summary.n))))
}

/// Splits each arm's ads with data by the format their names declare; `None` when no arm has ads
/// on more than one format (the split would repeat the arm table).
pub fn split_by_format(
    arms: &[ArmView],
    windows: &[ArmAdWindow],
    ad_names: &HashMap<i32, Option<String>>,
    metric: AdMetric,
    settings: &Settings,
) -> Option<ByFormatView> {
    let mut groups: BTreeMap<(i32, usize), Vec<AdWindow>> = BTreeMap::new();
    for w in windows.iter().filter(|w| w.n > 0) {
        let name = ad_names.get(&w.ad_key).and_then(|n| n.as_deref());
        groups.entry((w.arm_id, format_rank(format_of_name(name)))).or_default().push(AdWindow {
            ad_days: u64::try_from(w.n).unwrap_or(0),
            sums: AdSums {
                impressions: w.imp,
                clicks: w.clk,
                spend: w.spend,
                conversions: w.conv,
                revenue: w.rev,
            },
        });
    }
    let of_arm = |id: i32| groups.range((id, 0)..=(id, usize::MAX));
    if !arms.iter().any(|a| of_arm(a.arm.id).nth(1).is_some()) {
        return None;
    }
    let control = arms.iter().find(|a| a.arm.is_control)?;
    let control_all: Vec<AdWindow> =
        of_arm(control.arm.id).flat_map(|(_, ads)| ads.iter().copied()).collect();
    let mut rows = Vec::new();
    for arm in arms {
        for (&(_, rank), ads) in of_arm(arm.arm.id) {
            let mut notes = Vec::new();
            let interval = ad_clustered(ads, metric)
                .and_then(|s| arm_interval(&s, settings.alpha))
                .map_err(|e| notes.push(format!("interval: {e}")))
                .ok();
            let mut row = FormatRow {
                arm_id: arm.arm.id,
                arm_label: arm.arm.label.clone(),
                code: arm.code.clone(),
                is_control: arm.arm.is_control,
                format: format_name(rank),
                ads: ads.len() as u64,
                impressions: ads.iter().map(|a| a.sums.impressions).sum(),
                value: ratio_value(ads, metric),
                ci_low: interval.map(|i| i.0),
                ci_high: interval.map(|i| i.1),
                reference: None,
                lift: None,
                replication: None,
                note: None,
            };
            if !arm.arm.is_control {
                let (reference, against) = match groups.get(&(control.arm.id, rank)) {
                    Some(same) => (FormatReference::SameFormat, same.as_slice()),
                    None => (FormatReference::ControlOverall, control_all.as_slice()),
                };
                row.reference = Some(reference);
                match lift(against, ads, metric, settings) {
                    Ok((inference, replication)) => {
                        row.lift = Some(inference);
                        row.replication = Some(replication);
                    }
                    Err(e) => notes.push(format!("lift: {e}")),
                }
            }
            row.note = (!notes.is_empty()).then(|| notes.join("; "));
            rows.push(row);
        }
    }
    Some(ByFormatView { metric, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ad_names_declare_their_placement() {
        assert_eq!(format_of_name(Some("Story | LM-7F3K-916")), Some(Aspect::Story));
        assert_eq!(format_of_name(Some("LM-7F3K-191_v2")), Some(Aspect::Landscape));
        assert_eq!(format_of_name(Some("Feed LM-7F3K-45")), Some(Aspect::Portrait));
        assert_eq!(format_of_name(Some("LM-7F3K-11")), Some(Aspect::Square));
        // The plain code, an unknown suffix, no code or no name: the source creative.
        for name in [Some("Hero | LM-7F3K"), Some("LM-7F3K-2"), Some("Control"), None] {
            assert_eq!(format_of_name(name), None, "{name:?}");
        }
        assert_eq!(format_name(format_rank(None)), ORIGINAL);
        for a in Aspect::ALL {
            assert_eq!(format_name(format_rank(Some(a))), a.as_str());
        }
    }
}
