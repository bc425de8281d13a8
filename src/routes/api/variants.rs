//! `/api/v1/variants`: create, smart selection for masks, read, fetch the image, review.

use actix_multipart::Multipart;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::auth::{ApiUser, Permission};
use crate::error::AppError;
use crate::routes::variants::variant_input;
use crate::services::pictures::{self, Picture};
use crate::services::review::{self, Decision};
use crate::services::variant_pages::{self, CreatedView, VariantView};
use crate::services::variants as svc;
use crate::state::AppState;
use crate::web::multipart::read_fields;

/// The review body.
#[derive(Debug, Deserialize)]
pub struct ReviewBody {
    decision: String,
    #[serde(default)]
    comment: String,
}

/// `POST /api/v1/variants` (multipart): returns `{id, job_id, code, duplicate_of, warnings}`.
pub async fn create(
    user: ApiUser,
    state: web::Data<AppState>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::EditCreative)?;
    let input = variant_input(read_fields(payload, state.settings.max_upload_bytes).await?)?;
    let (uid, ws) = (user.id, user.workspace);
    let created = state
        .db_with(move |c, st| svc::create(c, &st.blobs, &st.settings, &input, ws, Some(uid)))
        .await?;
    Ok(HttpResponse::Created().json(CreatedView::from(created)))
}

/// `POST /api/v1/variants/selection` with `{parent_kind, parent_id, tool: object|colour, …}`:
/// the smart selection on the parent as a mask PNG (255 = selected), ready to send back as the
/// `mask` of a new variant.
pub async fn selection(
    user: ApiUser,
    state: web::Data<AppState>,
    body: super::JsonBody<svc::SelectionRequest>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::EditCreative)?;
    let req = super::json_body(body)?;
    let ws = user.workspace;
    let png =
        state.blocking(move |st| svc::select(&st.pool, &st.blobs, &st.settings, ws, &req)).await?;
    Ok(HttpResponse::Ok().content_type("image/png").body(png))
}

/// `GET /api/v1/variants/{id}`.
pub async fn show(
    user: ApiUser,
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let (id, ws) = (path.into_inner(), user.workspace);
    let json =
        state.db(move |c| variant_pages::api_view(c, ws, id).map_err(AppError::from)).await?;
    Ok(HttpResponse::Ok().json(json))
}

/// `GET /api/v1/variants/{id}/image`: the result PNG.
pub async fn image(
    user: ApiUser,
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let (id, ws) = (path.into_inner(), user.workspace);
    let bytes = state
        .blocking(move |st| {
            pictures::picture(&st.pool, &st.blobs, &st.settings, ws, id, Picture::Result)
        })
        .await?;
    Ok(HttpResponse::Ok().content_type("image/png").body(bytes))
}

/// `POST /api/v1/variants/{id}/review` with `{decision: approve|reject, comment}`.
pub async fn review(
    user: ApiUser,
    state: web::Data<AppState>,
    path: web::Path<i32>,
    body: super::JsonBody<ReviewBody>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::Review)?;
    let id = path.into_inner();
    let body = super::json_body(body)?;
    let decision = Decision::parse(&body.decision)?;
    let (uid, ws) = (user.id, user.workspace);
    let v = state
        .db_with(move |c, st| {
            review::decide(c, ws, id, uid, decision, &body.comment, &st.settings.review)
        })
        .await?;
    Ok(HttpResponse::Ok().json(VariantView::new(&v, None)))
}

/// The submit body.
#[derive(Debug, Default, Deserialize)]
pub struct SubmitBody {
    #[serde(default)]
    comment: String,
}

/// `POST /api/v1/variants/{id}/submit` with an optional `{comment}`: draft → in_review, as the
/// page's "Send to review" does (approval happens only from review).
pub async fn submit(
    user: ApiUser,
    state: web::Data<AppState>,
    path: web::Path<i32>,
    body: Option<web::Json<SubmitBody>>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::EditCreative)?;
    let id = path.into_inner();
    let comment = body.map(|b| b.into_inner().comment).unwrap_or_default();
    let (uid, ws) = (user.id, user.workspace);
    let v =
        state.db(move |c| review::submit(c, ws, id, uid, &comment).map_err(AppError::from)).await?;
    Ok(HttpResponse::Ok().json(VariantView::new(&v, None)))
}
