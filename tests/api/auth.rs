use liftmask::auth::Role;

use liftmask::db::audit_log;

use crate::helpers::{CookieBrowser, PASSWORD, SpawnOptions, spawn_app, spawn_app_with};

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
async fn a_cookie_copied_before_logout_no_longer_opens_pages() {
    let app = spawn_app().await;
    app.create_user("ann@example.com", Role::Growth);
    let mut browser = CookieBrowser::new(&app);
    assert_eq!(browser.login("ann@example.com", PASSWORD).await, 303);
    assert!(browser.opens_dashboard().await);
    let stolen = browser.cookie.clone();
    let mut thief = CookieBrowser::with_cookie(&app, &stolen);
    assert!(thief.opens_dashboard().await, "the copy works while the session is open");
    let res = browser.post("/logout", "/", &[]).await;
    assert_eq!(res.status().as_u16(), 303);
    let mut thief = CookieBrowser::with_cookie(&app, &stolen);
    let res = thief.get("/").await;
    assert_eq!(res.status().as_u16(), 303, "a replayed cookie must not open / after logout");
    assert_eq!(res.headers()["location"], "/login?next=%2F");
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
async fn one_account_is_rate_limited_across_addresses() {
    // Every request comes from 127.0.0.1, a trusted proxy here, so X-Forwarded-For gives each
    // attempt its own client address: only the per-account quota can stop them.
    let app = spawn_app_with(SpawnOptions {
        login_attempts_per_minute: 2,
        login_attempts_per_account_per_minute: 3,
        trusted_proxies: vec!["127.0.0.1"],
        ..SpawnOptions::default()
    })
    .await;
    app.create_user("ann@example.com", Role::Growth);
    let mut browser = CookieBrowser::new(&app);
    let attempt = |ip: &'static str, email: &'static str, password: &'static str| {
        (ip, [("email", email), ("password", password)])
    };
    for ip in ["198.51.100.1", "198.51.100.2", "198.51.100.3"] {
        let (ip, form) = attempt(ip, "ann@example.com", "wrong password");
        let res = browser.post_with("/login", "/login", &form, &[("x-forwarded-for", ip)]).await;
        assert_eq!(res.status().as_u16(), 401, "attempt from {ip}");
    }
    let (ip, form) = attempt("198.51.100.4", "ann@example.com", PASSWORD);
    let res = browser.post_with("/login", "/login", &form, &[("x-forwarded-for", ip)]).await;
    assert_eq!(res.status().as_u16(), 429, "a fourth attempt at the account within the minute");
    let (ip, form) = attempt("198.51.100.5", "bob@example.com", "wrong password");
    let res = browser.post_with("/login", "/login", &form, &[("x-forwarded-for", ip)]).await;
    assert_eq!(res.status().as_u16(), 401, "other accounts are not locked");
}

#[actix_web::test]
async fn forwarded_for_from_an_untrusted_peer_does_not_dodge_the_address_limit() {
    let app =
        spawn_app_with(SpawnOptions { login_attempts_per_minute: 2, ..SpawnOptions::default() })
            .await;
    let mut browser = CookieBrowser::new(&app);
    let mut statuses = Vec::new();
    for (i, ip) in ["198.51.100.1", "198.51.100.2", "198.51.100.3"].into_iter().enumerate() {
        let email = format!("user{i}@example.com");
        let form = [("email", email.as_str()), ("password", "wrong password")];
        let res = browser.post_with("/login", "/login", &form, &[("x-forwarded-for", ip)]).await;
        statuses.push(res.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 429]);
}

#[actix_web::test]
async fn the_next_parameter_only_leads_to_paths_on_this_site() {
    let app = spawn_app().await;
    app.create_user("ann@example.com", Role::Viewer);
    for (next, expected) in [
        ("/masters?page=2", "/masters?page=2"),
        ("/%09/evil.example", "/"),
        ("/\t/evil.example", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("/\\/evil.example", "/"),
        ("https://evil.example/", "/"),
        ("javascript:alert(1)", "/"),
        ("/%5Cevil.example", "/"),
        ("/%2F/evil.example", "/"),
        ("/\r\nSet-Cookie: x=1", "/"),
    ] {
        let mut browser = CookieBrowser::new(&app);
        let form = [("email", "ann@example.com"), ("password", PASSWORD), ("next", next)];
        let res = browser.post("/login", "/login", &form).await;
        assert_eq!(res.status().as_u16(), 303);
        assert_eq!(res.headers()["location"], expected, "next = {next:?}");
    }
    // The issue's probe: the login page itself must not carry the tab into its form.
    let html = app.get_html("/login?next=/%09/evil.example").await;
    let doc = scraper::Html::parse_document(&html);
    let sel = scraper::Selector::parse(r#"input[name="next"]"#).unwrap();
    assert_eq!(doc.select(&sel).next().unwrap().value().attr("value"), Some("/"));
    let html = app.get_html("/login?next=/variants/7").await;
    assert!(html.contains("&#x2F;variants&#x2F;7"), "a local next is kept");
}

#[actix_web::test]
async fn a_disabled_user_cannot_log_in_nor_use_old_cookies_or_tokens() {
    let app = spawn_app().await;
    app.create_user("ann@example.com", Role::Growth);
    let token = app.token_for("ann@example.com");
    let mut ann = CookieBrowser::new(&app);
    assert_eq!(ann.login("ann@example.com", PASSWORD).await, 303);
    let cookie = ann.cookie.clone();
    app.login_as(Role::Admin).await;
    let ann_id = user_id(&app, "ann@example.com");
    let res = app.post_form(&format!("/admin/users/{ann_id}/disable"), &[]).await;
    assert_eq!(res.status().as_u16(), 303);
    assert!(!CookieBrowser::with_cookie(&app, &cookie).opens_dashboard().await);
    let res = app.client.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 401);
    // Refused exactly like a wrong password: same status, same words.
    let mut again = CookieBrowser::new(&app);
    let res = again
        .post("/login", "/login", &[("email", "ann@example.com"), ("password", PASSWORD)])
        .await;
    assert_eq!(res.status().as_u16(), 401);
    assert!(res.text().await.unwrap().contains("Invalid e-mail or password"));
    // Enabled again, the password works and the old token too (it was never revoked).
    let res = app.post_form(&format!("/admin/users/{ann_id}/enable"), &[]).await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(CookieBrowser::new(&app).login("ann@example.com", PASSWORD).await, 303);
    let res = app.client.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    // An admin cannot lock themselves out.
    let admin_id = user_id(&app, "admin@example.com");
    let res = app.post_form(&format!("/admin/users/{admin_id}/disable"), &[]).await;
    assert_eq!(res.status().as_u16(), 409);
}

#[actix_web::test]
async fn failed_logins_and_admin_actions_are_audited_with_their_actor() {
    let app = spawn_app().await;
    app.create_user("ann@example.com", Role::Growth);
    let mut browser = CookieBrowser::new(&app);
    for (email, password) in
        [("ann@example.com", "wrong password"), ("ghost@example.com", PASSWORD)]
    {
        let res =
            browser.post("/login", "/login", &[("email", email), ("password", password)]).await;
        assert_eq!(res.status().as_u16(), 401);
    }
    app.login_as(Role::Admin).await;
    let admin = user_id(&app, "admin@example.com");
    let ann = user_id(&app, "ann@example.com");
    let res = app
        .post_form(
            "/admin/users",
            &[("email", "cd@example.com"), ("role", "viewer"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    let cd = user_id(&app, "cd@example.com");
    app.post_form(&format!("/admin/users/{cd}/role"), &[("role", "creative_director")]).await;
    app.post_form(&format!("/admin/users/{ann}/disable"), &[]).await;
    app.post_form(&format!("/admin/users/{ann}/enable"), &[]).await;
    let res = app.post_form(&format!("/admin/users/{ann}/password"), &[("mode", "generate")]).await;
    assert_eq!(res.status().as_u16(), 200);

    let log = app
        .state
        .pool
        .run(|c| audit_log::recent(c, 100).map_err(liftmask::db::DbError::from))
        .unwrap();
    let find = |action: &str, subject: &str| {
        log.iter()
            .find(|e| e.action == action && e.subject == subject)
            .unwrap_or_else(|| panic!("no {action} on {subject} in {log:#?}"))
    };
    let wrong = find("login.failed", &format!("user:{ann}"));
    assert!(wrong.detail.starts_with("wrong password from 127.0.0.1"), "{}", wrong.detail);
    assert_eq!(wrong.user_id, None, "nobody is authenticated when a login fails");
    let ghost = find("login.failed", "email:ghost@example.com");
    assert!(ghost.detail.starts_with("unknown e-mail"), "{}", ghost.detail);
    for (action, subject) in [
        ("user.create", cd),
        ("user.role", cd),
        ("user.disable", ann),
        ("user.enable", ann),
        ("user.password_reset", ann),
    ] {
        assert_eq!(find(action, &format!("user:{subject}")).user_id, Some(admin), "{action}");
    }
}

fn user_id(app: &crate::helpers::TestApp, email: &str) -> i32 {
    app.state
        .pool
        .run(|c| liftmask::db::users::find_by_email(c, email).map_err(liftmask::db::DbError::from))
        .unwrap()
        .unwrap()
        .id
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

#[actix_web::test]
async fn the_api_ignores_a_browser_session_cookie() {
    let app = spawn_app().await;
    let email = app.login_as(Role::Growth).await;
    assert_eq!(app.get("/").await.status().as_u16(), 200, "the cookie opens pages");
    // The API is exempt from CSRF tokens, so a cookie alone must never authenticate there: a
    // cross-site form could otherwise post with it. Reads are refused as well as writes.
    assert_eq!(app.get("/api/v1/me").await.status().as_u16(), 401);
    let res = app
        .client
        .post(app.url("/api/v1/ad-mappings"))
        .json(&serde_json::json!({"platform": "meta", "ad_id": "1", "target": "variant:1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 401);
    // With both, the token decides whose request it is.
    app.create_user("bot@example.com", Role::Viewer);
    let token = app.token_for("bot@example.com");
    let res = app.client.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap();
    let me: serde_json::Value = res.json().await.unwrap();
    assert_eq!(me["email"], "bot@example.com");
    assert_ne!(me["email"], email.as_str());
}
