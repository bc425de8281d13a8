//! The `workspaces` table.

use diesel::prelude::*;

use super::DbConn;
use super::schema::workspaces;
use crate::db_run;

/// A row of `workspaces`: a brand or client.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = workspaces)]
pub struct Workspace {
    /// Primary key.
    pub id: i32,
    /// Display name.
    pub name: String,
    /// URL-safe unique name.
    pub slug: String,
    /// Creation time.
    pub created_at: chrono::NaiveDateTime,
}

/// Returns the workspace with `slug`, creating it with `name` if it does not exist.
pub fn ensure(conn: &mut DbConn<'_>, slug: &str, name: &str) -> QueryResult<Workspace> {
    db_run!(conn, |c| {
        diesel::insert_into(workspaces::table)
            .values((
                workspaces::slug.eq(slug),
                workspaces::name.eq(name),
                workspaces::created_at.eq(super::now()),
            ))
            .on_conflict(workspaces::slug)
            .do_nothing()
            .execute(c)?;
        workspaces::table.filter(workspaces::slug.eq(slug)).select(Workspace::as_select()).first(c)
    })
}

/// All workspaces by name.
pub fn list(conn: &mut DbConn<'_>) -> QueryResult<Vec<Workspace>> {
    db_run!(conn, |c| workspaces::table
        .order(workspaces::name)
        .select(Workspace::as_select())
        .load(c))
}
