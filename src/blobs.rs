//! Content-addressed blob storage (images, masks, uploads).
//!
//! A blob's id is the hex sha256 of its bytes, so storing the same bytes twice is free and ids are
//! never taken from user input: [`BlobId::parse`] accepts only 64 lowercase hex digits, which keeps
//! paths inside the store.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Errors from a blob store.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The id is not a sha256 hex string.
    #[error("invalid blob id")]
    InvalidId,
    /// No blob with that id.
    #[error("blob {0} not found")]
    NotFound(BlobId),
    /// The filesystem failed.
    #[error("blob storage I/O: {0}")]
    Io(#[from] std::io::Error),
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
    /// Reads a blob.
    fn get(&self, id: &BlobId) -> Result<Vec<u8>, BlobError>;
    /// Whether a blob exists.
    fn contains(&self, id: &BlobId) -> Result<bool, BlobError>;
}

/// Blobs as files under a directory, fanned out by the first two bytes of the hash.
#[derive(Debug, Clone)]
pub struct LocalBlobStore {
    root: PathBuf,
}

impl LocalBlobStore {
    /// A store rooted at `root`, created if missing.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, BlobError> {
        let root = root.into();
        std::fs::create_dir_all(&root)?;
        Ok(Self { root })
    }

    fn path_of(&self, id: &BlobId) -> PathBuf {
        let s = id.as_str();
        self.root.join(&s[0..2]).join(&s[2..4]).join(s)
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }
}

impl BlobStore for LocalBlobStore {
    fn put(&self, bytes: &[u8]) -> Result<BlobId, BlobError> {
        let id = BlobId::of(bytes);
        let path = self.path_of(&id);
        if path.exists() {
            return Ok(id);
        }
        let dir = path.parent().ok_or(BlobError::InvalidId)?;
        std::fs::create_dir_all(dir)?;
        // Write to a temporary file and rename, so a crash never leaves a truncated blob under a
        // valid id.
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        tmp.write_all(bytes)?;
        tmp.as_file().sync_all()?;
        tmp.persist(&path).map_err(|e| BlobError::Io(e.error))?;
        Ok(id)
    }

    fn get(&self, id: &BlobId) -> Result<Vec<u8>, BlobError> {
        match std::fs::read(self.path_of(id)) {
            Ok(bytes) => Ok(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(BlobError::NotFound(id.clone()))
            }
            Err(e) => Err(e.into()),
        }
    }

    fn contains(&self, id: &BlobId) -> Result<bool, BlobError> {
        Ok(self.path_of(id).exists())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_is_content_addressed_and_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalBlobStore::open(dir.path()).unwrap();
        let a = store.put(b"hello").unwrap();
        let b = store.put(b"hello").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
        assert_eq!(store.get(&a).unwrap(), b"hello");
        assert!(store.contains(&a).unwrap());
    }

    #[test]
    fn ids_that_could_escape_the_store_are_rejected() {
        assert!(BlobId::parse("../../etc/passwd").is_err());
        assert!(BlobId::parse(&"A".repeat(64)).is_err());
        assert!(BlobId::parse(&"a".repeat(63)).is_err());
    }

    #[test]
    fn missing_blob_is_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalBlobStore::open(dir.path()).unwrap();
        let id = BlobId::of(b"never stored");
        assert!(matches!(store.get(&id), Err(BlobError::NotFound(_))));
    }
}
