//! The demo's generated Meta export: ads with lasting differences, shared day shocks, daily noise.

use std::fmt::Write as _;

use chrono::{Days, NaiveDate};

use super::{DAYS, EDITS};

/// Ads per arm: enough for the ad-clustered analysis to hold α (the A/A grid's threshold is 4).
pub(super) const ADS_PER_ARM: usize = 6;

/// The platform ID of ad `k` of arm `arm` (arm 0 is the control).
pub(super) fn ad_id(arm: usize, k: usize) -> String {
    format!("1202100000{arm:02}{k:06}")
}

/// A Meta "Export table data" CSV with a daily breakdown: six control ads and six ads per variant
/// (named with its code, so the importer maps them). Like real ads, each ad keeps its own CTR for its
/// whole life (lognormal, CV 5 %) and its own volume, days shock every ad alike, and daily CTR wobbles.
pub(super) fn generated_meta_csv(start: NaiveDate, codes: &[String]) -> String {
    let mut rng = SplitMix(0x5eed_1234);
    let mut out = String::from(
        "\u{feff}Day,Campaign name,Campaign ID,Ad set name,Ad set ID,Ad name,Ad ID,Impressions,Link clicks,\
         Amount spent (USD),Purchases,Purchases conversion value\n",
    );
    // (name, id, arm effect × the ad's own lasting CTR factor, the ad's volume factor)
    let mut ads: Vec<(String, String, f64, f64)> = Vec::new();
    let arms = std::iter::once(("control".to_string(), None, 0.0)).chain(
        codes.iter().zip(EDITS.iter()).map(|(code, e)| {
            (format!("{} = {}", e.variable, e.value), Some(code.clone()), e.ctr_effect)
        }),
    );
    for (arm, (label, code, effect)) in arms.enumerate() {
        // Each arm gets the same budget (the planned split), shared unevenly by its ads.
        let volumes: Vec<f64> = (0..ADS_PER_ARM).map(|_| (0.4 * rng.normal()).exp()).collect();
        let mean_volume = volumes.iter().sum::<f64>() / ADS_PER_ARM as f64;
        for (k, volume) in volumes.iter().enumerate() {
            let own_ctr = (0.05 * rng.normal() - 0.00125).exp();
            let own_volume = volume / mean_volume;
            let name = match &code {
                Some(code) => format!("Espresso hero - {label} #{} [{code}]", k + 1),
                None => format!("Espresso hero - {label} #{}", k + 1),
            };
            ads.push((name, ad_id(arm, k), (1.0 + effect) * own_ctr, own_volume));
        }
    }
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
                "{date},Spring refresh,120200000000000001,Broad US,120201000000000001,\"{name}\",{id},\
                 {impressions},{clicks},{spend:.2},{purchases},{revenue:.2}"
            );
        }
    }
    out
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
    fn generated_csv_parses_with_exact_rows() {
        let codes: Vec<String> =
            ["LM-AAAA", "LM-BBBB", "LM-CCCC", "LM-DDDD"].iter().map(|s| s.to_string()).collect();
        let csv = generated_meta_csv(NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(), &codes);
        let parsed =
            analytics::import::parse(csv.as_bytes(), &analytics::import::ImportOptions::default())
                .unwrap();
        assert_eq!(parsed.rows.len(), (DAYS as usize) * 5 * ADS_PER_ARM);
        assert_eq!(parsed.summary.ads, 5 * ADS_PER_ARM);
        assert_eq!(
            parsed.summary.currency.as_ref().map(|c| c.as_str().to_string()),
            Some("USD".to_string())
        );
    }
}
