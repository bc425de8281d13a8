//! Login and logout.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::http::header::USER_AGENT;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::auth::client_ip::client_ip;
use crate::auth::next_path::safe_next;
use crate::auth::rate_limit::Throttled;
use crate::auth::{CurrentUser, session};
use crate::error::AppError;
use crate::services::accounts::{self, AccountError, LoginAttempt};
use crate::state::AppState;
use crate::web::{Page, redirect, render};

/// Query of the login page.
#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// The login form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

/// `GET /login`.
pub async fn new(req: HttpRequest, query: web::Query<NextQuery>) -> Result<HttpResponse, AppError> {
    let page = Page::new("sessions/new.html")
        .with("next", &safe_next(query.next.as_deref()))
        .with("email", &"");
    render(&req, None, page)
}

/// `POST /login`: throttles by address and account, checks the password off the actix worker
/// and opens a server-side session.
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let next = safe_next(form.next.as_deref());
    let forwarded: Vec<&str> =
        req.headers().get_all("x-forwarded-for").filter_map(|v| v.to_str().ok()).collect();
    let address =
        client_ip(req.peer_addr().map(|a| a.ip()), &forwarded, &state.settings.trusted_proxies);
    let account = form.email.trim().to_lowercase();
    if let Err(which) = state.login_limiter.check(address, &account) {
        let key = match which {
            Throttled::Address => "address",
            Throttled::Account => "account",
        };
        tracing::warn!(%address, key, "login throttled");
        return Err(AppError::TooManyRequests);
    }
    let user_agent =
        req.headers().get(USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let ttl = state.settings.session_ttl_secs;
    let email = form.email.clone();
    let outcome = state
        .blocking(move |st| {
            let attempt = LoginAttempt {
                email: &email,
                password: &form.password,
                address,
                user_agent: &user_agent,
            };
            Ok::<_, AppError>(accounts::login(&st.pool, &attempt, ttl))
        })
        .await?;
    match outcome {
        Ok(ok) => {
            session::begin(&session, &ok.token)?;
            Ok(redirect(&next))
        }
        Err(AccountError::InvalidCredentials) => {
            let page = Page::new("sessions/new.html")
                .with("next", &next)
                .with("email", &form.email)
                .with("error", "Invalid e-mail or password.")
                .status(StatusCode::UNAUTHORIZED);
            render(&req, None, page)
        }
        Err(other) => Err(other.into()),
    }
}

/// `POST /logout`: deletes this session's record, so no copy of the cookie opens a page again.
pub async fn destroy(
    user: CurrentUser,
    state: web::Data<AppState>,
    session: Session,
) -> Result<HttpResponse, AppError> {
    if let Some(token) = session::login_token(&session) {
        state.db(move |c| accounts::logout(c, user.id, &token).map_err(AppError::from)).await?;
    }
    session::end(&session);
    Ok(redirect("/login"))
}
