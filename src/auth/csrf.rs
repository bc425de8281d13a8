//! CSRF protection for every state-changing browser request.
//!
//! The token lives in the (encrypted) session and must come back with the request, from one of:
//! the `X-CSRF-Token` header (scripts), the `csrf_token` field of a urlencoded form, or the
//! `csrf_token` query parameter (multipart upload forms, whose bodies are too large to buffer
//! here). `/api/` routes are exempt because they authenticate with bearer tokens, never cookies.

use actix_session::SessionExt;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::web::Bytes;

use super::session::stored_csrf_token;
use super::tokens::secrets_equal;
use crate::error::AppError;

/// Name of the form field and query parameter.
pub const FIELD: &str = "csrf_token";
/// Name of the header.
pub const HEADER: &str = "x-csrf-token";

/// The middleware function; wrap it inside the session middleware.
pub async fn verify(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || req.path().starts_with("/api/") {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let expected = stored_csrf_token(&req.get_session());
    let mut supplied = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| field_from_urlencoded(req.query_string()));
    let is_form = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if supplied.is_none() && is_form {
        let body = req.extract::<Bytes>().await?;
        supplied = std::str::from_utf8(&body).ok().and_then(field_from_urlencoded);
        req.set_payload(Payload::from(body));
    }
    match (expected, supplied) {
        (Some(expected), Some(supplied)) if secrets_equal(&expected, &supplied) => {
            Ok(next.call(req).await?.map_into_boxed_body())
        }
        // Answered here as a response (not an Err) so the error-page middleware renders it.
        _ => {
            let err = AppError::Forbidden("missing or invalid CSRF token; reload the page".into());
            Ok(req.error_response(err))
        }
    }
}

fn field_from_urlencoded(encoded: &str) -> Option<String> {
    url::form_urlencoded::parse(encoded.as_bytes())
        .find(|(k, _)| k == FIELD)
        .map(|(_, v)| v.into_owned())
}
