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

use actix_web::web;

/// Registers the API's routes, relative to the `/api/v1` scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/me", web::get().to(me::show))
        .route("/imports", web::get().to(imports::index))
        .route("/ad-mappings", web::get().to(imports::mappings))
        .route("/ad-mappings", web::post().to(imports::create))
        .route("/ad-mappings/unmapped", web::get().to(imports::unmapped))
        .route("/experiments", web::get().to(experiments::index))
        .route("/experiments", web::post().to(experiments::create))
        .route("/experiments/{id}", web::get().to(experiments::show))
        .route("/experiments/{id}/results.csv", web::get().to(reports::results))
        .route("/experiments/{id}/daily.csv", web::get().to(reports::daily))
        .route("/experiments/{id}/by_format.csv", web::get().to(reports::by_format))
        .route("/variables", web::get().to(variables::index))
        .route("/variables.csv", web::get().to(reports::variables))
        .route("/masters", web::post().to(masters::create))
        .route("/masters/{id}/tree", web::get().to(masters::tree))
        .route("/variants", web::post().to(variants::create))
        .route("/variants/selection", web::post().to(variants::selection))
        .route("/variants/{id}", web::get().to(variants::show))
        .route("/variants/{id}/image", web::get().to(variants::image))
        .route("/variants/{id}/review", web::post().to(variants::review))
        .route("/variants/{id}/submit", web::post().to(variants::submit))
        .route("/variants/{id}/formats", web::post().to(formats::for_variant))
        .route("/masters/{id}/formats", web::post().to(formats::for_master))
        .route("/variants/{id}/priming", web::get().to(formats::variant_priming))
        .route("/variants/{id}/priming/pack", web::get().to(formats::priming_pack))
        .route("/masters/{id}/priming", web::get().to(formats::master_priming))
        .route("/jobs/{id}", web::get().to(jobs::show))
        .route("/grids", web::post().to(grids::create))
        .route("/grids/{id}", web::get().to(grids::show))
        .route("/grids/{id}/submit", web::post().to(grids::submit))
        .route("/grids/{id}/review", web::post().to(grids::review))
        .route("/grids/{id}/export.zip", web::get().to(grids::export));
}

/// A JSON body taken as `Result`, so that the handler checks the caller's permission *before* it
/// answers for the body: a caller without the right gets 403 whatever it sent, never a 400 that
/// would reveal the route's input rules.
pub type JsonBody<T> = Result<actix_web::web::Json<T>, actix_web::Error>;

/// The body of a [`JsonBody`], or 400 with the parser's reason.
pub fn json_body<T>(body: JsonBody<T>) -> Result<T, crate::error::AppError> {
    body.map(actix_web::web::Json::into_inner)
        .map_err(|e| crate::error::AppError::BadRequest(format!("invalid JSON body: {e}")))
}
