//! Response headers that make the browser refuse what the app never does: run inline or foreign
//! scripts, be framed, sniff a content type, or leak the URL to other sites.

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::DefaultHeaders;

/// Scripts and styles come from `/static` only. Images may also be `data:`/`blob:` URLs because
/// the mask editor previews its canvas that way. `form-action 'self'` stops a form injected into
/// a page from posting elsewhere.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// HSTS is only sent when cookies are marked secure, i.e. the site is served over HTTPS: sent
/// over plain HTTP it would be ignored, and on localhost it would break other development ports.
const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000; includeSubDomains";

/// The middleware adding the headers to every response that does not set them itself.
pub fn middleware(https: bool) -> DefaultHeaders {
    let mut headers = DefaultHeaders::new()
        .add(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "same-origin"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"));
    if https {
        headers = headers.add((
            HeaderName::from_static("strict-transport-security"),
            HeaderValue::from_static(STRICT_TRANSPORT_SECURITY),
        ));
    }
    headers
}
