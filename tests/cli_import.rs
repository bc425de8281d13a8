//! `liftmask import` run as a real process on the real-format fixtures: exact totals in
//! `--json`, nothing written with `--dry-run`, idempotent re-imports, and a rejected file exiting
//! non-zero with line, column and reason on stderr.

#![allow(clippy::expect_used, clippy::unwrap_used, reason = "a test or bench binary fails loudly")]

use std::process::{Command, Output};

use serde_json::{Value, json};

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/csv/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn liftmask(data_dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_liftmask"))
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        // No configuration from the environment or a stray liftmask.toml may leak in.
        .arg("--config")
        .arg(data_dir.join("absent.toml"))
        .env_remove("LIFTMASK_DATABASE_URL")
        .env_remove("LIFTMASK_DATA_DIR")
        .output()
        .expect("run liftmask")
}

fn json_of(out: &Output) -> Value {
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.trim().lines().count(), 1, "exactly one JSON object: {stdout}");
    serde_json::from_str(stdout.trim()).expect("JSON")
}

#[test]
fn dry_run_json_of_meta_export_has_exact_totals() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out =
        liftmask(dir.path(), &["import", &fixture("meta_daily_bom.csv"), "--dry-run", "--json"]);
    let v = json_of(&out);
    assert_eq!(v["platform"], "meta");
    assert_eq!(v["rows"], 4);
    assert_eq!(v["ads"], 2);
    assert_eq!(v["currency"], "EUR");
    assert_eq!(v["date_min"], "2026-09-01");
    assert_eq!(v["date_max"], "2026-09-02");
    assert_eq!(
        v["totals"],
        json!({"impressions": 15660, "clicks": 341, "spend": 1619.31, "conversions": 14.0, "revenue": 2209.8})
    );
    // The `Hero | LM-7F3K` ad carries a code; `Control` does not.
    assert_eq!(v["unmapped_ads"], json!(["120212345678909990"]));
    assert!(v.get("import").is_none(), "a dry run stores nothing");
}

#[test]
fn google_preamble_export_with_platform_flag() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = liftmask(
        dir.path(),
        &[
            "import",
            &fixture("google_ads_preamble.csv"),
            "--platform",
            "google",
            "--dry-run",
            "--json",
        ],
    );
    let v = json_of(&out);
    assert_eq!(
        (v["platform"].as_str(), v["rows"].as_u64(), v["ads"].as_u64()),
        (Some("google"), Some(4), Some(2))
    );
    assert_eq!(v["currency"], "USD");
    assert_eq!(
        (v["date_min"].as_str(), v["date_max"].as_str()),
        (Some("2026-09-01"), Some("2026-09-03"))
    );
    assert_eq!(
        v["totals"],
        json!({"impressions": 25821, "clicks": 637, "spend": 2540.85, "conversions": 23.83, "revenue": 3375.0})
    );
    assert_eq!(v["unmapped_ads"], json!(["700000000001", "700000000002"]));
}

#[test]
fn storing_twice_updates_and_never_double_counts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = fixture("tiktok_by_day.csv");
    let first = json_of(&liftmask(dir.path(), &["import", &file, "--json"]));
    assert_eq!(first["totals"]["impressions"], 23500);
    assert_eq!(first["totals"]["spend"], 160.0);
    assert_eq!(
        (first["import"]["inserted"].as_i64(), first["import"]["updated"].as_i64()),
        (Some(3), Some(0))
    );
    let second = json_of(&liftmask(dir.path(), &["import", &file, "--json"]));
    assert_eq!(
        (second["import"]["inserted"].as_i64(), second["import"]["updated"].as_i64()),
        (Some(0), Some(3))
    );
    assert_eq!(second["totals"], first["totals"]);
    assert_eq!(second["unmapped_ads"], json!(["1790000000000000002"]));

    // The text form says what was stored.
    let out = liftmask(dir.path(), &["import", &file]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("tiktok: 3 rows, 2 ads") && text.contains("0 new, 3 updated"), "{text}");
}

#[test]
fn a_rejected_file_exits_non_zero_with_line_and_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = liftmask(dir.path(), &["import", &fixture("bad_impressions.csv"), "--json"]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "no JSON for a rejected file");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 4") && err.contains("Impressions") && err.contains("1,2OO"),
        "{err}"
    );
    assert!(err.contains("line 6") && err.contains("Amount spent (USD)"), "{err}");
    // Nothing was stored: a dry run of a good file still sees every ad as unmapped and new.
    let ok = json_of(&liftmask(dir.path(), &["import", &fixture("tiktok_by_day.csv"), "--json"]));
    assert_eq!(ok["import"]["id"], 1, "the rejected file left no import row");
}
