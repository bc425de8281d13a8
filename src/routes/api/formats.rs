//! `/api/v1/…/formats` and `/…/priming`: format siblings of a variant or a master, and the
//! priming check.

use actix_web::{HttpResponse, web};

use crate::auth::{ApiUser, Permission};
use crate::error::AppError;
use crate::services::formats::{self, FormatRequest, FormatSource};
use crate::services::priming;
use crate::state::AppState;

async fn create(
    user: ApiUser,
    state: web::Data<AppState>,
    source: FormatSource,
    body: super::JsonBody<FormatRequest>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::EditCreative)?;
    let req = super::json_body(body)?;
    let (uid, ws) = (user.id, user.workspace);
    let created = state
        .db_with(move |c, st| {
            formats::create(c, &st.blobs, &st.settings, ws, source, &req, Some(uid))
        })
        .await?;
    Ok(HttpResponse::Created().json(created))
}

/// `POST /api/v1/variants/{id}/formats` with `{aspect, mode, focus?}`: returns `{id, job_id, …}`.
pub async fn for_variant(
    user: ApiUser,
    state: web::Data<AppState>,
    path: web::Path<i32>,
    body: super::JsonBody<FormatRequest>,
) -> Result<HttpResponse, AppError> {
    create(user, state, FormatSource::Variant(path.into_inner()), body).await
}

/// `POST /api/v1/masters/{id}/formats`: the same from a master.
pub async fn for_master(
    user: ApiUser,
    state: web::Data<AppState>,
    path: web::Path<i32>,
    body: super::JsonBody<FormatRequest>,
) -> Result<HttpResponse, AppError> {
    create(user, state, FormatSource::Master(path.into_inner()), body).await
}

/// `GET /api/v1/variants/{id}/priming`: the variant's priming report.
pub async fn variant_priming(
    user: ApiUser,
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let (id, ws) = (path.into_inner(), user.workspace);
    let view = state
        .blocking(move |st| priming::variant(&st.pool, &st.blobs, &st.settings, ws, id))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// `GET /api/v1/masters/{id}/priming`: a master's report, computed on demand.
pub async fn master_priming(
    user: ApiUser,
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let (id, ws) = (path.into_inner(), user.workspace);
    let view = state
        .blocking(move |st| priming::master(&st.pool, &st.blobs, &st.settings, ws, id))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// `GET /api/v1/variants/{id}/priming/pack`: the priming pack (zip).
pub async fn priming_pack(
    user: ApiUser,
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let (id, ws) = (path.into_inner(), user.workspace);
    let (name, bytes) =
        state.blocking(move |st| priming::pack(&st.pool, &st.blobs, &st.settings, ws, id)).await?;
    Ok(zip_response(name, bytes))
}

/// A zip as an attachment.
pub fn zip_response(name: String, bytes: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{name}\"")))
        .body(bytes)
}
