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
