//! `liftmask bench queue`: prints the queue's throughput for each worker count, or fails when a
//! job was lost or completed twice.

use crate::db::Backend;
use crate::services::queue_bench;

/// Runs the rounds on `database_url` (a temporary SQLite file when `None`) and prints a table.
pub fn run(jobs: usize, workers: &[usize], database_url: Option<&str>) -> anyhow::Result<()> {
    let b = queue_bench::run(database_url, jobs.max(1), workers)?;
    let database = match b.database {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    println!("queue bench: {} no-op jobs a round, {database}", jobs.max(1));
    println!("  workers  jobs/s   wall      jobs per worker (min-max)");
    for r in &b.rounds {
        let min = r.per_worker.iter().min().copied().unwrap_or(0);
        let max = r.per_worker.iter().max().copied().unwrap_or(0);
        println!(
            "  {:>7}  {:>6.0}  {:>6.2} s  {min}-{max}",
            r.workers,
            r.rate(),
            r.elapsed.as_secs_f64()
        );
    }
    println!("every job was claimed once and completed once in every round");
    Ok(())
}
