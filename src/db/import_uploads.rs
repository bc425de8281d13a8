//! The `import_uploads` table: which user uploaded which import file (by blob id).

use diesel::prelude::*;

use super::DbConn;
use super::schema::import_uploads;
use crate::db_run;

/// Records that `user_id` uploaded the blob `sha256` (again: a second upload of the same bytes by
/// the same user changes nothing).
pub fn record(conn: &mut DbConn<'_>, sha256: &str, user_id: i32) -> QueryResult<()> {
    let row = (
        import_uploads::sha256.eq(sha256),
        import_uploads::user_id.eq(user_id),
        import_uploads::created_at.eq(super::now()),
    );
    db_run!(conn, |c| diesel::insert_into(import_uploads::table)
        .values(row)
        .on_conflict((import_uploads::sha256, import_uploads::user_id))
        .do_nothing()
        .execute(c))?;
    Ok(())
}

/// Whether `user_id` uploaded the blob `sha256`.
pub fn uploaded_by(conn: &mut DbConn<'_>, sha256: &str, user_id: i32) -> QueryResult<bool> {
    db_run!(conn, |c| diesel::select(diesel::dsl::exists(
        import_uploads::table
            .filter(import_uploads::sha256.eq(sha256))
            .filter(import_uploads::user_id.eq(user_id))
    ))
    .get_result(c))
}
