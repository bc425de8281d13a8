//! The `jobs` table: the queue the engine workers drain.
//!
//! Claiming is exclusive: PostgreSQL locks the oldest queued row with `FOR UPDATE SKIP LOCKED`
//! so concurrent workers never wait on each other; SQLite runs the claim inside `BEGIN IMMEDIATE`,
//! which serializes writers. Finishing is conditional on still holding the claim, so a job that
//! was requeued after a stale heartbeat can never be completed twice.

use diesel::prelude::*;

use super::DbConn;
use super::schema::jobs;
use crate::db_run;

/// A row of `jobs`.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = jobs)]
pub struct Job {
    /// Primary key.
    pub id: i32,
    /// What to do (`variant`).
    pub kind: String,
    /// JSON payload (`{"variant_id": 3}`).
    pub payload: String,
    /// queued, running, done or failed.
    pub status: String,
    /// 0..1.
    pub progress: f64,
    /// Last error message.
    pub error: Option<String>,
    /// How many times a worker claimed it.
    pub attempts: i32,
    /// The worker holding the claim.
    pub claimed_by: Option<String>,
    /// Last sign of life from that worker.
    pub heartbeat_at: Option<chrono::NaiveDateTime>,
    /// Enqueue time.
    pub created_at: chrono::NaiveDateTime,
    /// Last change.
    pub updated_at: chrono::NaiveDateTime,
}

/// Enqueues a job.
pub fn enqueue(conn: &mut DbConn<'_>, kind: &str, payload: &str) -> QueryResult<Job> {
    let now = super::now();
    db_run!(conn, |c| diesel::insert_into(jobs::table)
        .values((
            jobs::kind.eq(kind),
            jobs::payload.eq(payload),
            jobs::status.eq("queued"),
            jobs::created_at.eq(now),
            jobs::updated_at.eq(now),
        ))
        .returning(Job::as_returning())
        .get_result(c))
}

/// Finds a job by id.
pub fn find(conn: &mut DbConn<'_>, id: i32) -> QueryResult<Job> {
    db_run!(conn, |c| jobs::table.find(id).select(Job::as_select()).first(c))
}

/// Claims the oldest queued job for `worker`, counting the attempt; `None` when the queue is empty.
pub fn claim(conn: &mut DbConn<'_>, worker: &str) -> QueryResult<Option<Job>> {
    conn.transaction(|tx| {
        let next: Option<i32> = match tx {
            DbConn::Postgres(c) => jobs::table
                .filter(jobs::status.eq("queued"))
                .order(jobs::id)
                .select(jobs::id)
                .for_update()
                .skip_locked()
                .first(&mut **c)
                .optional()?,
            DbConn::Sqlite(c) => jobs::table
                .filter(jobs::status.eq("queued"))
                .order(jobs::id)
                .select(jobs::id)
                .first(&mut **c)
                .optional()?,
        };
        let Some(id) = next else { return Ok(None) };
        let now = super::now();
        db_run!(tx, |c| diesel::update(
            jobs::table.filter(jobs::id.eq(id)).filter(jobs::status.eq("queued"))
        )
        .set((
            jobs::status.eq("running"),
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
            .filter(jobs::status.eq("running"))
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
            .filter(jobs::status.eq("running"))
            .filter(jobs::claimed_by.eq(worker))
    )
    .set((
        jobs::status.eq("done"),
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
            .filter(jobs::status.eq("running"))
            .filter(jobs::claimed_by.eq(worker));
        let job: Option<Job> = target.select(Job::as_select()).first(c).optional()?;
        let Some(job) = job else { return Ok(0) };
        let status = if permanent || job.attempts >= max_attempts { "failed" } else { "queued" };
        diesel::update(target)
            .set((
                jobs::status.eq(status),
                jobs::error.eq(error),
                jobs::claimed_by.eq(None::<String>),
                jobs::updated_at.eq(now),
            ))
            .execute(c)
    })
}

/// Requeues running jobs whose heartbeat is older than `stale_before` (their worker crashed or
/// was restarted); those already tried `max_attempts` times fail instead. Returns
/// `(requeued, failed)`.
pub fn recover_stale(
    conn: &mut DbConn<'_>,
    stale_before: chrono::NaiveDateTime,
    max_attempts: i32,
) -> QueryResult<(usize, usize)> {
    let now = super::now();
    conn.transaction(|tx| {
        db_run!(tx, |c| {
            let stale = || {
                jobs::table
                    .filter(jobs::status.eq("running"))
                    .filter(jobs::heartbeat_at.lt(stale_before))
            };
            let failed = diesel::update(stale().filter(jobs::attempts.ge(max_attempts)))
                .set((
                    jobs::status.eq("failed"),
                    jobs::error.eq("worker stopped responding too many times"),
                    jobs::claimed_by.eq(None::<String>),
                    jobs::updated_at.eq(now),
                ))
                .execute(c)?;
            let requeued = diesel::update(stale())
                .set((
                    jobs::status.eq("queued"),
                    jobs::claimed_by.eq(None::<String>),
                    jobs::progress.eq(0.0),
                    jobs::updated_at.eq(now),
                ))
                .execute(c)?;
            Ok((requeued, failed))
        })
    })
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
