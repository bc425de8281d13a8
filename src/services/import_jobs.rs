//! Imports through the job queue: `POST /imports/confirm` enqueues one, a worker process parses
//! and stores it (`crate::jobs`), and the progress page reads its state back from the `jobs` row,
//! so any instance can show it and nothing is kept in memory.

use analytics::import::{ColumnMapping, Field, ImportOptions};

use crate::db::jobs::{self, Job, JobKind, JobStatus};
use crate::db::workspaces::WorkspaceId;
use crate::db::{DbConn, DbError};
use crate::services::imports::{StoreMeta, platform_choice};

/// Why an import job cannot be started or shown.
#[derive(Debug, thiserror::Error)]
pub enum ImportJobError {
    /// The platform or column mapping is not valid.
    #[error("{0}")]
    Invalid(String),
    /// No import job has that id.
    #[error("no such import job")]
    NotFound,
    /// A query failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for ImportJobError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => ImportJobError::NotFound,
            e => ImportJobError::Db(e.into()),
        }
    }
}

/// The payload of an import job: the kept upload and the choices made on the preview page.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ImportJob {
    /// sha256 of the kept upload (its blob id).
    pub sha256: String,
    /// The uploaded file's name.
    pub filename: String,
    pub user_id: Option<i32>,
    /// Platform choice (`auto` detects).
    pub platform: String,
    /// `field → column` overrides.
    pub mapping: Vec<(String, String)>,
}

impl ImportJob {
    /// Parser options from the choices.
    pub fn options(&self) -> Result<ImportOptions, ImportJobError> {
        options(&self.platform, &self.mapping)
    }

    /// File identity, user and workspace (the job's), for the store.
    pub fn meta(&self, workspace: WorkspaceId) -> StoreMeta {
        StoreMeta {
            sha256: self.sha256.clone(),
            filename: self.filename.clone(),
            user_id: self.user_id,
            workspace,
        }
    }
}

/// Parser options for a platform choice and `field → column` overrides.
pub fn options(
    platform: &str,
    mapping: &[(String, String)],
) -> Result<ImportOptions, ImportJobError> {
    let platform = platform_choice(platform).map_err(|e| ImportJobError::Invalid(e.to_string()))?;
    let mut columns = ColumnMapping::new();
    for (field, column) in mapping {
        let field: Field = field
            .parse()
            .map_err(|e: analytics::import::UnknownField| ImportJobError::Invalid(e.to_string()))?;
        columns.insert(field, column.clone());
    }
    Ok(ImportOptions { platform, mapping: columns, ..ImportOptions::default() })
}

/// What an import job leaves in `jobs.outcome` when it is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImportOutcome {
    pub import_id: i32,
    /// Rows in the file.
    pub rows: i32,
    pub inserted: i32,
    pub updated: i32,
}

/// The state of one import, as the progress page and its JSON show it.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ImportProgress {
    /// Waiting for a worker.
    Queued,
    /// Parsing the file.
    Parsing,
    /// Writing rows.
    Storing {
        /// Rows written so far.
        done: u64,
        /// Rows in the file.
        total: u64,
    },
    /// Finished.
    Done {
        import_id: i32,
        /// Rows in the file.
        rows: i32,
        inserted: i32,
        updated: i32,
    },
    /// Rejected or failed; nothing was written.
    Failed { error: String },
}

/// Validates the choices and enqueues the import into workspace `ws`; returns the job id.
pub fn start(
    conn: &mut DbConn<'_>,
    ws: WorkspaceId,
    job: &ImportJob,
) -> Result<i32, ImportJobError> {
    job.options()?;
    let payload = serde_json::to_string(job).map_err(|e| ImportJobError::Invalid(e.to_string()))?;
    Ok(jobs::enqueue(conn, JobKind::Import, &payload, ws)?.id)
}

/// The progress of import job `id` of workspace `ws`.
pub fn progress(
    conn: &mut DbConn<'_>,
    ws: WorkspaceId,
    id: i32,
) -> Result<ImportProgress, ImportJobError> {
    let job = jobs::find_in(conn, ws, id)?;
    if JobKind::parse(&job.kind) != Some(JobKind::Import) {
        return Err(ImportJobError::NotFound);
    }
    Ok(progress_of(&job))
}

fn progress_of(job: &Job) -> ImportProgress {
    let count = |n: Option<i64>| n.and_then(|n| u64::try_from(n).ok());
    match job.state() {
        Some(JobStatus::Queued) => ImportProgress::Queued,
        Some(JobStatus::Running) => match count(job.units_total) {
            Some(total) => {
                ImportProgress::Storing { done: count(job.units_done).unwrap_or(0), total }
            }
            None => ImportProgress::Parsing,
        },
        Some(JobStatus::Done) => {
            match job.outcome.as_deref().map(serde_json::from_str::<ImportOutcome>) {
                Some(Ok(o)) => ImportProgress::Done {
                    import_id: o.import_id,
                    rows: o.rows,
                    inserted: o.inserted,
                    updated: o.updated,
                },
                _ => ImportProgress::Failed { error: "the import left no outcome".into() },
            }
        }
        Some(JobStatus::Failed) | None => ImportProgress::Failed {
            error: job.error.clone().unwrap_or_else(|| "the import failed".into()),
        },
    }
}
