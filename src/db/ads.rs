//! The `ads` table: one row per platform ad, with the labels its latest import gave it. Performance
//! rows refer to an ad by its integer `id`, the *ad key*, instead of repeating the exported text.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::upsert::excluded;

use super::DbConn;
use super::schema::{ad_mappings, ads};
use crate::db_run;

/// An ad as one import describes it.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = ads, treat_none_as_default_value = false)]
pub struct NewAd<'a> {
    pub platform: &'a str,
    /// Ad ID as exported.
    pub ad_id: &'a str,
    pub ad_name: Option<&'a str>,
    /// Advertiser account.
    pub account_id: Option<&'a str>,
    pub currency: Option<&'a str>,
    pub campaign_id: Option<&'a str>,
    pub campaign_name: Option<&'a str>,
    /// Ad set / group ID.
    pub adset_id: Option<&'a str>,
    /// Ad set / group name.
    pub adset_name: Option<&'a str>,
    /// The day these labels were exported for (the ad's latest day in the file).
    pub labels_from: chrono::NaiveDate,
}

/// Ads per statement: 10 parameters each stays far under SQLite's bound-parameter limit.
const ADS_PER_STATEMENT: usize = 500;

/// Inserts the ads not stored yet and relabels the others, unless they hold labels of a later day
/// (re-importing an old file does not rename an ad back); returns every ad's key by ad ID. All of
/// `new` must share one platform and name each ad once.
pub fn upsert(conn: &mut DbConn<'_>, new: &[NewAd<'_>]) -> QueryResult<HashMap<String, i32>> {
    use diesel::dsl::case_when;
    // `col = CASE WHEN excluded.labels_from >= ads.labels_from THEN excluded.col ELSE col END`: a
    // condition in the SET rather than a WHERE on the update, so that RETURNING still yields the
    // key of every ad (and diesel takes it in a multi-row insert).
    macro_rules! newer {
        ($col:expr) => {
            $col.eq(case_when(excluded(ads::labels_from).ge(ads::labels_from), excluded($col))
                .otherwise($col))
        };
    }
    let mut keys = HashMap::with_capacity(new.len());
    for chunk in new.chunks(ADS_PER_STATEMENT) {
        let rows: Vec<(String, i32)> = db_run!(conn, |c| diesel::insert_into(ads::table)
            .values(chunk)
            .on_conflict((ads::platform, ads::ad_id))
            .do_update()
            .set((
                newer!(ads::ad_name),
                newer!(ads::account_id),
                newer!(ads::currency),
                newer!(ads::campaign_id),
                newer!(ads::campaign_name),
                newer!(ads::adset_id),
                newer!(ads::adset_name),
                newer!(ads::labels_from),
            ))
            .returning((ads::ad_id, ads::id))
            .load(c))?;
        keys.extend(rows);
    }
    Ok(keys)
}

/// Deletes the ads no performance row refers to any more (after rows were removed).
pub fn delete_orphans(conn: &mut DbConn<'_>) -> QueryResult<usize> {
    use super::schema::performance_rows as pr;
    db_run!(conn, |c| diesel::delete(
        ads::table.filter(diesel::dsl::not(diesel::dsl::exists(
            pr::table.filter(pr::ad_key.eq(ads::id))
        )))
    )
    .execute(c))
}

/// `(ad key, ad name)` of every ad mapped to master `master_id` or one of its variants: the
/// results read each ad's placement from its name, since the mapping keeps only the arm.
pub fn mapped_names(
    conn: &mut DbConn<'_>,
    master_id: i32,
) -> QueryResult<Vec<(i32, Option<String>)>> {
    db_run!(conn, |c| ads::table
        .inner_join(
            ad_mappings::table
                .on(ad_mappings::platform.eq(ads::platform).and(ad_mappings::ad_id.eq(ads::ad_id))),
        )
        .filter(ad_mappings::master_id.eq(master_id))
        .select((ads::id, ads::ad_name))
        .load(c))
}
