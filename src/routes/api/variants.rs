//! `/api/v1/variants`: create, read, fetch the image, review.

use actix_multipart::Multipart;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::auth::{ApiUser, Permission};
use crate::db::variants::{self, Variant};
use crate::error::AppError;
use crate::routes::variants::variant_input;
use crate::services::pictures::{self, Picture};
use crate::services::review::{self, Decision};
use crate::services::variants as svc;
use crate::startup::AppState;
use crate::web::multipart::read_fields;

/// The review body.
#[derive(Debug, Deserialize)]
pub struct ReviewBody {
    decision: String,
    #[serde(default)]
    comment: String,
}

/// The public JSON shape of a variant.
pub fn variant_json(v: &Variant, duplicate_of: Option<i32>) -> serde_json::Value {
    let (parent_kind, parent_id) = match v.parent_variant_id {
        Some(p) => ("variant", p),
        None => ("master", v.master_id),
    };
    serde_json::json!({
        "id": v.id,
        "master_id": v.master_id,
        "parent_kind": parent_kind,
        "parent_id": parent_id,
        "code": v.code,
        "variable": v.variable,
        "value": v.value,
        "operation": v.operation,
        "params": serde_json::from_str::<serde_json::Value>(&v.params).unwrap_or(serde_json::Value::Null),
        "status": v.status,
        "job_id": v.job_id,
        "duplicate_of": duplicate_of,
        "ready": v.result_sha.is_some(),
        "audit": {
            "changed_outside_mask_px": v.changed_outside_mask_px,
            "changed_fraction": v.changed_fraction,
            "mask_fraction": v.mask_fraction,
            "delta_e": v.delta_e,
            "controlled": v.controlled,
            "note": v.audit_note,
        },
    })
}

/// `POST /api/v1/variants` (multipart): returns `{id, job_id, code, duplicate_of, warnings}`.
pub async fn create(
    user: ApiUser,
    state: web::Data<AppState>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::EditCreative)?;
    let input = variant_input(read_fields(payload, state.settings.max_upload_bytes).await?)?;
    let st = state.clone();
    let uid = user.0.id;
    let created = web::block(move || {
        st.pool.run(|c| {
            svc::create(c, &st.blobs, &st.settings, &input, Some(uid)).map_err(AppError::from)
        })
    })
    .await??;
    Ok(HttpResponse::Created().json(serde_json::json!({
        "id": created.variant.id,
        "job_id": created.job_id,
        "code": created.variant.code,
        "duplicate_of": created.duplicate_of,
        "warnings": created.warnings,
    })))
}

/// `GET /api/v1/variants/{id}`.
pub async fn show(
    user: ApiUser,
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let id = path.into_inner();
    let pool = state.pool.clone();
    let (v, dup) = web::block(move || {
        pool.run(|c| -> Result<_, AppError> {
            let v = variants::find(c, id)?;
            let dup = variants::duplicate_of(c, &v)?;
            Ok((v, dup))
        })
    })
    .await??;
    Ok(HttpResponse::Ok().json(variant_json(&v, dup)))
}

/// `GET /api/v1/variants/{id}/image`: the result PNG.
pub async fn image(
    user: ApiUser,
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let id = path.into_inner();
    let st = state.clone();
    let bytes = web::block(move || {
        pictures::picture(&st.pool, &st.blobs, &st.settings, id, Picture::Result)
    })
    .await??;
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
    let (pool, settings) = (state.pool.clone(), state.settings.clone());
    let uid = user.0.id;
    let v = web::block(move || {
        pool.run(|c| {
            review::decide(c, id, uid, decision, &body.comment, &settings.review)
                .map_err(AppError::from)
        })
    })
    .await??;
    Ok(HttpResponse::Ok().json(variant_json(&v, None)))
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
    let pool = state.pool.clone();
    let uid = user.0.id;
    let v = web::block(move || {
        pool.run(|c| review::submit(c, id, uid, &comment).map_err(AppError::from))
    })
    .await??;
    Ok(HttpResponse::Ok().json(variant_json(&v, None)))
}
