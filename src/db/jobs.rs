//! The `jobs` table: the queue the engine workers drain.
//!
//! Claiming is exclusive: PostgreSQL locks the oldest queued row with `FOR UPDATE SKIP LOCKED`
//! so concurrent workers never wait on each other; SQLite runs the claim inside `BEGIN IMMEDIATE`,
//! which serializes writers. Finishing is conditional on still holding the claim, so a job that
//! was requeued after a stale heartbeat can never be completed twice.

use diesel::prelude::*;

use super::DbConn;
use super::schema::jobs;
use super::workspaces::WorkspaceId;
use crate::db_run;

/// What a job does; stored in `jobs.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// Render a variant (payload: `services::jobs::RenderJob`).
    Variant,
    /// Parse and store an uploaded performance CSV.
    Import,
    /// Aborts the worker process that claims it. Only debug builds know this kind, and nothing
    /// but a test inserting the row itself creates one: it proves that a crash in native code
    /// ends one worker and one job.
    #[cfg(debug_assertions)]
    CrashTest,
}

impl JobKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Variant => "variant",
            JobKind::Import => "import",
            #[cfg(debug_assertions)]
            JobKind::CrashTest => "crash_test",
        }
    }

    /// From the stored name; `None` for a kind this build does not run.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "variant" => Some(JobKind::Variant),
            "import" => Some(JobKind::Import),
            #[cfg(debug_assertions)]
            "crash_test" => Some(JobKind::CrashTest),
            _ => None,
        }
    }
}

/// Where a job is in its life; stored in `jobs.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Waiting for a worker.
    Queued,
    /// Claimed by a worker.
    Running,
    /// Finished.
    Done,
    /// Given up on; `error` says why.
    Failed,
}

impl JobStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
        }
    }

    /// From the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [JobStatus::Queued, JobStatus::Running, JobStatus::Done, JobStatus::Failed]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// A row of `jobs`.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = jobs)]
pub struct Job {
    pub id: i32,
    /// What to do ([`JobKind`]).
    pub kind: String,
    /// JSON payload, typed by its kind (`RenderJob`, `ImportJob`).
    pub payload: String,
    /// [`JobStatus`].
    pub status: String,
    /// 0..1.
    pub progress: f64,
    pub error: Option<String>,
    /// How many times a worker claimed it.
    pub attempts: i32,
    /// The worker holding the claim.
    pub claimed_by: Option<String>,
    /// Last sign of life from that worker.
    pub heartbeat_at: Option<chrono::NaiveDateTime>,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
    /// Claims that ended with the worker process dying (abort, kill, lost heartbeat).
    pub crashes: i32,
    /// Units of work done (import: rows stored).
    pub units_done: Option<i64>,
    /// Units of work in all (import: rows in the file).
    pub units_total: Option<i64>,
    /// JSON the finished job leaves for its progress page (import: the import's id and counts).
    pub outcome: Option<String>,
    /// The workspace it was enqueued in; only that workspace's users can see it.
    pub workspace_id: i32,
}

impl Job {
    /// The typed status (`None` only for a row written by something else).
    pub fn state(&self) -> Option<JobStatus> {
        JobStatus::parse(&self.status)
    }
}

/// Enqueues a job for workspace `ws`.
pub fn enqueue(
    conn: &mut DbConn<'_>,
    kind: JobKind,
    payload: &str,
    ws: WorkspaceId,
) -> QueryResult<Job> {
    let now = super::now();
    db_run!(conn, |c| diesel::insert_into(jobs::table)
        .values((
            jobs::workspace_id.eq(ws.0),
            jobs::kind.eq(kind.as_str()),
            jobs::payload.eq(payload),
            jobs::status.eq(JobStatus::Queued.as_str()),
            jobs::created_at.eq(now),
            jobs::updated_at.eq(now),
        ))
        .returning(Job::as_returning())
        .get_result(c))
}

/// Finds a job by id in any workspace: for the workers.
pub fn find(conn: &mut DbConn<'_>, id: i32) -> QueryResult<Job> {
    db_run!(conn, |c| jobs::table.find(id).select(Job::as_select()).first(c))
}

/// Finds a job of workspace `ws`; any other is `NotFound`.
pub fn find_in(conn: &mut DbConn<'_>, ws: WorkspaceId, id: i32) -> QueryResult<Job> {
    db_run!(conn, |c| jobs::table
        .filter(jobs::id.eq(id))
        .filter(jobs::workspace_id.eq(ws.0))
        .select(Job::as_select())
        .first(c))
}

/// Claims the oldest queued job for `worker`, counting the attempt; `None` when the queue is empty.
pub fn claim(conn: &mut DbConn<'_>, worker: &str) -> QueryResult<Option<Job>> {
    conn.transaction(|tx| {
        let next: Option<i32> = match tx {
            DbConn::Postgres(c) => jobs::table
                .filter(jobs::status.eq(JobStatus::Queued.as_str()))
                .order(jobs::id)
                .select(jobs::id)
                .for_update()
                .skip_locked()
                .first(&mut **c)
                .optional()?,
            DbConn::Sqlite(c) => jobs::table
                .filter(jobs::status.eq(JobStatus::Queued.as_str()))
                .order(jobs::id)
                .select(jobs::id)
                .first(&mut **c)
                .optional()?,
        };
        let Some(id) = next else { return Ok(None) };
        let now = super::now();
        db_run!(tx, |c| diesel::update(
            jobs::table.filter(jobs::id.eq(id)).filter(jobs::status.eq(JobStatus::Queued.as_str()))
        )
        .set((
            jobs::status.eq(JobStatus::Running.as_str()),
            jobs::claimed_by.eq(worker),
            jobs::heartbeat_at.eq(now),
            jobs::updated_at.eq(now),
            jobs::attempts.eq(jobs::attempts + 1),
        ))
        .returning(Job::as_returning())
        .get_result(c)
        .optional())
    })
}

/// Records progress and a heartbeat, if `worker` still holds the claim.
pub fn heartbeat(
    conn: &mut DbConn<'_>,
    id: i32,
    worker: &str,
    progress: Option<f64>,
) -> QueryResult<usize> {
    let now = super::now();
    db_run!(conn, |c| {
        let target = jobs::table
            .filter(jobs::id.eq(id))
            .filter(jobs::status.eq(JobStatus::Running.as_str()))
            .filter(jobs::claimed_by.eq(worker));
        match progress {
            Some(p) => diesel::update(target)
                .set((jobs::heartbeat_at.eq(now), jobs::updated_at.eq(now), jobs::progress.eq(p)))
                .execute(c),
            None => diesel::update(target)
                .set((jobs::heartbeat_at.eq(now), jobs::updated_at.eq(now)))
                .execute(c),
        }
    })
}

/// Marks the job done if `worker` still holds the claim; returns 0 when the claim was lost
/// (call it inside the transaction that writes the result, and roll back on 0).
pub fn finish(conn: &mut DbConn<'_>, id: i32, worker: &str) -> QueryResult<usize> {
    let now = super::now();
    db_run!(conn, |c| diesel::update(
        jobs::table
            .filter(jobs::id.eq(id))
            .filter(jobs::status.eq(JobStatus::Running.as_str()))
            .filter(jobs::claimed_by.eq(worker))
    )
    .set((
        jobs::status.eq(JobStatus::Done.as_str()),
        jobs::progress.eq(1.0),
        jobs::error.eq(None::<String>),
        jobs::updated_at.eq(now),
    ))
    .execute(c))
}

/// Records a failure. A permanent failure (bad input) or the last allowed attempt marks the job
/// `failed`; otherwise it goes back to the queue.
pub fn fail(
    conn: &mut DbConn<'_>,
    id: i32,
    worker: &str,
    error: &str,
    permanent: bool,
    max_attempts: i32,
) -> QueryResult<usize> {
    let now = super::now();
    db_run!(conn, |c| {
        let target = jobs::table
            .filter(jobs::id.eq(id))
            .filter(jobs::status.eq(JobStatus::Running.as_str()))
            .filter(jobs::claimed_by.eq(worker));
        let job: Option<Job> = target.select(Job::as_select()).first(c).optional()?;
        let Some(job) = job else { return Ok(0) };
        let status = if permanent || job.attempts >= max_attempts {
            JobStatus::Failed
        } else {
            JobStatus::Queued
        };
        diesel::update(target)
            .set((
                jobs::status.eq(status.as_str()),
                jobs::error.eq(error),
                jobs::claimed_by.eq(None::<String>),
                jobs::updated_at.eq(now),
            ))
            .execute(c)
    })
}

/// What to do with the jobs whose worker died: requeue them, or fail those that have now killed
/// `crash_limit` workers (or used up `max_attempts`).
#[derive(Debug, Clone, Copy)]
pub struct CrashPolicy {
    /// Crashes after which a job is failed instead of requeued.
    pub crash_limit: i32,
    /// Claims after which a job is failed.
    pub max_attempts: i32,
}

/// The ids of running jobs matching `filter`, locked for this transaction. On PostgreSQL rows
/// another transaction holds are skipped; SQLite has one writer at a time and no row locks.
macro_rules! running_ids_locked {
    ($tx:expr, $filter:expr) => {{
        let ids: Vec<i32> = match $tx {
            DbConn::Postgres(c) => jobs::table
                .filter(jobs::status.eq(JobStatus::Running.as_str()))
                .filter($filter)
                .select(jobs::id)
                .for_update()
                .skip_locked()
                .load(&mut **c)?,
            DbConn::Sqlite(c) => jobs::table
                .filter(jobs::status.eq(JobStatus::Running.as_str()))
                .filter($filter)
                .select(jobs::id)
                .load(&mut **c)?,
        };
        ids
    }};
}

/// Counts a crash against every running job claimed by `worker` (whose process just died with
/// `reason`); returns `(requeued, failed)`.
pub fn crashed(
    conn: &mut DbConn<'_>,
    worker: &str,
    reason: &str,
    policy: CrashPolicy,
) -> QueryResult<(usize, usize)> {
    conn.transaction(|tx| {
        let ids = running_ids_locked!(tx, jobs::claimed_by.eq(worker));
        count_crash(tx, &ids, reason, policy)
    })
}

/// Counts a crash against running jobs whose heartbeat is older than `stale_before`: their
/// worker died without anyone watching it (a `liftmask worker` on another machine, or a server
/// that was restarted). Returns `(requeued, failed)`.
///
/// Every worker process runs this, so on PostgreSQL two of them can meet on one stale job. The
/// rows are locked as they are read, and rows another recoverer holds are skipped. Unlocked, the
/// job could be requeued by the first recoverer and claimed again by a live worker between the
/// second one's read and its update, which would then count a crash against a healthy claim and,
/// the job now having crashed once, fail it under the live worker.
pub fn recover_stale(
    conn: &mut DbConn<'_>,
    stale_before: chrono::NaiveDateTime,
    policy: CrashPolicy,
) -> QueryResult<(usize, usize)> {
    conn.transaction(|tx| {
        let ids = running_ids_locked!(tx, jobs::heartbeat_at.lt(stale_before));
        count_crash(tx, &ids, "the worker stopped sending heartbeats", policy)
    })
}

fn count_crash(
    conn: &mut DbConn<'_>,
    ids: &[i32],
    reason: &str,
    policy: CrashPolicy,
) -> QueryResult<(usize, usize)> {
    if ids.is_empty() {
        return Ok((0, 0));
    }
    let now = super::now();
    let final_error = format!(
        "the worker process died while running this job {} times (last: {reason}); it will not be retried",
        policy.crash_limit
    );
    let retry_error = format!("the worker process died ({reason}); the job was queued again");
    db_run!(conn, |c| {
        let failed = diesel::update(
            jobs::table
                .filter(jobs::id.eq_any(ids))
                .filter(jobs::status.eq(JobStatus::Running.as_str()))
                .filter(
                    jobs::crashes
                        .ge(policy.crash_limit - 1)
                        .or(jobs::attempts.ge(policy.max_attempts)),
                ),
        )
        .set((
            jobs::status.eq(JobStatus::Failed.as_str()),
            jobs::crashes.eq(jobs::crashes + 1),
            jobs::error.eq(&final_error),
            jobs::claimed_by.eq(None::<String>),
            jobs::updated_at.eq(now),
        ))
        .execute(c)?;
        let requeued = diesel::update(
            jobs::table
                .filter(jobs::id.eq_any(ids))
                .filter(jobs::status.eq(JobStatus::Running.as_str())),
        )
        .set((
            jobs::status.eq(JobStatus::Queued.as_str()),
            jobs::crashes.eq(jobs::crashes + 1),
            jobs::error.eq(&retry_error),
            jobs::claimed_by.eq(None::<String>),
            jobs::progress.eq(0.0),
            jobs::units_done.eq(None::<i64>),
            jobs::units_total.eq(None::<i64>),
            jobs::updated_at.eq(now),
        ))
        .execute(c)?;
        Ok((requeued, failed))
    })
}

/// Fails, for good, every running job claimed by `worker` (the supervisor stopped it for running
/// past its time limit: it would do so again). Returns how many.
pub fn fail_claimed(conn: &mut DbConn<'_>, worker: &str, error: &str) -> QueryResult<usize> {
    let now = super::now();
    db_run!(conn, |c| diesel::update(
        jobs::table
            .filter(jobs::status.eq(JobStatus::Running.as_str()))
            .filter(jobs::claimed_by.eq(worker))
    )
    .set((
        jobs::status.eq(JobStatus::Failed.as_str()),
        jobs::error.eq(error),
        jobs::claimed_by.eq(None::<String>),
        jobs::updated_at.eq(now),
    ))
    .execute(c))
}

/// Records units of work done (and a heartbeat), if `worker` still holds the claim.
pub fn set_units(
    conn: &mut DbConn<'_>,
    id: i32,
    worker: &str,
    done: i64,
    total: i64,
) -> QueryResult<usize> {
    let now = super::now();
    let progress = if total > 0 { done as f64 / total as f64 } else { 0.0 };
    db_run!(conn, |c| diesel::update(
        jobs::table
            .filter(jobs::id.eq(id))
            .filter(jobs::status.eq(JobStatus::Running.as_str()))
            .filter(jobs::claimed_by.eq(worker))
    )
    .set((
        jobs::units_done.eq(done),
        jobs::units_total.eq(total),
        jobs::progress.eq(progress),
        jobs::heartbeat_at.eq(now),
        jobs::updated_at.eq(now),
    ))
    .execute(c))
}

/// Leaves the outcome JSON of a job `worker` holds (write it in the transaction that finishes it).
pub fn set_outcome(
    conn: &mut DbConn<'_>,
    id: i32,
    worker: &str,
    outcome: &str,
) -> QueryResult<usize> {
    db_run!(conn, |c| diesel::update(
        jobs::table
            .filter(jobs::id.eq(id))
            .filter(jobs::status.eq(JobStatus::Running.as_str()))
            .filter(jobs::claimed_by.eq(worker))
    )
    .set(jobs::outcome.eq(outcome))
    .execute(c))
}

/// Sets a job's heartbeat (tests simulate a crashed worker with it).
pub fn set_heartbeat(
    conn: &mut DbConn<'_>,
    id: i32,
    at: chrono::NaiveDateTime,
) -> QueryResult<usize> {
    db_run!(conn, |c| diesel::update(jobs::table.find(id))
        .set(jobs::heartbeat_at.eq(at))
        .execute(c))
}

/// The kind of the no-op jobs `liftmask bench queue` enqueues and drains itself. It is not a
/// [`JobKind`]: a worker that met one would fail it as unknown, and the bench refuses to run
/// beside pending work (see [`pending`]).
pub const QUEUE_BENCH_KIND: &str = "queue_bench";

/// Jobs queued or running, of any kind.
pub fn pending(conn: &mut DbConn<'_>) -> QueryResult<i64> {
    db_run!(conn, |c| jobs::table
        .filter(jobs::status.eq_any([JobStatus::Queued.as_str(), JobStatus::Running.as_str()]))
        .count()
        .get_result(c))
}

/// Enqueues `n` no-op bench jobs in workspace `ws`, in batches; returns their ids.
pub fn enqueue_queue_bench(
    conn: &mut DbConn<'_>,
    ws: WorkspaceId,
    n: usize,
) -> QueryResult<Vec<i32>> {
    // 1,000 rows of 6 parameters stay under both backends' limits on bound parameters.
    const BATCH: usize = 1000;
    let now = super::now();
    let mut ids = Vec::with_capacity(n);
    for start in (0..n).step_by(BATCH) {
        let rows: Vec<_> = (start..n.min(start + BATCH))
            .map(|_| {
                (
                    jobs::workspace_id.eq(ws.0),
                    jobs::kind.eq(QUEUE_BENCH_KIND),
                    jobs::payload.eq("{}"),
                    jobs::status.eq(JobStatus::Queued.as_str()),
                    jobs::created_at.eq(now),
                    jobs::updated_at.eq(now),
                )
            })
            .collect();
        let batch: Vec<i32> = db_run!(conn, |c| diesel::insert_into(jobs::table)
            .values(&rows)
            .returning(jobs::id)
            .get_results(c))?;
        ids.extend(batch);
    }
    Ok(ids)
}

/// `(id, status, attempts)` of every bench job.
pub fn queue_bench_jobs(conn: &mut DbConn<'_>) -> QueryResult<Vec<(i32, String, i32)>> {
    db_run!(conn, |c| jobs::table
        .filter(jobs::kind.eq(QUEUE_BENCH_KIND))
        .order(jobs::id)
        .select((jobs::id, jobs::status, jobs::attempts))
        .load(c))
}

/// Deletes every bench job; returns how many.
pub fn delete_queue_bench(conn: &mut DbConn<'_>) -> QueryResult<usize> {
    db_run!(conn, |c| diesel::delete(jobs::table.filter(jobs::kind.eq(QUEUE_BENCH_KIND)))
        .execute(c))
}
