//! Smart selection for the mask editor (`POST /variants/selection`, `POST
//! /api/v1/variants/selection`) on a composite of real photos whose true masks are known: a
//! patch of the astronaut's suit and one of the black backdrop behind him, pasted as discs onto
//! the coffee photo's wooden table.

use image::{GrayImage, Luma, RgbImage};
use liftmask::auth::Role;
use liftmask::services::accounts::{self, WorkspaceChoice};
use serde_json::{Value, json};

use crate::browser::Driver;
use crate::helpers::{PASSWORD, TestApp, logged_in_client, png_bytes, spawn_app};

fn fixture(name: &str) -> RgbImage {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    image::open(path).unwrap().to_rgb8()
}

/// Pastes a disc of `src` centred at `from` onto `img` at `to`; returns the disc's exact mask.
fn paste_disc(
    img: &mut RgbImage,
    src: &RgbImage,
    from: (i64, i64),
    to: (i64, i64),
    r: i64,
) -> GrayImage {
    let mut truth = GrayImage::new(img.width(), img.height());
    for dy in -r..=r {
        for dx in -r..=r {
            if dx * dx + dy * dy <= r * r {
                let p = *src.get_pixel((from.0 + dx) as u32, (from.1 + dy) as u32);
                img.put_pixel((to.0 + dx) as u32, (to.1 + dy) as u32, p);
                truth.put_pixel((to.0 + dx) as u32, (to.1 + dy) as u32, Luma([255]));
            }
        }
    }
    truth
}

struct Scene {
    png: Vec<u8>,
    suit: GrayImage,
    backdrop: GrayImage,
}

fn scene() -> Scene {
    let (mut img, astronaut) = (fixture("coffee.png"), fixture("astronaut.png"));
    let suit = paste_disc(&mut img, &astronaut, (150, 400), (530, 110), 40);
    let backdrop = paste_disc(&mut img, &astronaut, (440, 312), (540, 330), 22);
    Scene { png: png_bytes(&img), suit, backdrop }
}

fn iou(a: &GrayImage, b: &GrayImage) -> f64 {
    let (mut inter, mut union) = (0u32, 0u32);
    for (p, q) in a.pixels().zip(b.pixels()) {
        inter += u32::from(p[0] > 127 && q[0] > 127);
        union += u32::from(p[0] > 127 || q[0] > 127);
    }
    f64::from(inter) / f64::from(union)
}

/// The suit disc spans 490..=570 × 70..=150; the box leaves a margin a hand would.
fn object_box(master: i64) -> Value {
    json!({"parent_kind": "master", "parent_id": master, "tool": "object",
           "x": 482, "y": 62, "width": 97, "height": 97})
}

fn colour_click(master: i64, tolerance: f64) -> Value {
    json!({"parent_id": master, "tool": "colour", "x": 540, "y": 330, "tolerance": tolerance})
}

/// POSTs `body` to the page route with the browser's session and (if given) its CSRF header.
async fn page_post(
    app: &TestApp,
    client: &reqwest::Client,
    csrf: Option<&str>,
    body: &Value,
) -> reqwest::Response {
    let mut req = client.post(app.url("/variants/selection")).json(body);
    if let Some(csrf) = csrf {
        req = req.header("X-CSRF-Token", csrf);
    }
    req.send().await.unwrap()
}

async fn api_post(app: &TestApp, token: &str, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/variants/selection"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn mask_of(res: reqwest::Response) -> GrayImage {
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    image::load_from_memory(&res.bytes().await.unwrap()).unwrap().to_luma8()
}

#[actix_web::test]
async fn the_editor_selects_the_object_in_a_box_and_a_colour_by_click() {
    let app = spawn_app().await;
    let token = app.api_user(Role::Growth);
    let s = scene();
    let master = app.api_master(&token, s.png.clone(), "Composite").await;
    app.create_user("editor@example.com", Role::CreativeDirector);
    let (browser, csrf) = logged_in_client(&app, "editor@example.com").await;

    let object = mask_of(page_post(&app, &browser, Some(&csrf), &object_box(master)).await).await;
    assert_eq!(object.dimensions(), (600, 400));
    let object_iou = iou(&object, &s.suit);
    assert!(object_iou >= 0.9, "object IoU {object_iou}");
    // Nothing outside the box is ever selected.
    assert!(
        object
            .enumerate_pixels()
            .all(|(x, y, p)| p[0] == 0 || ((482..579).contains(&x) && (62..159).contains(&y)))
    );

    let colour =
        mask_of(page_post(&app, &browser, Some(&csrf), &colour_click(master, 12.0)).await).await;
    let colour_iou = iou(&colour, &s.backdrop);
    assert!(colour_iou >= 0.9, "colour IoU {colour_iou}");
    // A far looser tolerance runs out onto the table: the slider matters.
    let loose =
        mask_of(page_post(&app, &browser, Some(&csrf), &colour_click(master, 60.0)).await).await;
    assert!(iou(&loose, &s.backdrop) < 0.9);

    // The API answers the same, and its mask is accepted as a new variant's mask.
    let via_api = mask_of(api_post(&app, &token, &object_box(master)).await).await;
    assert_eq!(via_api, object);
    let mut mask_png = std::io::Cursor::new(Vec::new());
    via_api.write_to(&mut mask_png, image::ImageFormat::Png).unwrap();
    let res = app
        .api_variant_raw(
            &token,
            ("master", master),
            "badge",
            "removed",
            "erase",
            mask_png.into_inner(),
            r#"{"grow":6,"feather":3}"#,
            None,
        )
        .await;
    assert_eq!(res.status().as_u16(), 201, "{}", res.text().await.unwrap());
}

/// Share of `truth`'s pixels that `mask` selects.
fn covered(mask: &GrayImage, truth: &GrayImage) -> f64 {
    let on = |m: &GrayImage| m.pixels().filter(|p| p[0] > 127).count() as f64;
    let both = GrayImage::from_fn(mask.width(), mask.height(), |x, y| {
        Luma([if mask.get_pixel(x, y)[0] > 127 && truth.get_pixel(x, y)[0] > 127 {
            255
        } else {
            0
        }])
    });
    on(&both) / on(truth)
}

#[actix_web::test]
async fn keep_and_drop_strokes_correct_an_object_selection() {
    let app = spawn_app().await;
    let token = app.api_user(Role::Growth);
    let s = scene();
    let master = app.api_master(&token, s.png.clone(), "Composite").await;

    // A box over both discs selects both; a "drop" stroke across the backdrop disc leaves the
    // suit alone.
    let both = json!({"parent_id": master, "tool": "object", "x": 482, "y": 62, "width": 110, "height": 300});
    let unrefined = mask_of(api_post(&app, &token, &both).await).await;
    assert!(covered(&unrefined, &s.backdrop) > 0.5, "the box alone takes the backdrop disc too");
    let mut dropped = both.clone();
    dropped["drop"] = json!([[[528.0, 330.0], [552.0, 330.0]]]);
    dropped["stroke_width"] = json!(10);
    let refined = mask_of(api_post(&app, &token, &dropped).await).await;
    assert!(covered(&refined, &s.backdrop) < 0.05, "{}", covered(&refined, &s.backdrop));
    let suit_iou = iou(&refined, &s.suit);
    assert!(suit_iou >= 0.9, "suit IoU after the drop stroke {suit_iou}");

    // A box too tight cuts the suit in half; a "keep" stroke past its edge grows it.
    let tight = json!({"parent_id": master, "tool": "object", "x": 482, "y": 62, "width": 97, "height": 50});
    let cut = iou(&mask_of(api_post(&app, &token, &tight).await).await, &s.suit);
    assert!(cut < 0.7, "the tight box alone: IoU {cut}");
    let mut kept = tight.clone();
    kept["keep"] = json!([[[530.0, 100.0], [530.0, 145.0]]]);
    let grown = iou(&mask_of(api_post(&app, &token, &kept).await).await, &s.suit);
    assert!(grown >= 0.85, "IoU with the keep stroke {grown}");

    // A stroke that is not a number or far too wide is refused with the reason.
    let mut bad = tight.clone();
    bad["stroke_width"] = json!(5000);
    bad["keep"] = json!([[[530.0, 100.0]]]);
    let res = api_post(&app, &token, &bad).await;
    assert_eq!(res.status().as_u16(), 422);
    assert!(res.text().await.unwrap().contains("stroke width"));
}

#[actix_web::test]
async fn bad_boxes_and_points_are_refused_with_a_reason() {
    let app = spawn_app().await;
    let token = app.api_user(Role::Growth);
    let master = app.api_master(&token, scene().png, "Composite").await;
    let object = |x: i64, y: i64, w: i64, h: i64| json!({"parent_id": master, "tool": "object", "x": x, "y": y, "width": w, "height": h});
    for (body, status, says) in [
        (object(500, 100, 200, 50), 422, "outside the 600x400 image"),
        (object(10, 10, 0, 40), 422, "at least 2x2"),
        (object(0, 0, 600, 400), 422, "whole image"),
        (
            json!({"parent_id": master, "tool": "colour", "x": 600, "y": 5, "tolerance": 10}),
            422,
            "outside",
        ),
        (colour_click(master, 500.0), 422, "tolerance"),
        (object(-5, 10, 40, 40), 400, "invalid JSON"),
        (json!({"parent_id": master, "tool": "lasso"}), 400, "invalid JSON"),
        (
            json!({"parent_kind": "experiment", "parent_id": master, "tool": "object", "x": 1, "y": 1, "width": 9, "height": 9}),
            422,
            "parent",
        ),
    ] {
        let res = api_post(&app, &token, &body).await;
        let got = res.status().as_u16();
        let text = res.text().await.unwrap();
        assert_eq!(got, status, "{body}: {text}");
        assert!(text.contains(says), "{body}: {text}");
    }
    // A variant that has not rendered yet has no pixels to select from.
    let res = app
        .api_variant_raw(
            &token,
            ("master", master),
            "badge",
            "gone",
            "erase",
            crate::helpers::rect_mask(600, 400, (10, 10, 20, 20)),
            "{}",
            None,
        )
        .await;
    let variant = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let pending = json!({"parent_kind": "variant", "parent_id": variant, "tool": "colour", "x": 1, "y": 1, "tolerance": 5});
    assert_eq!(api_post(&app, &token, &pending).await.status().as_u16(), 409);
}

#[actix_web::test]
async fn another_workspace_and_a_missing_csrf_token_are_refused() {
    let app = spawn_app().await;
    let token = app.api_user(Role::Growth);
    let master = app.api_master(&token, scene().png, "Composite").await;
    app.state
        .pool
        .run(|c| {
            accounts::create_user_as(
                c,
                None,
                "rival@example.com",
                Role::Admin,
                PASSWORD,
                &WorkspaceChoice::New("Rival".into()),
            )
        })
        .unwrap();
    let rival_token = app.token_for("rival@example.com");
    let (rival, rival_csrf) = logged_in_client(&app, "rival@example.com").await;
    let body = colour_click(master, 10.0);
    assert_eq!(api_post(&app, &rival_token, &body).await.status().as_u16(), 404);
    assert_eq!(page_post(&app, &rival, Some(&rival_csrf), &body).await.status().as_u16(), 404);
    let missing = json!({"parent_id": 999_999, "tool": "colour", "x": 1, "y": 1, "tolerance": 5});
    assert_eq!(api_post(&app, &token, &missing).await.status().as_u16(), 404);

    app.create_user("editor@example.com", Role::Growth);
    let (browser, csrf) = logged_in_client(&app, "editor@example.com").await;
    assert_eq!(page_post(&app, &browser, None, &body).await.status().as_u16(), 403);
    assert_eq!(page_post(&app, &browser, Some("forged"), &body).await.status().as_u16(), 403);
    assert_eq!(page_post(&app, &browser, Some(&csrf), &body).await.status().as_u16(), 200);
    // A viewer may open the master but not make masks.
    app.create_user("viewer@example.com", Role::Viewer);
    let (viewer, viewer_csrf) = logged_in_client(&app, "viewer@example.com").await;
    assert_eq!(page_post(&app, &viewer, Some(&viewer_csrf), &body).await.status().as_u16(), 403);
}

/// The mask canvas's alpha as a mask (> 127 = painted).
async fn painted(driver: &Driver) -> GrayImage {
    let bits = driver
        .js("const d = document.getElementById('mask-canvas').getContext('2d')\
             .getImageData(0, 0, 600, 400).data; let s = '';\
             for (let i = 3; i < d.length; i += 4) s += d[i] > 127 ? '1' : '0'; return s;")
        .await;
    let bits = bits.as_str().unwrap().as_bytes().to_vec();
    GrayImage::from_fn(600, 400, |x, y| {
        Luma([if bits[(y * 600 + x) as usize] == b'1' { 255 } else { 0 }])
    })
}

/// A running app with the composite as a master, and a browser logged in on its mask editor.
async fn editor_on_scene() -> (TestApp, Scene, Driver) {
    let app = spawn_app().await;
    let token = app.api_user(Role::Growth);
    let s = scene();
    let master = app.api_master(&token, s.png.clone(), "Composite").await;
    app.create_user("growth@example.com", Role::Growth);
    let driver = Driver::start().await;
    let base = app.address.clone();
    driver.login(&base, "growth@example.com").await;
    driver.open_editor(&base, &master).await;
    (app, s, driver)
}

#[actix_web::test]
async fn in_the_browser_a_dragged_box_adds_the_object_and_subtract_takes_it_away() {
    let (_app, s, driver) = editor_on_scene().await;
    // Drag the box with real pointer events, in the canvas's own pixels.
    let drag = r#"
        document.querySelector('[data-tool=object]').click();
        const c = document.getElementById('mask-canvas'); const r = c.getBoundingClientRect();
        const ev = (type, x, y) => c.dispatchEvent(new PointerEvent(type, {bubbles: true, pointerId: 1,
            clientX: r.left + r.width * x / 600, clientY: r.top + r.height * y / 400, buttons: 1}));
        ev('pointerdown', 482.5, 62.5); ev('pointermove', 530, 110); ev('pointermove', 578.5, 158.5);
        ev('pointerup', 578.5, 158.5); return true;"#;
    driver.js(drag).await;
    let added = "return document.getElementById('select-status').textContent.startsWith('Added')";
    driver.wait_for("the selection", added, 30).await;
    let mask = painted(&driver).await;
    let score = iou(&mask, &s.suit);
    assert!(score >= 0.9, "painted IoU {score}");
    let stats = driver.js("return document.getElementById('mask-stats').textContent").await;
    assert!(stats.as_str().unwrap().contains("% of the image painted"), "{stats}");

    // The same box in subtract mode clears what it added; undo brings it back.
    driver.js("document.querySelector('input[name=\"select-mode\"][value=\"subtract\"]').click(); return true;").await;
    driver.js(drag).await;
    let subtracted =
        "return document.getElementById('select-status').textContent.startsWith('Subtracted')";
    driver.wait_for("the subtraction", subtracted, 30).await;
    assert_eq!(painted(&driver).await.pixels().filter(|p| p[0] > 0).count(), 0);
    driver.click("#mask-undo").await;
    assert_eq!(painted(&driver).await, mask);
}

#[actix_web::test]
async fn in_the_browser_a_drop_stroke_takes_a_wrongly_cut_part_out_of_the_selection() {
    let (_app, s, driver) = editor_on_scene().await;
    let pointer = r#"
        const c = document.getElementById('mask-canvas'); const r = c.getBoundingClientRect();
        const ev = (type, x, y) => c.dispatchEvent(new PointerEvent(type, {bubbles: true, pointerId: 1,
            clientX: r.left + r.width * x / 600, clientY: r.top + r.height * y / 400, buttons: 1}));"#;
    // Before any object cut, a drop stroke only explains itself.
    let early = format!(
        "document.querySelector('[data-tool=drop]').click(); {pointer}
         ev('pointerdown', 540, 330); ev('pointerup', 540, 330);
         return document.getElementById('select-status').textContent;"
    );
    let said = driver.js(&early).await;
    assert!(said.as_str().unwrap().contains("Select an object first"), "{said}");

    let both = format!(
        "document.querySelector('[data-tool=object]').click(); {pointer}
         ev('pointerdown', 482.5, 62.5); ev('pointermove', 540, 200); ev('pointermove', 591.5, 361.5);
         ev('pointerup', 591.5, 361.5); return true;"
    );
    driver.js(&both).await;
    let added = "return document.getElementById('select-status').textContent.startsWith('Added')";
    driver.wait_for("the box's cut", added, 30).await;
    assert!(covered(&painted(&driver).await, &s.backdrop) > 0.5, "the box took the backdrop disc");

    let drop = format!(
        "document.getElementById('brush-size').value = 10;
         document.querySelector('[data-tool=drop]').click(); {pointer}
         ev('pointerdown', 528, 330); ev('pointermove', 540, 330); ev('pointermove', 552, 330);
         ev('pointerup', 552, 330); return true;"
    );
    driver.js(&drop).await;
    let gone = "return document.getElementById('mask-canvas').getContext('2d')\
                .getImageData(540, 330, 1, 1).data[3] === 0";
    driver.wait_for("the refined cut", gone, 30).await;
    let mask = painted(&driver).await;
    assert!(covered(&mask, &s.backdrop) < 0.05, "{}", covered(&mask, &s.backdrop));
    let score = iou(&mask, &s.suit);
    assert!(score >= 0.9, "suit IoU after the drop stroke {score}");
}
