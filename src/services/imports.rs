//! Importing ad-platform performance exports: parse (pure, in `analytics::import`), then store
//! every row in one transaction (each ad once in `ads`, its rows upserted on `(ad, date)`), and map
//! ads whose name carries a variant code.
//!
//! Parsing runs polars, so callers on an async runtime must call these functions from
//! `web::block` or a plain thread (polars' `collect` panics on an actix worker). Web imports run
//! as jobs (`crate::services::import_jobs`), in the worker processes.

use std::collections::HashMap;
use std::collections::HashSet;

use analytics::import::{self as parser, ImportOptions, ParsedImport, Platform};

use crate::db::ads::{self, NewAd};
use crate::db::imports::{self, Import, NewImport};
use crate::db::performance_rows::{self, NewPerformanceRow};
use crate::db::{DbConn, DbError, ad_mappings, creative_days};

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
}

/// What [`store`] did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StoreOutcome {
    /// The recorded import, counts included.
    pub import: Import,
    /// Ads newly mapped to a variant through a code in their name.
    pub mapped_by_code: usize,
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
    parsed: &mut ParsedImport,
) -> Result<(), ImportServiceError> {
    let mapped: HashSet<String> =
        ad_mappings::mapped_ad_ids(conn, parsed.platform.as_str())?.into_iter().collect();
    parsed.fill_unmapped(|ad| ad.variant_code.is_some() || mapped.contains(ad.ad_id));
    Ok(())
}

/// Stores a parsed import in ONE transaction: the `imports` row, every performance row
/// (multi-row upserts sized under the bound-parameter limit), code mappings and the
/// `creative_days` rollup of the mapped ads' creatives. Any failure rolls everything back. `progress(done, total)` is called after each batch.
pub fn store(
    conn: &mut DbConn<'_>,
    parsed: &ParsedImport,
    meta: &StoreMeta,
    progress: &dyn Fn(u64, u64),
) -> Result<StoreOutcome, ImportServiceError> {
    let total = parsed.rows.len();
    let row_count = i32::try_from(total).map_err(|_| ImportServiceError::TooLarge(total))?;
    let ad_count =
        i32::try_from(parsed.summary.ads).map_err(|_| ImportServiceError::TooLarge(total))?;
    let platform = parsed.platform.as_str();
    let currency = parsed.currency.as_ref().map(|c| c.as_str().to_owned());
    let batch = performance_rows::batch_rows(conn.backend());
    conn.transaction(|tx| {
        let new = NewImport {
            sha256: &meta.sha256,
            platform,
            filename: &meta.filename,
            row_count,
            ad_count,
            inserted_count: 0,
            updated_count: 0,
            currency: currency.as_deref(),
            date_min: Some(parsed.summary.date_min),
            date_max: Some(parsed.summary.date_max),
            user_id: meta.user_id,
            created_at: crate::db::now(),
        };
        let import = imports::insert(tx, &new)?;
        // Rows before and after tell new rows from replaced ones; the transaction holds the write
        // lock, so no one else changes the count in between.
        let before = performance_rows::count(tx)?;
        let keys = ads::upsert(tx, &latest_ad_labels(parsed, currency.as_deref()))?;
        let rows = keyed_rows(parsed, &keys, import.id)?;
        let mut done = 0u64;
        for chunk in rows.chunks(batch) {
            performance_rows::upsert_batch(tx, chunk)?;
            done += chunk.len() as u64;
            progress(done, total as u64);
        }
        let after = performance_rows::count(tx)?;
        let inserted = i32::try_from(after - before).unwrap_or(row_count);
        let import = imports::set_counts(tx, import.id, inserted, row_count - inserted)?;
        let mapped_by_code = map_codes(tx, parsed)?;
        // The rows' creatives now sum differently on the file's days.
        let ads = parsed.ads();
        let creatives = creative_days::creatives_of_ads(tx, platform, ads.iter().map(|a| a.ad_id))?;
        let days = (parsed.summary.date_min, parsed.summary.date_max);
        creative_days::refresh(tx, &creatives, Some(days))?;
        Ok(StoreOutcome { import, mapped_by_code })
    })
}

/// Each ad of the file once, labelled as on its latest day (names change over an ad's life).
fn latest_ad_labels<'a>(
    parsed: &'a ParsedImport,
    file_currency: Option<&'a str>,
) -> Vec<NewAd<'a>> {
    let mut latest: HashMap<&str, &parser::CanonicalRow> = HashMap::new();
    for row in &parsed.rows {
        let slot = latest.entry(&row.ad_id).or_insert(row);
        if row.date > slot.date {
            *slot = row;
        }
    }
    let mut ads: Vec<NewAd<'a>> = latest
        .into_values()
        .map(|r| NewAd {
            platform: parsed.platform.as_str(),
            ad_id: &r.ad_id,
            ad_name: r.ad_name.as_deref(),
            account_id: r.account_id.as_deref(),
            currency: r.currency.as_ref().map(|c| c.as_str()).or(file_currency),
            campaign_id: r.campaign_id.as_deref(),
            campaign_name: r.campaign_name.as_deref(),
            adset_id: r.adset_id.as_deref(),
            adset_name: r.adset_name.as_deref(),
            labels_from: r.date,
        })
        .collect();
    // New ads get their keys in ad-ID order, whatever order the export listed them in.
    ads.sort_unstable_by(|a, b| a.ad_id.cmp(b.ad_id));
    ads
}

/// The file's rows with their ad keys, sorted by `(ad_key, date)`: in key order each insert lands
/// beside the previous one, which made a 1M-row SQLite import about twice as fast as file order
/// (exports list rows day by day, which scatters them over every ad's part of the table).
fn keyed_rows(
    parsed: &ParsedImport,
    keys: &HashMap<String, i32>,
    import_id: i32,
) -> Result<Vec<NewPerformanceRow>, ImportServiceError> {
    let mut rows = Vec::with_capacity(parsed.rows.len());
    for r in &parsed.rows {
        let ad_key = *keys.get(r.ad_id.as_str()).ok_or_else(|| {
            diesel::result::Error::QueryBuilderError(
                format!("ad {} got no key from the ads upsert", r.ad_id.as_str()).into(),
            )
        })?;
        rows.push(NewPerformanceRow {
            ad_key,
            date: r.date,
            impressions: r.impressions.unwrap_or(0),
            clicks: r.clicks.unwrap_or(0),
            clicks_all: r.clicks_all,
            spend_micros: r.spend.map_or(0, parser::Money::micros),
            conversions: r.conversions.unwrap_or(0.0),
            conversion_value: r.conversion_value.map_or(0.0, parser::Money::as_f64),
            source_import_id: import_id,
        });
    }
    rows.sort_unstable_by_key(|r| (r.ad_key, r.date));
    Ok(rows)
}

/// Maps every ad whose name carries the code of an existing variant, unless already mapped.
fn map_codes(conn: &mut DbConn<'_>, parsed: &ParsedImport) -> Result<usize, ImportServiceError> {
    let platform = parsed.platform.as_str();
    let now = crate::db::now();
    let mut mapped = 0;
    for ad in parsed.ads() {
        let Some(code) = ad.variant_code else { continue };
        let Some((variant_id, master_id)) = ad_mappings::variant_by_code(conn, code)? else {
            continue;
        };
        let new = ad_mappings::NewAdMapping {
            platform,
            ad_id: ad.ad_id,
            master_id,
            variant_id: Some(variant_id),
            mapped_by: "code",
            created_at: now,
        };
        if ad_mappings::insert_if_absent(conn, &new)? {
            mapped += 1;
        }
    }
    Ok(mapped)
}
