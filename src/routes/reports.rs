//! CSV downloads for the browser (the same files as the API's): experiment results, daily performance
//! per arm, and the variables leaderboard.

use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpResponse, web};

use crate::auth::{CurrentUser, Permission, WorkspaceId};
use crate::error::AppError;
use crate::routes::variables::MetricQuery;
use crate::services::{attribution, experiments, reports};
use crate::state::AppState;

/// Which experiment export.
#[derive(Debug, Clone, Copy)]
pub enum ExperimentExport {
    /// One row per arm × metric.
    Results,
    /// One row per arm × day.
    Daily,
    /// One row per arm × format, on the primary metric.
    ByFormat,
}

/// A CSV attachment with a safe generated filename.
pub fn csv_response(body: Vec<u8>, filename: &str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")))
        .body(body)
}

/// An experiment export as a CSV download (the statistics run on the blocking pool).
pub async fn experiment_csv(
    state: &AppState,
    ws: WorkspaceId,
    id: i32,
    export: ExperimentExport,
) -> Result<HttpResponse, AppError> {
    let (body, filename) = state
        .blocking(move |st| -> Result<_, AppError> {
            let r = experiments::results(&st.pool, ws, id)?;
            let (body, kind) = match export {
                ExperimentExport::Results => (reports::results_csv(&r), "results"),
                ExperimentExport::Daily => (reports::daily_csv(&r), "daily"),
                ExperimentExport::ByFormat => (reports::by_format_csv(&r), "by-format"),
            };
            let stem = format!("experiment-{}-{}-{kind}", r.experiment.id, r.experiment.name);
            Ok((body.map_err(AppError::internal)?, reports::safe_filename(&stem, "csv")))
        })
        .await?;
    Ok(csv_response(body, &filename))
}

/// Builds the variables export.
pub async fn variables_csv(
    state: &AppState,
    ws: WorkspaceId,
    query: &MetricQuery,
) -> Result<HttpResponse, AppError> {
    let metric = query.metric()?;
    let body = state
        .db(move |c| -> Result<_, AppError> {
            let rows = attribution::leaderboard(c, ws, metric)?;
            reports::variables_csv(&rows).map_err(AppError::internal)
        })
        .await?;
    Ok(csv_response(body, &reports::safe_filename(&format!("variables-{}", metric.name()), "csv")))
}

/// `GET /experiments/{id}/results.csv`.
pub async fn results(
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    experiment_csv(&state, user.workspace, path.into_inner(), ExperimentExport::Results).await
}

/// `GET /experiments/{id}/daily.csv`.
pub async fn daily(
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    experiment_csv(&state, user.workspace, path.into_inner(), ExperimentExport::Daily).await
}

/// `GET /experiments/{id}/by_format.csv`.
pub async fn by_format(
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    experiment_csv(&state, user.workspace, path.into_inner(), ExperimentExport::ByFormat).await
}

/// `GET /variables.csv?metric=`.
pub async fn variables(
    user: CurrentUser,
    state: web::Data<AppState>,
    query: crate::web::Input<web::Query<MetricQuery>>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let query = crate::web::input(query)?;
    variables_csv(&state, user.workspace, &query).await
}
