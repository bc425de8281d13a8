//! Cross-module tests against GrowthBook's gbstats.
//!
//! "Published" cases are the ones STATS.md quotes from gbstats' own test suite (checked to the printed
//! precision). "Derived" values were computed with gbstats 0.8.0 and scipy 1.17.1 from PyPI on the same
//! inputs (`TwoSidedTTest`, `SequentialTwoSidedTTest`, `EffectBayesianABTest`, `check_srm`) and pasted with
//! full precision; they are checked to 1e-9.

use super::*;

/// |got − want| ≤ tol, with a readable failure.
#[track_caller]
fn close(got: f64, want: f64, tol: f64) {
    assert!((got - want).abs() <= tol, "got {got}, want {want} (tol {tol})");
}

fn mean(n: u64, sum: f64, sum_squares: f64) -> MetricSummary {
    MeanStats { n, sum, sum_squares }.summarize().unwrap()
}

fn prop(n: u64, sum: f64) -> MetricSummary {
    ProportionStats { n, sum }.summarize().unwrap()
}

fn welch_a() -> MetricSummary {
    mean(3407, 1396.87, 52377.9767)
}

fn welch_b() -> MetricSummary {
    mean(3461, 2422.7, 134698.29)
}

fn run(a: &MetricSummary, b: &MetricSummary, d: Difference, m: Method, alpha: f64) -> Inference {
    infer(a, b, d, &m, alpha).unwrap()
}

#[test]
fn published_welch_relative() {
    let r = run(&welch_a(), &welch_b(), Difference::Relative, Method::Frequentist, 0.05);
    close(r.lift, 0.70732, 5e-6);
    close(r.ci_low, -0.03526, 5e-6);
    close(r.ci_high, 1.44989, 5e-6);
    close(r.p_value.unwrap(), 0.06191, 5e-6);
    // Derived (gbstats 0.8.0).
    close(r.lift, 0.7073170731707317, 1e-12);
    close(r.ci_low, -0.03526008906611777, 1e-9);
    close(r.ci_high, 1.449894235407581, 1e-9);
    close(r.p_value.unwrap(), 0.06191182745618362, 1e-9);
    close(r.se, 0.3787943616681428, 1e-12);
}

#[test]
fn published_welch_absolute() {
    let r = run(&welch_a(), &welch_b(), Difference::Absolute, Method::Frequentist, 0.05);
    close(r.lift, 0.29, 5e-6);
    close(r.ci_low, 0.04538, 5e-6);
    close(r.ci_high, 0.53462, 5e-6);
    close(r.p_value.unwrap(), 0.02016, 5e-6);
    close(r.ci_low, 0.04537789255929012, 1e-9);
    close(r.ci_high, 0.5346221074407098, 1e-9);
    close(r.p_value.unwrap(), 0.020158402643587037, 1e-9);
}

#[test]
fn published_proportions() {
    let r = run(&prop(28, 14.0), &prop(30, 16.0), Difference::Relative, Method::Frequentist, 0.05);
    close(r.lift, 0.06667, 5e-6);
    close(r.ci_low, -0.47767, 5e-6);
    close(r.ci_high, 0.61101, 5e-6);
    close(r.p_value.unwrap(), 0.80707, 5e-6);
    close(r.ci_low, -0.4776740282706786, 1e-9);
    close(r.ci_high, 0.6110073616040119, 1e-9);
    close(r.p_value.unwrap(), 0.8070716832021887, 1e-9);
}

#[test]
fn published_sequential_proportions() {
    let m = Method::Sequential { tuning: 5000.0 };
    let r = run(&prop(3000, 1396.0), &prop(3461, 2422.0), Difference::Relative, m, 0.05);
    close(r.lift, 0.50386, 5e-6);
    close(r.ci_low, 0.40098, 5e-6);
    close(r.ci_high, 0.60675, 5e-6);
    close(r.ci_low, 0.4009784966859415, 1e-9);
    close(r.ci_high, 0.6067482066783577, 1e-9);
    // gbstats: 5.174716682839852e-44; compare relatively at that scale.
    close(r.p_value.unwrap() / 5.174716682839852e-44, 1.0, 1e-6);
}

#[test]
fn derived_sequential_absolute_other_alpha_and_tuning() {
    let m = Method::Sequential { tuning: 1000.0 };
    let r = run(&welch_a(), &welch_b(), Difference::Absolute, m, 0.1);
    close(r.ci_low, -0.07579185379827724, 1e-9);
    close(r.ci_high, 0.6557918537982772, 1e-9);
    close(r.p_value.unwrap(), 0.4759512948229535, 1e-9);
}

#[test]
fn sequential_p_underflows_to_zero_instead_of_nan() {
    let m = Method::Sequential { tuning: 5000.0 };
    let r = run(
        &prop(1_000_000, 100_000.0),
        &prop(1_000_000, 200_000.0),
        Difference::Relative,
        m,
        0.05,
    );
    assert_eq!(r.p_value, Some(0.0));
}

#[test]
fn derived_bayesian_flat_prior() {
    let m = Method::Bayesian { prior: None };
    let r = run(&prop(3000, 1396.0), &prop(3461, 2422.0), Difference::Relative, m, 0.05);
    close(r.lift, 0.5038633516821496, 1e-12);
    close(r.ci_low, 0.4374985501688262, 1e-9);
    close(r.ci_high, 0.5702281531954729, 1e-9);
    close(r.chance_to_win.unwrap(), 1.0, 1e-12);
    assert_eq!(r.p_value, None);
    let r = run(&welch_a(), &welch_b(), Difference::Absolute, m, 0.05);
    close(r.ci_low, 0.04542857622821292, 1e-9);
    close(r.ci_high, 0.534571423771787, 1e-9);
    close(r.chance_to_win.unwrap(), 0.9899378629114758, 1e-9);
}

#[test]
fn derived_bayesian_proper_prior() {
    let prior = GaussianPrior { mean: 0.1, variance: 0.09 };
    let m = Method::Bayesian { prior: Some(prior) };
    let r = run(&prop(28, 14.0), &prop(30, 16.0), Difference::Relative, m, 0.05);
    close(r.lift, 0.08168722950713778, 1e-9);
    close(r.se, 0.20138401046079107, 1e-9);
    close(r.ci_low, -0.3130181780582503, 1e-9);
    close(r.ci_high, 0.47639263707252577, 1e-9);
    close(r.chance_to_win.unwrap(), 0.6574924546397671, 1e-9);
}

fn ratio_a() -> MetricSummary {
    RatioStats {
        n: 50,
        numerator_sum: 120.0,
        numerator_sum_squares: 400.0,
        denominator_sum: 6000.0,
        denominator_sum_squares: 800_000.0,
        numerator_denominator_sum_product: 15_500.0,
    }
    .summarize()
    .unwrap()
}

fn ratio_b() -> MetricSummary {
    RatioStats {
        n: 60,
        numerator_sum: 170.0,
        numerator_sum_squares: 600.0,
        denominator_sum: 7000.0,
        denominator_sum_squares: 900_000.0,
        numerator_denominator_sum_product: 21_000.0,
    }
    .summarize()
    .unwrap()
}

#[test]
fn derived_ratio_metric_all_methods() {
    let (a, b) = (ratio_a(), ratio_b());
    close(a.variance, 0.0001417233560090703, 1e-15);
    close(b.variance, 0.00013799335022836524, 1e-15);
    let r = run(&a, &b, Difference::Relative, Method::Frequentist, 0.05);
    close(r.lift, 0.21428571428571425, 1e-12);
    close(r.ci_low, -0.03810139810823482, 1e-9);
    close(r.ci_high, 0.4666728266796633, 1e-9);
    close(r.p_value.unwrap(), 0.09524438469105645, 1e-9);
    let r = run(&a, &b, Difference::Relative, Method::Sequential { tuning: 5000.0 }, 0.05);
    close(r.ci_low, -0.6045241434943442, 1e-9);
    close(r.ci_high, 1.0330955720657728, 1e-9);
    close(r.p_value.unwrap(), 0.8778993406922556, 1e-9);
    let r = run(&a, &b, Difference::Absolute, Method::Bayesian { prior: None }, 0.05);
    close(r.ci_low, -0.00015539123671138612, 1e-12);
    close(r.ci_high, 0.008726819808139955, 1e-12);
    close(r.chance_to_win.unwrap(), 0.970713594564542, 1e-9);
}

#[test]
fn derived_tiny_p_value_keeps_precision() {
    let r = run(
        &prop(1000, 100.0),
        &prop(1000, 200.0),
        Difference::Relative,
        Method::Frequentist,
        0.05,
    );
    close(r.ci_low, 0.552767280368629, 1e-9);
    close(r.ci_high, 1.447232719631371, 1e-9);
    close(r.p_value.unwrap() / 1.2233493820179575e-05, 1.0, 1e-6);
}

#[test]
fn lift_refuses_zero_control_mean_and_zero_variance() {
    let zero = prop(100, 0.0);
    let some = prop(100, 10.0);
    // p = 0 has zero variance, which is checked first.
    assert!(matches!(
        lift(&zero, &some, Difference::Relative),
        Err(StatsError::ZeroVariance { arm: "control" })
    ));
    let centered = MetricSummary { n: 10, mean: 0.0, variance: 1.0 };
    assert!(matches!(
        lift(&centered, &some, Difference::Relative),
        Err(StatsError::ZeroControlMean)
    ));
    assert!(lift(&centered, &some, Difference::Absolute).is_ok());
}

#[test]
fn t_quantiles_match_scipy_over_a_wide_dof_range() {
    // scipy.stats.t.ppf(0.975, dof) and t.sf(2.5, dof).
    let cases = [
        (5.0, 2.5705818356363146, 0.02724504967118813),
        (57.3, 2.002238268231336, 0.007652683961901221),
        (500.0, 1.9647198374673676, 0.006369287750441926),
        (2000.0, 1.9611508260994377, 0.006249426299056673),
        (1e4, 1.960201239890626, 0.006217609775291849),
        (1e6, 1.959966356814107, 0.006209744751081627),
        (1e8, 1.9599640082627663, 0.006209666120027275),
    ];
    for (dof, q, sf) in cases {
        close(dist::t_ppf(0.975, dof).unwrap(), q, 1e-9);
        close(dist::t_sf(2.5, dof).unwrap(), sf, 1e-10);
    }
}

const DOC_EXAMPLE: &str = r#"{"metric": "proportion", "method": "sequential", "difference": "relative", "alpha": 0.05,
 "sequential_tuning": 5000,
 "control": {"n": 3000, "sum": 1396}, "treatment": {"n": 3461, "sum": 2422}}"#;

#[test]
fn compare_reads_the_documented_request() {
    let req = CompareRequest::from_json(DOC_EXAMPLE).unwrap();
    let resp = compare(&req).unwrap();
    close(resp.lift, 0.5038633516821496, 1e-12);
    close(resp.ci_low, 0.4009784966859415, 1e-9);
    close(resp.ci_high, 0.6067482066783577, 1e-9);
    let json: serde_json::Value =
        serde_json::from_str(&compare_json(DOC_EXAMPLE).unwrap()).unwrap();
    let mut keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["ci_high", "ci_low", "lift", "p_value"]);
}

#[test]
fn compare_bayesian_has_chance_to_win_and_no_p_value() {
    let json = r#"{"metric": "mean", "method": "bayesian", "difference": "absolute", "alpha": 0.05,
        "control": {"n": 3407, "sum": 1396.87, "sum_squares": 52377.9767},
        "treatment": {"n": 3461, "sum": 2422.7, "sum_squares": 134698.29}}"#;
    let out: serde_json::Value = serde_json::from_str(&compare_json(json).unwrap()).unwrap();
    let obj = out.as_object().unwrap();
    assert!(obj.get("p_value").is_none());
    close(obj["chance_to_win"].as_f64().unwrap(), 0.9899378629114758, 1e-9);
}

#[test]
fn compare_ratio_and_defaults() {
    // difference and alpha default to relative and 0.05.
    let json = r#"{"metric": "ratio", "method": "frequentist",
        "control": {"n": 50, "numerator_sum": 120, "numerator_sum_squares": 400, "denominator_sum": 6000,
                    "denominator_sum_squares": 800000, "numerator_denominator_sum_product": 15500},
        "treatment": {"n": 60, "numerator_sum": 170, "numerator_sum_squares": 600, "denominator_sum": 7000,
                      "denominator_sum_squares": 900000, "numerator_denominator_sum_product": 21000}}"#;
    let resp = compare(&CompareRequest::from_json(json).unwrap()).unwrap();
    close(resp.p_value.unwrap(), 0.09524438469105645, 1e-9);
    assert_eq!(resp.chance_to_win, None);
}

#[test]
fn compare_rejects_invalid_input_with_one_line_errors() {
    let cases = [
        // unknown top-level field
        r#"{"metric": "proportion", "method": "frequentist", "colour": 1,
            "control": {"n": 10, "sum": 1}, "treatment": {"n": 10, "sum": 2}}"#,
        // unknown metric
        r#"{"metric": "median", "method": "frequentist",
            "control": {"n": 10, "sum": 1}, "treatment": {"n": 10, "sum": 2}}"#,
        // n < 2
        r#"{"metric": "proportion", "method": "frequentist",
            "control": {"n": 1, "sum": 1}, "treatment": {"n": 10, "sum": 2}}"#,
        // negative count
        r#"{"metric": "proportion", "method": "frequentist",
            "control": {"n": -10, "sum": 1}, "treatment": {"n": 10, "sum": 2}}"#,
        r#"{"metric": "proportion", "method": "frequentist",
            "control": {"n": 10, "sum": -1}, "treatment": {"n": 10, "sum": 2}}"#,
        // zero control mean
        r#"{"metric": "mean", "method": "frequentist",
            "control": {"n": 4, "sum": 0, "sum_squares": 8}, "treatment": {"n": 10, "sum": 2, "sum_squares": 9}}"#,
        // NaN is not JSON
        r#"{"metric": "proportion", "method": "frequentist",
            "control": {"n": 10, "sum": NaN}, "treatment": {"n": 10, "sum": 2}}"#,
        // missing field and a field of another metric
        r#"{"metric": "mean", "method": "frequentist",
            "control": {"n": 10, "sum": 1}, "treatment": {"n": 10, "sum": 2, "sum_squares": 9}}"#,
        r#"{"metric": "proportion", "method": "frequentist",
            "control": {"n": 10, "sum": 1, "sum_squares": 1}, "treatment": {"n": 10, "sum": 2}}"#,
        // alpha out of range
        r#"{"metric": "proportion", "method": "frequentist", "alpha": 1.5,
            "control": {"n": 10, "sum": 1}, "treatment": {"n": 10, "sum": 2}}"#,
        // non-positive tuning
        r#"{"metric": "proportion", "method": "sequential", "sequential_tuning": 0,
            "control": {"n": 10, "sum": 1}, "treatment": {"n": 10, "sum": 2}}"#,
        // prior without bayesian
        r#"{"metric": "proportion", "method": "frequentist", "prior": {"mean": 0, "variance": 1},
            "control": {"n": 10, "sum": 1}, "treatment": {"n": 10, "sum": 2}}"#,
    ];
    for json in cases {
        let err = compare_json(json).unwrap_err().to_string();
        assert!(!err.contains('\n'), "multi-line error: {err}");
        assert!(!err.is_empty());
    }
    let err = compare_json(cases[5]).unwrap_err();
    assert!(matches!(err, StatsError::ZeroControlMean), "{err}");
}

#[test]
fn srm_matches_gbstats_check_srm() {
    let r = srm_check(&[5000.0, 5100.0], &[0.5, 0.5]).unwrap();
    close(r.p_value, 0.3197181768128675, 1e-12);
    assert!(!r.mismatch);
    let r = srm_check(&[1000.0, 1200.0, 1100.0], &[1.0, 1.0, 1.0]).unwrap();
    close(r.p_value, 0.00011268558050780068, 1e-14);
    assert_eq!(r.dof, 2);
    assert!(r.mismatch);
    let r = srm_check(&[4800.0, 5200.0], &[0.5, 0.5]).unwrap();
    close(r.p_value, 6.334248366623988e-05, 1e-14);
    assert!(r.mismatch);
    assert_eq!(srm_check(&[0.0, 0.0], &[1.0, 1.0]).unwrap().p_value, 1.0);
    assert!(srm_check(&[1.0], &[1.0]).is_err());
    assert!(srm_check(&[-1.0, 2.0], &[1.0, 1.0]).is_err());
}

#[test]
fn corrections_by_hand() {
    // m = 4, sorted p = 0.005, 0.01, 0.03, 0.04.
    // Holm: 4·0.005 = 0.02, 3·0.01 = 0.03, 2·0.03 = 0.06, max(1·0.04, 0.06) = 0.06.
    // BH: 0.04·4/4 = 0.04, min(0.03·4/3, 0.04) = 0.04, 0.01·4/2 = 0.02, min(0.005·4, 0.02) = 0.02.
    let p = [0.01, 0.04, 0.03, 0.005];
    let holm = adjust_p_values(&p, Correction::HolmBonferroni).unwrap();
    let bh = adjust_p_values(&p, Correction::BenjaminiHochberg).unwrap();
    for (got, want) in holm.iter().zip([0.03, 0.06, 0.06, 0.02]) {
        close(*got, want, 1e-15);
    }
    for (got, want) in bh.iter().zip([0.02, 0.04, 0.04, 0.02]) {
        close(*got, want, 1e-15);
    }
    // Capped at 1, and a single test is unchanged.
    assert_eq!(adjust_p_values(&[0.6, 0.7], Correction::HolmBonferroni).unwrap(), [1.0, 1.0]);
    assert_eq!(adjust_p_values(&[0.2], Correction::BenjaminiHochberg).unwrap(), [0.2]);
    assert!(adjust_p_values(&[1.2], Correction::BenjaminiHochberg).is_err());
}

#[test]
fn power_mde_and_sample_size_match_scipy() {
    // scipy: norm.cdf(Δ/se − z) + norm.cdf(−Δ/se − z) with se from the relative-lift variance;
    // MDE and n solved with scipy.optimize.brentq.
    let p = Baseline::Proportion { rate: 0.1 };
    close(power(&p, 10_000.0, 0.1, 0.05).unwrap(), 0.5944761821724552, 1e-12);
    close(minimum_detectable_effect(&p, 10_000.0, 0.05, 0.8).unwrap(), 0.12994527403249637, 1e-9);
    let m = Baseline::Mean { mean: 5.0, variance: 16.0 };
    close(power(&m, 2000.0, 0.05, 0.05).unwrap(), 0.48715937664648534, 1e-12);
    close(sample_size_per_arm(&m, 0.05, 0.05, 0.8).unwrap(), 4224.570680539763, 1e-6);
    // No effect → power is alpha.
    close(power(&m, 2000.0, 0.0, 0.05).unwrap(), 0.05, 1e-9);
    assert!(minimum_detectable_effect(&p, 10_000.0, 0.05, 0.01).is_err());
    assert!(power(&Baseline::Proportion { rate: 1.2 }, 100.0, 0.1, 0.05).is_err());
}

#[test]
fn pooling_random_effects_matches_numpy_dersimonian_laird() {
    // numpy: w = 1/v; Q = Σw(y − ȳ_w)²; τ² = (Q − 3)/(Σw − Σw²/Σw); weights 1/(v + τ²).
    let ys = [0.10, 0.02, 0.15, -0.03];
    let vs = [0.002, 0.001, 0.004, 0.0015];
    let est: Vec<LogLiftEstimate> = ys
        .iter()
        .zip(vs)
        .map(|(&log_lift, variance)| LogLiftEstimate { log_lift, variance })
        .collect();
    let r = pool_log_lifts(&est, 0.05).unwrap();
    assert_eq!(r.model, PoolingModel::RandomEffects);
    close(r.q, 8.456896551724137, 1e-9);
    close(r.i_squared, 0.6452599388379204, 1e-9);
    close(r.tau_squared, 0.0032295918367346937, 1e-12);
    close(r.log_lift, 0.04920936005217035, 1e-12);
    close(r.se, 0.035865475520797364, 1e-12);
    close(r.relative_lift, 0.05044024794549144, 1e-12);
    close(r.ci_low, -0.02086493156890685, 1e-9);
    close(r.ci_high, 0.12693820299159198, 1e-9);
    close(r.p_value, 0.17004670694944302, 1e-9);
}

#[test]
fn pooling_one_experiment_reports_no_heterogeneity() {
    let one = [LogLiftEstimate { log_lift: 0.0953101798043249, variance: 0.0016 }];
    let r = pool_log_lifts(&one, 0.05).unwrap();
    assert_eq!((r.k, r.i_squared, r.tau_squared), (1, 0.0, 0.0));
    assert_eq!(r.model, PoolingModel::FixedEffect);
    close(r.relative_lift, 0.1, 1e-12);
    close(r.se, 0.04, 1e-12);
}

#[test]
fn pooling_homogeneous_studies_is_fixed_effect() {
    let ys = [0.05, 0.06, 0.04];
    let vs = [0.001, 0.002, 0.0015];
    let est: Vec<LogLiftEstimate> = ys
        .iter()
        .zip(vs)
        .map(|(&log_lift, variance)| LogLiftEstimate { log_lift, variance })
        .collect();
    let r = pool_log_lifts(&est, 0.05).unwrap();
    assert_eq!(r.model, PoolingModel::FixedEffect);
    assert_eq!((r.i_squared, r.tau_squared), (0.0, 0.0));
    close(r.log_lift, 0.04923076923076923, 1e-12);
    close(r.q, 0.11538461538461535, 1e-12);
    close(r.se, 0.02148344622118299, 1e-12);
    close(r.ci_low, 0.00714942434459868, 1e-9);
    close(r.ci_high, 0.09563877581220427, 1e-9);
    close(r.p_value, 0.02193060706813049, 1e-9);
    assert!(pool_log_lifts(&[], 0.05).is_err());
}

#[test]
fn log_lift_from_summaries_uses_delta_method() {
    let (a, b) = (prop(1000, 100.0), prop(1000, 120.0));
    let e = LogLiftEstimate::from_summaries(&a, &b).unwrap();
    close(e.log_lift, 1.2f64.ln(), 1e-15);
    close(e.variance, 0.12 * 0.88 / (1000.0 * 0.0144) + 0.09 / (1000.0 * 0.01), 1e-15);
    assert!(
        LogLiftEstimate::from_summaries(&a, &MetricSummary { n: 10, mean: 0.0, variance: 1.0 })
            .is_err()
    );
}

#[test]
fn hartung_knapp_matches_metafor_style_computation() {
    // numpy on the DerSimonian–Laird case above: w* = 1/(v + τ²), μ = Σw*y/Σw*,
    // q = Σw*(y − μ)²/3 = 1.1422…, se = sqrt(q/Σw*) = 0.038331… (above se_DL = 0.035865…, so the
    // modified rule keeps it); t(0.975, 3) = 3.182446305284263.
    let ys = [0.10, 0.02, 0.15, -0.03];
    let vs = [0.002, 0.001, 0.004, 0.0015];
    let est: Vec<LogLiftEstimate> = ys
        .iter()
        .zip(vs)
        .map(|(&log_lift, variance)| LogLiftEstimate { log_lift, variance })
        .collect();
    let r = pool_hartung_knapp(&est, 0.05).unwrap();
    assert_eq!(r.interval, PoolInterval::HartungKnapp);
    close(r.log_lift, 0.04920936005217035, 1e-12);
    close(r.se, 0.03833153949609289, 1e-12);
    close(
        r.ci_low,
        (0.04920936005217035_f64 - 3.182446305284263 * 0.03833153949609289).exp_m1(),
        1e-9,
    );
    // Far wider than the normal interval's lower bound.
    assert!(r.ci_low < -0.06);
    // Two studies that disagree: t on 1 degree of freedom.
    let two = [
        LogLiftEstimate { log_lift: 0.2, variance: 0.001 },
        LogLiftEstimate { log_lift: 0.0, variance: 0.001 },
    ];
    let r = pool_hartung_knapp(&two, 0.05).unwrap();
    close(r.log_lift, 0.1, 1e-12);
    // τ² = (Q − 1)/c with Q = 20, c = 1000 → 0.019; w* = 1/0.02 each; se_RE = sqrt(0.02/2) = 0.1;
    // q_HK = (50·0.01 + 50·0.01)/1 = 1 → se = sqrt(1/100) = 0.1; t(0.975, 1) = 12.706204736174707.
    close(r.se, 0.1, 1e-12);
    close(r.ci_high, (0.1_f64 + 12.706204736174707 * 0.1).exp_m1(), 1e-9);
}
