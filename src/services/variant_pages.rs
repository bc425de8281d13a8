//! What the variant pages and the variant API read: the mask editor's parent, the variant page,
//! the download and the API's JSON. Every lookup is scoped to the caller's workspace, so another
//! workspace's variant reads as missing.

use std::sync::Arc;

use crate::blobs::BlobStore;
use crate::config::Settings;
use crate::db::jobs::{self, Job};
use crate::db::masters::{self, Master};
use crate::db::reviews::{self, ReviewEntry};
use crate::db::variants::{self, Variant, VariantStatus};
use crate::db::workspaces::WorkspaceId;
use crate::db::{DbConn, DbPool, master_variables};
use ::imaging::{PrimingReport, PrimingVerdict};

use crate::services::pictures::{self, Picture};
use crate::services::review::{self, ReviewError};
use crate::services::variants::{Created, ParentRef, VariantError};

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
    /// The same view the API returns for it.
    pub view: VariantView,
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
        view: VariantView::new(&variant, duplicate_of),
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

/// The API's view of variant `id` of workspace `ws`.
pub fn api_view(
    conn: &mut DbConn<'_>,
    ws: WorkspaceId,
    id: i32,
) -> Result<VariantView, VariantError> {
    let v = variants::find_in(conn, ws, id)?;
    let dup = variants::duplicate_of(conn, &v)?;
    Ok(VariantView::new(&v, dup))
}

/// Whether a variant was made from the master or from another variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ParentKind {
    Master,
    Variant,
}

/// A variant as the API returns it and the variant page shows it: the row's JSON columns
/// decoded, the parent named, and the control audit grouped.
#[derive(Debug, Clone, serde::Serialize)]
pub struct VariantView {
    pub id: i32,
    pub master_id: i32,
    pub parent_kind: ParentKind,
    pub parent_id: i32,
    pub code: String,
    pub variable: String,
    pub value: String,
    pub operation: String,
    pub params: serde_json::Value,
    pub status: VariantStatus,
    pub job_id: Option<i32>,
    /// An earlier variant with the same parent, variable and value.
    pub duplicate_of: Option<i32>,
    /// Whether the result image exists yet.
    pub ready: bool,
    pub format: Option<String>,
    pub format_of: Option<i32>,
    pub source_rect: Option<serde_json::Value>,
    pub priming: Option<PrimingVerdict>,
    pub audit: AuditView,
}

/// The control audit's numbers (all `None` until the render finishes).
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditView {
    pub changed_outside_mask_px: Option<i64>,
    pub changed_fraction: Option<f64>,
    pub mask_fraction: Option<f64>,
    pub delta_e: Option<f64>,
    pub lightness_corr: Option<f64>,
    pub gamut_mapped_px: Option<i64>,
    pub controlled: Option<bool>,
    pub note: Option<String>,
}

impl VariantView {
    pub fn new(v: &Variant, duplicate_of: Option<i32>) -> Self {
        let (parent_kind, parent_id) = match v.parent_variant_id {
            Some(p) => (ParentKind::Variant, p),
            None => (ParentKind::Master, v.master_id),
        };
        let json = |text: &str| serde_json::from_str::<serde_json::Value>(text).ok();
        VariantView {
            id: v.id,
            master_id: v.master_id,
            parent_kind,
            parent_id,
            code: v.code.clone(),
            variable: v.variable.clone(),
            value: v.value.clone(),
            operation: v.operation.clone(),
            params: json(&v.params).unwrap_or(serde_json::Value::Null),
            status: v.status,
            job_id: v.job_id,
            duplicate_of,
            ready: v.result_sha.is_some(),
            format: v.format.clone(),
            format_of: v.format_of,
            source_rect: v.source_rect.as_deref().and_then(json),
            priming: v
                .priming
                .as_deref()
                .and_then(|r| serde_json::from_str::<PrimingReport>(r).ok())
                .map(|r| r.verdict),
            audit: AuditView {
                changed_outside_mask_px: v.changed_outside_mask_px,
                changed_fraction: v.changed_fraction,
                mask_fraction: v.mask_fraction,
                delta_e: v.delta_e,
                lightness_corr: v.lightness_corr,
                gamut_mapped_px: v.gamut_mapped_px,
                controlled: v.controlled,
                note: v.audit_note.clone(),
            },
        }
    }

    /// Where the parent's page is.
    pub fn parent_url(&self) -> String {
        match self.parent_kind {
            ParentKind::Variant => format!("/variants/{}", self.parent_id),
            ParentKind::Master => format!("/masters/{}", self.parent_id),
        }
    }
}

/// What creating a variant answers: enough to poll its render job and link to it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CreatedView {
    pub id: i32,
    pub job_id: i32,
    pub code: String,
    pub duplicate_of: Option<i32>,
    /// Advice about the mask (e.g. tight around a high-contrast edge).
    pub warnings: Vec<String>,
}

impl From<Created> for CreatedView {
    fn from(c: Created) -> Self {
        CreatedView {
            id: c.variant.id,
            job_id: c.job_id,
            code: c.variant.code,
            duplicate_of: c.duplicate_of,
            warnings: c.warnings,
        }
    }
}
