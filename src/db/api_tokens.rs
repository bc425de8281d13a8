//! The `api_tokens` table: bearer tokens, stored as sha256 hashes only.

use diesel::prelude::*;

use super::DbConn;
use super::schema::api_tokens;
use crate::db_run;

/// A row of `api_tokens`.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = api_tokens)]
pub struct ApiToken {
    pub id: i32,
    pub user_id: i32,
    /// Label given at creation.
    pub name: String,
    /// Hex sha256 of the token; the token itself is never stored.
    #[serde(skip)]
    pub token_hash: String,
    pub created_at: chrono::NaiveDateTime,
    /// Last successful use, refreshed at most once a minute.
    pub last_used_at: Option<chrono::NaiveDateTime>,
    /// After this instant the token is refused; `None` never expires.
    pub expires_at: Option<chrono::NaiveDateTime>,
    /// A read-only token may only make GET/HEAD/OPTIONS calls.
    pub read_only: bool,
}

/// A token to insert.
#[derive(Debug, Insertable)]
#[diesel(table_name = api_tokens)]
pub struct NewApiToken<'a> {
    pub user_id: i32,
    pub name: &'a str,
    /// Hex sha256 of the token.
    pub token_hash: &'a str,
    pub created_at: chrono::NaiveDateTime,
    pub expires_at: Option<chrono::NaiveDateTime>,
    pub read_only: bool,
}

/// Inserts a token row.
pub fn insert(conn: &mut DbConn<'_>, new: &NewApiToken<'_>) -> QueryResult<ApiToken> {
    db_run!(conn, |c| diesel::insert_into(api_tokens::table)
        .values(new)
        .returning(ApiToken::as_returning())
        .get_result(c))
}

/// Looks a token up by its hash.
pub fn find_by_hash(conn: &mut DbConn<'_>, hash: &str) -> QueryResult<Option<ApiToken>> {
    db_run!(conn, |c| api_tokens::table
        .filter(api_tokens::token_hash.eq(hash))
        .select(ApiToken::as_select())
        .first(c)
        .optional())
}

/// A user's tokens, newest first.
pub fn for_user(conn: &mut DbConn<'_>, user_id: i32) -> QueryResult<Vec<ApiToken>> {
    db_run!(conn, |c| api_tokens::table
        .filter(api_tokens::user_id.eq(user_id))
        .order(api_tokens::id.desc())
        .select(ApiToken::as_select())
        .load(c))
}

/// Deletes the token `id` if it belongs to `user_id`; returns how many rows went (0 or 1).
pub fn delete_owned(conn: &mut DbConn<'_>, id: i32, user_id: i32) -> QueryResult<usize> {
    db_run!(conn, |c| diesel::delete(
        api_tokens::table.filter(api_tokens::id.eq(id)).filter(api_tokens::user_id.eq(user_id))
    )
    .execute(c))
}

/// Records a use of the token, unless one was recorded after `since`.
pub fn touch(
    conn: &mut DbConn<'_>,
    id: i32,
    at: chrono::NaiveDateTime,
    since: chrono::NaiveDateTime,
) -> QueryResult<usize> {
    db_run!(conn, |c| diesel::update(
        api_tokens::table
            .filter(api_tokens::id.eq(id))
            .filter(api_tokens::last_used_at.is_null().or(api_tokens::last_used_at.lt(since)))
    )
    .set(api_tokens::last_used_at.eq(Some(at)))
    .execute(c))
}
