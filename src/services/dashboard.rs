//! The home page's numbers: what is in the workspace and what waits for whom.

use diesel::prelude::*;

use crate::db::schema::{experiments, imports, masters, performance_rows, variants};
use crate::db::variants::VariantStatus;
use crate::db::workspaces::WorkspaceId;
use crate::db::{DbConn, audit_log};
use crate::db_run;

/// Counts shown on the dashboard.
#[derive(Debug, Default, serde::Serialize)]
pub struct Overview {
    pub masters: i64,
    pub variants: i64,
    /// Variants waiting for a creative director.
    pub in_review: i64,
    pub approved: i64,
    /// Imported CSV files.
    pub imports: i64,
    /// Daily performance rows stored.
    pub performance_rows: i64,
    pub experiments: i64,
    /// The newest audit entries.
    pub recent: Vec<audit_log::AuditEntry>,
}

/// Reads the overview of workspace `ws` in one connection. Performance rows count when an import
/// of `ws` wrote them last.
pub fn overview(conn: &mut DbConn<'_>, ws: WorkspaceId) -> QueryResult<Overview> {
    let (masters, variants, in_review, approved, imports, performance_rows, experiments) =
        db_run!(conn, |c| {
            let in_ws = || masters::workspace_id.eq(ws.0);
            let variants_in = || variants::table.inner_join(masters::table).filter(in_ws());
            (
                masters::table.filter(in_ws()).count().get_result::<i64>(c)?,
                variants_in().count().get_result::<i64>(c)?,
                variants_in()
                    .filter(variants::status.eq(VariantStatus::InReview.as_str()))
                    .count()
                    .get_result::<i64>(c)?,
                variants_in()
                    .filter(variants::status.eq(VariantStatus::Approved.as_str()))
                    .count()
                    .get_result::<i64>(c)?,
                imports::table
                    .filter(imports::workspace_id.eq(ws.0))
                    .count()
                    .get_result::<i64>(c)?,
                performance_rows::table
                    .inner_join(imports::table)
                    .filter(imports::workspace_id.eq(ws.0))
                    .count()
                    .get_result::<i64>(c)?,
                experiments::table
                    .inner_join(masters::table)
                    .filter(in_ws())
                    .count()
                    .get_result::<i64>(c)?,
            )
        });
    let recent = audit_log::recent_in(conn, ws, 10)?;
    Ok(Overview {
        masters,
        variants,
        in_review,
        approved,
        imports,
        performance_rows,
        experiments,
        recent,
    })
}
