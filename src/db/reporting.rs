//! Read-model queries for experiments: variants and ads behind the arms, and performance aggregated per
//! arm and day in SQL (performance_rows × ad_mappings × experiment_arms), so a results page never loads
//! raw rows into Rust.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Double, Integer};

use super::schema::{ad_mappings, masters, variants};
use super::{Backend, DbConn};
use crate::db_run;

/// What attribution needs to know about a variant.
#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct VariantInfo {
    /// Primary key.
    pub id: i32,
    /// Its master.
    pub master_id: i32,
    /// Parent variant; `None` when the parent is the master.
    pub parent_variant_id: Option<i32>,
    /// Short code.
    pub code: String,
    /// The one variable the edit changes.
    pub variable: String,
    /// Its new value.
    pub value: String,
    /// Review status (`approved` is needed to be an arm).
    pub status: String,
    /// Whether the control audit passed.
    pub controlled: Option<bool>,
}

/// The variants of a master, oldest first.
pub fn variants_of_master(conn: &mut DbConn<'_>, master_id: i32) -> QueryResult<Vec<VariantInfo>> {
    db_run!(conn, |c| variants::table
        .filter(variants::master_id.eq(master_id))
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

/// Every master as (id, name), newest first, for the experiment form.
pub fn masters_list(conn: &mut DbConn<'_>) -> QueryResult<Vec<(i32, String)>> {
    db_run!(conn, |c| masters::table
        .order(masters::id.desc())
        .select((masters::id, masters::name))
        .load(c))
}

/// One mapped ad: which variant (or the master) it shows.
#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct MappedAd {
    /// The variant; `None` is the master.
    pub variant_id: Option<i32>,
    /// Ad platform.
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
    /// The arm.
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

/// Per-arm, per-day sums for an experiment between `start` and `end` (inclusive), ordered by arm and day.
/// An ad maps to an arm when it is mapped to the arm's variant (or to the master for a master arm). The
/// arm's ads are materialized first so that each is read by a range scan of the `(platform, ad_id, date)`
/// unique index, instead of the planner scanning every performance row once per arm.
const ARM_DAYS_SQL: &str = "\
WITH am AS MATERIALIZED ( \
  SELECT m.platform, m.ad_id, a.id AS arm_id FROM experiment_arms a \
  JOIN experiments e ON e.id = a.experiment_id \
  JOIN ad_mappings m ON m.master_id = e.master_id AND COALESCE(m.variant_id, 0) = COALESCE(a.variant_id, 0) \
  WHERE a.experiment_id = ?1), \
p AS (SELECT am.arm_id, r.date, CAST(r.impressions AS DOUBLE PRECISION) AS i, \
        CAST(r.clicks AS DOUBLE PRECISION) AS c, CAST(r.spend_micros AS DOUBLE PRECISION) / 1000000.0 AS s, \
        CAST(r.conversions AS DOUBLE PRECISION) AS v, CAST(r.conversion_value AS DOUBLE PRECISION) AS r \
      FROM am JOIN performance_rows r ON r.platform = am.platform AND r.ad_id = am.ad_id \
      WHERE r.date >= ?2 AND r.date <= ?3) \
SELECT p.arm_id AS arm_id, p.date AS day, COUNT(*) AS n, \
 SUM(p.i) AS imp, SUM(p.i * p.i) AS imp2, SUM(p.c) AS clk, SUM(p.c * p.c) AS clk2, SUM(p.c * p.i) AS clk_imp, \
 SUM(p.v) AS conv, SUM(p.v * p.v) AS conv2, SUM(p.v * p.c) AS conv_clk, \
 SUM(p.s) AS spend, SUM(p.s * p.s) AS spend2, SUM(p.s * p.v) AS spend_conv, SUM(p.s * p.c) AS spend_clk, \
 SUM(p.s * p.i) AS spend_imp, SUM(p.r) AS rev, SUM(p.r * p.r) AS rev2, SUM(p.r * p.s) AS rev_spend \
FROM p GROUP BY p.arm_id, p.date ORDER BY p.arm_id, p.date";

/// The last day an open-ended experiment counts: far ahead, and still a plain ISO date for SQLite.
const LAST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MAX,
};

/// Aggregates performance per arm and day, in the database.
pub fn arm_days(
    conn: &mut DbConn<'_>,
    experiment_id: i32,
    start: NaiveDate,
    end: Option<NaiveDate>,
) -> QueryResult<Vec<ArmDay>> {
    let sql = match conn.backend() {
        Backend::Sqlite => ARM_DAYS_SQL.to_string(),
        Backend::Postgres => {
            ARM_DAYS_SQL.replace("?1", "$1").replace("?2", "$2").replace("?3", "$3")
        }
    };
    let end = end.unwrap_or(LAST_DAY);
    db_run!(conn, |c| diesel::sql_query(&sql)
        .bind::<Integer, _>(experiment_id)
        .bind::<Date, _>(start)
        .bind::<Date, _>(end)
        .load(c))
}

/// Cheap markers that change whenever performance data or ad mappings change (new imports, new rows, new
/// or re-pointed mappings); results cached under an older fingerprint are stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, QueryableByName)]
pub struct DataFingerprint {
    /// Highest import id.
    #[diesel(sql_type = BigInt)]
    pub imports_max: i64,
    /// Number of imports.
    #[diesel(sql_type = BigInt)]
    pub imports_n: i64,
    /// Highest performance row id.
    #[diesel(sql_type = BigInt)]
    pub rows_max: i64,
    /// Number of mappings.
    #[diesel(sql_type = BigInt)]
    pub mappings_n: i64,
    /// Highest mapping id.
    #[diesel(sql_type = BigInt)]
    pub mappings_max: i64,
    /// Σ(master_id + variant_id) over mappings, which moves when a mapping is re-pointed.
    #[diesel(sql_type = BigInt)]
    pub mappings_sum: i64,
}

/// Reads the [`DataFingerprint`]: primary-key maxima and a pass over the (small) mappings table.
pub fn data_fingerprint(conn: &mut DbConn<'_>) -> QueryResult<DataFingerprint> {
    const SQL: &str = "SELECT \
        CAST((SELECT COALESCE(MAX(id), 0) FROM imports) AS BIGINT) AS imports_max, \
        CAST((SELECT COUNT(*) FROM imports) AS BIGINT) AS imports_n, \
        CAST((SELECT COALESCE(MAX(id), 0) FROM performance_rows) AS BIGINT) AS rows_max, \
        CAST((SELECT COUNT(*) FROM ad_mappings) AS BIGINT) AS mappings_n, \
        CAST((SELECT COALESCE(MAX(id), 0) FROM ad_mappings) AS BIGINT) AS mappings_max, \
        CAST((SELECT COALESCE(SUM(master_id + COALESCE(variant_id, 0)), 0) FROM ad_mappings) AS BIGINT) \
          AS mappings_sum";
    db_run!(conn, |c| diesel::sql_query(SQL).get_result(c))
}
