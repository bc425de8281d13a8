//! `/api/v1/grids`: create a grid (its cells composed and audited), read it, review it in bulk and
//! download its bulk export, mirroring the pages.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::auth::{ApiUser, Permission};
use crate::error::AppError;
use crate::services::grids::{self, BulkAction, GridSpec};
use crate::state::AppState;

/// `POST /api/v1/grids` with `{"master_id", "variables":[{"variable","levels":[id|null,…]}],
/// "fractional"?, "name"?}`: 201 with the grid and its cells.
pub async fn create(
    user: ApiUser,
    state: web::Data<AppState>,
    body: super::JsonBody<GridSpec>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::EditCreative)?;
    let spec = super::json_body(body)?;
    let (st, ws, uid) = (state.clone(), user.workspace, user.id);
    let grid = state
        .db(move |c| {
            grids::create(c, &st.blobs, &st.settings, &spec, ws, Some(uid)).map_err(AppError::from)
        })
        .await?;
    Ok(HttpResponse::Created().json(grid))
}

/// `GET /api/v1/grids/{id}`.
pub async fn show(
    user: ApiUser,
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let (id, ws) = (path.into_inner(), user.workspace);
    let grid = state.db(move |c| grids::page(c, ws, id).map_err(AppError::from)).await?;
    Ok(HttpResponse::Ok().json(grid))
}

/// The bulk submit and review body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkBody {
    /// For review: `approve` or `reject`.
    #[serde(default)]
    decision: String,
    /// Cell variant ids; absent or empty = the whole grid.
    #[serde(default)]
    cells: Vec<i32>,
    #[serde(default)]
    comment: String,
}

async fn bulk(
    user: &ApiUser,
    state: &web::Data<AppState>,
    id: i32,
    action: BulkAction,
    body: BulkBody,
) -> Result<HttpResponse, AppError> {
    let (ws, uid, st) = (user.workspace, user.id, state.clone());
    let out = state
        .db(move |c| {
            grids::bulk_review(
                c,
                ws,
                id,
                uid,
                action,
                &body.cells,
                &body.comment,
                &st.settings.review,
            )
            .map_err(AppError::from)
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// `POST /api/v1/grids/{id}/submit` with `{cells?, comment?}`: drafts → in review; answers
/// `{changed: [codes], skipped: ["code: reason"]}`.
pub async fn submit(
    user: ApiUser,
    state: web::Data<AppState>,
    path: web::Path<i32>,
    body: super::JsonBody<BulkBody>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::EditCreative)?;
    let body = super::json_body(body)?;
    bulk(&user, &state, path.into_inner(), BulkAction::Submit, body).await
}

/// `POST /api/v1/grids/{id}/review` with `{decision: approve|reject, cells?, comment?}`.
pub async fn review(
    user: ApiUser,
    state: web::Data<AppState>,
    path: web::Path<i32>,
    body: super::JsonBody<BulkBody>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::Review)?;
    let body = super::json_body(body)?;
    let action = BulkAction::decision(&body.decision)?;
    bulk(&user, &state, path.into_inner(), action, body).await
}

/// `GET /api/v1/grids/{id}/export.zip`.
pub async fn export(
    user: ApiUser,
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let (id, ws, st) = (path.into_inner(), user.workspace, state.clone());
    let out =
        state.db(move |c| grids::bulk_export(c, &st.blobs, ws, id).map_err(AppError::from)).await?;
    Ok(crate::routes::grids::zip_response(out))
}
