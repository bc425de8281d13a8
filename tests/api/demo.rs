//! `liftmask demo --reset` removes what the demo made, and nothing a user made, whatever its name.

use chrono::NaiveDate;
use diesel::prelude::*;
use liftmask::auth::Role;
use liftmask::db::demo_records::{self, DemoRecordKind};
use liftmask::db::schema::{creative_days, imports, masters};
use liftmask::db::workspaces::{self, WorkspaceId};
use liftmask::db::{DbError, creative_days as rollup};
use liftmask::db_run;
use liftmask::services::demo::DemoError;
use liftmask::services::{ad_mapping, demo, demo_reset, imports as import_service};

use crate::helpers::{TestApp, fixture_png, spawn_app};

type RollupRow = (i32, Option<i32>, NaiveDate, i64, f64, f64);

fn rollup_rows(app: &TestApp) -> Vec<RollupRow> {
    app.state
        .pool
        .run(|c| {
            db_run!(c, |c| creative_days::table
                .select((
                    creative_days::master_id,
                    creative_days::variant_id,
                    creative_days::date,
                    creative_days::n,
                    creative_days::imp,
                    creative_days::clk,
                ))
                .order((creative_days::master_id, creative_days::variant_id, creative_days::date))
                .load::<RollupRow>(c))
            .map_err(DbError::from)
        })
        .unwrap()
}

fn ids_named(app: &TestApp) -> (Vec<i32>, Vec<i32>) {
    app.state
        .pool
        .run(|c| {
            let m = db_run!(c, |c| masters::table
                .filter(masters::name.eq(demo::DEMO_MASTER_NAME))
                .select(masters::id)
                .order(masters::id)
                .load::<i32>(c))?;
            let i = db_run!(c, |c| imports::table
                .filter(imports::filename.eq(demo::DEMO_IMPORT_FILENAME))
                .select(imports::id)
                .order(imports::id)
                .load::<i32>(c))?;
            Ok::<_, DbError>((m, i))
        })
        .unwrap()
}

fn store(app: &TestApp, fixture: &str, filename: &str) -> (i32, String) {
    let path = format!("{}/tests/fixtures/csv/{fixture}", env!("CARGO_MANIFEST_DIR"));
    let parsed = import_service::parse(&std::fs::read(path).unwrap(), &Default::default()).unwrap();
    let meta = import_service::StoreMeta {
        sha256: format!("{:064}", fixture.len()),
        filename: filename.into(),
        user_id: None,
        workspace: default_workspace(app),
    };
    let stored =
        app.state.pool.run(|c| import_service::store(c, &parsed, &meta, &|_, _| {})).unwrap();
    (stored.import.id, parsed.rows[0].ad_id.to_string())
}

fn default_workspace(app: &TestApp) -> WorkspaceId {
    app.state.pool.run(|c| workspaces::default(c).map_err(DbError::from)).unwrap()
}

fn map_to_master(app: &TestApp, platform: &str, ad_id: &str, master: i32) {
    app.state
        .pool
        .run(|c| {
            let target = ad_mapping::MapTarget::Master(master);
            let ws = workspaces::default(c)?;
            Ok::<_, DbError>(ad_mapping::map_manually(c, ws, platform, ad_id, target))
        })
        .unwrap()
        .unwrap();
}

fn mark(app: &TestApp, kind: DemoRecordKind, id: i32) {
    app.state.pool.run(|c| demo_records::mark(c, kind, id).map_err(DemoError::from)).unwrap();
}

#[actix_web::test]
async fn reset_removes_only_what_the_demo_made_and_keeps_the_rollup_consistent() {
    let app = spawn_app().await;
    let token = app.api_user(Role::Admin);
    let png = || fixture_png("coffee.png", 96, 64);
    // A user's master and import under the demo's names, and the demo's own (marked) ones.
    let users_master = app.api_master(&token, png(), demo::DEMO_MASTER_NAME).await as i32;
    let demo_master = app.api_master(&token, png(), demo::DEMO_MASTER_NAME).await as i32;
    mark(&app, DemoRecordKind::Master, demo_master);
    let (users_import, users_ad) = store(&app, "meta_daily_bom.csv", demo::DEMO_IMPORT_FILENAME);
    let (demo_import, demo_ad) = store(&app, "tiktok_by_day.csv", demo::DEMO_IMPORT_FILENAME);
    mark(&app, DemoRecordKind::Import, demo_import);
    // The user mapped one of their ads and one demo ad to their own master.
    map_to_master(&app, "meta", &users_ad, users_master);
    map_to_master(&app, "tiktok", &demo_ad, users_master);
    let before = rollup_rows(&app);
    assert!(before.iter().any(|r| r.0 == users_master));

    app.state.pool.run(|c| c.transaction(demo_reset::remove)).unwrap();

    let (masters_named, imports_named) = ids_named(&app);
    assert_eq!(masters_named, vec![users_master], "only the demo's master is gone");
    assert_eq!(imports_named, vec![users_import], "only the demo's import is gone");
    let after = rollup_rows(&app);
    assert_ne!(before, after, "the demo ad's days left the user's rollup");
    app.state.pool.run(|c| rollup::rebuild_all(c).map_err(DbError::from)).unwrap();
    assert_eq!(after, rollup_rows(&app), "creative_days matches a rebuild from scratch");
    assert!(after.iter().any(|r| r.0 == users_master), "the user's own ad still counts");
}

/// Seeds the demo with the real engine, as `make run` does on an empty database.
async fn seed_demo(app: &TestApp) -> demo::DemoSummary {
    app.state.pool.run(liftmask::services::accounts::ensure_demo_admin).unwrap();
    with_engine(app, |ctx, engine| demo::seed_if_empty(ctx, engine))
        .await
        .unwrap()
        .expect("an empty database gets the demo")
}

/// Runs `f` off the async runtime with the app's context and the real engine, as the CLI does.
async fn with_engine<T: Send + 'static, E: std::fmt::Debug + Send + 'static>(
    app: &TestApp,
    f: impl FnOnce(&liftmask::jobs::WorkerContext, &dyn inpaint::Inpainter) -> Result<T, E>
    + Send
    + 'static,
) -> Result<T, E> {
    let ctx = app.state.ctx.clone();
    actix_web::web::block(move || {
        let engine =
            liftmask::jobs::build_engine(&inpaint_torch::TorchBackends, &ctx.settings.engine)
                .unwrap();
        f(&ctx, engine.as_ref())
    })
    .await
    .unwrap()
}

fn stored_rgb(app: &TestApp, sha: &str) -> image::RgbImage {
    let bytes = app.state.blobs.get(&liftmask::blobs::BlobId::parse(sha).unwrap()).unwrap();
    image::load_from_memory(&bytes).unwrap().to_rgb8()
}

/// The demo's grid: 4 exact cells of `spoon` × `background`, all approved; its experiment's factorial
/// analysis recovers the planted effects; the grid page, both experiments, the leaderboard and the
/// lineage show it; and `demo --reset` takes all of it away and seeds the same grid again.
#[actix_web::test]
async fn the_demo_grid_has_exact_cells_a_factorial_result_and_pages_with_data() {
    use liftmask::db::schema::{experiments, grids, performance_rows};
    use serde_json::Value;

    let app = spawn_app().await;
    let started = std::time::Instant::now();
    let s = seed_demo(&app).await;
    eprintln!("demo seeded in {:.1} s (debug build)", started.elapsed().as_secs_f64());
    let token = app.api_user(Role::Viewer);
    let grid = app.api_json(&token, &format!("/api/v1/grids/{}", s.grid_id)).await;
    assert_eq!(grid["name"], demo::DEMO_GRID_NAME);
    let vars: Vec<&str> = grid["variables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["variable"].as_str().unwrap())
        .collect();
    assert_eq!(vars, ["spoon", "background"]);

    // Four exact cells: each pixel is its level's edit where that edit changed the master, and
    // the master everywhere else (the levels' regions are disjoint, so no pixel has two).
    let master_sha = app
        .state
        .pool
        .run(|c| liftmask::db::masters::find(c, s.master_id).map_err(DbError::from))
        .unwrap()
        .image_sha;
    let master = stored_rgb(&app, &master_sha);
    let spoon =
        app.api_image(&token, &format!("/api/v1/variants/{}/image", s.variant_ids[0])).await;
    let brick =
        app.api_image(&token, &format!("/api/v1/variants/{}/image", s.variant_ids[2])).await;
    let cells = grid["cells"].as_array().unwrap();
    let mut levels: Vec<Vec<u64>> = Vec::new();
    for c in cells {
        assert_eq!(c["status"], "approved", "{c}");
        assert_eq!((&c["controlled"], &c["changed_outside_mask_px"]), (&json(true), &json(0)));
        let l: Vec<u64> =
            c["levels"].as_array().unwrap().iter().map(|x| x.as_u64().unwrap()).collect();
        let img =
            app.api_image(&token, &format!("/api/v1/variants/{}/image", c["variant_id"])).await;
        let mut changed = 0usize;
        for (x, y, p) in img.enumerate_pixels() {
            let m = master.get_pixel(x, y);
            let want = if l[0] == 1 && spoon.get_pixel(x, y) != m {
                spoon.get_pixel(x, y)
            } else if l[1] == 1 && brick.get_pixel(x, y) != m {
                brick.get_pixel(x, y)
            } else {
                m
            };
            assert_eq!(p, want, "cell {l:?} at ({x}, {y})");
            changed += usize::from(p != m);
        }
        assert_eq!(changed == 0, l == [0, 0], "cell {l:?} changes {changed} px");
        levels.push(l);
    }
    levels.sort();
    assert_eq!(levels, [[0, 0], [0, 1], [1, 0], [1, 1]]);

    // The factorial analysis recovers the planted effects from the generated, imported data.
    let r = app.api_json(&token, &format!("/api/v1/experiments/{}", s.grid_experiment_id)).await;
    let g = &r["grid"];
    let log = |e: &Value, key: &str| e[key].as_f64().unwrap().ln_1p();
    let (mains, interaction) = demo::planted_log_effects();
    let check = |e: &Value, want: f64, max_se: f64| {
        let se = (log(e, "ci_high") - log(e, "ci_low")) / (2.0 * 1.96);
        let est = log(e, "lift");
        eprintln!("{}: {est:.4} (planted {want:.4}, se {se:.4})", e["label"]);
        assert!((est - want).abs() < 2.5 * se, "{e}: {est} vs planted {want} (se {se})");
        assert!(se < max_se, "{e}: se {se}");
    };
    let got = g["main_effects"].as_array().unwrap();
    assert_eq!(got.len(), 2, "{g}");
    check(&got[0], mains[0], 0.025);
    check(&got[1], mains[1], 0.025);
    assert_eq!(got[0]["significant"], true, "the spoon's +8 % is found: {}", got[0]);
    let inter = g["interactions"].as_array().unwrap();
    assert_eq!(inter.len(), 1, "{g}");
    check(&inter[0], interaction, 0.05);
    assert!(g["best"]["label"].as_str().unwrap().contains("spoon: removed"), "{}", g["best"]);
    // Both experiments keep to their plan: no sample-ratio alarm.
    for id in [s.experiment_id, s.grid_experiment_id] {
        let r = app.api_json(&token, &format!("/api/v1/experiments/{id}")).await;
        assert_eq!(r["srm"]["mismatch"], false, "experiment {id}: {}", r["srm"]);
    }

    // The leaderboard pools the grid's main effects with the first experiment's studies.
    let rows = app.api_json(&token, "/api/v1/variables?metric=ctr").await;
    let row = |var: &str, value: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["variable"] == var && r["value"] == value)
            .unwrap_or_else(|| panic!("{var} = {value} on the leaderboard: {rows}"))
            .clone()
    };
    for (var, value) in [("spoon", "removed"), ("background", "brick wall")] {
        let studies = row(var, value)["studies"].as_array().unwrap().clone();
        assert!(studies.len() >= 2, "{var}: {studies:?}");
        assert!(
            studies.iter().any(|st| st["arm_label"].as_str().unwrap().contains("main effect")),
            "{var}: {studies:?}"
        );
    }

    // The pages, with data.
    app.login_as(Role::Viewer).await;
    let html = app.get_html(&format!("/grids/{}", s.grid_id)).await;
    let doc = scraper::Html::parse_document(&html);
    let count = |doc: &scraper::Html, css: &str| {
        doc.select(&scraper::Selector::parse(css).unwrap()).count()
    };
    assert_eq!(count(&doc, "#grid-matrix td[class^=heat-]"), 4, "cells coloured by lift");
    let html = app.get_html(&format!("/experiments/{}", s.grid_experiment_id)).await;
    let doc = scraper::Html::parse_document(&html);
    assert_eq!(count(&doc, "#factorial-heatmap img"), 4);
    assert_eq!(count(&doc, "#factorial-effects tr.effect-main"), 2);
    assert!(html.contains("Best combination"));
    let html = app.get_html(&format!("/experiments/{}", s.experiment_id)).await;
    assert!(html.contains("primary-results"), "the first experiment still has its results");
    let html = app.get_html("/variables").await;
    assert!(html.contains("spoon = removed") && html.contains("background = brick wall"));
    assert!(html.contains("<svg"), "the forest plots are drawn");
    let html = app.get_html(&format!("/masters/{}", s.master_id)).await;
    let doc = scraper::Html::parse_document(&html);
    let node = format!("#lineage-grid-{} a[href=\"/grids/{}\"]", s.grid_id, s.grid_id);
    assert!(count(&doc, node.as_str()) >= 1, "the lineage has one node for the grid");
    assert!(html.contains(&format!("Grid #{}: 4 cells", s.grid_id)));
    let roots = count(&doc, "#lineage > li > ul > li:not(.tree-grid)");
    assert_eq!(roots, 3, "the master's three direct edits, not its grid cells, are its children");
    // The spoon erase's 1:1 placement: approved, exact, and shown beside its edit in the tree.
    let placement = app.api_json(&token, &format!("/api/v1/variants/{}", s.placement_id)).await;
    assert_eq!((&placement["format"], &placement["status"]), (&json("1:1"), &json("approved")));
    assert_eq!(placement["format_of"], json(s.variant_ids[0]));
    let image = app.api_image(&token, &format!("/api/v1/variants/{}/image", s.placement_id)).await;
    assert_eq!(image.dimensions(), (1080, 1080));
    let badge = format!(".tree-formats a[href=\"/variants/{}\"] .badge-format", s.placement_id);
    assert_eq!(count(&doc, badge.as_str()), 1, "the placement's badge in the lineage");

    // `demo --reset` removes the grid, its experiment and both imports with the master, and seeds
    // them again: the same rows and the same estimates.
    let counts = |app: &TestApp| {
        app.state
            .pool
            .run(|c| {
                Ok::<_, DbError>(db_run!(c, |c| (
                    grids::table.count().get_result::<i64>(c)?,
                    experiments::table.count().get_result::<i64>(c)?,
                    imports::table.count().get_result::<i64>(c)?,
                    performance_rows::table.count().get_result::<i64>(c)?,
                )))
            })
            .unwrap()
    };
    let rows = i64::try_from(s.rows).unwrap();
    assert_eq!(counts(&app), (1, 2, 2, rows));
    app.state.pool.run(|c| c.transaction(demo_reset::remove)).unwrap();
    assert_eq!(counts(&app), (0, 0, 0, 0));
    let again = reset_demo(&app).await;
    assert_eq!(counts(&app), (1, 2, 2, rows));
    let r2 =
        app.api_json(&token, &format!("/api/v1/experiments/{}", again.grid_experiment_id)).await;
    assert_eq!(r2["grid"]["main_effects"][0]["lift"], g["main_effects"][0]["lift"]);
    assert_eq!(r2["grid"]["interactions"][0]["lift"], g["interactions"][0]["lift"]);
}

/// `liftmask demo --reset`, in process.
async fn reset_demo(app: &TestApp) -> demo::DemoSummary {
    with_engine(app, |ctx, engine| demo_reset::reset(ctx, engine)).await.unwrap()
}

fn json(v: impl Into<serde_json::Value>) -> serde_json::Value {
    v.into()
}
