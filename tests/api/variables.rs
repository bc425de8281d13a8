//! The variables leaderboard pools a variable = value across experiments.

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
    assert_eq!(city["experiments"], 2);
    assert_eq!(city["masters"], 2);
    // +50 % and +33 % pooled: between the two, and clearly positive.
    let lift = city["pooled"]["relative_lift"].as_f64().unwrap();
    assert!(lift > 0.30 && lift < 0.52, "{lift}");
    assert!(city["pooled"]["ci_low"].as_f64().unwrap() > 0.2);
    let i2 = city["pooled"]["i_squared"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&i2));
    // Best first: city leads; jacket (vs its parent city) has ~no effect.
    assert_eq!(rows[0]["value"], "city");
    let jacket = rows.iter().find(|r| r["variable"] == "jacket").unwrap();
    assert_eq!(jacket["experiments"], 1);
    assert!(jacket["pooled"]["relative_lift"].as_f64().unwrap().abs() < 0.05);

    app.login_as(Role::Viewer).await;
    let html = app.get_html("/variables").await;
    assert!(html.contains("background = city"), "leaderboard lists the variable");
    assert!(html.contains("2 experiments"));
    let html = app.get_html("/variables?metric=cpc").await;
    assert!(html.contains("lower is better"));
    let res = app.get("/variables?metric=nonsense").await;
    assert_eq!(res.status().as_u16(), 422);
}
