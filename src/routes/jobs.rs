//! `GET /jobs/{id}.json`: job status for the variant page's poller (session-authenticated).

use actix_web::{HttpResponse, web};

use crate::auth::{CurrentUser, Permission};
use crate::db::jobs;
use crate::error::AppError;
use crate::startup::AppState;

/// The job as JSON: `{id, status, progress, error, attempts}`.
pub async fn show(
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let id = path.into_inner();
    let pool = state.pool.clone();
    let job = web::block(move || pool.run(|c| jobs::find(c, id).map_err(AppError::from))).await??;
    Ok(HttpResponse::Ok().json(job_json(&job)))
}

/// The public shape of a job.
pub fn job_json(job: &jobs::Job) -> serde_json::Value {
    serde_json::json!({
        "id": job.id,
        "status": job.status,
        "progress": job.progress,
        "error": job.error,
        "attempts": job.attempts,
    })
}
