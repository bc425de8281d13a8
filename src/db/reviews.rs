//! The `reviews` table: the append-only history of a variant's review status.

use diesel::prelude::*;

use super::DbConn;
use super::schema::{reviews, users};
use crate::db_run;

/// One status change, with the reviewer's e-mail when known.
#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct ReviewEntry {
    pub id: i32,
    pub variant_id: i32,
    pub from_status: String,
    pub to_status: String,
    pub comment: String,
    pub created_at: chrono::NaiveDateTime,
    /// Who (absent if the user was deleted).
    pub email: Option<String>,
}

/// Appends one status change.
pub fn insert(
    conn: &mut DbConn<'_>,
    variant_id: i32,
    user_id: Option<i32>,
    from: &str,
    to: &str,
    comment: &str,
) -> QueryResult<()> {
    db_run!(conn, |c| diesel::insert_into(reviews::table)
        .values((
            reviews::variant_id.eq(variant_id),
            reviews::user_id.eq(user_id),
            reviews::from_status.eq(from),
            reviews::to_status.eq(to),
            reviews::comment.eq(comment),
            reviews::created_at.eq(super::now()),
        ))
        .execute(c)
        .map(|_| ()))
}

/// A variant's history, oldest first.
pub fn history(conn: &mut DbConn<'_>, variant_id: i32) -> QueryResult<Vec<ReviewEntry>> {
    db_run!(conn, |c| reviews::table
        .left_join(users::table.on(reviews::user_id.eq(users::id.nullable())))
        .filter(reviews::variant_id.eq(variant_id))
        .order(reviews::id)
        .select((
            reviews::id,
            reviews::variant_id,
            reviews::from_status,
            reviews::to_status,
            reviews::comment,
            reviews::created_at,
            users::email.nullable(),
        ))
        .load(c))
}
