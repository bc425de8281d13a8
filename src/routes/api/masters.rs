//! `/api/v1/masters`: upload a master, read its lineage tree.

use actix_multipart::Multipart;
use actix_web::{HttpResponse, web};

use crate::auth::{ApiUser, Permission};
use crate::error::AppError;
use crate::routes::masters::master_input;
use crate::services::masters as svc;
use crate::state::AppState;
use crate::web::multipart::read_fields;

/// `POST /api/v1/masters` (multipart `image`, `name`, optional `source_model`, `source_prompt`).
pub async fn create(
    user: ApiUser,
    state: web::Data<AppState>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::EditCreative)?;
    let input = master_input(read_fields(payload, state.settings.max_upload_bytes).await?)?;
    let (uid, ws) = (user.id, user.workspace);
    let m = state
        .db_with(move |c, st| svc::create(c, &st.blobs, &st.settings, &input, ws, Some(uid)))
        .await?;
    // The master as its page shows it (a superset of the `{id, width, height}` first returned).
    Ok(HttpResponse::Created().json(m))
}

/// `GET /api/v1/masters/{id}/tree`: the master, its variables and the lineage tree.
pub async fn tree(
    user: ApiUser,
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let (id, ws) = (path.into_inner(), user.workspace);
    let lineage = state.db(move |c| svc::lineage(c, ws, id).map_err(AppError::from)).await?;
    Ok(HttpResponse::Ok().json(lineage))
}
