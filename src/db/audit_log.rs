//! The append-only `audit_log` table: who did what, when.

use diesel::prelude::*;

use super::DbConn;
use super::schema::audit_log;
use crate::db_run;

/// A row of `audit_log`.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub id: i32,
    /// Acting user, if any (CLI actions have none).
    pub user_id: Option<i32>,
    /// Verb, e.g. `login`, `variant.approve`.
    pub action: String,
    /// What it acted on, e.g. `variant:12`.
    pub subject: String,
    pub detail: String,
    pub created_at: chrono::NaiveDateTime,
}

/// Appends one entry.
pub fn record(
    conn: &mut DbConn<'_>,
    user_id: Option<i32>,
    action: &str,
    subject: &str,
    detail: &str,
) -> QueryResult<()> {
    db_run!(conn, |c| diesel::insert_into(audit_log::table)
        .values((
            audit_log::user_id.eq(user_id),
            audit_log::action.eq(action),
            audit_log::subject.eq(subject),
            audit_log::detail.eq(detail),
            audit_log::created_at.eq(super::now()),
        ))
        .execute(c)
        .map(|_| ()))
}

/// The newest `limit` entries.
pub fn recent(conn: &mut DbConn<'_>, limit: i64) -> QueryResult<Vec<AuditEntry>> {
    db_run!(conn, |c| audit_log::table
        .order(audit_log::id.desc())
        .limit(limit)
        .select(AuditEntry::as_select())
        .load(c))
}

/// The newest `limit` entries of workspace `ws`: those its users made, and those without an actor
/// (the CLI, failed logins) about one of its users.
pub fn recent_in(
    conn: &mut DbConn<'_>,
    ws: super::workspaces::WorkspaceId,
    limit: i64,
) -> QueryResult<Vec<AuditEntry>> {
    use super::schema::users;
    db_run!(conn, |c| {
        let ids: Vec<i32> =
            users::table.filter(users::workspace_id.eq(ws.0)).select(users::id).load(c)?;
        let subjects: Vec<String> = ids.iter().map(|id| format!("user:{id}")).collect();
        audit_log::table
            .filter(
                audit_log::user_id
                    .eq_any(&ids)
                    .or(audit_log::user_id.is_null().and(audit_log::subject.eq_any(&subjects))),
            )
            .order(audit_log::id.desc())
            .limit(limit)
            .select(AuditEntry::as_select())
            .load(c)
    })
}
