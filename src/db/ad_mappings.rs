//! The `ad_mappings` table: which master or variant an ad-platform ad shows.

use diesel::prelude::*;

use super::DbConn;
use super::schema::{ad_mappings, masters, variants};
use super::workspaces::WorkspaceId;
use crate::db_run;

/// A row of `ad_mappings`.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = ad_mappings)]
pub struct AdMapping {
    pub id: i32,
    pub platform: String,
    pub ad_id: String,
    /// The master the ad's creative derives from.
    pub master_id: i32,
    /// The variant shown; `None` means the master itself.
    pub variant_id: Option<i32>,
    /// `code` (found in the ad name at import) or `manual`.
    pub mapped_by: String,
    pub created_at: chrono::NaiveDateTime,
}

/// A mapping to insert.
#[derive(Debug, Insertable)]
#[diesel(table_name = ad_mappings, treat_none_as_default_value = false)]
pub struct NewAdMapping<'a> {
    pub platform: &'a str,
    pub ad_id: &'a str,
    pub master_id: i32,
    /// Variant, or `None` for the master.
    pub variant_id: Option<i32>,
    /// `code` or `manual`.
    pub mapped_by: &'a str,
    pub created_at: chrono::NaiveDateTime,
}

/// Inserts a mapping unless the ad already has one (a code never overrides a manual choice);
/// returns whether a row was inserted.
pub fn insert_if_absent(conn: &mut DbConn<'_>, new: &NewAdMapping<'_>) -> QueryResult<bool> {
    db_run!(conn, |c| diesel::insert_into(ad_mappings::table)
        .values(new)
        .on_conflict((ad_mappings::platform, ad_mappings::ad_id))
        .do_nothing()
        .execute(c)
        .map(|n| n > 0))
}

/// Inserts or replaces the mapping of `(platform, ad_id)`.
pub fn upsert(conn: &mut DbConn<'_>, new: &NewAdMapping<'_>) -> QueryResult<AdMapping> {
    db_run!(conn, |c| diesel::insert_into(ad_mappings::table)
        .values(new)
        .on_conflict((ad_mappings::platform, ad_mappings::ad_id))
        .do_update()
        .set((
            ad_mappings::master_id.eq(new.master_id),
            ad_mappings::variant_id.eq(new.variant_id),
            ad_mappings::mapped_by.eq(new.mapped_by),
        ))
        .returning(AdMapping::as_returning())
        .get_result(c))
}

/// The ad IDs of `platform` that workspace `ws` has mapped.
pub fn mapped_ad_ids(
    conn: &mut DbConn<'_>,
    ws: WorkspaceId,
    platform: &str,
) -> QueryResult<Vec<String>> {
    db_run!(conn, |c| ad_mappings::table
        .inner_join(masters::table)
        .filter(masters::workspace_id.eq(ws.0))
        .filter(ad_mappings::platform.eq(platform))
        .select(ad_mappings::ad_id)
        .load(c))
}

/// Every mapping, by platform and ad ID (for tests and maintenance; requests use [`list_in`]).
pub fn list(conn: &mut DbConn<'_>) -> QueryResult<Vec<AdMapping>> {
    db_run!(conn, |c| ad_mappings::table
        .order((ad_mappings::platform, ad_mappings::ad_id))
        .select(AdMapping::as_select())
        .load(c))
}

/// The mappings of workspace `ws`, by platform and ad ID.
pub fn list_in(conn: &mut DbConn<'_>, ws: WorkspaceId) -> QueryResult<Vec<AdMapping>> {
    db_run!(conn, |c| ad_mappings::table
        .inner_join(masters::table)
        .filter(masters::workspace_id.eq(ws.0))
        .order((ad_mappings::platform, ad_mappings::ad_id))
        .select(AdMapping::as_select())
        .load(c))
}

/// The workspace whose master `(platform, ad_id)` is mapped to, if it is mapped.
pub fn owner(conn: &mut DbConn<'_>, platform: &str, ad_id: &str) -> QueryResult<Option<i32>> {
    db_run!(conn, |c| ad_mappings::table
        .inner_join(masters::table)
        .filter(ad_mappings::platform.eq(platform))
        .filter(ad_mappings::ad_id.eq(ad_id))
        .select(masters::workspace_id)
        .first(c)
        .optional())
}

/// `(variant id, master id)` of the arm of workspace `ws` that `code` names: the variant whose
/// code it is, or else the master whose formats carry it as their base (`LM-7F3K-916` and its
/// siblings), with no variant. A placement suffix never reaches here: the code parser stops at it,
/// so a variant's formats map to the variant itself.
pub fn variant_by_code(
    conn: &mut DbConn<'_>,
    ws: WorkspaceId,
    code: &str,
) -> QueryResult<Option<(Option<i32>, i32)>> {
    let exact: Option<(i32, i32)> = db_run!(conn, |c| variants::table
        .inner_join(masters::table)
        .filter(masters::workspace_id.eq(ws.0))
        .filter(variants::code.eq(code))
        .select((variants::id, variants::master_id))
        .first(c)
        .optional())?;
    if let Some((v, m)) = exact {
        return Ok(Some((Some(v), m)));
    }
    let prefix = format!("{code}-%");
    let master: Option<i32> = db_run!(conn, |c| variants::table
        .inner_join(masters::table)
        .filter(masters::workspace_id.eq(ws.0))
        .filter(variants::format.is_not_null())
        .filter(variants::format_of.is_null())
        .filter(variants::code.like(&prefix))
        .select(variants::master_id)
        .first(c)
        .optional())?;
    Ok(master.map(|m| (None, m)))
}
