//! `liftmask worker`: supervise engine worker processes on this machine (e.g. a GPU box sharing
//! the PostgreSQL database), the same supervisor `serve` runs. With the hidden `--child NAME` it
//! is one of those processes.

use std::path::PathBuf;
use std::sync::Arc;

use inpaint::Backends;

use crate::config::Settings;
use crate::db::DbPool;
use crate::jobs::Supervisor;

/// The executable worker processes run: the `worker_exe` setting, or this executable (the engine
/// binary: `liftmask` hands `serve` and `worker` to it).
pub fn worker_exe(settings: &Settings) -> std::io::Result<PathBuf> {
    settings.worker_exe.clone().map_or_else(std::env::current_exe, Ok)
}

/// Runs `processes` supervised workers (default: the `workers` setting, at least 1) until killed,
/// or, with `child`, the worker loop of one of them, rendering with `backends`.
pub fn run(
    settings: Settings,
    processes: Option<usize>,
    child: Option<String>,
    backends: &dyn Backends,
) -> anyhow::Result<()> {
    if let Some(name) = child {
        crate::jobs::child::run(&name, backends)?;
        return Ok(());
    }
    std::fs::create_dir_all(&settings.data_dir)?;
    let pool = DbPool::open(&settings.effective_database_url(), 2)?;
    let n = processes.unwrap_or(settings.workers).max(1);
    // The children share this machine's cores among `workers` processes.
    let settings = Settings { workers: n, ..settings };
    let exe = worker_exe(&settings)?;
    println!("liftmask worker: {n} process(es), backend {}", settings.engine.backend);
    let supervisor = Supervisor::start(exe, Arc::new(settings), pool, n)?;
    supervisor.wait();
    Ok(())
}
