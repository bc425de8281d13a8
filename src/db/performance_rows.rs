//! The `performance_rows` table: one ad × day, keyed by `(ad_key, date)` where the ad key is the
//! row of the ad in `ads` (so `(platform, ad_id, date)` is unique too).

use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Double, Integer, Nullable, Text};
use diesel::sqlite::Sqlite;

use super::schema::{ads, imports, performance_rows as pr};
use super::workspaces::WorkspaceId;
use super::{Backend, DbConn};
use crate::db_run;

/// A row to insert or, when its `(ad_key, date)` exists, to replace.
#[derive(Debug, Clone, Copy, Insertable)]
#[diesel(table_name = pr, treat_none_as_default_value = false)]
pub struct NewPerformanceRow {
    /// The ad's key in `ads`.
    pub ad_key: i32,
    pub date: chrono::NaiveDate,
    /// Impressions (null cells stored as 0).
    pub impressions: i64,
    pub clicks: i64,
    /// All clicks, when exported.
    pub clicks_all: Option<i64>,
    /// Spend in micros.
    pub spend_micros: i64,
    pub conversions: f64,
    /// Conversion value in currency units.
    pub conversion_value: f64,
    /// The import that last wrote the row.
    pub source_import_id: i32,
}

/// Rows per [`upsert_batch`] call, which is one progress step.
pub fn batch_rows(backend: Backend) -> usize {
    match backend {
        Backend::Sqlite => 5_000,
        Backend::Postgres => 20_000,
    }
}

/// Upserts one batch on `(ad_key, date)`. The batch must not repeat a key (PostgreSQL refuses to
/// update one row twice in a statement; the parser rejects such files). Rows sorted by key insert
/// fastest: each lands next to the one before instead of somewhere in the B-tree.
pub fn upsert_batch(conn: &mut DbConn<'_>, rows: &[NewPerformanceRow]) -> QueryResult<usize> {
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
    import_staging (ad_key, date) {
        ad_key -> Integer,
        date -> Date,
        impressions -> BigInt,
        clicks -> BigInt,
        clicks_all -> Nullable<BigInt>,
        spend_micros -> BigInt,
        conversions -> Double,
        conversion_value -> Double,
        source_import_id -> Integer,
    }
}

/// The columns an upsert replaces (everything but the key).
const VALUE_COLUMNS: [&str; 7] = [
    "impressions",
    "clicks",
    "clicks_all",
    "spend_micros",
    "conversions",
    "conversion_value",
    "source_import_id",
];

/// `col = excluded.col, …` for every value column.
fn set_from_excluded() -> String {
    VALUE_COLUMNS.iter().map(|col| format!("{col} = excluded.{col}")).collect::<Vec<_>>().join(", ")
}

/// PostgreSQL's upsert: the batch streams into a temporary table with binary `COPY`, then one
/// `INSERT … SELECT … ON CONFLICT` moves it inside the server. A multi-row `INSERT` with 64k
/// parameters spent as long being sent, parsed and planned as inserting.
fn postgres_copy_upsert(
    c: &mut diesel::PgConnection,
    rows: &[NewPerformanceRow],
) -> QueryResult<usize> {
    use diesel::connection::SimpleConnection;
    use import_staging as st;
    c.batch_execute(
        "CREATE TEMP TABLE IF NOT EXISTS import_staging (ad_key INTEGER NOT NULL, date DATE NOT NULL, \
         impressions BIGINT NOT NULL, clicks BIGINT NOT NULL, clicks_all BIGINT, \
         spend_micros BIGINT NOT NULL, conversions DOUBLE PRECISION NOT NULL, \
         conversion_value DOUBLE PRECISION NOT NULL, source_import_id INTEGER NOT NULL); \
         TRUNCATE import_staging",
    )?;
    let staged: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                st::ad_key.eq(r.ad_key),
                st::date.eq(r.date),
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
    let columns = VALUE_COLUMNS.join(", ");
    c.batch_execute(&format!(
        "INSERT INTO performance_rows (ad_key, date, {columns}) \
         SELECT ad_key, date, {columns} FROM import_staging \
         ON CONFLICT (ad_key, date) DO UPDATE SET {}; TRUNCATE import_staging",
        set_from_excluded()
    ))?;
    Ok(rows.len())
}

/// Rows per SQLite upsert statement: enough to spread each statement's fixed cost, few enough
/// (× 9 = 1 800 parameters) to prepare quickly.
const SQLITE_ROWS_PER_STATEMENT: usize = 200;

/// SQLite's upsert of exactly `N` rows, as a query diesel prepares once per connection and then
/// only binds.
///
/// diesel caches no `ON CONFLICT DO UPDATE` it builds (its changeset could vary) and no insert of a
/// variable number of rows, so its own multi-row upsert was parsed and compiled anew for every
/// batch, which kept a 1M-row import near 35k rows/s. Here the SQL is fixed for each `N`, so the
/// type is the cache key: full statements of [`SQLITE_ROWS_PER_STATEMENT`] rows, then single rows.
struct SqliteUpsert<'r, const N: usize> {
    rows: &'r [NewPerformanceRow],
    /// The rows' dates as SQLite stores them (`YYYY-MM-DD` text), ten bytes each, written once
    /// here into one buffer: diesel's `Date` binding goes through chrono's strftime and a string
    /// per row, a large share of the per-row cost.
    dates: String,
}

/// Appends `date` as `YYYY-MM-DD` (years 0 to 9999; an export has no others).
fn push_iso_date(out: &mut String, date: chrono::NaiveDate) {
    use chrono::Datelike;
    let digit = |n: u32| char::from(b'0' + (n % 10) as u8);
    let (y, m, d) = (date.year().clamp(0, 9999) as u32, date.month(), date.day());
    for c in [digit(y / 1000), digit(y / 100), digit(y / 10), digit(y), '-'] {
        out.push(c);
    }
    for c in [digit(m / 10), digit(m), '-', digit(d / 10), digit(d)] {
        out.push(c);
    }
}

impl<'r, const N: usize> SqliteUpsert<'r, N> {
    fn new(rows: &'r [NewPerformanceRow]) -> Self {
        let mut dates = String::with_capacity(rows.len() * 10);
        for r in rows {
            push_iso_date(&mut dates, r.date);
        }
        Self { rows, dates }
    }
}

/// The cache key of [`SqliteUpsert`].
struct SqliteUpsertId<const N: usize>;

impl<const N: usize> QueryId for SqliteUpsert<'_, N> {
    type QueryId = SqliteUpsertId<N>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<const N: usize> RunQueryDsl<diesel::SqliteConnection> for SqliteUpsert<'_, N> {}

impl<const N: usize> QueryFragment<Sqlite> for SqliteUpsert<'_, N> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        if self.rows.len() != N || self.dates.len() != N * 10 {
            // The statement is prepared for exactly N rows.
            return Err(diesel::result::Error::QueryBuilderError(
                format!("an upsert of {N} rows was given {}", self.rows.len()).into(),
            ));
        }
        out.push_sql("INSERT INTO performance_rows (ad_key, date, ");
        out.push_sql(&VALUE_COLUMNS.join(", "));
        out.push_sql(") VALUES ");
        for (i, row) in self.rows.iter().enumerate() {
            let date = self.dates.get(i * 10..i * 10 + 10).unwrap_or_default();
            out.push_sql(if i == 0 { "(" } else { ", (" });
            // Each bind writes its `?`, in the column order above.
            out.push_bind_param::<Integer, _>(&row.ad_key)?;
            out.push_sql(", ");
            out.push_bind_param::<Text, str>(date)?;
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
        out.push_sql(" ON CONFLICT (ad_key, date) DO UPDATE SET ");
        out.push_sql(&set_from_excluded());
        Ok(())
    }
}

/// All rows stored (inserted vs updated is the difference of this count around an import, inside
/// its transaction).
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
    pub platform: String,
    pub ad_id: String,
    /// The ad name of the latest import.
    pub ad_name: Option<String>,
    pub rows: i64,
    /// Impressions over all rows.
    pub impressions: i64,
}

/// Ads with performance rows but no mapping, by platform and ad ID, counting only the rows that
/// imports of workspace `ws` wrote last: the ads a workspace has data for.
pub fn unmapped_ads(conn: &mut DbConn<'_>, ws: WorkspaceId) -> QueryResult<Vec<UnmappedAd>> {
    use super::schema::ad_mappings as am;
    use diesel::dsl::{count_star, sql};
    use diesel::sql_types::BigInt;
    db_run!(conn, |c| ads::table
        .inner_join(pr::table.inner_join(imports::table))
        .left_join(am::table.on(am::platform.eq(ads::platform).and(am::ad_id.eq(ads::ad_id))))
        .filter(am::id.is_null())
        .filter(imports::workspace_id.eq(ws.0))
        .group_by((ads::id, ads::platform, ads::ad_id, ads::ad_name))
        .select((
            ads::platform,
            ads::ad_id,
            ads::ad_name,
            count_star(),
            sql::<BigInt>("CAST(COALESCE(SUM(performance_rows.impressions), 0) AS BIGINT)"),
        ))
        .order((ads::platform, ads::ad_id))
        .load(c))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    #[test]
    fn dates_are_written_as_sqlite_stores_them() {
        let mut out = String::new();
        for (y, m, d) in [(2026, 9, 1), (1999, 12, 31), (7, 1, 9)] {
            super::push_iso_date(&mut out, NaiveDate::from_ymd_opt(y, m, d).unwrap());
        }
        assert_eq!(out, "2026-09-011999-12-310007-01-09");
    }
}
