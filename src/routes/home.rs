//! `GET /`: the dashboard.

use actix_web::{HttpRequest, HttpResponse, web};

use crate::auth::{CurrentUser, Permission};
use crate::error::AppError;
use crate::services::dashboard;
use crate::state::AppState;
use crate::web::{Page, render};

/// Shows what is in the workspace and what waits for review.
pub async fn index(
    req: HttpRequest,
    user: CurrentUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let ws = user.workspace;
    let overview = state.db(move |c| dashboard::overview(c, ws).map_err(AppError::from)).await?;
    render(&req, Some(&user), Page::new("home/index.html").with("overview", &overview))
}
