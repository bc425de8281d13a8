//! Database access: one pool type over SQLite or PostgreSQL, chosen by the URL scheme.
//!
//! Repositories take `&mut DbConn` and use [`db_run!`] so that one query body compiles once per
//! backend with full backend features (upserts, `RETURNING`, `FOR UPDATE SKIP LOCKED`), the way
//! vaultwarden serves both databases from one codebase.

pub mod ad_mappings;
pub mod ads;
mod advisory;
pub mod api_tokens;
pub mod audit_log;
pub mod creative_days;
pub mod demo_records;
pub mod experiment_arms;
pub mod experiments;
pub mod grids;
pub mod import_uploads;
pub mod imports;
pub mod jobs;
pub mod mask_ceilings;
pub mod master_variables;
pub mod masters;
pub mod performance_rows;
pub mod reporting;
pub mod reviews;
pub mod schema;
pub mod sessions;
pub mod users;
pub mod variant_pictures;
pub mod variants;
pub mod workspaces;

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub use advisory::ClusterLock;

/// Migrations for SQLite, embedded in the binary.
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
/// Migrations for PostgreSQL, embedded in the binary.
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Errors from opening or migrating a database.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The pool could not hand out a connection.
    #[error("database pool: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    /// A pool could not be built (bad URL, server down).
    #[error("could not open database: {0}")]
    Open(#[source] diesel::r2d2::PoolError),
    /// Running migrations failed.
    #[error("migration failed: {0}")]
    Migration(String),
    /// A query failed.
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

/// Which database engine a URL selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

impl Backend {
    /// `postgres://` and `postgresql://` select PostgreSQL; anything else is a SQLite path or URL.
    pub fn from_url(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// A pool of connections to either backend.
#[derive(Clone)]
pub enum DbPool {
    /// SQLite pool.
    Sqlite(Pool<ConnectionManager<SqliteConnection>>),
    /// PostgreSQL pool.
    Postgres(Pool<ConnectionManager<PgConnection>>),
}

/// A pooled connection of either backend; borrow it as a [`DbConn`] with [`PooledConn::conn`].
pub enum PooledConn {
    /// SQLite connection.
    Sqlite(PooledConnection<ConnectionManager<SqliteConnection>>),
    /// PostgreSQL connection.
    Postgres(PooledConnection<ConnectionManager<PgConnection>>),
}

impl PooledConn {
    /// Borrows the connection in the form repositories take.
    pub fn conn(&mut self) -> DbConn<'_> {
        match self {
            PooledConn::Sqlite(c) => DbConn::Sqlite(c),
            PooledConn::Postgres(c) => DbConn::Postgres(c),
        }
    }
}

/// A borrowed connection to either backend: what every repository function takes.
pub enum DbConn<'a> {
    /// SQLite connection.
    Sqlite(&'a mut SqliteConnection),
    /// PostgreSQL connection.
    Postgres(&'a mut PgConnection),
}

/// Runs the same diesel code on whichever backend `$conn` (a `&mut DbConn`) holds:
/// `db_run!(conn, |c| query.load(c))`.
#[macro_export]
macro_rules! db_run {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Sqlite($c) => {
                let $c: &mut ::diesel::SqliteConnection = &mut **$c;
                $body
            }
            $crate::db::DbConn::Postgres($c) => {
                let $c: &mut ::diesel::PgConnection = &mut **$c;
                $body
            }
        }
    };
}

/// SQLite needs per-connection pragmas: busy_timeout first, so that the pool's connections opening
/// together wait for each other's WAL switch instead of failing with SQLITE_BUSY; WAL lets readers
/// run beside the writer; foreign keys are off by default in SQLite. A 64 MiB page cache (allocated
/// only as used) keeps a large import's index pages in memory instead of spilling them to the WAL
/// again and again (a 1M-row import spent 18 s in the kernel with the default 2 MiB cache, 2.6 s now).
#[derive(Debug, Clone, Copy)]
struct SqlitePragmas;

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(
            "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
             PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;",
        )
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

impl DbPool {
    /// Opens a pool for `url` (SQLite path or `postgres://` URL).
    pub fn open(url: &str, max_size: u32) -> Result<Self, DbError> {
        match Backend::from_url(url) {
            Backend::Sqlite => {
                let path = url.strip_prefix("sqlite://").unwrap_or(url);
                let pool = Pool::builder()
                    .max_size(max_size)
                    .connection_timeout(Duration::from_secs(30))
                    .connection_customizer(Box::new(SqlitePragmas))
                    .build(ConnectionManager::<SqliteConnection>::new(path))
                    .map_err(DbError::Open)?;
                Ok(DbPool::Sqlite(pool))
            }
            Backend::Postgres => {
                let pool = Pool::builder()
                    .max_size(max_size)
                    .connection_timeout(Duration::from_secs(30))
                    .build(ConnectionManager::<PgConnection>::new(url))
                    .map_err(DbError::Open)?;
                Ok(DbPool::Postgres(pool))
            }
        }
    }

    /// Which backend this pool talks to.
    pub fn backend(&self) -> Backend {
        match self {
            DbPool::Sqlite(_) => Backend::Sqlite,
            DbPool::Postgres(_) => Backend::Postgres,
        }
    }

    /// A round trip to the database (`SELECT 1`), for the load balancer's health check.
    pub fn ping(&self) -> Result<(), DbError> {
        use diesel::RunQueryDsl;
        self.run(|c| -> Result<(), DbError> {
            crate::db_run!(c, |c| diesel::sql_query("SELECT 1").execute(c))?;
            Ok(())
        })
    }

    /// Checks out a connection (blocking: call from `web::block` or a worker thread).
    pub fn get(&self) -> Result<PooledConn, DbError> {
        Ok(match self {
            DbPool::Sqlite(p) => PooledConn::Sqlite(p.get()?),
            DbPool::Postgres(p) => PooledConn::Postgres(p.get()?),
        })
    }

    /// Checks out a connection and runs `f` with it (blocking).
    pub fn run<T, E>(&self, f: impl FnOnce(&mut DbConn<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<DbError>,
    {
        let mut pooled = self.get()?;
        let mut conn = pooled.conn();
        f(&mut conn)
    }

    /// Applies every pending migration; returns how many ran. On PostgreSQL, instances starting
    /// together migrate one after the other (the later ones find nothing to do).
    pub fn migrate(&self) -> Result<usize, DbError> {
        let applied = match self.get()? {
            PooledConn::Sqlite(mut c) => {
                c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len())
            }
            PooledConn::Postgres(mut c) => {
                advisory::lock(&mut c, ClusterLock::Migrate)?;
                let applied = c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|v| v.len());
                advisory::unlock(&mut c, ClusterLock::Migrate)?;
                applied
            }
        };
        applied.map_err(|e| DbError::Migration(e.to_string()))
    }

    /// Reverts the newest applied migration; returns its version.
    pub fn revert_last(&self) -> Result<String, DbError> {
        let reverted = match self.get()? {
            PooledConn::Sqlite(mut c) => {
                c.revert_last_migration(SQLITE_MIGRATIONS).map(|v| v.to_string())
            }
            PooledConn::Postgres(mut c) => {
                c.revert_last_migration(POSTGRES_MIGRATIONS).map(|v| v.to_string())
            }
        };
        reverted.map_err(|e| DbError::Migration(e.to_string()))
    }

    /// Reverts every applied migration, newest first; returns how many were reverted.
    pub fn revert_all(&self) -> Result<usize, DbError> {
        let reverted = match self.get()? {
            PooledConn::Sqlite(mut c) => {
                c.revert_all_migrations(SQLITE_MIGRATIONS).map(|v| v.len())
            }
            PooledConn::Postgres(mut c) => {
                c.revert_all_migrations(POSTGRES_MIGRATIONS).map(|v| v.len())
            }
        };
        reverted.map_err(|e| DbError::Migration(e.to_string()))
    }
}

impl DbConn<'_> {
    /// Runs `f` in one transaction. On SQLite it is `BEGIN IMMEDIATE`, so a writer takes the lock
    /// up front and waits on busy_timeout, instead of failing when it upgrades a read lock.
    pub fn transaction<T, E, F>(&mut self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn<'_>) -> Result<T, E>,
        E: From<diesel::result::Error>,
    {
        use diesel::Connection;
        match self {
            DbConn::Sqlite(c) => c.immediate_transaction(|raw| f(&mut DbConn::Sqlite(raw))),
            DbConn::Postgres(c) => c.transaction(|raw| f(&mut DbConn::Postgres(raw))),
        }
    }

    /// Which backend this connection talks to.
    pub fn backend(&self) -> Backend {
        match self {
            DbConn::Sqlite(_) => Backend::Sqlite,
            DbConn::Postgres(_) => Backend::Postgres,
        }
    }
}

/// The current UTC time as stored in `TIMESTAMP` columns.
pub fn now() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

/// Runs `f` with SQLite's foreign-key checks off, and turns them back on after, whatever `f`
/// returned; on PostgreSQL it just runs `f`. For a bulk write whose keys come from rows written
/// in the same transaction (an import's ad keys and import id): SQLite otherwise looks each row's
/// two parents up, about a tenth of a 1M-row import. Inside an open transaction SQLite ignores
/// the pragma, so the checks then stay on.
pub fn without_foreign_key_checks<T, E: From<diesel::result::Error>>(
    conn: &mut DbConn<'_>,
    f: impl FnOnce(&mut DbConn<'_>) -> Result<T, E>,
) -> Result<T, E> {
    let DbConn::Sqlite(c) = conn else { return f(conn) };
    c.batch_execute("PRAGMA foreign_keys = OFF")?;
    let out = f(conn);
    if let DbConn::Sqlite(c) = conn {
        c.batch_execute("PRAGMA foreign_keys = ON")?;
    }
    out
}
