//! End-to-end tests on the hand-written fixtures in `tests/fixtures/csv/` (see SOURCES.md).
//! Every expected total below was added up by hand from the fixture text.

use std::path::PathBuf;

use chrono::NaiveDate;

use super::*;

pub(super) fn fixture(name: &str) -> Vec<u8> {
    let path: PathBuf =
        [env!("CARGO_MANIFEST_DIR"), "..", "..", "tests", "fixtures", "csv", name].iter().collect();
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn auto(name: &str) -> ParsedImport {
    parse(&fixture(name), &ImportOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn money(s: &str) -> Money {
    let (units, frac) = s.split_once('.').unwrap_or((s, ""));
    let micros: i64 = format!("{units}{frac:0<6}").parse().unwrap();
    Money::from_micros(micros)
}

/// Asserts the summary totals; money as exact decimal text.
fn assert_totals(
    p: &ParsedImport,
    impressions: i64,
    clicks: i64,
    spend: &str,
    conv: f64,
    revenue: &str,
) {
    let t = &p.summary.totals;
    assert_eq!((t.impressions, t.clicks), (impressions, clicks), "impressions, clicks");
    assert_eq!(t.spend, money(spend), "spend");
    assert_eq!(t.conversions, conv, "conversions");
    assert_eq!(t.revenue, money(revenue), "revenue");
}

#[test]
fn meta_with_bom_totals_row_and_mixed_results() {
    let p = auto("meta_daily_bom.csv");
    assert_eq!((p.platform, p.encoding, p.header_line), (Platform::Meta, Encoding::Utf8Bom, 1));
    assert_eq!(p.currency.map(|c| c.to_string()).as_deref(), Some("EUR"));
    // The `Total` row on line 2 is dropped: 4 data rows on lines 3..=6.
    assert_eq!(p.rows.iter().map(|r| r.line).collect::<Vec<_>>(), [3, 4, 5, 6]);
    assert_eq!((p.summary.rows, p.summary.ads), (4, 2));
    assert_totals(&p, 15_660, 341, "1619.31", 14.0, "2209.80");
    assert_eq!(p.summary.date_min, day("2026-09-01"));
    assert_eq!(p.summary.date_max, day("2026-09-02"));
    // An empty `Link clicks` cell is null, not zero; `Clicks (all)` is its own field.
    assert_eq!(p.rows[3].clicks, None);
    assert_eq!(p.rows[3].clicks_all, Some(32));
    assert_eq!(p.rows[2].conversions, None);
    // Results of both objectives are summarized apart and never counted as conversions.
    let purchase = &p.summary.result_indicators["actions:offsite_conversion.fb_pixel_purchase"];
    let link = &p.summary.result_indicators["actions:link_click"];
    assert_eq!((purchase.rows, purchase.results), (2, 9.0));
    assert_eq!((link.rows, link.results), (2, 152.0));
    assert_eq!(p.mapping.get(Field::Spend), Some("Amount spent (EUR)"));
    assert_eq!(p.mapping.get(Field::Clicks), Some("Link clicks"));
    assert_eq!(p.mapping.get(Field::Date), Some("Day"));
}

#[test]
fn eighteen_digit_ids_round_trip_exactly() {
    let p = auto("meta_daily_bom.csv");
    let r = &p.rows[0];
    assert_eq!(r.ad_id, "120212345678909999");
    assert_eq!(r.campaign_id.as_deref(), Some("120212345678901234"));
    assert_eq!(r.adset_id.as_deref(), Some("120212345678905678"));
    // The same ID through a float would not survive.
    assert_ne!(
        format!("{}", "120212345678909999".parse::<f64>().unwrap() as u64),
        r.ad_id.as_str()
    );
    let t = auto("tiktok_by_day.csv");
    assert_eq!(t.rows[2].ad_id, "1790000000000000002");
}

#[test]
fn variant_codes_and_unmapped_ads() {
    let mut p = auto("meta_daily_bom.csv");
    let ads = p.ads();
    assert_eq!(ads.len(), 2);
    assert_eq!(ads[0].variant_code, Some("LM-7F3K"));
    assert_eq!(ads[1].variant_code, None);
    p.fill_unmapped(|ad| ad.variant_code.is_some());
    assert_eq!(p.summary.unmapped_ads, ["120212345678909990"]);
}

#[test]
fn french_meta_with_semicolons_and_spaced_numbers() {
    let p = auto("meta_fr_semicolon.csv");
    assert_eq!(
        (p.platform, p.delimiter, p.decimal),
        (Platform::Meta, Delimiter::Semicolon, DecimalSeparator::Comma)
    );
    assert_eq!(p.currency.map(|c| c.to_string()).as_deref(), Some("EUR"));
    assert_eq!((p.summary.rows, p.summary.ads), (3, 2));
    assert_totals(&p, 32_221, 583, "3222.21", 14.0, "3550.75");
    assert_eq!(p.rows[0].campaign_name.as_deref(), Some("Rentrée"));
    assert_eq!(p.rows[1].impressions, Some(9_876));
    assert_eq!(p.rows[2].spend, Some(money("1000.00")));
}

#[test]
fn meta_without_daily_breakdown_uses_reporting_starts_and_currency_column() {
    let p = auto("meta_reporting_range_currency_column.csv");
    assert_eq!(p.mapping.get(Field::Date), Some("Reporting starts"));
    assert_eq!(p.currency.map(|c| c.to_string()).as_deref(), Some("GBP"));
    assert_eq!(p.summary.date_min, day("2026-09-01"));
    assert_eq!(p.summary.date_max, day("2026-09-01"));
    assert_totals(&p, 30_000, 400, "300.00", 5.0, "300.50");
}

#[test]
fn google_preamble_dashes_percentages_and_totals_rows() {
    let p = auto("google_ads_preamble.csv");
    assert_eq!((p.platform, p.header_line), (Platform::Google, 3));
    assert_eq!(p.currency.map(|c| c.to_string()).as_deref(), Some("USD"));
    // `Total: Account` and `Total: Campaigns` (lines 8 and 9) are dropped.
    assert_eq!(p.rows.iter().map(|r| r.line).collect::<Vec<_>>(), [4, 5, 6, 7]);
    assert_eq!((p.summary.ads, p.summary.date_max), (2, day("2026-09-03")));
    assert_totals(&p, 25_821, 637, "2540.85", 23.83, "3375.00");
    assert_eq!(p.rows[3].conversion_value, None, "`--` is null");
    assert_eq!(p.rows[3].conversions, Some(1.33));
    assert_eq!(p.rows[0].adset_name.as_deref(), Some("Exact"));
}

#[test]
fn google_excel_variant_is_utf16_and_tab_separated() {
    let p = auto("google_ads_excel_utf16le.csv");
    assert_eq!((p.encoding, p.delimiter, p.header_line), (Encoding::Utf16LeBom, Delimiter::Tab, 3));
    assert_totals(&p, 25_821, 637, "2540.85", 23.83, "3375.00");
    let utf8 = auto("google_ads_preamble.csv");
    assert_eq!(p.rows, utf8.rows);
}

#[test]
fn tiktok_by_day() {
    let p = auto("tiktok_by_day.csv");
    assert_eq!((p.platform, p.currency), (Platform::Tiktok, None));
    assert_eq!(p.mapping.get(Field::Clicks), Some("Clicks (destination)"));
    assert_totals(&p, 23_500, 206, "160.00", 9.0, "472.00");
    let json = serde_json::to_value(&p.summary).unwrap();
    assert_eq!(json["currency"], serde_json::Value::Null);
}

#[test]
fn tiktok_date_and_cost_with_currency() {
    let p = auto("tiktok_date_cost_usd.csv");
    assert_eq!(p.platform, Platform::Tiktok);
    assert_eq!(p.currency.map(|c| c.to_string()).as_deref(), Some("USD"));
    assert_eq!(p.summary.date_min, day("2026-09-05"));
    assert_totals(&p, 101_000, 2_020, "1013.00", 101.0, "2018.99");
    assert_eq!(p.rows[1].clicks_all, Some(3_500));
}

#[test]
fn generic_file_with_a_mapping_and_day_first_dates() {
    let mapping = ColumnMapping::from_pairs([
        "date=date_dmy",
        "ad_id=creative_ref",
        "ad_name=creative_label",
        "impressions=views",
        "clicks=taps",
        "spend=outlay",
        "conversions=orders",
        "conversion_value=sales",
        "currency=ccy",
    ])
    .unwrap();
    let opts = ImportOptions { platform: Some(Platform::Generic), mapping, ..Default::default() };
    let p = parse(&fixture("generic_mapped.csv"), &opts).unwrap();
    assert_eq!(p.platform, Platform::Generic);
    assert_eq!(p.currency.map(|c| c.to_string()).as_deref(), Some("CAD"));
    assert_eq!(
        p.rows.iter().map(|r| r.date).collect::<Vec<_>>(),
        [day("2026-09-13"), day("2026-09-14"), day("2026-10-01")]
    );
    assert_totals(&p, 350, 13, "35.75", 3.0, "75.50");
    assert_eq!(p.ads()[0].variant_code, Some("LM-Q7Z2"));
    // Without the mapping nothing identifies the platform.
    let err = parse(&fixture("generic_mapped.csv"), &ImportOptions::default()).unwrap_err();
    assert!(matches!(err, ImportError::UnknownPlatform { line: 1, .. }), "{err}");
}

#[test]
fn user_mapping_overrides_a_detected_column() {
    let mut mapping = ColumnMapping::new();
    mapping.insert(Field::Clicks, "Clicks (all)");
    let opts = ImportOptions { mapping, ..Default::default() };
    let p = parse(&fixture("meta_daily_bom.csv"), &opts).unwrap();
    assert_eq!(p.summary.totals.clicks, 602);
}

#[test]
fn bad_cell_rejects_the_file_with_line_and_column() {
    let err = parse(&fixture("bad_impressions.csv"), &ImportOptions::default()).unwrap_err();
    let rows = err.row_errors().unwrap_or_else(|| panic!("{err}"));
    assert_eq!(rows.total, 2);
    assert_eq!((rows.errors[0].line, rows.errors[0].column.as_str()), (4, "Impressions"));
    assert_eq!(rows.errors[0].value, "1,2OO");
    assert!(rows.errors[0].reason.contains("not a number"), "{}", rows.errors[0].reason);
    assert_eq!((rows.errors[1].line, rows.errors[1].column.as_str()), (6, "Amount spent (USD)"));
    assert!(err.to_string().contains("line 4, column \"Impressions\""), "{err}");
    let one = ImportOptions { max_errors: 1, ..Default::default() };
    let err = parse(&fixture("bad_impressions.csv"), &one).unwrap_err();
    assert_eq!(err.row_errors().map(|r| (r.errors.len(), r.total)), Some((1, 2)));
}

#[test]
fn missing_required_column() {
    let err = parse(&fixture("bad_missing_column.csv"), &ImportOptions::default()).unwrap_err();
    assert!(
        matches!(err, ImportError::MissingColumn { line: 1, field: Field::Clicks, .. }),
        "{err}"
    );
}

#[test]
fn empty_inputs() {
    assert!(matches!(
        parse(&fixture("empty.csv"), &ImportOptions::default()),
        Err(ImportError::Empty)
    ));
    assert!(matches!(
        parse(b"\xEF\xBB\xBF \r\n", &ImportOptions::default()),
        Err(ImportError::Empty)
    ));
    let header_only = "Day,Ad ID,Impressions,Link clicks,Amount spent (EUR)\n";
    assert!(matches!(
        parse(header_only.as_bytes(), &ImportOptions::default()),
        Err(ImportError::NoRows { line: 1 })
    ));
}

const META_HEAD: &str = "Day,Ad ID,Ad name,Impressions,Link clicks,Amount spent (EUR)\n";

fn meta(body: &str) -> Result<ParsedImport, ImportError> {
    parse(format!("{META_HEAD}{body}").as_bytes(), &ImportOptions::default())
}

#[test]
fn multi_line_and_blank_records_keep_true_line_numbers() {
    let body = "2026-09-01,1,\"two\nlines\",1,1,1.00\n\n2026-09-02,1,x,oops,1,1.00\n";
    let err = meta(body).unwrap_err();
    let e = &err.row_errors().unwrap().errors[0];
    assert_eq!((e.line, e.column.as_str()), (5, "Impressions"), "{err}");
    let ok = meta("2026-09-01,1,\"two\nlines\",1,1,1.00\n\n2026-09-02,1,x,2,1,1.00\n").unwrap();
    assert_eq!(ok.rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 5]);
}

#[test]
fn duplicates_missing_ids_and_mangled_ids_are_errors() {
    let err = meta("2026-09-01,7,a,1,1,1.00\n2026-09-01,7,a,1,1,1.00\n").unwrap_err();
    let e = &err.row_errors().unwrap().errors[0];
    assert_eq!((e.line, e.column.as_str()), (3, "Ad ID"));
    assert!(e.reason.contains("first on line 2"), "{}", e.reason);
    let err = meta("2026-09-01,,a,1,1,1.00\n").unwrap_err();
    assert_eq!(err.row_errors().unwrap().errors[0].reason, "missing ad ID");
    let err = meta("2026-09-01,1.20212E+17,a,1,1,1.00\n").unwrap_err();
    assert!(err.row_errors().unwrap().errors[0].reason.contains("digits"));
}

#[test]
fn rows_split_across_workers_keep_order_lines_and_find_cross_part_duplicates() {
    // 4 ads × 10 days; ad 3 lists its days backwards. Unit tests split even small files across
    // the workers, so the rows come from several parts.
    let mut body = String::new();
    for step in 1..=10 {
        for ad in 0..4 {
            let d = if ad == 3 { 11 - step } else { step };
            body.push_str(&format!("2026-09-{d:02},{ad},Ad {ad},{},1,1.00\n", step * 10 + ad));
        }
    }
    let p = meta(&body).unwrap();
    assert_eq!(p.rows.iter().map(|r| r.line).collect::<Vec<_>>(), (2..=41).collect::<Vec<_>>());
    assert_eq!((p.summary.rows, p.summary.ads), (40, 4));
    assert_eq!(p.summary.totals.impressions, (1..=10).map(|s| 40 * s + 6).sum::<i64>());
    assert_eq!(p.rows[39].ad_name.as_deref(), Some("Ad 3"));
    assert_eq!(p.rows[39].date, day("2026-09-01"));

    // The first row's ad and day again, on the last line.
    let err = meta(&format!("{body}2026-09-01,0,Ad 0,1,1,1.00\n")).unwrap_err();
    let errors = err.row_errors().unwrap();
    assert_eq!(errors.total, 1);
    assert_eq!((errors.errors[0].line, errors.errors[0].column.as_str()), (42, "Ad ID"));
    assert!(errors.errors[0].reason.contains("first on line 2"), "{}", errors.errors[0].reason);
}

#[test]
fn currency_conflicts_are_rejected() {
    let csv = "Day,Ad ID,Impressions,Link clicks,Amount spent (EUR),Currency\n2026-09-01,1,1,1,1.00,EUR\n2026-09-02,1,1,1,1.00,USD\n";
    let err = parse(csv.as_bytes(), &ImportOptions::default()).unwrap_err();
    assert!(matches!(err, ImportError::CurrencyConflict { line: 3, .. }), "{err}");
}

#[test]
fn ragged_record_is_a_csv_error_with_its_line() {
    let err = meta("2026-09-01,1,a,1,1,1.00\n2026-09-02,1,a,1,1,1.00,extra\n").unwrap_err();
    assert!(matches!(err, ImportError::Csv { line: Some(3), .. }), "{err}");
}

#[test]
fn summary_json_shape() {
    let p = auto("google_ads_preamble.csv");
    let json = serde_json::to_value(&p.summary).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "platform": "google",
            "rows": 4,
            "ads": 2,
            "currency": "USD",
            "date_min": "2026-09-01",
            "date_max": "2026-09-03",
            "totals": {"impressions": 25821, "clicks": 637, "spend": 2540.85, "conversions": 23.83, "revenue": 3375.0},
            "unmapped_ads": []
        })
    );
    let back: ImportSummary = serde_json::from_value(json).unwrap();
    assert_eq!(back, p.summary);
}

#[test]
fn slashed_dates_wait_for_the_block_that_proves_their_order() {
    // Unit tests read a block per record or two: the first rows are ambiguous (day-first or
    // month-first), and only the last one proves day-first.
    let mut body = String::new();
    for ad in 1..=6 {
        body.push_str(&format!("0{ad}/02/2026,{ad},a,1,1,1.00\n"));
    }
    body.push_str("13/02/2026,9,a,1,1,1.00\n");
    let p = meta(&body).unwrap();
    assert_eq!(p.rows[0].date, day("2026-02-01"));
    assert_eq!(p.rows[5].date, day("2026-02-06"));
    assert_eq!(p.summary.date_max, day("2026-02-13"));
    // Without the proof they are month-first, the default of a `.`-decimal file.
    let p = meta(&body.replace("13/02/2026", "12/02/2026")).unwrap();
    assert_eq!(p.rows[0].date, day("2026-01-02"));
}

#[test]
fn scan_hands_over_valid_rows_in_file_order_and_keeps_none() {
    let bytes = fixture("meta_daily_bom.csv");
    let mut lines = Vec::new();
    let scanned = scan(&bytes[..], &ImportOptions::default(), |batch| {
        assert_eq!(batch.currency.map(|c| c.to_string()).as_deref(), Some("EUR"));
        lines.extend(batch.rows.iter().map(|r| (r.line, batch.ads[r.ad].ad_id.to_string())));
        Ok::<(), std::convert::Infallible>(())
    })
    .unwrap();
    assert_eq!(lines.iter().map(|l| l.0).collect::<Vec<_>>(), [3, 4, 5, 6]);
    assert_eq!(lines[0].1, "120212345678909999");
    let parsed = auto("meta_daily_bom.csv");
    assert_eq!(scanned.summary, parsed.summary);
    assert_eq!(scanned.ad_refs(), parsed.ads());
    // A bad row on a later line: the rows before it may have been handed over, but the scan
    // fails, so whoever stored them rolls back.
    let bad = fixture("bad_impressions.csv");
    let err = scan(&bad[..], &ImportOptions::default(), |_| Ok::<(), std::convert::Infallible>(()))
        .unwrap_err();
    assert!(matches!(err, ScanError::Import(ImportError::Rows(_))), "{err}");
}
