//! Request extractors that authenticate: [`CurrentUser`] for pages, [`ApiUser`] for `/api/v1`.

use std::future::Future;
use std::pin::Pin;

use actix_session::SessionExt;
use actix_web::http::Method;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use super::{Permission, Role};
use crate::db::users;
use crate::db::workspaces::WorkspaceId;
use crate::error::AppError;
use crate::services::accounts;
use crate::state::AppState;

/// The logged-in user of a page request. Unauthenticated requests redirect to `/login`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CurrentUser {
    /// User id.
    pub id: i32,
    pub email: String,
    pub role: Role,
    /// The workspace every lookup of this request is scoped to.
    #[serde(skip)]
    pub workspace: WorkspaceId,
    /// The server-side session of a page request (none for API tokens).
    #[serde(skip)]
    pub session_id: Option<i32>,
}

/// The user behind a bearer token. Missing, unknown, revoked or expired tokens and disabled users
/// get 401; a read-only token gets 403 on any method other than GET, HEAD and OPTIONS.
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

fn to_current(user: users::User, session_id: Option<i32>) -> Result<CurrentUser, AppError> {
    let role = user.role.parse::<Role>().map_err(AppError::internal)?;
    Ok(CurrentUser {
        id: user.id,
        email: user.email,
        role,
        workspace: WorkspaceId(user.workspace_id),
        session_id,
    })
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
            let token = super::session::login_token(&session).ok_or_else(login_required)?;
            let pool = state.pool.clone();
            let found = web::block(move || {
                pool.run(|c| accounts::session_user(c, &token, crate::db::now()))
            })
            .await??;
            match found {
                Some((user, session_id)) => to_current(user, Some(session_id)),
                None => {
                    super::session::end(&session);
                    Err(login_required())
                }
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
        let changes_state = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
        Box::pin(async move {
            let state = state?;
            let token = token.ok_or(AppError::Unauthorized)?;
            let pool = state.pool.clone();
            let found =
                web::block(move || pool.run(|c| accounts::token_user(c, &token, crate::db::now())))
                    .await??;
            let Some(found) = found else { return Err(AppError::Unauthorized) };
            if found.read_only && changes_state {
                return Err(AppError::Forbidden(
                    "this API token is read-only; use a read-write token to change anything".into(),
                ));
            }
            Ok(ApiUser(to_current(found.user, None)?))
        })
    }
}
