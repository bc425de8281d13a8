//! HTML plumbing shared by every page: templates, the page context, error pages, static files.

pub mod assets;
pub mod error_pages;
pub mod multipart;
pub mod render;
pub mod security_headers;
pub mod span;

pub use render::{Page, redirect, render};

/// A form or query taken as `Result`, so that the handler checks the caller's permission *before*
/// it answers for the input: a caller without the right gets 403 whatever it sent.
pub type Input<T> = Result<T, actix_web::Error>;

/// The value of an [`Input`], or 400 with the parser's reason.
pub fn input<T>(input: Input<T>) -> Result<T, crate::error::AppError> {
    input.map_err(|e| crate::error::AppError::BadRequest(format!("invalid input: {e}")))
}
