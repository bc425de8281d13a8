//! The site map: every route of liftmask, in one place.

mod api;
mod health;
mod home;
mod sessions;
mod users;

use actix_web::web;

use crate::error::AppError;

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::check))
        .route("/static/{path:.*}", web::get().to(crate::web::assets::serve))
        .route("/login", web::get().to(sessions::new))
        .route("/login", web::post().to(sessions::create))
        .route("/logout", web::post().to(sessions::destroy))
        .route("/", web::get().to(home::index))
        .route("/admin/users", web::get().to(users::index))
        .route("/admin/users", web::post().to(users::create))
        .route("/admin/users/{id}/role", web::post().to(users::update_role))
        .route("/api/v1/me", web::get().to(api::me::show))
        .default_service(web::to(not_found));
}

async fn not_found(req: actix_web::HttpRequest) -> Result<actix_web::HttpResponse, AppError> {
    Err(AppError::NotFound(format!("no page at {}", req.path())))
}
