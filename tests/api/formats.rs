//! Format siblings and the priming check through the real server, on real photos: exact delivery
//! sizes, crops that keep the edit whole, outpaints whose source pixels stay bit-identical, codes
//! with placement suffixes that the importer maps to the source's arm, and the priming report in
//! the API, on the pages and in the pack, and experiment results split by the placement in the ad names.

use std::io::Read;

use image::RgbImage;
use liftmask::auth::Role;
use liftmask::blobs::BlobId;
use liftmask::db::{DbError, ad_mappings, variants};
use serde_json::{Value, json};

use crate::helpers::{TestApp, png_bytes, rect_mask, spawn_app};
use crate::imports::{fixture, import_file};

/// A whole fixture photo scaled to `w`×`h`.
fn photo(name: &str, w: u32, h: u32) -> RgbImage {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    let img = image::open(path).unwrap().to_rgb8();
    image::imageops::resize(&img, w, h, image::imageops::FilterType::Triangle)
}

/// A recolor of `rect` on `master`, rendered, submitted by `maker` and approved by `director`.
async fn approved_recolor(
    app: &TestApp,
    (maker, director): (&str, &str),
    master: i64,
    (w, h): (u32, u32),
    rect: (u32, u32, u32, u32),
    value: &str,
) -> i64 {
    let res = app
        .api_variant_raw(
            maker,
            ("master", master),
            "saucer_color",
            value,
            "recolor",
            rect_mask(w, h, rect),
            r##"{"hex":"#1E5AA8","grow":0,"feather":0}"##,
            None,
        )
        .await;
    assert_eq!(res.status().as_u16(), 201, "{}", res.text().await.unwrap_or_default());
    let id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    app.run_jobs();
    let post = |token: &str, path: String, body: Value| {
        app.client.post(app.url(&path)).bearer_auth(token).json(&body).send()
    };
    let res = post(maker, format!("/api/v1/variants/{id}/submit"), json!({})).await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let res =
        post(director, format!("/api/v1/variants/{id}/review"), json!({"decision": "approve"}))
            .await
            .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    id
}

/// A running app, a Growth maker's and a creative director's tokens, a master cut from a
/// fixture photo, and an approved navy recolor of one box on it.
struct Recolored {
    app: TestApp,
    maker: String,
    director: String,
    master: i64,
    id: i64,
}

async fn recolored(
    (photo_name, name): (&str, &str),
    (w, h): (u32, u32),
    edit: (u32, u32, u32, u32),
) -> Recolored {
    let app = spawn_app().await;
    let maker = app.api_user(Role::Growth);
    let director = app.api_user(Role::CreativeDirector);
    let master = app.api_master(&maker, png_bytes(&photo(photo_name, w, h)), name).await;
    let id = approved_recolor(&app, (&maker, &director), master, (w, h), edit, "navy").await;
    Recolored { app, maker, director, master, id }
}

async fn post_format(app: &TestApp, token: &str, path: &str, body: Value) -> reqwest::Response {
    app.client.post(app.url(path)).bearer_auth(token).json(&body).send().await.unwrap()
}

/// The stored blob of a variant column, decoded.
fn stored_image(
    app: &TestApp,
    id: i64,
    pick: fn(&variants::Variant) -> Option<String>,
) -> RgbImage {
    let v = app.state.pool.run(|c| variants::find(c, id as i32).map_err(DbError::from)).unwrap();
    let sha = pick(&v).expect("blob");
    let bytes = app.state.blobs.get(&BlobId::parse(&sha).unwrap()).unwrap();
    image::load_from_memory(&bytes).unwrap().to_rgb8()
}

#[actix_web::test]
async fn every_placement_from_one_approved_variant_at_its_exact_size_and_crops_keep_the_edit() {
    let (w, h) = (240, 160);
    let edit = (150, 60, 40, 40);
    let Recolored { app, maker, director, master, id } =
        recolored(("coffee.png", "Coffee"), (w, h), edit).await;
    let source = app.api_json(&maker, &format!("/api/v1/variants/{id}")).await;
    let code = source["code"].as_str().unwrap().to_owned();
    let result = stored_image(&app, id, |v| v.result_sha.clone());

    let mut made = Vec::new();
    for (aspect, suffix, size) in [
        ("1:1", "11", (1080, 1080)),
        ("4:5", "45", (1080, 1350)),
        ("9:16", "916", (1080, 1920)),
        ("1.91:1", "191", (1200, 628)),
    ] {
        let path = format!("/api/v1/variants/{id}/formats");
        let res = post_format(&app, &maker, &path, json!({"aspect": aspect, "mode": "crop"})).await;
        assert_eq!(
            res.status().as_u16(),
            201,
            "{aspect}: {}",
            res.text().await.unwrap_or_default()
        );
        let body: Value = res.json().await.unwrap();
        assert!(body["job_id"].as_i64().is_some());
        made.push((aspect, suffix, size, body["id"].as_i64().unwrap()));
    }
    // One placement, one code: asking again is refused.
    let res = post_format(
        &app,
        &maker,
        &format!("/api/v1/variants/{id}/formats"),
        json!({"aspect": "9:16", "mode": "outpaint"}),
    )
    .await;
    assert_eq!(res.status().as_u16(), 422);
    assert_eq!(app.run_jobs(), 4);

    let (ex, ey, ew, eh) = edit;
    for (aspect, suffix, size, fid) in made {
        let v = app.api_json(&maker, &format!("/api/v1/variants/{fid}")).await;
        assert_eq!(v["format"], aspect);
        assert_eq!(v["format_of"], id);
        assert_eq!(v["code"], format!("{code}-{suffix}"));
        assert_eq!((&v["variable"], &v["value"]), (&source["variable"], &source["value"]));
        assert_eq!(v["parent_kind"], "master", "a format keeps its source's lineage");
        assert_eq!(v["audit"]["controlled"], true, "{v}");
        let img = app.api_image(&maker, &format!("/api/v1/variants/{fid}/image")).await;
        assert_eq!(img.dimensions(), size, "{aspect}");
        // The crop window holds the whole edit, and the canvas is that window of the source,
        // pixel for pixel.
        let crop = &v["params"]["crop"];
        let [cx, cy, cw, ch] = [0, 1, 2, 3].map(|i| crop[i].as_u64().unwrap() as u32);
        assert!(
            cx <= ex && cy <= ey && cx + cw >= ex + ew && cy + ch >= ey + eh,
            "{aspect}: {crop}"
        );
        assert_eq!(v["source_rect"], json!([0, 0, cw, ch]));
        let canvas = stored_image(&app, fid, |v| v.canvas_sha.clone());
        let window = image::imageops::crop_imm(&result, cx, cy, cw, ch).to_image();
        assert!(canvas == window, "{aspect}: the crop is not the source's pixels");
    }

    // An edit too wide for a 9:16 window is never cut: the crop is refused and says why.
    let wide =
        approved_recolor(&app, (&maker, &director), master, (w, h), (20, 60, 200, 30), "wide")
            .await;
    let res = post_format(
        &app,
        &maker,
        &format!("/api/v1/variants/{wide}/formats"),
        json!({"aspect": "9:16", "mode": "crop"}),
    )
    .await;
    assert_eq!(res.status().as_u16(), 422);
    let reason = res.text().await.unwrap();
    assert!(reason.contains("cut into the edit") && reason.contains("use outpaint"), "{reason}");
    // A user's subject box is kept too: with one far from the edit, the square cannot hold both.
    let small = approved_recolor(&app, (&maker, &director), master, (w, h), edit, "small").await;
    let path = format!("/api/v1/variants/{small}/formats");
    let res = post_format(
        &app,
        &maker,
        &path,
        json!({"aspect": "1:1", "mode": "crop", "focus": [0, 0, 40, 20]}),
    )
    .await;
    assert_eq!(res.status().as_u16(), 422);
    assert!(res.text().await.unwrap().contains("cut into the edit"));
    let res = post_format(
        &app,
        &maker,
        &path,
        json!({"aspect": "1:1", "mode": "crop", "focus": [100, 20, 40, 20]}),
    )
    .await;
    assert_eq!(res.status().as_u16(), 201, "a subject box the square can hold with the edit");

    // Only approved variants go to other placements, and a viewer may not make formats.
    let draft = app
        .api_variant_raw(
            &maker,
            ("master", master),
            "saucer_color",
            "draft",
            "recolor",
            rect_mask(w, h, edit),
            r##"{"hex":"#228B22"}"##,
            None,
        )
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    app.run_jobs();
    let res = post_format(
        &app,
        &maker,
        &format!("/api/v1/variants/{draft}/formats"),
        json!({"aspect": "1:1", "mode": "crop"}),
    )
    .await;
    assert_eq!(res.status().as_u16(), 422);
    let viewer = app.api_user(Role::Viewer);
    let res = post_format(
        &app,
        &viewer,
        &format!("/api/v1/variants/{id}/formats"),
        json!({"aspect": "4:5", "mode": "crop"}),
    )
    .await;
    assert_eq!(res.status().as_u16(), 403);
}

#[actix_web::test]
async fn an_outpaint_keeps_every_source_pixel_bit_identical_in_its_source_rect() {
    let (w, h) = (96, 64);
    let Recolored { app, maker, master, id, .. } =
        recolored(("astronaut.png", "Astronaut"), (w, h), (30, 30, 20, 20)).await;
    let res = post_format(
        &app,
        &maker,
        &format!("/api/v1/variants/{id}/formats"),
        json!({"aspect": "9:16", "mode": "outpaint"}),
    )
    .await;
    assert_eq!(res.status().as_u16(), 201, "{}", res.text().await.unwrap_or_default());
    let fid = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    // The master goes to a placement too (its formats are the control arm's).
    let res = post_format(
        &app,
        &maker,
        &format!("/api/v1/masters/{master}/formats"),
        json!({"aspect": "1.91:1", "mode": "outpaint"}),
    )
    .await;
    assert_eq!(res.status().as_u16(), 201, "{}", res.text().await.unwrap_or_default());
    let mid = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    assert_eq!(app.run_jobs(), 2);

    let source = stored_image(&app, id, |v| v.result_sha.clone());
    let v = app.api_json(&maker, &format!("/api/v1/variants/{fid}")).await;
    assert_eq!(v["source_rect"], json!([0, 53, 96, 64]), "{v}");
    assert_eq!(v["operation"], "outpaint");
    assert_eq!(v["audit"]["changed_outside_mask_px"], 0);
    assert_eq!(v["audit"]["controlled"], true);
    let canvas = stored_image(&app, fid, |v| v.canvas_sha.clone());
    assert_eq!(canvas.dimensions(), (96, 171));
    for (x, y, p) in source.enumerate_pixels() {
        assert_eq!(canvas.get_pixel(x, 53 + y), p, "source pixel ({x},{y}) changed");
    }
    // The engine filled the new area: it is not the source's edge rows smeared outwards, which
    // is what the canvas held before the fill.
    let (mut new_px, mut smeared) = (0, 0);
    for y in (0..53).chain(117..171) {
        for x in 0..96 {
            new_px += 1;
            let edge = source.get_pixel(x, if y < 53 { 0 } else { 63 });
            smeared += usize::from(canvas.get_pixel(x, y) == edge);
        }
    }
    assert!(smeared * 2 < new_px, "{smeared} of {new_px} new pixels are the smeared edge");
    let img = app.api_image(&maker, &format!("/api/v1/variants/{fid}/image")).await;
    assert_eq!(img.dimensions(), (1080, 1920));

    let m = app.api_json(&maker, &format!("/api/v1/variants/{mid}")).await;
    assert_eq!((m["format"].as_str(), m["format_of"].as_i64()), (Some("1.91:1"), None));
    let master_img = photo("astronaut.png", w, h);
    let master_canvas = stored_image(&app, mid, |v| v.canvas_sha.clone());
    let [sx, sy] = [0, 1].map(|i| m["source_rect"][i].as_u64().unwrap() as u32);
    for (x, y, p) in master_img.enumerate_pixels() {
        assert_eq!(master_canvas.get_pixel(sx + x, sy + y), p);
    }
    assert_eq!(
        app.api_image(&maker, &format!("/api/v1/variants/{mid}/image")).await.dimensions(),
        (1200, 628)
    );
}

#[actix_web::test]
async fn the_importer_maps_placement_suffixed_codes_to_the_source_arm() {
    let (w, h) = (96, 64);
    let Recolored { app, maker, master, id, .. } =
        recolored(("coffee.png", "Coffee"), (w, h), (40, 20, 20, 20)).await;
    let res = post_format(
        &app,
        &maker,
        &format!("/api/v1/variants/{id}/formats"),
        json!({"aspect": "9:16", "mode": "crop"}),
    )
    .await;
    let format_code = res.json::<Value>().await.unwrap()["code"].as_str().unwrap().to_owned();
    let res = post_format(
        &app,
        &maker,
        &format!("/api/v1/masters/{master}/formats"),
        json!({"aspect": "1:1", "mode": "crop"}),
    )
    .await;
    let master_code = res.json::<Value>().await.unwrap()["code"].as_str().unwrap().to_owned();
    assert!(
        format_code.ends_with("-916") && master_code.ends_with("-11"),
        "{format_code} {master_code}"
    );

    // The fixture's coded ad now carries the variant's 9:16 code, its control ad the master's 1:1.
    let csv = String::from_utf8(fixture("meta_daily_bom.csv")).unwrap();
    let csv = csv
        .replace("Hero | LM-7F3K", &format!("Hero story | {format_code}"))
        .replace(",Control,", &format!(",Control | {master_code},"));
    app.login_as(Role::Growth).await;
    import_file(&app, "meta.csv", csv.into_bytes()).await;
    let mut mappings = app.state.pool.run(|c| ad_mappings::list(c).map_err(DbError::from)).unwrap();
    mappings.sort_by(|a, b| a.ad_id.cmp(&b.ad_id));
    let got: Vec<(&str, i32, Option<i32>, &str)> = mappings
        .iter()
        .map(|m| (m.ad_id.as_str(), m.master_id, m.variant_id, m.mapped_by.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("120212345678909990", master as i32, None, "code"),
            ("120212345678909999", master as i32, Some(id as i32), "code"),
        ]
    );

    // Mapped by hand to the format, an ad still lands on the source's arm.
    let format_id = app
        .state
        .pool
        .run(|c| variants::formats_of(c, master as i32, Some(id as i32)).map_err(DbError::from))
        .unwrap()[0]
        .id;
    let res = app
        .client
        .post(app.url("/api/v1/ad-mappings"))
        .bearer_auth(&maker)
        .json(
            &json!({"platform": "tiktok", "ad_id": "42", "target": format!("variant:{format_id}")}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    assert_eq!(res.json::<Value>().await.unwrap()["variant_id"].as_i64(), Some(id));
    // A format is never an experiment arm of its own.
    let res = app
        .client
        .post(app.url("/api/v1/experiments"))
        .bearer_auth(&maker)
        .json(&json!({"master_id": master, "name": "Placements", "start_date": "2026-03-01",
            "primary_metric": "ctr", "guardrail_metrics": [], "method": "frequentist",
            "treatments": [{"variant_id": format_id, "planned_weight": 1.0}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 422);
    assert!(res.text().await.unwrap().contains("a format counts for its source's arm"));
}

#[actix_web::test]
async fn priming_warns_on_a_pasted_patch_in_the_api_the_pages_and_the_pack() {
    let app = spawn_app().await;
    let maker = app.api_user(Role::Growth);
    let (w, h) = (240, 160);
    let parent = photo("coffee.png", w, h);
    let master = app.api_master(&maker, png_bytes(&parent), "Coffee").await;
    // An imported edit: a piece of the red saucer pasted edge to edge onto the wood.
    let mut pasted = parent.clone();
    for y in 0..40 {
        for x in 0..40 {
            pasted.put_pixel(190 + x, 90 + y, *parent.get_pixel(40 + x, 90 + y));
        }
    }
    let res = app
        .api_variant_raw(
            &maker,
            ("master", master),
            "table",
            "patched",
            "import",
            rect_mask(w, h, (190, 90, 40, 40)),
            "{}",
            Some(png_bytes(&pasted)),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201, "{}", res.text().await.unwrap_or_default());
    let bad = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    app.run_jobs();

    let report = app.api_json(&maker, &format!("/api/v1/variants/{bad}/priming")).await;
    assert_eq!(report["report"]["verdict"], "warn", "{report}");
    assert_eq!(report["ready"], false);
    let seams: Vec<&Value> = report["report"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == "seam" && f["verdict"] == "warn")
        .collect();
    assert!(!seams.is_empty(), "{report}");
    assert_eq!(app.api_json(&maker, &format!("/api/v1/variants/{bad}")).await["priming"], "warn");
    // A variant rendered before the check existed gets its report on first request, kept.
    let forget = |c: &mut liftmask::db::DbConn<'_>| {
        use diesel::prelude::*;
        use liftmask::db::schema::variants as v;
        liftmask::db_run!(c, |c| diesel::update(v::table.find(bad as i32))
            .set(v::priming.eq(None::<String>))
            .execute(c))
        .map_err(DbError::from)
    };
    app.state.pool.run(forget).unwrap();
    let again = app.api_json(&maker, &format!("/api/v1/variants/{bad}/priming")).await;
    assert_eq!(again["report"], report["report"]);
    let kept =
        app.state.pool.run(|c| variants::find(c, bad as i32).map_err(DbError::from)).unwrap();
    assert!(kept.priming.is_some());
    // A master has only its texture to judge; an untouched photo passes.
    let m = app.api_json(&maker, &format!("/api/v1/masters/{master}/priming")).await;
    assert_eq!(m["report"]["verdict"], "pass", "{m}");
    let findings = m["report"]["findings"].as_array().unwrap();
    assert!(
        findings.iter().all(|f| f["check"] == "clone"),
        "a master has only its texture checked"
    );

    // The pack: the variant at the three video-model sizes and the report.
    let res = app
        .client
        .get(app.url(&format!("/api/v1/variants/{bad}/priming/pack")))
        .bearer_auth(&maker)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-type"], "application/zip");
    let mut zip =
        zip::ZipArchive::new(std::io::Cursor::new(res.bytes().await.unwrap().to_vec())).unwrap();
    let mut sizes = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).unwrap();
        if f.name().ends_with(".png") {
            sizes.push(image::load_from_memory(&bytes).unwrap().to_rgb8().dimensions());
        } else {
            assert_eq!(f.name(), "priming.json");
            let manifest: Value = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(manifest["priming"]["report"]["verdict"], "warn");
        }
    }
    assert_eq!(sizes, [(1280, 720), (720, 1280), (1024, 1024)]);

    // The pages: the overlay on the variant page and the verdict in the review queue.
    app.login_as(Role::CreativeDirector).await;
    let page = app.get_html(&format!("/variants/{bad}")).await;
    assert!(page.contains(r#"id="priming-verdict">priming: warn"#), "{page}");
    assert!(page.contains(r#"class="finding finding-seam""#));
    assert!(page.contains(&format!("/variants/{bad}/priming-pack")));
    let queue = app.get_html("/reviews").await;
    assert!(queue.contains(&format!(r##"href="/variants/{bad}#priming">warn"##)), "{queue}");
    // Tera escapes the slashes of a URL built in the template.
    let master_page =
        app.get_html(&format!("/masters/{master}/priming")).await.replace("&#x2F;", "/");
    assert!(master_page.contains(r#"id="priming-verdict">priming: pass"#), "{master_page}");
    assert!(master_page.contains(&format!(r#"src="/masters/{master}/image""#)), "{master_page}");
    assert!(
        app.get_html(&format!("/masters/{master}"))
            .await
            .contains(&format!("/masters/{master}/priming"))
    );

    // A format re-frames the edit and keeps its glitches: the 1:1 crop around the patch warns
    // where the patch's seam now sits.
    let director = app.api_user(Role::Admin);
    for (token, path) in [(&maker, "submit"), (&director, "review")] {
        let res = app
            .client
            .post(app.url(&format!("/api/v1/variants/{bad}/{path}")))
            .bearer_auth(token)
            .json(&json!({"decision": "approve"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
    }
    let res = post_format(
        &app,
        &maker,
        &format!("/api/v1/variants/{bad}/formats"),
        json!({"aspect": "1:1", "mode": "crop"}),
    )
    .await;
    let square = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    app.run_jobs();
    let carried = app.api_json(&maker, &format!("/api/v1/variants/{square}/priming")).await;
    assert_eq!(carried["report"]["verdict"], "warn", "{carried}");
    assert_eq!(
        (carried["report"]["width"].as_u64(), carried["report"]["height"].as_u64()),
        (Some(160), Some(160))
    );
    let crop_x =
        app.api_json(&maker, &format!("/api/v1/variants/{square}")).await["params"]["crop"][0]
            .as_u64()
            .unwrap();
    let seam = carried["report"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "seam" && f["verdict"] == "warn")
        .unwrap()
        .clone();
    assert!(
        seam["rect"][0].as_u64().unwrap() + crop_x >= 180,
        "moved into the crop's frame: {seam}"
    );
}

#[actix_web::test]
async fn the_formats_grid_makes_several_placements_at_once_and_the_tree_shows_them() {
    let (w, h) = (160, 120);
    let Recolored { app, maker, master, id, .. } =
        recolored(("chelsea.png", "Cat"), (w, h), (60, 40, 30, 30)).await;
    app.login_as(Role::Growth).await;
    let page = app.get_html(&format!("/variants/{id}")).await;
    assert!(page.contains(r#"id="formats-form""#), "an approved variant offers its placements");
    let res = app
        .post_form(
            &format!("/variants/{id}/formats"),
            &[
                ("mode", "crop"),
                ("aspect_11", "on"),
                ("aspect_45", "on"),
                ("aspect_916", "on"),
                ("aspect_191", "on"),
                ("focus", ""),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(app.run_jobs(), 4);
    let page = app.get_html(&format!("/variants/{id}")).await;
    for badge in ["1:1", "4:5", "9:16", "1.91:1"] {
        assert!(
            page.contains(&format!(r#"<span class="badge badge-format">{badge}</span>"#)),
            "{badge}"
        );
    }
    let tree = app.get_html(&format!("/masters/{master}")).await;
    assert_eq!(tree.matches("tree-format-thumb").count(), 4, "{tree}");
    assert!(tree.contains(r#"id="formats-form""#), "the master's grid");
    // A format's own page says what it is a format of.
    let lineage = app.api_json(&maker, &format!("/api/v1/masters/{master}/tree")).await;
    let fid = lineage["tree"][0]["formats"][0]["id"].as_i64().unwrap();
    let page = app.get_html(&format!("/variants/{fid}")).await;
    assert!(page.contains(r#"id="format-of""#) && page.contains("exact crop"), "{page}");
    for section in [r#"id="audit""#, r#"id="priming""#, r#"id="review""#] {
        assert!(page.contains(section), "a format is audited, checked and reviewed: {section}");
    }
    assert!(page.contains("Source pixels changed"));
    assert_eq!(lineage["count"], 1, "formats are not variants of their own");
}

#[actix_web::test]
async fn in_a_real_browser_a_dragged_subject_box_reaches_the_formats_grid() {
    let (w, h) = (240, 160);
    let edit = (150, 60, 40, 40);
    let Recolored { app, id, .. } = recolored(("coffee.png", "Coffee"), (w, h), edit).await;
    let driver = crate::browser::Driver::start().await;
    let base = app.address.clone();
    driver.login(&base, "api-growth@example.com").await;
    driver.goto(&format!("{base}/variants/{id}")).await;
    driver
        .wait_for("the preview", "return document.getElementById('focus-image').complete", 20)
        .await;
    // Real pointer events: a box from 10 % to 50 % across and 10 % to 60 % down the preview.
    driver
        .js(r#"
        const s = document.getElementById('focus-stage');
        const r = document.getElementById('focus-image').getBoundingClientRect();
        const ev = (type, fx, fy) => s.dispatchEvent(new PointerEvent(type, {bubbles: true, pointerId: 1,
            clientX: r.left + r.width * fx, clientY: r.top + r.height * fy, buttons: 1}));
        ev('pointerdown', 0.1, 0.1);
        for (let i = 1; i <= 8; i++) ev('pointermove', 0.1 + i * 0.05, 0.1 + i * 0.0625);
        ev('pointerup', 0.5, 0.6);
        return true;"#)
        .await;
    let focus = driver.js("return document.getElementById('formats-focus').value").await;
    let px: Vec<i64> = focus.as_str().unwrap().split(',').map(|p| p.parse().unwrap()).collect();
    for (got, want) in px.iter().zip([24, 16, 96, 80]) {
        assert!((got - want).abs() <= 1, "focus {focus} (want about 24,16,96,80)");
    }
    // The box and the edit together span 166 px across: only the wide placement can keep both.
    driver.click("#make-formats").await;
    driver
        .wait_for("the flashes", "return document.querySelectorAll('.flash').length >= 4", 20)
        .await;
    let flashes = driver
        .js("return [...document.querySelectorAll('.flash')].map(f => f.className + ': ' + f.textContent).join('\\n')")
        .await;
    let flashes = flashes.as_str().unwrap();
    assert_eq!(flashes.matches("cut into the edit").count(), 3, "{flashes}");
    assert!(flashes.contains("-191 (1.91:1 crop) queued"), "{flashes}");
}

/// A Meta daily export in the fixture's dialect (BOM, totals row, quoted thousands, EUR spend):
/// `(ad name, ad ID, clicks on 1 and 2 September)` for ads of 10,000 impressions a day.
fn meta_export(ads: &[(&str, &str, [u32; 2])]) -> Vec<u8> {
    let fixture = String::from_utf8(fixture("meta_daily_bom.csv")).unwrap();
    let mut csv: String = fixture.lines().take(2).map(|l| format!("{l}\n")).collect();
    for (name, ad_id, clicks) in ads {
        for (day, clicks) in [1, 2].into_iter().zip(clicks) {
            csv.push_str(&format!(
                "Autumn Sale,120212345678901234,Broad FR,120212345678905678,{name},{ad_id},\
                 2026-09-0{day},2026-09-01,2026-09-02,\"10,000\",\"8,000\",{clicks},{},\
                 \"1,040.00\",104.00,2,300.00,0.29,2,actions:offsite_conversion.fb_pixel_purchase,\
                 7-day click or 1-day view\n",
                clicks + 40,
            ));
        }
    }
    csv.into_bytes()
}

/// A CTR experiment of `variant` against its master, from 1 September; returns its id.
async fn ctr_experiment(app: &TestApp, token: &str, master: i64, variant: i64) -> i64 {
    let res = app
        .client
        .post(app.url("/api/v1/experiments"))
        .bearer_auth(token)
        .json(&json!({"master_id": master, "name": "Placements", "start_date": "2026-09-01",
            "primary_metric": "ctr", "guardrail_metrics": [], "method": "frequentist",
            "treatments": [{"variant_id": variant, "planned_weight": 1.0}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201, "{}", res.text().await.unwrap_or_default());
    res.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

fn close(got: &Value, want: f64) -> bool {
    got.as_f64().is_some_and(|g| (g - want).abs() < 1e-9)
}

#[actix_web::test]
async fn results_split_by_the_placement_in_the_ad_names() {
    let (w, h) = (96, 64);
    let Recolored { app, maker, master, id, .. } =
        recolored(("coffee.png", "Coffee"), (w, h), (40, 20, 20, 20)).await;
    let code = |path: String, aspect: &'static str| {
        let (app, maker) = (&app, &maker);
        async move {
            let res =
                post_format(app, maker, &path, json!({"aspect": aspect, "mode": "crop"})).await;
            assert_eq!(res.status().as_u16(), 201);
            res.json::<Value>().await.unwrap()["code"].as_str().unwrap().to_owned()
        }
    };
    let story = code(format!("/api/v1/variants/{id}/formats"), "9:16").await;
    let square = code(format!("/api/v1/variants/{id}/formats"), "1:1").await;
    let master_story = code(format!("/api/v1/masters/{master}/formats"), "9:16").await;
    let variant_code = story.trim_end_matches("-916").to_owned();
    let master_code = master_story.trim_end_matches("-916").to_owned();

    // Two ads per arm and format. CTR: control original 1.0 %, control 9:16 0.5 %; the variant
    // 1.5 % original (+50 %), 0.6 % on 9:16 (+20 %), and 0.8 % on 1:1, where the control has no
    // ads, so against the control overall (0.75 %): +6.67 %.
    let names = [
        format!("Hero | {master_code}"),
        format!("Story | {master_story}"),
        format!("Hero | {variant_code}"),
        format!("Story | {story}"),
        format!("Feed | {square}"),
    ];
    let clicks = [
        [[100, 110], [90, 100]],
        [[50, 55], [45, 50]],
        [[150, 160], [140, 150]],
        [[60, 66], [54, 60]],
        [[80, 85], [75, 80]],
    ];
    let ids: Vec<String> = (0..10).map(|i| format!("1202123456789100{i:02}")).collect();
    let ads: Vec<(&str, &str, [u32; 2])> =
        (0..10).map(|i| (names[i / 2].as_str(), ids[i].as_str(), clicks[i / 2][i % 2])).collect();
    app.login_as(Role::Growth).await;
    import_file(&app, "meta.csv", meta_export(&ads)).await;
    let experiment = ctr_experiment(&app, &maker, master, id).await;

    let results = app.api_json(&maker, &format!("/api/v1/experiments/{experiment}")).await;
    let split = &results["by_format"];
    assert_eq!(split["metric"], "ctr", "{results}");
    let rows = split["rows"].as_array().unwrap();
    let got: Vec<(bool, &str, u64, f64)> = rows
        .iter()
        .map(|r| {
            let imp = r["impressions"].as_f64().unwrap();
            (
                r["is_control"].as_bool().unwrap(),
                r["format"].as_str().unwrap(),
                r["ads"].as_u64().unwrap(),
                imp,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (true, "original", 2, 40_000.0),
            (true, "9:16", 2, 40_000.0),
            (false, "original", 2, 40_000.0),
            (false, "1:1", 2, 40_000.0),
            (false, "9:16", 2, 40_000.0),
        ]
    );
    let want = [
        (0.01, None, None),
        (0.005, None, None),
        (0.015, Some("same_format"), Some(0.5)),
        (0.008, Some("control_overall"), Some(0.008 / 0.0075 - 1.0)),
        (0.006, Some("same_format"), Some(0.2)),
    ];
    // Control original: ads of 210 and 190 clicks in 20,000 impressions, so residuals ±10 with
    // leverage 1/2: se = sqrt(2 · 100 / 0.5) / 40,000 = 5e-4, on 1 dof, t(0.975, 1) = 12.7062047.
    let half = 12.706204736174706 * 5e-4;
    assert!(close(&rows[0]["ci_low"], 0.01 - half) && close(&rows[0]["ci_high"], 0.01 + half));
    for (row, (value, reference, lift)) in rows.iter().zip(want) {
        assert!(close(&row["value"], value), "{row}");
        let (lo, hi) = (row["ci_low"].as_f64().unwrap(), row["ci_high"].as_f64().unwrap());
        assert!(lo < value && value < hi, "{row}");
        assert_eq!(row["reference"].as_str(), reference, "{row}");
        match lift {
            Some(l) => {
                let inf = &row["lift"];
                assert!(close(&inf["lift"], l), "{row}");
                assert!(
                    inf["ci_low"].as_f64().unwrap() < l && l < inf["ci_high"].as_f64().unwrap()
                );
                assert_eq!(row["replication"], "few_ads", "{row}");
            }
            None => assert!(row["lift"].is_null(), "{row}"),
        }
        assert_eq!(
            row["code"].as_str(),
            if row["is_control"] == true { None } else { Some(variant_code.as_str()) }
        );
    }
    // The arm itself still pools its three placements.
    let arms = results["arms"].as_array().unwrap();
    assert!(close(&arms[1]["impressions"], 120_000.0), "{}", arms[1]);

    let page = app.get_html(&format!("/experiments/{experiment}")).await;
    let doc = scraper::Html::parse_document(&page);
    let sel = scraper::Selector::parse("#by-format-table tbody tr").unwrap();
    let shown: Vec<String> = doc
        .select(&sel)
        .map(|tr| tr.value().attr("data-format").unwrap_or_default().to_owned())
        .collect();
    assert_eq!(shown, ["original", "9:16", "original", "1:1", "9:16"]);
    assert!(
        page.contains("<h2>By format</h2>") && page.contains("+50 %") && page.contains("+20 %")
    );
    assert!(page.contains("control overall"));

    let csv = app
        .client
        .get(app.url(&format!("/api/v1/experiments/{experiment}/by_format.csv")))
        .bearer_auth(&maker)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 6, "{csv}");
    assert!(lines[0].starts_with(
        "experiment_id,arm_id,arm,code,is_control,format,metric,ads,impressions,value"
    ));
    assert!(
        lines[4].contains(",1:1,ctr,2,40000,0.008,") && lines[4].contains(",control_overall,"),
        "{csv}"
    );
}

#[actix_web::test]
async fn results_without_format_siblings_have_no_format_split() {
    let (w, h) = (96, 64);
    let Recolored { app, maker, master, id, .. } =
        recolored(("coffee.png", "Coffee"), (w, h), (40, 20, 20, 20)).await;
    let code = app.api_json(&maker, &format!("/api/v1/variants/{id}")).await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let treated = format!("Hero | {code}");
    let ads = [
        ("Control A", "120212345678920001", [100, 110]),
        ("Control B", "120212345678920002", [90, 100]),
        (treated.as_str(), "120212345678920003", [150, 160]),
        (treated.as_str(), "120212345678920004", [140, 150]),
    ];
    app.login_as(Role::Growth).await;
    import_file(&app, "meta.csv", meta_export(&ads)).await;
    for (_, ad_id, _) in &ads[..2] {
        let res = app
            .client
            .post(app.url("/api/v1/ad-mappings"))
            .bearer_auth(&maker)
            .json(
                &json!({"platform": "meta", "ad_id": ad_id, "target": format!("master:{master}")}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 201);
    }
    let experiment = ctr_experiment(&app, &maker, master, id).await;
    let results = app.api_json(&maker, &format!("/api/v1/experiments/{experiment}")).await;
    assert!(results["by_format"].is_null(), "{}", results["by_format"]);
    // The arms have their data, so the split is absent for want of formats, not of ads.
    let arms = results["arms"].as_array().unwrap();
    assert_eq!(
        (arms[0]["ads_with_data"].as_u64(), arms[1]["ads_with_data"].as_u64()),
        (Some(2), Some(2))
    );
    assert!(close(&arms[1]["metrics"][0][1], 0.015), "{}", arms[1]);
    let page = app.get_html(&format!("/experiments/{experiment}")).await;
    assert!(page.contains(r#"id="arms""#) && !page.contains(r#"id="by-format""#));
}
