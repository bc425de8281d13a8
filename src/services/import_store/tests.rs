//! Storing while parsing: late rejections roll back, re-imports update, `store` takes the same path.

use std::cell::Cell;

use super::*;
use crate::db::{DbError, DbPool, workspaces};

/// A Meta export of `rows` rows over 100 ads, with long ad names so that a few tens of
/// thousands of rows fill more than one of the parser's 4 MiB blocks.
fn export(rows: usize, bad_last_line: bool) -> String {
    let name = "x".repeat(100);
    let mut csv = String::from("Day,Ad ID,Ad name,Impressions,Link clicks,Amount spent (EUR)\n");
    let start = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
    for i in 0..rows {
        let day = start + chrono::Days::new((i / 100) as u64);
        csv.push_str(&format!("{day},{},Ad {name},10,1,1.50\n", 1000 + i % 100));
    }
    if bad_last_line {
        csv.push_str("2030-01-01,1000,Ad,oops,1,1.00\n");
    }
    csv
}

fn stored(pool: &DbPool) -> (i64, i64) {
    pool.run(|c| Ok::<_, DbError>((performance_rows::count(c)?, imports::count(c)?))).unwrap()
}

#[test]
fn rows_written_before_a_bad_last_line_are_rolled_back() {
    let dir = tempfile::tempdir().unwrap();
    let pool = DbPool::open(&dir.path().join("t.sqlite3").to_string_lossy(), 1).unwrap();
    pool.migrate().unwrap();
    let workspace = pool.run(|c| workspaces::default(c).map_err(DbError::from)).unwrap();
    let meta =
        StoreMeta { sha256: String::new(), filename: "x.csv".into(), user_id: None, workspace };
    let opts = ImportOptions::default();
    let written = Cell::new(0u64);
    let progress = |done: u64, _total: u64| written.set(done);
    let rows = 40_000;

    let bad = export(rows, true);
    assert!(bad.len() > (4 << 20) + 100_000, "the file spans two of the parser's blocks");
    let err =
        pool.run(|c| import_reader(c, bad.as_bytes(), None, &opts, &meta, &progress)).unwrap_err();
    assert!(matches!(err, ImportServiceError::Parse(_)), "{err}");
    assert!(written.get() > 0, "rows of the first block were written before the bad line");
    assert_eq!(stored(&pool), (0, 0), "and rolled back with it");

    let good = export(rows, false);
    let size = Some(good.len() as u64);
    let (scanned, first) =
        pool.run(|c| import_reader(c, good.as_bytes(), size, &opts, &meta, &progress)).unwrap();
    assert_eq!((scanned.summary.rows, scanned.summary.ads), (rows, 100));
    assert_eq!((first.import.inserted_count, first.import.updated_count), (40_000, 0));
    assert_eq!(first.import.sha256, hex::encode(Sha256::digest(good.as_bytes())));
    assert_eq!(written.get(), rows as u64);
    let (_, again) =
        pool.run(|c| import_reader(c, good.as_bytes(), size, &opts, &meta, &progress)).unwrap();
    assert_eq!((again.import.inserted_count, again.import.updated_count), (0, 40_000));
    assert_eq!(stored(&pool), (40_000, 2));

    // A file parsed first and stored later goes through the same writer.
    let parsed = crate::services::imports::parse(good.as_bytes(), &opts).unwrap();
    let meta = StoreMeta { sha256: "ab".repeat(32), ..meta };
    let third =
        pool.run(|c| crate::services::imports::store(c, &parsed, &meta, &progress)).unwrap();
    assert_eq!((third.import.inserted_count, third.import.updated_count), (0, 40_000));
    assert_eq!((third.import.row_count, third.import.ad_count), (40_000, 100));
    assert_eq!(third.import.sha256, "ab".repeat(32));
    assert_eq!(stored(&pool), (40_000, 3));
}
