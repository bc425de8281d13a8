//! `GET /api/v1/me`: who the token belongs to.

use actix_web::HttpResponse;

use crate::auth::{ApiUser, Permission};
use crate::error::AppError;

/// Returns the token's user.
pub async fn show(user: ApiUser) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    Ok(HttpResponse::Ok().json(&user.0))
}
