//! The `sessions` table: server-side login sessions, keyed by the sha256 of the cookie's token.

use diesel::prelude::*;

use super::DbConn;
use super::schema::sessions;
use crate::db_run;

/// A row of `sessions`.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub id: i32,
    pub user_id: i32,
    /// Hex sha256 of the cookie's token; the token itself is never stored.
    #[serde(skip)]
    pub token_hash: String,
    pub created_at: chrono::NaiveDateTime,
    /// Refreshed at most once a minute, so that page views do not each cost a write.
    pub last_seen_at: chrono::NaiveDateTime,
    /// Absolute end of the session (login time + `session_ttl_secs`), whatever the activity.
    pub expires_at: chrono::NaiveDateTime,
    /// The browser's User-Agent at login, cut to 200 characters, to tell sessions apart.
    pub user_agent: String,
}

/// A session to insert.
#[derive(Debug, Insertable)]
#[diesel(table_name = sessions)]
pub struct NewSession<'a> {
    pub user_id: i32,
    pub token_hash: &'a str,
    pub created_at: chrono::NaiveDateTime,
    pub last_seen_at: chrono::NaiveDateTime,
    pub expires_at: chrono::NaiveDateTime,
    pub user_agent: &'a str,
}

/// Inserts a session and returns it.
pub fn insert(conn: &mut DbConn<'_>, new: &NewSession<'_>) -> QueryResult<SessionRow> {
    db_run!(conn, |c| diesel::insert_into(sessions::table)
        .values(new)
        .returning(SessionRow::as_returning())
        .get_result(c))
}

/// The session with this token hash, expired or not (the caller compares `expires_at`).
pub fn find_by_hash(conn: &mut DbConn<'_>, hash: &str) -> QueryResult<Option<SessionRow>> {
    db_run!(conn, |c| sessions::table
        .filter(sessions::token_hash.eq(hash))
        .select(SessionRow::as_select())
        .first(c)
        .optional())
}

/// A user's sessions that have not expired, newest first.
pub fn live_for_user(
    conn: &mut DbConn<'_>,
    user_id: i32,
    now: chrono::NaiveDateTime,
) -> QueryResult<Vec<SessionRow>> {
    db_run!(conn, |c| sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::expires_at.gt(now))
        .order(sessions::id.desc())
        .select(SessionRow::as_select())
        .load(c))
}

/// Moves `last_seen_at` to `now` unless it is already newer than `since`.
pub fn touch(
    conn: &mut DbConn<'_>,
    id: i32,
    now: chrono::NaiveDateTime,
    since: chrono::NaiveDateTime,
) -> QueryResult<usize> {
    db_run!(conn, |c| diesel::update(
        sessions::table.filter(sessions::id.eq(id)).filter(sessions::last_seen_at.lt(since))
    )
    .set(sessions::last_seen_at.eq(now))
    .execute(c))
}

/// Deletes one session by id.
pub fn delete(conn: &mut DbConn<'_>, id: i32) -> QueryResult<usize> {
    db_run!(conn, |c| diesel::delete(sessions::table.find(id)).execute(c))
}

/// Deletes the session with this token hash.
pub fn delete_by_hash(conn: &mut DbConn<'_>, hash: &str) -> QueryResult<usize> {
    db_run!(conn, |c| diesel::delete(sessions::table.filter(sessions::token_hash.eq(hash)))
        .execute(c))
}

/// Deletes every session of a user except `keep` (the caller's own, when it should survive).
pub fn delete_for_user(
    conn: &mut DbConn<'_>,
    user_id: i32,
    keep: Option<i32>,
) -> QueryResult<usize> {
    let keep = keep.unwrap_or(-1);
    db_run!(conn, |c| diesel::delete(
        sessions::table.filter(sessions::user_id.eq(user_id)).filter(sessions::id.ne(keep))
    )
    .execute(c))
}

/// Deletes every session that ended before `now`.
pub fn delete_expired(conn: &mut DbConn<'_>, now: chrono::NaiveDateTime) -> QueryResult<usize> {
    db_run!(conn, |c| diesel::delete(sessions::table.filter(sessions::expires_at.le(now)))
        .execute(c))
}
