//! Review: the queue page and the submit / approve / reject forms of a variant.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::auth::{CurrentUser, Permission, session};
use crate::error::AppError;
use crate::services::review::{self, Decision};
use crate::state::AppState;
use crate::web::{Page, redirect, render};

/// The review form.
#[derive(Debug, Deserialize)]
pub struct ReviewForm {
    decision: String,
    #[serde(default)]
    comment: String,
}

/// The submit form.
#[derive(Debug, Deserialize)]
pub struct SubmitForm {
    #[serde(default)]
    comment: String,
}

/// `GET /reviews`: variants waiting for a decision.
pub async fn index(
    req: HttpRequest,
    user: CurrentUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let ws = user.workspace;
    let queue = state.db(move |c| review::queue(c, ws).map_err(AppError::from)).await?;
    render(
        &req,
        Some(&user),
        Page::new("reviews/index.html")
            .with("waiting", &queue.waiting)
            .with("drafts", &queue.drafts),
    )
}

/// `POST /variants/{id}/submit`: draft → in_review.
pub async fn submit(
    user: CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i32>,
    form: crate::web::Input<web::Form<SubmitForm>>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::EditCreative)?;
    let form = crate::web::input(form)?;
    let id = path.into_inner();
    let (uid, ws) = (user.id, user.workspace);
    let comment = form.into_inner().comment;
    state.db(move |c| review::submit(c, ws, id, uid, &comment).map_err(AppError::from)).await?;
    session::flash(&session, "success", "Sent to review.");
    Ok(redirect(&format!("/variants/{id}")))
}

/// `POST /variants/{id}/review`: approve or reject.
pub async fn decide(
    user: CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i32>,
    form: crate::web::Input<web::Form<ReviewForm>>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::Review)?;
    let form = crate::web::input(form)?;
    let id = path.into_inner();
    let form = form.into_inner();
    let decision = Decision::parse(&form.decision)?;
    let (uid, ws) = (user.id, user.workspace);
    let v = state
        .db_with(move |c, st| {
            review::decide(c, ws, id, uid, decision, &form.comment, &st.settings.review)
        })
        .await?;
    session::flash(&session, "success", format!("{} is now {}.", v.code, v.status));
    Ok(redirect(&format!("/variants/{id}")))
}
