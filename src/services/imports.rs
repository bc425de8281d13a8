//! Importing ad-platform performance exports: parse (pure, in `analytics::import`) and store
//! every row in one transaction while the file is read (each ad once in `ads`, its rows upserted
//! on `(ad, date)`; see `import_store`), and map ads whose name carries a variant code.
//!
//! Parsing runs polars, so callers on an async runtime must call these functions from
//! `web::block` or a plain thread (polars' `collect` panics on an actix worker). Web imports run
//! as jobs (`crate::services::import_jobs`), in the worker processes.

use std::collections::HashSet;

use std::path::Path;

use analytics::import::{self as parser, AdRef, ImportOptions, ParsedImport, Platform, Scanned};

use super::import_store::RowWriter;
pub use super::import_store::import_reader;
use crate::blobs::{BlobError, BlobId};
use crate::db::imports::{self, Import};
use crate::db::workspaces::WorkspaceId;
use crate::db::{DbConn, DbError, ad_mappings, creative_days};
use crate::state::Context;

/// Why an import failed. Nothing is written when any of these is returned.
#[derive(Debug, thiserror::Error)]
pub enum ImportServiceError {
    /// The file was rejected by the parser (line, column and reason inside).
    #[error(transparent)]
    Parse(#[from] parser::ImportError),
    /// A count does not fit the `imports` columns.
    #[error("the file is too large: {0} rows")]
    TooLarge(usize),
    /// The database failed; the transaction was rolled back.
    #[error("database: {0}")]
    Db(#[from] diesel::result::Error),
    /// No database connection.
    #[error(transparent)]
    Pool(#[from] DbError),
    /// The kept upload expired or was never there.
    #[error("that upload is gone; upload it again")]
    UploadGone,
    /// The blob store failed.
    #[error(transparent)]
    Blobs(BlobError),
}

impl ImportServiceError {
    /// Whether the file itself is at fault, so the user should fix it and upload again (as
    /// opposed to the site failing).
    pub fn is_the_files_fault(&self) -> bool {
        matches!(self, ImportServiceError::Parse(_) | ImportServiceError::TooLarge(_))
    }
}

/// The kept upload `blob` parsed for the preview, its unmapped ads matched against workspace
/// `ws`'s mappings. Polars runs here: call it off the async workers.
pub fn preview_upload(
    ctx: &Context,
    ws: WorkspaceId,
    blob: &BlobId,
    opts: &ImportOptions,
) -> Result<ParsedImport, ImportServiceError> {
    let bytes = ctx.blobs.get(blob).map_err(|e| match e {
        BlobError::NotFound(_) => ImportServiceError::UploadGone,
        other => ImportServiceError::Blobs(other),
    })?;
    let mut parsed = parse(&bytes, opts)?;
    ctx.pool.run(|c| fill_unmapped(c, ws, &mut parsed))?;
    Ok(parsed)
}

/// Who and what is being stored.
#[derive(Debug, Clone)]
pub struct StoreMeta {
    /// sha256 hex of the uploaded bytes.
    pub sha256: String,
    /// The uploaded file's name.
    pub filename: String,
    /// The importing user (none from the CLI).
    pub user_id: Option<i32>,
    /// The workspace the import belongs to: its history, unmapped ads and code mappings.
    pub workspace: WorkspaceId,
}

/// What [`store`] did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StoreOutcome {
    /// The recorded import, counts included.
    pub import: Import,
    /// Ads newly mapped to a variant through a code in their name.
    pub mapped_by_code: usize,
}

/// The imports of workspace `ws`, newest first.
pub fn history(conn: &mut DbConn<'_>, ws: WorkspaceId) -> Result<Vec<Import>, ImportServiceError> {
    Ok(imports::list_in(conn, ws)?)
}

/// Parses `bytes` with `opts` (blocking: polars).
pub fn parse(bytes: &[u8], opts: &ImportOptions) -> Result<ParsedImport, ImportServiceError> {
    Ok(parser::parse(bytes, opts)?)
}

/// Options for a platform choice from a form or the CLI: `auto` (or empty) detects.
pub fn platform_choice(name: &str) -> Result<Option<Platform>, parser::UnknownPlatformName> {
    match name.trim() {
        "" | "auto" => Ok(None),
        other => other.parse().map(Some),
    }
}

/// Fills `summary.unmapped_ads`: ads of the file with no `ad_mappings` row and no variant code
/// in their name.
pub fn fill_unmapped(
    conn: &mut DbConn<'_>,
    ws: WorkspaceId,
    parsed: &mut ParsedImport,
) -> Result<(), ImportServiceError> {
    let mapped: HashSet<String> =
        ad_mappings::mapped_ad_ids(conn, ws, parsed.platform.as_str())?.into_iter().collect();
    parsed.fill_unmapped(|ad| ad.variant_code.is_some() || mapped.contains(ad.ad_id));
    Ok(())
}

/// Stores an import parsed with [`parse`] in ONE transaction, as [`import_reader`] stores a file
/// while reading it: the `imports` row, every performance row, code mappings and the
/// `creative_days` rollup of the mapped ads' creatives. Any failure rolls everything back.
/// `progress(done, total)` is called after each batch.
pub fn store(
    conn: &mut DbConn<'_>,
    parsed: &ParsedImport,
    meta: &StoreMeta,
    progress: &dyn Fn(u64, u64),
) -> Result<StoreOutcome, ImportServiceError> {
    let (scanned, rows) = parsed.to_scanned();
    let total = rows.len() as u64;
    let estimate = |done: u64| (done, total);
    conn.transaction(|tx| {
        let mut writer = RowWriter::new(tx, meta, &estimate, progress)?;
        for chunk in rows.chunks(STORE_CHUNK_ROWS) {
            let batch = parser::Batch {
                platform: scanned.platform,
                rows: chunk,
                ads: &scanned.ads,
                currency: scanned.currency,
            };
            writer.add(tx, batch)?;
        }
        writer.finish(tx, &scanned, &meta.sha256)
    })
}

/// Rows handed to the writer at a time by [`store`], as the parser hands over a block.
const STORE_CHUNK_ROWS: usize = 50_000;

/// Parses `bytes` and stores them while they are parsed (see [`import_reader`]).
pub fn import_bytes(
    conn: &mut DbConn<'_>,
    bytes: &[u8],
    opts: &ImportOptions,
    meta: &StoreMeta,
    progress: &dyn Fn(u64, u64),
) -> Result<(Scanned, StoreOutcome), ImportServiceError> {
    import_reader(conn, bytes, Some(bytes.len() as u64), opts, meta, progress)
}

/// Reads a file on disk without keeping it: the summary and ads of a dry run.
pub fn scan_file(path: &Path, opts: &ImportOptions) -> Result<Scanned, ImportServiceError> {
    let file = std::fs::File::open(path).map_err(parser::ImportError::Read)?;
    parser::scan(file, opts, |_| Ok::<(), std::convert::Infallible>(())).map_err(|e| match e {
        parser::ScanError::Import(e) => ImportServiceError::Parse(e),
        parser::ScanError::Sink(never) => match never {},
    })
}

/// Stores a file on disk while reading it (see [`import_reader`]); its sha256 is computed on the
/// way.
pub fn import_file(
    conn: &mut DbConn<'_>,
    path: &Path,
    opts: &ImportOptions,
    filename: &str,
    workspace: WorkspaceId,
    user_id: Option<i32>,
) -> Result<(Scanned, StoreOutcome), ImportServiceError> {
    let file = std::fs::File::open(path).map_err(parser::ImportError::Read)?;
    let size = file.metadata().ok().map(|m| m.len());
    let meta =
        StoreMeta { sha256: String::new(), filename: filename.to_owned(), user_id, workspace };
    import_reader(conn, file, size, opts, &meta, &|_, _| {})
}

/// Fills `summary.unmapped_ads` of a scanned file, as [`fill_unmapped`] does for a parsed one.
pub fn fill_unmapped_scanned(
    conn: &mut DbConn<'_>,
    ws: WorkspaceId,
    scanned: &mut Scanned,
) -> Result<(), ImportServiceError> {
    let mapped: HashSet<String> =
        ad_mappings::mapped_ad_ids(conn, ws, scanned.platform.as_str())?.into_iter().collect();
    scanned.fill_unmapped(|ad| ad.variant_code.is_some() || mapped.contains(ad.ad_id));
    Ok(())
}

/// The creatives of the file's mapped ads now sum differently on the file's days.
pub(crate) fn refresh_rollup(
    conn: &mut DbConn<'_>,
    platform: Platform,
    ads: &[AdRef<'_>],
    days: (chrono::NaiveDate, chrono::NaiveDate),
) -> Result<(), ImportServiceError> {
    let creatives =
        creative_days::creatives_of_ads(conn, platform.as_str(), ads.iter().map(|a| a.ad_id))?;
    creative_days::refresh(conn, &creatives, Some(days))?;
    Ok(())
}

/// Maps every ad whose name carries the code of an existing variant of workspace `ws`, unless
/// already mapped.
pub(crate) fn map_codes(
    conn: &mut DbConn<'_>,
    ws: WorkspaceId,
    platform: Platform,
    ads: &[AdRef<'_>],
) -> Result<usize, ImportServiceError> {
    let platform = platform.as_str();
    let now = crate::db::now();
    let mut mapped = 0;
    for ad in ads {
        let Some(code) = ad.variant_code else { continue };
        let Some((variant_id, master_id)) = ad_mappings::variant_by_code(conn, ws, code)? else {
            continue;
        };
        let new = ad_mappings::NewAdMapping {
            platform,
            ad_id: ad.ad_id,
            master_id,
            variant_id,
            mapped_by: "code",
            created_at: now,
        };
        if ad_mappings::insert_if_absent(conn, &new)? {
            mapped += 1;
        }
    }
    Ok(mapped)
}
