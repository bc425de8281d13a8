//! PostgreSQL advisory locks, for one-time work that several instances sharing one database may
//! start together: migrating, and the first start's admin account and demo. One process does it
//! while the others wait, then find it done. SQLite serves one machine, where `BEGIN IMMEDIATE`
//! already serializes writers, so there the work just runs.

use diesel::PgConnection;
use diesel::RunQueryDsl;
use diesel::sql_types::BigInt;

use super::{DbError, DbPool};

/// The cluster-wide locks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterLock {
    /// Applying migrations: two processes migrating one database at once would both create the
    /// first table, and one would fail.
    Migrate,
    /// Creating the first admin and seeding the demo on an empty database.
    FirstStart,
}

impl ClusterLock {
    /// "lift" in ASCII above the lock's number, so that the keys stay clear of another
    /// application's in a shared server.
    fn key(self) -> i64 {
        const BASE: i64 = 0x6c69_6674_0000;
        BASE + match self {
            ClusterLock::Migrate => 1,
            ClusterLock::FirstStart => 2,
        }
    }
}

/// Takes `lock` for this connection's session, waiting while another session holds it.
pub(super) fn lock(c: &mut PgConnection, lock: ClusterLock) -> diesel::QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_lock($1)").bind::<BigInt, _>(lock.key()).execute(c)?;
    Ok(())
}

/// Releases `lock`. A session lock outlives a pool checkout, so it must be released before the
/// connection goes back to its pool.
pub(super) fn unlock(c: &mut PgConnection, lock: ClusterLock) -> diesel::QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_unlock($1)").bind::<BigInt, _>(lock.key()).execute(c)?;
    Ok(())
}

impl DbPool {
    /// Runs `f` while this process holds `lock` across every process using the database
    /// (PostgreSQL; on SQLite it just runs `f`). The lock takes a connection of its own for the
    /// duration, so `f` must not need every connection of the pool.
    pub fn exclusive<T, E>(
        &self,
        which: ClusterLock,
        f: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<DbError>,
    {
        let DbPool::Postgres(pool) = self else { return f() };
        let mut holder = pool.get().map_err(DbError::from)?;
        lock(&mut holder, which).map_err(DbError::from)?;
        let out = f();
        if let Err(e) = unlock(&mut holder, which) {
            // Only a broken connection fails here, and the pool drops broken connections, taking
            // the session's lock with them.
            tracing::warn!(lock = ?which, error = %e, "could not release an advisory lock");
        }
        out
    }
}
