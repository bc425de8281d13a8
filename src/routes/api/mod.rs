//! The JSON API under `/api/v1`, authenticated with bearer tokens.

pub mod experiments;
pub mod formats;
pub mod grids;
pub mod imports;
pub mod jobs;
pub mod masters;
pub mod me;
pub mod reports;
pub mod variables;
pub mod variants;

/// A JSON body taken as `Result`, so that the handler checks the caller's permission *before* it
/// answers for the body: a caller without the right gets 403 whatever it sent, never a 400 that
/// would reveal the route's input rules.
pub type JsonBody<T> = Result<actix_web::web::Json<T>, actix_web::Error>;

/// The body of a [`JsonBody`], or 400 with the parser's reason.
pub fn json_body<T>(body: JsonBody<T>) -> Result<T, crate::error::AppError> {
    body.map(actix_web::web::Json::into_inner)
        .map_err(|e| crate::error::AppError::BadRequest(format!("invalid JSON body: {e}")))
}
