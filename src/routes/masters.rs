//! Masters: the list with the upload form, the master page with its lineage tree, and its images.

use actix_multipart::Multipart;
use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::auth::{CurrentUser, Permission, session};
use crate::error::AppError;
use crate::services::masters::{self as svc, MasterInput};
use crate::state::AppState;
use crate::web::multipart::{Fields, read_fields};
use crate::web::{Page, redirect, render};

/// Builds the service input from an upload form.
pub fn master_input(mut f: Fields) -> Result<MasterInput, AppError> {
    let image = f
        .file("image")
        .ok_or_else(|| AppError::Unprocessable("choose an image (PNG, JPEG or WebP)".into()))?;
    Ok(MasterInput {
        name: f.text("name"),
        source_model: f.text("source_model"),
        source_prompt: f.text("source_prompt"),
        image,
    })
}

/// `GET /masters`.
pub async fn index(
    req: HttpRequest,
    user: CurrentUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let ws = user.workspace;
    let all = state.db(move |c| svc::list(c, ws).map_err(AppError::from)).await?;
    render(&req, Some(&user), Page::new("masters/index.html").with("masters", &all))
}

/// `POST /masters` (multipart; the CSRF token is its first field).
pub async fn create(
    user: CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::EditCreative)?;
    let input = master_input(read_fields(payload, state.settings.max_upload_bytes).await?)?;
    let (uid, ws) = (user.id, user.workspace);
    let master = state
        .db_with(move |c, st| svc::create(c, &st.blobs, &st.settings, &input, ws, Some(uid)))
        .await?;
    session::flash(&session, "success", format!("Uploaded {}.", master.name));
    Ok(redirect(&format!("/masters/{}", master.id)))
}

/// `GET /masters/{id}`: the lineage tree.
pub async fn show(
    req: HttpRequest,
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let (id, ws) = (path.into_inner(), user.workspace);
    let lineage = state.db(move |c| svc::lineage(c, ws, id).map_err(AppError::from)).await?;
    render(&req, Some(&user), Page::new("masters/show.html").with("lineage", &lineage))
}

/// `GET /masters/{id}/{which}` with `which` = `image` or `thumb`: the stored blob.
pub async fn picture(
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<(i32, String)>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let (id, which) = path.into_inner();
    let ws = user.workspace;
    let bytes = state.blocking(move |st| svc::picture(&st.pool, &st.blobs, ws, id, &which)).await?;
    Ok(image_response(bytes))
}

/// An image response with its sniffed content type, cacheable (blobs never change).
pub fn image_response(bytes: Vec<u8>) -> HttpResponse {
    let mime = match image::guess_format(&bytes) {
        Ok(image::ImageFormat::Jpeg) => "image/jpeg",
        Ok(image::ImageFormat::WebP) => "image/webp",
        _ => "image/png",
    };
    HttpResponse::Ok()
        .content_type(mime)
        .insert_header(("Cache-Control", "private, max-age=3600"))
        .body(bytes)
}
