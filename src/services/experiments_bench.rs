//! `liftmask bench results` and `bench stats`: the results page of a 20-arm experiment over 1M ad-day rows
//! (10,000 ads, 500 per arm) in a temporary SQLite database (rollup build, then every page view from a
//! fresh query), and 100k gbstats-compatible comparisons.

use std::hint::black_box;
use std::time::{Duration, Instant};

use analytics::stats::{ArmInput, CompareRequest, MethodKind, MetricKind, compare};
use diesel::RunQueryDsl;
use diesel::connection::SimpleConnection;

use crate::db::creative_days;
use crate::db::workspaces::WorkspaceId;
use crate::db::{DbConn, DbPool};
use crate::services::experiments::{self, ArmSpec, NewExperimentSpec};

/// What `bench results` measured.
#[derive(Debug, Clone)]
pub struct ResultsBench {
    /// Rows in `performance_rows`.
    pub rows: i64,
    /// Arms in the experiment.
    pub arms: usize,
    /// Time to generate the data.
    pub setup: Duration,
    /// Time to build the `creative_days` rollup and the per-ad running sums of every creative from
    /// scratch (what an import of all the rows adds to its transaction).
    pub rollup: Duration,
    /// The whole page, each run: loading the experiment, its daily sums and per-ad window sums (and the
    /// chart days' per-ad sums), the statistics, the charts and the template render.
    pub pages: Vec<Duration>,
}

/// The workspace `seed_sqlite` puts its master into.
const BENCH_WORKSPACE: WorkspaceId = WorkspaceId(1);

/// Fills an empty SQLite database with one master, `arms − 1` approved controlled variants, `ads` ads
/// spread over the arms and `days` days of rows per ad, in SQL (a recursive CTE), so 1M rows take seconds.
fn seed_sqlite(conn: &mut DbConn<'_>, arms: usize, ads: usize, days: usize) -> anyhow::Result<()> {
    let DbConn::Sqlite(c) = conn else { anyhow::bail!("bench results runs on SQLite") };
    let mut sql = String::from(
        "INSERT INTO workspaces (name, slug, created_at) VALUES ('bench', 'bench', '2026-01-01 00:00:00');\n\
         INSERT INTO masters (workspace_id, name, image_sha, thumb_sha, width, height, created_at) \
         VALUES (1, 'bench master', 'x', 'x', 1, 1, '2026-01-01 00:00:00');\n\
         INSERT INTO imports (sha256, platform, filename, row_count, ad_count, inserted_count, updated_count, created_at) \
         VALUES ('x', 'meta', 'bench.csv', 0, 0, 0, 0, '2026-01-01 00:00:00');\n",
    );
    for v in 1..arms {
        sql.push_str(&format!(
            "INSERT INTO variants (master_id, code, variable, value, operation, mask_sha, status, controlled, created_at) \
             VALUES (1, 'BENCH{v}', 'background', 'value {v}', 'recolor', 'x', 'approved', 1, '2026-01-01 00:00:00');\n"
        ));
    }
    sql.push_str(&format!(
        "WITH RECURSIVE a(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM a WHERE j < {last_ad}) \
         INSERT INTO ad_mappings (platform, ad_id, master_id, variant_id, mapped_by, created_at) \
         SELECT 'meta', 'ad' || j, 1, CASE WHEN j % {arms} = 0 THEN NULL ELSE j % {arms} END, 'manual', \
         '2026-01-01 00:00:00' FROM a;\n\
         WITH RECURSIVE a(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM a WHERE j < {last_ad}) \
         INSERT INTO ads (id, platform, ad_id, labels_from) SELECT j + 1, 'meta', 'ad' || j, '2026-01-01' FROM a;\n\
         WITH RECURSIVE a(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM a WHERE j < {last_ad}), \
         d(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM d WHERE k < {last_day}), \
         r AS (SELECT j, k, 800 + abs(random()) % 400 AS imp FROM a, d) \
         INSERT INTO performance_rows (ad_key, date, impressions, clicks, spend_micros, conversions, \
         conversion_value, source_import_id) \
         SELECT j + 1, date('2026-01-01', '+' || k || ' days'), imp, \
         imp * (15 + j % {arms}) / 1000 + abs(random()) % 5, imp * 5000 + abs(random()) % 100000, \
         abs(random()) % 4, (abs(random()) % 4000) / 10.0, 1 FROM r;\n",
        last_ad = ads - 1,
        last_day = days - 1,
    ));
    c.batch_execute(&sql)?;
    Ok(())
}

/// Generates the data in a temporary SQLite file and times `iterations` results-page computations.
pub fn bench_results(iterations: usize) -> anyhow::Result<ResultsBench> {
    let dir = tempfile::tempdir()?;
    let pool = DbPool::open(&dir.path().join("bench.sqlite3").to_string_lossy(), 4)?;
    pool.migrate()?;
    let (arms, ads, days) = (20, 10_000, 100);
    let started = Instant::now();
    let experiment = pool.run(|c| -> anyhow::Result<_> {
        seed_sqlite(c, arms, ads, days)?;
        let spec = NewExperimentSpec {
            master_id: 1,
            name: "bench".into(),
            start_date: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default(),
            end_date: None,
            primary_metric: "ctr".into(),
            guardrail_metrics: vec!["cpc".into()],
            method: "frequentist".into(),
            variance_model: None,
            correction: Some("holm".into()),
            alpha: Some(0.05),
            control_variant_id: None,
            control_planned_weight: Some(1.0),
            planned_ads_per_arm: None,
            grid_id: None,
            treatments: (1..arms as i32)
                .map(|v| ArmSpec { variant_id: v, planned_weight: Some(1.0) })
                .collect(),
            created_by: None,
        };
        Ok(experiments::create_experiment(c, BENCH_WORKSPACE, spec)?)
    })?;
    let rows: i64 = pool.run(|c| -> anyhow::Result<i64> {
        let DbConn::Sqlite(c) = c else { anyhow::bail!("SQLite only") };
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let n: Count =
            diesel::sql_query("SELECT COUNT(*) AS n FROM performance_rows").get_result(*c)?;
        Ok(n.n)
    })?;
    let setup = started.elapsed();
    let t = Instant::now();
    pool.run(|c| {
        c.transaction(|tx| creative_days::rebuild_all(tx).map_err(crate::db::DbError::from))
    })?;
    let rollup = t.elapsed();
    let tera = crate::web::render::load_templates()?;
    let page = || -> anyhow::Result<Duration> {
        let t = Instant::now();
        let results = experiments::results(&pool, BENCH_WORKSPACE, experiment.id)?;
        let mut ctx = tera::Context::new();
        ctx.insert("r", &results);
        ctx.insert("csrf_token", "bench");
        ctx.insert("flashes", &Vec::<String>::new());
        ctx.insert("request_path", "/experiments/1");
        ctx.insert("app_version", env!("CARGO_PKG_VERSION"));
        black_box(tera.render("experiments/show.html", &ctx)?);
        Ok(t.elapsed())
    };
    let pages = (0..iterations).map(|_| page()).collect::<anyhow::Result<Vec<_>>>()?;
    Ok(ResultsBench { rows, arms, setup, rollup, pages })
}

/// Runs `n` relative frequentist / sequential / Bayesian comparisons of proportion and mean arms.
pub fn bench_stats(n: usize) -> anyhow::Result<Duration> {
    let started = Instant::now();
    for i in 0..n {
        let k = (i % 100) as f64;
        let (metric, control, treatment) = if i % 2 == 0 {
            (
                MetricKind::Proportion,
                ArmInput { n: 3000, sum: Some(1396.0 + k), ..ArmInput::default() },
                ArmInput { n: 3461, sum: Some(2422.0 - k), ..ArmInput::default() },
            )
        } else {
            (
                MetricKind::Mean,
                ArmInput {
                    n: 3407,
                    sum: Some(1396.87 + k),
                    sum_squares: Some(52377.9767),
                    ..ArmInput::default()
                },
                ArmInput {
                    n: 3461,
                    sum: Some(2422.7),
                    sum_squares: Some(134698.29 + k),
                    ..ArmInput::default()
                },
            )
        };
        let method = match i % 3 {
            0 => MethodKind::Frequentist,
            1 => MethodKind::Sequential,
            _ => MethodKind::Bayesian,
        };
        let req = CompareRequest {
            metric,
            method,
            difference: analytics::stats::Difference::Relative,
            alpha: 0.05,
            sequential_tuning: None,
            prior: None,
            control,
            treatment,
        };
        black_box(compare(black_box(&req))?);
    }
    Ok(started.elapsed())
}
