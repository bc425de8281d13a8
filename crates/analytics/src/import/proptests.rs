//! Property tests: whatever the bytes, `parse` returns a value or an error, never a panic, and
//! accepted files satisfy the invariants the database layer relies on.

use proptest::prelude::*;

use super::tests::fixture;
use super::*;

const FIXTURES: [&str; 8] = [
    "meta_daily_bom.csv",
    "meta_fr_semicolon.csv",
    "meta_reporting_range_currency_column.csv",
    "google_ads_preamble.csv",
    "google_ads_excel_utf16le.csv",
    "tiktok_by_day.csv",
    "tiktok_date_cost_usd.csv",
    "bad_impressions.csv",
];

/// One edit applied to a real export.
#[derive(Debug, Clone)]
enum Mutation {
    Flip { at: usize, byte: u8 },
    Insert { at: usize, bytes: Vec<u8> },
    Delete { at: usize, len: usize },
    Truncate { at: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let interesting = prop::sample::select(vec![
        b'"', b',', b';', b'\t', b'\n', b'\r', b'-', b'.', 0xA0, 0xFF, b'%', b' ',
    ]);
    prop_oneof![
        (any::<usize>(), prop_oneof![interesting, any::<u8>()])
            .prop_map(|(at, byte)| Mutation::Flip { at, byte }),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        (any::<usize>(), 1usize..40).prop_map(|(at, len)| Mutation::Delete { at, len }),
        any::<usize>().prop_map(|at| Mutation::Truncate { at }),
    ]
}

fn apply(mut data: Vec<u8>, muts: &[Mutation]) -> Vec<u8> {
    for m in muts {
        let n = data.len().max(1);
        match m {
            Mutation::Flip { at, byte } => {
                if let Some(b) = data.get_mut(at % n) {
                    *b = *byte;
                }
            }
            Mutation::Insert { at, bytes } => {
                let at = at % (data.len() + 1);
                data.splice(at..at, bytes.iter().copied());
            }
            Mutation::Delete { at, len } => {
                let start = at % n;
                let end = (start + len).min(data.len());
                if start < end {
                    data.drain(start..end);
                }
            }
            Mutation::Truncate { at } => data.truncate(at % n),
        }
    }
    data
}

/// What must hold for every accepted file.
fn check_invariants(p: &ParsedImport) {
    assert!(!p.rows.is_empty());
    assert_eq!(p.summary.rows, p.rows.len());
    assert!(p.summary.date_min <= p.summary.date_max);
    assert!(p.rows.iter().all(|r| !r.ad_id.is_empty() && r.line > p.header_line));
    assert!(p.rows.windows(2).all(|w| w[0].line < w[1].line));
    let spend: i64 = p.rows.iter().filter_map(|r| r.spend).map(Money::micros).sum();
    assert_eq!(p.summary.totals.spend.micros(), spend);
    serde_json::to_string(&p.summary).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(p) = parse(&bytes, &ImportOptions::default()) {
            check_invariants(&p);
        }
    }

    #[test]
    fn random_text_under_a_real_header_never_panics(body in "[0-9a-zA-Z,;\"\\-\\. %\n\r\t]{0,300}") {
        let csv = format!("Day,Ad ID,Impressions,Link clicks,Amount spent (EUR)\n{body}");
        if let Ok(p) = parse(csv.as_bytes(), &ImportOptions::default()) {
            check_invariants(&p);
        }
    }

    #[test]
    fn mutated_real_exports_never_panic(
        which in 0..FIXTURES.len(),
        muts in prop::collection::vec(mutation(), 1..6),
        forced in prop::option::of(prop::sample::select(vec![Platform::Meta, Platform::Google, Platform::Tiktok, Platform::Generic])),
    ) {
        let data = apply(fixture(FIXTURES[which]), &muts);
        let opts = ImportOptions { platform: forced, ..ImportOptions::default() };
        if let Ok(p) = parse(&data, &opts) {
            check_invariants(&p);
        }
    }
}
