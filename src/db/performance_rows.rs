//! The `performance_rows` table: one ad × day, unique on `(platform, ad_id, date)`.

use diesel::prelude::*;
use diesel::upsert::excluded;

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

/// Bound parameters per row (every column but `id`).
const COLUMNS: usize = 17;

/// Rows per multi-row `INSERT`: under SQLite's 32 766 and PostgreSQL's 65 535 bound-parameter
/// limits, with some room.
pub fn batch_rows(backend: Backend) -> usize {
    match backend {
        Backend::Sqlite => 32_000 / COLUMNS,
        Backend::Postgres => 64_000 / COLUMNS,
    }
}

/// Upserts one batch on `(platform, ad_id, date)`: existing rows take every new value, so
/// importing the same file twice leaves the table unchanged. The batch must not repeat a key
/// (PostgreSQL refuses to update one row twice in a statement; the parser rejects such files).
pub fn upsert_batch(conn: &mut DbConn<'_>, rows: &[NewPerformanceRow<'_>]) -> QueryResult<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    db_run!(conn, |c| diesel::insert_into(pr::table)
        .values(rows)
        .on_conflict((pr::platform, pr::ad_id, pr::date))
        .do_update()
        .set((
            pr::account_id.eq(excluded(pr::account_id)),
            pr::currency.eq(excluded(pr::currency)),
            pr::campaign_id.eq(excluded(pr::campaign_id)),
            pr::campaign_name.eq(excluded(pr::campaign_name)),
            pr::adset_id.eq(excluded(pr::adset_id)),
            pr::adset_name.eq(excluded(pr::adset_name)),
            pr::ad_name.eq(excluded(pr::ad_name)),
            pr::impressions.eq(excluded(pr::impressions)),
            pr::clicks.eq(excluded(pr::clicks)),
            pr::clicks_all.eq(excluded(pr::clicks_all)),
            pr::spend_micros.eq(excluded(pr::spend_micros)),
            pr::conversions.eq(excluded(pr::conversions)),
            pr::conversion_value.eq(excluded(pr::conversion_value)),
            pr::source_import_id.eq(excluded(pr::source_import_id)),
        ))
        .execute(c))
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
