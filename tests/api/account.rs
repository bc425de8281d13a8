//! The account page: log out everywhere, password changes, API tokens; and admin resets.

use diesel::prelude::*;
use liftmask::auth::Role;
use liftmask::db::DbError;
use liftmask::db::schema::api_tokens;
use liftmask::db_run;

use crate::helpers::{CookieBrowser, PASSWORD, TestApp, spawn_app};

const NEW_PASSWORD: &str = "a brand new passphrase";

async fn logged_in(app: &TestApp, email: &str) -> CookieBrowser {
    let mut b = CookieBrowser::new(app);
    assert_eq!(b.login(email, PASSWORD).await, 303, "login of {email}");
    b
}

#[actix_web::test]
async fn log_out_everywhere_ends_every_session_of_the_user() {
    let app = spawn_app().await;
    app.create_user("ann@example.com", Role::Growth);
    app.create_user("bob@example.com", Role::Growth);
    let mut laptop = logged_in(&app, "ann@example.com").await;
    let mut phone = logged_in(&app, "ann@example.com").await;
    let mut bob = logged_in(&app, "bob@example.com").await;
    let html = laptop.get("/account").await.text().await.unwrap();
    assert_eq!(html.matches("this one").count(), 1, "{html}");
    let laptop_cookie = laptop.cookie.clone();
    let res = laptop.post("/account/sessions/end-all", "/account", &[]).await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(res.headers()["location"], "/login");
    assert!(!phone.opens_dashboard().await, "the other device is logged out");
    assert!(!CookieBrowser::with_cookie(&app, &laptop_cookie).opens_dashboard().await);
    assert!(bob.opens_dashboard().await, "other users keep their sessions");
}

#[actix_web::test]
async fn changing_the_password_ends_the_other_sessions_only() {
    let app = spawn_app().await;
    app.create_user("ann@example.com", Role::Viewer);
    let mut here = logged_in(&app, "ann@example.com").await;
    let mut elsewhere = logged_in(&app, "ann@example.com").await;
    let change = |current: &'static str, confirm: &'static str| {
        [
            ("current_password", current),
            ("new_password", NEW_PASSWORD),
            ("confirm_password", confirm),
        ]
    };
    let res =
        here.post("/account/password", "/account", &change("wrong password", NEW_PASSWORD)).await;
    assert_eq!(res.status().as_u16(), 403, "the current password is required");
    let res = here.post("/account/password", "/account", &change(PASSWORD, "a typo in it")).await;
    assert_eq!(res.status().as_u16(), 400);
    assert!(elsewhere.opens_dashboard().await, "failed changes end nothing");
    let res = here.post("/account/password", "/account", &change(PASSWORD, NEW_PASSWORD)).await;
    assert_eq!(res.status().as_u16(), 303);
    assert!(here.opens_dashboard().await, "the session that changed it stays");
    assert!(!elsewhere.opens_dashboard().await, "every other session ends");
    assert_eq!(CookieBrowser::new(&app).login("ann@example.com", PASSWORD).await, 401);
    assert_eq!(CookieBrowser::new(&app).login("ann@example.com", NEW_PASSWORD).await, 303);
}

#[actix_web::test]
async fn an_admin_reset_shows_a_one_time_password_and_ends_the_users_sessions() {
    let app = spawn_app().await;
    app.create_user("ann@example.com", Role::Growth);
    let mut ann = logged_in(&app, "ann@example.com").await;
    app.create_user("root@example.com", Role::Admin);
    let mut admin = logged_in(&app, "root@example.com").await;
    let ann_id = user_id(&app, "ann@example.com");
    let res = admin
        .post(&format!("/admin/users/{ann_id}/password"), "/admin/users", &[("mode", "generate")])
        .await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let html = res.text().await.unwrap();
    let doc = scraper::Html::parse_document(&html);
    let sel = scraper::Selector::parse("#generated-password").unwrap();
    let generated = doc.select(&sel).next().expect("password shown").text().collect::<String>();
    assert!(generated.len() >= 20, "{generated}");
    assert!(!ann.opens_dashboard().await, "the reset logs the user out");
    assert_eq!(CookieBrowser::new(&app).login("ann@example.com", PASSWORD).await, 401);
    assert_eq!(CookieBrowser::new(&app).login("ann@example.com", &generated).await, 303);
    // Or the admin sets one; too short is refused.
    let set = |p: &'static str| [("mode", "set"), ("password", p)];
    let path = format!("/admin/users/{ann_id}/password");
    assert_eq!(admin.post(&path, "/admin/users", &set("short")).await.status().as_u16(), 400);
    assert_eq!(admin.post(&path, "/admin/users", &set(NEW_PASSWORD)).await.status().as_u16(), 200);
    assert_eq!(CookieBrowser::new(&app).login("ann@example.com", NEW_PASSWORD).await, 303);
    // Only admins reset passwords.
    let mut growth = CookieBrowser::new(&app);
    assert_eq!(growth.login("ann@example.com", NEW_PASSWORD).await, 303);
    let res = growth.post(&path, "/account", &set(PASSWORD)).await;
    assert_eq!(res.status().as_u16(), 403);
}

fn user_id(app: &TestApp, email: &str) -> i32 {
    app.state
        .pool
        .run(|c| liftmask::db::users::find_by_email(c, email).map_err(DbError::from))
        .unwrap()
        .unwrap()
        .id
}

async fn create_token(b: &mut CookieBrowser, fields: &[(&str, &str)]) -> String {
    let res = b.post("/account/tokens", "/account", fields).await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let html = res.text().await.unwrap();
    let doc = scraper::Html::parse_document(&html);
    let sel = scraper::Selector::parse("#new-token").unwrap();
    doc.select(&sel).next().expect("token shown").text().collect()
}

async fn api_status(app: &TestApp, method: reqwest::Method, path: &str, token: &str) -> u16 {
    let mut req = app.client.request(method.clone(), app.url(path)).bearer_auth(token);
    if method == reqwest::Method::POST {
        req = req.json(&serde_json::json!({"decision": "approve"}));
    }
    req.send().await.unwrap().status().as_u16()
}

#[actix_web::test]
async fn tokens_are_listed_revocable_scoped_and_expire() {
    use reqwest::Method;
    let app = spawn_app().await;
    app.create_user("ann@example.com", Role::Admin);
    let mut ann = logged_in(&app, "ann@example.com").await;

    let full = create_token(&mut ann, &[("name", "ci"), ("expires_days", "")]).await;
    let reader = create_token(
        &mut ann,
        &[("name", "dashboards"), ("expires_days", "30"), ("read_only", "on")],
    )
    .await;
    assert!(full.starts_with("lm_") && reader.starts_with("lm_"));
    assert_eq!(api_status(&app, Method::GET, "/api/v1/me", &full).await, 200);
    assert_eq!(api_status(&app, Method::GET, "/api/v1/me", &reader).await, 200);

    // The read-only token gets 403 on every state-changing call (well-formed ones: a body that
    // fails to parse is refused with 400 whatever the token).
    for path in [
        "/api/v1/masters",
        "/api/v1/variants",
        "/api/v1/variants/1/review",
        "/api/v1/variants/1/submit",
    ] {
        assert_eq!(api_status(&app, Method::POST, path, &reader).await, 403, "POST {path}");
    }
    assert_eq!(api_status(&app, Method::POST, "/api/v1/variants/1/review", &full).await, 404);

    let html = ann.get("/account").await.text().await.unwrap();
    assert!(html.contains("dashboards") && html.contains("read-only"), "{html}");
    assert!(html.contains("ci") && html.contains("read-write"), "{html}");
    assert!(html.contains("never"), "last used / expiry columns: {html}");

    // Revoked: 401 at once.
    let ids: Vec<(i32, String)> = app
        .state
        .pool
        .run(|c| {
            db_run!(c, |c| api_tokens::table
                .select((api_tokens::id, api_tokens::name))
                .order(api_tokens::id)
                .load(c))
            .map_err(DbError::from)
        })
        .unwrap();
    let (ci_id, _) = ids.iter().find(|(_, n)| n == "ci").unwrap().clone();
    let res = ann.post(&format!("/account/tokens/{ci_id}/revoke"), "/account", &[]).await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(api_status(&app, Method::GET, "/api/v1/me", &full).await, 401);
    assert!(!ann.get("/account").await.text().await.unwrap().contains(">ci<"));

    // Another user cannot revoke ann's token.
    let (reader_id, _) = ids.iter().find(|(_, n)| n == "dashboards").unwrap().clone();
    app.create_user("bob@example.com", Role::Growth);
    let mut bob = logged_in(&app, "bob@example.com").await;
    let res = bob.post(&format!("/account/tokens/{reader_id}/revoke"), "/account", &[]).await;
    assert_eq!(res.status().as_u16(), 404);
    assert_eq!(api_status(&app, Method::GET, "/api/v1/me", &reader).await, 200);

    // Expired: 401 once its time has passed.
    let past = liftmask::db::now() - chrono::TimeDelta::minutes(1);
    app.state
        .pool
        .run(|c| {
            db_run!(c, |c| diesel::update(api_tokens::table.find(reader_id))
                .set(api_tokens::expires_at.eq(Some(past)))
                .execute(c))
            .map_err(DbError::from)
        })
        .unwrap();
    assert_eq!(api_status(&app, Method::GET, "/api/v1/me", &reader).await, 401);
    assert!(ann.get("/account").await.text().await.unwrap().contains("expired"));

    // Out-of-range requests are refused.
    let res =
        ann.post("/account/tokens", "/account", &[("name", "x"), ("expires_days", "0")]).await;
    assert_eq!(res.status().as_u16(), 400);
    let res = ann.post("/account/tokens", "/account", &[("name", " "), ("expires_days", "")]).await;
    assert_eq!(res.status().as_u16(), 400);
}
