//! The job queue: claims, crash recovery, and exactly-once completion.

use liftmask::auth::Role;
use liftmask::db::jobs::{self, JobKind};
use liftmask::db::variants::VariantStatus;
use liftmask::db::{
    DbConn, DbError, DbPool, mask_ceilings, variant_pictures, variants, workspaces,
};

use crate::helpers::{SpawnOptions, TestApp, fixture_png, rect_mask, spawn_app, spawn_app_with};

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
async fn jobs_whose_worker_stops_responding_twice_fail() {
    let app = spawn_app().await;
    let pool = &app.state.pool;
    let payload = r#"{"variant_id": 999}"#;
    let job = db(pool, |c| {
        let ws = workspaces::default(c)?;
        jobs::enqueue(c, JobKind::Variant, payload, ws)
    })
    .unwrap();
    let ctx = liftmask::jobs::WorkerContext {
        pool: pool.clone(),
        blobs: app.state.blobs.clone(),
        settings: std::sync::Arc::new(app.settings.clone()),
    };
    for attempt in 1..=liftmask::jobs::CRASH_LIMIT {
        let claimed = db(pool, |c| jobs::claim(c, "crashy")).unwrap().expect("claim");
        assert_eq!(claimed.attempts, attempt);
        db(pool, |c| {
            jobs::set_heartbeat(c, job.id, liftmask::db::now() - chrono::Duration::hours(1))
        })
        .unwrap();
        let (requeued, failed) = liftmask::jobs::recover(&ctx).unwrap();
        let last = attempt == liftmask::jobs::CRASH_LIMIT;
        assert_eq!((requeued, failed), if last { (0, 1) } else { (1, 0) });
    }
    let job = db(pool, |c| jobs::find(c, job.id)).unwrap();
    assert_eq!((job.status.as_str(), job.crashes), ("failed", 2));
    assert!(job.error.unwrap_or_default().contains("will not be retried"));
}

#[actix_web::test]
async fn worker_processes_render_variants_and_the_page_polls_json() {
    let app = spawn_app_with(SpawnOptions { workers: 1, ..Default::default() }).await;
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
    eprintln!("a worker process finished a 96x64 erase in {:?}", started.elapsed());
}

/// Waits until job `id` is done or failed (a worker process runs it) and returns it.
async fn settled(app: &TestApp, id: i32) -> jobs::Job {
    let started = std::time::Instant::now();
    loop {
        let job = db(&app.state.pool, |c| jobs::find(c, id)).unwrap();
        if ["done", "failed"].contains(&job.status.as_str()) {
            return job;
        }
        assert!(started.elapsed().as_secs() < 180, "job {id} did not settle: {job:?}");
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn site_is_up(app: &TestApp) {
    assert_eq!(app.get("/healthz").await.status().as_u16(), 200);
}

fn png(img: image::RgbImage) -> Vec<u8> {
    crate::helpers::png_bytes(&img)
}

/// The attack of issue 12: a 4000x4000 master, a mask of one 4000 px row, no grow or feather, and
/// a 1x12000 reference, which composite would have enlarged 4000x (a 768 GB allocation).
#[actix_web::test]
async fn the_crafted_composite_is_refused_and_cannot_take_the_server_down() {
    let app = spawn_app_with(SpawnOptions { workers: 1, ..Default::default() }).await;
    let token = app.api_user(Role::Growth);
    let master_png = png(image::RgbImage::from_pixel(4000, 4000, image::Rgb([90, 120, 150])));
    let master = app.api_master(&token, master_png, "Huge").await;
    let mask = rect_mask(4000, 4000, (0, 2000, 4000, 1));
    let reference = png(image::RgbImage::from_pixel(1, 12_000, image::Rgb([255, 0, 0])));

    // Submitted through the API, it is refused with the reason.
    let res = app
        .api_variant_raw(
            &token,
            ("master", master),
            "background",
            "sliver",
            "composite",
            mask.clone(),
            r#"{"grow":0,"feather":0}"#,
            Some(reference.clone()),
        )
        .await;
    assert_eq!(res.status().as_u16(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("enlarge it 4000x"), "{body}");

    // Written past the submission checks, the worker refuses it before allocating: the job fails
    // with the reason, its worker survives and the site stays up.
    let blobs = &app.state.blobs;
    let (mask_sha, ref_sha) = (blobs.put(&mask).unwrap(), blobs.put(&reference).unwrap());
    let job_id = db(&app.state.pool, |c| {
        let v = variants::insert(
            c,
            &variants::NewVariant {
                master_id: master as i32,
                parent_variant_id: None,
                code: "LM-ATCK",
                variable: "background",
                value: "sliver",
                operation: "composite",
                params: r#"{"grow":0,"feather":0}"#,
                mask_sha: mask_sha.as_str(),
                reference_sha: Some(ref_sha.as_str()),
                created_by: None,
                created_at: liftmask::db::now(),
            },
        )?;
        let payload = format!(r#"{{"variant_id": {}}}"#, v.id);
        let ws = workspaces::default(c)?;
        let job = jobs::enqueue(c, JobKind::Variant, &payload, ws)?;
        variants::set_job(c, v.id, job.id)?;
        Ok(job.id)
    })
    .unwrap();
    let pids = app.state.supervisor.pids();
    let job = settled(&app, job_id).await;
    assert_eq!((job.status.as_str(), job.crashes), ("failed", 0), "{job:?}");
    let error = job.error.unwrap_or_default();
    assert!(error.contains("1x12000") && error.contains("at most 16x"), "{error}");
    assert_eq!(app.state.supervisor.pids(), pids, "the worker process survived");
    site_is_up(&app).await;
}

/// A job that aborts its worker process (as a failed allocation in native code does) ends that
/// process only; it is retried once, then failed for good; the supervisor restarts the worker,
/// also after a `kill -9`, and the next job renders.
#[actix_web::test]
async fn a_job_that_aborts_its_worker_fails_after_two_crashes_and_the_site_stays_up() {
    let app = spawn_app_with(SpawnOptions { workers: 1, ..Default::default() }).await;
    let pool = &app.state.pool;
    let job = db(pool, |c| {
        let ws = workspaces::default(c)?;
        jobs::enqueue(c, JobKind::CrashTest, "{}", ws)
    })
    .unwrap();
    let job = settled(&app, job.id).await;
    assert_eq!((job.status.as_str(), job.crashes, job.attempts), ("failed", 2, 2), "{job:?}");
    let error = job.error.unwrap_or_default();
    assert!(error.contains("2 times") && error.contains("SIGABRT"), "{error}");
    assert!(error.contains("will not be retried"), "{error}");
    site_is_up(&app).await;

    // kill -9 of the (idle) worker: another one starts and renders the next job.
    let started = std::time::Instant::now();
    let first = loop {
        if let Some(pid) = app.state.supervisor.pids().first().copied() {
            break pid;
        }
        assert!(started.elapsed().as_secs() < 60, "no worker process came back");
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let killed = std::process::Command::new("kill").args(["-9", &first.to_string()]).status();
    assert!(killed.unwrap().success());
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
    let job = settled(&app, body["job_id"].as_i64().unwrap() as i32).await;
    assert_eq!(job.status, "done", "{job:?}");
    assert!(!app.state.supervisor.pids().contains(&first));
    site_is_up(&app).await;

    // A render job whose payload is not a RenderJob fails at once, and is not retried.
    let garbled = db(pool, |c| {
        let ws = workspaces::default(c)?;
        jobs::enqueue(c, JobKind::Variant, r#"{"variant": "LM-7F3K"}"#, ws)
    })
    .unwrap();
    let garbled = settled(&app, garbled.id).await;
    assert_eq!((garbled.status.as_str(), garbled.attempts), ("failed", 1), "{garbled:?}");
    assert!(garbled.error.unwrap_or_default().contains("unreadable payload"));
}

#[actix_web::test]
async fn grow_and_feather_beyond_their_caps_are_refused_with_the_reason() {
    let app = spawn_app().await;
    let token = app.api_user(Role::Growth);
    let master = app.api_master(&token, fixture_png("gravel.png", 96, 64), "Gravel").await;
    for (params, reason) in [
        (r#"{"grow":65}"#, "grow is 65 px; at most 64 px"),
        (r#"{"feather":4294967295}"#, "feather is 4294967295 px; at most 64 px"),
    ] {
        let res = app
            .api_variant_raw(
                &token,
                ("master", master),
                "background",
                "clean",
                "erase",
                rect_mask(96, 64, (20, 20, 24, 16)),
                params,
                None,
            )
            .await;
        assert_eq!(res.status().as_u16(), 422, "{params}");
        assert!(res.text().await.unwrap().contains(reason), "{params}");
    }
    let queued = db(&app.state.pool, |c| jobs::claim(c, "probe")).unwrap();
    assert!(queued.is_none(), "a refused variant queued a job");
}

/// Diff, leak and overlay are rendered with the variant and served from their blobs.
#[actix_web::test]
async fn derived_pictures_are_stored_with_the_render_and_served_from_blobs() {
    let app = spawn_app().await;
    let token = app.api_user(Role::Growth);
    let master_png = fixture_png("brick.png", 96, 64);
    let master = app.api_master(&token, master_png.clone(), "Brick").await;
    let mask = rect_mask(96, 64, (30, 20, 20, 20));
    let res = app
        .api_variant_raw(
            &token,
            ("master", master),
            "background",
            "plain",
            "erase",
            mask.clone(),
            "{}",
            None,
        )
        .await;
    let id = res.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap() as i32;
    assert_eq!(app.run_jobs(), 1);
    let stored = db(&app.state.pool, |c| variant_pictures::find(c, id)).unwrap().expect("pictures");
    app.login_as(Role::Viewer).await;
    let get = |which: &'static str| {
        let url = app.url(&format!("/variants/{id}/{which}.png"));
        let client = app.client.clone();
        async move {
            let res = client.get(url).send().await.unwrap();
            assert_eq!(res.status().as_u16(), 200, "{which}");
            res.bytes().await.unwrap().to_vec()
        }
    };
    let blob =
        |sha: &str| app.state.blobs.get(&liftmask::blobs::BlobId::parse(sha).unwrap()).unwrap();
    assert_eq!(get("diff").await, blob(&stored.diff_sha));
    assert_eq!(get("leak").await, blob(&stored.leak_sha));
    assert_eq!(get("overlay").await, blob(&stored.overlay_sha));
    assert_eq!(get("parent").await, master_png, "the parent is its stored image");
    // The leak map of a controlled erase is all grey: nothing changed outside the mask.
    let leak = image::load_from_memory(&get("leak").await).unwrap().to_rgb8();
    assert!(leak.pixels().all(|p| p[0] == p[1] && p[1] == p[2]));
    let diff = image::load_from_memory(&get("diff").await).unwrap().to_rgb8();
    assert!(diff.pixels().any(|p| p[0] != p[2]), "the erase shows in the diff");

    // What is served is the recorded blob, not a fresh computation.
    let mask_sha = liftmask::blobs::BlobId::of(&mask);
    let swapped = variant_pictures::VariantPictures {
        diff_sha: mask_sha.as_str().to_owned(),
        ..stored.clone()
    };
    db(&app.state.pool, |c| variant_pictures::upsert(c, &swapped)).unwrap();
    assert_eq!(get("diff").await, mask);

    // A variant rendered before pictures were kept gets them on its first view, once.
    db(&app.state.pool, |c| {
        use diesel::RunQueryDsl;
        liftmask::db_run!(c, |c| diesel::delete(liftmask::db::schema::variant_pictures::table)
            .execute(c))
    })
    .unwrap();
    assert_eq!(get("leak").await, blob(&stored.leak_sha));
    let again = db(&app.state.pool, |c| variant_pictures::find(c, id)).unwrap();
    assert_eq!(again.map(|p| p.diff_sha), Some(stored.diff_sha));
}

/// A render that outlives `jobs.render_timeout_secs` has its worker process stopped and fails for
/// good; the supervisor starts another worker.
#[actix_web::test]
async fn a_render_past_its_time_limit_is_stopped_and_failed() {
    let app =
        spawn_app_with(SpawnOptions { workers: 1, render_timeout_secs: 1, ..Default::default() })
            .await;
    let token = app.api_user(Role::Growth);
    // Erasing a full-width row of a 1500x1500 image makes the engine work on the whole image,
    // which takes far longer than a second.
    let master_png = png(image::RgbImage::from_fn(1500, 1500, |x, y| {
        image::Rgb([(x % 251) as u8, (y % 241) as u8, ((x * y) % 239) as u8])
    }));
    let master = app.api_master(&token, master_png, "Large").await;
    let res = app
        .api_variant_raw(
            &token,
            ("master", master),
            "background",
            "plain",
            "erase",
            rect_mask(1500, 1500, (0, 700, 1500, 40)),
            "{}",
            None,
        )
        .await;
    let body: serde_json::Value = res.json().await.unwrap();
    let pids = app.state.supervisor.pids();
    let job = settled(&app, body["job_id"].as_i64().unwrap() as i32).await;
    assert_eq!((job.status.as_str(), job.attempts), ("failed", 1), "{job:?}");
    let error = job.error.unwrap_or_default();
    assert!(error.contains("longer than its limit of 1 s"), "{error}");
    let started = std::time::Instant::now();
    while app.state.supervisor.pids().is_empty() || app.state.supervisor.pids() == pids {
        assert!(started.elapsed().as_secs() < 60, "no new worker process");
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    site_is_up(&app).await;
}

/// The hallucination-ceiling count is computed once per set of the master's rejected variants
/// and read back on later views.
#[actix_web::test]
async fn the_hallucination_ceiling_is_cached_until_the_rejections_change() {
    let app = spawn_app().await;
    let token = app.api_user(Role::Growth);
    let master = app.api_master(&token, fixture_png("gravel.png", 96, 64), "Gravel").await;
    let mut ids = Vec::new();
    for value in ["a", "b", "c", "d", "e"] {
        let res = app
            .api_variant_raw(
                &token,
                ("master", master),
                "background",
                value,
                "erase",
                rect_mask(96, 64, (20, 20, 24, 16)),
                "{}",
                None,
            )
            .await;
        ids.push(res.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap() as i32);
    }
    // The count needs masks and review states only, so nothing is rendered.
    let reject = |id: i32| {
        db(&app.state.pool, |c| {
            variants::transition(c, id, VariantStatus::Draft, VariantStatus::Rejected)
        })
        .unwrap();
    };
    for &id in &ids[..3] {
        reject(id);
    }
    app.login_as(Role::Viewer).await;
    let page = format!("/variants/{}", ids[4]);
    assert!(app.get_html(&page).await.contains("rejected 3 times"));
    let cached = db(&app.state.pool, |c| mask_ceilings::find(c, ids[4])).unwrap().expect("cached");
    assert_eq!(cached.hits, 3);
    assert_eq!(cached.rejected_key, format!("{},{},{}", ids[0], ids[1], ids[2]));

    // Later views read the cached count (here tampered with), not the masks.
    let tampered = mask_ceilings::MaskCeiling { hits: 0, ..cached.clone() };
    db(&app.state.pool, |c| mask_ceilings::upsert(c, &tampered)).unwrap();
    assert!(!app.get_html(&page).await.contains("ceiling-warning"));

    // A new rejection changes the set, so the count is made again.
    reject(ids[3]);
    assert!(app.get_html(&page).await.contains("rejected 4 times"));
}

/// Every worker process looks for stale jobs, so two can meet on one job. The second one must
/// count no crash against the job the first is requeueing (a second crash fails it:
/// `CRASH_LIMIT` is 2), whether it waits for the first (SQLite) or passes over it (PostgreSQL).
#[actix_web::test]
async fn two_workers_recovering_one_stale_job_count_one_crash() {
    let app = spawn_app().await;
    let pool = app.state.pool.clone();
    let job = db(&pool, |c| {
        let ws = workspaces::default(c)?;
        jobs::enqueue(c, JobKind::Variant, r#"{"variant_id": 999}"#, ws)
    })
    .unwrap();
    db(&pool, |c| jobs::claim(c, "gone")).unwrap().expect("claim");
    let long_ago = liftmask::db::now() - chrono::Duration::hours(1);
    db(&pool, |c| jobs::set_heartbeat(c, job.id, long_ago)).unwrap();
    let policy = jobs::CrashPolicy { crash_limit: liftmask::jobs::CRASH_LIMIT, max_attempts: 3 };
    let cutoff = liftmask::db::now() - chrono::Duration::minutes(2);

    // The first recoverer has requeued the job and not committed yet (its update, as
    // `recover_stale` writes it, inside a transaction held open a while).
    let (requeued, wait) = std::sync::mpsc::channel();
    let first = {
        let pool = pool.clone();
        let id = job.id;
        std::thread::spawn(move || {
            use diesel::prelude::*;
            use liftmask::db::schema::jobs as t;
            pool.run(|c| {
                c.transaction(|tx| {
                    let n = liftmask::db_run!(tx, |c| diesel::update(t::table.find(id))
                        .set((
                            t::status.eq("queued"),
                            t::crashes.eq(t::crashes + 1),
                            t::claimed_by.eq(None::<String>),
                        ))
                        .execute(c))?;
                    requeued.send(()).expect("signal");
                    std::thread::sleep(std::time::Duration::from_millis(500));
                    Ok::<_, DbError>(n)
                })
            })
        })
    };
    wait.recv().expect("the first recoverer ran");
    let second = db(&pool, |c| jobs::recover_stale(c, cutoff, policy)).unwrap();
    let first = first.join().expect("thread").unwrap();
    assert_eq!((first, second), (1, (0, 0)));
    let job = db(&pool, |c| jobs::find(c, job.id)).unwrap();
    assert_eq!((job.status.as_str(), job.crashes, job.claimed_by), ("queued", 1, None));
}
