//! The `users` table.

use diesel::prelude::*;

use super::DbConn;
use super::schema::users;
use crate::db_run;

/// A row of `users`.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i32,
    /// Login e-mail, unique, stored lower-case.
    pub email: String,
    /// argon2 PHC string; never rendered.
    #[serde(skip)]
    pub password_hash: String,
    /// One of the [`crate::auth::Role`] names.
    pub role: String,
    /// Disabled users cannot log in or use tokens.
    pub disabled: bool,
    /// When the account was made.
    pub created_at: chrono::NaiveDateTime,
    /// The one workspace the user works in.
    pub workspace_id: i32,
}

/// A user to insert.
#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    /// Login e-mail, lower-case.
    pub email: &'a str,
    /// argon2 PHC string.
    pub password_hash: &'a str,
    pub role: &'a str,
    pub created_at: chrono::NaiveDateTime,
    pub workspace_id: i32,
}

/// Inserts a user and returns it.
pub fn insert(conn: &mut DbConn<'_>, new: &NewUser<'_>) -> QueryResult<User> {
    db_run!(conn, |c| diesel::insert_into(users::table)
        .values(new)
        .returning(User::as_returning())
        .get_result(c))
}

/// Finds a user by id.
pub fn find(conn: &mut DbConn<'_>, id: i32) -> QueryResult<User> {
    db_run!(conn, |c| users::table.find(id).select(User::as_select()).first(c))
}

/// Finds a user by e-mail (compared lower-case).
pub fn find_by_email(conn: &mut DbConn<'_>, email: &str) -> QueryResult<Option<User>> {
    let email = email.trim().to_lowercase();
    db_run!(conn, |c| users::table
        .filter(users::email.eq(&email))
        .select(User::as_select())
        .first(c)
        .optional())
}

/// All users, oldest first.
pub fn list(conn: &mut DbConn<'_>) -> QueryResult<Vec<User>> {
    db_run!(conn, |c| users::table.order(users::id).select(User::as_select()).load(c))
}

/// How many users exist.
pub fn count(conn: &mut DbConn<'_>) -> QueryResult<i64> {
    db_run!(conn, |c| users::table.count().get_result(c))
}

/// Replaces a user's password hash.
pub fn set_password_hash(conn: &mut DbConn<'_>, id: i32, hash: &str) -> QueryResult<usize> {
    db_run!(conn, |c| diesel::update(users::table.find(id))
        .set(users::password_hash.eq(hash))
        .execute(c))
}

/// Changes a user's role.
pub fn set_role(conn: &mut DbConn<'_>, id: i32, role: &str) -> QueryResult<usize> {
    db_run!(conn, |c| diesel::update(users::table.find(id)).set(users::role.eq(role)).execute(c))
}

/// Enables or disables a user.
pub fn set_disabled(conn: &mut DbConn<'_>, id: i32, disabled: bool) -> QueryResult<usize> {
    db_run!(conn, |c| diesel::update(users::table.find(id))
        .set(users::disabled.eq(disabled))
        .execute(c))
}
