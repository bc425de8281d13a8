//! Running an import job: read the kept upload, parse it, store it with the existing store, and
//! record the outcome together with the job's completion.

use std::cell::Cell;
use std::time::{Duration, Instant};

use crate::blobs::{BlobError, BlobId};
use crate::db::imports::{self, Import};
use crate::db::jobs::{self, Job};
use crate::db::workspaces::WorkspaceId;
use crate::db::{DbError, DbPool};
use crate::services::import_jobs::{ImportJob, ImportJobError, ImportOutcome};
use crate::services::imports::{self as service, ImportServiceError};

use super::{WorkerContext, WorkerError, fail, with_heartbeat};

/// Least time between two progress writes.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// Why an import job failed.
#[derive(Debug, thiserror::Error)]
enum ImportRunError {
    #[error("uploaded file: {0}")]
    Blob(#[from] BlobError),
    #[error(transparent)]
    Job(#[from] ImportJobError),
    #[error(transparent)]
    Import(#[from] ImportServiceError),
    #[error("the job's payload is unreadable: {0}")]
    Payload(#[from] serde_json::Error),
    #[error("the worker lost its claim on the job")]
    ClaimLost,
}

impl From<diesel::result::Error> for ImportRunError {
    fn from(e: diesel::result::Error) -> Self {
        ImportRunError::Import(ImportServiceError::Db(e))
    }
}

impl From<DbError> for ImportRunError {
    fn from(e: DbError) -> Self {
        ImportRunError::Import(ImportServiceError::Pool(e))
    }
}

impl ImportRunError {
    /// Bad files and choices fail for good; storage trouble may pass.
    fn is_permanent(&self) -> bool {
        match self {
            ImportRunError::Blob(BlobError::NotFound(_)) => true,
            ImportRunError::Blob(_) => false,
            ImportRunError::Job(e) => matches!(e, ImportJobError::Invalid(_)),
            ImportRunError::Import(e) => {
                matches!(e, ImportServiceError::Parse(_) | ImportServiceError::TooLarge(_))
            }
            ImportRunError::Payload(_) => true,
            ImportRunError::ClaimLost => false,
        }
    }
}

/// Runs import job `job`, claimed by `worker`.
pub(super) fn run(ctx: &WorkerContext, worker: &str, job: &Job) -> Result<(), WorkerError> {
    let outcome = with_heartbeat(ctx, job, worker, || store(ctx, worker, job));
    match outcome {
        Ok(Some(o)) => {
            tracing::info!(job = job.id, import = o.import_id, rows = o.rows, "import done")
        }
        Ok(None) => tracing::warn!(job = job.id, "import finished after its claim was lost"),
        Err(e) => fail(ctx, job, worker, &e.to_string(), e.is_permanent())?,
    }
    Ok(())
}

fn store(
    ctx: &WorkerContext,
    worker: &str,
    job: &Job,
) -> Result<Option<ImportOutcome>, ImportRunError> {
    let spec: ImportJob = serde_json::from_str(&job.payload)?;
    // The store commits its own transaction before the job is marked done: a worker that died in
    // between left the rows stored, and storing them again would record the file twice.
    if job.attempts > 1
        && let Some(earlier) = ctx.pool.run(|c| {
            imports::stored_since(c, &spec.sha256, job.created_at).map_err(DbError::from)
        })?
    {
        return complete(ctx, worker, job, outcome_of(&earlier));
    }
    let opts = spec.options()?;
    let id = BlobId::parse(&spec.sha256)?;
    let bytes = ctx.blobs.get(&id)?;
    let last = Cell::new(Instant::now());
    // The file is parsed and stored in one pass, so the job reads "parsing" until the first
    // progress report. SQLite has one writer: while the store's transaction runs, a progress
    // write from another connection would wait for it, so there the bar moves only at the end.
    let live = matches!(ctx.pool, DbPool::Postgres(_));
    let progress = |done: u64, all: u64| {
        if live && last.get().elapsed() >= PROGRESS_EVERY {
            last.set(Instant::now());
            let to_i64 = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
            report(&ctx.pool, job.id, worker, to_i64(done), to_i64(all));
        }
    };
    let meta = spec.meta(WorkspaceId(job.workspace_id));
    let (_, stored) =
        ctx.pool.run(|c| service::import_bytes(c, &bytes, &opts, &meta, &progress))?;
    complete(ctx, worker, job, outcome_of(&stored.import))
}

fn outcome_of(import: &Import) -> ImportOutcome {
    ImportOutcome {
        import_id: import.id,
        rows: import.row_count,
        inserted: import.inserted_count,
        updated: import.updated_count,
    }
}

/// Records the outcome and marks the job done, if `worker` still holds it.
fn complete(
    ctx: &WorkerContext,
    worker: &str,
    job: &Job,
    out: ImportOutcome,
) -> Result<Option<ImportOutcome>, ImportRunError> {
    let text = serde_json::to_string(&out)?;
    ctx.pool
        .run(|c| {
            c.transaction(|tx| -> Result<Option<ImportOutcome>, ImportRunError> {
                if jobs::set_outcome(tx, job.id, worker, &text)? == 0 {
                    return Err(ImportRunError::ClaimLost);
                }
                jobs::finish(tx, job.id, worker)?;
                Ok(Some(out))
            })
        })
        .or_else(|e| match e {
            ImportRunError::ClaimLost => Ok(None),
            e => Err(e),
        })
}

fn report(pool: &DbPool, id: i32, worker: &str, done: i64, total: i64) {
    let _ = pool.run(|c| jobs::set_units(c, id, worker, done, total).map_err(DbError::from));
}
