//! `/api/v1/experiments`: list, create (JSON) and results (JSON), mirroring the pages.

use actix_web::{HttpResponse, web};

use crate::auth::{ApiUser, Permission};
use crate::error::AppError;
use crate::services::experiments::{self, NewExperimentSpec};
use crate::state::AppState;

/// `GET /api/v1/experiments`.
pub async fn index(user: ApiUser, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let ws = user.workspace;
    let list = state.db(move |c| experiments::list(c, ws).map_err(AppError::from)).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// `POST /api/v1/experiments` with a [`NewExperimentSpec`] body.
pub async fn create(
    user: ApiUser,
    state: web::Data<AppState>,
    spec: super::JsonBody<NewExperimentSpec>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::ManageExperiments)?;
    let mut spec = super::json_body(spec)?;
    spec.created_by = Some(user.id);
    let ws = user.workspace;
    let created = state
        .db(move |c| experiments::create_experiment(c, ws, spec).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::Created().json(created))
}

/// `GET /api/v1/experiments/{id}`: the full results (arms, comparisons, attribution, SRM).
pub async fn show(
    user: ApiUser,
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let (id, ws) = (path.into_inner(), user.workspace);
    let mut results = state
        .blocking(move |st| experiments::results(&st.pool, ws, id).map_err(AppError::from))
        .await?;
    // Charts are for the page; the API carries the numbers.
    results.cumulative_svg.clear();
    results.forest_svg.clear();
    Ok(HttpResponse::Ok().json(results))
}
