//! Engine workers: threads that claim jobs from the `jobs` table, render variants and write the
//! results. `serve` starts `settings.workers` of them in-process; `liftmask worker` runs the same
//! loop as its own process (e.g. on a GPU machine sharing the PostgreSQL database).

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

use inpaint::{BackendKind, DevicePreference, InpaintError, Inpainter};

use crate::blobs::BlobStore;
use crate::config::{EngineSettings, Settings};
use crate::db::{DbError, DbPool, jobs, variants};
use crate::services::jobs::{RenderError, render};

/// How long an idle worker sleeps between polls of the queue.
const POLL: Duration = Duration::from_millis(250);
/// How often a busy worker proves it is alive.
const HEARTBEAT: Duration = Duration::from_secs(5);

/// Errors of the worker loop.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// The engine could not be built.
    #[error("engine: {0}")]
    Engine(#[from] InpaintError),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// A job payload is not `{"variant_id": N}`.
    #[error("job {0} has an unreadable payload")]
    Payload(i32),
}

impl From<diesel::result::Error> for WorkerError {
    fn from(e: diesel::result::Error) -> Self {
        WorkerError::Db(e.into())
    }
}

/// What a worker needs: the database, blobs and settings.
#[derive(Clone)]
pub struct WorkerContext {
    /// Database pool.
    pub pool: DbPool,
    /// Blob store.
    pub blobs: Arc<dyn BlobStore>,
    /// Settings (engine, audit tolerances, retry policy).
    pub settings: Arc<Settings>,
}

/// Builds the configured inpainting backend: the one place the app picks an engine.
pub fn build_engine(engine: &EngineSettings) -> Result<Box<dyn Inpainter>, InpaintError> {
    let kind: BackendKind = engine.backend.parse()?;
    let device: DevicePreference = engine.device.parse()?;
    inpaint::build_backend(kind, engine.model_path.as_deref(), device)
}

/// Running in-process workers. They stop on their own after this handle is dropped.
pub struct Workers {
    _alive: Arc<()>,
    handles: Vec<JoinHandle<()>>,
}

impl Workers {
    /// How many threads run.
    pub fn len(&self) -> usize {
        self.handles.len()
    }

    /// Whether none run.
    pub fn is_empty(&self) -> bool {
        self.handles.is_empty()
    }

    /// Waits for the threads (they only end when the handle is dropped elsewhere or on error).
    pub fn join(self) {
        let Workers { _alive, handles } = self;
        for h in handles {
            let _ = h.join();
        }
    }
}

/// Starts `n` worker threads; each builds its own engine once and reuses it.
pub fn start(ctx: &WorkerContext, n: usize) -> std::io::Result<Workers> {
    let alive = Arc::new(());
    let mut handles = Vec::with_capacity(n);
    for i in 0..n {
        let ctx = ctx.clone();
        let token = Arc::downgrade(&alive);
        let name = format!("{}-{}-w{i}", hostname(), std::process::id());
        handles.push(
            std::thread::Builder::new()
                .name(format!("liftmask-worker-{i}"))
                .spawn(move || worker_loop(&ctx, &name, &token))?,
        );
    }
    Ok(Workers { _alive: alive, handles })
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| "host".into())
}

fn worker_loop(ctx: &WorkerContext, name: &str, alive: &Weak<()>) {
    // libtorch's intra-op pool would otherwise spin one thread per core in every worker.
    tch::set_num_threads(1);
    let engine = match build_engine(&ctx.settings.engine) {
        Ok(e) => e,
        Err(e) => {
            tracing::error!(error = %e, "worker cannot build the inpainting engine; stopping");
            return;
        }
    };
    tracing::info!(worker = name, backend = engine.name(), "worker started");
    while alive.upgrade().is_some() {
        if let Err(e) = recover(ctx) {
            tracing::warn!(error = %e, "stale-job recovery failed");
        }
        match process_one(ctx, engine.as_ref(), name) {
            Ok(Some(_)) => {}
            Ok(None) => std::thread::sleep(POLL),
            Err(e) => {
                tracing::warn!(error = %e, "worker poll failed");
                std::thread::sleep(POLL * 4);
            }
        }
    }
}

/// Requeues jobs whose worker stopped sending heartbeats; returns `(requeued, failed)`.
pub fn recover(ctx: &WorkerContext) -> Result<(usize, usize), WorkerError> {
    let secs = i64::try_from(ctx.settings.jobs.stale_after_secs).unwrap_or(i64::MAX);
    let cutoff = crate::db::now() - chrono::Duration::seconds(secs);
    let max = ctx.settings.jobs.max_attempts;
    let out = ctx.pool.run(|c| jobs::recover_stale(c, cutoff, max).map_err(WorkerError::from))?;
    if out != (0, 0) {
        tracing::warn!(requeued = out.0, failed = out.1, "recovered stale jobs");
    }
    Ok(out)
}

/// Claims and runs one job as `worker`; `None` when the queue was empty.
pub fn process_one(
    ctx: &WorkerContext,
    engine: &dyn Inpainter,
    worker: &str,
) -> Result<Option<i32>, WorkerError> {
    let Some(job) = ctx.pool.run(|c| jobs::claim(c, worker).map_err(WorkerError::from))? else {
        return Ok(None);
    };
    let started = std::time::Instant::now();
    let variant_id = serde_json::from_str::<serde_json::Value>(&job.payload)
        .ok()
        .and_then(|v| v.get("variant_id").and_then(serde_json::Value::as_i64))
        .and_then(|v| i32::try_from(v).ok());
    let Some(variant_id) = variant_id else {
        ctx.pool.run(|c| {
            jobs::fail(c, job.id, worker, "unreadable payload", true, 1).map_err(WorkerError::from)
        })?;
        return Err(WorkerError::Payload(job.id));
    };
    let (stop, ticks) = mpsc::channel::<()>();
    let job_id = job.id;
    let outcome = std::thread::scope(|s| {
        s.spawn(move || {
            // Beats until the render ends and drops `stop`.
            while let Err(RecvTimeoutError::Timeout) = ticks.recv_timeout(HEARTBEAT) {
                let _ = ctx
                    .pool
                    .run(|c| jobs::heartbeat(c, job_id, worker, None).map_err(WorkerError::from));
            }
        });
        let progress = |p: f64| {
            let _ = ctx
                .pool
                .run(|c| jobs::heartbeat(c, job.id, worker, Some(p)).map_err(WorkerError::from));
        };
        let result = ctx.pool.run(|c| -> Result<_, RenderError> {
            render(c, &ctx.blobs, &ctx.settings, engine, variant_id, &progress)
        });
        drop(stop);
        result
    });
    match outcome {
        Ok(rendered) => {
            // Result columns and job completion commit together, and only while this worker
            // still holds the claim: a requeued job can never be completed twice.
            let finished = ctx.pool.run(|c| {
                c.transaction(|tx| -> Result<bool, WorkerError> {
                    if jobs::finish(tx, job.id, worker)? == 0 {
                        return Ok(false);
                    }
                    variants::set_audit(tx, variant_id, &rendered.update)?;
                    Ok(true)
                })
            })?;
            tracing::info!(
                job = job.id,
                variant = variant_id,
                finished,
                elapsed_ms = started.elapsed().as_millis() as u64,
                outside = rendered.audit.changed_outside_mask_px,
                "job done"
            );
        }
        Err(e) => {
            tracing::warn!(job = job.id, error = %e, "job failed");
            let (msg, permanent, max) =
                (e.to_string(), e.is_permanent(), ctx.settings.jobs.max_attempts);
            ctx.pool.run(|c| {
                jobs::fail(c, job.id, worker, &msg, permanent, max).map_err(WorkerError::from)
            })?;
        }
    }
    Ok(Some(job.id))
}
