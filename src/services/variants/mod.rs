//! Creating variants: validation of the one declared variable, the mask and the operation, the
//! short code, the duplicate check, and enqueueing the render job.

mod create;
mod domain;
mod edge;
mod selection;

pub(crate) use create::fresh_code;
pub use create::{
    Created, ParentImage, VariantInput, create, decode_parent, load_parent, locate_parent,
};
pub use domain::{Operation, Params, ParentRef, Variable, parse_value};
pub use edge::edge_warning;
pub use selection::{SelectionRequest, SelectionTool, select};

use crate::blobs::BlobError;
use crate::db::DbError;
use crate::services::imaging::ImagingError;

/// Errors while creating or loading variants.
#[derive(Debug, thiserror::Error)]
pub enum VariantError {
    /// The input is invalid; the message says why.
    #[error("{0}")]
    Invalid(String),
    /// The parent cannot be used yet (its own job is not done).
    #[error("{0}")]
    NotReady(String),
    /// An image or mask was refused.
    #[error("image refused: {0}")]
    Image(#[from] ImagingError),
    /// Blob storage failed.
    #[error(transparent)]
    Blob(#[from] BlobError),
    /// A query failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for VariantError {
    fn from(e: diesel::result::Error) -> Self {
        VariantError::Db(e.into())
    }
}

impl From<inpaint::InpaintError> for VariantError {
    fn from(e: inpaint::InpaintError) -> Self {
        VariantError::Image(e.into())
    }
}
