//! Variant pages: the mask editor form, the variant page (compare, diff, audit, review) and its
//! pictures.

use actix_multipart::Multipart;
use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::auth::{CurrentUser, Permission, session};
use crate::error::AppError;
use crate::routes::masters::image_response;
use crate::services::pictures::{self, Picture};
use crate::services::variants::{
    self as svc, Operation, ParentRef, SelectionRequest, VariantInput,
};
use crate::services::{grade, variant_pages};
use crate::state::AppState;
use crate::web::multipart::{Fields, read_fields};
use crate::web::{Page, redirect, render};

/// `?parent_kind=master&parent_id=1`.
#[derive(Debug, Deserialize)]
pub struct NewQuery {
    parent_kind: Option<String>,
    parent_id: i32,
}

/// Builds the service input from the create form.
pub fn variant_input(mut f: Fields) -> Result<VariantInput, AppError> {
    let parent = ParentRef::parse(&f.text("parent_kind"), &f.text("parent_id"))?;
    let mask =
        f.file("mask").ok_or_else(|| AppError::Unprocessable("paint a mask (PNG) first".into()))?;
    Ok(VariantInput {
        parent,
        variable: f.text("variable"),
        value: f.text("value"),
        operation: f.text("operation"),
        params: f.text("params"),
        reference: f.file("reference"),
        mask,
    })
}

/// `GET /variants/new`: the mask editor.
pub async fn new(
    req: HttpRequest,
    user: CurrentUser,
    state: web::Data<AppState>,
    q: crate::web::Input<web::Query<NewQuery>>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::EditCreative)?;
    let q = crate::web::input(q)?;
    let q = q.into_inner();
    let kind = q.parent_kind.unwrap_or_else(|| "master".into());
    let parent = ParentRef::parse(&kind, &q.parent_id.to_string())?;
    let ws = user.workspace;
    let ed =
        state.db(move |c| variant_pages::editor(c, ws, parent).map_err(AppError::from)).await?;
    let image_url = match &ed.parent_variant {
        Some(v) => format!("/variants/{}/result.png", v.id),
        None => format!("/masters/{}/image", ed.master.id),
    };
    let ops: Vec<&str> = Operation::ALL.iter().map(|o| o.as_str()).collect();
    render(
        &req,
        Some(&user),
        Page::new("variants/new.html")
            .with("master", &ed.master)
            .with("parent_variant", &ed.parent_variant)
            .with("parent_kind", &kind)
            .with("parent_id", &q.parent_id)
            .with("image_url", &image_url)
            .with("variables", &ed.variables)
            .with("operations", &ops),
    )
}

/// `POST /variants` (multipart; the CSRF token is its first field).
pub async fn create(
    user: CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::EditCreative)?;
    let input = variant_input(read_fields(payload, state.settings.max_upload_bytes).await?)?;
    let (uid, ws) = (user.id, user.workspace);
    let created = state
        .db_with(move |c, st| svc::create(c, &st.blobs, &st.settings, &input, ws, Some(uid)))
        .await?;
    session::flash(&session, "success", format!("Variant {} queued.", created.variant.code));
    for w in &created.warnings {
        session::flash(&session, "info", w.clone());
    }
    Ok(redirect(&format!("/variants/{}", created.variant.id)))
}

/// `POST /variants/selection` (JSON; the CSRF token in the `X-CSRF-Token` header): the smart
/// selection on the parent as a mask PNG, for the editor to merge into the painted mask.
pub async fn selection(
    user: CurrentUser,
    state: web::Data<AppState>,
    body: super::api::JsonBody<SelectionRequest>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::EditCreative)?;
    let req = super::api::json_body(body)?;
    let ws = user.workspace;
    let png =
        state.blocking(move |st| svc::select(&st.pool, &st.blobs, &st.settings, ws, &req)).await?;
    Ok(HttpResponse::Ok().content_type("image/png").body(png))
}

/// `GET /variants/{id}`.
pub async fn show(
    req: HttpRequest,
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let (id, ws) = (path.into_inner(), user.workspace);
    let p = state.db_with(move |c, st| variant_pages::page(c, &st.blobs, ws, id)).await?;
    let v = &p.variant;
    render(
        &req,
        Some(&user),
        Page::new("variants/show.html")
            .with("v", v)
            .with("master", &p.master)
            .with("job", &p.job)
            .with("history", &p.history)
            .with("duplicate_of", &p.duplicate_of)
            .with("ceiling", &p.ceiling)
            .with("grade", &grade::describe(&v.params))
            .with("formats", &p.formats)
            .with("format_source", &p.format_source)
            .with("priming", &p.priming)
            .with("aspects", &crate::services::formats::aspects())
            .with("view", &p.view)
            .with("parent_url", &p.view.parent_url()),
    )
}

/// `GET /variants/{id}/{which}.png`: result, parent, mask, diff, leak or overlay.
pub async fn picture(
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<(i32, String)>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let (id, which) = path.into_inner();
    let which =
        Picture::parse(&which).ok_or_else(|| AppError::NotFound("no such picture".into()))?;
    let ws = user.workspace;
    let bytes = state
        .blocking(move |st| pictures::picture(&st.pool, &st.blobs, &st.settings, ws, id, which))
        .await?;
    Ok(image_response(bytes))
}

/// `GET /variants/{id}/download`: the result as an attachment named after the code.
pub async fn download(
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let (id, ws) = (path.into_inner(), user.workspace);
    let (filename, bytes) = state
        .blocking(move |st| variant_pages::download(&st.pool, &st.blobs, &st.settings, ws, id))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("image/png")
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{filename}\"")))
        .body(bytes))
}
