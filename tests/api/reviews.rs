//! Review: roles, transitions, history, the queue and the hallucination ceiling.

use liftmask::auth::Role;

use crate::helpers::{fixture_png, rect_mask, spawn_app};

async fn rendered_variant(
    app: &crate::helpers::TestApp,
    token: &str,
    master: i64,
    value: &str,
    rect: (u32, u32, u32, u32),
) -> i64 {
    let res = app
        .api_variant_raw(
            token,
            ("master", master),
            "background",
            value,
            "erase",
            rect_mask(96, 64, rect),
            "{}",
            None,
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    let id = res.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap();
    app.run_jobs();
    id
}

async fn submit(app: &crate::helpers::TestApp, token: &str, id: i64) -> u16 {
    let url = app.url(&format!("/api/v1/variants/{id}/submit"));
    app.client.post(url).bearer_auth(token).send().await.unwrap().status().as_u16()
}

async fn approve(app: &crate::helpers::TestApp, token: &str, id: i64) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/variants/{id}/review")))
        .bearer_auth(token)
        .json(&serde_json::json!({"decision": "approve"}))
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn four_eyes_the_creator_cannot_approve_their_own_variant() {
    let app = spawn_app().await;
    let director = app.api_user(Role::CreativeDirector);
    let admin = app.api_user(Role::Admin);
    let master = app.api_master(&director, fixture_png("astronaut.png", 96, 64), "Astronaut").await;
    let id = rendered_variant(&app, &director, master, "plain", (30, 20, 20, 20)).await;
    assert_eq!(submit(&app, &director, id).await, 200);
    let res = approve(&app, &director, id).await;
    assert_eq!(res.status().as_u16(), 403);
    assert!(res.text().await.unwrap().contains("another reviewer"));
    let res = approve(&app, &admin, id).await;
    assert_eq!(res.status().as_u16(), 200, "a second pair of eyes approves");
    // The creator may still reject their own work.
    let other = rendered_variant(&app, &director, master, "dark", (10, 10, 20, 20)).await;
    let res = app
        .client
        .post(app.url(&format!("/api/v1/variants/{other}/review")))
        .bearer_auth(&director)
        .json(&serde_json::json!({"decision": "reject"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
}

#[actix_web::test]
async fn a_one_person_team_may_allow_self_approval() {
    let app = crate::helpers::spawn_app_with(crate::helpers::SpawnOptions {
        allow_self_approval: true,
        ..Default::default()
    })
    .await;
    let director = app.api_user(Role::CreativeDirector);
    let master = app.api_master(&director, fixture_png("astronaut.png", 96, 64), "Astronaut").await;
    let id = rendered_variant(&app, &director, master, "plain", (30, 20, 20, 20)).await;
    assert_eq!(approve(&app, &director, id).await.status().as_u16(), 409, "still not from draft");
    assert_eq!(submit(&app, &director, id).await, 200);
    assert_eq!(approve(&app, &director, id).await.status().as_u16(), 200);
}

#[actix_web::test]
async fn only_directors_and_admins_approve_and_history_is_kept() {
    let app = spawn_app().await;
    let growth = app.api_user(Role::Growth);
    let viewer = app.api_user(Role::Viewer);
    let director = app.api_user(Role::CreativeDirector);
    let master = app.api_master(&growth, fixture_png("astronaut.png", 96, 64), "Astronaut").await;
    let id = rendered_variant(&app, &growth, master, "plain", (30, 20, 20, 20)).await;
    let url = app.url(&format!("/api/v1/variants/{id}/review"));
    let body = serde_json::json!({"decision": "approve", "comment": "ok"});
    for token in [&growth, &viewer] {
        let res = app.client.post(&url).bearer_auth(token).json(&body).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 403);
    }
    let bad = app
        .client
        .post(&url)
        .bearer_auth(&director)
        .json(&serde_json::json!({"decision": "maybe"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);
    let res = app.client.post(&url).bearer_auth(&director).json(&body).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 409, "no approval straight from draft");
    assert!(res.text().await.unwrap().contains("send it to review first"));
    assert_eq!(submit(&app, &growth, id).await, 200);
    let res = app.client.post(&url).bearer_auth(&director).json(&body).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.json::<serde_json::Value>().await.unwrap()["status"], "approved");
    let again = app.client.post(&url).bearer_auth(&director).json(&body).send().await.unwrap();
    assert_eq!(again.status().as_u16(), 409);

    // Pages: growth submits a second variant to review, the director rejects it through the form.
    let second = rendered_variant(&app, &growth, master, "dark", (10, 10, 20, 20)).await;
    app.login_as(Role::Growth).await;
    let token = app.csrf_token(&format!("/variants/{second}")).await;
    let res = app
        .client
        .post(app.url(&format!("/variants/{second}/submit")))
        .form(&[("csrf_token", token.as_str()), ("comment", "please")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let forbidden = app
        .client
        .post(app.url(&format!("/variants/{second}/review")))
        .form(&[("csrf_token", token.as_str()), ("decision", "approve")])
        .send()
        .await
        .unwrap();
    assert_eq!(forbidden.status().as_u16(), 403);
    let queue = app.get_html("/reviews").await;
    assert!(queue.contains(&format!("/variants/{second}\"")));
    app.login_as(Role::CreativeDirector).await;
    let token = app.csrf_token(&format!("/variants/{second}")).await;
    let res = app
        .client
        .post(app.url(&format!("/variants/{second}/review")))
        .form(&[("csrf_token", token.as_str()), ("decision", "reject"), ("comment", "edge smear")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let html = app.get_html(&format!("/variants/{second}")).await;
    assert!(
        html.contains("in_review") && html.contains("rejected") && html.contains("edge smear"),
        "history missing"
    );
}

#[actix_web::test]
async fn three_rejections_of_the_same_region_hit_the_hallucination_ceiling() {
    let app = spawn_app().await;
    let growth = app.api_user(Role::Growth);
    let director = app.api_user(Role::CreativeDirector);
    let master = app.api_master(&growth, fixture_png("chelsea.png", 96, 64), "Cat").await;
    let mut last = 0;
    for (i, rect) in [(30, 20, 20, 20), (31, 21, 20, 20), (29, 20, 21, 20)].into_iter().enumerate()
    {
        last = rendered_variant(&app, &growth, master, &format!("try {i}"), rect).await;
        let res = app
            .client
            .post(app.url(&format!("/api/v1/variants/{last}/review")))
            .bearer_auth(&director)
            .json(&serde_json::json!({"decision": "reject"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
        app.login_as_once(Role::Viewer).await;
        let html = app.get_html(&format!("/variants/{last}")).await;
        assert_eq!(html.contains("hallucination ceiling"), i == 2, "after {} rejections", i + 1);
    }
    // Elsewhere on the same master there is no ceiling.
    let other = rendered_variant(&app, &growth, master, "elsewhere", (0, 0, 16, 16)).await;
    assert!(!app.get_html(&format!("/variants/{other}")).await.contains("hallucination ceiling"));
    assert!(last > 0);
}

/// The demo's one admin makes and approves its variants: seeding still ends with every variant
/// approved, through review, although four eyes is on by default.
#[actix_web::test]
async fn demo_seeding_approves_its_variants_through_review() {
    use liftmask::db::{DbError, reviews, variants};

    let app = spawn_app().await;
    assert!(!app.settings.review.allow_self_approval);
    app.state.pool.run(liftmask::services::accounts::ensure_demo_admin).unwrap();
    let ctx = liftmask::jobs::WorkerContext {
        pool: app.state.pool.clone(),
        blobs: app.state.blobs.clone(),
        settings: std::sync::Arc::new(app.settings.clone()),
    };
    let summary = actix_web::web::block(move || {
        let engine =
            liftmask::jobs::build_engine(&inpaint_torch::TorchBackends, &ctx.settings.engine)
                .unwrap();
        liftmask::services::demo::seed_if_empty(&ctx, engine.as_ref())
    })
    .await
    .unwrap()
    .unwrap()
    .expect("an empty database gets the demo");
    assert!(!summary.variant_ids.is_empty());
    for id in summary.variant_ids {
        let (v, history) = app
            .state
            .pool
            .run(|c| Ok::<_, DbError>((variants::find(c, id)?, reviews::history(c, id)?)))
            .unwrap();
        assert_eq!(v.status.as_str(), "approved", "{}", v.code);
        let steps: Vec<_> =
            history.iter().map(|h| (h.from_status.as_str(), h.to_status.as_str())).collect();
        assert_eq!(steps, [("draft", "in_review"), ("in_review", "approved")], "{}", v.code);
    }
}
