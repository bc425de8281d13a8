//! The `performance_rows` table: one ad × day, unique on `(platform, ad_id, date)`.

use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Double, Integer, Nullable, Text};
use diesel::sqlite::Sqlite;

use super::schema::performance_rows as pr;
use super::{Backend, DbConn};
use crate::db_run;

/// A row to insert or, when its `(platform, ad_id, date)` exists, to replace.
///
/// `treat_none_as_default_value = false` renders `None` as `NULL`, which lets SQLite take the
/// whole batch in one multi-row `INSERT` (it has no `DEFAULT` keyword inside `VALUES`).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = pr, treat_none_as_default_value = false)]
pub struct NewPerformanceRow<'a> {
    /// Platform name.
    pub platform: &'a str,
    /// Ad ID as exported.
    pub ad_id: &'a str,
    /// Day.
    pub date: chrono::NaiveDate,
    /// Advertiser account.
    pub account_id: Option<&'a str>,
    /// Currency code.
    pub currency: Option<&'a str>,
    /// Campaign ID.
    pub campaign_id: Option<&'a str>,
    /// Campaign name.
    pub campaign_name: Option<&'a str>,
    /// Ad set / group ID.
    pub adset_id: Option<&'a str>,
    /// Ad set / group name.
    pub adset_name: Option<&'a str>,
    /// Ad name.
    pub ad_name: Option<&'a str>,
    /// Impressions (null cells stored as 0).
    pub impressions: i64,
    /// Link clicks.
    pub clicks: i64,
    /// All clicks, when exported.
    pub clicks_all: Option<i64>,
    /// Spend in micros.
    pub spend_micros: i64,
    /// Conversions.
    pub conversions: f64,
    /// Conversion value in currency units.
    pub conversion_value: f64,
    /// The import that last wrote the row.
    pub source_import_id: i32,
}

/// Rows per [`upsert_batch`] call, which is one progress step.
pub fn batch_rows(backend: Backend) -> usize {
    match backend {
        Backend::Sqlite => 2_000,
        Backend::Postgres => 20_000,
    }
}

/// Upserts one batch on `(platform, ad_id, date)`. The batch must not repeat a key (PostgreSQL
/// refuses to update one row twice in a statement; the parser rejects such files).
pub fn upsert_batch(conn: &mut DbConn<'_>, rows: &[NewPerformanceRow<'_>]) -> QueryResult<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    match conn {
        DbConn::Sqlite(c) => {
            let mut full = rows.chunks_exact(SQLITE_ROWS_PER_STATEMENT);
            for chunk in full.by_ref() {
                SqliteUpsert::<SQLITE_ROWS_PER_STATEMENT>::new(chunk).execute(&mut **c)?;
            }
            for row in full.remainder().chunks(1) {
                SqliteUpsert::<1>::new(row).execute(&mut **c)?;
            }
            Ok(rows.len())
        }
        DbConn::Postgres(c) => postgres_copy_upsert(c, rows),
    }
}

// PostgreSQL's per-session staging table for imports (see `postgres_copy_upsert`).
diesel::table! {
    import_staging (platform, ad_id, date) {
        platform -> Text,
        ad_id -> Text,
        date -> Date,
        account_id -> Nullable<Text>,
        currency -> Nullable<Text>,
        campaign_id -> Nullable<Text>,
        campaign_name -> Nullable<Text>,
        adset_id -> Nullable<Text>,
        adset_name -> Nullable<Text>,
        ad_name -> Nullable<Text>,
        impressions -> BigInt,
        clicks -> BigInt,
        clicks_all -> Nullable<BigInt>,
        spend_micros -> BigInt,
        conversions -> Double,
        conversion_value -> Double,
        source_import_id -> Integer,
    }
}

/// The columns written by an import, in staging-table order.
const IMPORT_COLUMNS: &str = "platform, ad_id, date, account_id, currency, campaign_id, campaign_name, \
    adset_id, adset_name, ad_name, impressions, clicks, clicks_all, spend_micros, conversions, \
    conversion_value, source_import_id";

/// PostgreSQL's upsert: the batch streams into a temporary table with binary `COPY`, then one
/// `INSERT … SELECT … ON CONFLICT` moves it inside the server. A multi-row `INSERT` with 64k
/// parameters spent as long being sent, parsed and planned as inserting.
fn postgres_copy_upsert(
    c: &mut diesel::PgConnection,
    rows: &[NewPerformanceRow<'_>],
) -> QueryResult<usize> {
    use diesel::connection::SimpleConnection;
    use import_staging as st;
    c.batch_execute(
        "CREATE TEMP TABLE IF NOT EXISTS import_staging (platform TEXT NOT NULL, ad_id TEXT NOT NULL, \
         date DATE NOT NULL, account_id TEXT, currency TEXT, campaign_id TEXT, campaign_name TEXT, \
         adset_id TEXT, adset_name TEXT, ad_name TEXT, impressions BIGINT NOT NULL, \
         clicks BIGINT NOT NULL, clicks_all BIGINT, spend_micros BIGINT NOT NULL, \
         conversions DOUBLE PRECISION NOT NULL, conversion_value DOUBLE PRECISION NOT NULL, \
         source_import_id INTEGER NOT NULL); TRUNCATE import_staging",
    )?;
    let staged: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                st::platform.eq(r.platform),
                st::ad_id.eq(r.ad_id),
                st::date.eq(r.date),
                st::account_id.eq(r.account_id),
                st::currency.eq(r.currency),
                st::campaign_id.eq(r.campaign_id),
                st::campaign_name.eq(r.campaign_name),
                st::adset_id.eq(r.adset_id),
                st::adset_name.eq(r.adset_name),
                st::ad_name.eq(r.ad_name),
                st::impressions.eq(r.impressions),
                st::clicks.eq(r.clicks),
                st::clicks_all.eq(r.clicks_all),
                st::spend_micros.eq(r.spend_micros),
                st::conversions.eq(r.conversions),
                st::conversion_value.eq(r.conversion_value),
                st::source_import_id.eq(r.source_import_id),
            )
        })
        .collect();
    diesel::copy_from(st::table).from_insertable(&staged).execute(c)?;
    let updates = IMPORT_COLUMNS
        .split(',')
        .map(str::trim)
        .filter(|col| !matches!(*col, "platform" | "ad_id" | "date"))
        .map(|col| format!("{col} = excluded.{col}"))
        .collect::<Vec<_>>()
        .join(", ");
    c.batch_execute(&format!(
        "INSERT INTO performance_rows ({IMPORT_COLUMNS}) SELECT {IMPORT_COLUMNS} FROM import_staging \
         ON CONFLICT (platform, ad_id, date) DO UPDATE SET {updates}; TRUNCATE import_staging"
    ))?;
    Ok(rows.len())
}

/// Rows per SQLite upsert statement: enough to spread each statement's fixed cost, few enough
/// (× 17 = 1 700 parameters) to prepare quickly.
const SQLITE_ROWS_PER_STATEMENT: usize = 100;

/// SQLite's upsert of exactly `N` rows, as a query diesel prepares once per connection and then
/// only binds.
///
/// diesel caches no `ON CONFLICT DO UPDATE` it builds (its changeset could vary) and no insert of a
/// variable number of rows, so its own multi-row upsert was parsed and compiled anew for every
/// batch, which kept a 1M-row import near 35k rows/s. Here the SQL is fixed for each `N`, so the
/// type is the cache key: full statements of [`SQLITE_ROWS_PER_STATEMENT`] rows, then single rows.
struct SqliteUpsert<'r, 'a, const N: usize> {
    rows: &'r [NewPerformanceRow<'a>],
    /// The rows' dates as SQLite stores them (`YYYY-MM-DD` text), formatted once here: diesel's
    /// `Date` binding goes through chrono's strftime, a large share of the per-row cost.
    dates: Vec<String>,
}

impl<'r, 'a, const N: usize> SqliteUpsert<'r, 'a, N> {
    fn new(rows: &'r [NewPerformanceRow<'a>]) -> Self {
        use chrono::Datelike;
        let dates = rows
            .iter()
            .map(|r| format!("{:04}-{:02}-{:02}", r.date.year(), r.date.month(), r.date.day()))
            .collect();
        Self { rows, dates }
    }
}

/// The cache key of [`SqliteUpsert`].
struct SqliteUpsertId<const N: usize>;

impl<const N: usize> QueryId for SqliteUpsert<'_, '_, N> {
    type QueryId = SqliteUpsertId<N>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<const N: usize> RunQueryDsl<diesel::SqliteConnection> for SqliteUpsert<'_, '_, N> {}

impl<const N: usize> QueryFragment<Sqlite> for SqliteUpsert<'_, '_, N> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        if self.rows.len() != N || self.dates.len() != N {
            // The statement is prepared for exactly N rows.
            return Err(diesel::result::Error::QueryBuilderError(
                format!("an upsert of {N} rows was given {}", self.rows.len()).into(),
            ));
        }
        out.push_sql(
            "INSERT INTO performance_rows (platform, ad_id, date, account_id, currency, campaign_id, \
             campaign_name, adset_id, adset_name, ad_name, impressions, clicks, clicks_all, spend_micros, \
             conversions, conversion_value, source_import_id) VALUES ",
        );
        for (i, (row, date)) in self.rows.iter().zip(&self.dates).enumerate() {
            out.push_sql(if i == 0 { "(" } else { ", (" });
            // Each bind writes its `?`.
            out.push_bind_param::<Text, str>(row.platform)?;
            out.push_sql(", ");
            out.push_bind_param::<Text, str>(row.ad_id)?;
            out.push_sql(", ");
            out.push_bind_param::<Text, str>(date)?;
            out.push_sql(", ");
            out.push_bind_param::<Nullable<Text>, _>(&row.account_id)?;
            out.push_sql(", ");
            out.push_bind_param::<Nullable<Text>, _>(&row.currency)?;
            out.push_sql(", ");
            out.push_bind_param::<Nullable<Text>, _>(&row.campaign_id)?;
            out.push_sql(", ");
            out.push_bind_param::<Nullable<Text>, _>(&row.campaign_name)?;
            out.push_sql(", ");
            out.push_bind_param::<Nullable<Text>, _>(&row.adset_id)?;
            out.push_sql(", ");
            out.push_bind_param::<Nullable<Text>, _>(&row.adset_name)?;
            out.push_sql(", ");
            out.push_bind_param::<Nullable<Text>, _>(&row.ad_name)?;
            out.push_sql(", ");
            out.push_bind_param::<BigInt, _>(&row.impressions)?;
            out.push_sql(", ");
            out.push_bind_param::<BigInt, _>(&row.clicks)?;
            out.push_sql(", ");
            out.push_bind_param::<Nullable<BigInt>, _>(&row.clicks_all)?;
            out.push_sql(", ");
            out.push_bind_param::<BigInt, _>(&row.spend_micros)?;
            out.push_sql(", ");
            out.push_bind_param::<Double, _>(&row.conversions)?;
            out.push_sql(", ");
            out.push_bind_param::<Double, _>(&row.conversion_value)?;
            out.push_sql(", ");
            out.push_bind_param::<Integer, _>(&row.source_import_id)?;
            out.push_sql(")");
        }
        out.push_sql(
            " ON CONFLICT (platform, ad_id, date) DO UPDATE SET account_id = excluded.account_id, \
             currency = excluded.currency, campaign_id = excluded.campaign_id, \
             campaign_name = excluded.campaign_name, adset_id = excluded.adset_id, \
             adset_name = excluded.adset_name, ad_name = excluded.ad_name, \
             impressions = excluded.impressions, clicks = excluded.clicks, \
             clicks_all = excluded.clicks_all, spend_micros = excluded.spend_micros, \
             conversions = excluded.conversions, conversion_value = excluded.conversion_value, \
             source_import_id = excluded.source_import_id",
        );
        Ok(())
    }
}

/// Rows stored for `platform` (inserted vs updated is the difference of this count around an
/// import, inside its transaction).
pub fn count_for_platform(conn: &mut DbConn<'_>, platform: &str) -> QueryResult<i64> {
    db_run!(conn, |c| pr::table.filter(pr::platform.eq(platform)).count().get_result(c))
}

/// All rows stored.
pub fn count(conn: &mut DbConn<'_>) -> QueryResult<i64> {
    db_run!(conn, |c| pr::table.count().get_result(c))
}

/// Sums over every stored row: impressions, clicks, spend micros.
pub fn totals(conn: &mut DbConn<'_>) -> QueryResult<(i64, i64, i64)> {
    use diesel::dsl::sql;
    use diesel::sql_types::BigInt;
    // SUM of BIGINT is NUMERIC on PostgreSQL; cast back so both backends return BIGINT.
    db_run!(conn, |c| pr::table
        .select((
            sql::<BigInt>("CAST(COALESCE(SUM(impressions), 0) AS BIGINT)"),
            sql::<BigInt>("CAST(COALESCE(SUM(clicks), 0) AS BIGINT)"),
            sql::<BigInt>("CAST(COALESCE(SUM(spend_micros), 0) AS BIGINT)"),
        ))
        .first(c))
}

/// A distinct ad seen in imports that has no row in `ad_mappings`.
#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct UnmappedAd {
    /// Platform name.
    pub platform: String,
    /// Ad ID.
    pub ad_id: String,
    /// The latest ad name seen.
    pub ad_name: Option<String>,
    /// Ad-day rows stored.
    pub rows: i64,
    /// Impressions over all rows.
    pub impressions: i64,
}

/// Ads with performance rows but no mapping, by platform and ad ID.
pub fn unmapped_ads(conn: &mut DbConn<'_>) -> QueryResult<Vec<UnmappedAd>> {
    use super::schema::ad_mappings as am;
    use diesel::dsl::{count_star, max, sql};
    use diesel::sql_types::BigInt;
    db_run!(conn, |c| pr::table
        .left_join(am::table.on(am::platform.eq(pr::platform).and(am::ad_id.eq(pr::ad_id))))
        .filter(am::id.is_null())
        .group_by((pr::platform, pr::ad_id))
        .select((
            pr::platform,
            pr::ad_id,
            max(pr::ad_name),
            count_star(),
            sql::<BigInt>("CAST(COALESCE(SUM(performance_rows.impressions), 0) AS BIGINT)"),
        ))
        .order((pr::platform, pr::ad_id))
        .load(c))
}
