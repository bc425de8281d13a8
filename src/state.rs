//! The state every handler and the engine workers share, and the one way handlers reach the database.
//! It lives apart from `startup` so that the extractors and renderers that need it do not import the
//! module that wires the routes (which imports them).

use std::ops::Deref;
use std::sync::Arc;

use actix_web::web;

use crate::auth::rate_limit::LoginLimiter;
use crate::blobs::BlobStore;
use crate::config::Settings;
use crate::db::{DbConn, DbPool};
use crate::error::AppError;

/// What a service needs beyond one connection: the pool, the blobs and the settings. Cheap to
/// clone (three handles), so blocking work can take its own copy off the async runtime; the
/// engine workers run on the same type.
#[derive(Clone)]
pub struct Context {
    pub pool: DbPool,
    pub blobs: Arc<dyn BlobStore>,
    pub settings: Arc<Settings>,
}

/// Shared state every handler can reach through `web::Data<AppState>`; `state.pool`,
/// `state.blobs` and `state.settings` read through to its [`Context`].
pub struct AppState {
    pub ctx: Context,
    pub templates: tera::Tera,
    pub login_limiter: LoginLimiter,
    /// The engine worker processes (`settings.workers`); they stop when the state is dropped.
    pub supervisor: crate::jobs::Supervisor,
}

impl Deref for AppState {
    type Target = Context;
    fn deref(&self) -> &Context {
        &self.ctx
    }
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

    /// [`Self::db`] for services that take the blobs or the settings beside the connection.
    pub async fn db_with<T, E, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn<'_>, &Context) -> Result<T, E> + Send + 'static,
        E: Into<AppError>,
        T: Send + 'static,
    {
        self.blocking(move |ctx| ctx.pool.run(|c| f(c, ctx).map_err(Into::into))).await
    }

    /// Runs `f` on the blocking pool with the whole [`Context`], for services that read blobs or
    /// open their own connections (pictures, renders, exports); their errors map to [`AppError`].
    pub async fn blocking<T, E, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&Context) -> Result<T, E> + Send + 'static,
        E: Into<AppError>,
        T: Send + 'static,
    {
        let ctx = self.ctx.clone();
        web::block(move || f(&ctx).map_err(Into::into)).await?
    }
}
