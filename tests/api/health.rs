use crate::helpers::spawn_app;

#[actix_web::test]
async fn healthz_reports_the_database() {
    let app = spawn_app().await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status().as_u16(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "ok");
}

#[actix_web::test]
async fn static_assets_are_served_with_a_content_type() {
    let app = spawn_app().await;
    let res = app.get("/static/css/app.css").await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-type"], "text/css; charset=utf-8");
    assert_eq!(app.get("/static/../Cargo.toml").await.status().as_u16(), 404);
    assert_eq!(app.get("/static/nope.css").await.status().as_u16(), 404);
}
