//! Variants through the JSON API on real photos: every operation, with its control audit checked
//! independently from the pixels.

use image::{GrayImage, Rgb, RgbImage};
use liftmask::auth::Role;

use crate::helpers::{fixture_png, png_bytes, rect_mask, spawn_app};

const W: u32 = 160;
const H: u32 = 120;

/// Every pixel outside the grown+feathered mask must be bit-identical.
fn assert_outside_identical(
    parent: &RgbImage,
    result: &RgbImage,
    mask_png: &[u8],
    grow: u32,
    feather: u32,
) -> u64 {
    let mask = image::load_from_memory(mask_png).unwrap().to_luma8();
    let alpha: GrayImage = inpaint::mask::prepare_alpha(&mask, grow, feather).unwrap();
    let mut inside_changed = 0;
    for (x, y, p) in result.enumerate_pixels() {
        if alpha.get_pixel(x, y)[0] == 0 {
            assert_eq!(p, parent.get_pixel(x, y), "pixel ({x},{y}) outside the mask changed");
        } else if p != parent.get_pixel(x, y) {
            inside_changed += 1;
        }
    }
    inside_changed
}

fn decode(png: &[u8]) -> RgbImage {
    image::load_from_memory(png).unwrap().to_rgb8()
}

#[actix_web::test]
async fn erase_fill_and_chain_on_a_real_photo_leave_outside_pixels_bit_identical() {
    let app = spawn_app().await;
    let token = app.api_user(Role::Growth);
    let photo = fixture_png("brick.png", W, H);
    let parent = decode(&photo);
    let master = app.api_master(&token, photo, "Brick wall").await;
    let mask = rect_mask(W, H, (50, 40, 40, 30));
    let plate = fixture_png("grass.png", 64, 48);
    let mut ids = Vec::new();
    for (op, params, reference) in [
        ("erase", r#"{"grow":6,"feather":4}"#, None),
        ("fill", r#"{"grow":6,"feather":4,"seed":7}"#, None),
        ("erase+composite", r#"{"grow":6,"feather":4}"#, Some(plate.clone())),
        ("composite", r#"{"grow":2,"feather":3}"#, Some(plate.clone())),
    ] {
        let res = app
            .api_variant_raw(
                &token,
                ("master", master),
                "wall_patch",
                op,
                op,
                mask.clone(),
                params,
                reference,
            )
            .await;
        assert_eq!(res.status().as_u16(), 201, "{op}: {}", res.text().await.unwrap_or_default());
        let body: serde_json::Value = res.json().await.unwrap();
        let code = body["code"].as_str().unwrap().to_owned();
        assert!(
            code.len() == 7
                && code.starts_with("LM-")
                && code[3..].chars().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()),
            "{code}"
        );
        ids.push((op, body["id"].as_i64().unwrap(), body["job_id"].as_i64().unwrap(), params));
    }
    assert_eq!(app.run_jobs(), 4);
    for (op, id, job, params) in ids {
        let job = app.api_json(&token, &format!("/api/v1/jobs/{job}")).await;
        assert_eq!(job["status"], "done", "{op}: {job}");
        let v = app.api_json(&token, &format!("/api/v1/variants/{id}")).await;
        assert_eq!(v["parent_id"], master);
        assert_eq!(v["variable"], "wall_patch");
        assert_eq!(v["operation"], op);
        assert_eq!(v["status"], "draft");
        let audit = &v["audit"];
        assert_eq!(audit["changed_outside_mask_px"], 0, "{op}: {audit}");
        assert_eq!(audit["controlled"], true);
        let mask_fraction = audit["mask_fraction"].as_f64().unwrap();
        let changed = audit["changed_fraction"].as_f64().unwrap();
        assert!(
            mask_fraction > 1200.0 / 19200.0 && mask_fraction < 0.3,
            "{op}: mask {mask_fraction}"
        );
        assert!(changed > 0.02 && changed <= mask_fraction, "{op}: changed {changed}");
        let result = app.api_image(&token, &format!("/api/v1/variants/{id}/image")).await;
        let p: serde_json::Value = serde_json::from_str(params).unwrap();
        let inside = assert_outside_identical(
            &parent,
            &result,
            &mask,
            p["grow"].as_u64().unwrap() as u32,
            p["feather"].as_u64().unwrap() as u32,
        );
        assert!(inside > 1000, "{op}: only {inside} px changed inside");
        eprintln!(
            "{op}: changed {:.4} of the image, mask {:.4}, 0 px outside",
            changed, mask_fraction
        );
    }
}

#[actix_web::test]
async fn recolor_hits_the_brand_colour_on_a_flat_element() {
    let app = spawn_app().await;
    let token = app.api_user(Role::Growth);
    // A real photo with a flat red "button" in it: the element a brand recolor targets.
    let mut img = decode(&fixture_png("gravel.png", W, H));
    for y in 30..70 {
        for x in 40..110 {
            img.put_pixel(x, y, Rgb([196, 38, 44]));
        }
    }
    let master = app.api_master(&token, png_bytes(&img), "Gravel with button").await;
    let mask = rect_mask(W, H, (40, 30, 70, 40));
    let res = app
        .api_variant_raw(
            &token,
            ("master", master),
            "cta_color",
            "brand green",
            "recolor",
            mask.clone(),
            r##"{"hex":"#228B22","grow":0,"feather":0}"##,
            None,
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    let id = res.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap();
    app.run_jobs();
    let v = app.api_json(&token, &format!("/api/v1/variants/{id}")).await;
    let de = v["audit"]["delta_e"].as_f64().unwrap();
    assert!(de < 2.0, "ΔE2000 {de}");
    assert_eq!(v["audit"]["changed_outside_mask_px"], 0);
    let result = app.api_image(&token, &format!("/api/v1/variants/{id}/image")).await;
    assert_outside_identical(&img, &result, &mask, 0, 0);
    let px = result.get_pixel(70, 50);
    assert!(
        px[0].abs_diff(0x22) <= 2 && px[1].abs_diff(0x8B) <= 2 && px[2].abs_diff(0x22) <= 2,
        "{px:?}"
    );
    eprintln!("recolor ΔE2000 = {de:.4}");
    // A bad colour is refused up front.
    let bad = app
        .api_variant_raw(
            &token,
            ("master", master),
            "cta_color",
            "x",
            "recolor",
            mask,
            r#"{"hex":"green"}"#,
            None,
        )
        .await;
    assert_eq!(bad.status().as_u16(), 422);
}

/// The demo's saucer (coffee.png, its ellipse minus the cup, the handle and the spoon), as a PNG.
fn saucer_mask() -> Vec<u8> {
    let ellipse = |x: f64, y: f64, (cx, cy, rx, ry): (f64, f64, f64, f64)| {
        ((x - cx) / rx).powi(2) + ((y - cy) / ry).powi(2) <= 1.0
    };
    let mask = GrayImage::from_fn(600, 400, |x, y| {
        let (x, y) = (f64::from(x), f64::from(y));
        let (vx, vy) = (-40.0, 180.0);
        let t = (((x - 412.0) * vx + (y - 70.0) * vy) / (vx * vx + vy * vy)).clamp(0.0, 1.0);
        let spoon = (412.0 + t * vx - x).powi(2) + (70.0 + t * vy - y).powi(2) <= 18.0 * 18.0;
        let inside = ellipse(x, y, (278.0, 232.0, 196.0, 148.0))
            && !ellipse(x, y, (290.0, 150.0, 124.0, 128.0))
            && !ellipse(x, y, (228.0, 268.0, 36.0, 40.0))
            && !ellipse(x, y, (366.0, 284.0, 48.0, 48.0))
            && !spoon;
        image::Luma([if inside { 255 } else { 0 }])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    mask.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[actix_web::test]
async fn a_shaded_saucer_recolored_keeps_its_shading_and_the_audit_says_so() {
    let app = spawn_app().await;
    let token = app.api_user(Role::Growth);
    let photo = fixture_png("coffee.png", 600, 400);
    let parent = decode(&photo);
    let master = app.api_master(&token, photo, "Coffee").await;
    let mut ids = Vec::new();
    for hex in ["#228B22", "#FFFFFF"] {
        let res = app
            .api_variant_raw(
                &token,
                ("master", master),
                "saucer",
                hex,
                "recolor",
                saucer_mask(),
                &format!(r#"{{"hex":"{hex}"}}"#),
                None,
            )
            .await;
        assert_eq!(res.status().as_u16(), 201);
        ids.push(res.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap());
    }
    app.run_jobs();

    let green = app.api_json(&token, &format!("/api/v1/variants/{}", ids[0])).await;
    let audit = &green["audit"];
    let (de, corr) =
        (audit["delta_e"].as_f64().unwrap(), audit["lightness_corr"].as_f64().unwrap());
    eprintln!("saucer → #228B22 through the API: ΔE2000 {de:.3}, L* correlation {corr:.4}");
    assert!(de < 2.0, "{audit}");
    assert!(corr >= 0.95, "{audit}");
    assert!(audit["gamut_mapped_px"].as_i64().is_some(), "{audit}");
    assert_eq!(audit["changed_outside_mask_px"], 0);
    let result = app.api_image(&token, &format!("/api/v1/variants/{}/image", ids[0])).await;
    // The recolor's default feather is 1 px.
    assert_outside_identical(&parent, &result, &saucer_mask(), 0, 1);
    // The statistic the audit stores is the one the pixel crate defines, measured here on the
    // stored result independently of the render.
    let alpha = inpaint::mask::prepare_alpha(
        &image::load_from_memory(&saucer_mask()).unwrap().to_luma8(),
        0,
        1,
    )
    .unwrap();
    let typical = imaging::typical_colour(&result, &alpha).unwrap();
    let own = palette::color_difference::Ciede2000::difference(
        typical,
        imaging::HexColor::parse("#228B22").unwrap().lab(),
    );
    assert!((f64::from(own) - de).abs() < 1e-3, "{own} vs {de}");

    let white = app.api_json(&token, &format!("/api/v1/variants/{}", ids[1])).await;
    let note = white["audit"]["note"].as_str().unwrap();
    assert!(note.contains("#FFFFFF is out of reach"), "{note}");
    assert!(white["audit"]["delta_e"].as_f64().unwrap() >= 2.0);

    app.login_as(Role::Viewer).await;
    let html = app.get_html(&format!("/variants/{}", ids[0])).await;
    assert!(html.contains("ΔE2000 of the diffuse tone to target"), "{html}");
    assert!(html.contains(r#"id="audit-lightness-corr""#));
    assert!(html.contains(&format!("{corr:.3}")), "correlation {corr:.3} not shown");
}

#[actix_web::test]
async fn imports_are_audited_and_a_leaky_one_is_uncontrolled() {
    let app = spawn_app().await;
    let token = app.api_user(Role::Growth);
    let photo = fixture_png("coffee.png", W, H);
    let parent = decode(&photo);
    let master = app.api_master(&token, photo, "Coffee").await;
    let mask = rect_mask(W, H, (20, 20, 50, 40));
    // A clean external edit: inside the mask only, plus JPEG-like ±3 noise everywhere.
    let clean = RgbImage::from_fn(W, H, |x, y| {
        let p = parent.get_pixel(x, y);
        if (20..70).contains(&x) && (20..60).contains(&y) {
            Rgb([255 - p[0], p[1], 0])
        } else {
            Rgb([p[0].saturating_add(((x + y) % 3) as u8), p[1], p[2]])
        }
    });
    // A leaky one: the editor also brightened the whole picture.
    let leaky = RgbImage::from_fn(W, H, |x, y| {
        let p = parent.get_pixel(x, y);
        Rgb([p[0].saturating_add(30), p[1].saturating_add(30), p[2].saturating_add(30)])
    });
    let mut ids = Vec::new();
    for (value, img) in [("clean", clean), ("leaky", leaky)] {
        let res = app
            .api_variant_raw(
                &token,
                ("master", master),
                "headline",
                value,
                "import",
                mask.clone(),
                "{}",
                Some(png_bytes(&img)),
            )
            .await;
        assert_eq!(res.status().as_u16(), 201);
        ids.push(res.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap());
    }
    app.run_jobs();
    let clean = app.api_json(&token, &format!("/api/v1/variants/{}", ids[0])).await;
    assert_eq!(clean["audit"]["controlled"], true, "{clean}");
    assert_eq!(clean["audit"]["changed_outside_mask_px"], 0);
    let leaky = app.api_json(&token, &format!("/api/v1/variants/{}", ids[1])).await;
    assert_eq!(leaky["audit"]["controlled"], false, "{leaky}");
    let outside = leaky["audit"]["changed_outside_mask_px"].as_i64().unwrap();
    assert!(outside > 10_000, "{outside}");
    eprintln!("leaky import: {outside} px changed outside the mask");
    // The page says why and shows where.
    app.login_as(Role::Viewer).await;
    let html = app.get_html(&format!("/variants/{}", ids[1])).await;
    assert!(html.contains("uncontrolled"));
    assert!(html.contains(&format!("/variants/{}/leak.png", ids[1])));
    let leak = app.get(&format!("/variants/{}/leak.png", ids[1])).await;
    assert_eq!(leak.status().as_u16(), 200);
    assert_eq!(leak.headers()["content-type"], "image/png");
    // An import at the wrong size is refused.
    let small = png_bytes(&RgbImage::new(10, 10));
    let res = app
        .api_variant_raw(
            &token,
            ("master", master),
            "headline",
            "tiny",
            "import",
            mask,
            "{}",
            Some(small),
        )
        .await;
    assert_eq!(res.status().as_u16(), 422);
}

#[actix_web::test]
async fn validation_duplicates_lineage_and_codes() {
    let app = spawn_app().await;
    let token = app.api_user(Role::Growth);
    let master = app.api_master(&token, fixture_png("grass.png", 96, 64), "Grass").await;
    let mask = rect_mask(96, 64, (30, 20, 20, 20));
    for (variable, value, op, why) in [
        ("Background", "city", "erase", "uppercase variable"),
        ("background", "", "erase", "empty value"),
        ("background", "city", "blur", "unknown operation"),
        ("background", "city", "composite", "composite without reference"),
    ] {
        let res = app
            .api_variant_raw(
                &token,
                ("master", master),
                variable,
                value,
                op,
                mask.clone(),
                "{}",
                None,
            )
            .await;
        assert_eq!(res.status().as_u16(), 422, "{why}");
    }
    let empty = rect_mask(96, 64, (0, 0, 0, 0));
    let res = app
        .api_variant_raw(
            &token,
            ("master", master),
            "background",
            "city",
            "erase",
            empty,
            "{}",
            None,
        )
        .await;
    assert_eq!(res.status().as_u16(), 422, "empty mask");
    let first = app
        .api_variant_raw(
            &token,
            ("master", master),
            "background",
            "city",
            "erase",
            mask.clone(),
            "{}",
            None,
        )
        .await;
    let first: serde_json::Value = first.json().await.unwrap();
    assert!(first["duplicate_of"].is_null());
    // A child of a variant that has not rendered yet is refused (409).
    let early = app
        .api_variant_raw(
            &token,
            ("variant", first["id"].as_i64().unwrap()),
            "cta",
            "red",
            "erase",
            mask.clone(),
            "{}",
            None,
        )
        .await;
    assert_eq!(early.status().as_u16(), 409);
    let second = app
        .api_variant_raw(
            &token,
            ("master", master),
            "background",
            "city",
            "fill",
            mask.clone(),
            "{}",
            None,
        )
        .await;
    let second: serde_json::Value = second.json().await.unwrap();
    assert_eq!(second["duplicate_of"], first["id"]);
    assert_ne!(second["code"], first["code"]);
    app.run_jobs();
    let child = app
        .api_variant_raw(
            &token,
            ("variant", first["id"].as_i64().unwrap()),
            "cta",
            "red",
            "erase",
            mask,
            "{}",
            None,
        )
        .await;
    assert_eq!(child.status().as_u16(), 201);
    let child: serde_json::Value = child.json().await.unwrap();
    let tree = app.api_json(&token, &format!("/api/v1/masters/{master}/tree")).await;
    assert_eq!(tree["count"], 3);
    assert_eq!(tree["variables"], serde_json::json!(["background", "cta"]));
    let roots = tree["tree"].as_array().unwrap();
    assert_eq!(roots.len(), 2);
    assert_eq!(roots[0]["children"][0]["variant"]["id"], child["id"]);
    let v = app.api_json(&token, &format!("/api/v1/variants/{}", child["id"])).await;
    assert_eq!(v["parent_kind"], "variant");
    assert_eq!(v["parent_id"], first["id"]);
    // The master page draws the tree with the child nested under its parent.
    app.login_as(Role::Viewer).await;
    let html = app.get_html(&format!("/masters/{master}")).await;
    let doc = scraper::Html::parse_document(&html);
    let sel = scraper::Selector::parse("#lineage ul li ul li code").unwrap();
    let nested: Vec<String> = doc.select(&sel).map(|e| e.text().collect()).collect();
    assert_eq!(nested, vec![child["code"].as_str().unwrap().to_owned()]);
}
