//! Attacks replayed against the real server: missing headers, CSRF tokens in URLs or after a large
//! body, oversized fields, and fuzzed uploads that must get a 4xx, never a crash.

use liftmask::auth::Role;
use rand::{Rng, SeedableRng};

use crate::helpers::{TestApp, fixture_png, spawn_app};

#[actix_web::test]
async fn every_answer_carries_the_security_headers() {
    let app = spawn_app().await;
    for path in ["/login", "/static/css/app.css", "/no-such-page", "/api/v1/me"] {
        let res = app.get(path).await;
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        assert!(h.get("strict-transport-security").is_none(), "no HSTS over plain HTTP");
    }
}

#[actix_web::test]
async fn pages_have_no_inline_script_or_style() {
    let app = spawn_app().await;
    app.login_as(Role::Admin).await;
    for path in ["/", "/masters", "/imports/new", "/experiments", "/variables", "/admin/users"] {
        let html = app.get_html(path).await;
        let doc = scraper::Html::parse_document(&html);
        let inline_script = scraper::Selector::parse("script:not([src])").unwrap();
        assert_eq!(doc.select(&inline_script).count(), 0, "inline script on {path}");
        for sel in ["style", "[style]", "[onclick]", "[onload]", "[onsubmit]", "[onchange]"] {
            let sel = scraper::Selector::parse(sel).unwrap();
            assert_eq!(doc.select(&sel).count(), 0, "CSP-blocked markup {sel:?} on {path}");
        }
    }
}

fn master_form(token: &str, name: &str) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("csrf_token", token.to_owned())
        .text("name", name.to_owned())
        .part(
            "image",
            reqwest::multipart::Part::bytes(fixture_png("coffee.png", 16, 16)).file_name("c.png"),
        )
}

#[actix_web::test]
async fn upload_forms_take_the_csrf_token_from_the_body_not_the_url() {
    let app = spawn_app().await;
    app.login_as(Role::Growth).await;
    let token = app.csrf_token("/masters").await;
    // In the URL it would leak through history, logs and Referer: refused.
    let form = reqwest::multipart::Form::new().text("name", "x").part(
        "image",
        reqwest::multipart::Part::bytes(fixture_png("coffee.png", 16, 16)).file_name("c.png"),
    );
    let res = app
        .client
        .post(app.url(&format!("/masters?csrf_token={token}")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
    // As the first form field: accepted. As a header (scripts): accepted.
    let res = app
        .client
        .post(app.url("/masters"))
        .multipart(master_form(&token, "a"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let form = reqwest::multipart::Form::new().text("name", "b").part(
        "image",
        reqwest::multipart::Part::bytes(fixture_png("coffee.png", 16, 16)).file_name("c.png"),
    );
    let res = app
        .client
        .post(app.url("/masters"))
        .header("x-csrf-token", &token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    // A forged token is refused before the (large) body is read.
    let big = vec![b'x'; 8 * 1024 * 1024];
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", "forged")
        .part("image", reqwest::multipart::Part::bytes(big).file_name("c.png"));
    let res = app.client.post(app.url("/masters")).multipart(form).send().await;
    // The server answers 403 without reading the body; the client may see the connection close
    // while it is still sending, which is also a refusal.
    if let Ok(res) = res {
        assert_eq!(res.status().as_u16(), 403);
    }
}

#[actix_web::test]
async fn form_bodies_and_text_fields_are_bounded() {
    let app = spawn_app().await;
    app.login_as(Role::Admin).await;
    let token = app.csrf_token("/masters").await;
    // A urlencoded body over the form limit: 413 before the CSRF field is looked for.
    let body = format!("name={}&csrf_token={token}", "x".repeat(300 * 1024));
    let res = app
        .client
        .post(app.url("/experiments"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 413);
    // A multipart text field over 64 KiB: 413.
    let form = master_form(&token, "ok").text("source_prompt", "p".repeat(70 * 1024));
    let res = app.client.post(app.url("/masters")).multipart(form).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 413);
    // Within the field limit but over the prompt's length rule: 422 with the reason.
    let form = master_form(&token, "ok").text("source_prompt", "p".repeat(5000));
    let res = app.client.post(app.url("/masters")).multipart(form).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 422);
    assert!(res.text().await.unwrap().contains("4,000 characters"));
}

/// `bytes` with a few random corruptions: flipped bytes, a truncation, or a spliced copy.
fn mutate(bytes: &[u8], rng: &mut rand::rngs::StdRng) -> Vec<u8> {
    let mut out = bytes.to_vec();
    match rng.gen_range(0..3) {
        0 => {
            for _ in 0..rng.gen_range(1..16) {
                let i = rng.gen_range(0..out.len());
                out[i] = rng.r#gen();
            }
        }
        1 => out.truncate(rng.gen_range(0..out.len())),
        _ => {
            let from = rng.gen_range(0..out.len());
            let to = rng.gen_range(0..out.len());
            let piece: Vec<u8> = out[from..(from + 64).min(out.len())].to_vec();
            out.splice(to..to, piece);
        }
    }
    out
}

fn encoded(format: image::ImageFormat) -> Vec<u8> {
    let img = image::load_from_memory(&fixture_png("chelsea.png", 64, 48)).unwrap().to_rgb8();
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

async fn upload_master(app: &TestApp, token: &str, bytes: Vec<u8>) -> u16 {
    let form = reqwest::multipart::Form::new()
        .text("name", "fuzz")
        .part("image", reqwest::multipart::Part::bytes(bytes).file_name("f.img"));
    let res = app
        .client
        .post(app.url("/api/v1/masters"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    res.status().as_u16()
}

#[actix_web::test]
async fn fuzzed_images_and_csvs_get_4xx_never_a_crash() {
    let app = spawn_app().await;
    let token = app.api_user(Role::Admin);
    let mut rng = rand::rngs::StdRng::seed_from_u64(12);
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for format in [image::ImageFormat::Png, image::ImageFormat::Jpeg, image::ImageFormat::WebP] {
        let good = encoded(format);
        assert_eq!(upload_master(&app, &token, good.clone()).await, 201, "{format:?} itself");
        for _ in 0..25 {
            let status = upload_master(&app, &token, mutate(&good, &mut rng)).await;
            assert!(status == 201 || (400..500).contains(&status), "{format:?}: {status}");
            *statuses.entry(status).or_default() += 1;
        }
    }
    assert!(
        statuses.keys().any(|s| (400..500).contains(s)),
        "no mutation was refused: {statuses:?}"
    );

    app.login_as(Role::Growth).await;
    let csrf = app.csrf_token("/imports/new").await;
    for name in ["meta_daily_bom.csv", "google_ads_preamble.csv", "tiktok_by_day.csv"] {
        let good =
            std::fs::read(format!("{}/tests/fixtures/csv/{name}", env!("CARGO_MANIFEST_DIR")))
                .unwrap();
        for _ in 0..15 {
            let form = reqwest::multipart::Form::new()
                .text("csrf_token", csrf.clone())
                .text("platform", "auto")
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(mutate(&good, &mut rng)).file_name(name),
                );
            let res =
                app.client.post(app.url("/imports/preview")).multipart(form).send().await.unwrap();
            let status = res.status().as_u16();
            assert!(status == 200 || (400..500).contains(&status), "{name}: {status}");
        }
    }
    assert_eq!(app.get("/healthz").await.status().as_u16(), 200, "the server is still up");
}

#[actix_web::test]
async fn an_upload_id_works_only_for_the_user_who_uploaded_it() {
    let app = spawn_app().await;
    app.login_as(Role::Growth).await;
    let res = crate::imports::upload(
        &app,
        "m.csv",
        std::fs::read(format!(
            "{}/tests/fixtures/csv/meta_daily_bom.csv",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
        "auto",
    )
    .await;
    assert_eq!(res.status().as_u16(), 200);
    let html = res.text().await.unwrap();
    let doc = scraper::Html::parse_document(&html);
    let sel = scraper::Selector::parse(r#"input[name="blob"]"#).unwrap();
    let blob = doc.select(&sel).next().unwrap().value().attr("value").unwrap().to_owned();

    // Another importer, in their own session, names that blob id.
    app.create_user("other@example.com", Role::Growth);
    let (other, csrf) = crate::helpers::logged_in_client(&app, "other@example.com").await;
    for path in ["/imports/reparse", "/imports/confirm"] {
        let res = other
            .post(app.url(path))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("blob", &blob),
                ("platform", "auto"),
                ("filename", "m.csv"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 404, "{path}");
    }
    // The uploader can still reparse it.
    let csrf = app.csrf_token("/imports/new").await;
    let res = app
        .client
        .post(app.url("/imports/reparse"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("blob", &blob),
            ("platform", "auto"),
            ("filename", "m.csv"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
}
