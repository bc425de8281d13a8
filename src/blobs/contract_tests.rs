//! One contract, one test body, every store: the local directory always, and an S3-compatible
//! server when `LIFTMASK_TEST_S3_URL` names a bucket (`scripts/test.sh` starts Garage for it,
//! with the key in `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`). Under `CI=true` a missing
//! server fails the test instead of skipping it.

use rand::Rng;

use super::*;
use crate::config::BlobSettings;

/// A small limit, so the size checks run without moving megabytes.
const LIMIT: u64 = 64 * 1024;

fn random_bytes(n: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; n];
    rand::thread_rng().fill(&mut bytes[..]);
    bytes
}

/// The contract. `tamper` writes bytes under an id behind the store's back, as a failing disk or
/// another program would.
fn contract(store: &dyn BlobStore, tamper: &dyn Fn(&BlobId, Vec<u8>)) {
    // Content addressed and idempotent.
    let hello = store.put(b"hello").unwrap();
    assert_eq!(hello.as_str(), "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    assert_eq!(store.put(b"hello").unwrap(), hello);
    assert_eq!(store.get(&hello).unwrap(), b"hello");
    assert!(store.contains(&hello).unwrap());

    // Binary bytes up to the limit come back exactly.
    let full = random_bytes(LIMIT as usize);
    let id = store.put(&full).unwrap();
    assert_eq!(id, BlobId::of(&full));
    assert_eq!(store.get(&id).unwrap(), full);

    // Never stored: not found, by its own id.
    let missing = BlobId::of(&random_bytes(32));
    assert!(!store.contains(&missing).unwrap());
    assert!(matches!(store.get(&missing), Err(BlobError::NotFound(m)) if m == missing));

    // One byte over the limit is refused on the way in, and on the way out when it got there
    // some other way.
    let over = random_bytes(LIMIT as usize + 1);
    let over_id = BlobId::of(&over);
    let refused = store.put(&over);
    assert!(
        matches!(refused, Err(BlobError::TooLarge { size, limit }) if size == LIMIT + 1 && limit == LIMIT),
        "{refused:?}"
    );
    assert!(!store.contains(&over_id).unwrap());
    tamper(&over_id, over);
    assert!(matches!(store.get(&over_id), Err(BlobError::TooLarge { .. })));

    // Bytes that no longer hash to their id are an error naming both hashes, not an image.
    let victim = store.put(&random_bytes(1000)).unwrap();
    tamper(&victim, b"flipped bits".to_vec());
    let err = store.get(&victim).unwrap_err();
    let flipped = BlobId::of(b"flipped bits");
    assert!(
        matches!(&err, BlobError::Corrupt { id, actual } if id == &victim && actual == &flipped),
        "{err:?}"
    );
    assert!(err.to_string().contains(&format!("{victim} is corrupted")), "{err}");
}

#[test]
fn the_local_directory_meets_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalBlobStore::open(dir.path(), LIMIT).unwrap();
    contract(&store, &|id, bytes| {
        let path = store.path_of(id);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    });
}

/// The test server's settings under a fresh prefix, or `None` (with the reason printed) when no
/// server is configured outside CI.
fn test_s3(max_bytes: u64) -> Option<(String, BlobSettings)> {
    let Ok(url) = std::env::var("LIFTMASK_TEST_S3_URL") else {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "CI must test the S3 store: LIFTMASK_TEST_S3_URL is unset (scripts/test.sh starts Garage)"
        );
        eprintln!("S3 contract skipped: LIFTMASK_TEST_S3_URL is unset (scripts/test.sh sets it)");
        return None;
    };
    let endpoint = std::env::var("LIFTMASK_TEST_S3_ENDPOINT").ok();
    let settings = BlobSettings {
        url: None,
        allow_http: endpoint.as_deref().is_some_and(|e| e.starts_with("http://")),
        endpoint,
        region: std::env::var("LIFTMASK_TEST_S3_REGION").ok(),
        max_bytes,
    };
    let run = hex::encode(random_bytes(6));
    Some((format!("{}/contract-{run}", url.trim_end_matches('/')), settings))
}

#[test]
fn an_s3_compatible_server_meets_the_contract() {
    let Some((url, settings)) = test_s3(LIMIT) else { return };
    let store = S3BlobStore::open(&url, &settings).unwrap();
    contract(&store, &|id, bytes| store.raw_put(id, bytes).unwrap());
}

#[test]
fn the_configured_store_is_the_one_opened() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings { data_dir: dir.path().to_path_buf(), ..Settings::default() };
    let id = open(&settings).unwrap().put(b"local").unwrap();
    assert!(settings.blob_dir().join(&id.as_str()[0..2]).exists());

    let Some((url, blobs)) = test_s3(LIMIT) else { return };
    settings.blobs = BlobSettings { url: Some(url.clone()), ..blobs.clone() };
    let id = open(&settings).unwrap().put(b"remote").unwrap();
    let direct = S3BlobStore::open(&url, &blobs).unwrap();
    assert_eq!(direct.get(&id).unwrap(), b"remote");
    assert!(!settings.blob_dir().join(&id.as_str()[0..2]).exists(), "went to the local dir");
}

#[test]
fn a_missing_bucket_is_a_startup_error() {
    let Some((url, settings)) = test_s3(LIMIT) else { return };
    let missing = url.replacen("s3://", "s3://no-such-bucket-", 1);
    let err = S3BlobStore::open(&missing, &settings).err().map(|e| e.to_string());
    let err = err.unwrap_or_default();
    assert!(err.starts_with("blob storage settings: cannot list s3://no-such-bucket-"), "{err}");
}
