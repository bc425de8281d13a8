//! The job queue: claims, crash recovery, and exactly-once completion.

use liftmask::auth::Role;
use liftmask::db::jobs;

use liftmask::db::{DbConn, DbError, DbPool};

use crate::helpers::{fixture_png, rect_mask, spawn_app};

fn db<T>(
    pool: &DbPool,
    f: impl FnOnce(&mut DbConn<'_>) -> diesel::QueryResult<T>,
) -> Result<T, DbError> {
    pool.run(|c| f(c).map_err(DbError::from))
}

#[actix_web::test]
async fn a_crashed_workers_job_is_requeued_and_completed_once() {
    let app = spawn_app().await;
    let token = app.api_user(Role::Growth);
    let master = app.api_master(&token, fixture_png("gravel.png", 96, 64), "Gravel").await;
    let res = app
        .api_variant_raw(
            &token,
            ("master", master),
            "background",
            "clean",
            "erase",
            rect_mask(96, 64, (20, 20, 24, 16)),
            "{}",
            None,
        )
        .await;
    let body: serde_json::Value = res.json().await.unwrap();
    let (job_id, id) = (body["job_id"].as_i64().unwrap() as i32, body["id"].as_i64().unwrap());
    let pool = &app.state.pool;

    // A worker claims the job, then dies without a heartbeat.
    let claimed = db(pool, |c| jobs::claim(c, "doomed")).unwrap().expect("a job");
    assert_eq!((claimed.id, claimed.status.as_str(), claimed.attempts), (job_id, "running", 1));
    assert!(db(pool, |c| jobs::claim(c, "other")).unwrap().is_none(), "claimed twice");
    let long_ago = liftmask::db::now() - chrono::Duration::minutes(10);
    db(pool, |c| jobs::set_heartbeat(c, job_id, long_ago)).unwrap();

    let ctx = liftmask::jobs::WorkerContext {
        pool: pool.clone(),
        blobs: app.state.blobs.clone(),
        settings: std::sync::Arc::new(app.settings.clone()),
    };
    assert_eq!(liftmask::jobs::recover(&ctx).unwrap(), (1, 0));
    let job = db(pool, |c| jobs::find(c, job_id)).unwrap();
    assert_eq!((job.status.as_str(), job.attempts, job.claimed_by), ("queued", 1, None));

    // A healthy worker picks it up and finishes it.
    assert_eq!(app.run_jobs(), 1);
    let job = db(pool, |c| jobs::find(c, job_id)).unwrap();
    assert_eq!((job.status.as_str(), job.attempts), ("done", 2));
    // The doomed worker wakes up: its claim is gone, so it cannot complete the job again.
    assert_eq!(db(pool, |c| jobs::finish(c, job_id, "doomed")).unwrap(), 0);
    assert_eq!(db(pool, |c| jobs::heartbeat(c, job_id, "doomed", Some(0.5))).unwrap(), 0);
    let api = app.api_json(&token, &format!("/api/v1/jobs/{job_id}")).await;
    assert_eq!(api["status"], "done");
    assert_eq!(api["progress"], 1.0);
    let v = app.api_json(&token, &format!("/api/v1/variants/{id}")).await;
    assert_eq!(v["audit"]["changed_outside_mask_px"], 0);
}

#[actix_web::test]
async fn jobs_that_keep_crashing_fail_after_max_attempts() {
    let app = spawn_app().await;
    let pool = &app.state.pool;
    let job = db(pool, |c| jobs::enqueue(c, "variant", r#"{"variant_id": 999}"#)).unwrap();
    let ctx = liftmask::jobs::WorkerContext {
        pool: pool.clone(),
        blobs: app.state.blobs.clone(),
        settings: std::sync::Arc::new(app.settings.clone()),
    };
    let max = app.settings.jobs.max_attempts;
    for attempt in 1..=max {
        let claimed = db(pool, |c| jobs::claim(c, "crashy")).unwrap().expect("claim");
        assert_eq!(claimed.attempts, attempt);
        db(pool, |c| {
            jobs::set_heartbeat(c, job.id, liftmask::db::now() - chrono::Duration::hours(1))
        })
        .unwrap();
        let (requeued, failed) = liftmask::jobs::recover(&ctx).unwrap();
        assert_eq!((requeued, failed), if attempt < max { (1, 0) } else { (0, 1) });
    }
    assert_eq!(db(pool, |c| jobs::find(c, job.id)).unwrap().status, "failed");
}

#[actix_web::test]
async fn in_process_workers_render_variants_and_the_page_polls_json() {
    let app = crate::helpers::spawn_app_with(crate::helpers::SpawnOptions {
        workers: 1,
        ..Default::default()
    })
    .await;
    let token = app.api_user(Role::Growth);
    let master = app.api_master(&token, fixture_png("brick.png", 96, 64), "Brick").await;
    let res = app
        .api_variant_raw(
            &token,
            ("master", master),
            "background",
            "plain",
            "erase",
            rect_mask(96, 64, (30, 20, 20, 20)),
            "{}",
            None,
        )
        .await;
    let job_id = res.json::<serde_json::Value>().await.unwrap()["job_id"].as_i64().unwrap();
    app.login_as(Role::Viewer).await;
    let started = std::time::Instant::now();
    loop {
        let res = app.get(&format!("/jobs/{job_id}.json")).await;
        assert_eq!(res.status().as_u16(), 200);
        let job: serde_json::Value = res.json().await.unwrap();
        if job["status"] == "done" {
            break;
        }
        assert_ne!(job["status"], "failed", "{job}");
        assert!(started.elapsed().as_secs() < 120, "job did not finish: {job}");
        actix_web::rt::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    eprintln!("in-process worker finished a 96x64 erase in {:?}", started.elapsed());
}
