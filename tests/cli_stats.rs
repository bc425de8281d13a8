//! `liftmask stats compare` run as a process: gbstats' published cases from STATS.md, and bad input.

#![allow(clippy::expect_used, clippy::unwrap_used, reason = "a test or bench binary fails loudly")]

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs the built binary with `input` on stdin.
fn compare(input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_liftmask"))
        .args(["stats", "compare"])
        .env("LIFTMASK_LOG", "error")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn liftmask");
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write stdin");
    child.wait_with_output().expect("wait")
}

/// Parses a successful run's JSON.
fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

/// Asserts `field` equals `expected` to the five decimals STATS.md prints.
fn close(v: &serde_json::Value, field: &str, expected: f64) {
    let got = v[field].as_f64().unwrap_or_else(|| panic!("{field} missing in {v}"));
    assert!((got - expected).abs() < 5e-6, "{field}: got {got}, expected {expected}");
}

const WELCH: &str = r#""control": {"n": 3407, "sum": 1396.87, "sum_squares": 52377.9767},
  "treatment": {"n": 3461, "sum": 2422.7, "sum_squares": 134698.29}"#;

#[test]
fn welch_relative_matches_gbstats() {
    let v = json(&compare(&format!(
        r#"{{"metric": "mean", "method": "frequentist", "difference": "relative", {WELCH}}}"#
    )));
    close(&v, "lift", 0.70732);
    close(&v, "ci_low", -0.03526);
    close(&v, "ci_high", 1.44989);
    close(&v, "p_value", 0.06191);
    assert!(v.get("chance_to_win").is_none(), "{v}");
}

#[test]
fn welch_absolute_matches_gbstats() {
    let v = json(&compare(&format!(
        r#"{{"metric": "mean", "method": "frequentist", "difference": "absolute", {WELCH}}}"#
    )));
    close(&v, "lift", 0.29);
    close(&v, "ci_low", 0.04538);
    close(&v, "ci_high", 0.53462);
    close(&v, "p_value", 0.02016);
}

#[test]
fn proportions_match_gbstats() {
    let v = json(&compare(
        r#"{"metric": "proportion", "method": "frequentist", "difference": "relative",
            "control": {"n": 28, "sum": 14}, "treatment": {"n": 30, "sum": 16}}"#,
    ));
    close(&v, "lift", 0.06667);
    close(&v, "ci_low", -0.47767);
    close(&v, "ci_high", 0.61101);
    close(&v, "p_value", 0.80707);
}

#[test]
fn sequential_proportions_match_gbstats() {
    let v = json(&compare(
        r#"{"metric": "proportion", "method": "sequential", "difference": "relative", "alpha": 0.05,
            "sequential_tuning": 5000,
            "control": {"n": 3000, "sum": 1396}, "treatment": {"n": 3461, "sum": 2422}}"#,
    ));
    close(&v, "lift", 0.50386);
    close(&v, "ci_low", 0.40098);
    close(&v, "ci_high", 0.60675);
    assert!(v["p_value"].as_f64().is_some_and(|p| p < 0.05), "{v}");
}

#[test]
fn bayesian_reports_chance_to_win_not_p() {
    let v = json(&compare(
        r#"{"metric": "proportion", "method": "bayesian",
            "control": {"n": 3000, "sum": 1396}, "treatment": {"n": 3461, "sum": 2422}}"#,
    ));
    assert!(v.get("p_value").is_none(), "{v}");
    assert!(v["chance_to_win"].as_f64().is_some_and(|c| c > 0.999), "{v}");
}

#[test]
fn invalid_input_exits_2_with_one_line() {
    for bad in [
        "not json",
        r#"{"metric": "median", "method": "frequentist", "control": {"n": 1}, "treatment": {"n": 1}}"#,
        r#"{"metric": "proportion", "method": "frequentist", "control": {"n": 10}, "treatment": {"n": 10, "sum": 3}}"#,
    ] {
        let out = compare(bad);
        assert_eq!(out.status.code(), Some(2), "input {bad}");
        assert!(out.stdout.is_empty(), "nothing on stdout for {bad}");
        let err = String::from_utf8(out.stderr).expect("utf-8");
        assert_eq!(err.trim_end().lines().count(), 1, "one line, got {err:?}");
        assert!(err.starts_with("error: "), "{err}");
    }
}
