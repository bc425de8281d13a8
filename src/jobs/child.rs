//! The worker process (`liftmask worker --child NAME`, started by [`super::supervisor`]): reads
//! its settings as one JSON line on stdin, then claims and runs jobs one at a time, reporting
//! each claim on stdout. It exits when its stdin closes, i.e. when its supervisor is gone.

use std::io::{BufRead, Write};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use inpaint::Backends;

use crate::config::Settings;
use crate::db::DbPool;

use super::supervisor::Report;
use super::{IN_WORKER_PROCESS, WorkerContext, build_engine, process_one_with, recover};

/// How long an idle worker sleeps between polls of the queue.
const POLL: Duration = Duration::from_millis(250);
/// How often a worker looks for jobs whose worker stopped sending heartbeats.
const RECOVER_EVERY: Duration = Duration::from_secs(10);

/// Why a worker process could not start.
#[derive(Debug, thiserror::Error)]
pub enum ChildError {
    /// Its settings did not arrive or did not parse.
    #[error("worker settings on stdin: {0}")]
    Settings(String),
    /// The database could not be opened.
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
    /// The blob store could not be opened.
    #[error(transparent)]
    Blobs(#[from] crate::blobs::BlobError),
    /// The engine could not be built.
    #[error("engine: {0}")]
    Engine(#[from] inpaint::InpaintError),
}

/// Reads the settings line from stdin and runs the worker loop as `name` with an engine from
/// `backends`; returns only on a start-up error.
pub fn run(name: &str, backends: &dyn Backends) -> Result<(), ChildError> {
    let mut stdin = std::io::stdin().lock();
    let mut line = String::new();
    stdin.read_line(&mut line).map_err(|e| ChildError::Settings(e.to_string()))?;
    let settings: Settings =
        serde_json::from_str(&line).map_err(|e| ChildError::Settings(e.to_string()))?;
    drop(stdin);
    crate::telemetry::init(&settings.log);
    IN_WORKER_PROCESS.store(true, Ordering::SeqCst);
    std::thread::spawn(|| {
        // Nothing more is sent; end of input means the supervisor is gone.
        let mut rest = String::new();
        while matches!(std::io::stdin().lock().read_line(&mut rest), Ok(n) if n > 0) {
            rest.clear();
        }
        std::process::exit(0);
    });
    // Every worker process has its own libtorch pool; share the cores among them.
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let threads = (cores / settings.workers.max(1)).max(1);
    backends.set_threads(threads);
    let pool = DbPool::open(&settings.effective_database_url(), 2)?;
    let blobs = crate::blobs::open(&settings)?;
    let engine = build_engine(backends, &settings.engine)?;
    tracing::info!(worker = name, backend = engine.name(), "worker process ready");
    let ctx = WorkerContext { pool, blobs, settings: Arc::new(settings) };
    let tell = |r: Report| {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", r.line()).and_then(|()| out.flush());
    };
    let mut recovered: Option<Instant> = None;
    loop {
        if recovered.is_none_or(|t| t.elapsed() >= RECOVER_EVERY) {
            recovered = Some(Instant::now());
            if let Err(e) = recover(&ctx) {
                tracing::warn!(error = %e, "stale-job recovery failed");
            }
        }
        let claimed = process_one_with(&ctx, engine.as_ref(), name, &|job, kind| {
            tell(Report::Claimed { job_id: job.id, kind });
        });
        match claimed {
            Ok(Some(_)) => tell(Report::Idle),
            Ok(None) => std::thread::sleep(POLL),
            Err(e) => {
                tell(Report::Idle);
                tracing::warn!(error = %e, "worker poll failed");
                std::thread::sleep(POLL * 4);
            }
        }
    }
}
