//! `liftmask bench queue`: how many jobs a second the `jobs` table hands out. It enqueues no-op
//! jobs and drains them with 1, 2, 4, 8… threads, each on its own connection, through the same
//! `db::jobs::claim` and `finish` the engine workers call, so it times the queue itself (the
//! claim transaction, the completion update and their commits) and nothing of a render. Then it
//! checks that every job was completed exactly once.

use std::collections::BTreeSet;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use crate::db::{Backend, DbError, DbPool, PooledConn, jobs, workspaces};

/// One round: `jobs` no-op jobs drained by `workers` threads.
#[derive(Debug, Clone)]
pub struct QueueRound {
    pub workers: usize,
    pub jobs: usize,
    /// From the first claim to the last completion.
    pub elapsed: Duration,
    /// Jobs each thread completed.
    pub per_worker: Vec<usize>,
}

impl QueueRound {
    /// Jobs claimed and completed per second.
    pub fn rate(&self) -> f64 {
        self.jobs as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Errors of the benchmark; a lost or twice-completed job is one.
#[derive(Debug, thiserror::Error)]
pub enum QueueBenchError {
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// A temporary directory for the SQLite file.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The bench would claim real work.
    #[error(
        "the database has {0} queued or running jobs; the bench claims every queued job, so run it on a database without pending work"
    )]
    Busy(i64),
    /// A bench thread panicked.
    #[error("a bench thread panicked")]
    Thread,
    /// Not every job was completed exactly once.
    #[error("{workers} workers: {problem}")]
    NotExactlyOnce { workers: usize, problem: String },
}

impl From<diesel::result::Error> for QueueBenchError {
    fn from(e: diesel::result::Error) -> Self {
        QueueBenchError::Db(e.into())
    }
}

/// The rounds, and which database ran them.
#[derive(Debug, Clone)]
pub struct QueueBench {
    pub database: Backend,
    pub rounds: Vec<QueueRound>,
}

/// Runs a round of `jobs` jobs for each count in `workers` on `database_url` (a fresh SQLite
/// file in a temporary directory when `None`). The bench's jobs are deleted after each round.
pub fn run(
    database_url: Option<&str>,
    jobs: usize,
    workers: &[usize],
) -> Result<QueueBench, QueueBenchError> {
    let dir = tempfile::tempdir()?;
    let url = database_url
        .map(str::to_owned)
        .unwrap_or_else(|| dir.path().join("queue.sqlite3").to_string_lossy().into_owned());
    let most = workers.iter().copied().max().unwrap_or(1).max(1);
    let pool = DbPool::open(&url, u32::try_from(most + 1).unwrap_or(u32::MAX))?;
    pool.migrate()?;
    let pending = pool.run(|c| jobs::pending(c).map_err(QueueBenchError::from))?;
    if pending > 0 {
        return Err(QueueBenchError::Busy(pending));
    }
    let mut rounds = Vec::with_capacity(workers.len());
    for &n in workers {
        let round = round(&pool, jobs, n.max(1));
        // Leave the table as it was, whatever the round's outcome.
        pool.run(|c| jobs::delete_queue_bench(c).map_err(QueueBenchError::from))?;
        rounds.push(round?);
    }
    Ok(QueueBench { database: pool.backend(), rounds })
}

fn round(pool: &DbPool, n_jobs: usize, n_workers: usize) -> Result<QueueRound, QueueBenchError> {
    let enqueued: BTreeSet<i32> = pool
        .run(|c| -> Result<_, QueueBenchError> {
            let ws = workspaces::default(c)?;
            Ok(jobs::enqueue_queue_bench(c, ws, n_jobs)?)
        })?
        .into_iter()
        .collect();
    // Every thread holds its connection for the whole round, as a worker process does.
    let conns = (0..n_workers).map(|_| pool.get()).collect::<Result<Vec<_>, _>>()?;
    let start = Barrier::new(n_workers + 1);
    let (done, elapsed) = std::thread::scope(|s| {
        let threads: Vec<_> = conns
            .into_iter()
            .enumerate()
            .map(|(i, conn)| {
                let start = &start;
                s.spawn(move || drain(conn, &format!("bench-{n_workers}-{i}"), start))
            })
            .collect();
        start.wait();
        let t = Instant::now();
        let done: Vec<_> = threads.into_iter().map(|t| t.join()).collect();
        (done, t.elapsed())
    });
    let mut per_worker = Vec::with_capacity(n_workers);
    let mut completed = Vec::with_capacity(n_jobs);
    for d in done {
        let ids = d.map_err(|_| QueueBenchError::Thread)??;
        per_worker.push(ids.len());
        completed.extend(ids);
    }
    let problem = |problem: String| QueueBenchError::NotExactlyOnce { workers: n_workers, problem };
    let unique: BTreeSet<i32> = completed.iter().copied().collect();
    if unique.len() != completed.len() {
        return Err(problem(format!(
            "{} completions of {} distinct jobs",
            completed.len(),
            unique.len()
        )));
    }
    if unique != enqueued {
        let lost = enqueued.difference(&unique).count();
        return Err(problem(format!("{lost} of {n_jobs} jobs were never completed")));
    }
    let rows = pool.run(|c| jobs::queue_bench_jobs(c).map_err(QueueBenchError::from))?;
    let not_once: Vec<_> = rows
        .iter()
        .filter(|(_, status, attempts)| status != jobs::JobStatus::Done.as_str() || *attempts != 1)
        .collect();
    if rows.len() != n_jobs || !not_once.is_empty() {
        return Err(problem(format!(
            "{} rows, {} not done after exactly one claim (first: {:?})",
            rows.len(),
            not_once.len(),
            not_once.first()
        )));
    }
    Ok(QueueRound { workers: n_workers, jobs: n_jobs, elapsed, per_worker })
}

/// Claims and completes jobs as `name` until the queue is empty; returns the ids it completed.
fn drain(mut pooled: PooledConn, name: &str, start: &Barrier) -> Result<Vec<i32>, QueueBenchError> {
    let mut conn = pooled.conn();
    let mut ids = Vec::new();
    start.wait();
    // An empty claim means every job left is taken: on PostgreSQL `SKIP LOCKED` passes over rows
    // other threads are claiming, and those threads complete them.
    while let Some(job) = jobs::claim(&mut conn, name)? {
        if jobs::finish(&mut conn, job.id, name)? == 1 {
            ids.push(job.id);
        }
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_round_completes_every_job_once() {
        let b = run(None, 60, &[1, 3]).unwrap();
        assert_eq!(b.database, Backend::Sqlite);
        let shape: Vec<_> = b
            .rounds
            .iter()
            .map(|r| (r.workers, r.per_worker.len(), r.per_worker.iter().sum()))
            .collect();
        assert_eq!(shape, [(1, 1, 60), (3, 3, 60)]);
    }

    #[test]
    fn it_refuses_a_database_with_pending_work() {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("busy.sqlite3").to_string_lossy().into_owned();
        let pool = DbPool::open(&url, 1).unwrap();
        pool.migrate().unwrap();
        pool.run(|c| {
            let ws = workspaces::default(c)?;
            jobs::enqueue(c, jobs::JobKind::Variant, r#"{"variant_id":1}"#, ws)
                .map_err(DbError::from)
        })
        .unwrap();
        assert!(matches!(run(Some(&url), 10, &[1]), Err(QueueBenchError::Busy(1))));
        let left = pool.run(|c| jobs::find(c, 1).map_err(DbError::from)).unwrap();
        assert_eq!(left.status, "queued");
    }
}
