//! Storing an export while it is read. The parser hands over each block's valid rows and the
//! rows go to the database inside the import's one transaction, so memory holds a batch, not the
//! file; a file rejected on a later line rolls back what was written. Each ad is keyed in `ads`
//! when it first appears and relabelled at the end if a later day renamed it.

use std::collections::HashMap;
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use analytics::import::{
    self as parser, Batch, Currency, ImportOptions, RowValues, ScanError, Scanned, ScannedAd,
};
use sha2::{Digest, Sha256};

use super::imports::{ImportServiceError, StoreMeta, StoreOutcome, map_codes, refresh_rollup};
use crate::db::ads::{self, NewAd};
use crate::db::imports::{self, ImportFacts, NewImport};
use crate::db::performance_rows::{self, NewPerformanceRow};
use crate::db::{Backend, DbConn};

/// Rows kept before they are sorted by key and written. Bigger batches put more inserts next to
/// their neighbours (an export lists every ad's day N, then every ad's day N+1); this many keeps
/// SQLite near its sorted-file speed in 12 MB. Unit tests flush early, to write before a later
/// block fails.
fn flush_rows(backend: Backend) -> usize {
    if cfg!(test) {
        return 1_000;
    }
    match backend {
        Backend::Sqlite => 200_000,
        Backend::Postgres => 100_000,
    }
}

/// Writes the batches of one import.
pub(crate) struct RowWriter<'p> {
    import_id: Option<i32>,
    meta: &'p StoreMeta,
    platform: &'static str,
    /// Key in `ads` of each scanned ad, by its index in the scan's ad table.
    keys: Vec<i32>,
    /// Day and currency of the labels each ad was keyed with.
    keyed_with: Vec<(Option<chrono::NaiveDate>, Option<Currency>)>,
    pending: Vec<NewPerformanceRow>,
    flush_at: usize,
    written: u64,
    /// Rows in the table before the import, to tell new rows from replaced ones.
    before: i64,
    progress: &'p dyn Fn(u64) -> (u64, u64),
    report: &'p dyn Fn(u64, u64),
}

fn new_ad<'a>(platform: &'a str, ad: &'a ScannedAd, currency: Option<&'a str>) -> NewAd<'a> {
    let l = &ad.labels;
    NewAd {
        platform,
        ad_id: &ad.ad_id,
        ad_name: l.ad_name.as_deref(),
        account_id: l.account_id.as_deref(),
        currency,
        campaign_id: l.campaign_id.as_deref(),
        campaign_name: l.campaign_name.as_deref(),
        adset_id: l.adset_id.as_deref(),
        adset_name: l.adset_name.as_deref(),
        labels_from: ad.labels_from.unwrap_or_default(),
    }
}

/// Upserts `which` ads (indexes into `all`) in ad-ID order and returns their keys in `which` order.
fn upsert_ads(
    tx: &mut DbConn<'_>,
    platform: &str,
    all: &[ScannedAd],
    which: &[usize],
    currency: Option<Currency>,
) -> Result<Vec<i32>, ImportServiceError> {
    let code = currency.as_ref().map(Currency::as_str);
    let mut new: Vec<NewAd<'_>> = which.iter().map(|&i| new_ad(platform, &all[i], code)).collect();
    // New ads get their keys in ad-ID order, whatever order the export listed them in.
    new.sort_unstable_by(|a, b| a.ad_id.cmp(b.ad_id));
    let keys: HashMap<String, i32> = ads::upsert(tx, &new)?;
    which
        .iter()
        .map(|&i| {
            keys.get(all[i].ad_id.as_str()).copied().ok_or_else(|| {
                diesel::result::Error::QueryBuilderError(
                    format!("ad {} got no key from the ads upsert", all[i].ad_id).into(),
                )
                .into()
            })
        })
        .collect()
}

impl<'p> RowWriter<'p> {
    pub fn new(
        tx: &mut DbConn<'_>,
        meta: &'p StoreMeta,
        progress: &'p dyn Fn(u64) -> (u64, u64),
        report: &'p dyn Fn(u64, u64),
    ) -> Result<Self, ImportServiceError> {
        Ok(Self {
            import_id: None,
            meta,
            platform: "",
            keys: Vec::new(),
            keyed_with: Vec::new(),
            pending: Vec::new(),
            flush_at: flush_rows(tx.backend()),
            written: 0,
            before: performance_rows::count(tx)?,
            progress,
            report,
        })
    }

    /// Records the import on the first batch (the rows refer to it) and returns its id.
    fn import_id(
        &mut self,
        tx: &mut DbConn<'_>,
        platform: parser::Platform,
    ) -> Result<i32, ImportServiceError> {
        if let Some(id) = self.import_id {
            return Ok(id);
        }
        self.platform = platform.as_str();
        // Counts, currency and dates are known at the end; `finish` sets them.
        let new = NewImport {
            sha256: &self.meta.sha256,
            platform: self.platform,
            filename: &self.meta.filename,
            row_count: 0,
            ad_count: 0,
            inserted_count: 0,
            updated_count: 0,
            currency: None,
            date_min: None,
            date_max: None,
            user_id: self.meta.user_id,
            created_at: crate::db::now(),
            workspace_id: self.meta.workspace.0,
        };
        let id = imports::insert(tx, &new)?.id;
        self.import_id = Some(id);
        Ok(id)
    }

    /// Takes one batch: keys its new ads, then queues its rows.
    pub fn add(&mut self, tx: &mut DbConn<'_>, batch: Batch<'_>) -> Result<(), ImportServiceError> {
        let import_id = self.import_id(tx, batch.platform)?;
        if batch.ads.len() > self.keys.len() {
            let new: Vec<usize> = (self.keys.len()..batch.ads.len()).collect();
            let keys = upsert_ads(tx, self.platform, batch.ads, &new, batch.currency)?;
            self.keys.extend(keys);
            self.keyed_with.extend(new.iter().map(|&i| (batch.ads[i].labels_from, batch.currency)));
        }
        self.pending.reserve(batch.rows.len());
        for r in batch.rows {
            self.pending.push(NewPerformanceRow {
                ad_key: self.keys[r.ad],
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
        if self.pending.len() >= self.flush_at {
            self.flush(tx)?;
        }
        Ok(())
    }

    /// Writes the queued rows in `(ad_key, date)` order: each insert lands beside the previous
    /// one, which made a 1M-row SQLite import about twice as fast as file order.
    fn flush(&mut self, tx: &mut DbConn<'_>) -> Result<(), ImportServiceError> {
        self.pending.sort_unstable_by_key(|r| (r.ad_key, r.date));
        for chunk in self.pending.chunks(performance_rows::batch_rows(tx.backend())) {
            performance_rows::upsert_batch(tx, chunk)?;
            self.written += chunk.len() as u64;
            let (done, total) = (self.progress)(self.written);
            (self.report)(done, total);
        }
        self.pending.clear();
        Ok(())
    }

    /// Writes what is queued, relabels the ads a later day renamed and records the counts and
    /// the file's `sha256`.
    pub fn finish(
        mut self,
        tx: &mut DbConn<'_>,
        scanned: &Scanned,
        sha256: &str,
    ) -> Result<StoreOutcome, ImportServiceError> {
        let import_id = self.import_id(tx, scanned.platform)?;
        self.flush(tx)?;
        let stale: Vec<usize> = (0..self.keyed_with.len().min(scanned.ads.len()))
            .filter(|&i| self.keyed_with[i] != (scanned.ads[i].labels_from, scanned.currency))
            .collect();
        if !stale.is_empty() {
            upsert_ads(tx, self.platform, &scanned.ads, &stale, scanned.currency)?;
        }
        let summary = &scanned.summary;
        let too_large = || ImportServiceError::TooLarge(summary.rows);
        let row_count = i32::try_from(summary.rows).map_err(|_| too_large())?;
        let after = performance_rows::count(tx)?;
        let inserted = i32::try_from(after - self.before).unwrap_or(row_count);
        let facts = ImportFacts {
            row_count,
            ad_count: i32::try_from(summary.ads).map_err(|_| too_large())?,
            inserted_count: inserted,
            updated_count: row_count - inserted,
            currency: scanned.currency.as_ref().map(Currency::as_str),
            date_min: Some(summary.date_min),
            date_max: Some(summary.date_max),
            sha256,
        };
        let import = imports::set_facts(tx, import_id, &facts)?;
        let refs = scanned.ad_refs();
        let mapped_by_code = map_codes(tx, self.meta.workspace, scanned.platform, &refs)?;
        refresh_rollup(tx, scanned.platform, &refs, (summary.date_min, summary.date_max))?;
        (self.report)(self.written, self.written);
        Ok(StoreOutcome { import, mapped_by_code })
    }
}

/// Counts the bytes read (to estimate the progress of a file of known size) and hashes them
/// when the caller has no sha256 yet.
struct Counted<R> {
    inner: R,
    read: Arc<AtomicU64>,
    hasher: Option<Arc<Mutex<Sha256>>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        if let Some(h) = &self.hasher
            && let Ok(mut h) = h.lock()
        {
            h.update(&buf[..n]);
        }
        Ok(n)
    }
}

/// A batch as the parsing thread sends it to the database thread: owned, with the ads that are
/// new since the previous batch.
struct Sent {
    platform: parser::Platform,
    rows: Vec<RowValues>,
    new_ads: Vec<ScannedAd>,
    currency: Option<Currency>,
}

/// Blocks the parser may run ahead of the database: about 20 MB, enough to keep it busy while
/// the database thread writes a flush.
const QUEUE_BATCHES: usize = 8;

/// The database thread stopped taking batches (its own error says why).
#[derive(Debug, thiserror::Error)]
#[error("the database side of the import stopped")]
struct Stopped;

/// Parses `source` (`size` bytes, when known) and stores its rows in ONE transaction while it is
/// read: the `imports` row, the ads, every performance row, code mappings and the `creative_days`
/// rollup. Any failure, a bad row on the last line included, rolls everything back.
///
/// The parser runs on its own thread, a few blocks ahead of the connection's thread, so parsing
/// and writing overlap. `progress(done, total)` follows each written batch; `total` is estimated
/// from the bytes read until the end. An empty `meta.sha256` is computed from the bytes as they
/// are read.
pub fn import_reader(
    conn: &mut DbConn<'_>,
    source: impl Read + Send,
    size: Option<u64>,
    opts: &ImportOptions,
    meta: &StoreMeta,
    progress: &dyn Fn(u64, u64),
) -> Result<(Scanned, StoreOutcome), ImportServiceError> {
    let read = Arc::new(AtomicU64::new(0));
    let hasher = meta.sha256.is_empty().then(|| Arc::new(Mutex::new(Sha256::new())));
    let source = Counted { inner: source, read: read.clone(), hasher: hasher.clone() };
    let estimate = |done: u64| {
        let read = read.load(Ordering::Relaxed).max(1);
        let total = size
            .map_or(done, |size| (u128::from(done) * u128::from(size) / u128::from(read)) as u64);
        (done, total.max(done))
    };
    // The rows' parents (their ads and this import) are written by this transaction itself.
    crate::db::without_foreign_key_checks(conn, |conn| {
        conn.transaction(|tx| {
            let mut writer = RowWriter::new(tx, meta, &estimate, progress)?;
            let (send, receive) = std::sync::mpsc::sync_channel::<Sent>(QUEUE_BATCHES);
            let (scanned, stored) = std::thread::scope(|s| {
                let parsing = s.spawn(move || {
                    let mut sent_ads = 0;
                    parser::scan(source, opts, |batch| {
                        let new_ads = batch.ads[sent_ads..].to_vec();
                        sent_ads = batch.ads.len();
                        let rows = batch.rows.to_vec();
                        let sent = Sent {
                            platform: batch.platform,
                            rows,
                            new_ads,
                            currency: batch.currency,
                        };
                        send.send(sent).map_err(|_| Stopped)
                    })
                });
                let mut ads: Vec<ScannedAd> = Vec::new();
                let stored = receive.iter().try_for_each(|sent| {
                    ads.extend(sent.new_ads);
                    let batch = Batch {
                        platform: sent.platform,
                        rows: &sent.rows,
                        ads: &ads,
                        currency: sent.currency,
                    };
                    writer.add(tx, batch)
                });
                // On a database error the parser finds the channel closed and stops.
                drop(receive);
                let scanned = parsing.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
                (scanned, stored)
            });
            stored?;
            let scanned = scanned.map_err(|e| match e {
                ScanError::Import(e) => ImportServiceError::Parse(e),
                ScanError::Sink(Stopped) => {
                    ImportServiceError::Db(diesel::result::Error::RollbackTransaction)
                }
            })?;
            let sha256 = match &hasher {
                Some(h) => {
                    let digest = h.lock().map(|mut h| std::mem::take(&mut *h).finalize());
                    digest.map(hex::encode).unwrap_or_default()
                }
                None => meta.sha256.clone(),
            };
            let outcome = writer.finish(tx, &scanned, &sha256)?;
            Ok((scanned, outcome))
        })
    })
}

#[cfg(test)]
mod tests;
