//! `liftmask bench import`: generates a Meta-style export and times parsing it, and importing it
//! into an empty table and again over itself. `scripts/bench-import.sh` compares the same file with
//! Polars from Python.

use std::io::Write;
use std::time::{Duration, Instant};

use analytics::import::ImportOptions;

use crate::db::{DbPool, workspaces};
use crate::services::imports;

/// Timings of one run.
#[derive(Debug, Clone)]
pub struct ImportBench {
    pub rows: usize,
    /// Size of the generated file.
    pub bytes: usize,
    /// Parsing only (what `import --dry-run` does).
    pub parse: Duration,
    /// Parsing and storing into an empty table (one transaction, rows stored as they are read).
    pub store: Duration,
    /// The same import again (every row an update).
    pub restore: Duration,
    /// Which database was written.
    pub database: String,
}

/// Errors of the benchmark.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// Temp files.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// Parsing or storing.
    #[error(transparent)]
    Import(#[from] imports::ImportServiceError),
    /// Opening the database.
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
}

/// A Meta "Export table data" file with `rows` ad × day rows (1 000 ads × consecutive days), 14
/// columns, with Meta's byte-order mark, quoted thousands and the currency in the spend header.
pub fn generate_meta_csv(rows: usize) -> Vec<u8> {
    let ads = rows.clamp(1, 1000);
    let mut out = Vec::with_capacity(rows * 150);
    out.extend_from_slice(
        "\u{feff}Campaign name,Campaign ID,Ad set name,Ad set ID,Ad name,Ad ID,Day,Impressions,Reach,Link clicks,Clicks (all),Amount spent (USD),Purchases,Purchases conversion value\n"
            .as_bytes(),
    );
    let start = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or_default();
    for i in 0..rows {
        let ad = i % ads;
        let day = start + chrono::Days::new((i / ads) as u64);
        let impressions = 1000 + (i * 7919) % 9000;
        let clicks = impressions / 50;
        // Writing to a Vec cannot fail.
        let _ = writeln!(
            out,
            "Campaign {c},1202123456789{c:05},Set {s},1202123456790{s:05},Ad {ad} | LM-{code:04X},1202123456791{ad:05},{day},\"{thousands},{units:03}\",{reach},{clicks},{all},{spend}.{cents:02},{conv},{value}.50",
            c = ad % 10,
            s = ad % 100,
            code = ad,
            thousands = impressions / 1000,
            units = impressions % 1000,
            reach = impressions * 8 / 10,
            all = clicks + 3,
            spend = impressions / 40,
            cents = i % 100,
            conv = clicks / 10,
            value = clicks * 3,
        );
    }
    out
}

/// Generates `rows` rows into a temporary file, times a dry run of it, then two imports into
/// `database_url` (a fresh SQLite file in a temp dir when `None`): into an empty table, then over
/// itself.
pub fn run(rows: usize, database_url: Option<&str>) -> Result<ImportBench, BenchError> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("meta.csv");
    let csv = generate_meta_csv(rows);
    std::fs::write(&path, &csv)?;
    let bytes = csv.len();
    drop(csv);
    let opts = ImportOptions::default();
    let t = Instant::now();
    let scanned = imports::scan_file(&path, &opts)?;
    let parse = t.elapsed();
    let url = database_url
        .map(str::to_owned)
        .unwrap_or_else(|| dir.path().join("bench.sqlite3").to_string_lossy().into_owned());
    let pool = DbPool::open(&url, 1)?;
    pool.migrate()?;
    let ws = pool.run(|c| workspaces::default(c).map_err(crate::db::DbError::from))?;
    let import = || -> Result<Duration, BenchError> {
        let t = Instant::now();
        pool.run(|c| imports::import_file(c, &path, &opts, "meta.csv", ws, None))?;
        Ok(t.elapsed())
    };
    let store = import()?;
    let restore = import()?;
    let database = match pool.backend() {
        crate::db::Backend::Sqlite => "sqlite".to_owned(),
        crate::db::Backend::Postgres => "postgres".to_owned(),
    };
    Ok(ImportBench { rows: scanned.summary.rows, bytes, parse, store, restore, database })
}
