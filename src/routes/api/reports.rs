//! CSV exports over the API (bearer token): the same files as the download buttons.

use actix_web::{HttpResponse, web};

use crate::auth::{ApiUser, Permission};
use crate::error::AppError;
use crate::routes::reports::{ExperimentExport, experiment_csv, variables_csv};
use crate::routes::variables::MetricQuery;
use crate::state::AppState;

/// `GET /api/v1/experiments/{id}/results.csv`.
pub async fn results(
    user: ApiUser,
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    experiment_csv(&state, user.workspace, path.into_inner(), ExperimentExport::Results).await
}

/// `GET /api/v1/experiments/{id}/daily.csv`.
pub async fn daily(
    user: ApiUser,
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    experiment_csv(&state, user.workspace, path.into_inner(), ExperimentExport::Daily).await
}

/// `GET /api/v1/experiments/{id}/by_format.csv`.
pub async fn by_format(
    user: ApiUser,
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    experiment_csv(&state, user.workspace, path.into_inner(), ExperimentExport::ByFormat).await
}

/// `GET /api/v1/variables.csv?metric=`.
pub async fn variables(
    user: ApiUser,
    state: web::Data<AppState>,
    query: web::Query<MetricQuery>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    variables_csv(&state, user.workspace, &query).await
}
