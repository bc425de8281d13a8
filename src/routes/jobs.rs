//! `GET /jobs/{id}.json`: job status for the variant page's poller (session-authenticated).

use actix_web::{HttpResponse, web};

use crate::auth::{CurrentUser, Permission};
use crate::error::AppError;
use crate::services::job_status;
use crate::state::AppState;

/// The job as JSON: `{id, status, progress, error, attempts}`.
pub async fn show(
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let (id, ws) = (path.into_inner(), user.workspace);
    let job = state.db(move |c| job_status::find(c, ws, id).map_err(AppError::from)).await?;
    Ok(HttpResponse::Ok().json(job))
}
