//! The `masters` table: uploaded base images.

use diesel::prelude::*;

use super::DbConn;
use super::schema::masters;
use super::workspaces::WorkspaceId;
use crate::db_run;

/// A row of `masters`.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = masters)]
pub struct Master {
    pub id: i32,
    pub workspace_id: i32,
    pub name: String,
    /// Generator or source of the image (free text).
    pub source_model: String,
    /// Prompt used to make the image, if any.
    pub source_prompt: String,
    /// Blob of the image as uploaded.
    pub image_sha: String,
    /// Blob of the PNG thumbnail.
    pub thumb_sha: String,
    /// Width in pixels.
    pub width: i32,
    /// Height in pixels.
    pub height: i32,
    pub created_by: Option<i32>,
    pub created_at: chrono::NaiveDateTime,
}

/// A master to insert.
#[derive(Debug, Insertable)]
#[diesel(table_name = masters)]
pub struct NewMaster<'a> {
    pub workspace_id: i32,
    pub name: &'a str,
    pub source_model: &'a str,
    pub source_prompt: &'a str,
    pub image_sha: &'a str,
    pub thumb_sha: &'a str,
    /// Width in pixels.
    pub width: i32,
    /// Height in pixels.
    pub height: i32,
    pub created_by: Option<i32>,
    pub created_at: chrono::NaiveDateTime,
}

/// Inserts a master and returns it.
pub fn insert(conn: &mut DbConn<'_>, new: &NewMaster<'_>) -> QueryResult<Master> {
    db_run!(conn, |c| diesel::insert_into(masters::table)
        .values(new)
        .returning(Master::as_returning())
        .get_result(c))
}

/// Finds a master by id in any workspace: for workers and the CLI, never for a request.
pub fn find(conn: &mut DbConn<'_>, id: i32) -> QueryResult<Master> {
    db_run!(conn, |c| masters::table.find(id).select(Master::as_select()).first(c))
}

/// Finds a master of workspace `ws` by id; another workspace's master is `NotFound`.
pub fn find_in(conn: &mut DbConn<'_>, ws: WorkspaceId, id: i32) -> QueryResult<Master> {
    db_run!(conn, |c| masters::table
        .filter(masters::id.eq(id))
        .filter(masters::workspace_id.eq(ws.0))
        .select(Master::as_select())
        .first(c))
}

/// The masters of workspace `ws`, newest first.
pub fn list_in(conn: &mut DbConn<'_>, ws: WorkspaceId) -> QueryResult<Vec<Master>> {
    db_run!(conn, |c| masters::table
        .filter(masters::workspace_id.eq(ws.0))
        .order(masters::id.desc())
        .select(Master::as_select())
        .load(c))
}
