//! Importing performance CSVs through the web: preview writes nothing, confirm stores every row
//! in one transaction, re-imports are idempotent, overlapping files update rows, rejected files
//! write nothing, and only importers may import.

use std::time::Duration;

use liftmask::auth::Role;
use liftmask::db::{DbError, imports, performance_rows};
use serde_json::Value;

use crate::helpers::{TestApp, extract_csrf, spawn_app};

/// A real-format fixture from `tests/fixtures/csv/`.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/csv/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Uploads `bytes` to the preview (multipart, CSRF token in the query string).
pub async fn upload(
    app: &TestApp,
    filename: &str,
    bytes: Vec<u8>,
    platform: &str,
) -> reqwest::Response {
    let token = app.csrf_token("/imports/new").await;
    let part = reqwest::multipart::Part::bytes(bytes).file_name(filename.to_owned());
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", token)
        .text("platform", platform.to_owned())
        .part("file", part);
    app.client.post(app.url("/imports/preview")).multipart(form).send().await.expect("upload")
}

/// The value of hidden input `name` in the confirm form.
fn confirm_field(html: &str, name: &str) -> String {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(&format!(r#"form#confirm input[name="{name}"]"#))
        .expect("selector");
    doc.select(&sel)
        .next()
        .and_then(|e| e.value().attr("value"))
        .unwrap_or_else(|| panic!("no {name} in the confirm form"))
        .to_owned()
}

/// Posts the preview's confirm form and follows the progress page until it redirects back to
/// the history; returns the progress page's final state (the history HTML).
pub async fn confirm(app: &TestApp, preview_html: &str) -> String {
    let token = extract_csrf(preview_html).expect("csrf");
    let fields = [
        ("csrf_token", token),
        ("blob", confirm_field(preview_html, "blob")),
        ("filename", confirm_field(preview_html, "filename")),
        ("platform", confirm_field(preview_html, "platform")),
    ];
    let res =
        app.client.post(app.url("/imports/confirm")).form(&fields).send().await.expect("confirm");
    assert_eq!(res.status().as_u16(), 303);
    let job = res.headers()["location"].to_str().expect("location").to_owned();
    assert!(job.starts_with("/imports/jobs/"), "{job}");
    if app.settings.workers == 0 {
        app.run_jobs();
    }
    for _ in 0..400 {
        let res = app.get(&job).await;
        if res.status().as_u16() == 303 {
            assert_eq!(res.headers()["location"], "/imports");
            return app.get_html("/imports").await;
        }
        let body = res.text().await.expect("body");
        assert!(!body.contains("The import failed"), "import failed: {body}");
        assert!(body.contains("<progress"), "{body}");
        let status: Value =
            app.get(&format!("{job}/status")).await.json().await.expect("status json");
        assert!(
            ["queued", "parsing", "storing", "done"]
                .contains(&status["state"].as_str().unwrap_or("")),
            "{status}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("import did not finish");
}

/// Upload + confirm; returns the newest import row.
pub async fn import_file(app: &TestApp, filename: &str, bytes: Vec<u8>) -> imports::Import {
    let res = upload(app, filename, bytes, "auto").await;
    assert_eq!(res.status().as_u16(), 200);
    let html = res.text().await.expect("body");
    confirm(app, &html).await;
    app.state.pool.run(|c| imports::list(c).map_err(DbError::from)).expect("imports").remove(0)
}

fn stored(app: &TestApp) -> (i64, (i64, i64, i64)) {
    app.state
        .pool
        .run(|c| Ok::<_, DbError>((performance_rows::count(c)?, performance_rows::totals(c)?)))
        .expect("counts")
}

fn import_count(app: &TestApp) -> i64 {
    app.state.pool.run(|c| imports::count(c).map_err(DbError::from)).expect("count")
}

#[actix_web::test]
async fn preview_then_confirm_then_reimport_changes_nothing() {
    let app = spawn_app().await;
    app.login_as(Role::Growth).await;

    let res = upload(&app, "meta_daily_bom.csv", fixture("meta_daily_bom.csv"), "auto").await;
    assert_eq!(res.status().as_u16(), 200);
    let html = res.text().await.expect("body");
    let doc = scraper::Html::parse_document(&html);
    let text = |sel: &str| {
        let s = scraper::Selector::parse(sel).expect("selector");
        doc.select(&s).next().map(|e| e.text().collect::<String>()).unwrap_or_default()
    };
    assert_eq!(text("#platform"), "meta");
    assert_eq!(text("#row-count"), "4");
    assert_eq!(text("#currency"), "EUR");
    let ad_ids: Vec<String> = doc
        .select(&scraper::Selector::parse("#preview-rows td.ad-id").expect("selector"))
        .map(|e| e.text().collect())
        .collect();
    assert_eq!(
        ad_ids,
        ["120212345678909999", "120212345678909999", "120212345678909990", "120212345678909990"]
    );
    assert!(text("#mapping").contains("Amount spent (EUR)"));
    assert!(text("#totals").contains("15660"));
    assert_eq!(import_count(&app), 0, "a preview writes nothing");
    assert_eq!(stored(&app).0, 0);

    let history = confirm(&app, &html).await;
    assert!(history.contains("meta_daily_bom.csv"), "{history}");
    let first =
        app.state.pool.run(|c| imports::list(c).map_err(DbError::from)).expect("list").remove(0);
    assert_eq!(
        (first.row_count, first.inserted_count, first.updated_count, first.ad_count),
        (4, 4, 0, 2)
    );
    assert_eq!(first.currency.as_deref(), Some("EUR"));
    assert_eq!(first.sha256.len(), 64);
    assert!(first.user_id.is_some());
    let totals = (15_660, 341, 1_619_310_000);
    assert_eq!(stored(&app), (4, totals));

    // The same file again: every row is an update, nothing is double-counted.
    let second = import_file(&app, "meta_daily_bom.csv", fixture("meta_daily_bom.csv")).await;
    assert_eq!((second.row_count, second.inserted_count, second.updated_count), (4, 0, 4));
    assert_eq!(stored(&app), (4, totals));
    assert_eq!(import_count(&app), 2);

    // The API lists both imports.
    let token = app.token_for("growth@example.com");
    let list = app.api_json(&token, "/api/v1/imports").await;
    assert_eq!(list.as_array().map(Vec::len), Some(2));
    assert_eq!(list[0]["updated_count"], 4);
}

#[actix_web::test]
async fn an_overlapping_file_updates_the_shared_days() {
    let app = spawn_app().await;
    app.login_as(Role::Admin).await;
    let head = "Ad name,Ad ID,Day,Impressions,Link clicks,Amount spent (USD)\n";
    let a = format!("{head}A,100,2026-09-01,1000,10,5.00\nA,100,2026-09-02,2000,20,6.00\n");
    let b = format!("{head}A,100,2026-09-02,2500,25,7.50\nA,100,2026-09-03,3000,30,8.00\n");
    let first = import_file(&app, "a.csv", a.into_bytes()).await;
    assert_eq!((first.inserted_count, first.updated_count), (2, 0));
    let second = import_file(&app, "b.csv", b.into_bytes()).await;
    assert_eq!((second.inserted_count, second.updated_count), (1, 1));
    // Day 2 now holds the second file's numbers: 1000 + 2500 + 3000.
    assert_eq!(stored(&app), (3, (6_500, 65, 20_500_000)));
}

#[actix_web::test]
async fn a_rejected_file_writes_nothing_and_says_where() {
    let app = spawn_app().await;
    app.login_as(Role::Growth).await;
    let res = upload(&app, "bad.csv", fixture("bad_impressions.csv"), "auto").await;
    assert_eq!(res.status().as_u16(), 422);
    let html = res.text().await.expect("body");
    let doc = scraper::Html::parse_document(&html);
    let rows: Vec<String> = doc
        .select(&scraper::Selector::parse("#row-errors tbody tr").expect("selector"))
        .map(|e| e.text().collect::<Vec<_>>().join("|"))
        .collect();
    assert!(rows.iter().any(|r| r.starts_with("4|Impressions|1,2OO")), "{rows:?}");
    assert!(rows.iter().any(|r| r.starts_with("6|Amount spent (USD)|12.5.0")), "{rows:?}");
    assert_eq!(import_count(&app), 0);

    // Confirming the kept blob anyway (a forged form) fails in the background, writing nothing.
    let blob = liftmask::blobs::BlobId::of(&fixture("bad_impressions.csv"));
    let token = extract_csrf(&html).expect("csrf");
    let res = app
        .client
        .post(app.url("/imports/confirm"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("blob", blob.as_str()),
            ("filename", "bad.csv"),
            ("platform", "meta"),
        ])
        .send()
        .await
        .expect("confirm");
    let job = res.headers()["location"].to_str().expect("location").to_owned();
    assert_eq!(app.run_jobs(), 1);
    let mut failed = false;
    for _ in 0..200 {
        let status: Value = app.get(&format!("{job}/status")).await.json().await.expect("json");
        if status["state"] == "failed" {
            assert!(status["error"].as_str().unwrap_or("").contains("line 4"), "{status}");
            failed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(failed, "the forged import did not fail");
    assert!(app.get_html(&job).await.contains("nothing was stored"));
    assert_eq!(import_count(&app), 0);
    assert_eq!(stored(&app).0, 0);
}

#[actix_web::test]
async fn platform_override_and_generic_mapping_reparse_the_kept_file() {
    let app = spawn_app().await;
    app.login_as(Role::Growth).await;
    // Generic headers are not detected: 422 with a re-read form holding the blob.
    let res = upload(&app, "generic.csv", fixture("generic_mapped.csv"), "auto").await;
    assert_eq!(res.status().as_u16(), 422);
    let html = res.text().await.expect("body");
    let token = extract_csrf(&html).expect("csrf");
    let blob = liftmask::blobs::BlobId::of(&fixture("generic_mapped.csv"));
    let fields = [
        ("csrf_token", token.as_str()),
        ("blob", blob.as_str()),
        ("filename", "generic.csv"),
        ("platform", "generic"),
        ("map_date", "date_dmy"),
        ("map_ad_id", "creative_ref"),
        ("map_ad_name", "creative_label"),
        ("map_impressions", "views"),
        ("map_clicks", "taps"),
        ("map_spend", "outlay"),
        ("map_conversions", "orders"),
        ("map_conversion_value", "sales"),
        ("map_currency", "ccy"),
    ];
    let res =
        app.client.post(app.url("/imports/reparse")).form(&fields).send().await.expect("reparse");
    assert_eq!(res.status().as_u16(), 200);
    let html = res.text().await.expect("body");
    assert!(html.contains("CAD"));
    assert_eq!(confirm_field(&html, "map_impressions"), "views");
    assert_eq!(import_count(&app), 0);
    let token = extract_csrf(&html).expect("csrf");
    let mut confirm_fields: Vec<(&str, &str)> = fields.to_vec();
    confirm_fields[0] = ("csrf_token", token.as_str());
    let res = app
        .client
        .post(app.url("/imports/confirm"))
        .form(&confirm_fields)
        .send()
        .await
        .expect("confirm");
    assert_eq!(res.status().as_u16(), 303);
    let job = res.headers()["location"].to_str().expect("location").to_owned();
    assert_eq!(app.run_jobs(), 1);
    for _ in 0..200 {
        if app.get(&job).await.status().as_u16() == 303 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let imp =
        app.state.pool.run(|c| imports::list(c).map_err(DbError::from)).expect("list").remove(0);
    assert_eq!(
        (imp.platform.as_str(), imp.row_count, imp.currency.as_deref()),
        ("generic", 3, Some("CAD"))
    );
    assert_eq!(stored(&app), (3, (350, 13, 35_750_000)));
}

#[actix_web::test]
async fn viewers_and_creative_directors_cannot_import() {
    for role in [Role::Viewer, Role::CreativeDirector] {
        let app = spawn_app().await;
        app.login_as(role).await;
        assert_eq!(app.get("/imports/new").await.status().as_u16(), 403, "{role}");
        let token = app.csrf_token("/imports").await;
        let res = upload_with_token(&app, &token).await;
        assert_eq!(res.status().as_u16(), 403, "{role}");
        let res = app
            .client
            .post(app.url("/imports/confirm"))
            .form(&[
                ("csrf_token", token.as_str()),
                ("blob", &"a".repeat(64)),
                ("filename", "x.csv"),
            ])
            .send()
            .await
            .expect("confirm");
        assert_eq!(res.status().as_u16(), 403, "{role}");
        let res = app
            .client
            .post(app.url("/ad-mappings"))
            .form(&[
                ("csrf_token", token.as_str()),
                ("platform", "meta"),
                ("ad_id", "1"),
                ("target", "master:1"),
            ])
            .send()
            .await
            .expect("map");
        assert_eq!(res.status().as_u16(), 403, "{role}");
        assert_eq!(import_count(&app), 0);
    }
}

async fn upload_with_token(app: &TestApp, token: &str) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(fixture("meta_daily_bom.csv")).file_name("m.csv");
    let form =
        reqwest::multipart::Form::new().text("csrf_token", token.to_owned()).part("file", part);
    app.client.post(app.url("/imports/preview")).multipart(form).send().await.expect("upload")
}

/// Imports are jobs: a worker process stores them, and their progress lives in the database, so
/// another instance of the server shows it too.
#[actix_web::test]
async fn imports_run_as_jobs_and_any_instance_shows_their_progress() {
    let app = crate::helpers::spawn_app_with(crate::helpers::SpawnOptions {
        workers: 1,
        ..Default::default()
    })
    .await;
    app.login_as(Role::Growth).await;
    // Through a worker process, end to end.
    let first = import_file(&app, "meta_daily_bom.csv", fixture("meta_daily_bom.csv")).await;
    assert_eq!((first.row_count, first.inserted_count, first.updated_count), (4, 4, 0));
    assert_eq!(stored(&app).0, 4);

    // Stop the workers: the next import waits in the queue, visible from a second instance.
    app.state.supervisor.shutdown();
    let res = upload(&app, "tiktok_by_day.csv", fixture("tiktok_by_day.csv"), "auto").await;
    let html = res.text().await.expect("body");
    let token = extract_csrf(&html).expect("csrf");
    let fields = [
        ("csrf_token", token),
        ("blob", confirm_field(&html, "blob")),
        ("filename", confirm_field(&html, "filename")),
        ("platform", confirm_field(&html, "platform")),
    ];
    let res =
        app.client.post(app.url("/imports/confirm")).form(&fields).send().await.expect("confirm");
    let job = res.headers()["location"].to_str().expect("location").to_owned();
    let other = liftmask::startup::Application::build(app.settings.clone()).expect("second app");
    let other_url = format!("http://127.0.0.1:{}", other.port());
    actix_web::rt::spawn(other.run_until_stopped());
    let status = |base: String| {
        let client = app.client.clone();
        let url = format!("{base}{job}/status");
        async move { client.get(url).send().await.expect("status").json::<Value>().await.expect("json") }
    };
    assert_eq!(status(other_url.clone()).await["state"], "queued");
    assert!(app.get_html(&job).await.contains("Waiting for a worker"));

    assert_eq!(app.run_jobs(), 1);
    let done = status(other_url.clone()).await;
    assert_eq!(done["state"], "done", "{done}");
    let newest = app.state.pool.run(|c| imports::list(c).map_err(DbError::from)).expect("list");
    assert_eq!(done["import_id"], newest[0].id);
    assert_eq!(
        (done["rows"].as_i64(), done["inserted"].as_i64()),
        (Some(i64::from(newest[0].row_count)), Some(i64::from(newest[0].inserted_count)))
    );
    let res = app.client.get(format!("{other_url}{job}")).send().await.expect("page");
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(res.headers()["location"], "/imports");
    // Job ids of other kinds are not import progress.
    assert_eq!(app.get("/imports/jobs/999999/status").await.status().as_u16(), 404);
}
