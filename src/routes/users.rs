//! User administration (admins only): add users, change roles, disable and enable accounts,
//! reset passwords.

use actix_session::Session;
use actix_web::http::header::{CACHE_CONTROL, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::auth::{CurrentUser, Permission, Role, session};
use crate::error::AppError;
use crate::services::accounts::{self, NewPassword, WorkspaceChoice};
use crate::state::AppState;
use crate::web::{Page, redirect, render};

/// The new-user form.
#[derive(Debug, Deserialize)]
pub struct NewUserForm {
    email: String,
    role: String,
    password: String,
    /// An existing workspace's id; absent means the default workspace.
    #[serde(default)]
    workspace: String,
    /// A new workspace's name; when given, it wins over `workspace`.
    #[serde(default)]
    new_workspace: String,
}

impl NewUserForm {
    fn workspace(&self) -> Result<WorkspaceChoice, AppError> {
        if !self.new_workspace.trim().is_empty() {
            return Ok(WorkspaceChoice::New(self.new_workspace.trim().to_owned()));
        }
        match self.workspace.trim() {
            "" => Ok(WorkspaceChoice::Default),
            id => id
                .parse()
                .map(WorkspaceChoice::Existing)
                .map_err(|_| AppError::BadRequest("pick a workspace".into())),
        }
    }
}

/// The role form.
#[derive(Debug, Deserialize)]
pub struct RoleForm {
    role: String,
}

/// The password-reset form: `generate` a one-time password, or `set` the one typed.
#[derive(Debug, Deserialize)]
pub struct ResetForm {
    mode: String,
    #[serde(default)]
    password: String,
}

fn parse_role(s: &str) -> Result<Role, AppError> {
    s.parse().map_err(|e: crate::auth::roles::UnknownRole| AppError::BadRequest(e.to_string()))
}

/// `GET /admin/users`.
pub async fn index(
    req: HttpRequest,
    user: CurrentUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::Administer)?;
    let page = state.blocking(move |st| st.pool.run(accounts::list_users)).await?;
    let roles: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
    render(
        &req,
        Some(&user),
        Page::new("users/index.html")
            .with("users", &page.users)
            .with("workspaces", &page.workspaces)
            .with("roles", &roles),
    )
}

/// `POST /admin/users`.
pub async fn create(
    user: CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    form: crate::web::Input<web::Form<NewUserForm>>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::Administer)?;
    let form = crate::web::input(form)?;
    let form = form.into_inner();
    let role = parse_role(&form.role)?;
    let workspace = form.workspace()?;
    let actor = user.id;
    let created = state
        .blocking(move |st| {
            Ok::<_, AppError>(st.pool.run(|c| {
                accounts::create_user_as(
                    c,
                    Some(actor),
                    &form.email,
                    role,
                    &form.password,
                    &workspace,
                )
            }))
        })
        .await?;
    match created {
        Ok(u) => session::flash(&session, "success", format!("Created {} as {}.", u.email, u.role)),
        Err(e) => session::flash(&session, "error", e.to_string()),
    }
    Ok(redirect("/admin/users"))
}

/// `POST /admin/users/{id}/role`.
pub async fn update_role(
    user: CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i32>,
    form: crate::web::Input<web::Form<RoleForm>>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::Administer)?;
    let form = crate::web::input(form)?;
    let (id, role, actor) = (path.into_inner(), parse_role(&form.role)?, user.id);
    let changed = state
        .db(move |c| accounts::change_role(c, actor, id, role).map_err(AppError::from))
        .await?;
    session::flash(&session, "success", format!("{} is now {role}.", changed.email));
    Ok(redirect("/admin/users"))
}

async fn set_disabled(
    user: CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    id: i32,
    disabled: bool,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::Administer)?;
    let actor = user.id;
    let changed = state
        .db(move |c| accounts::set_disabled(c, Some(actor), id, disabled).map_err(AppError::from))
        .await?;
    let message = if disabled {
        format!(
            "Disabled {}; their sessions have ended and their API tokens are refused.",
            changed.email
        )
    } else {
        format!("Enabled {}.", changed.email)
    };
    session::flash(&session, "success", message);
    Ok(redirect("/admin/users"))
}

/// `POST /admin/users/{id}/disable`: ends every session of the user and refuses their tokens.
pub async fn disable(
    user: CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    set_disabled(user, state, session, path.into_inner(), true).await
}

/// `POST /admin/users/{id}/enable`.
pub async fn enable(
    user: CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    set_disabled(user, state, session, path.into_inner(), false).await
}

/// `POST /admin/users/{id}/password`: a reset ends the user's sessions; a generated password is
/// shown on the answer to this request only.
pub async fn reset_password(
    req: HttpRequest,
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<i32>,
    form: crate::web::Input<web::Form<ResetForm>>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::Administer)?;
    let form = crate::web::input(form)?.into_inner();
    let new = match form.mode.as_str() {
        "generate" => NewPassword::Generate,
        "set" => NewPassword::Set(form.password),
        other => return Err(AppError::BadRequest(format!("unknown reset mode `{other}`"))),
    };
    let (actor, id) = (user.id, path.into_inner());
    let reset =
        state.blocking(move |st| accounts::reset_password(&st.pool, actor, id, new)).await?;
    let mut res =
        render(&req, Some(&user), Page::new("users/password_reset.html").with("reset", &reset))?;
    res.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}
