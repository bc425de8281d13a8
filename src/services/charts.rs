//! Server-rendered SVG charts (plotters, SVG backend): cumulative lift over time with its interval band,
//! a forest plot of the arms, and a forest plot per variable for the leaderboard. The markup is inlined
//! in the pages.

use std::collections::{BTreeSet, HashMap};

use analytics::stats::AdMetric;
use chrono::NaiveDate;
use plotters::prelude::*;
use serde::Serialize;

use crate::db::experiment_arms::ExperimentArm;
use crate::db::reporting::ArmDay;
use crate::services::attribution::VariableEffect;
use crate::services::experiments::{ArmData, ArmTotals, ComparisonView, Settings, compare};

/// A chart could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("chart: {0}")]
pub struct ChartError(String);

impl ChartError {
    fn from_draw<E: std::fmt::Display>(err: E) -> Self {
        Self(err.to_string())
    }
}

/// One point of a cumulative-lift series.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct LiftPoint {
    /// The day, data up to and including it.
    pub day: NaiveDate,
    pub lift: f64,
    /// Lower interval bound.
    pub ci_low: f64,
    /// Upper interval bound.
    pub ci_high: f64,
}

/// One treatment arm's cumulative lift against the control.
#[derive(Debug, Clone, Serialize)]
pub struct LiftSeries {
    pub label: String,
    /// Interval points at the chart days (ad-clustered intervals need per-ad sums, read per chart day).
    pub points: Vec<LiftPoint>,
    /// The cumulative lift every day (a ratio of sums, read from the daily rollup).
    pub line: Vec<(NaiveDate, f64)>,
}

/// Cumulative lift of every treatment over the control on `metric`: the lift every day from the daily
/// sums, and its interval at each chart day from the data up to that day (per-ad sums included, so the
/// band is the ad-clustered one). Days where either arm lacks data for a test are skipped.
pub fn cumulative_series(
    arms: &[ExperimentArm],
    control: &ExperimentArm,
    days: &[ArmDay],
    points: &[(NaiveDate, HashMap<i32, ArmData>)],
    metric: AdMetric,
    settings: &Settings,
) -> Vec<LiftSeries> {
    let calendar: BTreeSet<NaiveDate> = days.iter().map(|d| d.day).collect();
    let running = |arm_id: i32| -> Vec<Option<f64>> {
        let mut total = ArmTotals::default();
        let mut own = days.iter().filter(|d| d.arm_id == arm_id).peekable();
        calendar
            .iter()
            .map(|day| {
                while let Some(d) = own.next_if(|d| d.day <= *day) {
                    total.add(d);
                }
                total.value(metric)
            })
            .collect()
    };
    let control_values = running(control.id);
    arms.iter()
        .filter(|a| !a.is_control)
        .map(|arm| {
            let line = calendar
                .iter()
                .zip(control_values.iter().zip(running(arm.id)))
                .filter_map(|(day, (a, b))| match (a, b) {
                    (Some(a), Some(b)) if *a != 0.0 => Some((*day, (b - a) / a.abs())),
                    _ => None,
                })
                .collect();
            let points = points
                .iter()
                .filter_map(|(day, data)| {
                    let inf = compare(data.get(&control.id)?, data.get(&arm.id)?, metric, settings)
                        .ok()?
                        .inference;
                    let finite =
                        inf.lift.is_finite() && inf.ci_low.is_finite() && inf.ci_high.is_finite();
                    finite.then_some(LiftPoint {
                        day: *day,
                        lift: inf.lift,
                        ci_low: inf.ci_low,
                        ci_high: inf.ci_high,
                    })
                })
                .collect();
            LiftSeries { label: arm.label.clone(), points, line }
        })
        .collect()
}

/// Range of the y axis covering every value, padded, and always containing zero.
fn padded_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((0.0_f64, 0.0_f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let pad = ((hi - lo) * 0.08).max(0.01);
    (lo - pad, hi + pad)
}

/// Percent label for a relative lift.
fn pct(v: &f64) -> String {
    format!("{:+.0}%", v * 100.0)
}

/// The cumulative-lift chart as SVG markup (empty when there is nothing to draw).
pub fn cumulative_lift_svg(series: &[LiftSeries], metric: AdMetric) -> Result<String, ChartError> {
    let first = series.iter().flat_map(|s| s.line.first()).map(|p| p.0).min();
    let last = series.iter().flat_map(|s| s.line.last()).map(|p| p.0).max();
    let (Some(first), Some(last)) = (first, last) else { return Ok(String::new()) };
    let span = ((last - first).num_days() as f64).max(1.0);
    let (y0, y1) = padded_range(
        series
            .iter()
            .flat_map(|s| s.points.iter())
            .flat_map(|p| [p.ci_low, p.ci_high])
            .chain(series.iter().flat_map(|s| s.line.iter().map(|p| p.1))),
    );
    let x = |d: NaiveDate| (d - first).num_days() as f64;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (760, 340)).into_drawing_area();
        root.fill(&WHITE).map_err(ChartError::from_draw)?;
        let caption = format!(
            "Cumulative lift in {} vs control (band: interval at {} days)",
            metric.name().to_uppercase(),
            series.first().map_or(0, |s| s.points.len())
        );
        let mut chart = ChartBuilder::on(&root)
            .caption(caption, ("sans-serif", 16))
            .margin(12)
            .x_label_area_size(32)
            .y_label_area_size(56)
            .build_cartesian_2d(0.0..span, y0..y1)
            .map_err(ChartError::from_draw)?;
        let date_label =
            |v: &f64| (first + chrono::Days::new(v.max(0.0).round() as u64)).to_string();
        chart
            .configure_mesh()
            .x_labels(6)
            .y_labels(6)
            .x_label_formatter(&date_label)
            .y_label_formatter(&pct)
            .light_line_style(WHITE)
            .draw()
            .map_err(ChartError::from_draw)?;
        chart
            .draw_series(LineSeries::new([(0.0, 0.0), (span, 0.0)], BLACK.stroke_width(1)))
            .map_err(ChartError::from_draw)?;
        for (i, s) in series.iter().enumerate() {
            let color = Palette99::pick(i);
            let band: Vec<(f64, f64)> = s
                .points
                .iter()
                .map(|p| (x(p.day), p.ci_high))
                .chain(s.points.iter().rev().map(|p| (x(p.day), p.ci_low)))
                .collect();
            chart
                .draw_series(std::iter::once(Polygon::new(band, color.mix(0.15).filled())))
                .map_err(ChartError::from_draw)?;
            let line_color = color.to_rgba();
            chart
                .draw_series(LineSeries::new(
                    s.line.iter().map(|p| (x(p.0), p.1)),
                    line_color.stroke_width(2),
                ))
                .map_err(ChartError::from_draw)?
                .label(s.label.clone())
                .legend(move |(lx, ly)| {
                    PathElement::new(vec![(lx, ly), (lx + 16, ly)], line_color.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .draw()
            .map_err(ChartError::from_draw)?;
        root.present().map_err(ChartError::from_draw)?;
    }
    Ok(svg)
}

/// A forest plot of the arms' lifts with their intervals (empty when there is nothing to draw).
pub fn forest_svg(rows: &[&ComparisonView], metric: AdMetric) -> Result<String, ChartError> {
    let rows: Vec<&&ComparisonView> = rows
        .iter()
        .filter(|c| c.inference.ci_low.is_finite() && c.inference.ci_high.is_finite())
        .collect();
    if rows.is_empty() {
        return Ok(String::new());
    }
    let (x0, x1) =
        padded_range(rows.iter().flat_map(|c| [c.inference.ci_low, c.inference.ci_high]));
    let n = rows.len();
    let labels: Vec<String> = rows.iter().map(|c| c.arm_label.clone()).collect();
    let height = 90 + 34 * n as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (760, height)).into_drawing_area();
        root.fill(&WHITE).map_err(ChartError::from_draw)?;
        let caption =
            format!("{} lift vs control, {}", metric.name().to_uppercase(), "with intervals");
        let mut chart = ChartBuilder::on(&root)
            .caption(caption, ("sans-serif", 16))
            .margin(12)
            .x_label_area_size(32)
            .y_label_area_size(260)
            .build_cartesian_2d(x0..x1, -0.5..(n as f64 - 0.5))
            .map_err(ChartError::from_draw)?;
        let arm_label = |v: &f64| row_label(&labels, *v);
        chart
            .configure_mesh()
            .y_labels(n * 4 + 1)
            .x_labels(7)
            .x_label_formatter(&pct)
            .y_label_formatter(&arm_label)
            .disable_y_mesh()
            .light_line_style(WHITE)
            .draw()
            .map_err(ChartError::from_draw)?;
        chart
            .draw_series(LineSeries::new(
                [(0.0, -0.5), (0.0, n as f64 - 0.5)],
                BLACK.stroke_width(1),
            ))
            .map_err(ChartError::from_draw)?;
        for (i, c) in rows.iter().enumerate() {
            let y = (n - 1 - i) as f64;
            let color = match c.verdict {
                analytics::stats::Verdict::Winner => RGBColor(22, 128, 61),
                analytics::stats::Verdict::Loser => RGBColor(185, 28, 28),
                analytics::stats::Verdict::Inconclusive => RGBColor(90, 90, 90),
            };
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(c.inference.ci_low, y), (c.inference.ci_high, y)],
                    color.stroke_width(3),
                )))
                .map_err(ChartError::from_draw)?;
            chart
                .draw_series(std::iter::once(Circle::new((c.inference.lift, y), 5, color.filled())))
                .map_err(ChartError::from_draw)?;
        }
        root.present().map_err(ChartError::from_draw)?;
    }
    Ok(svg)
}

/// One line of a forest plot.
struct ForestLine {
    label: String,
    lift: f64,
    low: f64,
    high: f64,
    pooled: bool,
}

/// A variable's forest plot: each value's pooled studies, then its pooled estimate in bold (empty
/// when there is nothing to draw).
pub fn variable_forest_svg(
    variable: &str,
    rows: &[&VariableEffect],
    metric: AdMetric,
) -> Result<String, ChartError> {
    let mut lines = Vec::new();
    for row in rows {
        for s in &row.studies {
            lines.push(ForestLine {
                label: format!("{}: {}", s.experiment_name, row.value),
                lift: s.relative_lift,
                low: s.ci_low,
                high: s.ci_high,
                pooled: false,
            });
        }
        lines.push(ForestLine {
            label: format!("{} = {} (pooled, k = {})", row.variable, row.value, row.pooled.k),
            lift: row.pooled.relative_lift,
            low: row.pooled.ci_low,
            high: row.pooled.ci_high,
            pooled: true,
        });
    }
    lines.retain(|l| l.low.is_finite() && l.high.is_finite() && l.lift.is_finite());
    if lines.is_empty() {
        return Ok(String::new());
    }
    let (x0, x1) = padded_range(lines.iter().flat_map(|l| [l.low, l.high]));
    let n = lines.len();
    let height = 90 + 30 * n as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (760, height)).into_drawing_area();
        root.fill(&WHITE).map_err(ChartError::from_draw)?;
        let caption = format!("{variable}: {} lift over the parent", metric.name().to_uppercase());
        let mut chart = ChartBuilder::on(&root)
            .caption(caption, ("sans-serif", 16))
            .margin(12)
            .x_label_area_size(32)
            .y_label_area_size(260)
            .build_cartesian_2d(x0..x1, -0.5..(n as f64 - 0.5))
            .map_err(ChartError::from_draw)?;
        let labels: Vec<String> = lines.iter().map(|l| l.label.clone()).collect();
        let line_label = |v: &f64| row_label(&labels, *v);
        chart
            .configure_mesh()
            .y_labels(n * 4 + 1)
            .x_labels(7)
            .x_label_formatter(&pct)
            .y_label_formatter(&line_label)
            .disable_y_mesh()
            .light_line_style(WHITE)
            .draw()
            .map_err(ChartError::from_draw)?;
        chart
            .draw_series(LineSeries::new(
                [(0.0, -0.5), (0.0, n as f64 - 0.5)],
                BLACK.stroke_width(1),
            ))
            .map_err(ChartError::from_draw)?;
        for (i, l) in lines.iter().enumerate() {
            let y = (n - 1 - i) as f64;
            let (color, width, size) =
                if l.pooled { (RGBColor(30, 64, 175), 4, 6) } else { (RGBColor(90, 90, 90), 2, 4) };
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(l.low, y), (l.high, y)],
                    color.stroke_width(width),
                )))
                .map_err(ChartError::from_draw)?;
            chart
                .draw_series(std::iter::once(Circle::new((l.lift, y), size, color.filled())))
                .map_err(ChartError::from_draw)?;
        }
        root.present().map_err(ChartError::from_draw)?;
    }
    Ok(svg)
}

/// The label of a forest plot's row at axis value `v` (row 0 at the top), or nothing between rows.
fn row_label(labels: &[String], v: f64) -> String {
    let i = v.round();
    if (v - i).abs() < 0.01 && i >= 0.0 && (i as usize) < labels.len() {
        labels[labels.len() - 1 - i as usize].clone()
    } else {
        String::new()
    }
}
