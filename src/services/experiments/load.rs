//! Loading what the results page analyses: the experiment and its arms, daily sums, each ad's window sums
//! and the chart days' running sums.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;

use super::ExperimentError;
use super::results::{ResultsData, analyse};
use super::views::ExperimentResults;
use crate::db::experiment_arms::{self, ExperimentArm};
use crate::db::experiments::{self, Experiment};
use crate::db::reporting::{self, MappedAd, VariantInfo};
use crate::db::workspaces::WorkspaceId;
use crate::db::{DbConn, DbPool};

/// Chart days with an interval band (the middle of the calendar and its last day). Each but the last
/// costs one running-sum lookup per ad, about as much as the window itself, so with 10,000 ads a third
/// point would put the 20-arm page over its 200 ms budget. The lift line is drawn every day from the
/// daily rollup.
const CHART_POINTS: usize = 2;

/// Up to `CHART_POINTS` days spread over `calendar`, always ending with its last day.
fn chart_days(calendar: &[NaiveDate]) -> Vec<NaiveDate> {
    let n = calendar.len();
    if n == 0 {
        return Vec::new();
    }
    let k = CHART_POINTS.min(n);
    let picked: BTreeSet<NaiveDate> = (1..=k)
        .filter_map(|i| calendar.get((i * n).div_ceil(k).saturating_sub(1)))
        .copied()
        .collect();
    picked.into_iter().collect()
}

/// Loads and analyses an experiment of workspace `ws`.
///
/// The per-ad window sums and each chart day's running sums are the page's main cost (index seeks for
/// every ad), and they do not depend on one another, so the chart days' lookups run on their own pooled
/// connections while this one reads the windows. (Each statement reads its own snapshot, as it did when
/// they ran one after another.)
pub fn results(
    pool: &DbPool,
    ws: WorkspaceId,
    id: i32,
) -> Result<ExperimentResults, ExperimentError> {
    let (experiment, master_name, arms, variants, ads) = pool.run(|c| load_setup(c, ws, id))?;
    let (start, end) = (experiment.start_date, experiment.end_date);
    let (days, windows, checkpoints) = std::thread::scope(|scope| -> Result<_, ExperimentError> {
        let (days, windows, lookups) = pool.run(|c| -> Result<_, ExperimentError> {
            let days = reporting::arm_days(c, id, start, end)?;
            let calendar: Vec<NaiveDate> =
                days.iter().map(|d| d.day).collect::<BTreeSet<_>>().into_iter().collect();
            let last = calendar.last().copied();
            // The last chart day's window is the one read below; the earlier ones start now.
            let lookups: Vec<_> = chart_days(&calendar)
                .into_iter()
                .map(|day| {
                    let lookup = (Some(day) != last).then(|| {
                        scope.spawn(move || {
                            pool.run(|c| {
                                reporting::ads_running_at(c, id, day).map_err(ExperimentError::from)
                            })
                        })
                    });
                    (day, lookup)
                })
                .collect();
            let windows = reporting::arm_ad_windows(c, id, start, end)?;
            Ok((days, windows, lookups))
        })?;
        // Joined after this connection went back to the pool, so a full pool cannot deadlock.
        let mut checkpoints = Vec::with_capacity(lookups.len());
        for (day, lookup) in lookups {
            let running = match lookup {
                Some(handle) => {
                    Some(handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))?)
                }
                None => None,
            };
            checkpoints.push((day, running));
        }
        Ok((days, windows, checkpoints))
    })?;
    let grid = pool.run(|c| {
        crate::services::grids::factorial_for_experiment(c, &experiment, &arms, &windows)
    })?;
    let ad_names: HashMap<i32, Option<String>> = pool
        .run(|c| {
            crate::db::ads::mapped_names(c, experiment.master_id).map_err(ExperimentError::from)
        })?
        .into_iter()
        .collect();
    let data = ResultsData {
        experiment,
        master_name,
        arms,
        variants,
        ads,
        days,
        windows,
        checkpoints,
        ad_names,
    };
    let mut results = analyse(data)?;
    results.grid = grid;
    Ok(results)
}

/// What the page needs before the large reads: the experiment (404 outside `ws`), its master's name, its
/// arms, the master's variants by id and its mapped ads.
type Setup = (Experiment, String, Vec<ExperimentArm>, HashMap<i32, VariantInfo>, Vec<MappedAd>);

fn load_setup(conn: &mut DbConn<'_>, ws: WorkspaceId, id: i32) -> Result<Setup, ExperimentError> {
    let experiment = experiments::find_in(conn, ws, id)?;
    let arms = experiment_arms::list_for_experiment(conn, id)?;
    let variants: HashMap<i32, VariantInfo> =
        reporting::variants_of_master(conn, experiment.master_id)?
            .into_iter()
            .map(|v| (v.id, v))
            .collect();
    let ads = reporting::mapped_ads(conn, experiment.master_id)?;
    let master_name = reporting::master_name(conn, experiment.master_id)?;
    Ok((experiment, master_name, arms, variants, ads))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_days_spread_over_the_calendar_and_end_on_the_last() {
        let cal: Vec<NaiveDate> =
            (1..=21).map(|d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap()).collect();
        let picked = chart_days(&cal);
        assert_eq!(picked.len(), CHART_POINTS);
        assert_eq!(picked.last(), cal.last());
        assert_eq!(picked.first(), cal.get(10), "the middle of 21 days");
        assert_eq!(chart_days(&cal[..1]), cal[..1].to_vec());
        assert!(chart_days(&[]).is_empty());
    }
}
