//! Experiment pages: list, the creation form, and the results page.

use std::collections::HashMap;

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use analytics::stats::AdMetric;
use serde::Deserialize;

use crate::auth::{CurrentUser, Permission, session};
use crate::error::AppError;
use crate::services::experiments::{self, ArmSpec, ExperimentError, MethodName, NewExperimentSpec};
use crate::state::AppState;
use crate::web::{Page, redirect, render};

/// `GET /experiments`.
pub async fn index(
    req: HttpRequest,
    user: CurrentUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let ws = user.workspace;
    let list = state.db(move |c| experiments::list(c, ws).map_err(AppError::from)).await?;
    render(&req, Some(&user), Page::new("experiments/index.html").with("experiments", &list))
}

/// The master picked on the creation form.
#[derive(Debug, Deserialize)]
pub struct NewQuery {
    master_id: Option<i32>,
}

/// `GET /experiments/new?master_id=`.
pub async fn new(
    req: HttpRequest,
    user: CurrentUser,
    state: web::Data<AppState>,
    query: crate::web::Input<web::Query<NewQuery>>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::ManageExperiments)?;
    let query = crate::web::input(query)?;
    let (ws, master_id) = (user.workspace, query.master_id);
    let form =
        state.db(move |c| experiments::new_form(c, ws, master_id).map_err(AppError::from)).await?;
    let metrics: Vec<&str> = AdMetric::ALL.iter().map(|m| m.name()).collect();
    let methods: Vec<&str> = MethodName::ALL.iter().map(|m| m.as_str()).collect();
    render(
        &req,
        Some(&user),
        Page::new("experiments/new.html")
            .with("masters", &form.masters)
            .with("master_id", &form.master_id)
            .with("variants", &form.variants)
            .with("master_ads", &form.master_ads)
            .with("metrics", &metrics)
            .with("methods", &methods)
            .with("today", &chrono::Utc::now().date_naive().to_string()),
    )
}

/// Reads the creation form: repeated `treatment` fields and `weight_<variant>` fields need the raw pairs.
fn spec_from_form(body: &[u8], user_id: i32) -> Result<NewExperimentSpec, AppError> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
    let one: HashMap<&str, &str> =
        pairs.iter().map(|(k, v)| (k.as_str(), v.trim())).filter(|(_, v)| !v.is_empty()).collect();
    let field = |k: &str| one.get(k).copied();
    let bad = |what: &str| AppError::BadRequest(format!("invalid {what}"));
    let weight = |k: String| -> Result<Option<f64>, AppError> {
        field(&k).map(|w| w.parse::<f64>().map_err(|_| bad("planned weight"))).transpose()
    };
    let date = |k: &str| -> Result<Option<chrono::NaiveDate>, AppError> {
        field(k).map(|d| d.parse().map_err(|_| bad(k))).transpose()
    };
    let treatments = pairs
        .iter()
        .filter(|(k, _)| k == "treatment")
        .map(|(_, v)| {
            let variant_id: i32 = v.parse().map_err(|_| bad("treatment"))?;
            Ok(ArmSpec { variant_id, planned_weight: weight(format!("weight_{variant_id}"))? })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    let control_variant_id = match field("control") {
        None | Some("master") => None,
        Some(v) => Some(v.parse().map_err(|_| bad("control"))?),
    };
    Ok(NewExperimentSpec {
        master_id: field("master_id").and_then(|m| m.parse().ok()).ok_or_else(|| bad("master"))?,
        name: field("name").unwrap_or_default().to_string(),
        start_date: date("start_date")?.ok_or_else(|| bad("start date"))?,
        end_date: date("end_date")?,
        primary_metric: field("primary_metric").unwrap_or("ctr").to_string(),
        guardrail_metrics: pairs
            .iter()
            .filter(|(k, _)| k == "guardrail")
            .map(|(_, v)| v.clone())
            .collect(),
        method: field("method").unwrap_or("frequentist").to_string(),
        variance_model: field("variance_model").map(str::to_string),
        correction: field("correction").map(str::to_string),
        alpha: field("alpha").map(|a| a.parse().map_err(|_| bad("alpha"))).transpose()?,
        control_variant_id,
        control_planned_weight: weight("weight_control".into())?,
        planned_ads_per_arm: field("planned_ads_per_arm")
            .map(|n| n.parse().map_err(|_| bad("planned ads per arm")))
            .transpose()?,
        treatments,
        grid_id: field("grid_id").map(|g| g.parse().map_err(|_| bad("grid"))).transpose()?,
        created_by: Some(user_id),
    })
}

/// `POST /experiments`.
pub async fn create(
    user: CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::ManageExperiments)?;
    let spec = spec_from_form(&body, user.id)?;
    let (master_id, ws) = (spec.master_id, user.workspace);
    let created = state
        .blocking(move |st| {
            Ok::<_, AppError>(st.pool.run(|c| experiments::create_experiment(c, ws, spec)))
        })
        .await?;
    match created {
        Ok(e) => {
            session::flash(&session, "success", format!("Created experiment {}.", e.name));
            Ok(redirect(&format!("/experiments/{}", e.id)))
        }
        Err(ExperimentError::Invalid(msg)) => {
            session::flash(&session, "error", msg);
            Ok(redirect(&format!("/experiments/new?master_id={master_id}")))
        }
        Err(other) => Err(other.into()),
    }
}

/// `GET /experiments/{id}`: the results page.
pub async fn show(
    req: HttpRequest,
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let (id, ws) = (path.into_inner(), user.workspace);
    let results = state
        .blocking(move |st| experiments::results(&st.pool, ws, id).map_err(AppError::from))
        .await?;
    render(&req, Some(&user), Page::new("experiments/show.html").with("r", &results))
}
