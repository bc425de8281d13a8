//! Engine workers: claim jobs from the `jobs` table and run them (render a variant, store an
//! import). `serve` and `liftmask worker` both run them in supervised child processes
//! ([`supervisor`]), each running [`child`]'s loop one job at a time, so an abort in image or
//! libtorch code ends one process and one job, never the site.

pub mod child;
mod import;
pub mod supervisor;

use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use inpaint::{BackendKind, Backends, DevicePreference, InpaintError, Inpainter};

use crate::config::EngineSettings;
use crate::db::jobs::{self, CrashPolicy, Job, JobKind};
use crate::db::{DbError, variant_pictures, variants};
use crate::services::jobs::{RenderError, RenderJob, render};

pub use supervisor::Supervisor;

/// How often a busy worker proves it is alive.
const HEARTBEAT: Duration = Duration::from_secs(5);

/// Crashes of its worker after which a job is failed instead of retried: the first may be bad
/// luck (an OOM kill, a redeploy), the second is the job.
pub const CRASH_LIMIT: i32 = 2;

/// Set in worker child processes only: the one place a crash-test job may abort.
static IN_WORKER_PROCESS: AtomicBool = AtomicBool::new(false);

/// Errors of the worker loop.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// The engine could not be built.
    #[error("engine: {0}")]
    Engine(#[from] InpaintError),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// A job payload is unreadable.
    #[error("job {0} has an unreadable payload")]
    Payload(i32),
}

impl From<diesel::result::Error> for WorkerError {
    fn from(e: diesel::result::Error) -> Self {
        WorkerError::Db(e.into())
    }
}

/// What a worker needs: the database, blobs and settings; the same handles the web handlers use.
pub use crate::state::Context as WorkerContext;

impl WorkerContext {
    fn crash_policy(&self) -> CrashPolicy {
        CrashPolicy { crash_limit: CRASH_LIMIT, max_attempts: self.settings.jobs.max_attempts }
    }
}

/// Builds the configured inpainting backend with `backends`, the libtorch engines that only
/// `liftmask-engine` and tests that render link: the one place the app picks an engine.
pub fn build_engine(
    backends: &dyn Backends,
    engine: &EngineSettings,
) -> Result<Box<dyn Inpainter>, InpaintError> {
    let kind: BackendKind = engine.backend.parse()?;
    let device: DevicePreference = engine.device.parse()?;
    backends.build(kind, engine.model_path.as_deref(), device)
}

/// Counts a crash against running jobs whose worker stopped sending heartbeats, requeueing or
/// failing them; returns `(requeued, failed)`.
pub fn recover(ctx: &WorkerContext) -> Result<(usize, usize), WorkerError> {
    let secs = i64::try_from(ctx.settings.jobs.stale_after_secs).unwrap_or(i64::MAX);
    let cutoff = crate::db::now() - chrono::Duration::seconds(secs);
    let policy = ctx.crash_policy();
    let out =
        ctx.pool.run(|c| jobs::recover_stale(c, cutoff, policy).map_err(WorkerError::from))?;
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
    process_one_with(ctx, engine, worker, &|_, _| {})
}

/// [`process_one`], telling `on_claim` which job it took before running it (worker processes
/// tell their supervisor, which enforces the time limit).
pub fn process_one_with(
    ctx: &WorkerContext,
    engine: &dyn Inpainter,
    worker: &str,
    on_claim: &dyn Fn(&Job, JobKind),
) -> Result<Option<i32>, WorkerError> {
    let Some(job) = ctx.pool.run(|c| jobs::claim(c, worker).map_err(WorkerError::from))? else {
        return Ok(None);
    };
    let Some(kind) = JobKind::parse(&job.kind) else {
        fail(ctx, &job, worker, &format!("unknown job kind `{}`", job.kind), true)?;
        return Ok(Some(job.id));
    };
    on_claim(&job, kind);
    match kind {
        JobKind::Variant => run_variant(ctx, engine, worker, &job)?,
        JobKind::Import => import::run(ctx, worker, &job)?,
        #[cfg(debug_assertions)]
        JobKind::CrashTest => {
            if IN_WORKER_PROCESS.load(std::sync::atomic::Ordering::SeqCst) {
                tracing::error!(job = job.id, "crash-test job: aborting this worker process");
                std::process::abort();
            }
            fail(ctx, &job, worker, "crash-test jobs only run in worker processes", true)?;
        }
    }
    Ok(Some(job.id))
}

/// Runs `work` while a thread records a heartbeat for `job` every [`HEARTBEAT`].
fn with_heartbeat<T>(ctx: &WorkerContext, job: &Job, worker: &str, work: impl FnOnce() -> T) -> T {
    let (stop, ticks) = mpsc::channel::<()>();
    let job_id = job.id;
    std::thread::scope(|s| {
        s.spawn(move || {
            // Beats until the work ends and drops `stop`.
            while let Err(RecvTimeoutError::Timeout) = ticks.recv_timeout(HEARTBEAT) {
                let _ = ctx
                    .pool
                    .run(|c| jobs::heartbeat(c, job_id, worker, None).map_err(WorkerError::from));
            }
        });
        let out = work();
        drop(stop);
        out
    })
}

fn fail(
    ctx: &WorkerContext,
    job: &Job,
    worker: &str,
    msg: &str,
    permanent: bool,
) -> Result<(), WorkerError> {
    tracing::warn!(job = job.id, error = msg, permanent, "job failed");
    let max = ctx.settings.jobs.max_attempts;
    ctx.pool
        .run(|c| jobs::fail(c, job.id, worker, msg, permanent, max).map_err(WorkerError::from))?;
    Ok(())
}

fn run_variant(
    ctx: &WorkerContext,
    engine: &dyn Inpainter,
    worker: &str,
    job: &Job,
) -> Result<(), WorkerError> {
    let started = std::time::Instant::now();
    let Some(RenderJob { variant_id }) = RenderJob::parse(&job.payload) else {
        fail(ctx, job, worker, "unreadable payload", true)?;
        return Err(WorkerError::Payload(job.id));
    };
    let outcome = with_heartbeat(ctx, job, worker, || {
        let progress = |p: f64| {
            let _ = ctx
                .pool
                .run(|c| jobs::heartbeat(c, job.id, worker, Some(p)).map_err(WorkerError::from));
        };
        ctx.pool.run(|c| -> Result<_, RenderError> {
            render(c, &ctx.blobs, &ctx.settings, engine, variant_id, &progress)
        })
    });
    match outcome {
        Ok(rendered) => {
            // Result columns, pictures and job completion commit together, and only while this
            // worker still holds the claim: a requeued job can never be completed twice.
            let pictures = rendered.pictures.row(variant_id);
            let finished = ctx.pool.run(|c| {
                c.transaction(|tx| -> Result<bool, WorkerError> {
                    if jobs::finish(tx, job.id, worker)? == 0 {
                        return Ok(false);
                    }
                    variants::set_audit(tx, variant_id, &rendered.update)?;
                    variant_pictures::upsert(tx, &pictures)?;
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
        Err(e) => fail(ctx, job, worker, &e.to_string(), e.is_permanent())?,
    }
    Ok(())
}
