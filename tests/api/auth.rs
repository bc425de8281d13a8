use liftmask::auth::Role;

use crate::helpers::{PASSWORD, SpawnOptions, spawn_app, spawn_app_with};

#[actix_web::test]
async fn pages_redirect_to_login_without_a_session() {
    let app = spawn_app().await;
    let res = app.get("/").await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(res.headers()["location"], "/login?next=%2F");
    assert_eq!(app.get("/login").await.status().as_u16(), 200);
}

#[actix_web::test]
async fn login_with_the_right_password_opens_the_dashboard() {
    let app = spawn_app().await;
    app.create_user("ann@example.com", Role::Growth);
    app.login("ann@example.com").await;
    let html = app.get_html("/").await;
    assert!(html.contains("Dashboard"));
    assert!(html.contains("ann@example.com"));
}

#[actix_web::test]
async fn login_with_a_wrong_password_is_refused() {
    let app = spawn_app().await;
    app.create_user("ann@example.com", Role::Growth);
    let res = app
        .post_form("/login", &[("email", "ann@example.com"), ("password", "not the password")])
        .await;
    assert_eq!(res.status().as_u16(), 401);
    assert!(res.text().await.unwrap().contains("Invalid e-mail or password"));
    let res =
        app.post_form("/login", &[("email", "nobody@example.com"), ("password", PASSWORD)]).await;
    assert_eq!(res.status().as_u16(), 401);
    assert_eq!(app.get("/").await.status().as_u16(), 303, "still logged out");
}

#[actix_web::test]
async fn a_post_without_a_csrf_token_is_forbidden() {
    let app = spawn_app().await;
    app.create_user("ann@example.com", Role::Admin);
    // Open a session first so a token exists server-side; then leave it out.
    app.get("/login").await;
    let res = app
        .client
        .post(app.url("/login"))
        .form(&[("email", "ann@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
    assert!(res.text().await.unwrap().contains("CSRF"));
    // A wrong token is as bad as none.
    let res = app
        .client
        .post(app.url("/login"))
        .form(&[("email", "ann@example.com"), ("password", PASSWORD), ("csrf_token", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
    // And a logged-in user's state-changing POST needs it too.
    app.login("ann@example.com").await;
    let res = app
        .client
        .post(app.url("/admin/users"))
        .form(&[("email", "x@example.com"), ("role", "viewer"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
}

#[actix_web::test]
async fn a_role_is_denied_a_route_it_lacks() {
    let app = spawn_app().await;
    app.login_as(Role::Viewer).await;
    let res = app.get("/admin/users").await;
    assert_eq!(res.status().as_u16(), 403);
    let html = res.text().await.unwrap();
    assert!(html.contains("does not allow"), "403 page explains: {html}");
    let res = app
        .post_form(
            "/admin/users",
            &[("email", "x@example.com"), ("role", "admin"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status().as_u16(), 403);
}

#[actix_web::test]
async fn an_admin_can_add_users_who_can_then_log_in() {
    let app = spawn_app().await;
    app.login_as(Role::Admin).await;
    let res = app
        .post_form(
            "/admin/users",
            &[("email", "Cd@Example.com"), ("role", "creative_director"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    let html = app.get_html("/admin/users").await;
    assert!(html.contains("cd@example.com"));
    let other = spawn_client(&app);
    let token = crate::helpers::extract_csrf(
        &other.get(app.url("/login")).send().await.unwrap().text().await.unwrap(),
    )
    .unwrap();
    let res = other
        .post(app.url("/login"))
        .form(&[("email", "cd@example.com"), ("password", PASSWORD), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
}

fn spawn_client(_app: &crate::helpers::TestApp) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap()
}

#[actix_web::test]
async fn sessions_expire() {
    let app = spawn_app_with(SpawnOptions { session_ttl_secs: 1, ..SpawnOptions::default() }).await;
    app.create_user("ann@example.com", Role::Viewer);
    app.login("ann@example.com").await;
    assert_eq!(app.get("/").await.status().as_u16(), 200);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(app.get("/").await.status().as_u16(), 303, "expired session must log out");
}

#[actix_web::test]
async fn logout_ends_the_session() {
    let app = spawn_app().await;
    app.login_as(Role::Growth).await;
    let token = app.csrf_token("/").await;
    let res = app
        .client
        .post(app.url("/logout"))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(app.get("/").await.status().as_u16(), 303);
}

#[actix_web::test]
async fn login_attempts_are_rate_limited() {
    let app =
        spawn_app_with(SpawnOptions { login_attempts_per_minute: 3, ..SpawnOptions::default() })
            .await;
    for _ in 0..3 {
        let res = app
            .post_form("/login", &[("email", "x@example.com"), ("password", "wrong password")])
            .await;
        assert_eq!(res.status().as_u16(), 401);
    }
    let res = app
        .post_form("/login", &[("email", "x@example.com"), ("password", "wrong password")])
        .await;
    assert_eq!(res.status().as_u16(), 429);
}

#[actix_web::test]
async fn api_needs_a_valid_bearer_token() {
    let app = spawn_app().await;
    app.create_user("bot@example.com", Role::Growth);
    let res = app.get("/api/v1/me").await;
    assert_eq!(res.status().as_u16(), 401);
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("bearer"));
    let res = app.client.get(app.url("/api/v1/me")).bearer_auth("lm_forged").send().await.unwrap();
    assert_eq!(res.status().as_u16(), 401);
    let token = app.token_for("bot@example.com");
    let res = app.client.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let me: serde_json::Value = res.json().await.unwrap();
    assert_eq!(me["email"], "bot@example.com");
    assert_eq!(me["role"], "growth");
}

#[actix_web::test]
async fn session_cookie_is_http_only_and_same_site() {
    let app = spawn_app().await;
    let res = app.get("/login").await;
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(cookie.contains("liftmask_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
}
