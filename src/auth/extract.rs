//! Request extractors that authenticate: [`CurrentUser`] for pages, [`ApiUser`] for `/api/v1`.

use std::future::Future;
use std::pin::Pin;

use actix_session::SessionExt;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use super::{Permission, Role};
use crate::db::{api_tokens, users};
use crate::error::AppError;
use crate::startup::AppState;

/// The logged-in user of a page request. Unauthenticated requests redirect to `/login`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CurrentUser {
    /// User id.
    pub id: i32,
    /// E-mail.
    pub email: String,
    /// Role.
    pub role: Role,
}

/// The user behind a bearer token. Missing or bad tokens get 401.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ApiUser(pub CurrentUser);

impl CurrentUser {
    /// Fails with 403 unless the role allows `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), AppError> {
        if self.role.allows(permission) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "your role ({}) does not allow this; ask an admin",
                self.role
            )))
        }
    }

    /// Whether the role allows `permission` (for showing or hiding buttons).
    pub fn can(&self, permission: Permission) -> bool {
        self.role.allows(permission)
    }
}

impl ApiUser {
    /// Fails with 403 unless the role allows `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), AppError> {
        self.0.require(permission)
    }
}

fn to_current(user: users::User) -> Result<CurrentUser, AppError> {
    let role = user.role.parse::<Role>().map_err(AppError::internal)?;
    Ok(CurrentUser { id: user.id, email: user.email, role })
}

fn state(req: &HttpRequest) -> Result<web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::internal("application state missing"))
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let session = req.get_session();
        let next = match req.query_string() {
            "" => req.path().to_string(),
            q => format!("{}?{q}", req.path()),
        };
        let state = state(req);
        Box::pin(async move {
            let state = state?;
            let login_required = || AppError::LoginRequired { next: next.clone() };
            let uid = super::session::user_id(&session, state.settings.session_ttl_secs)
                .ok_or_else(login_required)?;
            let pool = state.pool.clone();
            let user =
                web::block(move || pool.run(|c| users::find(c, uid).map_err(AppError::from)))
                    .await?;
            match user {
                Ok(user) if !user.disabled => to_current(user),
                Ok(_) | Err(AppError::NotFound(_)) => {
                    super::session::end(&session);
                    Err(login_required())
                }
                Err(other) => Err(other),
            }
        })
    }
}

impl FromRequest for ApiUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = req
            .headers()
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_string());
        let state = state(req);
        Box::pin(async move {
            let state = state?;
            let token = token.ok_or(AppError::Unauthorized)?;
            let hash = super::tokens::token_hash(&token);
            let pool = state.pool.clone();
            let user = web::block(move || {
                pool.run(|c| -> Result<Option<users::User>, AppError> {
                    let Some(row) = api_tokens::find_by_hash(c, &hash)? else {
                        return Ok(None);
                    };
                    api_tokens::touch(c, row.id, crate::db::now())?;
                    Ok(Some(users::find(c, row.user_id)?))
                })
            })
            .await??;
            match user {
                Some(user) if !user.disabled => Ok(ApiUser(to_current(user)?)),
                _ => Err(AppError::Unauthorized),
            }
        })
    }
}
