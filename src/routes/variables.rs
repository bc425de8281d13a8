//! The variables page: every variable = value pooled across experiments, as a leaderboard.

use actix_web::{HttpRequest, HttpResponse, web};
use analytics::stats::AdMetric;
use serde::Deserialize;

use crate::auth::{CurrentUser, Permission};
use crate::error::AppError;
use crate::services::attribution;
use crate::services::experiments::parse_metric;
use crate::state::AppState;
use crate::web::{Page, render};

/// The metric selector (default CTR).
#[derive(Debug, Deserialize)]
pub struct MetricQuery {
    pub metric: Option<String>,
}

impl MetricQuery {
    /// The chosen metric.
    pub fn metric(&self) -> Result<AdMetric, AppError> {
        Ok(parse_metric(self.metric.as_deref().unwrap_or("ctr"))?)
    }
}

/// `GET /variables?metric=ctr`.
pub async fn index(
    req: HttpRequest,
    user: CurrentUser,
    state: web::Data<AppState>,
    query: crate::web::Input<web::Query<MetricQuery>>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let query = crate::web::input(query)?;
    let metric = query.metric()?;
    let ws = user.workspace;
    let board = state
        .db(move |c| attribution::leaderboard_page(c, ws, metric).map_err(AppError::from))
        .await?;
    let metrics: Vec<&str> = AdMetric::ALL.iter().map(|m| m.name()).collect();
    render(
        &req,
        Some(&user),
        Page::new("variables/index.html")
            .with("rows", &board.rows)
            .with("fallbacks", &board.fallbacks)
            .with("unreplicated", &board.unreplicated)
            .with("forests", &board.forests)
            .with("metric", metric.name())
            .with("lower_is_better", &metric.lower_is_better())
            .with("metrics", &metrics),
    )
}
