use crate::helpers::spawn_app;

#[actix_web::test]
async fn every_migration_runs_down_and_up_again() {
    let app = spawn_app().await;
    let pool = &app.state.pool;
    let reverted = pool.revert_all().unwrap();
    assert!(reverted >= 4, "all migrations are reversible, got {reverted}");
    let applied = pool.migrate().unwrap();
    assert_eq!(applied, reverted);
    assert_eq!(pool.migrate().unwrap(), 0, "nothing left to apply");
    app.create_user("after@example.com", liftmask::auth::Role::Viewer);
}

/// The `ads` migration moves every stored row to the integer-keyed table and back without losing a
/// row, a total or an ad's latest name.
#[actix_web::test]
async fn ads_migration_keeps_every_row_both_ways() {
    use liftmask::db::{DbError, performance_rows};

    use crate::imports::{fixture, import_file};

    let app = spawn_app().await;
    app.login_as(liftmask::auth::Role::Growth).await;
    import_file(&app, "meta_daily_bom.csv", fixture("meta_daily_bom.csv")).await;
    import_file(&app, "tiktok_by_day.csv", fixture("tiktok_by_day.csv")).await;
    let pool = &app.state.pool;
    let snapshot = || {
        pool.run(|c| {
            let ws = liftmask::db::workspaces::default(c)?;
            let unmapped: Vec<_> = performance_rows::unmapped_ads(c, ws)?
                .into_iter()
                .map(|a| (a.platform, a.ad_id, a.ad_name, a.rows, a.impressions))
                .collect();
            Ok::<_, DbError>((performance_rows::count(c)?, performance_rows::totals(c)?, unmapped))
        })
        .expect("snapshot")
    };
    let before = snapshot();
    assert!(before.0 > 0 && before.2.len() >= 2, "{before:?}");

    // Later migrations (newest first) go down before the ads one; none touches these tables.
    let mut reverted = vec![pool.revert_last().unwrap()];
    while reverted.last().map(String::as_str) != Some("20261127000007") {
        assert!(reverted.len() < 50, "the ads migration was never reverted: {reverted:?}");
        reverted.push(pool.revert_last().unwrap());
    }
    let text_keyed = pool
        .run(|c| Ok::<_, DbError>((performance_rows::count(c)?, performance_rows::totals(c)?)))
        .expect("text-keyed table");
    assert_eq!(text_keyed, (before.0, before.1));

    assert_eq!(pool.migrate().unwrap(), reverted.len());
    assert_eq!(snapshot(), before);
}
