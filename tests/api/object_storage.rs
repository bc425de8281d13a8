//! The variant flow with blobs on an S3-compatible server (Garage under `scripts/test.sh`): the
//! real HTTP server, a real worker process and a real bucket.

use liftmask::auth::Role;
use liftmask::blobs::{BlobId, BlobStore, S3BlobStore};

use crate::helpers::{SpawnOptions, fixture_png, rect_mask, spawn_app_with, test_s3_blobs};

/// Files under `dir`, recursively.
fn files_under(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries.flatten().map(|e| if e.path().is_dir() { files_under(&e.path()) } else { 1 }).sum()
    })
}

#[actix_web::test]
async fn a_variant_renders_and_downloads_with_its_blobs_in_the_bucket() {
    let Some(blobs) = test_s3_blobs() else { return };
    let url = blobs.url.clone().unwrap();
    let app =
        spawn_app_with(SpawnOptions { workers: 1, blobs: blobs.clone(), ..Default::default() })
            .await;
    let token = app.api_user(Role::Growth);
    let photo = fixture_png("brick.png", 96, 64);
    let master = app.api_master(&token, photo.clone(), "Brick").await;
    let mask = rect_mask(96, 64, (30, 20, 20, 20));
    let res = app
        .api_variant_raw(
            &token,
            ("master", master),
            "background",
            "plain",
            "erase",
            mask,
            r#"{"grow":2,"feather":2}"#,
            None,
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    let body: serde_json::Value = res.json().await.unwrap();
    let (id, job) = (body["id"].as_i64().unwrap(), body["job_id"].as_i64().unwrap());

    // The worker process, not this one, renders it: it opened the bucket from its settings.
    let started = std::time::Instant::now();
    loop {
        let job = app.api_json(&token, &format!("/api/v1/jobs/{job}")).await;
        if job["status"] == "done" {
            break;
        }
        assert_ne!(job["status"], "failed", "{job}");
        assert!(started.elapsed().as_secs() < 120, "job did not finish: {job}");
        actix_web::rt::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let res = app.client.get(app.url(&format!("/api/v1/variants/{id}/image"))).bearer_auth(&token);
    let res = res.send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let downloaded = res.bytes().await.unwrap().to_vec();

    // A render, not the master: outside the grown, feathered mask every pixel is the master's.
    let (before, after) = (
        image::load_from_memory(&photo).unwrap().to_rgb8(),
        image::load_from_memory(&downloaded).unwrap().to_rgb8(),
    );
    assert_eq!(after.dimensions(), (96, 64));
    let near_mask = |x: u32, y: u32| (24..56).contains(&x) && (14..46).contains(&y);
    let mut inside_changed = 0;
    for (x, y, p) in after.enumerate_pixels() {
        if near_mask(x, y) {
            inside_changed += usize::from(p != before.get_pixel(x, y));
        } else {
            assert_eq!(p, before.get_pixel(x, y), "({x},{y}) changed outside the mask");
        }
    }
    assert!(inside_changed > 100, "only {inside_changed} px changed");

    // The bytes came from the bucket: a client of our own finds them (and the uploaded master)
    // there, and the local blob directory stayed empty.
    let bucket = tokio::task::spawn_blocking(move || S3BlobStore::open(&url, &blobs).unwrap())
        .await
        .unwrap();
    let result = BlobId::of(&downloaded);
    let master_id = BlobId::of(&photo);
    let stored = tokio::task::spawn_blocking(move || {
        (bucket.get(&result).unwrap(), bucket.contains(&master_id).unwrap())
    })
    .await
    .unwrap();
    assert_eq!(stored, (downloaded, true));
    assert_eq!(files_under(&app.settings.blob_dir()), 0);
}
