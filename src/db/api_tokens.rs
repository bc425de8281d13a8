//! The `api_tokens` table: bearer tokens, stored as sha256 hashes only.

use diesel::prelude::*;

use super::DbConn;
use super::schema::api_tokens;
use crate::db_run;

/// A row of `api_tokens`.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = api_tokens)]
pub struct ApiToken {
    /// Primary key.
    pub id: i32,
    /// Owner.
    pub user_id: i32,
    /// Label given at creation.
    pub name: String,
    /// Hex sha256 of the token; the token itself is never stored.
    pub token_hash: String,
    /// Creation time.
    pub created_at: chrono::NaiveDateTime,
    /// Last successful use.
    pub last_used_at: Option<chrono::NaiveDateTime>,
}

/// A token to insert.
#[derive(Debug, Insertable)]
#[diesel(table_name = api_tokens)]
pub struct NewApiToken<'a> {
    /// Owner.
    pub user_id: i32,
    /// Label.
    pub name: &'a str,
    /// Hex sha256 of the token.
    pub token_hash: &'a str,
    /// Creation time.
    pub created_at: chrono::NaiveDateTime,
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

/// Records a use of the token.
pub fn touch(conn: &mut DbConn<'_>, id: i32, at: chrono::NaiveDateTime) -> QueryResult<usize> {
    db_run!(conn, |c| diesel::update(api_tokens::table.find(id))
        .set(api_tokens::last_used_at.eq(Some(at)))
        .execute(c))
}
