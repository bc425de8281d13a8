//! CSV exports (RFC 4180, UTF-8, header row, ISO dates, `.` decimals) written with the `csv` crate:
//! experiment results, variable attribution, and raw daily performance per arm.

use analytics::stats::Verdict;

use crate::services::attribution::VariableEffect;
use crate::services::experiments::{ExperimentResults, FormatReference};

/// A report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The CSV writer failed.
    #[error("csv: {0}")]
    Csv(#[from] csv::Error),
    /// Flushing the buffer failed.
    #[error("csv buffer: {0}")]
    Flush(#[source] std::io::Error),
}

/// Writes one record with every cell neutralised against formula injection (OWASP's rule): a cell
/// that a spreadsheet would evaluate, because it starts with `=`, `+`, `-`, `@`, a tab or a carriage
/// return, gets a leading `'`. Numbers are left alone: `-0.05` is data, not a formula.
fn write_safe<I, S>(w: &mut csv::Writer<Vec<u8>>, record: I) -> Result<(), ReportError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    w.write_record(record.into_iter().map(|cell| neutralise(cell.as_ref()).into_owned()))?;
    Ok(())
}

fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && cell.parse::<f64>().is_err() {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// Flushes the writer and returns the bytes.
fn finish(w: csv::Writer<Vec<u8>>) -> Result<Vec<u8>, ReportError> {
    w.into_inner().map_err(|e| ReportError::Flush(e.into_error()))
}

/// A number as CSV text; empty when absent or not finite.
fn num(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x}"),
        _ => String::new(),
    }
}

/// The verdict's name.
fn verdict_name(v: Verdict) -> &'static str {
    match v {
        Verdict::Winner => "winner",
        Verdict::Loser => "loser",
        Verdict::Inconclusive => "inconclusive",
    }
}

/// Column names of [`results_csv`].
pub const RESULTS_HEADER: [&str; 16] = [
    "experiment_id",
    "arm_id",
    "arm",
    "is_control",
    "metric",
    "n",
    "value",
    "reference",
    "lift",
    "ci_low",
    "ci_high",
    "p_value",
    "chance_to_win",
    "verdict",
    "method",
    "variance_model",
];

/// One row per arm × metric: n, value, and for treatments the lift vs control, interval, p or chance to
/// win (direction-aware), verdict; plus the method and variance model used.
pub fn results_csv(r: &ExperimentResults) -> Result<Vec<u8>, ReportError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(RESULTS_HEADER)?;
    let e = &r.experiment;
    for arm in &r.arms {
        for &(metric, value) in &arm.metrics {
            let cmp = r.comparisons.iter().find(|c| c.arm_id == arm.arm.id && c.metric == metric);
            let (n, reference, lift, lo, hi, p, ctw, verdict, variance) = match cmp {
                Some(c) => (
                    c.n.to_string(),
                    c.reference_label.clone(),
                    num(Some(c.inference.lift)),
                    num(Some(c.inference.ci_low)),
                    num(Some(c.inference.ci_high)),
                    num(c.inference.p_value),
                    num(c.chance_to_be_better),
                    verdict_name(c.verdict).to_string(),
                    c.variance.name().to_string(),
                ),
                None => {
                    let reference_n = r
                        .comparisons
                        .iter()
                        .find(|c| c.reference_id == arm.arm.id && c.metric == metric)
                        .map_or(arm.ad_days.to_string(), |c| c.reference_n.to_string());
                    (
                        reference_n,
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                        e.variance_model.clone(),
                    )
                }
            };
            write_safe(
                &mut w,
                [
                    e.id.to_string(),
                    arm.arm.id.to_string(),
                    arm.arm.label.clone(),
                    arm.arm.is_control.to_string(),
                    metric.name().to_string(),
                    n,
                    num(value),
                    reference,
                    lift,
                    lo,
                    hi,
                    p,
                    ctw,
                    verdict,
                    e.method.clone(),
                    variance,
                ],
            )?;
        }
    }
    finish(w)
}

/// Column names of [`daily_csv`].
pub const DAILY_HEADER: [&str; 10] = [
    "experiment_id",
    "arm_id",
    "arm",
    "date",
    "ad_days",
    "impressions",
    "clicks",
    "spend",
    "conversions",
    "revenue",
];

/// Raw daily performance per arm (sums over the arm's mapped ads).
pub fn daily_csv(r: &ExperimentResults) -> Result<Vec<u8>, ReportError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(DAILY_HEADER)?;
    for d in &r.days {
        let label = r.arms.iter().find(|a| a.arm.id == d.arm_id).map_or("", |a| &a.arm.label);
        write_safe(
            &mut w,
            [
                r.experiment.id.to_string(),
                d.arm_id.to_string(),
                label.to_string(),
                d.day.format("%Y-%m-%d").to_string(),
                d.n.to_string(),
                format!("{}", d.imp),
                format!("{}", d.clk),
                format!("{:.6}", d.spend),
                format!("{}", d.conv),
                format!("{}", d.rev),
            ],
        )?;
    }
    finish(w)
}

/// Column names of [`by_format_csv`].
pub const BY_FORMAT_HEADER: [&str; 16] = [
    "experiment_id",
    "arm_id",
    "arm",
    "code",
    "is_control",
    "format",
    "metric",
    "ads",
    "impressions",
    "value",
    "value_ci_low",
    "value_ci_high",
    "reference",
    "lift",
    "ci_low",
    "ci_high",
];

/// The primary metric per arm and format; only the header when no arm spans several formats.
pub fn by_format_csv(r: &ExperimentResults) -> Result<Vec<u8>, ReportError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(BY_FORMAT_HEADER)?;
    for (split, f) in r.by_format.iter().flat_map(|s| s.rows.iter().map(move |f| (s, f))) {
        let reference = match f.reference {
            Some(FormatReference::SameFormat) => "same_format",
            Some(FormatReference::ControlOverall) => "control_overall",
            None => "",
        };
        write_safe(
            &mut w,
            [
                r.experiment.id.to_string(),
                f.arm_id.to_string(),
                f.arm_label.clone(),
                f.code.clone().unwrap_or_default(),
                f.is_control.to_string(),
                f.format.to_string(),
                split.metric.name().to_string(),
                f.ads.to_string(),
                format!("{}", f.impressions),
                num(f.value),
                num(f.ci_low),
                num(f.ci_high),
                reference.to_string(),
                num(f.lift.map(|l| l.lift)),
                num(f.lift.map(|l| l.ci_low)),
                num(f.lift.map(|l| l.ci_high)),
            ],
        )?;
    }
    finish(w)
}

/// Column names of [`variables_csv`].
pub const VARIABLES_HEADER: [&str; 12] = [
    "variable",
    "value",
    "metric",
    "experiments",
    "masters",
    "lift",
    "ci_low",
    "ci_high",
    "p_value",
    "i_squared",
    "tau_squared",
    "model",
];

/// The variables leaderboard: each variable = value pooled across experiments.
pub fn variables_csv(rows: &[VariableEffect]) -> Result<Vec<u8>, ReportError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(VARIABLES_HEADER)?;
    for v in rows {
        let model = match v.pooled.model {
            analytics::stats::PoolingModel::FixedEffect => "fixed_effect",
            analytics::stats::PoolingModel::RandomEffects => "random_effects",
        };
        write_safe(
            &mut w,
            [
                v.variable.clone(),
                v.value.clone(),
                v.metric.name().to_string(),
                v.experiments.to_string(),
                v.masters.to_string(),
                num(Some(v.pooled.relative_lift)),
                num(Some(v.pooled.ci_low)),
                num(Some(v.pooled.ci_high)),
                num(Some(v.pooled.p_value)),
                num(Some(v.pooled.i_squared)),
                num(Some(v.pooled.tau_squared)),
                model.to_string(),
            ],
        )?;
    }
    finish(w)
}

/// A download name made only of `[a-z0-9-]`, so it is safe in a Content-Disposition header.
pub fn safe_filename(stem: &str, extension: &str) -> String {
    let mut out = String::with_capacity(stem.len());
    for ch in stem.chars().flat_map(char::to_lowercase) {
        if ch.is_ascii_alphanumeric() {
            out.push(ch);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed = out.trim_matches('-');
    let stem = if trimmed.is_empty() { "export" } else { trimmed };
    format!("{}.{extension}", &stem[..stem.len().min(80)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filenames_are_safe() {
        assert_eq!(safe_filename("Spring \"sale\"; rm -rf /", "csv"), "spring-sale-rm-rf.csv");
        assert_eq!(safe_filename("été ☃", "csv"), "t.csv");
        assert_eq!(safe_filename("", "csv"), "export.csv");
    }

    #[test]
    fn formula_cells_are_neutralised_and_numbers_kept() {
        for cell in ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralise(cell), format!("'{cell}"), "{cell:?}");
        }
        for cell in ["-0.05", "+3", "1e-3", "city", "a=b"] {
            assert_eq!(neutralise(cell), cell);
        }
    }
}
