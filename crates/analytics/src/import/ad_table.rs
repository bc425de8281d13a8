//! The scan's table of distinct ads: each ad once, in first-seen order, with the labels of its
//! latest day and the days it has rows on. The days find a duplicate (ad, day) as soon as its
//! second row is read, whichever blocks the two rows are in, so that no batch handed to storage
//! ever holds one (PostgreSQL refuses to upsert the same key twice in a statement).

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use chrono::NaiveDate;
use polars_core::prelude::{InitHashMaps, PlHashMap};

use super::chunk::ATTRIBUTES;
use super::row::{AdLabels, CanonicalRow, RowValues, Text};

/// One distinct ad of a scanned file.
#[derive(Debug, Clone, PartialEq)]
pub struct ScannedAd {
    /// Ad ID, exactly as exported.
    pub ad_id: Text,
    /// The ad name on the ad's first row, where a variant code is looked for.
    pub first_name: Option<Text>,
    /// The labels of the ad's latest day (its first row of that day): names change over an ad's
    /// life, and the latest are the ones to show.
    pub labels: AdLabels,
    /// That day; `None` only in a rejected file.
    pub labels_from: Option<NaiveDate>,
}

/// The days one ad has rows on, each with the line of its first row.
#[derive(Default)]
struct Days {
    /// Ascending, while the file lists the ad's days in order (exports do).
    sorted: Vec<(NaiveDate, u32)>,
    /// Every day, once the file went back in time for this ad.
    scattered: Option<BTreeMap<NaiveDate, u32>>,
}

/// A line as stored in [`Days`]; a file of four billion lines is no export, so saturating is fine.
fn short(line: usize) -> u32 {
    u32::try_from(line).unwrap_or(u32::MAX)
}

impl Days {
    /// Records `day` on `line`; returns the line of the day's first row if it already had one.
    fn record(&mut self, day: NaiveDate, line: usize) -> Option<usize> {
        if let Some(map) = &mut self.scattered {
            return match map.entry(day) {
                Entry::Occupied(first) => Some(*first.get() as usize),
                Entry::Vacant(slot) => {
                    slot.insert(short(line));
                    None
                }
            };
        }
        if self.sorted.last().is_none_or(|&(last, _)| day > last) {
            self.sorted.push((day, short(line)));
            return None;
        }
        match self.sorted.binary_search_by_key(&day, |&(d, _)| d) {
            Ok(i) => Some(self.sorted[i].1 as usize),
            Err(_) => {
                let mut map: BTreeMap<NaiveDate, u32> =
                    std::mem::take(&mut self.sorted).into_iter().collect();
                map.insert(day, short(line));
                self.scattered = Some(map);
                None
            }
        }
    }
}

/// The distinct ads seen so far.
#[derive(Default)]
pub(crate) struct AdTable {
    pub ads: Vec<ScannedAd>,
    index: PlHashMap<Text, usize>,
    days: Vec<Days>,
}

impl AdTable {
    pub fn new() -> Self {
        Self { ads: Vec::new(), index: PlHashMap::new(), days: Vec::new() }
    }

    /// The index of ad `id`, adding it (with the name of its first row) when new.
    pub fn intern(&mut self, id: &str, first_name: impl FnOnce() -> Option<Text>) -> usize {
        if let Some(&i) = self.index.get(id) {
            return i;
        }
        let ad_id = Text::from(id);
        self.index.insert(ad_id.clone(), self.ads.len());
        self.ads.push(ScannedAd {
            ad_id,
            first_name: first_name(),
            labels: AdLabels::default(),
            labels_from: None,
        });
        self.days.push(Days::default());
        self.ads.len() - 1
    }

    /// Records that ad `i` has a row on `day` at `line`; returns the line of an earlier row of the
    /// same ad and day.
    pub fn record_day(&mut self, i: usize, day: NaiveDate, line: usize) -> Option<usize> {
        self.days.get_mut(i).and_then(|d| d.record(day, line))
    }

    /// Takes `cells` as ad `i`'s labels if `day` is later than the day they are from. Texts that
    /// did not change are kept, not copied again.
    pub fn relabel(&mut self, i: usize, day: NaiveDate, cells: [Option<&str>; ATTRIBUTES]) {
        let Some(ad) = self.ads.get_mut(i) else { return };
        if ad.labels_from.is_some_and(|from| from >= day) {
            return;
        }
        ad.labels_from = Some(day);
        let AdLabels { account_id, campaign_id, campaign_name, adset_id, adset_name, ad_name } =
            &mut ad.labels;
        let slots = [account_id, campaign_id, campaign_name, adset_id, adset_name, ad_name];
        for (slot, cell) in slots.into_iter().zip(cells) {
            if slot.as_deref() != cell {
                *slot = cell.map(Text::from);
            }
        }
    }
}

/// The ad table and the row values of rows collected by [`super::parse`], for a caller that
/// parsed first and stores later.
pub(crate) fn table_of(rows: &[CanonicalRow]) -> (Vec<ScannedAd>, Vec<RowValues>) {
    let mut table = AdTable::new();
    let values = rows
        .iter()
        .map(|r| {
            let ad = table.intern(&r.ad_id, || r.ad_name.clone());
            let cells = [
                &r.account_id,
                &r.campaign_id,
                &r.campaign_name,
                &r.adset_id,
                &r.adset_name,
                &r.ad_name,
            ]
            .map(|c| c.as_deref());
            table.relabel(ad, r.date, cells);
            RowValues {
                ad,
                line: r.line,
                date: r.date,
                impressions: r.impressions,
                clicks: r.clicks,
                clicks_all: r.clicks_all,
                spend: r.spend,
                conversions: r.conversions,
                conversion_value: r.conversion_value,
            }
        })
        .collect();
    (table.ads, values)
}
