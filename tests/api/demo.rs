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
