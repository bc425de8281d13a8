//! `/api/v1/imports` and `/api/v1/ad-mappings`: the import history and ad mapping as JSON.

use actix_web::{HttpResponse, web};

use crate::auth::{ApiUser, Permission};
use crate::error::AppError;
use crate::routes::ad_mappings::MapForm;
use crate::services::ad_mapping::{self, MapTarget};
use crate::services::imports;
use crate::state::AppState;

/// `GET /api/v1/imports`: every import, newest first.
pub async fn index(user: ApiUser, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let ws = user.workspace;
    let all = state.db(move |c| imports::history(c, ws).map_err(AppError::from)).await?;
    Ok(HttpResponse::Ok().json(all))
}

/// `GET /api/v1/ad-mappings`: every mapping.
pub async fn mappings(user: ApiUser, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let ws = user.workspace;
    let all = state.db(move |c| -> Result<_, AppError> { Ok(ad_mapping::list(c, ws)?) }).await?;
    Ok(HttpResponse::Ok().json(all))
}

/// `GET /api/v1/ad-mappings/unmapped`: ads with rows but no mapping.
pub async fn unmapped(user: ApiUser, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let ws = user.workspace;
    let ads =
        state.db(move |c| -> Result<_, AppError> { Ok(ad_mapping::unmapped(c, ws)?) }).await?;
    Ok(HttpResponse::Ok().json(ads))
}

/// `POST /api/v1/ad-mappings` (`{"platform", "ad_id", "target": "variant:ID"}`): maps one ad.
pub async fn create(
    user: ApiUser,
    state: web::Data<AppState>,
    body: super::JsonBody<MapForm>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::ImportData)?;
    let body = super::json_body(body)?;
    let target: MapTarget = body
        .target
        .parse()
        .map_err(|e: ad_mapping::BadTarget| AppError::BadRequest(e.to_string()))?;
    let ws = user.workspace;
    let mapping = state
        .db(move |c| -> Result<_, AppError> {
            Ok(ad_mapping::map_manually(c, ws, &body.platform, &body.ad_id, target)?)
        })
        .await?;
    Ok(HttpResponse::Created().json(mapping))
}
