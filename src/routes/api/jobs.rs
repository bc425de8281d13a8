//! `GET /api/v1/jobs/{id}`: a job's status and progress.

use actix_web::{HttpResponse, web};

use crate::auth::{ApiUser, Permission};
use crate::error::AppError;
use crate::services::job_status;
use crate::state::AppState;

/// `{id, status: queued|running|done|failed, progress, error, attempts}`.
pub async fn show(
    user: ApiUser,
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let (id, ws) = (path.into_inner(), user.workspace);
    let job = state.db(move |c| job_status::find(c, ws, id).map_err(AppError::from)).await?;
    Ok(HttpResponse::Ok().json(job))
}
