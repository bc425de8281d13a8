//! The formats grid's form on a variant page and on a master page: make several placements at
//! once, each reported in a flash.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::auth::{CurrentUser, Permission, session};
use crate::error::AppError;
use crate::services::formats::{self, FormatSource};
use crate::state::AppState;
use crate::web::{Page, redirect, render};

/// One checkbox per placement (named after its code suffix), the mode and an optional focus box.
#[derive(Debug, Deserialize)]
pub struct FormatsForm {
    mode: String,
    aspect_11: Option<String>,
    aspect_45: Option<String>,
    aspect_916: Option<String>,
    aspect_191: Option<String>,
    #[serde(default)]
    focus: String,
}

impl FormatsForm {
    fn aspects(&self) -> Vec<imaging::Aspect> {
        use imaging::Aspect::*;
        [
            (&self.aspect_11, Square),
            (&self.aspect_45, Portrait),
            (&self.aspect_916, Story),
            (&self.aspect_191, Landscape),
        ]
        .into_iter()
        .filter(|(on, _)| on.is_some())
        .map(|(_, a)| a)
        .collect()
    }

    /// `x,y,w,h` in source px, or nothing.
    fn focus(&self) -> Result<Option<[u32; 4]>, AppError> {
        if self.focus.trim().is_empty() {
            return Ok(None);
        }
        let bad =
            || AppError::Unprocessable("focus is x,y,w,h in pixels, e.g. 120,40,200,300".into());
        let v: Vec<u32> = self
            .focus
            .split(',')
            .map(|p| p.trim().parse().map_err(|_| bad()))
            .collect::<Result<_, _>>()?;
        <[u32; 4]>::try_from(v).map(Some).map_err(|_| bad())
    }
}

async fn make(
    user: CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    source: FormatSource,
    form: FormatsForm,
    back: String,
) -> Result<HttpResponse, AppError> {
    let (aspects, focus) = (form.aspects(), form.focus()?);
    if aspects.is_empty() {
        session::flash(&session, "error", "Tick at least one placement.");
        return Ok(redirect(&back));
    }
    let (uid, ws) = (user.id, user.workspace);
    let outcomes = state
        .blocking(move |st| {
            st.pool.run(|c| -> Result<_, AppError> {
                Ok(formats::create_many(
                    c,
                    &st.blobs,
                    &st.settings,
                    ws,
                    source,
                    &aspects,
                    &form.mode,
                    focus,
                    Some(uid),
                ))
            })
        })
        .await?;
    for o in outcomes {
        match o {
            Ok(f) => session::flash(
                &session,
                "success",
                format!("{} ({} {}) queued.", f.code, f.format, f.mode.as_str()),
            ),
            Err(e) => session::flash(&session, "error", e.to_string()),
        }
    }
    Ok(redirect(&back))
}

/// `POST /variants/{id}/formats`.
pub async fn for_variant(
    user: CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i32>,
    form: crate::web::Input<web::Form<FormatsForm>>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::EditCreative)?;
    let form = crate::web::input(form)?.into_inner();
    let id = path.into_inner();
    make(user, state, session, FormatSource::Variant(id), form, format!("/variants/{id}")).await
}

/// `POST /masters/{id}/formats`.
pub async fn for_master(
    user: CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i32>,
    form: crate::web::Input<web::Form<FormatsForm>>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::EditCreative)?;
    let form = crate::web::input(form)?.into_inner();
    let id = path.into_inner();
    make(user, state, session, FormatSource::Master(id), form, format!("/masters/{id}")).await
}

/// `GET /variants/{id}/priming-pack`: the variant at the video models' input sizes with its
/// priming report, as a zip.
pub async fn priming_pack(
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let (id, ws) = (path.into_inner(), user.workspace);
    let (name, bytes) = state
        .blocking(move |st| {
            crate::services::priming::pack(&st.pool, &st.blobs, &st.settings, ws, id)
        })
        .await?;
    Ok(super::api::formats::zip_response(name, bytes))
}

/// `GET /masters/{id}/priming`: the master's priming check, computed on demand.
pub async fn master_priming(
    req: HttpRequest,
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let (id, ws) = (path.into_inner(), user.workspace);
    let (master, view) = state
        .blocking(move |st| {
            crate::services::priming::master_page(&st.pool, &st.blobs, &st.settings, ws, id)
        })
        .await?;
    render(
        &req,
        Some(&user),
        Page::new("masters/priming.html").with("master", &master).with("priming", &view.report),
    )
}
