//! How the demo takes its variants through the same steps as a user: wait for the render job
//! (running it here when no worker has claimed it), then submit and approve.

use inpaint::Inpainter;

use super::DemoError;
use crate::db::jobs::JobStatus;
use crate::db::workspaces::WorkspaceId;
use crate::jobs::{WorkerContext, process_one};
use crate::services::review;

/// Submits and approves variant `id`. The demo has one admin who both makes and approves: a
/// one-person team, so four eyes is waived here whatever `review.allow_self_approval` says.
pub(super) fn approve_as_demo(
    c: &mut crate::db::DbConn<'_>,
    ws: WorkspaceId,
    id: i32,
    admin: i32,
) -> Result<(), DemoError> {
    let one_person = crate::config::ReviewSettings { allow_self_approval: true };
    review::submit(c, ws, id, admin, "Demo: ready for review.")?;
    review::decide(
        c,
        ws,
        id,
        admin,
        review::Decision::Approve,
        "Demo: approved for testing.",
        &one_person,
    )?;
    Ok(())
}

pub(super) fn wait_for_job(
    ctx: &WorkerContext,
    engine: &dyn Inpainter,
    job_id: i32,
    variant_id: i32,
) -> Result<(), DemoError> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(600);
    // Claims are told apart by name: a name two processes shared would let one finish the
    // other's job.
    let me = format!("demo-seed-{}", std::process::id());
    loop {
        let job = ctx.pool.run(|c| crate::db::jobs::find(c, job_id).map_err(DemoError::from))?;
        match JobStatus::parse(&job.status) {
            Some(JobStatus::Done) => return Ok(()),
            Some(JobStatus::Failed) => {
                return Err(DemoError::NotRendered(variant_id, job.error.unwrap_or_default()));
            }
            _ if std::time::Instant::now() > deadline => {
                return Err(DemoError::NotRendered(variant_id, "timed out".into()));
            }
            _ => {
                if process_one(ctx, engine, &me)?.is_none() {
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
            }
        }
    }
}
