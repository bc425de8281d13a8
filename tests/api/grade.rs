//! Grade variants through the real HTTP server on real photos: exposure in linear light, white
//! balance on a grey card, a composite matched to its scene, parameter validation, and the
//! pages. Every check is made from the downloaded pixels, independently of the crate's maths.

use image::{GrayImage, Rgb, RgbImage};
use liftmask::auth::Role;
use palette::color_difference::Ciede2000;
use palette::{IntoColor, Lab, LinSrgb, Srgb};

use crate::browser::Driver;
use crate::helpers::{SpawnOptions, TestApp, fixture_png, rect_mask, spawn_app, spawn_app_with};

const W: u32 = 200;
const H: u32 = 150;

fn decode(png: &[u8]) -> RgbImage {
    image::load_from_memory(png).unwrap().to_rgb8()
}

fn linear(p: &Rgb<u8>) -> LinSrgb {
    Srgb::new(p[0], p[1], p[2]).into_format::<f32>().into_linear()
}

fn luminance(c: LinSrgb) -> f32 {
    0.2126 * c.red + 0.7152 * c.green + 0.0722 * c.blue
}

fn lab(p: &Rgb<u8>) -> Lab {
    Srgb::new(p[0], p[1], p[2]).into_format::<f32>().into_color()
}

fn alpha_of(mask_png: &[u8], grow: u32, feather: u32) -> GrayImage {
    let mask = image::load_from_memory(mask_png).unwrap().to_luma8();
    inpaint::mask::prepare_alpha(&mask, grow, feather).unwrap()
}

fn assert_outside_identical(parent: &RgbImage, result: &RgbImage, alpha: &GrayImage) {
    for (x, y, a) in alpha.enumerate_pixels() {
        if a[0] == 0 {
            assert_eq!(result.get_pixel(x, y), parent.get_pixel(x, y), "({x},{y}) outside changed");
        }
    }
}

/// Mean Lab colour of the pixels `pick` selects.
fn mean_lab(img: &RgbImage, pick: impl Fn(u32, u32) -> bool) -> Lab {
    let (mut sum, mut n) = ([0f64; 3], 0f64);
    for (x, y, p) in img.enumerate_pixels() {
        if pick(x, y) {
            let c = lab(p);
            sum = [sum[0] + f64::from(c.l), sum[1] + f64::from(c.a), sum[2] + f64::from(c.b)];
            n += 1.0;
        }
    }
    assert!(n > 0.0);
    Lab::new((sum[0] / n) as f32, (sum[1] / n) as f32, (sum[2] / n) as f32)
}

/// Creates a variant, asserts 201 and returns its id.
#[expect(clippy::too_many_arguments, reason = "mirrors the multipart fields of the API")]
async fn create(
    app: &TestApp,
    token: &str,
    parent: (&str, i64),
    var: (&str, &str),
    op: &str,
    mask: Vec<u8>,
    params: &str,
    reference: Option<Vec<u8>>,
) -> i64 {
    let res = app.api_variant_raw(token, parent, var.0, var.1, op, mask, params, reference).await;
    assert_eq!(res.status().as_u16(), 201, "{op}: {}", res.text().await.unwrap_or_default());
    res.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap()
}

#[actix_web::test]
async fn plus_one_ev_doubles_linear_light_inside_and_audits_zero_outside() {
    let app = spawn_app().await;
    let token = app.api_user(Role::Growth);
    let photo = fixture_png("coffee.png", W, H);
    let parent = decode(&photo);
    let master = app.api_master(&token, photo, "Coffee").await;
    let mask = rect_mask(W, H, (40, 30, 120, 90));
    let params = r#"{"grow":0,"feather":6,"grade":{"exposure":1}}"#;
    let id = create(
        &app,
        &token,
        ("master", master),
        ("product", "+1 EV"),
        "grade",
        mask.clone(),
        params,
        None,
    )
    .await;
    assert_eq!(app.run_jobs(), 1);
    let v = app.api_json(&token, &format!("/api/v1/variants/{id}")).await;
    assert_eq!(v["operation"], "grade");
    assert_eq!(v["params"]["grade"], serde_json::json!({ "exposure": 1.0 }));
    assert_eq!(v["audit"]["changed_outside_mask_px"], 0, "{v}");
    assert_eq!(v["audit"]["controlled"], true);
    let result = app.api_image(&token, &format!("/api/v1/variants/{id}/image")).await;
    let alpha = alpha_of(&mask, 0, 6);
    assert_outside_identical(&parent, &result, &alpha);
    let (mut n, mut ratio_sum) = (0u32, 0f64);
    for (x, y, a) in alpha.enumerate_pixels() {
        let before = linear(parent.get_pixel(x, y));
        // The core of the mask, away from clipping (no channel doubled past white) and from the
        // darkest levels, where one 8-bit step is a large fraction of the value.
        if a[0] < 255
            || before.red.max(before.green).max(before.blue) >= 0.5
            || luminance(before) < 0.02
        {
            continue;
        }
        let after = linear(result.get_pixel(x, y));
        for (b, a) in
            [(before.red, after.red), (before.green, after.green), (before.blue, after.blue)]
        {
            // Within rounding: one 8-bit level of the sRGB encoding at that brightness.
            let tol = 2.0 * b * 0.02 + 0.002;
            assert!((a - 2.0 * b).abs() <= tol, "({x},{y}) channel {b} → {a}");
        }
        ratio_sum += f64::from(luminance(after) / luminance(before));
        n += 1;
    }
    assert!(n > 3000, "only {n} pixels checked");
    let ratio = ratio_sum / f64::from(n);
    assert!((ratio - 2.0).abs() < 0.01, "mean luminance ratio {ratio}");
    eprintln!("+1 EV: mean linear luminance ratio {ratio:.4} over {n} px, 0 px changed outside");
    // The page shows the grade's parameters in words.
    app.login_as(Role::Viewer).await;
    let html = app.get_html(&format!("/variants/{id}")).await;
    assert!(html.contains("id=\"grade-summary\"") && html.contains("+1.00 EV"), "{html}");
}

#[actix_web::test]
async fn a_grey_card_graded_warmer_turns_red_up_and_blue_down() {
    let app = spawn_app().await;
    let token = app.api_user(Role::Growth);
    // gravel.png is a grey photo: a textured neutral card.
    let photo = fixture_png("gravel.png", W, H);
    let parent = decode(&photo);
    assert!(parent.pixels().all(|p| p[0] == p[1] && p[1] == p[2]));
    let master = app.api_master(&token, photo, "Grey card").await;
    let mask = rect_mask(W, H, (50, 40, 100, 70));
    let id = create(
        &app,
        &token,
        ("master", master),
        ("light", "warmer"),
        "grade",
        mask.clone(),
        r#"{"grow":0,"feather":0,"grade":{"temperature":35}}"#,
        None,
    )
    .await;
    app.run_jobs();
    let v = app.api_json(&token, &format!("/api/v1/variants/{id}")).await;
    assert_eq!(v["audit"]["changed_outside_mask_px"], 0);
    let result = app.api_image(&token, &format!("/api/v1/variants/{id}/image")).await;
    let alpha = alpha_of(&mask, 0, 0);
    assert_outside_identical(&parent, &result, &alpha);
    let mut n = 0;
    for (x, y, a) in alpha.enumerate_pixels() {
        let (p, q) = (parent.get_pixel(x, y), result.get_pixel(x, y));
        if a[0] == 255 && (30..=220).contains(&p[0]) {
            assert!(q[0] > p[0] && q[2] < p[2], "({x},{y}) {p:?} → {q:?}");
            n += 1;
        }
    }
    assert!(n > 5000, "{n}");
    let before = mean_lab(&parent, |x, y| alpha.get_pixel(x, y)[0] == 255);
    let after = mean_lab(&result, |x, y| alpha.get_pixel(x, y)[0] == 255);
    assert!(after.b > before.b + 3.0, "b* {} → {}", before.b, after.b);
    assert!((after.l - before.l).abs() < 1.5, "L* {} → {}", before.l, after.l);
    eprintln!(
        "warmer grey card: b* {:.2} → {:.2}, L* {:.2} → {:.2}",
        before.b, after.b, before.l, after.l
    );
}

#[actix_web::test]
async fn a_composited_plate_graded_to_match_its_ring_sits_within_two_delta_e() {
    let app = spawn_app().await;
    let token = app.api_user(Role::Growth);
    let photo = fixture_png("coffee.png", W, H);
    let master = app.api_master(&token, photo, "Coffee").await;
    let (rect, ring_px) = ((110, 60, 70, 60), 12u32);
    let mask = rect_mask(W, H, rect);
    // The blank-slate chain: composite a bright, grey plate, then grade it to the scene.
    let plate = fixture_png("brick.png", 140, 120);
    let composite = create(
        &app,
        &token,
        ("master", master),
        ("surface", "brick"),
        "composite",
        mask.clone(),
        r#"{"grow":0,"feather":0}"#,
        Some(plate),
    )
    .await;
    app.run_jobs();
    let pasted = app.api_image(&token, &format!("/api/v1/variants/{composite}/image")).await;
    let graded = create(
        &app,
        &token,
        ("variant", composite),
        ("surface", "brick, matched"),
        "grade",
        mask.clone(),
        &format!(r#"{{"grow":0,"feather":0,"grade":{{"match_ring":{ring_px}}}}}"#),
        None,
    )
    .await;
    app.run_jobs();
    let v = app.api_json(&token, &format!("/api/v1/variants/{graded}")).await;
    assert_eq!(v["parent_kind"], "variant");
    assert_eq!(v["parent_id"], composite);
    assert_eq!(v["audit"]["changed_outside_mask_px"], 0, "{v}");
    let result = app.api_image(&token, &format!("/api/v1/variants/{graded}/image")).await;
    let alpha = alpha_of(&mask, 0, 0);
    assert_outside_identical(&pasted, &result, &alpha);
    // The ring, found by brute force: outside the mask, within ring_px of a mask pixel.
    let inside = |x: u32, y: u32| alpha.get_pixel(x, y)[0] > 0;
    let r = i64::from(ring_px);
    let in_ring = |x: u32, y: u32| {
        !inside(x, y)
            && (-r..=r).any(|dy| {
                (-r..=r).any(|dx| {
                    let (nx, ny) = (i64::from(x) + dx, i64::from(y) + dy);
                    dx * dx + dy * dy <= r * r
                        && nx >= 0
                        && ny >= 0
                        && nx < i64::from(W)
                        && ny < i64::from(H)
                        && inside(nx as u32, ny as u32)
                })
            })
    };
    let ring = mean_lab(&result, in_ring);
    let start = mean_lab(&pasted, inside).difference(ring);
    let end = mean_lab(&result, inside).difference(ring);
    assert!(start > 5.0, "the pasted plate should start off, ΔE2000 {start}");
    assert!(end < 2.0, "ΔE2000 of the region's mean to the ring's: {end} (was {start})");
    let reported = v["audit"]["delta_e"].as_f64().unwrap();
    assert!((reported - f64::from(end)).abs() < 0.5, "audit says {reported}, measured {end}");
    eprintln!("match: ΔE2000 to the {ring_px} px ring {start:.2} → {end:.2} (audit {reported:.2})");
}

#[actix_web::test]
async fn grade_parameters_out_of_range_are_refused_with_the_reason() {
    let app = spawn_app().await;
    let token = app.api_user(Role::Growth);
    let master = app.api_master(&token, fixture_png("chelsea.png", 96, 64), "Cat").await;
    let mask = rect_mask(96, 64, (20, 10, 40, 30));
    for (op, params, reason) in [
        ("grade", r#"{"grade":{"exposure":4.5}}"#, "exposure = 4.5 is out of range"),
        ("grade", r#"{"grade":{"saturation":-150}}"#, "saturation = -150 is out of range"),
        ("grade", r#"{"grade":{"temperature":101}}"#, "temperature"),
        ("grade", r#"{"grade":{"match_ring":0}}"#, "match_ring"),
        ("grade", r#"{"grade":{"curve":[[20,10],[140,90]]}}"#, "0..=100"),
        ("grade", r#"{"grade":{"warmth":10}}"#, "warmth"),
        ("grade", r#"{"grade":{"exposure":"lots"}}"#, "params must be a JSON object"),
        ("grade", r#"{"grade":{}}"#, "changes nothing"),
        ("grade", "{}", "grade needs its adjustments"),
        ("erase", r#"{"grade":{"exposure":1}}"#, "only apply to operation grade"),
    ] {
        let res = app
            .api_variant_raw(
                &token,
                ("master", master),
                "light",
                "x",
                op,
                mask.clone(),
                params,
                None,
            )
            .await;
        assert_eq!(res.status().as_u16(), 422, "{params}");
        let body: serde_json::Value = res.json().await.unwrap();
        let msg = body["error"].as_str().unwrap();
        assert!(msg.contains(reason), "{params}: {msg}");
    }
    // Nothing was stored for any of them.
    let n = app
        .state
        .pool
        .run(|c| {
            liftmask::db::variants::for_master(c, master as i32)
                .map_err(liftmask::db::DbError::from)
        })
        .unwrap()
        .len();
    assert_eq!(n, 0);
}

#[actix_web::test]
async fn the_editor_offers_the_grade_controls_without_inline_script() {
    let app = spawn_app().await;
    let token = app.api_user(Role::Growth);
    let master = app.api_master(&token, fixture_png("coffee.png", 64, 48), "Coffee").await;
    app.login_as(Role::Growth).await;
    let html = app.get_html(&format!("/variants/new?parent_kind=master&parent_id={master}")).await;
    let doc = scraper::Html::parse_document(&html);
    let sel = |css: &str| scraper::Selector::parse(css).unwrap();
    assert!(doc.select(&sel(r#"option[value="grade"]"#)).next().is_some());
    for name in
        ["exposure", "temperature", "tint", "contrast", "highlights", "shadows", "saturation"]
    {
        let css = format!(r#"#grade-field input[type="range"][data-grade="{name}"]"#);
        assert!(doc.select(&sel(&css)).next().is_some(), "no {name} slider");
    }
    assert!(
        doc.select(&sel("#g-curve")).next().is_some()
            && doc.select(&sel("#g-ring")).next().is_some()
    );
    assert!(doc.select(&sel("canvas#grade-canvas")).next().is_some());
    let scripts: Vec<_> = doc.select(&sel("script")).collect();
    assert!(
        scripts.iter().all(|s| s.value().attr("src").is_some() && s.inner_html().trim().is_empty())
    );
    assert!(scripts.iter().any(|s| s.value().attr("src") == Some("/static/js/grade-preview.js")));
    let js = app.get("/static/js/grade-preview.js").await;
    assert_eq!(js.status().as_u16(), 200);
    assert!(js.text().await.unwrap().contains("maskchange"));
}

#[actix_web::test]
async fn the_browser_preview_matches_the_rendered_grade() {
    let app = spawn_app_with(SpawnOptions { workers: 1, ..Default::default() }).await;
    let token = app.api_user(Role::Growth);
    let master = app.api_master(&token, fixture_png("coffee.png", 160, 120), "Coffee").await;
    app.create_user("growth@example.com", Role::Growth);
    let driver = Driver::start().await;
    let base = app.address.clone();
    driver.login(&base, "growth@example.com").await;
    driver.open_editor(&base, &master).await;
    // Choose grade, draw a rectangle with real pointer events, and move four sliders.
    driver
        .js(r#"
        const op = document.getElementById('v-operation'); op.value = 'grade';
        op.dispatchEvent(new Event('change', {bubbles: true}));
        document.querySelector('[data-tool=rect]').click();
        const c = document.getElementById('mask-canvas'); const r = c.getBoundingClientRect();
        const ev = (type, fx, fy) => c.dispatchEvent(new PointerEvent(type, {bubbles: true, pointerId: 1,
            clientX: r.left + r.width * fx, clientY: r.top + r.height * fy, buttons: 1}));
        ev('pointerdown', 0.25, 0.25); ev('pointermove', 0.5, 0.5); ev('pointermove', 0.75, 0.75);
        ev('pointerup', 0.75, 0.75);
        for (const [k, v] of [['exposure', '0.5'], ['temperature', '30'], ['contrast', '20'], ['saturation', '25']]) {
            const s = document.querySelector(`[data-grade=${k}]`); s.value = v;
            s.dispatchEvent(new Event('input', {bubbles: true}));
        }
        return true;"#)
        .await;
    let probe = "const d = document.getElementById('grade-canvas').getContext('2d')\
        .getImageData(PX, PY, 1, 1).data; return Array.from(d);";
    driver
        .wait_for(
            "the preview",
            &format!(
                "{} === 255",
                probe
                    .replace("return Array.from(d);", "return d[3]")
                    .replace("PX", "80")
                    .replace("PY", "60")
            ),
            20,
        )
        .await;
    let points = [(80u32, 60u32), (60, 45), (100, 75), (70, 70)];
    let mut preview = Vec::new();
    for (x, y) in points {
        let v = driver.js(&probe.replace("PX", &x.to_string()).replace("PY", &y.to_string())).await;
        let px: Vec<u8> = serde_json::from_value(v).unwrap();
        assert_eq!(px[3], 255, "({x},{y}) is inside the painted rectangle");
        preview.push([px[0], px[1], px[2]]);
    }
    driver.type_into("#v-variable", "light").await;
    driver.type_into("#v-value", "warmer").await;
    driver.click("#variant-submit").await;
    driver
        .wait_for("the variant page", "return /^\\/variants\\/\\d+$/.test(location.pathname)", 30)
        .await;
    driver.wait_for("the audit", "return document.getElementById('audit') !== null", 120).await;
    let outside = driver.js("return document.getElementById('audit-outside').textContent").await;
    assert_eq!(outside, serde_json::json!("0 px"));
    let path = driver.js("return location.pathname").await.as_str().unwrap().to_owned();
    let id = path.rsplit('/').next().unwrap().to_owned();
    let v = app.api_json(&token, &format!("/api/v1/variants/{id}")).await;
    assert_eq!(
        v["params"]["grade"],
        serde_json::json!({"exposure": 0.5, "temperature": 30.0, "contrast": 20.0, "saturation": 25.0})
    );
    let result = app.api_image(&token, &format!("/api/v1/variants/{id}/image")).await;
    let mut worst = 0;
    for ((x, y), p) in points.into_iter().zip(preview) {
        let r = result.get_pixel(x, y).0;
        let diff = (0..3).map(|c| r[c].abs_diff(p[c])).max().unwrap();
        assert!(diff <= 2, "({x},{y}): preview {p:?}, server {r:?}");
        worst = worst.max(diff);
    }
    eprintln!("browser preview vs server render: at most {worst} levels apart");
}
