//! Ad ↔ arm mapping: ads named with a variant code map at import; the others are listed and can
//! be mapped by hand, after which they leave the list.

use diesel::prelude::*;
use liftmask::auth::Role;
use liftmask::db::schema::{masters, variants};
use liftmask::db::{DbConn, DbError, ad_mappings};
use liftmask::db_run;
use serde_json::{Value, json};

use crate::helpers::spawn_app;
use crate::imports::{fixture, import_file};

/// A master with one variant coded `code`; returns (master, variant).
fn seed_variant(c: &mut DbConn<'_>, code: &str) -> QueryResult<(i32, i32)> {
    let now = liftmask::db::now();
    // The test users' workspace, or they would not see the master.
    let ws = liftmask::db::workspaces::default(c)?.0;
    let master: i32 = db_run!(c, |c| diesel::insert_into(masters::table)
        .values((
            masters::workspace_id.eq(ws),
            masters::name.eq("Autumn hero"),
            masters::image_sha.eq("0"),
            masters::thumb_sha.eq("0"),
            masters::width.eq(1),
            masters::height.eq(1),
            masters::created_at.eq(now),
        ))
        .returning(masters::id)
        .get_result(c))?;
    let variant: i32 = db_run!(c, |c| diesel::insert_into(variants::table)
        .values((
            variants::master_id.eq(master),
            variants::code.eq(code),
            variants::variable.eq("background"),
            variants::value.eq("city"),
            variants::operation.eq("recolor"),
            variants::mask_sha.eq("0"),
            variants::status.eq("approved"),
            variants::created_at.eq(now),
        ))
        .returning(variants::id)
        .get_result(c))?;
    Ok((master, variant))
}

#[actix_web::test]
async fn coded_ads_map_at_import_and_others_are_mapped_by_hand() {
    let app = spawn_app().await;
    let email = app.login_as(Role::Growth).await;
    let (master, variant) =
        app.state.pool.run(|c| seed_variant(c, "LM-7F3K").map_err(DbError::from)).expect("seed");

    import_file(&app, "meta.csv", fixture("meta_daily_bom.csv")).await;
    let mappings =
        app.state.pool.run(|c| ad_mappings::list(c).map_err(DbError::from)).expect("mappings");
    assert_eq!(mappings.len(), 1);
    let m = &mappings[0];
    assert_eq!(
        (m.ad_id.as_str(), m.master_id, m.variant_id, m.mapped_by.as_str()),
        ("120212345678909999", master, Some(variant), "code")
    );

    // The uncoded ad is listed, on the page and in the API.
    let html = app.get_html("/ad-mappings/unmapped").await;
    assert!(html.contains("120212345678909990") && !html.contains("120212345678909999"), "{html}");
    assert!(html.contains("LM-7F3K"), "the variant is offered as a target");
    let token = app.token_for(&email);
    let api = |path: &'static str| {
        let req = app.client.get(app.url(path)).bearer_auth(&token);
        async move { req.send().await.expect("api").json::<Value>().await.expect("json") }
    };
    let unmapped = api("/api/v1/ad-mappings/unmapped").await;
    assert_eq!(
        unmapped,
        json!([{"platform": "meta", "ad_id": "120212345678909990", "ad_name": "Control", "rows": 2, "impressions": 5660}])
    );

    // Map it to the master itself by hand; it leaves the list.
    let res = app
        .post_form(
            "/ad-mappings",
            &[
                ("platform", "meta"),
                ("ad_id", "120212345678909990"),
                ("target", &format!("master:{master}")),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    assert!(app.get_html("/ad-mappings/unmapped").await.contains("Every imported ad is mapped"));
    assert_eq!(api("/api/v1/ad-mappings/unmapped").await, json!([]));
    let all = api("/api/v1/ad-mappings").await;
    assert_eq!(all[0]["ad_id"], "120212345678909990");
    assert_eq!(all[0]["mapped_by"], "manual");
    assert_eq!(all[0]["variant_id"], Value::Null);

    // A re-import neither duplicates nor overrides mappings.
    import_file(&app, "meta.csv", fixture("meta_daily_bom.csv")).await;
    assert_eq!(
        app.state
            .pool
            .run(|c| ad_mappings::list(c).map_err(DbError::from))
            .expect("mappings")
            .len(),
        2
    );

    // Unknown targets are refused.
    let res = app
        .post_form(
            "/ad-mappings",
            &[("platform", "meta"), ("ad_id", "5"), ("target", "variant:999999")],
        )
        .await;
    assert_eq!(res.status().as_u16(), 404);
    // The API maps too, to a variant.
    let res = app
        .client
        .post(app.url("/api/v1/ad-mappings"))
        .bearer_auth(&token)
        .json(&json!({"platform": "tiktok", "ad_id": "42", "target": format!("variant:{variant}")}))
        .send()
        .await
        .expect("api");
    assert_eq!(res.status().as_u16(), 201);
    let body: Value = res.json().await.expect("json");
    assert_eq!(
        (body["master_id"].as_i64(), body["variant_id"].as_i64()),
        (Some(master.into()), Some(variant.into()))
    );
}

/// Impressions of each arm of experiment `id`, control first, from the JSON API.
async fn arm_impressions(app: &crate::helpers::TestApp, token: &str, id: i64) -> Vec<f64> {
    let results = app.api_json(token, &format!("/api/v1/experiments/{id}")).await;
    results["arms"]
        .as_array()
        .expect("arms")
        .iter()
        .map(|a| a["impressions"].as_f64().expect("impressions"))
        .collect()
}

#[actix_web::test]
async fn results_follow_imports_remappings_and_reimports() {
    let app = spawn_app().await;
    let email = app.login_as(Role::Growth).await;
    let token = app.token_for(&email);
    let (master, variant) =
        app.state.pool.run(|c| seed_variant(c, "LM-7F3K").map_err(DbError::from)).expect("seed");
    app.state
        .pool
        .run(|c| {
            db_run!(c, |c| diesel::update(variants::table.find(variant))
                .set(variants::controlled.eq(Some(true)))
                .execute(c))
            .map_err(DbError::from)
        })
        .expect("controlled");
    import_file(&app, "meta.csv", fixture("meta_daily_bom.csv")).await;
    let res = app
        .client
        .post(app.url("/api/v1/experiments"))
        .bearer_auth(&token)
        .json(&json!({
            "master_id": master, "name": "Rollup", "start_date": "2026-09-01",
            "primary_metric": "ctr", "method": "frequentist",
            "treatments": [{"variant_id": variant}]
        }))
        .send()
        .await
        .expect("create");
    assert_eq!(res.status().as_u16(), 201);
    let id = res.json::<Value>().await.expect("json")["id"].as_i64().expect("id");
    // The coded ad (5,200 + 4,800) counts for the variant at import; the control ad is not mapped yet.
    assert_eq!(arm_impressions(&app, &token, id).await, [0.0, 10_000.0]);

    let map = |target: String| {
        let app = &app;
        async move {
            let form = [("platform", "meta"), ("ad_id", "120212345678909990"), ("target", &target)];
            assert_eq!(app.post_form("/ad-mappings", &form).await.status().as_u16(), 303);
        }
    };
    map(format!("master:{master}")).await;
    assert_eq!(arm_impressions(&app, &token, id).await, [5_660.0, 10_000.0]);
    // Re-pointing the ad moves its rows from one arm to the other.
    map(format!("variant:{variant}")).await;
    assert_eq!(arm_impressions(&app, &token, id).await, [0.0, 15_660.0]);
    map(format!("master:{master}")).await;

    // A corrected export replaces the day's row, and the results with it.
    let corrected = String::from_utf8(fixture("meta_daily_bom.csv"))
        .expect("utf-8")
        .replace("2026-09-02,\"5,200\"", "2026-09-02,\"6,200\"");
    assert_ne!(corrected.as_bytes(), fixture("meta_daily_bom.csv"), "the fixture row was changed");
    import_file(&app, "meta-corrected.csv", corrected.into_bytes()).await;
    assert_eq!(arm_impressions(&app, &token, id).await, [5_660.0, 11_000.0]);
}

/// An ad is listed with the name of its latest exported day: a file of later days renames it, and
/// re-importing an older file does not rename it back.
#[actix_web::test]
async fn ads_keep_the_name_of_their_latest_day() {
    let app = spawn_app().await;
    let email = app.login_as(Role::Growth).await;
    let token = app.token_for(&email);
    let control = || async {
        let unmapped = app.api_json(&token, "/api/v1/ad-mappings/unmapped").await;
        let ads = unmapped.as_array().expect("list").clone();
        ads.into_iter().find(|a| a["ad_id"] == "120212345678909990").expect("the control ad")
    };

    import_file(&app, "meta.csv", fixture("meta_daily_bom.csv")).await;
    assert_eq!(control().await["ad_name"], "Control");

    let later = "Campaign name,Ad name,Ad ID,Day,Impressions,Link clicks,Amount spent (EUR)\n\
                 Autumn Sale,Control (square),120212345678909990,2026-09-03,1000,10,12.50\n";
    import_file(&app, "later.csv", later.as_bytes().to_vec()).await;
    let ad = control().await;
    assert_eq!((ad["ad_name"].as_str(), ad["rows"].as_i64()), (Some("Control (square)"), Some(3)));

    import_file(&app, "meta-again.csv", fixture("meta_daily_bom.csv")).await;
    let ad = control().await;
    assert_eq!((ad["ad_name"].as_str(), ad["rows"].as_i64()), (Some("Control (square)"), Some(3)));
}
