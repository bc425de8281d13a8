//! The variables leaderboard pools a variable = value across experiments: true parents only, each
//! creative-day once, Hartung–Knapp intervals, ranked by the conservative bound.

use liftmask::auth::Role;
use serde_json::{Value, json};

use crate::experiments::{create_standard, create_via_api, growth_token, seed, seed_second};

#[actix_web::test]
async fn leaderboard_pools_across_two_experiments() {
    let app = crate::helpers::spawn_app().await;
    let s = seed(&app);
    let token = growth_token(&app);
    create_standard(&app, &s, &token).await;
    let (master2, city2) = seed_second(&app);
    let res = create_via_api(
        &app,
        &token,
        json!({"master_id": master2, "name": "Autumn", "start_date": "2026-03-01", "primary_metric": "ctr",
               "method": "frequentist", "treatments": [{"variant_id": city2}]}),
    )
    .await;
    assert_eq!(res.status().as_u16(), 201);
    // The same master again, over the same days, with city against the master (shared creative-days)
    // and jacket without its parent city (a control fallback).
    let res = create_via_api(
        &app,
        &token,
        json!({"master_id": s.master, "name": "Spring again", "start_date": "2026-03-01",
               "primary_metric": "ctr", "method": "frequentist",
               "treatments": [{"variant_id": s.city}]}),
    )
    .await;
    assert_eq!(res.status().as_u16(), 201);
    let res = create_via_api(
        &app,
        &token,
        json!({"master_id": s.master, "name": "Jacket alone", "start_date": "2026-03-01",
               "primary_metric": "ctr", "method": "frequentist",
               "treatments": [{"variant_id": s.jacket}]}),
    )
    .await;
    assert_eq!(res.status().as_u16(), 201);

    let rows: Value = app
        .client
        .get(app.url("/api/v1/variables?metric=ctr"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rows = rows.as_array().unwrap();
    let city = rows.iter().find(|r| r["variable"] == "background" && r["value"] == "city").unwrap();
    // Spring and Autumn pooled; "Spring again" reads the same creative-days as Spring: set aside.
    assert_eq!(city["experiments"], 2, "{city}");
    assert_eq!(city["masters"], 2);
    let aside = city["set_aside"].as_array().unwrap();
    assert_eq!(aside.len(), 1, "{city}");
    assert!(aside[0]["set_aside"].as_str().unwrap().contains("reuses creative-days"));
    // +50 % and +33 % pooled: between the two; with two studies that disagree, Hartung–Knapp's t on
    // one degree of freedom leaves the interval wide.
    let lift = city["pooled"]["relative_lift"].as_f64().unwrap();
    assert!(lift > 0.30 && lift < 0.52, "{lift}");
    assert_eq!(city["pooled"]["interval"], "hartung_knapp");
    assert!(city["pooled"]["ci_low"].as_f64().unwrap() < 0.2, "{city}");
    assert_eq!(city["rank_bound"], city["pooled"]["ci_low"]);
    let i2 = city["pooled"]["i_squared"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&i2));
    // Ranked by the conservative bound, best first.
    let bounds: Vec<f64> = rows.iter().map(|r| r["rank_bound"].as_f64().unwrap()).collect();
    assert!(bounds.windows(2).all(|w| w[0] >= w[1]), "{bounds:?}");
    // jacket is pooled only from its comparison against its parent city: ~no effect, one study.
    let jacket = rows.iter().find(|r| r["variable"] == "jacket").unwrap();
    assert_eq!(jacket["experiments"], 1);
    assert_eq!(jacket["studies"][0]["experiment_name"], "Spring test");
    assert!(jacket["pooled"]["relative_lift"].as_f64().unwrap().abs() < 0.05);

    app.login_as(Role::Viewer).await;
    let html = app.get_html("/variables").await;
    assert!(html.contains("background = city"), "leaderboard lists the variable");
    assert!(html.contains("Control fallbacks (not pooled)"));
    assert!(html.contains("jacket = forest green [SPR-2] vs master: Spring hero in Jacket alone"));
    // One forest plot per variable: background, jacket.
    assert_eq!(html.matches("<svg").count(), 2);
    let html = app.get_html("/variables?metric=cpc").await;
    assert!(html.contains("lower is better"));
    let res = app.get("/variables?metric=nonsense").await;
    assert_eq!(res.status().as_u16(), 422);
}
