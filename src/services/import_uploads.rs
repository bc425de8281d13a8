//! Import files kept between the preview and the confirm. The forms name a kept file by its blob
//! id; only the user who uploaded those bytes may use the id, so a guessed or leaked id of another
//! user's export cannot be previewed or imported.

use std::sync::Arc;

use crate::blobs::{BlobError, BlobId, BlobStore};
use crate::db::{DbConn, DbError, import_uploads};

/// Why a kept upload cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// Not uploaded by this user (or never uploaded): answered like a missing file, so that the
    /// answer does not tell whether someone else uploaded it.
    #[error("that upload is gone or not yours; upload the file again")]
    NotYours,
    #[error(transparent)]
    Blob(#[from] BlobError),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for UploadError {
    fn from(e: diesel::result::Error) -> Self {
        UploadError::Db(e.into())
    }
}

/// Stores the uploaded bytes and records who uploaded them.
pub fn keep(
    conn: &mut DbConn<'_>,
    blobs: &Arc<dyn BlobStore>,
    user_id: i32,
    bytes: &[u8],
) -> Result<BlobId, UploadError> {
    let id = blobs.put(bytes)?;
    import_uploads::record(conn, id.as_str(), user_id)?;
    Ok(id)
}

/// Fails unless `user_id` uploaded the blob `id`.
pub fn ensure_owned(conn: &mut DbConn<'_>, user_id: i32, id: &BlobId) -> Result<(), UploadError> {
    if import_uploads::uploaded_by(conn, id.as_str(), user_id)? {
        Ok(())
    } else {
        Err(UploadError::NotYours)
    }
}
