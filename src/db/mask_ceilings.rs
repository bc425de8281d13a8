//! The `mask_ceilings` table: the cached hallucination-ceiling count of each variant, valid for
//! one set of its master's rejected variants.

use diesel::prelude::*;

use super::DbConn;
use super::schema::mask_ceilings;
use crate::db_run;

/// A row of `mask_ceilings`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = mask_ceilings, primary_key(variant_id))]
pub struct MaskCeiling {
    /// The variant whose mask was compared.
    pub variant_id: i32,
    /// Names the rejected variants it was compared with; a new rejection changes it.
    pub rejected_key: String,
    /// Rejected masks overlapping the variant's by IoU > 0.5.
    pub hits: i32,
    /// When it was computed.
    pub computed_at: chrono::NaiveDateTime,
}

/// The cached count of `variant_id`, whatever set it was computed for.
pub fn find(conn: &mut DbConn<'_>, variant_id: i32) -> QueryResult<Option<MaskCeiling>> {
    db_run!(conn, |c| mask_ceilings::table
        .find(variant_id)
        .select(MaskCeiling::as_select())
        .first(c)
        .optional())
}

/// Stores or replaces a count.
pub fn upsert(conn: &mut DbConn<'_>, row: &MaskCeiling) -> QueryResult<usize> {
    db_run!(conn, |c| diesel::insert_into(mask_ceilings::table)
        .values(row)
        .on_conflict(mask_ceilings::variant_id)
        .do_update()
        .set(row)
        .execute(c))
}
