//! What the variant pages and the variant API read: the mask editor's parent, the variant page,
//! the download and the API's JSON. Every lookup is scoped to the caller's workspace, so another
//! workspace's variant reads as missing.

use std::sync::Arc;

use crate::blobs::BlobStore;
use crate::config::Settings;
use crate::db::jobs::{self, Job};
use crate::db::masters::{self, Master};
use crate::db::reviews::{self, ReviewEntry};
use crate::db::variants::{self, Variant};
use crate::db::workspaces::WorkspaceId;
use crate::db::{DbConn, DbPool, master_variables};
use ::imaging::PrimingReport;

use crate::services::pictures::{self, Picture};
use crate::services::review::{self, ReviewError};
use crate::services::variants::{ParentRef, VariantError};

/// What the mask editor starts from.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Editor {
    pub master: Master,
    /// The parent variant, when the parent is not the master.
    pub parent_variant: Option<Variant>,
    /// The master's declared variables.
    pub variables: Vec<String>,
}

/// The parent `parent` of a new variant in workspace `ws`, for the mask editor.
pub fn editor(
    conn: &mut DbConn<'_>,
    ws: WorkspaceId,
    parent: ParentRef,
) -> Result<Editor, VariantError> {
    let (master_id, parent_variant) = match parent {
        ParentRef::Master(id) => (id, None),
        ParentRef::Variant(id) => {
            let v = variants::find_in(conn, ws, id)?;
            (v.master_id, Some(v))
        }
    };
    Ok(Editor {
        master: masters::find_in(conn, ws, master_id)?,
        parent_variant,
        variables: master_variables::list(conn, master_id)?,
    })
}

/// Everything the variant page shows.
#[derive(Debug, Clone, serde::Serialize)]
pub struct VariantPage {
    pub variant: Variant,
    pub master: Master,
    /// Its render job.
    pub job: Option<Job>,
    /// The review history, oldest first.
    pub history: Vec<ReviewEntry>,
    /// An earlier variant with the same parent, variable and value.
    pub duplicate_of: Option<i32>,
    /// Rejected variants whose mask overlaps this one's, when the region keeps failing.
    pub ceiling: Option<usize>,
    /// Its format siblings (none for a format).
    pub formats: Vec<Variant>,
    /// A format's source variant (`None` for other variants, or a master's format).
    pub format_source: Option<Variant>,
    /// The priming report, once rendered.
    pub priming: Option<PrimingReport>,
}

/// The page of variant `id` of workspace `ws`.
pub fn page(
    conn: &mut DbConn<'_>,
    blobs: &Arc<dyn BlobStore>,
    ws: WorkspaceId,
    id: i32,
) -> Result<VariantPage, ReviewError> {
    let variant = variants::find_in(conn, ws, id)?;
    // The master, job and history hang off a variant already found in `ws`.
    let master = masters::find(conn, variant.master_id)?;
    let job = variant.job_id.map(|j| jobs::find(conn, j)).transpose()?;
    let history = reviews::history(conn, id)?;
    let duplicate_of = variants::duplicate_of(conn, &variant)?;
    let ceiling = review::ceiling(conn, blobs, &variant)?;
    let formats = if variant.format.is_some() {
        Vec::new()
    } else {
        variants::formats_of(conn, variant.master_id, Some(id))?
    };
    let format_source = variant.format_of.map(|s| variants::find(conn, s)).transpose()?;
    let priming = variant.priming.as_deref().and_then(|r| serde_json::from_str(r).ok());
    Ok(VariantPage {
        variant,
        master,
        job,
        history,
        duplicate_of,
        ceiling,
        formats,
        format_source,
        priming,
    })
}

/// The result of variant `id` of workspace `ws` and the file name to save it under.
pub fn download(
    pool: &DbPool,
    blobs: &Arc<dyn BlobStore>,
    settings: &Settings,
    ws: WorkspaceId,
    id: i32,
) -> Result<(String, Vec<u8>), VariantError> {
    let code = pool.run(|c| variants::find_in(c, ws, id).map_err(VariantError::from))?.code;
    let bytes = pictures::picture(pool, blobs, settings, ws, id, Picture::Result)?;
    Ok((format!("{code}.png"), bytes))
}

/// The API's JSON of variant `id` of workspace `ws`.
pub fn api_view(
    conn: &mut DbConn<'_>,
    ws: WorkspaceId,
    id: i32,
) -> Result<serde_json::Value, VariantError> {
    let v = variants::find_in(conn, ws, id)?;
    let dup = variants::duplicate_of(conn, &v)?;
    Ok(variant_json(&v, dup))
}

/// The public JSON shape of a variant.
pub fn variant_json(v: &Variant, duplicate_of: Option<i32>) -> serde_json::Value {
    let (parent_kind, parent_id) = match v.parent_variant_id {
        Some(p) => ("variant", p),
        None => ("master", v.master_id),
    };
    serde_json::json!({
        "id": v.id,
        "master_id": v.master_id,
        "parent_kind": parent_kind,
        "parent_id": parent_id,
        "code": v.code,
        "variable": v.variable,
        "value": v.value,
        "operation": v.operation,
        "params": serde_json::from_str::<serde_json::Value>(&v.params).unwrap_or(serde_json::Value::Null),
        "status": v.status,
        "job_id": v.job_id,
        "duplicate_of": duplicate_of,
        "ready": v.result_sha.is_some(),
        "format": v.format,
        "format_of": v.format_of,
        "source_rect": v.source_rect.as_deref().and_then(|r| serde_json::from_str::<serde_json::Value>(r).ok()),
        "priming": v.priming.as_deref().and_then(|r| serde_json::from_str::<::imaging::PrimingReport>(r).ok()).map(|r| r.verdict),
        "audit": {
            "changed_outside_mask_px": v.changed_outside_mask_px,
            "changed_fraction": v.changed_fraction,
            "mask_fraction": v.mask_fraction,
            "delta_e": v.delta_e,
            "lightness_corr": v.lightness_corr,
            "gamut_mapped_px": v.gamut_mapped_px,
            "controlled": v.controlled,
            "note": v.audit_note,
        },
    })
}
