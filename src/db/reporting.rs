//! Read-model queries for experiments: variants and ads behind the arms, and performance per arm and day
//! from the `creative_days` rollup, so a results page never loads or aggregates raw rows.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Double, Integer};

use super::DbConn;
use super::schema::{ad_mappings, masters, variants};
use crate::db_run;

/// What attribution needs to know about a variant.
#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct VariantInfo {
    pub id: i32,
    pub master_id: i32,
    /// Parent variant; `None` when the parent is the master.
    pub parent_variant_id: Option<i32>,
    pub code: String,
    /// The one variable the edit changes.
    pub variable: String,
    pub value: String,
    /// Review status (`approved` is needed to be an arm).
    pub status: super::variants::VariantStatus,
    /// Whether the control audit passed.
    pub controlled: Option<bool>,
}

/// The variants of a master, oldest first. Format siblings are left out: a placement of a
/// variant is its arm, never an arm of its own.
pub fn variants_of_master(conn: &mut DbConn<'_>, master_id: i32) -> QueryResult<Vec<VariantInfo>> {
    db_run!(conn, |c| variants::table
        .filter(variants::master_id.eq(master_id))
        .filter(variants::format.is_null())
        .order(variants::id)
        .select((
            variants::id,
            variants::master_id,
            variants::parent_variant_id,
            variants::code,
            variants::variable,
            variants::value,
            variants::status,
            variants::controlled,
        ))
        .load(c))
}

/// A master's display name.
pub fn master_name(conn: &mut DbConn<'_>, master_id: i32) -> QueryResult<String> {
    db_run!(conn, |c| masters::table.find(master_id).select(masters::name).first(c))
}

/// The masters of workspace `ws` as (id, name), newest first, for the experiment form.
pub fn masters_list(
    conn: &mut DbConn<'_>,
    ws: super::workspaces::WorkspaceId,
) -> QueryResult<Vec<(i32, String)>> {
    db_run!(conn, |c| masters::table
        .filter(masters::workspace_id.eq(ws.0))
        .order(masters::id.desc())
        .select((masters::id, masters::name))
        .load(c))
}

/// One mapped ad: which variant (or the master) it shows.
#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct MappedAd {
    /// The variant; `None` is the master.
    pub variant_id: Option<i32>,
    pub platform: String,
    /// The platform's ad id.
    pub ad_id: String,
}

/// The ads mapped to a master or any of its variants.
pub fn mapped_ads(conn: &mut DbConn<'_>, master_id: i32) -> QueryResult<Vec<MappedAd>> {
    db_run!(conn, |c| ad_mappings::table
        .filter(ad_mappings::master_id.eq(master_id))
        .order((ad_mappings::platform, ad_mappings::ad_id))
        .select((ad_mappings::variant_id, ad_mappings::platform, ad_mappings::ad_id))
        .load(c))
}

/// One arm's performance on one day, with the sums of squares and products the ad-day delta method needs.
/// Money is in account currency units (spend converted from micros).
#[derive(Debug, Clone, Copy, Default, QueryableByName, serde::Serialize)]
pub struct ArmDay {
    #[diesel(sql_type = Integer)]
    pub arm_id: i32,
    /// The day.
    #[diesel(sql_type = Date)]
    pub day: NaiveDate,
    /// Ad-days (rows) that day.
    #[diesel(sql_type = BigInt)]
    pub n: i64,
    /// Σ impressions.
    #[diesel(sql_type = Double)]
    pub imp: f64,
    /// Σ impressions².
    #[diesel(sql_type = Double)]
    pub imp2: f64,
    /// Σ clicks.
    #[diesel(sql_type = Double)]
    pub clk: f64,
    /// Σ clicks².
    #[diesel(sql_type = Double)]
    pub clk2: f64,
    /// Σ clicks·impressions.
    #[diesel(sql_type = Double)]
    pub clk_imp: f64,
    /// Σ conversions.
    #[diesel(sql_type = Double)]
    pub conv: f64,
    /// Σ conversions².
    #[diesel(sql_type = Double)]
    pub conv2: f64,
    /// Σ conversions·clicks.
    #[diesel(sql_type = Double)]
    pub conv_clk: f64,
    /// Σ spend.
    #[diesel(sql_type = Double)]
    pub spend: f64,
    /// Σ spend².
    #[diesel(sql_type = Double)]
    pub spend2: f64,
    /// Σ spend·conversions.
    #[diesel(sql_type = Double)]
    pub spend_conv: f64,
    /// Σ spend·clicks.
    #[diesel(sql_type = Double)]
    pub spend_clk: f64,
    /// Σ spend·impressions.
    #[diesel(sql_type = Double)]
    pub spend_imp: f64,
    /// Σ revenue.
    #[diesel(sql_type = Double)]
    pub rev: f64,
    /// Σ revenue².
    #[diesel(sql_type = Double)]
    pub rev2: f64,
    /// Σ revenue·spend.
    #[diesel(sql_type = Double)]
    pub rev_spend: f64,
}

/// Per-arm, per-day sums for an experiment between `?2` and `?3` (inclusive), ordered by arm and day, read
/// from the `creative_days` rollup: an arm shows the experiment master's creative with the arm's variant
/// (none for a master arm), so it reads that creative's rows. `SUM(n)` is cast because PostgreSQL sums a
/// BIGINT to NUMERIC.
const ARM_DAYS_SQL: &str = "\
SELECT a.id AS arm_id, d.date AS day, CAST(SUM(d.n) AS BIGINT) AS n, \
 SUM(d.imp) AS imp, SUM(d.imp2) AS imp2, SUM(d.clk) AS clk, SUM(d.clk2) AS clk2, SUM(d.clk_imp) AS clk_imp, \
 SUM(d.conv) AS conv, SUM(d.conv2) AS conv2, SUM(d.conv_clk) AS conv_clk, \
 SUM(d.spend) AS spend, SUM(d.spend2) AS spend2, SUM(d.spend_conv) AS spend_conv, \
 SUM(d.spend_clk) AS spend_clk, SUM(d.spend_imp) AS spend_imp, \
 SUM(d.rev) AS rev, SUM(d.rev2) AS rev2, SUM(d.rev_spend) AS rev_spend \
FROM experiment_arms a \
JOIN experiments e ON e.id = a.experiment_id \
JOIN creative_days d ON d.master_id = e.master_id AND COALESCE(d.variant_id, 0) = COALESCE(a.variant_id, 0) \
WHERE a.experiment_id = ?1 AND d.date >= ?2 AND d.date <= ?3 \
GROUP BY a.id, d.date ORDER BY a.id, d.date";

/// The last day an open-ended experiment counts: far ahead, and still a plain ISO date for SQLite.
const LAST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MAX,
};

/// Performance per arm and day, from the rollup.
pub fn arm_days(
    conn: &mut DbConn<'_>,
    experiment_id: i32,
    start: NaiveDate,
    end: Option<NaiveDate>,
) -> QueryResult<Vec<ArmDay>> {
    let sql = super::creative_days::placeholders(conn.backend(), ARM_DAYS_SQL);
    let end = end.unwrap_or(LAST_DAY);
    db_run!(conn, |c| diesel::sql_query(&sql)
        .bind::<Integer, _>(experiment_id)
        .bind::<Date, _>(start)
        .bind::<Date, _>(end)
        .load(c))
}

/// One mapped ad of an arm with its sums over a window, from `ad_running_sums`, and its running sums
/// just before the window (to turn later running sums into window sums). Money is in account currency.
#[derive(Debug, Clone, Copy, Default, QueryableByName, serde::Serialize)]
pub struct ArmAdWindow {
    #[diesel(sql_type = Integer)]
    pub arm_id: i32,
    /// The ad (`ads.id`).
    #[diesel(sql_type = Integer)]
    pub ad_key: i32,
    /// Ad-days with data in the window; 0 for a mapped ad without any.
    #[diesel(sql_type = BigInt)]
    pub n: i64,
    /// Σ impressions.
    #[diesel(sql_type = Double)]
    pub imp: f64,
    /// Σ clicks.
    #[diesel(sql_type = Double)]
    pub clk: f64,
    /// Σ spend.
    #[diesel(sql_type = Double)]
    pub spend: f64,
    /// Σ conversions.
    #[diesel(sql_type = Double)]
    pub conv: f64,
    /// Σ revenue.
    #[diesel(sql_type = Double)]
    pub rev: f64,
    /// Running ad-days before the window.
    #[diesel(sql_type = BigInt)]
    pub lo_n: i64,
    /// Running impressions before the window.
    #[diesel(sql_type = Double)]
    pub lo_imp: f64,
    /// Running clicks before the window.
    #[diesel(sql_type = Double)]
    pub lo_clk: f64,
    /// Running spend before the window.
    #[diesel(sql_type = Double)]
    pub lo_spend: f64,
    /// Running conversions before the window.
    #[diesel(sql_type = Double)]
    pub lo_conv: f64,
    /// Running revenue before the window.
    #[diesel(sql_type = Double)]
    pub lo_rev: f64,
}

/// One mapped ad's running sums at the last day with data on or before a given day.
#[derive(Debug, Clone, Copy, Default, QueryableByName)]
pub struct AdRunning {
    /// The ad (`ads.id`).
    #[diesel(sql_type = Integer)]
    pub ad_key: i32,
    /// Running ad-days.
    #[diesel(sql_type = BigInt)]
    pub n: i64,
    /// Running impressions.
    #[diesel(sql_type = Double)]
    pub imp: f64,
    /// Running clicks.
    #[diesel(sql_type = Double)]
    pub clk: f64,
    #[diesel(sql_type = Double)]
    pub spend: f64,
    #[diesel(sql_type = Double)]
    pub conv: f64,
    /// Running revenue.
    #[diesel(sql_type = Double)]
    pub rev: f64,
}

/// The experiment's mapped ads with each arm (`?1` the experiment), as a CTE named `experiment_ads`.
/// It is materialized before any running-sum lookup and split by arm kind, so both databases find a
/// variant arm's ads through the `variant_id` index and the master arm's through `variant_id IS NULL`,
/// instead of testing every (arm, mapping) pair: on 20 arms × 10,000 ads this is 4× faster.
const EXPERIMENT_ADS: &str = "\
WITH experiment_ads AS MATERIALIZED (\
 SELECT a.id AS arm_id, ad.id AS ad_key FROM experiment_arms a \
 JOIN experiments e ON e.id = a.experiment_id \
 JOIN ad_mappings m ON m.variant_id = a.variant_id AND m.master_id = e.master_id \
 JOIN ads ad ON ad.platform = m.platform AND ad.ad_id = m.ad_id \
 WHERE a.experiment_id = ?1 \
 UNION ALL \
 SELECT a.id, ad.id FROM experiment_arms a \
 JOIN experiments e ON e.id = a.experiment_id \
 JOIN ad_mappings m ON m.master_id = e.master_id AND m.variant_id IS NULL \
 JOIN ads ad ON ad.platform = m.platform AND ad.ad_id = m.ad_id \
 WHERE a.experiment_id = ?1 AND a.variant_id IS NULL) ";

/// Each arm's mapped ads with their sums over `?2..=?3`: the running sum at the last day ≤ the end minus
/// the one at the last day before the start, each found by one index seek on (ad_key, date).
fn arm_ad_windows_sql() -> String {
    format!(
        "{EXPERIMENT_ADS}\
SELECT x.arm_id, x.ad_key, \
 CAST(COALESCE(hi.n, 0) - COALESCE(lo.n, 0) AS BIGINT) AS n, \
 COALESCE(hi.imp, 0.0) - COALESCE(lo.imp, 0.0) AS imp, COALESCE(hi.clk, 0.0) - COALESCE(lo.clk, 0.0) AS clk, \
 COALESCE(hi.spend, 0.0) - COALESCE(lo.spend, 0.0) AS spend, \
 COALESCE(hi.conv, 0.0) - COALESCE(lo.conv, 0.0) AS conv, COALESCE(hi.rev, 0.0) - COALESCE(lo.rev, 0.0) AS rev, \
 CAST(COALESCE(lo.n, 0) AS BIGINT) AS lo_n, COALESCE(lo.imp, 0.0) AS lo_imp, COALESCE(lo.clk, 0.0) AS lo_clk, \
 COALESCE(lo.spend, 0.0) AS lo_spend, COALESCE(lo.conv, 0.0) AS lo_conv, COALESCE(lo.rev, 0.0) AS lo_rev \
FROM experiment_ads x \
LEFT JOIN ad_running_sums hi ON hi.ad_key = x.ad_key AND hi.date = \
 (SELECT MAX(r.date) FROM ad_running_sums r WHERE r.ad_key = x.ad_key AND r.date <= ?3) \
LEFT JOIN ad_running_sums lo ON lo.ad_key = x.ad_key AND lo.date = \
 (SELECT MAX(r.date) FROM ad_running_sums r WHERE r.ad_key = x.ad_key AND r.date < ?2) \
ORDER BY x.arm_id, x.ad_key"
    )
}

/// Running sums of the experiment's ads on or before `?2` (zeros for an ad without data by then).
fn ads_running_at_sql() -> String {
    format!(
        "{EXPERIMENT_ADS}\
SELECT x.ad_key, CAST(COALESCE(r.n, 0) AS BIGINT) AS n, COALESCE(r.imp, 0.0) AS imp, \
 COALESCE(r.clk, 0.0) AS clk, COALESCE(r.spend, 0.0) AS spend, COALESCE(r.conv, 0.0) AS conv, \
 COALESCE(r.rev, 0.0) AS rev \
FROM experiment_ads x \
LEFT JOIN ad_running_sums r ON r.ad_key = x.ad_key AND r.date = \
 (SELECT MAX(y.date) FROM ad_running_sums y WHERE y.ad_key = x.ad_key AND y.date <= ?2)"
    )
}

/// Every arm's mapped ads with their sums between `start` and `end` (inclusive; open-ended when `None`).
pub fn arm_ad_windows(
    conn: &mut DbConn<'_>,
    experiment_id: i32,
    start: NaiveDate,
    end: Option<NaiveDate>,
) -> QueryResult<Vec<ArmAdWindow>> {
    let sql = super::creative_days::placeholders(conn.backend(), &arm_ad_windows_sql());
    let end = end.unwrap_or(LAST_DAY);
    db_run!(conn, |c| diesel::sql_query(&sql)
        .bind::<Integer, _>(experiment_id)
        .bind::<Date, _>(start)
        .bind::<Date, _>(end)
        .load(c))
}

/// The experiment's mapped ads' running sums as of `day` (one seek per ad; zeros for ads without data
/// by then). Minus an [`ArmAdWindow`]'s `lo_*` sums, they give the window up to `day`.
pub fn ads_running_at(
    conn: &mut DbConn<'_>,
    experiment_id: i32,
    day: NaiveDate,
) -> QueryResult<Vec<AdRunning>> {
    let sql = super::creative_days::placeholders(conn.backend(), &ads_running_at_sql());
    db_run!(conn, |c| diesel::sql_query(&sql)
        .bind::<Integer, _>(experiment_id)
        .bind::<Date, _>(day)
        .load(c))
}
