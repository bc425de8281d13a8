//! One arm against another on one metric: the arm's data (daily sums from `creative_days`, per-ad window
//! sums from `ad_running_sums`) reduced to summaries under the experiment's variance model, tested, and
//! given a verdict that respects the metric's direction and the replication the arms have.

use analytics::stats::{
    AdMetric, AdSums, AdWindow, Difference, Inference, MetricSummary, ProportionStats, RatioStats,
    Replication, StatsError, VarianceModel, Verdict, ad_clustered, clustered_infer, infer,
    verdict_of,
};
use serde::Serialize;

use super::settings::Settings;
use crate::db::reporting::{ArmAdWindow, ArmDay};

/// An arm's daily sums added up: what the ad-day and binomial models (and the displayed totals) use.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct ArmTotals {
    pub n: i64,
    /// Sums over ad-days, as aggregated by the database.
    #[serde(skip)]
    pub sums: ArmDay,
}

impl ArmTotals {
    /// Adds one day of sums.
    pub fn add(&mut self, d: &ArmDay) {
        let s = &mut self.sums;
        self.n += d.n;
        s.n += d.n;
        s.imp += d.imp;
        s.imp2 += d.imp2;
        s.clk += d.clk;
        s.clk2 += d.clk2;
        s.clk_imp += d.clk_imp;
        s.conv += d.conv;
        s.conv2 += d.conv2;
        s.conv_clk += d.conv_clk;
        s.spend += d.spend;
        s.spend2 += d.spend2;
        s.spend_conv += d.spend_conv;
        s.spend_clk += d.spend_clk;
        s.spend_imp += d.spend_imp;
        s.rev += d.rev;
        s.rev2 += d.rev2;
        s.rev_spend += d.rev_spend;
    }

    /// The metric's point value (ratio of sums), if its denominator is positive.
    pub fn value(&self, metric: AdMetric) -> Option<f64> {
        let s = &self.sums;
        let (num, den) = metric.parts_of(&AdSums {
            impressions: s.imp,
            clicks: s.clk,
            spend: s.spend,
            conversions: s.conv,
            revenue: s.rev,
        });
        (den > 0.0).then(|| metric.scale() * num / den)
    }

    /// The arm's summary for `metric` with the ad-day or the impression (binomial) as the unit.
    pub fn summary(
        &self,
        metric: AdMetric,
        model: VarianceModel,
    ) -> Result<MetricSummary, StatsError> {
        let s = &self.sums;
        let n = u64::try_from(self.n).unwrap_or(0);
        if model == VarianceModel::Binomial && matches!(metric, AdMetric::Ctr | AdMetric::Cvr) {
            let (successes, trials) =
                if metric == AdMetric::Ctr { (s.clk, s.imp) } else { (s.conv, s.clk) };
            return ProportionStats { n: trials.max(0.0) as u64, sum: successes }.summarize();
        }
        let (m, m2, d, d2, md) = match metric {
            AdMetric::Ctr => (s.clk, s.clk2, s.imp, s.imp2, s.clk_imp),
            AdMetric::Cvr => (s.conv, s.conv2, s.clk, s.clk2, s.conv_clk),
            AdMetric::Cpa => (s.spend, s.spend2, s.conv, s.conv2, s.spend_conv),
            AdMetric::Roas => (s.rev, s.rev2, s.spend, s.spend2, s.rev_spend),
            AdMetric::Cpc => (s.spend, s.spend2, s.clk, s.clk2, s.spend_clk),
            AdMetric::Cpm => (s.spend, s.spend2, s.imp, s.imp2, s.spend_imp),
        };
        let stats = RatioStats {
            n,
            numerator_sum: m,
            numerator_sum_squares: m2,
            denominator_sum: d,
            denominator_sum_squares: d2,
            numerator_denominator_sum_product: md,
        };
        Ok(stats.summarize()?.scaled(metric.scale()))
    }
}

/// Everything one arm contributes to a comparison.
#[derive(Debug, Clone, Default)]
pub struct ArmData {
    /// Daily sums added up.
    pub totals: ArmTotals,
    /// Each mapped ad's sums over the window (ads without data included, with zero ad-days).
    pub ads: Vec<AdWindow>,
}

impl ArmData {
    /// Adds one mapped ad's window sums.
    pub fn add_ad(&mut self, w: &ArmAdWindow) {
        self.ads.push(AdWindow {
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

    /// Ads with at least one ad-day in the window: the units of the ad-clustered model.
    pub fn ads_with_data(&self) -> u64 {
        self.ads.iter().filter(|a| a.ad_days > 0).count() as u64
    }
}

/// The variance model a comparison can actually use: binomial exists only for CTR and CVR (money
/// metrics fall back to the ad as the unit), and the ad as the unit needs two ads in each arm (with
/// one, the ad-day model describes those ads only).
pub fn effective_model(metric: AdMetric, model: VarianceModel, min_ads: u64) -> VarianceModel {
    match (model, metric) {
        (VarianceModel::Binomial, AdMetric::Ctr | AdMetric::Cvr) => VarianceModel::Binomial,
        (VarianceModel::AdDayClustered, _) => VarianceModel::AdDayClustered,
        _ if min_ads < 2 => VarianceModel::AdDayClustered,
        _ => VarianceModel::AdClustered,
    }
}

/// One arm-versus-arm test.
#[derive(Debug, Clone, Copy)]
pub struct Compared {
    pub reference: MetricSummary,
    pub treatment: MetricSummary,
    /// Lift, interval, p or chance to win.
    pub inference: Inference,
    /// Bayesian: P(treatment better), direction-aware.
    pub better: Option<f64>,
    /// The verdict before any correction, already limited by the replication.
    pub verdict: Verdict,
    /// The variance model used.
    pub model: VarianceModel,
    /// Ads with data in the smaller arm.
    pub min_ads: u64,
    /// What those ads allow the result to say.
    pub replication: Replication,
    /// Sequential N*, when the method is sequential.
    pub tuning: Option<f64>,
}

/// The verdict a comparison may state: without replication the data cannot tell the edit from the
/// ads that carry it, so the call is inconclusive (the ad-level verdict is kept apart).
pub fn stated_verdict(raw: Verdict, replication: Replication) -> Verdict {
    if replication == Replication::None { Verdict::Inconclusive } else { raw }
}

/// Compares `treatment` against `reference` on `metric`.
pub fn compare(
    reference: &ArmData,
    treatment: &ArmData,
    metric: AdMetric,
    settings: &Settings,
) -> Result<Compared, StatsError> {
    let min_ads = reference.ads_with_data().min(treatment.ads_with_data());
    let model = effective_model(metric, settings.variance, min_ads);
    let alpha = settings.alpha;
    let (a, b, inference, tuning) = if model == VarianceModel::AdClustered {
        let a = ad_clustered(&reference.ads, metric)?;
        let b = ad_clustered(&treatment.ads, metric)?;
        let tuning = settings.tuning(model, a.summary.n + b.summary.n);
        let method = settings.method.method(tuning);
        let inf = clustered_infer(&a, &b, Difference::Relative, &method, alpha)?;
        (a.summary, b.summary, inf, tuning)
    } else {
        let a = reference.totals.summary(metric, model)?;
        let b = treatment.totals.summary(metric, model)?;
        let tuning = settings.tuning(model, a.n + b.n);
        let inf = infer(&a, &b, Difference::Relative, &settings.method.method(tuning), alpha)?;
        (a, b, inf, tuning)
    };
    let better_if_up = !metric.lower_is_better();
    let better = inference.chance_to_win.map(|c| if better_if_up { c } else { 1.0 - c });
    let replication = Replication::of(min_ads);
    let verdict = stated_verdict(verdict_of(&inference, better, better_if_up, alpha), replication);
    let sequential = matches!(settings.method, super::settings::MethodName::Sequential);
    Ok(Compared {
        reference: a,
        treatment: b,
        inference,
        better,
        verdict,
        model,
        min_ads,
        replication,
        tuning: sequential.then_some(tuning),
    })
}

#[cfg(test)]
mod tests {
    use analytics::stats::{AdDay, arm_metric};
    use chrono::NaiveDate;

    use super::*;

    fn rows(prefix: &str) -> Vec<AdDay> {
        (0..12u32)
            .map(|i| AdDay {
                ad_id: format!("{prefix}{}", i % 3),
                date: NaiveDate::from_ymd_opt(2026, 3, 1 + i / 3).unwrap(),
                impressions: 1000 + 37 * u64::from(i),
                clicks: 12 + u64::from(i % 5),
                spend: 5.0 + f64::from(i) * 0.25,
                conversions: f64::from(1 + i % 3),
                revenue: 20.0 + f64::from(i % 4) * 3.5,
            })
            .collect()
    }

    /// What the SQL queries return for `rows`: one ArmDay per row, and each ad's window sums.
    fn data(rows: &[AdDay]) -> ArmData {
        let mut out = ArmData::default();
        let mut per_ad: std::collections::BTreeMap<&str, ArmAdWindow> = Default::default();
        for r in rows {
            let (i, c, s, v, rv) =
                (r.impressions as f64, r.clicks as f64, r.spend, r.conversions, r.revenue);
            out.totals.add(&ArmDay {
                arm_id: 1,
                day: r.date,
                n: 1,
                imp: i,
                imp2: i * i,
                clk: c,
                clk2: c * c,
                clk_imp: c * i,
                conv: v,
                conv2: v * v,
                conv_clk: v * c,
                spend: s,
                spend2: s * s,
                spend_conv: s * v,
                spend_clk: s * c,
                spend_imp: s * i,
                rev: rv,
                rev2: rv * rv,
                rev_spend: rv * s,
            });
            let w = per_ad.entry(&r.ad_id).or_default();
            w.n += 1;
            w.imp += i;
            w.clk += c;
            w.spend += s;
            w.conv += v;
            w.rev += rv;
        }
        for w in per_ad.values() {
            out.add_ad(w);
        }
        out
    }

    #[test]
    fn database_sums_give_the_stats_modules_summaries() {
        let rows = rows("ad");
        let d = data(&rows);
        for metric in AdMetric::ALL {
            for model in [VarianceModel::AdDayClustered, VarianceModel::Binomial] {
                let used = effective_model(metric, model, 3);
                if used == VarianceModel::AdClustered {
                    continue;
                }
                let ours = d.totals.summary(metric, used).unwrap();
                let theirs = arm_metric(&rows, metric, used).unwrap();
                assert_eq!(ours.n, theirs.n, "{metric:?} {model:?}");
                assert!((ours.mean - theirs.mean).abs() <= 1e-12 * theirs.mean.abs(), "{metric:?}");
                assert!(
                    (ours.variance - theirs.variance).abs() <= 1e-9 * theirs.variance.abs(),
                    "{metric:?} {model:?}: {} vs {}",
                    ours.variance,
                    theirs.variance
                );
            }
            let ours = ad_clustered(&d.ads, metric).unwrap().summary;
            let theirs = arm_metric(&rows, metric, VarianceModel::AdClustered).unwrap();
            assert_eq!((ours.n, ours.mean), (3, theirs.mean), "{metric:?}");
            assert!((ours.variance - theirs.variance).abs() <= 1e-12 * theirs.variance.abs());
        }
    }

    #[test]
    fn one_ad_per_arm_falls_back_to_the_ad_day_model_and_calls_no_winner() {
        let one = |prefix: &str, clicks: u64| {
            let rows: Vec<AdDay> = rows(prefix)
                .into_iter()
                .filter(|r| r.ad_id.ends_with('0'))
                .map(|r| AdDay { clicks: r.clicks * clicks, ..r })
                .collect();
            data(&rows)
        };
        let settings = Settings {
            method: super::super::settings::MethodName::Frequentist,
            variance: VarianceModel::AdClustered,
            correction: None,
            alpha: 0.05,
            planned_ads_per_arm: None,
        };
        let c = compare(&one("a", 1), &one("b", 3), AdMetric::Ctr, &settings).unwrap();
        assert_eq!(c.model, VarianceModel::AdDayClustered);
        assert_eq!(c.replication, Replication::None);
        assert!(c.inference.p_value.unwrap() < 0.001, "the ads differ clearly");
        assert_eq!(c.verdict, Verdict::Inconclusive);
        let c = compare(&data(&rows("a")), &data(&rows("b")), AdMetric::Ctr, &settings).unwrap();
        assert_eq!((c.model, c.min_ads), (VarianceModel::AdClustered, 3));
        assert_eq!(c.replication, Replication::FewAds);
    }
}
