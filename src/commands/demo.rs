//! `liftmask demo [--reset]` and the demo seeding of `serve` (used by `make run`).

use std::sync::Arc;

use inpaint::Backends;

use crate::blobs::BlobStore;
use crate::config::Settings;
use crate::db::DbPool;
use crate::jobs::{WorkerContext, build_engine};
use crate::services::{accounts, demo, demo_reset};

/// Seeds the demo (or recreates it with `reset`) and prints what was made.
pub fn run(
    pool: DbPool,
    settings: Settings,
    reset: bool,
    backends: &dyn Backends,
) -> anyhow::Result<()> {
    announce_admin(&pool)?;
    let blobs = crate::blobs::open(&settings)?;
    let ctx = WorkerContext { pool, blobs, settings: Arc::new(settings) };
    let engine = build_engine(backends, &ctx.settings.engine)?;
    let summary = if reset {
        demo_reset::reset(&ctx, engine.as_ref())?
    } else {
        match demo::seed_if_empty(&ctx, engine.as_ref())? {
            Some(s) => s,
            None => {
                println!(
                    "the database already has masters; use `liftmask demo --reset` to recreate the demo"
                );
                return Ok(());
            }
        }
    };
    print_summary(&summary);
    Ok(())
}

/// Seeds the demo on an empty database when `settings.demo` is on (`make run` sets it).
pub fn seed_on_start(
    pool: &DbPool,
    blobs: &Arc<dyn BlobStore>,
    settings: &Arc<Settings>,
    backends: &dyn Backends,
) -> anyhow::Result<()> {
    if !settings.demo {
        return Ok(());
    }
    let ctx =
        WorkerContext { pool: pool.clone(), blobs: blobs.clone(), settings: settings.clone() };
    let engine = build_engine(backends, &settings.engine)?;
    println!("seeding the demo workspace with the real engine (a few seconds)…");
    if let Some(summary) = demo::seed_if_empty(&ctx, engine.as_ref())? {
        print_summary(&summary);
    }
    Ok(())
}

/// Creates the admin on a fresh database and prints its credentials, once.
pub fn announce_admin(pool: &DbPool) -> anyhow::Result<()> {
    if let Some(password) = pool.run(accounts::ensure_demo_admin)? {
        println!("──────────────────────────────────────────────");
        println!(" First start: created the admin account");
        println!("   e-mail:   {}", accounts::DEMO_ADMIN_EMAIL);
        println!("   password: {password}");
        println!(" (shown once; add users at /admin/users)");
        println!("──────────────────────────────────────────────");
    }
    Ok(())
}

fn print_summary(s: &demo::DemoSummary) {
    println!(
        "demo ready: master {} with {} variants, experiment {}, grid {} with experiment {}, over {} \
         imported ad-days",
        s.master_id,
        s.variant_ids.len(),
        s.experiment_id,
        s.grid_id,
        s.grid_experiment_id,
        s.rows
    );
}
