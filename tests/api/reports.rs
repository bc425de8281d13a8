//! CSV exports: results, daily performance and variables download as attachments and round-trip through
//! the `csv` crate with the right columns and numbers.

use liftmask::auth::Role;
use liftmask::services::reports::{DAILY_HEADER, RESULTS_HEADER, VARIABLES_HEADER};
use serde_json::Value;

use crate::experiments::{DAYS, create_standard, growth_token, seed};
use crate::helpers::TestApp;

/// Downloads `path` with the bearer token and parses it as CSV.
async fn download(app: &TestApp, token: &str, path: &str) -> (Vec<String>, Vec<csv::StringRecord>) {
    let res = app.client.get(app.url(path)).bearer_auth(token).send().await.expect("request");
    assert_eq!(res.status().as_u16(), 200, "{path}");
    let ctype = res.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ctype.starts_with("text/csv"), "{ctype}");
    let disposition = res.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(disposition.starts_with("attachment; filename=\""), "{disposition}");
    let name = disposition.trim_start_matches("attachment; filename=\"").trim_end_matches('"');
    assert!(
        name.ends_with(".csv")
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'),
        "{name}"
    );
    let body = res.bytes().await.expect("body");
    let mut reader = csv::Reader::from_reader(body.as_ref());
    let header = reader.headers().expect("header").iter().map(str::to_string).collect();
    let rows = reader.records().collect::<Result<Vec<_>, _>>().expect("valid CSV");
    (header, rows)
}

#[actix_web::test]
async fn the_three_exports_round_trip() {
    let app = crate::helpers::spawn_app().await;
    let s = seed(&app);
    let token = growth_token(&app);
    let id = create_standard(&app, &s, &token).await;
    let r: Value = app
        .client
        .get(app.url(&format!("/api/v1/experiments/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    // Results: 4 arms × 6 metrics, numbers equal to the JSON API's.
    let (header, rows) =
        download(&app, &token, &format!("/api/v1/experiments/{id}/results.csv")).await;
    assert_eq!(header, RESULTS_HEADER);
    assert_eq!(rows.len(), 4 * 6);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let city = rows
        .iter()
        .find(|r| &r[col("arm")] == "background = city [SPR-1]" && &r[col("metric")] == "ctr")
        .unwrap();
    let api_city = r["comparisons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["metric"] == "ctr" && c["arm_label"] == "background = city [SPR-1]")
        .unwrap();
    let lift: f64 = city[col("lift")].parse().unwrap();
    assert!((lift - api_city["inference"]["lift"].as_f64().unwrap()).abs() < 1e-12);
    let p: f64 = city[col("p_value")].parse().unwrap();
    assert!((p - api_city["inference"]["p_value"].as_f64().unwrap()).abs() < 1e-12);
    assert!(
        city[col("ci_low")].parse::<f64>().unwrap() < lift
            && lift < city[col("ci_high")].parse::<f64>().unwrap()
    );
    assert_eq!(&city[col("verdict")], "winner");
    assert_eq!(&city[col("method")], "frequentist");
    assert_eq!(&city[col("variance_model")], "ad_clustered");
    assert_eq!(&city[col("n")], "2", "the ads are the units");
    let control = rows
        .iter()
        .find(|r| &r[col("is_control")] == "true" && &r[col("metric")] == "ctr")
        .unwrap();
    assert_eq!(&control[col("lift")], "");
    let control_ctr: f64 = control[col("value")].parse().unwrap();
    assert!((control_ctr - 0.010).abs() < 0.0005, "{control_ctr}");

    // Daily: one row per arm × day, ISO dates, sums matching the arm totals.
    let (header, rows) =
        download(&app, &token, &format!("/api/v1/experiments/{id}/daily.csv")).await;
    assert_eq!(header, DAILY_HEADER);
    assert_eq!(rows.len(), 4 * DAYS as usize);
    assert_eq!(&rows[0][3], "2026-03-01");
    let control_label = r["arms"][0]["arm"]["label"].as_str().unwrap();
    let impressions: f64 =
        rows.iter().filter(|r| &r[2] == control_label).map(|r| r[5].parse::<f64>().unwrap()).sum();
    assert_eq!(impressions, r["arms"][0]["impressions"].as_f64().unwrap());
    let spend: f64 =
        rows.iter().filter(|r| &r[2] == control_label).map(|r| r[7].parse::<f64>().unwrap()).sum();
    assert!((spend - r["arms"][0]["spend"].as_f64().unwrap()).abs() < 1e-6);

    // Variables: every variable = value of the experiment, pooled.
    let (header, rows) = download(&app, &token, "/api/v1/variables.csv?metric=ctr").await;
    assert_eq!(header, VARIABLES_HEADER);
    let values: Vec<(&str, &str)> = rows.iter().map(|r| (&r[0], &r[1])).collect();
    assert!(
        values.contains(&("background", "city")) && values.contains(&("jacket", "forest green")),
        "{values:?}"
    );

    // The page's download buttons serve the same files to a logged-in viewer.
    app.login_as(Role::Viewer).await;
    let html = app.get_html(&format!("/experiments/{id}")).await;
    assert!(html.contains(&format!("/experiments/{id}/results.csv")));
    let res = app.get(&format!("/experiments/{id}/results.csv")).await;
    assert_eq!(res.status().as_u16(), 200);
    assert!(
        res.headers()["content-disposition"].to_str().unwrap().contains("spring-test-results.csv")
    );
    // Without a token the API refuses.
    let res = app
        .client
        .get(app.url(&format!("/api/v1/experiments/{id}/daily.csv")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 401);
}

/// Every cell a spreadsheet would evaluate as a formula, in `rows`.
fn formula_cells(rows: &[csv::StringRecord]) -> Vec<String> {
    rows.iter()
        .flat_map(|r| r.iter())
        .filter(|c| c.starts_with(['=', '+', '-', '@', '\t', '\r']) && c.parse::<f64>().is_err())
        .map(str::to_string)
        .collect()
}

#[actix_web::test]
async fn formula_cells_are_neutralised_in_every_export() {
    use diesel::prelude::*;
    use liftmask::db::schema::{masters, variants};
    let app = crate::helpers::spawn_app().await;
    let s = seed(&app);
    // A value and a master name that a spreadsheet would run.
    let formula = "=HYPERLINK(\"http://evil.example\",\"x\")";
    app.state
        .pool
        .run(|c| {
            liftmask::db_run!(c, |c| {
                diesel::update(variants::table.find(s.city))
                    .set(variants::value.eq(formula))
                    .execute(c)?;
                diesel::update(masters::table.find(s.master))
                    .set(masters::name.eq("@SUM(1+1)"))
                    .execute(c)
            })
            .map_err(liftmask::db::DbError::from)
        })
        .unwrap();
    let token = growth_token(&app);
    let id = create_standard(&app, &s, &token).await;
    let mut neutralised = 0;
    for path in [
        format!("/api/v1/experiments/{id}/results.csv"),
        format!("/api/v1/experiments/{id}/daily.csv"),
        "/api/v1/variables.csv?metric=ctr".to_string(),
    ] {
        let (_, rows) = download(&app, &token, &path).await;
        assert_eq!(formula_cells(&rows), Vec::<String>::new(), "{path}");
        neutralised += rows.iter().flat_map(|r| r.iter()).filter(|c| c.starts_with("'=")).count();
    }
    assert!(neutralised > 0, "the formula value reached an export, neutralised");
}
