//! The `creative_days` rollup: per creative (a master, or one of its variants) and day, the ad-day count
//! and the sums, squares and cross products of the rows of every ad mapped to it.
//!
//! Results pages read this table (a few thousand rows) instead of aggregating every performance row, which
//! is what keeps a 20-arm, 1M-row experiment page fast. It is derived data: whoever changes
//! `performance_rows` or `ad_mappings` calls [`refresh`] for the creatives and days touched, in the same
//! transaction, so readers never see the rollup out of step. Deleting a master or a variant cascades.
//!
//! The same refresh keeps `ad_running_sums` (each mapped ad's running sums by day) in step, for the
//! ad-clustered variance: a window's per-ad sums are then two lookups per ad.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{Date, Integer};

use super::schema::ad_mappings;
use super::{Backend, DbConn};
use crate::db_run;

/// What an ad can be mapped to: a master itself (`variant_id` `None`) or one of its variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Creative {
    pub master_id: i32,
    /// The variant, or `None` for the master.
    pub variant_id: Option<i32>,
}

/// The first and last day any refresh may need: every stored date lies between.
const ALL_DAYS: (NaiveDate, NaiveDate) =
    match (NaiveDate::from_ymd_opt(1, 1, 1), NaiveDate::from_ymd_opt(9999, 12, 31)) {
        (Some(a), Some(b)) => (a, b),
        _ => (NaiveDate::MIN, NaiveDate::MAX),
    };

/// Sums of one creative's mapped rows per day, for `INSERT INTO creative_days`. `?1` master, `?2` variant
/// (0 for the master itself), `?3`..`?4` the days. Money is converted from micros to currency units.
const AGGREGATE_SQL: &str = "\
SELECT m.master_id, m.variant_id, p.date, COUNT(*), \
 SUM(p.i), SUM(p.i * p.i), SUM(p.c), SUM(p.c * p.c), SUM(p.c * p.i), \
 SUM(p.v), SUM(p.v * p.v), SUM(p.v * p.c), \
 SUM(p.s), SUM(p.s * p.s), SUM(p.s * p.v), SUM(p.s * p.c), SUM(p.s * p.i), \
 SUM(p.r), SUM(p.r * p.r), SUM(p.r * p.s) \
FROM ad_mappings m \
JOIN ads a ON a.platform = m.platform AND a.ad_id = m.ad_id \
JOIN (SELECT ad_key, date, CAST(impressions AS DOUBLE PRECISION) AS i, \
        CAST(clicks AS DOUBLE PRECISION) AS c, CAST(spend_micros AS DOUBLE PRECISION) / 1000000.0 AS s, \
        CAST(conversions AS DOUBLE PRECISION) AS v, CAST(conversion_value AS DOUBLE PRECISION) AS r \
      FROM performance_rows) p ON p.ad_key = a.id \
WHERE m.master_id = ?1 AND COALESCE(m.variant_id, 0) = ?2 AND p.date >= ?3 AND p.date <= ?4 \
GROUP BY m.master_id, m.variant_id, p.date";

const INSERT_SQL: &str = "INSERT INTO creative_days (master_id, variant_id, date, n, imp, imp2, clk, \
 clk2, clk_imp, conv, conv2, conv_clk, spend, spend2, spend_conv, spend_clk, spend_imp, rev, rev2, rev_spend) ";

const DELETE_SQL: &str = "DELETE FROM creative_days \
WHERE master_id = ?1 AND COALESCE(variant_id, 0) = ?2 AND date >= ?3 AND date <= ?4";

/// The ads mapped to creative (`?1` master, `?2` variant or 0).
const CREATIVE_ADS_SQL: &str = "SELECT a.id FROM ad_mappings m JOIN ads a ON a.platform = m.platform \
AND a.ad_id = m.ad_id WHERE m.master_id = ?1 AND COALESCE(m.variant_id, 0) = ?2";

/// Every running sum of the creative's ads is rebuilt, not only the refreshed days: a running sum
/// depends on all earlier rows, and rows deleted before the window would otherwise leave them stale.
fn running_sums_sql() -> (String, String) {
    let delete = format!("DELETE FROM ad_running_sums WHERE ad_key IN ({CREATIVE_ADS_SQL})");
    let insert = format!(
        "INSERT INTO ad_running_sums (ad_key, date, n, imp, clk, spend, conv, rev) \
SELECT p.ad_key, p.date, COUNT(*) OVER w, \
 SUM(CAST(p.impressions AS DOUBLE PRECISION)) OVER w, SUM(CAST(p.clicks AS DOUBLE PRECISION)) OVER w, \
 SUM(CAST(p.spend_micros AS DOUBLE PRECISION) / 1000000.0) OVER w, \
 SUM(CAST(p.conversions AS DOUBLE PRECISION)) OVER w, \
 SUM(CAST(p.conversion_value AS DOUBLE PRECISION)) OVER w \
FROM performance_rows p WHERE p.ad_key IN ({CREATIVE_ADS_SQL}) \
WINDOW w AS (PARTITION BY p.ad_key ORDER BY p.date ROWS UNBOUNDED PRECEDING)"
    );
    (delete, insert)
}

/// `?N` placeholders as the backend spells them.
pub(crate) fn placeholders(backend: Backend, sql: &str) -> String {
    match backend {
        Backend::Sqlite => sql.to_owned(),
        Backend::Postgres => {
            (1..=9).rev().fold(sql.to_owned(), |s, i| s.replace(&format!("?{i}"), &format!("${i}")))
        }
    }
}

/// Recomputes the rollup of `creatives` for the days `from..=to` (all days when `None`).
pub fn refresh(
    conn: &mut DbConn<'_>,
    creatives: &BTreeSet<Creative>,
    days: Option<(NaiveDate, NaiveDate)>,
) -> QueryResult<()> {
    let (from, to) = days.unwrap_or(ALL_DAYS);
    let delete = placeholders(conn.backend(), DELETE_SQL);
    let insert = placeholders(conn.backend(), &format!("{INSERT_SQL}{AGGREGATE_SQL}"));
    let (sums_delete, sums_insert) = running_sums_sql();
    let sums_delete = placeholders(conn.backend(), &sums_delete);
    let sums_insert = placeholders(conn.backend(), &sums_insert);
    for creative in creatives {
        let variant = creative.variant_id.unwrap_or(0);
        for sql in [&sums_delete, &sums_insert] {
            db_run!(conn, |c| diesel::sql_query(sql)
                .bind::<Integer, _>(creative.master_id)
                .bind::<Integer, _>(variant)
                .execute(c))?;
        }
        for sql in [&delete, &insert] {
            db_run!(conn, |c| diesel::sql_query(sql)
                .bind::<Integer, _>(creative.master_id)
                .bind::<Integer, _>(variant)
                .bind::<Date, _>(from)
                .bind::<Date, _>(to)
                .execute(c))?;
        }
    }
    Ok(())
}

/// The creatives that the ads `ad_ids` of `platform` are mapped to (unmapped ads have none).
pub fn creatives_of_ads<'a>(
    conn: &mut DbConn<'_>,
    platform: &str,
    ad_ids: impl IntoIterator<Item = &'a str>,
) -> QueryResult<BTreeSet<Creative>> {
    let mappings: HashMap<String, Creative> = db_run!(conn, |c| ad_mappings::table
        .filter(ad_mappings::platform.eq(platform))
        .select((ad_mappings::ad_id, ad_mappings::master_id, ad_mappings::variant_id))
        .load::<(String, i32, Option<i32>)>(c))?
    .into_iter()
    .map(|(ad, master_id, variant_id)| (ad, Creative { master_id, variant_id }))
    .collect();
    Ok(ad_ids.into_iter().filter_map(|ad| mappings.get(ad).copied()).collect())
}

/// Recomputes the whole table from `performance_rows` and `ad_mappings` (after bulk loads done in raw SQL).
pub fn rebuild_all(conn: &mut DbConn<'_>) -> QueryResult<()> {
    db_run!(conn, |c| diesel::sql_query("DELETE FROM creative_days").execute(c))?;
    db_run!(conn, |c| diesel::sql_query("DELETE FROM ad_running_sums").execute(c))?;
    let all: Vec<(i32, Option<i32>)> = db_run!(conn, |c| ad_mappings::table
        .select((ad_mappings::master_id, ad_mappings::variant_id))
        .distinct()
        .load(c))?;
    let creatives =
        all.into_iter().map(|(master_id, variant_id)| Creative { master_id, variant_id }).collect();
    refresh(conn, &creatives, None)
}
