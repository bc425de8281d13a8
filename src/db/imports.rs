//! The `imports` table: one row per stored file.

use diesel::prelude::*;

use super::DbConn;
use super::schema::imports;
use super::workspaces::WorkspaceId;
use crate::db_run;

/// A row of `imports`.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = imports)]
pub struct Import {
    pub id: i32,
    /// sha256 of the uploaded bytes (also the blob id of the kept file).
    pub sha256: String,
    /// `meta`, `google`, `tiktok` or `generic`.
    pub platform: String,
    /// The uploaded file's name.
    pub filename: String,
    /// Data rows in the file.
    pub row_count: i32,
    /// Distinct ad IDs in the file.
    pub ad_count: i32,
    /// Rows that were new.
    pub inserted_count: i32,
    /// Rows that replaced an existing `(platform, ad_id, date)`.
    pub updated_count: i32,
    /// Account currency, when the file names one.
    pub currency: Option<String>,
    pub date_min: Option<chrono::NaiveDate>,
    pub date_max: Option<chrono::NaiveDate>,
    /// Who imported it (none from the CLI).
    pub user_id: Option<i32>,
    pub created_at: chrono::NaiveDateTime,
    /// The workspace it was imported in (the CLI's is the default one).
    pub workspace_id: i32,
}

/// An import to record.
#[derive(Debug, Insertable)]
#[diesel(table_name = imports)]
pub struct NewImport<'a> {
    /// sha256 of the bytes.
    pub sha256: &'a str,
    pub platform: &'a str,
    pub filename: &'a str,
    pub row_count: i32,
    pub ad_count: i32,
    /// New rows (may be set later with [`set_counts`]).
    pub inserted_count: i32,
    pub updated_count: i32,
    pub currency: Option<&'a str>,
    pub date_min: Option<chrono::NaiveDate>,
    pub date_max: Option<chrono::NaiveDate>,
    pub user_id: Option<i32>,
    /// Time of the import.
    pub created_at: chrono::NaiveDateTime,
    pub workspace_id: i32,
}

/// Inserts an import and returns it.
pub fn insert(conn: &mut DbConn<'_>, new: &NewImport<'_>) -> QueryResult<Import> {
    db_run!(conn, |c| diesel::insert_into(imports::table)
        .values(new)
        .returning(Import::as_returning())
        .get_result(c))
}

/// Records how many rows were new and how many replaced existing ones.
pub fn set_counts(
    conn: &mut DbConn<'_>,
    id: i32,
    inserted: i32,
    updated: i32,
) -> QueryResult<Import> {
    db_run!(conn, |c| diesel::update(imports::table.find(id))
        .set((imports::inserted_count.eq(inserted), imports::updated_count.eq(updated)))
        .returning(Import::as_returning())
        .get_result(c))
}

/// What is known of an import once its file has been read to the end.
#[derive(Debug, AsChangeset)]
#[diesel(table_name = imports, treat_none_as_null = true)]
pub struct ImportFacts<'a> {
    pub row_count: i32,
    pub ad_count: i32,
    pub inserted_count: i32,
    pub updated_count: i32,
    pub currency: Option<&'a str>,
    pub date_min: Option<chrono::NaiveDate>,
    pub date_max: Option<chrono::NaiveDate>,
    /// sha256 of the bytes (computed while they were read, for a file streamed from disk).
    pub sha256: &'a str,
}

/// Completes an import recorded before its file was read to the end.
pub fn set_facts(conn: &mut DbConn<'_>, id: i32, facts: &ImportFacts<'_>) -> QueryResult<Import> {
    db_run!(conn, |c| diesel::update(imports::table.find(id))
        .set(facts)
        .returning(Import::as_returning())
        .get_result(c))
}

/// Finds an import by id.
pub fn find(conn: &mut DbConn<'_>, id: i32) -> QueryResult<Import> {
    db_run!(conn, |c| imports::table.find(id).select(Import::as_select()).first(c))
}

/// Every import, newest first (for tests and maintenance; requests use [`list_in`]).
pub fn list(conn: &mut DbConn<'_>) -> QueryResult<Vec<Import>> {
    db_run!(conn, |c| imports::table.order(imports::id.desc()).select(Import::as_select()).load(c))
}

/// The imports of workspace `ws`, newest first.
pub fn list_in(conn: &mut DbConn<'_>, ws: WorkspaceId) -> QueryResult<Vec<Import>> {
    db_run!(conn, |c| imports::table
        .filter(imports::workspace_id.eq(ws.0))
        .order(imports::id.desc())
        .select(Import::as_select())
        .load(c))
}

/// How many imports exist.
pub fn count(conn: &mut DbConn<'_>) -> QueryResult<i64> {
    db_run!(conn, |c| imports::table.count().get_result(c))
}

/// The newest import of the file `sha256` recorded at or after `since`: what an earlier attempt of
/// an import job stored before its worker died.
pub fn stored_since(
    conn: &mut DbConn<'_>,
    sha256: &str,
    since: chrono::NaiveDateTime,
) -> QueryResult<Option<Import>> {
    db_run!(conn, |c| imports::table
        .filter(imports::sha256.eq(sha256))
        .filter(imports::created_at.ge(since))
        .order(imports::id.desc())
        .select(Import::as_select())
        .first(c)
        .optional())
}
