//! A job's status as the variant page's poller and the API read it, within the caller's workspace.

use crate::db::workspaces::WorkspaceId;
use crate::db::{DbConn, jobs};

/// The public shape of a job.
#[derive(Debug, Clone, serde::Serialize)]
pub struct JobStatusView {
    /// Job id.
    pub id: i32,
    /// `queued`, `running`, `done` or `failed`.
    pub status: String,
    /// 0..1.
    pub progress: f64,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// How many times a worker claimed it.
    pub attempts: i32,
}

/// The status of job `id` of workspace `ws`; another workspace's job is `NotFound`.
pub fn find(
    conn: &mut DbConn<'_>,
    ws: WorkspaceId,
    id: i32,
) -> Result<JobStatusView, diesel::result::Error> {
    let job = jobs::find_in(conn, ws, id)?;
    Ok(JobStatusView {
        id: job.id,
        status: job.status,
        progress: job.progress,
        error: job.error,
        attempts: job.attempts,
    })
}
