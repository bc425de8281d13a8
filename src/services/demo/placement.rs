//! The demo's placement: a 1:1 crop of the spoon erase, made and approved the way a user would,
//! so the lineage shows a format next to its edit.

use inpaint::Inpainter;

use super::DemoError;
use super::review_flow::{approve_as_demo, wait_for_job};
use crate::db::workspaces::WorkspaceId;
use crate::jobs::WorkerContext;
use crate::services::formats::{self, FormatRequest, FormatSource};

/// Makes, renders and approves the 1:1 crop of variant `source`; returns the format's id.
pub(super) fn seed_placement(
    ctx: &WorkerContext,
    engine: &dyn Inpainter,
    (ws, admin): (WorkspaceId, i32),
    source: i32,
) -> Result<i32, DemoError> {
    // A crop keeps every source pixel and needs no engine: the square around the edits fits in
    // the 600×400 photo, so the placement is exact.
    let req = FormatRequest { aspect: "1:1".into(), mode: "crop".into(), focus: None };
    let created = ctx.pool.run(|c| {
        formats::create(
            c,
            &ctx.blobs,
            &ctx.settings,
            ws,
            FormatSource::Variant(source),
            &req,
            Some(admin),
        )
        .map_err(DemoError::from)
    })?;
    wait_for_job(ctx, engine, created.job_id, created.id)?;
    ctx.pool.run(|c| approve_as_demo(c, ws, created.id, admin))?;
    Ok(created.id)
}
