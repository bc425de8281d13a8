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
    let (pool, ws) = (state.pool.clone(), user.0.workspace);
    let rows = web::block(move || {
        pool.run(|c| attribution::leaderboard(c, ws, metric).map_err(AppError::from))
    })
    .await??;
    Ok(HttpResponse::Ok().json(rows))
}
