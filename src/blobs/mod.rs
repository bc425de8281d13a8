//! Content-addressed blob storage (images, masks, uploads): a local directory by default, or an
//! S3-compatible object store (`blobs.url = "s3://bucket/prefix"`) to scale out.
//!
//! A blob's id is the hex sha256 of its bytes, so storing the same bytes twice is free and ids are
//! never taken from user input: [`BlobId::parse`] accepts only 64 lowercase hex digits, which keeps
//! paths and keys inside the store. Both stores refuse blobs over `blobs.max_bytes` and check the
//! sha256 of every blob they read, so a corrupted or swapped object is an error, never an image.
//! The trait is synchronous: callers run on blocking threads (`web::block`, worker threads).

mod local;
mod s3;

#[cfg(test)]
mod contract_tests;

use std::fmt;
use std::sync::Arc;

use sha2::{Digest, Sha256};

pub use local::LocalBlobStore;
pub use s3::S3BlobStore;

use crate::config::Settings;

/// Errors from a blob store.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The id is not a sha256 hex string.
    #[error("invalid blob id")]
    InvalidId,
    /// No blob with that id.
    #[error("blob {0} not found")]
    NotFound(BlobId),
    /// The stored bytes no longer hash to their id (bit rot, or an object replaced behind
    /// liftmask's back).
    #[error("blob {id} is corrupted: its bytes hash to {actual}")]
    Corrupt { id: BlobId, actual: BlobId },
    /// The blob is larger than `blobs.max_bytes`.
    #[error("blob of {size} bytes is over the {limit}-byte limit (blobs.max_bytes)")]
    TooLarge { size: u64, limit: u64 },
    /// `blobs.*` settings that cannot describe a store.
    #[error("blob storage settings: {0}")]
    Config(String),
    /// The filesystem failed.
    #[error("blob storage I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The object store failed (network, credentials, bucket).
    #[error("object store: {0}")]
    ObjectStore(#[from] object_store::Error),
}

/// The sha256 of a blob, as 64 lowercase hex digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BlobId(String);

impl BlobId {
    /// Validates an id.
    pub fn parse(s: &str) -> Result<Self, BlobError> {
        let ok =
            s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if ok { Ok(BlobId(s.to_string())) } else { Err(BlobError::InvalidId) }
    }

    /// The id of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        BlobId(hex::encode(Sha256::digest(bytes)))
    }

    /// The hex string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for BlobId {
    type Error = BlobError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        BlobId::parse(&s)
    }
}

impl From<BlobId> for String {
    fn from(id: BlobId) -> Self {
        id.0
    }
}

impl fmt::Display for BlobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where blobs are kept. Implementations must be safe to share between threads.
pub trait BlobStore: Send + Sync {
    /// Stores `bytes` and returns their id (idempotent).
    fn put(&self, bytes: &[u8]) -> Result<BlobId, BlobError>;
    /// Reads a blob, checking that its bytes still hash to `id`.
    fn get(&self, id: &BlobId) -> Result<Vec<u8>, BlobError>;
    /// Whether a blob exists.
    fn contains(&self, id: &BlobId) -> Result<bool, BlobError>;
}

/// Opens the store `settings.blobs` describes; startup, the worker processes and the CLI all
/// come through here so they cannot disagree about where blobs live.
pub fn open(settings: &Settings) -> Result<Arc<dyn BlobStore>, BlobError> {
    let limit = settings.blobs.max_bytes;
    Ok(match &settings.blobs.url {
        None => Arc::new(LocalBlobStore::open(settings.blob_dir(), limit)?),
        Some(url) => Arc::new(S3BlobStore::open(url, &settings.blobs)?),
    })
}

/// Refuses `size` bytes over `limit`.
fn within_limit(size: u64, limit: u64) -> Result<(), BlobError> {
    if size > limit { Err(BlobError::TooLarge { size, limit }) } else { Ok(()) }
}

/// `bytes` if they hash to `id`.
fn verified(id: &BlobId, bytes: Vec<u8>) -> Result<Vec<u8>, BlobError> {
    let actual = BlobId::of(&bytes);
    if &actual == id { Ok(bytes) } else { Err(BlobError::Corrupt { id: id.clone(), actual }) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_could_escape_the_store_are_rejected() {
        assert!(BlobId::parse("../../etc/passwd").is_err());
        assert!(BlobId::parse(&"A".repeat(64)).is_err());
        assert!(BlobId::parse(&"a".repeat(63)).is_err());
    }

    #[test]
    fn a_url_that_is_not_s3_is_a_clear_error() {
        let mut settings = Settings::default();
        for url in ["gs://bucket/x", "s3://", "not a url", "s3://bucket/x?versionId=3"] {
            settings.blobs.url = Some(url.into());
            let err = open(&settings).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(err.starts_with("blob storage settings:"), "{url}: {err}");
            assert!(err.contains("s3://bucket/prefix"), "{url}: {err}");
        }
    }
}
