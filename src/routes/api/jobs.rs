//! `GET /api/v1/jobs/{id}`: a job's status and progress.

use actix_web::{HttpResponse, web};

use crate::auth::{ApiUser, Permission};
use crate::db::jobs;
use crate::error::AppError;
use crate::routes::jobs::job_json;
use crate::startup::AppState;

/// `{id, status: queued|running|done|failed, progress, error, attempts}`.
pub async fn show(
    user: ApiUser,
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let id = path.into_inner();
    let pool = state.pool.clone();
    let job = web::block(move || pool.run(|c| jobs::find(c, id).map_err(AppError::from))).await??;
    Ok(HttpResponse::Ok().json(job_json(&job)))
}
