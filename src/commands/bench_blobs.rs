//! `liftmask bench blobs`: put and get throughput of the local blob directory and, when
//! `blobs.url` names a bucket, of that object store, side by side on the same blobs.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;

use crate::blobs::{BlobId, BlobStore, LocalBlobStore, S3BlobStore};
use crate::config::Settings;

/// How much of what to move.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// 4 KiB blobs (masks, thumbnails).
    pub small: usize,
    /// 1 MiB blobs (photos, renders).
    pub large: usize,
    /// Client threads sharing each batch, as worker processes and web requests would.
    pub threads: usize,
}

/// Runs the plan on a temporary local directory and on the configured bucket (under a fresh
/// `liftmask-bench-…` prefix, left in place) and prints one line per store and blob size.
pub fn run(settings: &Settings, plan: Plan) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let max = settings.blobs.max_bytes;
    let mut stores: Vec<(String, Arc<dyn BlobStore>)> =
        vec![("local dir".into(), Arc::new(LocalBlobStore::open(dir.path(), max)?))];
    match &settings.blobs.url {
        Some(url) => {
            let run = hex::encode(rand::random::<[u8; 4]>());
            let scratch = format!("{}/liftmask-bench-{run}", url.trim_end_matches('/'));
            stores.push((scratch.clone(), Arc::new(S3BlobStore::open(&scratch, &settings.blobs)?)));
        }
        None => println!("blobs.url is unset: measuring the local directory only"),
    }
    let threads = plan.threads.max(1);
    println!(
        "blob bench: {threads} client thread(s); every blob is read back and its sha256 checked"
    );
    for (label, size, count) in [("4 KiB", 4 << 10, plan.small), ("1 MiB", 1 << 20, plan.large)] {
        if count == 0 {
            continue;
        }
        let blobs: Vec<Vec<u8>> = (0..count).map(|_| random_bytes(size)).collect();
        for (name, store) in &stores {
            let put = timed(threads, &blobs, |b| Ok(store.put(b).map(drop)?))?;
            let get = timed(threads, &blobs, |b| {
                let back = store.get(&BlobId::of(b))?;
                anyhow::ensure!(back == *b, "a blob came back different");
                Ok(())
            })?;
            let rate = |d: Duration| {
                let secs = d.as_secs_f64().max(1e-9);
                let mb = (count * size) as f64 / 1e6;
                format!("{:>7.0} ops/s {:>7.1} MB/s", count as f64 / secs, mb / secs)
            };
            println!("  {name:<40} {count:>5} x {label}  put {}  get {}", rate(put), rate(get));
        }
    }
    Ok(())
}

fn random_bytes(n: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; n];
    rand::thread_rng().fill(&mut bytes[..]);
    bytes
}

/// Wall time for `threads` threads to run `op` once on every blob, the blobs dealt round-robin.
fn timed<F>(threads: usize, blobs: &[Vec<u8>], op: F) -> anyhow::Result<Duration>
where
    F: Fn(&[u8]) -> anyhow::Result<()> + Sync,
{
    let started = Instant::now();
    std::thread::scope(|s| {
        let op = &op;
        let workers: Vec<_> = (0..threads)
            .map(|t| s.spawn(move || blobs.iter().skip(t).step_by(threads).try_for_each(|b| op(b))))
            .collect();
        workers
            .into_iter()
            .try_for_each(|w| w.join().map_err(|_| anyhow::anyhow!("a bench thread panicked"))?)
    })?;
    Ok(started.elapsed())
}
