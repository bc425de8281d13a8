//! Login and logout.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::auth::{CurrentUser, session};
use crate::error::AppError;
use crate::services::accounts::{self, AccountError};
use crate::startup::AppState;
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

/// Only local paths are followed after login, so `next` cannot send users to another site.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

/// `GET /login`.
pub async fn new(req: HttpRequest, query: web::Query<NextQuery>) -> Result<HttpResponse, AppError> {
    let page = Page::new("sessions/new.html")
        .with("next", &safe_next(query.next.as_deref()))
        .with("email", &"");
    render(&req, None, page)
}

/// `POST /login`: checks the password (off the actix worker) and starts a session.
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let next = safe_next(form.next.as_deref());
    let addr = req.peer_addr().map(|a| a.ip()).unwrap_or(std::net::Ipv4Addr::LOCALHOST.into());
    if !state.login_limiter.try_attempt(addr) {
        return Err(AppError::TooManyRequests);
    }
    let pool = state.pool.clone();
    let email = form.email.clone();
    let outcome = web::block(move || accounts::authenticate(&pool, &email, &form.password)).await?;
    match outcome {
        Ok(user) => {
            session::begin(&session, user.id)?;
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

/// `POST /logout`.
pub async fn destroy(_user: CurrentUser, session: Session) -> HttpResponse {
    session::end(&session);
    redirect("/login")
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/masters/3")), "/masters/3");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
