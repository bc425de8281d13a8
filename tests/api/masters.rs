//! Masters: upload through the page and the API, limits, and the list.

use liftmask::auth::Role;

use crate::helpers::{fixture_png, spawn_app, spawn_app_with};

#[actix_web::test]
async fn upload_through_the_page_then_list_and_show() {
    let app = spawn_app().await;
    app.login_as(Role::Growth).await;
    let token = app.csrf_token("/masters").await;
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", token.clone())
        .text("name", "Coffee <cup>")
        .text("source_model", "photo")
        .part(
            "image",
            reqwest::multipart::Part::bytes(fixture_png("coffee.png", 120, 80)).file_name("c.png"),
        );
    let res = app.client.post(app.url("/masters")).multipart(form).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/masters/"));
    let list = app.get_html("/masters").await;
    assert!(list.contains("Coffee &lt;cup&gt;"), "name not escaped");
    let page = app.get_html(&location).await;
    assert!(page.contains("120×80"));
    let thumb = app.get(&format!("{location}/thumb")).await;
    assert_eq!(thumb.headers()["content-type"], "image/png");
    // Without the CSRF token the upload is refused.
    let form = reqwest::multipart::Form::new()
        .text("name", "x")
        .part("image", reqwest::multipart::Part::bytes(fixture_png("coffee.png", 8, 8)));
    let res = app.client.post(app.url("/masters")).multipart(form).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 403);
}

#[actix_web::test]
async fn non_images_and_oversized_images_get_422_and_viewers_403() {
    let app = spawn_app_with(Default::default()).await;
    let token = app.api_user(Role::Growth);
    let send = |bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new()
            .text("name", "x")
            .part("image", reqwest::multipart::Part::bytes(bytes).file_name("x"));
        app.client.post(app.url("/api/v1/masters")).bearer_auth(&token).multipart(form).send()
    };
    let res = send(b"GIF89a not really".to_vec()).await.unwrap();
    assert_eq!(res.status().as_u16(), 422);
    assert!(res.text().await.unwrap().contains("expected PNG, JPEG or WebP"));
    let res = send(b"%PDF-1.4".to_vec()).await.unwrap();
    assert_eq!(res.status().as_u16(), 422);
    // 13000 px wide is past max_image_side (12000): refused from the header, not decoded.
    let wide = image::RgbImage::new(13_000, 1);
    let res = send(crate::helpers::png_bytes(&wide)).await.unwrap();
    assert_eq!(res.status().as_u16(), 422);
    let viewer = app.api_user(Role::Viewer);
    let form = reqwest::multipart::Form::new()
        .text("name", "x")
        .part("image", reqwest::multipart::Part::bytes(fixture_png("coffee.png", 8, 8)));
    let res = app
        .client
        .post(app.url("/api/v1/masters"))
        .bearer_auth(&viewer)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
}
