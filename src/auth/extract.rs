//! Request extractors that authenticate: [`CurrentUser`] for pages, [`ApiUser`] for `/api/v1`.
//! Both run the one [`AuthCheck`] (modelled on crates.io's), which differs only in which
//! credentials it accepts and how it says no.

use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::http::Method;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use super::{Permission, Role};
use crate::db::workspaces::WorkspaceId;
use crate::error::AppError;
use crate::services::accounts::{self, Authenticated, Credential, Via};
use crate::state::AppState;

/// The logged-in user of a request. On pages an unauthenticated request redirects to `/login`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CurrentUser {
    pub id: i32,
    pub email: String,
    pub role: Role,
    /// The workspace every lookup of this request is scoped to.
    #[serde(skip)]
    pub workspace: WorkspaceId,
    /// The server-side session of a browser login (none for API tokens).
    #[serde(skip)]
    pub session_id: Option<i32>,
}

/// The user behind an `/api/v1` bearer token. Missing, unknown, revoked or expired tokens and
/// disabled users get 401; a read-only token gets 403 on any method other than GET, HEAD and
/// OPTIONS.
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

impl Deref for ApiUser {
    type Target = CurrentUser;
    fn deref(&self) -> &CurrentUser {
        &self.0
    }
}

/// Which credential a route accepts, and how it says no.
#[derive(Debug, Clone, Copy)]
enum AuthCheck {
    /// Pages: the session cookie; a stranger is sent to the login form.
    Page,
    /// `/api/v1`: a bearer token only, answering 401. The API is exempt from CSRF tokens
    /// because a token cannot ride along cross-site; a cookie can, so it is never accepted here.
    Api,
}

impl AuthCheck {
    fn credential(self, req: &HttpRequest, session: &Session) -> Option<Credential> {
        match self {
            AuthCheck::Page => super::session::login_token(session).map(Credential::Session),
            AuthCheck::Api => req
                .headers()
                .get(AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(|t| Credential::Token(t.trim().to_string())),
        }
    }

    /// Authenticates `req`; the error is a redirect to the login form or a 401, as configured.
    fn run(
        self,
        req: &HttpRequest,
    ) -> Pin<Box<dyn Future<Output = Result<CurrentUser, AppError>>>> {
        let session = req.get_session();
        let credential = self.credential(req, &session);
        let changes_state = changes_state(req.method());
        let next = match req.query_string() {
            "" => req.path().to_string(),
            q => format!("{}?{q}", req.path()),
        };
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let denied = || match self {
                AuthCheck::Page => AppError::LoginRequired { next: next.clone() },
                AuthCheck::Api => AppError::Unauthorized,
            };
            let state = state.ok_or_else(|| AppError::internal("application state missing"))?;
            let credential = credential.ok_or_else(denied)?;
            let presented = credential.clone();
            let found = state
                .db(move |c| Ok(accounts::authenticate(c, &presented, crate::db::now())?))
                .await?;
            let Some(found) = found else {
                if matches!(credential, Credential::Session(_)) {
                    // A cookie whose session is gone is dead weight; drop it.
                    super::session::end(&session);
                }
                return Err(denied());
            };
            if found.via == (Via::Token { read_only: true }) && changes_state {
                return Err(AppError::Forbidden(
                    "this API token is read-only; use a read-write token to change anything".into(),
                ));
            }
            to_current(found)
        })
    }
}

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn to_current(found: Authenticated) -> Result<CurrentUser, AppError> {
    let user = found.user;
    let role = user.role.parse::<Role>().map_err(AppError::internal)?;
    Ok(CurrentUser {
        id: user.id,
        email: user.email,
        role,
        workspace: WorkspaceId(user.workspace_id),
        session_id: match found.via {
            Via::Session(id) => Some(id),
            Via::Token { .. } => None,
        },
    })
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        AuthCheck::Page.run(req)
    }
}

impl FromRequest for ApiUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let check = AuthCheck::Api.run(req);
        Box::pin(async move { check.await.map(ApiUser) })
    }
}
