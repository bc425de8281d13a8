//! CSRF protection for every state-changing browser request.
//!
//! The token lives in the (encrypted) session and must come back with the request, from one of:
//! the `X-CSRF-Token` header (scripts), the `csrf_token` field of a urlencoded form, or the
//! **first** field of a multipart form. Never the URL: query strings end up in history, proxy logs
//! and `Referer` headers.
//!
//! The check runs before the body is read: a urlencoded body is buffered only up to
//! [`FORM_BODY_LIMIT`], and of a multipart body only the first part is read (at most
//! [`MULTIPART_PREFIX_LIMIT`] bytes), then handed on untouched. So a forged 32 MB upload costs the
//! server a few kilobytes. `/api/` routes are exempt because they authenticate with bearer
//! tokens, never cookies.

use actix_session::SessionExt;
use actix_web::HttpMessage;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::Method;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use futures_util::StreamExt;

use super::session::stored_csrf_token;
use super::tokens::secrets_equal;
use crate::error::AppError;

/// Name of the form field.
pub const FIELD: &str = "csrf_token";
/// Name of the header.
pub const HEADER: &str = "x-csrf-token";
/// Largest urlencoded body any form of the app sends (the experiment form with many arms is the
/// biggest, a few kilobytes); also the limit of actix's `Form` extractor.
pub const FORM_BODY_LIMIT: usize = 256 * 1024;
/// How much of a multipart body is read to find its first field.
const MULTIPART_PREFIX_LIMIT: usize = 16 * 1024;

/// The middleware function; wrap it inside the session middleware.
pub async fn verify(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || req.path().starts_with("/api/") {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let supplied = match supplied_token(&mut req).await {
        Ok(token) => token,
        Err(err) => return Ok(req.error_response(err)),
    };
    let expected = stored_csrf_token(&req.get_session());
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

/// The token the request carries, reading (and putting back) as little of the body as needed.
async fn supplied_token(req: &mut ServiceRequest) -> Result<Option<String>, AppError> {
    if let Some(token) = req.headers().get(HEADER).and_then(|v| v.to_str().ok()) {
        return Ok(Some(token.to_string()));
    }
    let content_type =
        req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let body = read_at_most(req.take_payload(), FORM_BODY_LIMIT).await?;
        let token = std::str::from_utf8(&body).ok().and_then(field_from_urlencoded);
        req.set_payload(Payload::from(body));
        return Ok(token);
    }
    if content_type.starts_with("multipart/form-data") {
        let Some(boundary) = boundary(&content_type) else {
            return Err(AppError::BadRequest("multipart body without a boundary".into()));
        };
        let mut payload = req.take_payload();
        let mut prefix = BytesMut::new();
        let mut token = None;
        while prefix.len() < MULTIPART_PREFIX_LIMIT {
            match payload.next().await {
                Some(chunk) => prefix.extend_from_slice(&chunk.map_err(bad_body)?),
                None => break,
            }
            if let FirstField::Found(value) = first_field(&prefix, &boundary) {
                token = value;
                break;
            }
        }
        let prefix = prefix.freeze();
        let rest =
            futures_util::stream::once(async move { Ok::<_, PayloadError>(prefix) }).chain(payload);
        req.set_payload(Payload::Stream { payload: Box::pin(rest) });
        return Ok(token);
    }
    Ok(None)
}

async fn read_at_most(mut payload: Payload, limit: usize) -> Result<Bytes, AppError> {
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(bad_body)?;
        if body.len() + chunk.len() > limit {
            return Err(AppError::PayloadTooLarge(format!(
                "a form may send at most {} KiB",
                limit / 1024
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

fn bad_body(e: PayloadError) -> AppError {
    AppError::BadRequest(format!("could not read the request body: {e}"))
}

fn field_from_urlencoded(encoded: &str) -> Option<String> {
    url::form_urlencoded::parse(encoded.as_bytes())
        .find(|(k, _)| k == FIELD)
        .map(|(_, v)| v.into_owned())
}

fn boundary(content_type: &str) -> Option<String> {
    content_type.split(';').map(str::trim).find_map(|param| {
        let value = param.strip_prefix("boundary=")?;
        Some(value.trim_matches('"').to_string()).filter(|b| !b.is_empty())
    })
}

/// What the start of a multipart body says about its first field.
#[derive(Debug, PartialEq)]
enum FirstField {
    /// More bytes are needed.
    Incomplete,
    /// The first part is complete: its value when it is the CSRF field, else `None`.
    Found(Option<String>),
}

/// Parses the first part of a multipart body (RFC 7578): `--boundary CRLF headers CRLF CRLF value
/// CRLF --boundary`. Only a part named [`FIELD`] counts, so forms put the hidden field first.
fn first_field(body: &[u8], boundary: &str) -> FirstField {
    let delimiter = format!("--{boundary}");
    let Some(start) = find(body, delimiter.as_bytes()) else {
        return FirstField::Incomplete;
    };
    let after_delimiter = &body[start + delimiter.len()..];
    let Some(headers_end) = find(after_delimiter, b"\r\n\r\n") else {
        return FirstField::Incomplete;
    };
    let headers = String::from_utf8_lossy(&after_delimiter[..headers_end]).to_ascii_lowercase();
    let value = &after_delimiter[headers_end + 4..];
    let closing = format!("\r\n{delimiter}");
    let Some(value_end) = find(value, closing.as_bytes()) else {
        return FirstField::Incomplete;
    };
    let is_csrf = headers.lines().any(|line| {
        line.starts_with("content-disposition:")
            && line.split(';').any(|p| p.trim() == format!("name=\"{FIELD}\""))
    });
    let token = is_csrf.then(|| String::from_utf8_lossy(&value[..value_end]).into_owned());
    FirstField::Found(token)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] =
        b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nabc123\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n\r\nPNG...";

    #[test]
    fn reads_the_token_from_the_first_part() {
        assert_eq!(first_field(BODY, "XyZ"), FirstField::Found(Some("abc123".into())));
    }

    #[test]
    fn needs_the_whole_first_part() {
        assert_eq!(first_field(&BODY[..40], "XyZ"), FirstField::Incomplete);
        assert_eq!(first_field(&BODY[..70], "XyZ"), FirstField::Incomplete);
    }

    #[test]
    fn a_token_that_is_not_first_does_not_count() {
        let body = b"--b\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nx\r\n--b\r\n\
Content-Disposition: form-data; name=\"csrf_token\"\r\n\r\nabc\r\n--b--";
        assert_eq!(first_field(body, "b"), FirstField::Found(None));
    }

    #[test]
    fn a_field_merely_containing_the_name_does_not_count() {
        let body =
            b"--b\r\nContent-Disposition: form-data; name=\"csrf_token_x\"\r\n\r\nabc\r\n--b--";
        assert_eq!(first_field(body, "b"), FirstField::Found(None));
    }

    #[test]
    fn finds_the_boundary_parameter() {
        assert_eq!(boundary("multipart/form-data; boundary=abc").as_deref(), Some("abc"));
        assert_eq!(boundary("multipart/form-data; boundary=\"q q\"").as_deref(), Some("q q"));
        assert_eq!(boundary("multipart/form-data"), None);
    }
}
