//! Workspaces: users belong to one, and every lookup by id is scoped to it. User A (default
//! workspace) makes a master, a variant, an experiment, an import and an ad mapping; user B, whom
//! an admin puts into a new workspace from the admin page, gets 404 for each of them, exactly as
//! for a missing id, and none of A's names in any listing. Every URL is first checked to answer A,
//! so a 404 for B is the scope and not a broken URL.

use liftmask::auth::Role;
use liftmask::db::{DbError, users};
use reqwest::Client;
use serde_json::json;

use crate::helpers::{
    PASSWORD, SpawnOptions, TestApp, fixture_png, logged_in_client, rect_mask, spawn_app_with,
};
use crate::imports::{fixture, import_file};

const MASTER_NAME: &str = "Alpha secret master";
const EXPERIMENT_NAME: &str = "Alpha secret test";
const IMPORT_FILE: &str = "alpha-secret.csv";
/// An ad of `meta_daily_bom.csv` that A maps by hand.
const AD_ID: &str = "120212345678909999";

/// What A made.
struct Alpha {
    master: i64,
    variant: i64,
    code: String,
    /// A second variant, left a draft.
    draft_code: String,
    job: i64,
    experiment: i64,
    import_job: String,
}

/// A (the logged-in `app.client`, default workspace) makes one of everything.
async fn alpha_makes_everything(app: &TestApp, token: &str) -> Alpha {
    let (w, h) = (96, 64);
    let master = app.api_master(token, fixture_png("coffee.png", w, h), MASTER_NAME).await;
    let mask = rect_mask(w, h, (10, 10, 20, 20));
    let params = r##"{"hex":"#2255aa"}"##;
    let res = app
        .api_variant_raw(token, ("master", master), "cup", "blue", "recolor", mask, params, None)
        .await;
    assert_eq!(res.status().as_u16(), 201);
    let created: serde_json::Value = res.json().await.expect("json");
    let (variant, job) = (created["id"].as_i64().unwrap(), created["job_id"].as_i64().unwrap());
    let code = created["code"].as_str().unwrap().to_owned();
    assert_eq!(app.run_jobs(), 1);
    for action in ["submit", "review"] {
        let res = app
            .client
            .post(app.url(&format!("/api/v1/variants/{variant}/{action}")))
            .bearer_auth(token)
            .json(&json!({"decision": "approve", "comment": ""}))
            .send()
            .await
            .expect("request");
        assert_eq!(res.status().as_u16(), 200, "{action}: {}", res.text().await.unwrap());
    }
    let res = app
        .client
        .post(app.url("/api/v1/experiments"))
        .bearer_auth(token)
        .json(&json!({
            "master_id": master, "name": EXPERIMENT_NAME, "start_date": "2026-09-01",
            "primary_metric": "ctr", "method": "frequentist",
            "treatments": [{"variant_id": variant}],
        }))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), 201, "{}", res.text().await.unwrap());
    let experiment = res.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap();

    import_file(app, IMPORT_FILE, fixture("meta_daily_bom.csv")).await;
    let import_job = app
        .state
        .pool
        .run(|c| {
            use diesel::prelude::*;
            use liftmask::db::schema::jobs;
            liftmask::db_run!(c, |c| jobs::table
                .filter(jobs::kind.eq("import"))
                .select(jobs::id)
                .first::<i32>(c))
            .map_err(DbError::from)
        })
        .expect("import job")
        .to_string();
    let res = app
        .client
        .post(app.url("/api/v1/ad-mappings"))
        .bearer_auth(token)
        .json(&json!({"platform": "meta", "ad_id": AD_ID, "target": format!("variant:{variant}")}))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), 201, "{}", res.text().await.unwrap());
    let mask = rect_mask(w, h, (40, 10, 20, 20));
    let res = app
        .api_variant_raw(token, ("master", master), "cup", "green", "recolor", mask, params, None)
        .await;
    assert_eq!(res.status().as_u16(), 201);
    let draft_code =
        res.json::<serde_json::Value>().await.unwrap()["code"].as_str().unwrap().into();
    Alpha { master, variant, code, draft_code, job, experiment, import_job }
}

/// The admin (A) adds B as an admin of a new workspace on the admin page; B gets a token and a
/// browser of their own.
async fn admin_adds_beta(app: &TestApp) -> (Client, String, String) {
    let res = app
        .post_form(
            "/admin/users",
            &[
                ("email", "beta@example.com"),
                ("role", "admin"),
                ("password", PASSWORD),
                ("workspace", ""),
                ("new_workspace", "Rival Brand"),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    let html = app.get_html("/admin/users").await;
    assert!(html.contains("Created beta@example.com"), "{html}");
    assert!(html.contains("Rival Brand"), "the users page names the workspace");
    let (client, csrf) = logged_in_client(app, "beta@example.com").await;
    (client, csrf, app.token_for("beta@example.com"))
}

/// The pages and API reads of each of A's objects.
fn reads(a: &Alpha) -> Vec<(bool, String)> {
    let (m, v, e, j) = (a.master, a.variant, a.experiment, a.job);
    let page = |p: String| (false, p);
    let api = |p: String| (true, p);
    let mut out = vec![
        page(format!("/masters/{m}")),
        page(format!("/masters/{m}/image")),
        page(format!("/masters/{m}/thumb")),
        page(format!("/variants/new?parent_kind=master&parent_id={m}")),
        page(format!("/variants/new?parent_kind=variant&parent_id={v}")),
        page(format!("/variants/{v}")),
        page(format!("/variants/{v}/download")),
        page(format!("/experiments/{e}")),
        page(format!("/experiments/{e}/results.csv")),
        page(format!("/experiments/{e}/daily.csv")),
        page(format!("/experiments/new?master_id={m}")),
        page(format!("/jobs/{j}.json")),
        page(format!("/imports/jobs/{}/status", a.import_job)),
        api(format!("/api/v1/masters/{m}/tree")),
        api(format!("/api/v1/variants/{v}")),
        api(format!("/api/v1/variants/{v}/image")),
        api(format!("/api/v1/experiments/{e}")),
        api(format!("/api/v1/experiments/{e}/results.csv")),
        api(format!("/api/v1/experiments/{e}/daily.csv")),
        api(format!("/api/v1/jobs/{j}")),
    ];
    for which in ["result", "parent", "mask", "diff", "leak", "overlay"] {
        out.push(page(format!("/variants/{v}/{which}.png")));
    }
    out
}

/// The listings each user sees, pages and API, and whether A's shows one of A's names (the
/// variables leaderboard has no row for an experiment without data on both arms).
const LISTINGS: &[(bool, &str, bool)] = &[
    (false, "/", true),
    (false, "/masters", true),
    (false, "/reviews", true),
    (false, "/experiments", true),
    (false, "/experiments/new", true),
    (false, "/variables", false),
    (false, "/variables.csv", false),
    (false, "/imports", true),
    (false, "/ad-mappings/unmapped", true),
    (true, "/api/v1/experiments", true),
    (true, "/api/v1/imports", true),
    (true, "/api/v1/ad-mappings", true),
    (true, "/api/v1/variables", false),
    (true, "/api/v1/variables.csv", false),
];

async fn get(app: &TestApp, client: &Client, token: &str, api: bool, path: &str) -> (u16, String) {
    let req = client.get(app.url(path));
    let req = if api { req.bearer_auth(token) } else { req };
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    (status, String::from_utf8_lossy(&res.bytes().await.expect("body")).into_owned())
}

/// The message of an error page (whose layout names the path), or the whole body (JSON).
fn error_text(body: &str) -> String {
    let doc = scraper::Html::parse_document(body);
    let sel = scraper::Selector::parse("section.error-page").expect("selector");
    doc.select(&sel).next().map_or_else(|| body.to_owned(), |e| e.text().collect())
}

#[actix_web::test]
async fn another_workspace_reads_as_missing_and_stays_out_of_listings() {
    let app =
        spawn_app_with(SpawnOptions { allow_self_approval: true, ..Default::default() }).await;
    let email_a = app.login_as(Role::Admin).await;
    let token_a = app.token_for(&email_a);
    let a = alpha_makes_everything(&app, &token_a).await;
    let (b, csrf_b, token_b) = admin_adds_beta(&app).await;
    let ws = |email: &str| {
        let email = email.to_owned();
        app.state
            .pool
            .run(move |c| users::find_by_email(c, &email).map_err(DbError::from))
            .unwrap()
            .unwrap()
            .workspace_id
    };
    assert_ne!(ws(&email_a), ws("beta@example.com"));

    let none = Alpha {
        master: 999_999,
        variant: 999_999,
        code: String::new(),
        draft_code: String::new(),
        job: 999_999,
        experiment: 999_999,
        import_job: "999999".into(),
    };
    for ((api, path), (_, missing)) in reads(&a).into_iter().zip(reads(&none)) {
        let (status, _) = get(&app, &app.client, &token_a, api, &path).await;
        assert_eq!(status, 200, "A reads {path}");
        let (status, body) = get(&app, &b, &token_b, api, &path).await;
        assert_eq!(status, 404, "B reads {path}: {body}");
        // The same answer as for an id that does not exist.
        let (status, missing_body) = get(&app, &b, &token_b, api, &missing).await;
        assert_eq!(
            (status, error_text(&missing_body)),
            (404, error_text(&body)),
            "{path} against {missing}"
        );
    }

    let secrets = [MASTER_NAME, EXPERIMENT_NAME, IMPORT_FILE, AD_ID, &a.code, &a.draft_code];
    for (api, path, shows_a) in LISTINGS {
        let (status, mine) = get(&app, &app.client, &token_a, *api, path).await;
        assert_eq!(status, 200, "A lists {path}");
        let (status, theirs) = get(&app, &b, &token_b, *api, path).await;
        assert_eq!(status, 200, "B lists {path}");
        for secret in secrets {
            assert!(!theirs.contains(secret), "B's {path} shows A's {secret}");
        }
        if *shows_a {
            assert!(secrets.iter().any(|s| mine.contains(s)), "A's {path} shows no name of A's");
        }
    }

    // Writes on A's objects: 404, and nothing changes.
    let form = |path: String, fields: Vec<(&'static str, String)>| {
        let mut fields = fields;
        fields.push(("csrf_token", csrf_b.clone()));
        b.post(app.url(&path)).form(&fields).send()
    };
    let (v, m) = (a.variant, a.master);
    let writes = [
        form(format!("/variants/{v}/submit"), vec![]),
        form(format!("/variants/{v}/review"), vec![("decision", "reject".into())]),
        form(
            "/ad-mappings".into(),
            vec![
                ("platform", "meta".into()),
                ("ad_id", "555".into()),
                ("target", format!("variant:{v}")),
            ],
        ),
        form(
            "/ad-mappings".into(),
            vec![
                ("platform", "meta".into()),
                ("ad_id", "555".into()),
                ("target", format!("master:{m}")),
            ],
        ),
        form(
            "/experiments".into(),
            vec![
                ("master_id", m.to_string()),
                ("name", "stolen".into()),
                ("start_date", "2026-09-01".into()),
                ("treatment", v.to_string()),
            ],
        ),
    ];
    for (i, w) in writes.into_iter().enumerate() {
        let res = w.await.expect("request");
        assert_eq!(res.status().as_u16(), 404, "page write #{i}");
    }
    let api_post = |path: String, body: serde_json::Value| {
        app.client.post(app.url(&path)).bearer_auth(&token_b).json(&body).send()
    };
    let api_writes = [
        api_post(format!("/api/v1/variants/{v}/submit"), json!({})),
        api_post(format!("/api/v1/variants/{v}/review"), json!({"decision": "reject"})),
        api_post(
            "/api/v1/ad-mappings".into(),
            json!({"platform": "meta", "ad_id": "555", "target": format!("variant:{v}")}),
        ),
        api_post(
            "/api/v1/experiments".into(),
            json!({"master_id": m, "name": "stolen", "start_date": "2026-09-01",
                   "primary_metric": "ctr", "method": "frequentist",
                   "treatments": [{"variant_id": v}]}),
        ),
    ];
    for (i, w) in api_writes.into_iter().enumerate() {
        let res = w.await.expect("request");
        assert_eq!(res.status().as_u16(), 404, "API write #{i}");
    }
    for parent in [("master", m), ("variant", v)] {
        let mask = rect_mask(96, 64, (10, 10, 20, 20));
        let params = r##"{"hex":"#000000"}"##;
        let res = app
            .api_variant_raw(&token_b, parent, "cup", "black", "recolor", mask, params, None)
            .await;
        assert_eq!(res.status().as_u16(), 404, "variant on A's {}", parent.0);
    }

    // B's own master: B can map an ad to it, but not take over the ad A mapped.
    let own = app.api_master(&token_b, fixture_png("coffee.png", 96, 64), "Beta master").await;
    let map = |ad: &'static str| {
        api_post(
            "/api/v1/ad-mappings".into(),
            json!({"platform": "meta", "ad_id": ad, "target": format!("master:{own}")}),
        )
    };
    assert_eq!(map("555").await.unwrap().status().as_u16(), 201);
    assert_eq!(map(AD_ID).await.unwrap().status().as_u16(), 404, "A's mapped ad");
    let tree = app.api_json(&token_b, &format!("/api/v1/masters/{own}/tree")).await;
    assert_eq!(tree["master"]["name"], "Beta master");
    assert_eq!(
        get(&app, &app.client, &token_a, true, &format!("/api/v1/masters/{own}/tree")).await.0,
        404
    );

    // Nothing of A's changed.
    let after = app.api_json(&token_a, &format!("/api/v1/variants/{v}")).await;
    assert_eq!(after["status"], "approved");
    let mappings = app.api_json(&token_a, "/api/v1/ad-mappings").await;
    let mapped: Vec<_> = mappings.as_array().unwrap().iter().map(|m| m["ad_id"].clone()).collect();
    assert_eq!(mapped, vec![json!(AD_ID)]);
    let experiments = app.api_json(&token_a, "/api/v1/experiments").await;
    assert_eq!(experiments.as_array().unwrap().len(), 1);
}

/// Adds a viewer on the admin page; returns the answer's status.
async fn add_user(app: &TestApp, email: &str, workspace: String, new: &str) -> u16 {
    let fields = [
        ("email", email),
        ("role", "viewer"),
        ("password", PASSWORD),
        ("workspace", workspace.as_str()),
        ("new_workspace", new),
    ];
    app.post_form("/admin/users", &fields).await.status().as_u16()
}

#[actix_web::test]
async fn admins_put_users_into_existing_or_new_workspaces() {
    let app = spawn_app_with(SpawnOptions::default()).await;
    app.login_as(Role::Admin).await;
    let workspace_of = |email: &'static str| {
        app.state
            .pool
            .run(move |c| users::find_by_email(c, email).map_err(DbError::from))
            .unwrap()
            .map(|u| u.workspace_id)
    };
    let admin_ws = workspace_of("admin@example.com").unwrap();
    assert_eq!(add_user(&app, "one@example.com", String::new(), "Acme Coffee").await, 303);
    let acme = workspace_of("one@example.com").unwrap();
    assert_ne!(acme, admin_ws);
    assert_eq!(add_user(&app, "two@example.com", acme.to_string(), "").await, 303);
    assert_eq!(workspace_of("two@example.com"), Some(acme));
    // A new workspace named like an existing one is refused, not joined.
    assert_eq!(add_user(&app, "three@example.com", String::new(), "acme coffee").await, 303);
    assert_eq!(workspace_of("three@example.com"), None);
    let html = app.get_html("/admin/users").await;
    assert!(html.contains("exists already"), "{html}");
    // A form without a workspace (or the CLI) puts the user into the default workspace.
    assert_eq!(add_user(&app, "four@example.com", String::new(), "").await, 303);
    assert_eq!(workspace_of("four@example.com"), Some(admin_ws));
    assert_eq!(add_user(&app, "five@example.com", "999999".into(), "").await, 303);
    assert_eq!(workspace_of("five@example.com"), None);
}
