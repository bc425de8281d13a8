//! The account page: change one's password, see and end one's sessions, manage one's API tokens.

use actix_session::Session;
use actix_web::http::header::{CACHE_CONTROL, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::auth::{CurrentUser, Permission, session};
use crate::error::AppError;
use crate::services::accounts::{self, TokenSpec};
use crate::state::AppState;
use crate::web::{Page, redirect, render};

/// The password form.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
    confirm_password: String,
}

/// The new-token form.
#[derive(Debug, Deserialize)]
pub struct TokenForm {
    name: String,
    /// Days until expiry; empty for none.
    #[serde(default)]
    expires_days: String,
    /// A checkbox: present when ticked.
    read_only: Option<String>,
}

/// `GET /account`.
pub async fn show(
    req: HttpRequest,
    user: CurrentUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let (id, current) = (user.id, user.session_id);
    let overview =
        state.db(move |c| accounts::overview(c, id, current).map_err(AppError::from)).await?;
    let page = Page::new("account/show.html")
        .with("overview", &overview)
        .with("max_expiry_days", &accounts::MAX_EXPIRY_DAYS);
    render(&req, Some(&user), page)
}

/// `POST /account/password`: needs the current password; ends every other session.
pub async fn change_password(
    user: CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let f = form.into_inner();
    let (id, keep) = (user.id, user.session_id);
    let ended = state
        .blocking(move |st| {
            accounts::change_password(
                &st.pool,
                id,
                &f.current_password,
                &f.new_password,
                &f.confirm_password,
                keep,
            )
        })
        .await?;
    session::flash(
        &session,
        "success",
        format!("Password changed; {ended} other sessions were logged out."),
    );
    Ok(redirect("/account"))
}

/// `POST /account/sessions/end-all`: logs out everywhere, this browser included.
pub async fn end_all_sessions(
    user: CurrentUser,
    state: web::Data<AppState>,
    session: Session,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let id = user.id;
    state.db(move |c| accounts::end_all_sessions(c, id).map_err(AppError::from)).await?;
    session::end(&session);
    Ok(redirect("/login"))
}

/// `POST /account/tokens`: the new token is shown on this answer only.
pub async fn create_token(
    req: HttpRequest,
    user: CurrentUser,
    state: web::Data<AppState>,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let f = form.into_inner();
    let expires_in_days = match f.expires_days.trim() {
        "" => None,
        days => Some(
            days.parse::<u32>()
                .map_err(|_| AppError::BadRequest(format!("`{days}` is not a number of days")))?,
        ),
    };
    let id = user.id;
    let issued = state
        .db(move |c| {
            let spec =
                TokenSpec { name: &f.name, expires_in_days, read_only: f.read_only.is_some() };
            Ok(accounts::issue_token(c, Some(id), id, &spec)?)
        })
        .await?;
    let page = Page::new("account/token_created.html")
        .with("token", &issued.token)
        .with("row", &issued.row);
    let mut res = render(&req, Some(&user), page)?;
    res.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

/// `POST /account/tokens/{id}/revoke`.
pub async fn revoke_token(
    user: CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let (id, token_id) = (user.id, path.into_inner());
    state.db(move |c| accounts::revoke_token(c, id, token_id).map_err(AppError::from)).await?;
    session::flash(&session, "success", "Token revoked: it no longer opens the API.");
    Ok(redirect("/account"))
}
