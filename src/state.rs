//! The state every handler and the engine workers share, and the one way handlers reach the database.
//! It lives apart from `startup` so that the extractors and renderers that need it do not import the
//! module that wires the routes (which imports them).

use std::sync::Arc;

use actix_web::web;

use crate::auth::rate_limit::LoginLimiter;
use crate::blobs::BlobStore;
use crate::config::Settings;
use crate::db::{DbConn, DbPool};
use crate::error::AppError;

/// Shared state every handler can reach through `web::Data<AppState>`.
pub struct AppState {
    pub settings: Arc<Settings>,
    pub pool: DbPool,
    pub blobs: Arc<dyn BlobStore>,
    pub templates: tera::Tera,
    pub login_limiter: LoginLimiter,
    /// The engine worker processes (`settings.workers`); they stop when the state is dropped.
    pub supervisor: crate::jobs::Supervisor,
}

impl AppState {
    /// Runs `f` on a pooled connection on actix's blocking pool (diesel is synchronous, and a query
    /// must not stall the async workers), with every error already an [`AppError`].
    pub async fn db<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn<'_>) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || pool.run(f)).await?
    }
}
