//! Bulk review: send a whole grid (or chosen cells) to review, approve or reject it. Each cell goes
//! through the same transitions, four-eyes rule and history as a single variant; cells a transition
//! does not apply to are listed with the reason, never silently skipped.

use serde::Serialize;

use super::GridError;
use crate::config::ReviewSettings;
use crate::db::grids;
use crate::db::variants::VariantStatus;
use crate::db::workspaces::WorkspaceId;
use crate::db::{DbConn, variants};
use crate::services::review::{self, Decision, ReviewError};

/// What to do with the cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkAction {
    /// Draft → in review.
    Submit,
    /// In review → approved.
    Approve,
    /// Draft or in review → rejected.
    Reject,
}

impl BulkAction {
    /// A reviewer's decision: `approve` or `reject`.
    pub fn decision(s: &str) -> Result<Self, GridError> {
        match s.trim() {
            "approve" => Ok(Self::Approve),
            "reject" => Ok(Self::Reject),
            other => {
                Err(GridError::Invalid(format!("decision `{other}` must be approve or reject")))
            }
        }
    }
}

/// What a bulk review did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BulkOutcome {
    /// Codes of the cells that changed status.
    pub changed: Vec<String>,
    /// `code: reason` for the cells left as they were.
    pub skipped: Vec<String>,
}

/// Applies `action` to the cells of grid `grid_id` of workspace `ws`: every cell when `only` is
/// empty, else the listed cell variants (which must be cells of this grid).
#[expect(clippy::too_many_arguments, reason = "one use case's inputs, all required")]
pub fn bulk_review(
    conn: &mut DbConn<'_>,
    ws: WorkspaceId,
    grid_id: i32,
    user_id: i32,
    action: BulkAction,
    only: &[i32],
    comment: &str,
    rules: &ReviewSettings,
) -> Result<BulkOutcome, GridError> {
    let grid = grids::find_in(conn, ws, grid_id)?;
    let cell_ids: Vec<i32> =
        grids::cells(conn, grid.id)?.into_iter().map(|c| c.variant_id).collect();
    if let Some(stray) = only.iter().find(|id| !cell_ids.contains(id)) {
        return Err(GridError::Invalid(format!("variant {stray} is not a cell of this grid")));
    }
    let mut out = BulkOutcome::default();
    for id in cell_ids.into_iter().filter(|id| only.is_empty() || only.contains(id)) {
        let v = variants::find_in(conn, ws, id)?;
        let applies = match action {
            BulkAction::Submit => v.status == VariantStatus::Draft,
            BulkAction::Approve => v.status == VariantStatus::InReview,
            BulkAction::Reject => {
                matches!(v.status, VariantStatus::Draft | VariantStatus::InReview)
            }
        };
        if !applies {
            out.skipped.push(format!("{}: {}", v.code, v.status));
            continue;
        }
        let done = match action {
            BulkAction::Submit => review::submit(conn, ws, id, user_id, comment),
            BulkAction::Approve => {
                review::decide(conn, ws, id, user_id, Decision::Approve, comment, rules)
            }
            BulkAction::Reject => {
                review::decide(conn, ws, id, user_id, Decision::Reject, comment, rules)
            }
        };
        match done {
            Ok(_) => out.changed.push(v.code),
            Err(ReviewError::Conflict(m) | ReviewError::NotAllowed(m)) => {
                out.skipped.push(format!("{}: {m}", v.code));
            }
            Err(other) => return Err(other.into()),
        }
    }
    Ok(out)
}
