//! Static assets (CSS, JS, icons), embedded at build time and served with a content type.

use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpResponse, web};

use crate::error::AppError;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/static_files.rs"));
}

/// `GET /static/{path}`: looks the path up in the embedded table (never on disk).
pub async fn serve(path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let path = path.into_inner();
    let (_, bytes) = embedded::STATIC_FILES
        .iter()
        .find(|(name, _)| *name == path)
        .ok_or_else(|| AppError::NotFound(format!("no asset {path}")))?;
    let content_type = match path.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        _ => "application/octet-stream",
    };
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, content_type))
        .insert_header((CACHE_CONTROL, "public, max-age=3600"))
        .body(*bytes))
}
