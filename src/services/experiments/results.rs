//! The results read model's analysis: comparisons with the corrected verdicts, attribution to each edit,
//! the planned-split check and the charts, from what [`super::load`] read.

use std::collections::HashMap;

use analytics::stats::{AdMetric, Replication, StatsError, adjust_p_values, verdict_of};
use chrono::NaiveDate;

use super::ExperimentError;
use super::by_format::split_by_format;
use super::compare::{ArmData, compare};
use super::labels::{arm_label, edit_label};
use super::settings::{Settings, correction_label, parse_metric};
use super::srm::{self, SrmInput};
use super::views::{ArmView, AttributionView, ComparisonView, ExperimentResults, variance_label};
use crate::db::experiment_arms::ExperimentArm;
use crate::db::experiments::Experiment;
use crate::db::reporting::{AdRunning, ArmAdWindow, ArmDay, MappedAd, VariantInfo};
use crate::services::{attribution, charts};

/// Everything [`analyse`] reads, loaded by [`super::results`].
#[derive(Debug, Clone)]
pub struct ResultsData {
    pub experiment: Experiment,
    pub master_name: String,
    /// Its arms, control first.
    pub arms: Vec<ExperimentArm>,
    /// The master's variants by id.
    pub variants: HashMap<i32, VariantInfo>,
    /// The master's mapped ads.
    pub ads: Vec<MappedAd>,
    /// Per-arm daily sums in the window.
    pub days: Vec<ArmDay>,
    /// Per-arm, per-ad sums over the window.
    pub windows: Vec<ArmAdWindow>,
    /// Running sums of every ad at each chart day but the last (whose window is `windows`).
    pub checkpoints: Vec<(NaiveDate, Option<Vec<AdRunning>>)>,
    /// The mapped ads' names by ad key: their code suffix says which format each shows.
    pub ad_names: HashMap<i32, Option<String>>,
}

/// Each arm's data: daily sums up to `until` (all when `None`) and the given per-ad windows.
pub fn arm_data(
    arms: &[ExperimentArm],
    days: &[ArmDay],
    windows: &[ArmAdWindow],
    until: Option<NaiveDate>,
) -> HashMap<i32, ArmData> {
    let mut out: HashMap<i32, ArmData> = arms.iter().map(|a| (a.id, ArmData::default())).collect();
    for d in days.iter().filter(|d| until.is_none_or(|u| d.day <= u)) {
        if let Some(a) = out.get_mut(&d.arm_id) {
            a.totals.add(d);
        }
    }
    for w in windows {
        if let Some(a) = out.get_mut(&w.arm_id) {
            a.add_ad(w);
        }
    }
    out
}

/// The windows from the start up to a chart day: each ad's running sums then, minus those before the
/// start; an ad without data by then has an empty window.
fn windows_until(windows: &[ArmAdWindow], running: &[AdRunning]) -> Vec<ArmAdWindow> {
    let at: HashMap<i32, &AdRunning> = running.iter().map(|r| (r.ad_key, r)).collect();
    windows
        .iter()
        .map(|w| match at.get(&w.ad_key) {
            Some(r) => ArmAdWindow {
                n: (r.n - w.lo_n).max(0),
                imp: r.imp - w.lo_imp,
                clk: r.clk - w.lo_clk,
                spend: r.spend - w.lo_spend,
                conv: r.conv - w.lo_conv,
                rev: r.rev - w.lo_rev,
                ..*w
            },
            None => ArmAdWindow { n: 0, imp: 0.0, clk: 0.0, spend: 0.0, conv: 0.0, rev: 0.0, ..*w },
        })
        .collect()
}

/// Builds one comparison view, or a note when the data cannot support it.
pub fn comparison_view(
    reference: &ExperimentArm,
    treatment: &ExperimentArm,
    data: &HashMap<i32, ArmData>,
    metric: AdMetric,
    settings: &Settings,
) -> Result<ComparisonView, String> {
    let empty = ArmData::default();
    let (a, b) =
        (data.get(&reference.id).unwrap_or(&empty), data.get(&treatment.id).unwrap_or(&empty));
    let c = compare(a, b, metric, settings).map_err(|e: StatsError| {
        format!("{} vs {} on {}: {e}", treatment.label, reference.label, metric.name())
    })?;
    let mut view = ComparisonView {
        arm_id: treatment.id,
        arm_label: treatment.label.clone(),
        reference_id: reference.id,
        reference_label: reference.label.clone(),
        metric,
        variance: c.model,
        n: c.treatment.n,
        reference_n: c.reference.n,
        min_ads: c.min_ads,
        replication: c.replication,
        caveat: c.replication.caveat(c.min_ads),
        value: c.treatment.mean,
        reference_value: c.reference.mean,
        raw_p_value: c.inference.p_value,
        inference: c.inference,
        corrected: false,
        sequential_tuning: c.tuning,
        chance_to_be_better: c.better,
        verdict: c.verdict,
        these_ads_verdict: None,
    };
    settle_verdict(&mut view, settings.alpha);
    Ok(view)
}

/// Derives the verdict from the (possibly corrected) p-value or chance to be better; without
/// replication the call is kept apart as what the data say about these ads.
fn settle_verdict(c: &mut ComparisonView, alpha: f64) {
    let raw = verdict_of(&c.inference, c.chance_to_be_better, !c.metric.lower_is_better(), alpha);
    if c.replication == Replication::None {
        c.verdict = analytics::stats::Verdict::Inconclusive;
        c.these_ads_verdict = Some(raw);
    } else {
        c.verdict = raw;
        c.these_ads_verdict = None;
    }
}

/// Applies the correction across the arms of each metric; on the primary metric the family also holds
/// every attribution comparison that is not already a comparison against the control.
fn correct(
    comparisons: &mut [ComparisonView],
    attribution: &mut [AttributionView],
    primary: AdMetric,
    control_id: i32,
    settings: &Settings,
) -> Result<(), StatsError> {
    let Some(correction) = settings.correction else { return Ok(()) };
    for metric in AdMetric::ALL {
        let mut family: Vec<&mut ComparisonView> = comparisons
            .iter_mut()
            .filter(|c| c.metric == metric && c.raw_p_value.is_some())
            .collect();
        let mut same_as_control: Vec<&mut ComparisonView> = Vec::new();
        if metric == primary {
            for a in attribution.iter_mut() {
                if a.comparison.raw_p_value.is_none() {
                    continue;
                }
                if a.comparison.reference_id == control_id {
                    same_as_control.push(&mut a.comparison);
                } else {
                    family.push(&mut a.comparison);
                }
            }
        }
        let raw: Vec<f64> = family.iter().filter_map(|c| c.raw_p_value).collect();
        let adjusted = adjust_p_values(&raw, correction)?;
        for (c, p) in family.iter_mut().zip(adjusted) {
            c.inference.p_value = Some(p);
            c.corrected = true;
            settle_verdict(c, settings.alpha);
        }
        // An edit measured against the control is the same test as the arm's comparison.
        for c in same_as_control {
            let twin = comparisons.iter().find(|x| {
                x.metric == metric && x.arm_id == c.arm_id && x.reference_id == control_id
            });
            if let Some(twin) = twin {
                c.inference.p_value = twin.inference.p_value;
                c.corrected = twin.corrected;
                settle_verdict(c, settings.alpha);
            }
        }
    }
    Ok(())
}

/// The pure part of [`results`]: from loaded data to the read model.
pub fn analyse(input: ResultsData) -> Result<ExperimentResults, ExperimentError> {
    let ResultsData {
        experiment,
        master_name,
        arms,
        variants,
        ads,
        days,
        windows,
        checkpoints,
        ad_names,
    } = input;
    let settings = Settings::of(&experiment)?;
    let primary = parse_metric(&experiment.primary_metric)?;
    let guardrails = experiment
        .guardrail_metrics
        .split(',')
        .filter(|g| !g.trim().is_empty())
        .map(parse_metric)
        .collect::<Result<Vec<_>, _>>()?;
    let variant_of = |a: &ExperimentArm| a.variant_id.and_then(|v| variants.get(&v));
    let arms: Vec<ExperimentArm> = arms
        .into_iter()
        .map(|mut a| {
            a.label = arm_label(variant_of(&a), &variants, &master_name);
            a
        })
        .collect();
    let data = arm_data(&arms, &days, &windows, None);
    let empty = ArmData::default();
    let data_of = |a: &ExperimentArm| data.get(&a.id).unwrap_or(&empty);
    let all_impressions: f64 = arms.iter().map(|a| data_of(a).totals.sums.imp).sum();
    let all_spend: f64 = arms.iter().map(|a| data_of(a).totals.sums.spend).sum();
    let share = |x: f64, total: f64| if total > 0.0 { x / total } else { 0.0 };
    let planned: Option<Vec<f64>> = arms.iter().map(|a| a.planned_weight).collect();
    let planned = planned.or_else(|| settings.planned_ads_per_arm.map(|_| vec![1.0; arms.len()]));
    let weight_sum: f64 = planned.as_ref().map_or(0.0, |w| w.iter().sum());
    let arm_views: Vec<ArmView> = arms
        .iter()
        .enumerate()
        .map(|(i, arm)| {
            let d = data_of(arm);
            let t = &d.totals;
            ArmView {
                arm: arm.clone(),
                edit: variant_of(arm).map(edit_label),
                code: variant_of(arm).map(|v| v.code.clone()),
                ads: ads
                    .iter()
                    .filter(|a| a.variant_id == arm.variant_id)
                    .map(|a| format!("{}:{}", a.platform, a.ad_id))
                    .collect(),
                ads_with_data: d.ads_with_data(),
                impressions: t.sums.imp,
                clicks: t.sums.clk,
                spend: t.sums.spend,
                conversions: t.sums.conv,
                revenue: t.sums.rev,
                ad_days: t.n,
                metrics: AdMetric::ALL.iter().map(|&m| (m, t.value(m))).collect(),
                impression_share: share(t.sums.imp, all_impressions),
                spend_share: share(t.sums.spend, all_spend),
                planned_share: planned.as_ref().and_then(|w| w.get(i)).map(|w| w / weight_sum),
            }
        })
        .collect();
    let Some(control) = arms.iter().find(|a| a.is_control) else {
        return Err(ExperimentError::Invalid("the experiment has no control arm".into()));
    };
    let mut notes = Vec::new();
    let mut comparisons = Vec::new();
    for metric in AdMetric::ALL {
        for arm in arms.iter().filter(|a| !a.is_control) {
            match comparison_view(control, arm, &data, metric, &settings) {
                Ok(c) => comparisons.push(c),
                Err(note) => notes.push(note),
            }
        }
    }
    let mut attribution = attribution::attribute_edits(
        &arms,
        control,
        &variants,
        |reference, treatment| comparison_view(reference, treatment, &data, primary, &settings),
        &mut notes,
    );
    correct(&mut comparisons, &mut attribution, primary, control.id, &settings)?;
    let srm = match &planned {
        Some(w) => srm::check(
            &arms
                .iter()
                .zip(w)
                .map(|(a, &weight)| SrmInput {
                    label: a.label.clone(),
                    weight,
                    ads: data_of(a).ads_with_data(),
                    spend: data_of(a).totals.sums.spend,
                    impressions: data_of(a).totals.sums.imp,
                })
                .collect::<Vec<_>>(),
        )?,
        None => None,
    };
    let points: Vec<(NaiveDate, HashMap<i32, ArmData>)> = checkpoints
        .iter()
        .map(|(day, running)| {
            let data = match running {
                Some(r) => arm_data(&arms, &days, &windows_until(&windows, r), Some(*day)),
                None => arm_data(&arms, &days, &windows, Some(*day)),
            };
            (*day, data)
        })
        .collect();
    let cumulative = charts::cumulative_series(&arms, control, &days, &points, primary, &settings);
    let cumulative_svg = charts::cumulative_lift_svg(&cumulative, primary).unwrap_or_else(|e| {
        notes.push(format!("cumulative chart: {e}"));
        String::new()
    });
    let primary_rows: Vec<&ComparisonView> =
        comparisons.iter().filter(|c| c.metric == primary).collect();
    let forest_svg = charts::forest_svg(&primary_rows, primary).unwrap_or_else(|e| {
        notes.push(format!("forest plot: {e}"));
        String::new()
    });
    let by_format = split_by_format(&arm_views, &windows, &ad_names, primary, &settings);
    let mut caveats: Vec<String> = Vec::new();
    for c in &primary_rows {
        if let Some(cv) = &c.caveat
            && !caveats.contains(cv)
        {
            caveats.push(cv.clone());
        }
    }
    Ok(ExperimentResults {
        caveats,
        correction_label: correction_label(&experiment.correction).to_string(),
        variance_label: variance_label(settings.variance).to_string(),
        experiment,
        master_name,
        primary_metric: primary,
        guardrails,
        arms: arm_views,
        comparisons,
        attribution,
        srm,
        days,
        cumulative_svg,
        forest_svg,
        notes,
        grid: None,
        by_format,
    })
}
