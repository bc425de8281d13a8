//! The `workspaces` table.

use diesel::prelude::*;

use super::DbConn;
use super::schema::workspaces;
use crate::db_run;

/// The workspace a request acts in: every lookup by id is filtered by it, so another workspace's
/// master, variant, experiment, import or job reads as missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct WorkspaceId(pub i32);

/// Slug and name of the workspace that the CLI, the demo and existing data belong to.
pub const DEFAULT_WORKSPACE: (&str, &str) = ("default", "Default");

/// A row of `workspaces`: a brand or client.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = workspaces)]
pub struct Workspace {
    pub id: i32,
    pub name: String,
    /// URL-safe unique name.
    pub slug: String,
    pub created_at: chrono::NaiveDateTime,
}

/// Returns the workspace with `slug`, creating it with `name` if it does not exist.
pub fn ensure(conn: &mut DbConn<'_>, slug: &str, name: &str) -> QueryResult<Workspace> {
    match insert(conn, slug, name)? {
        Some(created) => Ok(created),
        None => db_run!(conn, |c| workspaces::table
            .filter(workspaces::slug.eq(slug))
            .select(Workspace::as_select())
            .first(c)),
    }
}

/// The default workspace, made if missing.
pub fn default(conn: &mut DbConn<'_>) -> QueryResult<WorkspaceId> {
    ensure(conn, DEFAULT_WORKSPACE.0, DEFAULT_WORKSPACE.1).map(|w| WorkspaceId(w.id))
}

/// Finds a workspace by id.
pub fn find(conn: &mut DbConn<'_>, id: i32) -> QueryResult<Workspace> {
    db_run!(conn, |c| workspaces::table.find(id).select(Workspace::as_select()).first(c))
}

/// Inserts a workspace; `None` when its slug is taken.
pub fn insert(conn: &mut DbConn<'_>, slug: &str, name: &str) -> QueryResult<Option<Workspace>> {
    db_run!(conn, |c| diesel::insert_into(workspaces::table)
        .values((
            workspaces::slug.eq(slug),
            workspaces::name.eq(name),
            workspaces::created_at.eq(super::now()),
        ))
        .on_conflict(workspaces::slug)
        .do_nothing()
        .returning(Workspace::as_returning())
        .get_result(c)
        .optional())
}

/// All workspaces by name.
pub fn list(conn: &mut DbConn<'_>) -> QueryResult<Vec<Workspace>> {
    db_run!(conn, |c| workspaces::table
        .order(workspaces::name)
        .select(Workspace::as_select())
        .load(c))
}
