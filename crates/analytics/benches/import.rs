//! Parse-only throughput of `analytics::import::parse` on a generated Meta export, next to
//! the floor set by polars reading the same text as all-string columns.
//!
//! Run: `cargo bench -p analytics --bench import` (release). Prints rows/s for the best and the
//! median of several runs. `IMPORT_BENCH_ROWS` overrides the row count (default 1,000,000).

#![allow(clippy::expect_used, clippy::unwrap_used, reason = "a test or bench binary fails loudly")]

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};

use analytics::import::{ImportOptions, parse};
use polars_io::SerReader;
use polars_io::csv::read::CsvReadOptions;

const HEADER: &str = "Campaign name,Campaign ID,Ad set name,Ad set ID,Ad name,Ad ID,Day,Reporting starts,Reporting ends,Impressions,Reach,Link clicks,Clicks (all),Amount spent (EUR),\"CPM (cost per 1,000 impressions) (EUR)\",Purchases,Purchases conversion value,Purchase ROAS,Results,Result indicator,Attribution setting\n";

/// A realistic daily Meta export: 10 days per ad, 18-digit IDs, quoted thousands, some empty
/// cells, mixed result indicators. Numbers come from a fixed LCG so runs are comparable.
fn generate(rows: usize) -> String {
    let mut out = String::with_capacity(rows * 260 + HEADER.len());
    out.push_str(HEADER);
    out.push_str("Total,,,,,,,2026-09-01,2026-09-10,,,,,,,,,,,,\n");
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move |m: u64| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % m
    };
    for i in 0..rows {
        let (ad, day) = (i / 10, i % 10 + 1);
        let (campaign, adset) = (ad / 200, ad / 20);
        let impressions = 500 + next(20_000);
        let clicks = next(impressions / 20 + 1);
        let spend_cents = 100 + next(150_000);
        let purchases = next(8);
        let purchase_link = i % 3 == 0;
        let _ = writeln!(
            out,
            "Campaign {campaign},1202100000{campaign:08},Ad set {adset},1202200000{adset:08},Ad {ad} LM-{code:04X},1202300000{ad:08},2026-09-{day:02},2026-09-01,2026-09-10,\"{ik},{ir:03}\",{reach},{clicks},{all},\"{sk},{sr:03}.{sc:02}\",{cpm}.{cpmc:02},{p},{pv}.{pvc:02},1.{roas:02},{res},{ind},7-day click or 1-day view",
            code = ad % 65_536,
            ik = impressions / 1000,
            ir = impressions % 1000,
            reach = impressions * 8 / 10,
            all = clicks + next(50),
            sk = spend_cents / 100_000,
            sr = spend_cents / 100 % 1000,
            sc = spend_cents % 100,
            cpm = next(200),
            cpmc = next(100),
            p = if purchases == 0 { String::new() } else { purchases.to_string() },
            pv = purchases * 45,
            pvc = next(100),
            roas = next(100),
            res = if purchase_link { clicks } else { purchases },
            ind = if purchase_link {
                "actions:link_click"
            } else {
                "actions:offsite_conversion.fb_pixel_purchase"
            },
        );
    }
    out
}

fn main() {
    let rows: usize =
        std::env::var("IMPORT_BENCH_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let started = Instant::now();
    let csv = generate(rows);
    println!(
        "generated {rows} Meta rows ({:.0} MB) in {:.2?}",
        csv.len() as f64 / 1e6,
        started.elapsed()
    );
    let mut floor: Vec<Duration> = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let read = CsvReadOptions::default()
            .with_infer_schema_length(Some(0))
            .into_reader_with_file_handle(std::io::Cursor::new(black_box(csv.as_bytes())))
            .finish();
        floor.push(t.elapsed());
        if let Err(e) = read {
            eprintln!("polars could not read the benchmark input: {e}");
            std::process::exit(1);
        }
    }
    floor.sort();
    println!(
        "polars all-string read alone: best {:.2?} ({:.0} rows/s)",
        floor[0],
        rows as f64 / floor[0].as_secs_f64()
    );
    let opts = ImportOptions::default();
    let mut times: Vec<Duration> = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let parsed = match parse(black_box(csv.as_bytes()), &opts) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("benchmark input was rejected: {e}");
                std::process::exit(1);
            }
        };
        times.push(t.elapsed());
        assert_eq!(parsed.rows.len(), rows);
        black_box(parsed);
    }
    times.sort();
    let rate = |d: Duration| rows as f64 / d.as_secs_f64();
    println!(
        "import::parse: best {:.2?} ({:.0} rows/s), median {:.2?} ({:.0} rows/s)",
        times[0],
        rate(times[0]),
        times[times.len() / 2],
        rate(times[times.len() / 2])
    );
}
