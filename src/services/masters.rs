//! Uploading masters and reading their lineage.

use std::sync::Arc;

use crate::blobs::{BlobError, BlobStore};
use crate::config::Settings;
use crate::db::masters::{Master, NewMaster};
use crate::db::variants::Variant;
use crate::db::{DbConn, DbError, audit_log, master_variables, masters, variants, workspaces};
use crate::services::imaging::{self, ImagingError};

/// Errors while creating or reading masters.
#[derive(Debug, thiserror::Error)]
pub enum MasterError {
    /// The form is incomplete or invalid.
    #[error("{0}")]
    Invalid(String),
    /// The image was refused (format, size, corrupt).
    #[error("image refused: {0}")]
    Image(#[from] ImagingError),
    /// Storing the image failed.
    #[error(transparent)]
    Blob(#[from] BlobError),
    /// A query failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for MasterError {
    fn from(e: diesel::result::Error) -> Self {
        MasterError::Db(e.into())
    }
}

/// What the upload form carries.
#[derive(Debug, Clone)]
pub struct MasterInput {
    /// Display name (1–120 characters).
    pub name: String,
    /// Generator or source.
    pub source_model: String,
    /// Prompt.
    pub source_prompt: String,
    /// The uploaded bytes (PNG, JPEG or WebP).
    pub image: Vec<u8>,
}

/// The default workspace every master lands in until workspaces get their own pages.
pub const DEFAULT_WORKSPACE: (&str, &str) = ("default", "Default");

/// Decodes, thumbnails and stores an upload, then records the master.
pub fn create(
    conn: &mut DbConn<'_>,
    blobs: &Arc<dyn BlobStore>,
    settings: &Settings,
    input: &MasterInput,
    user_id: Option<i32>,
) -> Result<Master, MasterError> {
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(MasterError::Invalid("name must be 1–120 characters".into()));
    }
    if input.source_model.trim().chars().count() > 200 {
        return Err(MasterError::Invalid(
            "the source model may have at most 200 characters".into(),
        ));
    }
    if input.source_prompt.trim().chars().count() > 4000 {
        return Err(MasterError::Invalid("the prompt may have at most 4,000 characters".into()));
    }
    let img = inpaint::load_image(&input.image, &imaging::limits(settings))
        .map_err(ImagingError::from)?;
    let image_sha = blobs.put(&input.image)?;
    let thumb_sha = blobs.put(&imaging::thumbnail(&img)?)?;
    let dim = |v: u32| i32::try_from(v).map_err(|_| MasterError::Invalid("image too large".into()));
    conn.transaction(|tx| {
        let ws = workspaces::ensure(tx, DEFAULT_WORKSPACE.0, DEFAULT_WORKSPACE.1)?;
        let master = masters::insert(
            tx,
            &NewMaster {
                workspace_id: ws.id,
                name,
                source_model: input.source_model.trim(),
                source_prompt: input.source_prompt.trim(),
                image_sha: image_sha.as_str(),
                thumb_sha: thumb_sha.as_str(),
                width: dim(img.width())?,
                height: dim(img.height())?,
                created_by: user_id,
                created_at: crate::db::now(),
            },
        )?;
        audit_log::record(tx, user_id, "master.create", &format!("master:{}", master.id), name)?;
        Ok(master)
    })
}

/// A node of the lineage tree: a variant and the variants made from it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TreeNode {
    /// The variant.
    pub variant: Variant,
    /// Its children, oldest first.
    pub children: Vec<TreeNode>,
}

/// A master with its variables and lineage.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Lineage {
    /// The master.
    pub master: Master,
    /// Declared variables.
    pub variables: Vec<String>,
    /// Variants made directly from the master, each with its descendants.
    pub tree: Vec<TreeNode>,
    /// How many variants the tree holds.
    pub count: usize,
}

/// Loads a master's lineage tree.
pub fn lineage(conn: &mut DbConn<'_>, master_id: i32) -> Result<Lineage, MasterError> {
    let master = masters::find(conn, master_id)?;
    let variables = master_variables::list(conn, master_id)?;
    let all = variants::for_master(conn, master_id)?;
    let count = all.len();
    Ok(Lineage { master, variables, tree: build_tree(&all, None), count })
}

fn build_tree(all: &[Variant], parent: Option<i32>) -> Vec<TreeNode> {
    all.iter()
        .filter(|v| v.parent_variant_id == parent)
        .map(|v| TreeNode { variant: v.clone(), children: build_tree(all, Some(v.id)) })
        .collect()
}
