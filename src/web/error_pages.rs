//! Turns error responses of browser pages into rendered HTML pages. `/api/` keeps its JSON.

use actix_web::body::BoxBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{CONTENT_TYPE, HeaderValue};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::web;

use crate::error::ErrorMessage;
use crate::state::AppState;

/// The middleware: renders 4xx and 5xx pages with `errors/error.html`.
pub fn middleware() -> ErrorHandlers<BoxBody> {
    ErrorHandlers::new().default_handler(handle)
}

fn handle(res: ServiceResponse<BoxBody>) -> actix_web::Result<ErrorHandlerResponse<BoxBody>> {
    let status = res.status();
    let is_api = res.request().path().starts_with("/api/");
    // A handler that already rendered HTML (e.g. the login form with a 401) keeps its page.
    let is_html = res
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html"));
    if is_api || is_html || !(status.is_client_error() || status.is_server_error()) {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let message = res
        .response()
        .extensions()
        .get::<ErrorMessage>()
        .map(|m| m.0.clone())
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("Error").to_string());
    let Some(state) = res.request().app_data::<web::Data<AppState>>().cloned() else {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    };
    let mut ctx = tera::Context::new();
    // base.html expects these page-context values; error pages have no session to draw on.
    ctx.insert("app_version", env!("CARGO_PKG_VERSION"));
    ctx.insert("flashes", &Vec::<crate::auth::session::Flash>::new());
    ctx.insert("request_path", res.request().path());
    ctx.insert("csrf_token", "");
    ctx.insert("status", &status.as_u16());
    ctx.insert("reason", status.canonical_reason().unwrap_or("Error"));
    // 5xx details stay in the log; the page says only that something went wrong.
    ctx.insert(
        "message",
        if status.is_server_error() { "Something went wrong on our side." } else { &message },
    );
    let Ok(body) = state.templates.render("errors/error.html", &ctx) else {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    };
    let (req, mut res) = res.into_parts();
    res.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    let res = ServiceResponse::new(req, res.set_body(body)).map_into_boxed_body();
    Ok(ErrorHandlerResponse::Response(res.map_into_right_body()))
}
