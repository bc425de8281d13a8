//! Mapping imported ads to the master or variant they show.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::auth::{CurrentUser, Permission, session};
use crate::error::AppError;
use crate::services::ad_mapping::{self, AdMappingError, MapTarget};
use crate::state::AppState;
use crate::web::{Page, redirect, render};

/// The mapping form.
#[derive(Debug, Deserialize)]
pub struct MapForm {
    pub platform: String,
    pub ad_id: String,
    /// `master:ID` or `variant:ID`.
    pub target: String,
}

impl From<AdMappingError> for AppError {
    fn from(err: AdMappingError) -> Self {
        match err {
            AdMappingError::Db(e) => e.into(),
            AdMappingError::NoTarget(_) => AppError::NotFound(err.to_string()),
            AdMappingError::Platform(_) | AdMappingError::BadAdId => {
                AppError::BadRequest(err.to_string())
            }
        }
    }
}

/// `GET /ad-mappings/unmapped`: ads with rows but no mapping, each with a form.
pub async fn unmapped(
    req: HttpRequest,
    user: CurrentUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::ImportData)?;
    let ws = user.workspace;
    let (ads, targets) = state
        .db(move |c| -> Result<_, AppError> {
            Ok((ad_mapping::unmapped(c, ws)?, ad_mapping::target_options(c, ws)?))
        })
        .await?;
    render(
        &req,
        Some(&user),
        Page::new("ad_mappings/unmapped.html").with("ads", &ads).with("targets", &targets),
    )
}

/// `POST /ad-mappings`: maps one ad by hand.
pub async fn create(
    user: CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    form: crate::web::Input<web::Form<MapForm>>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::ImportData)?;
    let form = crate::web::input(form)?;
    let form = form.into_inner();
    let target: MapTarget = form
        .target
        .parse()
        .map_err(|e: ad_mapping::BadTarget| AppError::BadRequest(e.to_string()))?;
    let ws = user.workspace;
    let (platform, ad_id) = (form.platform.clone(), form.ad_id.clone());
    state
        .db(move |c| -> Result<_, AppError> {
            Ok(ad_mapping::map_manually(c, ws, &platform, &ad_id, target)?)
        })
        .await?;
    session::flash(&session, "success", format!("Mapped ad {}.", form.ad_id));
    Ok(redirect("/ad-mappings/unmapped"))
}
