use liftmask::auth::Role;

use crate::helpers::{PASSWORD, spawn_app};

#[actix_web::test]
async fn unknown_pages_get_a_rendered_404() {
    let app = spawn_app().await;
    let res = app.get("/no/such/page").await;
    assert_eq!(res.status().as_u16(), 404);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(res.text().await.unwrap().contains("Not Found"));
}

#[actix_web::test]
async fn user_input_is_html_escaped() {
    let app = spawn_app().await;
    let evil = "<script>alert(1)</script>@example.com";
    let res = app.post_form("/login", &[("email", evil), ("password", PASSWORD)]).await;
    assert_eq!(res.status().as_u16(), 401);
    let html = res.text().await.unwrap();
    assert!(!html.contains("<script>alert(1)</script>"), "autoescape must be on");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;"));
}

#[actix_web::test]
async fn the_dashboard_counts_and_shows_activity() {
    let app = spawn_app().await;
    let email = app.login_as(Role::Admin).await;
    let html = app.get_html("/").await;
    assert!(html.contains("user.create"), "the audit log shows the account creation");
    assert!(html.contains(&email));
}
