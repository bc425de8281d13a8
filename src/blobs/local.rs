//! Blobs as files under a directory (the default store), fanned out by the first two bytes of
//! the hash so no directory grows past a few thousand entries.

use std::io::{Read, Write};
use std::path::PathBuf;

use super::{BlobError, BlobId, BlobStore, verified, within_limit};

/// Blobs as files under `root/ab/cd/<sha256>`.
#[derive(Debug, Clone)]
pub struct LocalBlobStore {
    root: PathBuf,
    max_bytes: u64,
}

impl LocalBlobStore {
    /// A store rooted at `root`, created if missing, holding blobs of up to `max_bytes`.
    pub fn open(root: impl Into<PathBuf>, max_bytes: u64) -> Result<Self, BlobError> {
        let root = root.into();
        std::fs::create_dir_all(&root)?;
        Ok(Self { root, max_bytes })
    }

    pub(super) fn path_of(&self, id: &BlobId) -> PathBuf {
        let s = id.as_str();
        self.root.join(&s[0..2]).join(&s[2..4]).join(s)
    }
}

impl BlobStore for LocalBlobStore {
    fn put(&self, bytes: &[u8]) -> Result<BlobId, BlobError> {
        within_limit(bytes.len() as u64, self.max_bytes)?;
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
        let mut file = match std::fs::File::open(self.path_of(id)) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(BlobError::NotFound(id.clone()));
            }
            Err(e) => return Err(e.into()),
        };
        // Checked before reading, so an oversized file never lands in memory.
        let size = file.metadata()?.len();
        within_limit(size, self.max_bytes)?;
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        file.read_to_end(&mut bytes)?;
        verified(id, bytes)
    }

    fn contains(&self, id: &BlobId) -> Result<bool, BlobError> {
        Ok(self.path_of(id).exists())
    }
}
