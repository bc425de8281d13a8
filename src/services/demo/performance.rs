//! The demo's generated Meta exports (ads with lasting differences, shared day shocks, daily noise),
//! imported through the real importer.

use std::fmt::Write as _;

use chrono::{Days, NaiveDate};

use super::{DAYS, DemoError};
use crate::db::demo_records::{self, DemoRecordKind};
use crate::db::workspaces::WorkspaceId;
use crate::jobs::WorkerContext;
use crate::services::imports as import_service;

/// Ads per arm of the first experiment: enough for the ad-clustered analysis to hold α (the A/A
/// grid's threshold is 4).
pub(super) const ADS_PER_ARM: usize = 6;

/// The platform ID of ad `k` of arm `arm` (arm 0 is the first campaign's control).
pub(super) fn ad_id(arm: usize, k: usize) -> String {
    format!("1202100000{arm:02}{k:06}")
}

/// One arm of a generated campaign.
pub(super) struct Arm {
    /// Its ads' name: `{name} #k` (each name carries the arm's code, or none for a control the
    /// demo maps by hand).
    pub name: String,
    /// Relative CTR effect the data give the arm.
    pub ctr_effect: f64,
}

/// One generated campaign: one export file.
pub(super) struct Campaign<'a> {
    pub name: &'a str,
    pub id: &'a str,
    /// The arm number of its first arm in [`ad_id`], so that campaigns never share an ad.
    pub first_arm: usize,
    /// The generator's seed: the data are the same on every machine.
    pub seed: u64,
    pub ads_per_arm: usize,
    pub start: NaiveDate,
}

/// A Meta "Export table data" CSV with a daily breakdown: the campaign's ads per arm over [`DAYS`]
/// days. Like real ads, each ad keeps its own CTR for its whole life (lognormal, CV 5 %) and its own
/// volume, days shock every ad alike, and daily CTR wobbles.
pub(super) fn generated_meta_csv(campaign: &Campaign<'_>, arms: &[Arm]) -> String {
    let mut rng = SplitMix(campaign.seed);
    let mut out = String::from(
        "\u{feff}Day,Campaign name,Campaign ID,Ad set name,Ad set ID,Ad name,Ad ID,Impressions,Link clicks,\
         Amount spent (USD),Purchases,Purchases conversion value\n",
    );
    // (name, id, arm effect × the ad's own lasting CTR factor, the ad's volume factor)
    let mut ads: Vec<(String, String, f64, f64)> = Vec::new();
    for (i, arm) in arms.iter().enumerate() {
        // Each arm gets the same budget (the planned split), shared unevenly by its ads.
        let n = campaign.ads_per_arm;
        let volumes: Vec<f64> = (0..n).map(|_| (0.4 * rng.normal()).exp()).collect();
        let mean_volume = volumes.iter().sum::<f64>() / n as f64;
        for (k, volume) in volumes.iter().enumerate() {
            let own_ctr = (0.05 * rng.normal() - 0.00125).exp();
            let own_volume = volume / mean_volume;
            let name = format!("{} #{}", arm.name, k + 1);
            let id = ad_id(campaign.first_arm + i, k);
            ads.push((name, id, (1.0 + arm.ctr_effect) * own_ctr, own_volume));
        }
    }
    let (campaign_name, campaign_id, start) = (campaign.name, campaign.id, campaign.start);
    for day in 0..DAYS {
        let date = start.checked_add_days(Days::new(day)).unwrap_or(start);
        let day_factor = 0.85 + 0.3 * rng.next_f64();
        for (name, id, ctr_factor, volume) in &ads {
            let impressions = ((3_000.0 + rng.next_f64() * 1_000.0) * volume) as u64;
            let ctr = 0.018 * ctr_factor * day_factor * (0.9 + 0.2 * rng.next_f64());
            let clicks = (impressions as f64 * ctr).round() as u64;
            let purchases = (clicks as f64 * (0.035 + 0.02 * rng.next_f64())).round() as u64;
            let spend = impressions as f64 * 9.4 / 1000.0;
            let revenue = purchases as f64 * (36.0 + 8.0 * rng.next_f64());
            let _ = writeln!(
                out,
                "{date},{campaign_name},{campaign_id},Broad US,120201000000000001,\"{name}\",{id},\
                 {impressions},{clicks},{spend:.2},{purchases},{revenue:.2}"
            );
        }
    }
    out
}

/// Imports a generated export through the real importer and marks it as the demo's; returns its
/// rows.
pub(super) fn import_csv(
    ctx: &WorkerContext,
    ws: WorkspaceId,
    admin: i32,
    csv: &str,
    filename: &str,
) -> Result<usize, DemoError> {
    let parsed =
        import_service::parse(csv.as_bytes(), &analytics::import::ImportOptions::default())?;
    let sha256 = crate::blobs::BlobId::of(csv.as_bytes()).to_string();
    ctx.pool.run(|c| {
        let stored = import_service::store(
            c,
            &parsed,
            &import_service::StoreMeta {
                sha256: sha256.clone(),
                filename: filename.into(),
                user_id: Some(admin),
                workspace: ws,
            },
            &|_, _| {},
        )?;
        demo_records::mark(c, DemoRecordKind::Import, stored.import.id)?;
        Ok::<_, DemoError>(())
    })?;
    Ok(parsed.rows.len())
}

/// A tiny deterministic generator, so the demo data are the same on every machine.
struct SplitMix(u64);

impl SplitMix {
    fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A standard normal draw (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u = self.next_f64().max(f64::MIN_POSITIVE);
        let v = self.next_f64();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::demo::DAYS;

    #[test]
    fn generated_csv_parses_with_exact_rows_and_codes() {
        let arms: Vec<Arm> = ["", "LM-AAAA", "LM-BBBB", "LM-CCCC", "LM-DDDD-916"]
            .iter()
            .map(|code| Arm { name: format!("Espresso hero [{code}]"), ctr_effect: 0.1 })
            .collect();
        let campaign = Campaign {
            name: "Spring refresh",
            id: "120200000000000001",
            first_arm: 5,
            seed: 1,
            ads_per_arm: ADS_PER_ARM,
            start: NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
        };
        let csv = generated_meta_csv(&campaign, &arms);
        let parsed =
            analytics::import::parse(csv.as_bytes(), &analytics::import::ImportOptions::default())
                .unwrap();
        assert_eq!(parsed.rows.len(), (DAYS as usize) * 5 * ADS_PER_ARM);
        assert_eq!(parsed.summary.ads, 5 * ADS_PER_ARM);
        assert_eq!(
            parsed.summary.currency.as_ref().map(|c| c.as_str().to_string()),
            Some("USD".to_string())
        );
        assert!(csv.contains(&ad_id(9, ADS_PER_ARM - 1)) && !csv.contains(&ad_id(4, 0)));
        assert!(csv.contains("[LM-DDDD-916] #6"));
    }
}
