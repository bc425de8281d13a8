//! `GET /api/v1/variables?metric=`: the pooled variables leaderboard as JSON.

use actix_web::{HttpResponse, web};

use crate::auth::{ApiUser, Permission};
use crate::error::AppError;
use crate::routes::variables::MetricQuery;
use crate::services::attribution;
use crate::state::AppState;

/// `GET /api/v1/variables?metric=ctr`.
pub async fn index(
    user: ApiUser,
    state: web::Data<AppState>,
    query: web::Query<MetricQuery>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let metric = query.metric()?;
    let ws = user.workspace;
    let rows =
        state.db(move |c| attribution::leaderboard(c, ws, metric).map_err(AppError::from)).await?;
    Ok(HttpResponse::Ok().json(rows))
}
