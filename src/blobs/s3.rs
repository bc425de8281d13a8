//! Blobs in an S3-compatible object store (AWS S3, Garage, MinIO…) through `object_store`, as
//! objects `<prefix>/<sha256>`.
//!
//! object_store is async while [`BlobStore`] is synchronous and called from blocking threads, so
//! the store owns a small tokio runtime and blocks on it. That also keeps it independent of
//! whichever runtime (actix's, the CLI's, none in a worker process) its caller lives in.

use std::future::Future;
use std::time::Duration;

use futures_util::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, RetryConfig};
use tokio::runtime::{Handle, Runtime};

use super::{BlobError, BlobId, BlobStore, verified, within_limit};
use crate::config::BlobSettings;

/// Blobs as objects under one prefix of one bucket.
#[derive(Debug)]
pub struct S3BlobStore {
    store: AmazonS3,
    /// The key prefix without its trailing `/`; empty for the bucket's root.
    prefix: String,
    max_bytes: u64,
    handle: Handle,
    _runtime: OwnRuntime,
}

/// The store's runtime. Dropping a runtime inside another one panics, and the app state holding
/// this store is dropped on actix's runtime, so it is shut down in the background instead.
#[derive(Debug)]
struct OwnRuntime(Option<Runtime>);

impl Drop for OwnRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

impl S3BlobStore {
    /// Opens `s3://bucket/prefix` with the endpoint and region of `settings` and the credentials
    /// of the standard `AWS_*` variables, then lists the prefix once, so a wrong endpoint, bucket
    /// or key fails here rather than at the first upload.
    pub fn open(url: &str, settings: &BlobSettings) -> Result<Self, BlobError> {
        let (bucket, prefix) = parse_url(url)?;
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(&bucket)
            .with_allow_http(settings.allow_http)
            // object_store's default retries for 3 minutes; a dead endpoint should fail sooner.
            .with_retry(RetryConfig {
                max_retries: 3,
                retry_timeout: Duration::from_secs(60),
                ..RetryConfig::default()
            });
        if let Some(endpoint) = &settings.endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        if let Some(region) = &settings.region {
            builder = builder.with_region(region);
        }
        let store = builder.build()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("liftmask-s3")
            .enable_all()
            .build()?;
        let this = Self {
            store,
            prefix,
            max_bytes: settings.max_bytes,
            handle: runtime.handle().clone(),
            _runtime: OwnRuntime(Some(runtime)),
        };
        this.probe().map_err(|e| {
            BlobError::Config(format!("cannot list s3://{bucket}/{}: {e}", this.prefix))
        })?;
        Ok(this)
    }

    /// Lists the first page of the prefix, which proves endpoint, credentials and bucket. It runs
    /// on a thread of its own: stores are opened while the application is built, which `serve`
    /// and the tests do on an async thread, where blocking on a runtime panics.
    fn probe(&self) -> Result<(), String> {
        let prefix = Path::from(self.prefix.as_str());
        let first = || self.block_on(async { self.store.list(Some(&prefix)).next().await });
        match std::thread::scope(|s| s.spawn(first).join()) {
            Ok(None | Some(Ok(_))) => Ok(()),
            Ok(Some(Err(e))) => Err(e.to_string()),
            Err(_) => Err("the listing thread panicked".into()),
        }
    }

    pub(super) fn path_of(&self, id: &BlobId) -> Path {
        if self.prefix.is_empty() {
            Path::from(id.as_str())
        } else {
            Path::from(format!("{}/{}", self.prefix, id))
        }
    }

    /// Writes `bytes` under `id`'s key unchecked: tests tamper with objects this way.
    #[cfg(test)]
    pub(super) fn raw_put(&self, id: &BlobId, bytes: Vec<u8>) -> Result<(), BlobError> {
        self.block_on(self.store.put(&self.path_of(id), PutPayload::from(bytes)))?;
        Ok(())
    }

    /// Runs `fut` on the store's runtime. Callers are on blocking threads; on an async worker
    /// thread tokio panics here rather than stall the runtime.
    fn block_on<F: Future>(&self, fut: F) -> F::Output {
        self.handle.block_on(fut)
    }
}

/// Splits `s3://bucket/prefix` into the bucket and the prefix (without surrounding `/`).
fn parse_url(raw: &str) -> Result<(String, String), BlobError> {
    let bad = |why: &str| {
        BlobError::Config(format!("blobs.url must look like s3://bucket/prefix ({why})"))
    };
    let url = url::Url::parse(raw).map_err(|e| bad(&e.to_string()))?;
    if url.scheme() != "s3" {
        return Err(bad(&format!("the scheme is {:?}", url.scheme())));
    }
    let bucket = url.host_str().filter(|b| !b.is_empty()).ok_or_else(|| bad("no bucket"))?;
    if url.query().is_some() || url.fragment().is_some() || url.port().is_some() {
        return Err(bad("no port, query or fragment belongs in it"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("credentials go in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"));
    }
    Ok((bucket.to_owned(), url.path().trim_matches('/').to_owned()))
}

impl BlobStore for S3BlobStore {
    fn put(&self, bytes: &[u8]) -> Result<BlobId, BlobError> {
        within_limit(bytes.len() as u64, self.max_bytes)?;
        let id = BlobId::of(bytes);
        // An unconditional PUT: the key is the content's hash, so overwriting is harmless, costs
        // one round trip where HEAD-then-PUT costs two, and heals a corrupted object.
        self.block_on(self.store.put(&self.path_of(&id), PutPayload::from(bytes.to_vec())))?;
        Ok(id)
    }

    fn get(&self, id: &BlobId) -> Result<Vec<u8>, BlobError> {
        let bytes = self.block_on(async {
            let found = match self.store.get(&self.path_of(id)).await {
                Ok(found) => found,
                Err(object_store::Error::NotFound { .. }) => {
                    return Err(BlobError::NotFound(id.clone()));
                }
                Err(e) => return Err(e.into()),
            };
            // The size comes with the response headers, before the body is read.
            within_limit(found.meta.size, self.max_bytes)?;
            Ok(Vec::from(found.bytes().await?))
        })?;
        verified(id, bytes)
    }

    fn contains(&self, id: &BlobId) -> Result<bool, BlobError> {
        match self.block_on(self.store.head(&self.path_of(id))) {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_give_bucket_and_prefix() {
        let parsed = |u: &str| parse_url(u).ok();
        assert_eq!(parsed("s3://media"), Some(("media".into(), String::new())));
        assert_eq!(parsed("s3://media/"), Some(("media".into(), String::new())));
        assert_eq!(parsed("s3://media/lm/blobs/"), Some(("media".into(), "lm/blobs".into())));
        assert_eq!(parsed("s3://key:secret@media/x"), None);
        assert_eq!(parsed("s3://media:9000/x"), None);
        assert_eq!(parsed("https://media/x"), None);
    }
}
