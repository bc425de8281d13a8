//! User administration (admins only).

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::auth::{CurrentUser, Permission, Role, session};
use crate::db::{audit_log, users};
use crate::error::AppError;
use crate::services::accounts;
use crate::startup::AppState;
use crate::web::{Page, redirect, render};

/// The new-user form.
#[derive(Debug, Deserialize)]
pub struct NewUserForm {
    email: String,
    role: String,
    password: String,
}

/// The role form.
#[derive(Debug, Deserialize)]
pub struct RoleForm {
    role: String,
}

/// `GET /admin/users`.
pub async fn index(
    req: HttpRequest,
    user: CurrentUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::Administer)?;
    let pool = state.pool.clone();
    let all = web::block(move || pool.run(|c| users::list(c).map_err(AppError::from))).await??;
    let roles: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
    render(
        &req,
        Some(&user),
        Page::new("users/index.html").with("users", &all).with("roles", &roles),
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
    let role: Role = form
        .role
        .parse()
        .map_err(|e: crate::auth::roles::UnknownRole| AppError::BadRequest(e.to_string()))?;
    let pool = state.pool.clone();
    let created = web::block(move || {
        pool.run(|c| accounts::create_user(c, &form.email, role, &form.password))
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
    let id = path.into_inner();
    let role: Role = form
        .role
        .parse()
        .map_err(|e: crate::auth::roles::UnknownRole| AppError::BadRequest(e.to_string()))?;
    if id == user.id && role != Role::Admin {
        return Err(AppError::Conflict("you cannot remove your own admin role".into()));
    }
    let pool = state.pool.clone();
    let actor = user.id;
    web::block(move || {
        pool.run(|c| -> Result<(), AppError> {
            users::find(c, id)?;
            users::set_role(c, id, role.as_str())?;
            audit_log::record(c, Some(actor), "user.role", &format!("user:{id}"), role.as_str())?;
            Ok(())
        })
    })
    .await??;
    session::flash(&session, "success", format!("Role changed to {role}."));
    Ok(redirect("/admin/users"))
}
