//! The `variant_pictures` table: a rendered variant's diff, leak and overlay PNGs, kept as blobs
//! so that viewing them reads one blob instead of decoding three images.

use diesel::prelude::*;

use super::DbConn;
use super::schema::variant_pictures;
use crate::db_run;

/// A row of `variant_pictures`: blob ids of the three derived PNGs.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = variant_pictures, primary_key(variant_id))]
pub struct VariantPictures {
    /// The variant they show.
    pub variant_id: i32,
    /// `|result − parent|` heatmap.
    pub diff_sha: String,
    /// The heatmap outside the grown+feathered mask only.
    pub leak_sha: String,
    /// The grown+feathered mask tinted over the parent.
    pub overlay_sha: String,
}

/// Stores (or replaces, after a re-render) a variant's pictures.
pub fn upsert(conn: &mut DbConn<'_>, row: &VariantPictures) -> QueryResult<usize> {
    db_run!(conn, |c| diesel::insert_into(variant_pictures::table)
        .values(row)
        .on_conflict(variant_pictures::variant_id)
        .do_update()
        .set(row)
        .execute(c))
}

/// The pictures of a variant, if they were rendered.
pub fn find(conn: &mut DbConn<'_>, variant_id: i32) -> QueryResult<Option<VariantPictures>> {
    db_run!(conn, |c| variant_pictures::table
        .find(variant_id)
        .select(VariantPictures::as_select())
        .first(c)
        .optional())
}
