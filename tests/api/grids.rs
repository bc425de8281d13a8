//! Modular grids through the real server: cells are exact compositions of their levels' edits on a
//! real photo (checked bit for bit here, from the images the API serves), overlapping levels are
//! refused with the overlap's location, and a grid runs end to end: bulk review, the bulk export,
//! a platform CSV written with the exported ad names, import (every ad mapped by its code), the
//! factorial analysis recovering known effects, the leaderboard, and the pages.

use std::collections::HashMap;
use std::io::Read;

use image::{GrayImage, RgbImage};
use liftmask::auth::Role;
use rand::SeedableRng;
use rand::distributions::Distribution;
use rand::rngs::StdRng;
use serde_json::{Value, json};
use statrs::distribution::{LogNormal, Poisson};

use crate::helpers::{TestApp, fixture_png, rect_mask, spawn_app};

const W: u32 = 240;
const H: u32 = 160;
/// Every level's grow and feather: the feathered ring is part of its region.
const GROW: u32 = 2;
const FEATHER: u32 = 2;
/// The jacket and sky regions: disjoint even after growing and feathering.
const JACKET: (u32, u32, u32, u32) = (20, 40, 60, 70);
const SKY: (u32, u32, u32, u32) = (140, 10, 80, 50);
/// A floor region, disjoint from both.
const FLOOR: (u32, u32, u32, u32) = (120, 100, 100, 50);
/// A hat that reaches into the jacket's region.
const HAT: (u32, u32, u32, u32) = (70, 20, 30, 30);

/// A rendered, approved level: its id, code and mask.
struct Level {
    id: i64,
    code: String,
    mask: Vec<u8>,
}

struct Setup {
    master: i64,
    growth: String,
    director: String,
    jacket_green: Level,
    sky_blue: Level,
    sky_red: Level,
    hat: Level,
}

async fn post_json(app: &TestApp, token: &str, path: &str, body: &Value) -> reqwest::Response {
    app.client.post(app.url(path)).bearer_auth(token).json(body).send().await.unwrap()
}

/// A recolor of the master in `rect`, rendered and approved by the director.
async fn level(
    app: &TestApp,
    s: (&str, &str, i64),
    variable: &str,
    value: &str,
    hex: &str,
    rect: (u32, u32, u32, u32),
) -> Level {
    let (growth, director, master) = s;
    let mask = rect_mask(W, H, rect);
    let params = format!(r#"{{"hex":"{hex}","grow":{GROW},"feather":{FEATHER}}}"#);
    let res = app
        .api_variant_raw(
            growth,
            ("master", master),
            variable,
            value,
            "recolor",
            mask.clone(),
            &params,
            None,
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    let v: Value = res.json().await.unwrap();
    let id = v["id"].as_i64().unwrap();
    app.run_jobs();
    let submitted =
        post_json(app, growth, &format!("/api/v1/variants/{id}/submit"), &json!({})).await;
    assert_eq!(submitted.status().as_u16(), 200);
    let approved = post_json(
        app,
        director,
        &format!("/api/v1/variants/{id}/review"),
        &json!({"decision": "approve"}),
    )
    .await;
    assert_eq!(approved.status().as_u16(), 200);
    Level { id, code: v["code"].as_str().unwrap().to_owned(), mask }
}

async fn setup(app: &TestApp) -> Setup {
    let growth = app.api_user(Role::Growth);
    let director = app.api_user(Role::CreativeDirector);
    let master = app.api_master(&growth, fixture_png("chelsea.png", W, H), "Chelsea").await;
    let s = (growth.as_str(), director.as_str(), master);
    let jacket_green = level(app, s, "jacket", "green", "#22AA22", JACKET).await;
    let sky_blue = level(app, s, "sky", "blue", "#3366CC", SKY).await;
    let sky_red = level(app, s, "sky", "red", "#CC3333", SKY).await;
    let hat = level(app, s, "hat", "yellow", "#EEDD22", HAT).await;
    Setup { master, growth, director, jacket_green, sky_blue, sky_red, hat }
}

/// The grown, feathered region of a level, as the engine prepares it.
fn alpha(mask: &[u8]) -> GrayImage {
    let m = image::load_from_memory(mask).unwrap().to_luma8();
    inpaint::mask::prepare_alpha(&m, GROW, FEATHER).unwrap()
}

/// Checks every cell of `grid` bit for bit: each level's edit inside its region, the master elsewhere.
async fn assert_exact(app: &TestApp, s: &Setup, grid: &Value, levels: &[Vec<Option<&Level>>]) {
    let expected: usize = levels.iter().map(Vec::len).product();
    assert_exact_cells(app, s, grid, levels, expected).await;
}

/// [`assert_exact`] for a grid of `expected` cells (a fraction runs fewer than every combination).
async fn assert_exact_cells(
    app: &TestApp,
    s: &Setup,
    grid: &Value,
    levels: &[Vec<Option<&Level>>],
    expected: usize,
) {
    // The master as uploaded: a lossless PNG of the fixture's crop.
    let master = image::load_from_memory(&fixture_png("chelsea.png", W, H)).unwrap().to_rgb8();
    let mut edits: HashMap<i64, (RgbImage, GrayImage)> = HashMap::new();
    for var in levels {
        for l in var.iter().flatten() {
            let img = app.api_image(&s.growth, &format!("/api/v1/variants/{}/image", l.id)).await;
            edits.insert(l.id, (img, alpha(&l.mask)));
        }
    }
    let cells = grid["cells"].as_array().unwrap();
    assert_eq!(cells.len(), expected, "{grid}");
    for cell in cells {
        let id = cell["variant_id"].as_i64().unwrap();
        assert_eq!(cell["controlled"], true, "{cell}");
        assert_eq!(cell["changed_outside_mask_px"], 0, "{cell}");
        let got = app.api_image(&s.growth, &format!("/api/v1/variants/{id}/image")).await;
        let chosen: Vec<&(RgbImage, GrayImage)> = cell["levels"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .filter_map(|(v, l)| levels[v][l.as_u64().unwrap() as usize].map(|lv| &edits[&lv.id]))
            .collect();
        let (mut inside, mut outside) = (0u64, 0u64);
        for (x, y, px) in got.enumerate_pixels() {
            match chosen.iter().find(|(_, a)| a.get_pixel(x, y)[0] > 0) {
                Some((edit, _)) => {
                    assert_eq!(
                        px,
                        edit.get_pixel(x, y),
                        "cell {} at ({x},{y}) inside",
                        cell["code"]
                    );
                    inside += 1;
                }
                None => {
                    assert_eq!(
                        px,
                        master.get_pixel(x, y),
                        "cell {} at ({x},{y}) outside",
                        cell["code"]
                    );
                    outside += 1;
                }
            }
        }
        assert_eq!(inside + outside, u64::from(W * H));
        // A cell with an edit differs from the master somewhere: the check above is not vacuous.
        if !chosen.is_empty() {
            assert!(got.pixels().zip(master.pixels()).any(|(a, b)| a != b), "{cell}");
        }
    }
}

#[actix_web::test]
async fn cells_are_exact_compositions_and_overlapping_levels_are_refused() {
    let app = spawn_app().await;
    let s = setup(&app).await;
    // 2 × 2.
    let body = json!({"master_id": s.master, "variables": [
        {"variable": "jacket", "levels": [null, s.jacket_green.id]},
        {"variable": "sky", "levels": [null, s.sky_blue.id]}]});
    let res = post_json(&app, &s.growth, "/api/v1/grids", &body).await;
    assert_eq!(res.status().as_u16(), 201);
    let grid: Value = res.json().await.unwrap();
    assert_exact(
        &app,
        &s,
        &grid,
        &[vec![None, Some(&s.jacket_green)], vec![None, Some(&s.sky_blue)]],
    )
    .await;
    // 2 × 3.
    let body = json!({"master_id": s.master, "name": "jacket by sky", "variables": [
        {"variable": "jacket", "levels": [null, s.jacket_green.id]},
        {"variable": "sky", "levels": [null, s.sky_blue.id, s.sky_red.id]}]});
    let res = post_json(&app, &s.growth, "/api/v1/grids", &body).await;
    assert_eq!(res.status().as_u16(), 201);
    let grid: Value = res.json().await.unwrap();
    assert_exact(
        &app,
        &s,
        &grid,
        &[vec![None, Some(&s.jacket_green)], vec![None, Some(&s.sky_blue), Some(&s.sky_red)]],
    )
    .await;
    let again = app.api_json(&s.growth, &format!("/api/v1/grids/{}", grid["id"])).await;
    assert_eq!(again["cells"], grid["cells"]);
    assert_eq!(again["matrix"]["rows"].as_array().unwrap().len(), 2);

    // A cell is a variant: its page shows the levels it combines and its audit, and its pictures serve.
    app.login_as(Role::Growth).await;
    let cell =
        grid["cells"].as_array().unwrap().iter().find(|c| c["levels"] == json!([1, 2])).unwrap();
    let page = app.get_html(&format!("/variants/{}", cell["variant_id"])).await;
    assert!(
        page.contains(&s.jacket_green.code) && page.contains(&s.sky_red.code),
        "lineage shows the levels"
    );
    assert!(page.contains("controlled grid cell: 0 px outside the union of its 2 level masks"));
    for which in ["diff", "mask", "leak"] {
        let res = app.get(&format!("/variants/{}/{which}.png", cell["variant_id"])).await;
        assert_eq!(res.status().as_u16(), 200, "{which}");
    }

    // The pages: a grid needs a master, so the bare list sends the user to pick one; the
    // creation form composes a grid, and refuses overlapping levels with the reason.
    let bare = app.get("/grids").await;
    assert_eq!(bare.status().as_u16(), 303);
    assert_eq!(bare.headers()["location"], "/masters");
    let form_page = app.get_html(&format!("/grids?master_id={}", s.master)).await;
    assert!(form_page.contains(&format!("jacket:{}", s.jacket_green.id)));
    let master_id = s.master.to_string();
    let (jacket, sky, hat) = (
        format!("jacket:{}", s.jacket_green.id),
        format!("sky:{}", s.sky_blue.id),
        format!("hat:{}", s.hat.id),
    );
    let res = app
        .post_form(
            "/grids",
            &[
                ("master_id", &master_id),
                ("level", "jacket:master"),
                ("level", &jacket),
                ("level", "sky:master"),
                ("level", &sky),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let html = app.get_html(&location).await;
    assert!(html.contains("Composed 4 cells.") && html.contains("grid-matrix"), "{location}");
    let res = app
        .post_form(
            "/grids",
            &[
                ("master_id", &master_id),
                ("level", "jacket:master"),
                ("level", &jacket),
                ("level", "hat:master"),
                ("level", &hat),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    let back = res.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(back, format!("/grids?master_id={}", s.master));
    assert!(app.get_html(&back).await.contains("overlap on"), "the form says where");
    // Bulk review through the page: send the whole grid to review.
    let res = app.post_form(&format!("{location}/submit"), &[]).await;
    assert_eq!(res.status().as_u16(), 303);
    assert!(app.get_html(&location).await.contains("4 cell(s) changed."));

    // The hat reaches into the jacket: refused, saying exactly where.
    let (a, b) = (alpha(&s.jacket_green.mask), alpha(&s.hat.mask));
    let shared: Vec<(u32, u32)> = a
        .enumerate_pixels()
        .filter(|(x, y, p)| p[0] > 0 && b.get_pixel(*x, *y)[0] > 0)
        .map(|(x, y, _)| (x, y))
        .collect();
    assert!(!shared.is_empty());
    let (x0, x1) =
        (shared.iter().map(|p| p.0).min().unwrap(), shared.iter().map(|p| p.0).max().unwrap());
    let (y0, y1) =
        (shared.iter().map(|p| p.1).min().unwrap(), shared.iter().map(|p| p.1).max().unwrap());
    let body = json!({"master_id": s.master, "variables": [
        {"variable": "jacket", "levels": [null, s.jacket_green.id]},
        {"variable": "hat", "levels": [null, s.hat.id]}]});
    let res = post_json(&app, &s.growth, "/api/v1/grids", &body).await;
    assert_eq!(res.status().as_u16(), 422);
    let msg = res.text().await.unwrap();
    let want = format!("overlap on {} px at x {x0}–{x1}, y {y0}–{y1}", shared.len());
    assert!(msg.contains(&want), "{msg} lacks {want}");
    eprintln!("overlap refusal: {msg}");
    assert!(msg.contains(&s.hat.code) && msg.contains(&s.jacket_green.code), "{msg}");

    // Levels must be approved edits of this master's variable.
    let body = json!({"master_id": s.master, "variables": [
        {"variable": "jacket", "levels": [null, s.sky_blue.id]},
        {"variable": "sky", "levels": [null, s.sky_red.id]}]});
    let res = post_json(&app, &s.growth, "/api/v1/grids", &body).await;
    assert_eq!(res.status().as_u16(), 422);
    assert!(res.text().await.unwrap().contains("changes sky, not jacket"));
    // A viewer cannot create grids.
    let viewer = app.api_user(Role::Viewer);
    assert_eq!(post_json(&app, &viewer, "/api/v1/grids", &body).await.status().as_u16(), 403);
}

#[actix_web::test]
async fn a_three_by_three_by_three_grid_runs_a_nine_cell_fraction_and_says_what_it_confounds() {
    let app = spawn_app().await;
    let s = setup(&app).await;
    let t = (s.growth.as_str(), s.director.as_str(), s.master);
    let jacket_blue = level(&app, t, "jacket", "blue", "#2244AA", JACKET).await;
    let floor_grey = level(&app, t, "floor", "grey", "#777777", FLOOR).await;
    let floor_sand = level(&app, t, "floor", "sand", "#C2B280", FLOOR).await;
    let body = json!({"master_id": s.master, "fractional": true, "variables": [
        {"variable": "jacket", "levels": [null, s.jacket_green.id, jacket_blue.id]},
        {"variable": "sky", "levels": [null, s.sky_blue.id, s.sky_red.id]},
        {"variable": "floor", "levels": [null, floor_grey.id, floor_sand.id]}]});
    let started = std::time::Instant::now();
    let res = post_json(&app, &s.growth, "/api/v1/grids", &body).await;
    assert_eq!(res.status().as_u16(), 201);
    eprintln!(
        "9-cell fraction of a 3x3x3 grid at {W}x{H}: composed and stored in {:?}",
        started.elapsed()
    );
    let grid: Value = res.json().await.unwrap();
    let fraction = &grid["fraction"];
    assert_eq!(fraction["full_size"], 27);
    assert!(fraction["construction"].as_str().unwrap().contains("C = A + B"), "{fraction}");
    let notes = fraction["notes"].to_string();
    assert!(
        notes.contains("the main effect of floor is confounded with the jacket × sky interaction"),
        "{notes}"
    );
    // Every level of every variable appears in three of the nine cells.
    for v in 0..3 {
        for l in 0..3 {
            let n =
                grid["cells"].as_array().unwrap().iter().filter(|c| c["levels"][v] == l).count();
            assert_eq!(n, 3, "variable {v} level {l}");
        }
    }
    let levels = [
        vec![None, Some(&s.jacket_green), Some(&jacket_blue)],
        vec![None, Some(&s.sky_blue), Some(&s.sky_red)],
        vec![None, Some(&floor_grey), Some(&floor_sand)],
    ];
    assert_exact_cells(&app, &s, &grid, &levels, 9).await;
    // Without the fraction the 27 cells would be composed; a 2×2 has no smaller fraction.
    let small = json!({"master_id": s.master, "fractional": true, "variables": [
        {"variable": "jacket", "levels": [null, s.jacket_green.id]},
        {"variable": "sky", "levels": [null, s.sky_blue.id]}]});
    let res = post_json(&app, &s.growth, "/api/v1/grids", &small).await;
    assert_eq!(res.status().as_u16(), 422);
    assert!(res.text().await.unwrap().contains("no fraction"));
    app.login_as(Role::Viewer).await;
    let html = app.get_html(&format!("/grids/{}", grid["id"])).await;
    assert!(
        html.contains("9 of 27 cells") && html.contains("not run"),
        "the page shows the fraction"
    );
}

/// The true log CTR of a cell (jacket level, sky level): main effects and one interaction.
fn truth(jacket: usize, sky: usize) -> f64 {
    let mut t = (0.02f64).ln() + [0.0, 0.10][jacket] + [0.0, 0.05, -0.08][sky];
    if (jacket, sky) == (1, 2) {
        t += 0.20;
    }
    t
}

/// A Meta daily export for `ads_per_cell` ads of every cell: each ad keeps its own CTR (lognormal,
/// CV 10 %) and volume for its whole life; its name is the one the bulk export gave the cell.
fn platform_csv(cells: &[(Vec<usize>, String)], ads_per_cell: usize) -> Vec<u8> {
    let mut rng = StdRng::seed_from_u64(16);
    let unit = |cv: f64| {
        let s2 = (1.0f64 + cv * cv).ln();
        LogNormal::new(-s2 / 2.0, s2.sqrt()).unwrap()
    };
    let (ad_ctr, volume) = (unit(0.1), unit(0.4));
    let mut out = String::from(
        "Campaign name,Campaign ID,Ad set name,Ad set ID,Ad name,Ad ID,Day,Impressions,Link clicks,Amount spent (USD)\n",
    );
    let mut ad = 0u64;
    for (levels, name) in cells {
        for _ in 0..ads_per_cell {
            ad += 1;
            let ctr = truth(levels[0], levels[1]).exp() * ad_ctr.sample(&mut rng);
            let daily = 3000.0 * volume.sample(&mut rng);
            for day in 1..=14 {
                let imps = (daily * (1.0 + 0.1 * (f64::from(day) * 0.9).sin())).round().max(50.0);
                let clicks: f64 = Poisson::new(imps * ctr).unwrap().sample(&mut rng);
                out.push_str(&format!(
                    "Grid test,120200000000000001,Broad,120200000000000002,\"{name}\",12021000000{ad:07},2026-05-{day:02},{imps},{clicks},{:.2}\n",
                    clicks * 0.5
                ));
            }
        }
    }
    out.into_bytes()
}

#[actix_web::test]
async fn a_grid_is_reviewed_exported_imported_and_analysed_factorially() {
    let app = spawn_app().await;
    let s = setup(&app).await;
    let body = json!({"master_id": s.master, "name": "jacket by sky", "variables": [
        {"variable": "jacket", "levels": [null, s.jacket_green.id]},
        {"variable": "sky", "levels": [null, s.sky_blue.id, s.sky_red.id]}]});
    let grid: Value =
        post_json(&app, &s.growth, "/api/v1/grids", &body).await.json().await.unwrap();
    let gid = grid["id"].as_i64().unwrap();
    // Nothing approved yet: no export.
    let res = app
        .client
        .get(app.url(&format!("/api/v1/grids/{gid}/export.zip")))
        .bearer_auth(&s.growth)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 422);
    // Bulk review: the creator sends the grid to review; they may not approve it themselves, the
    // director approves all but one cell, then that one.
    let out: Value = post_json(&app, &s.growth, &format!("/api/v1/grids/{gid}/submit"), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(out["changed"].as_array().unwrap().len(), 6, "{out}");
    let first = grid["cells"][0]["variant_id"].as_i64().unwrap();
    let rest: Vec<i64> = grid["cells"].as_array().unwrap()[1..]
        .iter()
        .map(|c| c["variant_id"].as_i64().unwrap())
        .collect();
    let out: Value = post_json(
        &app,
        &s.director,
        &format!("/api/v1/grids/{gid}/review"),
        &json!({"decision": "approve", "cells": rest}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(out["changed"].as_array().unwrap().len(), 5, "{out}");
    let out: Value = post_json(
        &app,
        &s.director,
        &format!("/api/v1/grids/{gid}/review"),
        &json!({"decision": "approve", "cells": [first]}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(out["changed"].as_array().unwrap().len(), 1, "{out}");
    let out: Value = post_json(
        &app,
        &s.director,
        &format!("/api/v1/grids/{gid}/review"),
        &json!({"decision": "approve"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(out["skipped"].as_array().unwrap().len(), 6, "already approved: {out}");

    // One cell also goes to the 1:1 placement (a crop around its edit), approved like any variant:
    // the export carries it as an ad of its own, named with the suffixed code.
    let cells = grid["cells"].as_array().unwrap();
    let jacket_cell = cells.iter().find(|c| c["levels"] == json!([1, 0])).unwrap();
    let jacket_cell_id = jacket_cell["variant_id"].as_i64().unwrap();
    let path = format!("/api/v1/variants/{jacket_cell_id}/formats");
    let res = post_json(&app, &s.growth, &path, &json!({"aspect": "1:1", "mode": "crop"})).await;
    assert_eq!(res.status().as_u16(), 201);
    let placement: Value = res.json().await.unwrap();
    let (pid, pcode) = (placement["id"].as_i64().unwrap(), placement["code"].to_string());
    let pcode = pcode.trim_matches('"').to_owned();
    assert_eq!(pcode, format!("{}-11", jacket_cell["code"].as_str().unwrap()));
    assert_eq!(app.run_jobs(), 1);
    let res =
        post_json(&app, &s.growth, &format!("/api/v1/variants/{pid}/submit"), &json!({})).await;
    assert_eq!(res.status().as_u16(), 200);
    let decision = json!({"decision": "approve"});
    let res =
        post_json(&app, &s.director, &format!("/api/v1/variants/{pid}/review"), &decision).await;
    assert_eq!(res.status().as_u16(), 200);

    // The bulk export: every approved cell's image and the bulk-import CSV.
    let res = app
        .client
        .get(app.url(&format!("/api/v1/grids/{gid}/export.zip")))
        .bearer_auth(&s.growth)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let bytes = res.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut table = String::new();
    zip.by_name("meta_bulk_import.csv").unwrap().read_to_string(&mut table).unwrap();
    let mut reader = csv::Reader::from_reader(table.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (name_col, file_col) = (col("Ad Name"), col("Image File Name"));
    let mut exported: Vec<(Vec<usize>, String)> = Vec::new();
    for row in reader.records() {
        let row = row.unwrap();
        let file = row[file_col].to_owned();
        let code = file.trim_end_matches(".png");
        // A cell, or the placement, which maps back to its cell's arm.
        let (cell, shown) = match cells.iter().find(|c| c["code"] == code) {
            Some(c) => (c, c["variant_id"].as_i64().unwrap()),
            None => {
                assert_eq!(code, pcode, "{file} is neither a cell nor its placement");
                (jacket_cell, pid)
            }
        };
        let mut png = Vec::new();
        zip.by_name(&file).unwrap().read_to_end(&mut png).unwrap();
        let served = app.api_image(&s.growth, &format!("/api/v1/variants/{shown}/image")).await;
        assert_eq!(image::load_from_memory(&png).unwrap().to_rgb8(), served, "{file}");
        let levels = cell["levels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_u64().unwrap() as usize)
            .collect();
        assert!(row[name_col].contains(code));
        assert_eq!(
            analytics::import::variant_code(&row[name_col]),
            cell["code"].as_str(),
            "{}",
            &row[name_col]
        );
        exported.push((levels, row[name_col].to_owned()));
    }
    assert_eq!(exported.len(), 7, "six cells and one placement");
    assert!(exported.iter().any(|(_, name)| name.contains(&pcode) && name.contains("1:1")));

    // An experiment over the grid: the all-master cell is the control, every other cell an arm.
    let body = json!({"master_id": s.master, "name": "Grid run", "start_date": "2026-05-01",
        "primary_metric": "ctr", "method": "frequentist", "grid_id": gid});
    let res = post_json(&app, &s.growth, "/api/v1/experiments", &body).await;
    assert_eq!(res.status().as_u16(), 201);
    let exp_id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();

    // The platform's export written with the exported ad names maps back with no manual mapping.
    app.login_as(Role::Growth).await;
    crate::imports::import_file(&app, "meta_grid.csv", platform_csv(&exported, 30)).await;
    let unmapped = app.api_json(&s.growth, "/api/v1/ad-mappings/unmapped").await;
    assert_eq!(unmapped.as_array().map_or(0, Vec::len), 0, "{unmapped}");
    let mappings = app.api_json(&s.growth, "/api/v1/ad-mappings").await;
    assert_eq!(mappings.as_array().unwrap().len(), 210, "every ad mapped");

    // The factorial analysis recovers the effects.
    let r = app.api_json(&s.growth, &format!("/api/v1/experiments/{exp_id}")).await;
    let g = &r["grid"];
    assert_eq!(g["interactions_fitted"], true, "{g}");
    let log = |e: &Value, key: &str| (1.0 + e[key].as_f64().unwrap()).ln();
    // Each estimate within 3 of its own standard errors of the truth, and precise enough to matter.
    let check = |e: &Value, want: f64| {
        let se = (log(e, "ci_high") - log(e, "ci_low")) / (2.0 * 1.96);
        let est = log(e, "lift");
        assert!((est - want).abs() < 3.0 * se, "{e}: {est} vs {want} (se {se})");
        assert!(se < 0.05, "{e}: se {se}");
        est
    };
    // The placement's ads count in its cell's arm.
    let heat: Vec<&Value> = g["heatmap"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["cells"].as_array().unwrap())
        .collect();
    let ads_of =
        |levels: Value| heat.iter().find(|c| c["levels"] == levels).unwrap()["ads"].clone();
    assert_eq!((ads_of(json!([1, 0])), ads_of(json!([0, 0]))), (json!(60), json!(30)));
    let mains = g["main_effects"].as_array().unwrap();
    let inter = g["interactions"].as_array().unwrap();
    assert_eq!((mains.len(), inter.len()), (3, 2));
    let want_mains = [0.10 + 0.20 / 3.0, 0.05, -0.08 + 0.20 / 2.0];
    let got_mains: Vec<f64> = mains.iter().zip(want_mains).map(|(e, w)| check(e, w)).collect();
    let got_inter: Vec<f64> = inter.iter().zip([0.0, 0.20]).map(|(e, w)| check(e, w)).collect();
    assert!(inter[1]["p_value"].as_f64().unwrap() < 0.05, "the interaction is found: {}", inter[1]);
    eprintln!(
        "grid effects (log): mains {got_mains:?} (truth {want_mains:?}), interactions {got_inter:?} (truth [0, 0.20])"
    );
    let best = &g["best"];
    assert!(best["label"].as_str().unwrap().contains("sky: red"), "{best}");
    assert_eq!(best["candidates"], 5);
    assert!(best["note"].as_str().unwrap().contains("Bonferroni"));

    // Each main effect is its variable's evidence on the leaderboard.
    let rows = app.api_json(&s.growth, "/api/v1/variables?metric=ctr").await;
    let jacket = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["variable"] == "jacket" && r["value"] == "green")
        .unwrap();
    assert!(
        jacket["studies"][0]["arm_label"].as_str().unwrap().contains("main effect"),
        "{jacket}"
    );
    assert!(
        !rows.as_array().unwrap().iter().any(|r| r["variable"].as_str().unwrap().contains('×'))
    );

    // The pages: the grid's image matrix, the experiment's heatmap and effects table.
    let html = app.get_html(&format!("/grids/{gid}")).await;
    assert!(html.contains("grid-matrix") && html.contains(&format!("/grids/{gid}/export.zip")));
    let doc = scraper::Html::parse_document(&html);
    let coloured =
        doc.select(&scraper::Selector::parse("#grid-matrix td[class^=heat-]").unwrap()).count();
    assert_eq!(coloured, 6, "the grid's image matrix is coloured by lift");
    for c in grid["cells"].as_array().unwrap() {
        assert!(html.contains(c["code"].as_str().unwrap()));
    }
    let html = app.get_html(&format!("/experiments/{exp_id}")).await;
    assert!(html.contains("factorial-heatmap") && html.contains("factorial-effects"));
    assert!(html.contains("Best combination"));
    // Creative cards: every arm's picture and code beside its numbers, every cell in the heatmap.
    let doc = scraper::Html::parse_document(&html);
    let count = |css: &str| doc.select(&scraper::Selector::parse(css).unwrap()).count();
    assert_eq!(count("#primary-results img.card-thumb"), 5);
    assert_eq!(count("#arms img.card-thumb"), 6);
    assert_eq!(count("#factorial-heatmap img"), 6);
    assert!(count("#factorial-heatmap td[class^=heat-]") == 6, "cells coloured by lift");
    let board = app.get_html("/variables").await;
    assert!(
        board.contains(&format!("/variants/{}/result.png", s.jacket_green.id)),
        "leaderboard card"
    );
    let html = app.get_html(&format!("/grids?master_id={}", s.master)).await;
    assert!(html.contains("jacket by sky") && html.contains("new-grid"));
    // The grid page's form runs the approved cells as an experiment.
    let page = app.get_html(&format!("/grids/{gid}")).await;
    assert!(page.contains("grid-experiment") && page.contains("Grid run"), "lists its experiment");
    let (master, grid_id) = (s.master.to_string(), gid.to_string());
    let res = app
        .post_form(
            "/experiments",
            &[
                ("master_id", master.as_str()),
                ("grid_id", grid_id.as_str()),
                ("name", "Grid run again"),
                ("start_date", "2026-05-01"),
                ("primary_metric", "ctr"),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(app.get_html(&location).await.contains("factorial-effects"), "{location}");
}
