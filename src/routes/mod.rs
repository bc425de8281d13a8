//! The site map: every route of liftmask, in one place.

mod account;
mod ad_mappings;
mod api;
mod experiments;
mod formats;
mod grids;
mod health;
mod home;
mod imports;
mod jobs;
mod masters;
mod reports;
mod reviews;
mod sessions;
mod users;
mod variables;
mod variants;

use actix_web::web;

use crate::error::AppError;

/// Registers every route: the pages here, the JSON API as the `/api/v1` scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1").configure(api::configure).default_service(web::to(not_found)),
    );
    cfg.route("/healthz", web::get().to(health::check))
        .route("/static/{path:.*}", web::get().to(crate::web::assets::serve))
        .route("/login", web::get().to(sessions::new))
        .route("/login", web::post().to(sessions::create))
        .route("/logout", web::post().to(sessions::destroy))
        .route("/", web::get().to(home::index))
        .route("/admin/users", web::get().to(users::index))
        .route("/admin/users", web::post().to(users::create))
        .route("/admin/users/{id}/role", web::post().to(users::update_role))
        .route("/admin/users/{id}/disable", web::post().to(users::disable))
        .route("/admin/users/{id}/enable", web::post().to(users::enable))
        .route("/admin/users/{id}/password", web::post().to(users::reset_password))
        .route("/account", web::get().to(account::show))
        .route("/account/password", web::post().to(account::change_password))
        .route("/account/sessions/end-all", web::post().to(account::end_all_sessions))
        .route("/account/tokens", web::post().to(account::create_token))
        .route("/account/tokens/{id}/revoke", web::post().to(account::revoke_token))
        .route("/imports", web::get().to(imports::index))
        .route("/imports/new", web::get().to(imports::new))
        .route("/imports/preview", web::post().to(imports::preview))
        .route("/imports/reparse", web::post().to(imports::reparse))
        .route("/imports/confirm", web::post().to(imports::confirm))
        .route("/imports/jobs/{key}", web::get().to(imports::progress))
        .route("/imports/jobs/{key}/status", web::get().to(imports::progress_json))
        .route("/ad-mappings/unmapped", web::get().to(ad_mappings::unmapped))
        .route("/ad-mappings", web::post().to(ad_mappings::create))
        .route("/experiments", web::get().to(experiments::index))
        .route("/experiments", web::post().to(experiments::create))
        .route("/experiments/new", web::get().to(experiments::new))
        .route("/experiments/{id}", web::get().to(experiments::show))
        .route("/experiments/{id}/results.csv", web::get().to(reports::results))
        .route("/experiments/{id}/daily.csv", web::get().to(reports::daily))
        .route("/experiments/{id}/by_format.csv", web::get().to(reports::by_format))
        .route("/variables", web::get().to(variables::index))
        .route("/variables.csv", web::get().to(reports::variables))
        .route("/masters", web::get().to(masters::index))
        .route("/masters", web::post().to(masters::create))
        .route("/masters/{id}", web::get().to(masters::show))
        // Before `{which}`, which would take `priming` for a picture's name.
        .route("/masters/{id}/priming", web::get().to(formats::master_priming))
        .route("/masters/{id}/{which}", web::get().to(masters::picture))
        .route("/variants/new", web::get().to(variants::new))
        .route("/variants", web::post().to(variants::create))
        .route("/variants/selection", web::post().to(variants::selection))
        .route("/variants/{id}", web::get().to(variants::show))
        .route("/variants/{id}/download", web::get().to(variants::download))
        .route("/variants/{id}/{which}.png", web::get().to(variants::picture))
        .route("/variants/{id}/submit", web::post().to(reviews::submit))
        .route("/variants/{id}/review", web::post().to(reviews::decide))
        .route("/variants/{id}/formats", web::post().to(formats::for_variant))
        .route("/variants/{id}/priming-pack", web::get().to(formats::priming_pack))
        .route("/masters/{id}/formats", web::post().to(formats::for_master))
        .route("/reviews", web::get().to(reviews::index))
        .route("/jobs/{id}.json", web::get().to(jobs::show))
        .route("/grids", web::get().to(grids::index))
        .route("/grids", web::post().to(grids::create))
        .route("/grids/{id}", web::get().to(grids::show))
        .route("/grids/{id}/submit", web::post().to(grids::submit))
        .route("/grids/{id}/review", web::post().to(grids::review))
        .route("/grids/{id}/export.zip", web::get().to(grids::export))
        .default_service(web::to(not_found));
}

async fn not_found(req: actix_web::HttpRequest) -> Result<actix_web::HttpResponse, AppError> {
    Err(AppError::NotFound(format!("no page at {}", req.path())))
}
