//! Modular grid pages: a master's grids with the creation form, a grid's page (image matrix, audits,
//! bulk review), the bulk review form and the bulk export download.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::auth::{CurrentUser, Permission, session};
use crate::error::AppError;
use crate::services::grids::{self, BulkAction, GridError, GridSpec, GridVariable};
use crate::state::AppState;
use crate::web::{Page, redirect, render};

/// The master whose grids are listed.
#[derive(Debug, Deserialize)]
pub struct IndexQuery {
    master_id: Option<i32>,
}

/// `GET /grids?master_id=`: the master's grids and the form for a new one. A grid belongs to a
/// master, so without one the user is sent to pick it.
pub async fn index(
    req: HttpRequest,
    user: CurrentUser,
    state: web::Data<AppState>,
    query: crate::web::Input<web::Query<IndexQuery>>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let Some(master_id) = crate::web::input(query)?.master_id else {
        return Ok(redirect("/masters"));
    };
    let ws = user.workspace;
    let page = state.db(move |c| grids::index(c, ws, master_id).map_err(AppError::from)).await?;
    render(&req, Some(&user), Page::new("grids/index.html").with("page", &page))
}

/// Reads the creation form: repeated `level` fields `<variable>:<variant id>` or `<variable>:master`,
/// in the order the form lists them.
fn spec_from_form(body: &[u8]) -> Result<GridSpec, AppError> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
    let field = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.trim().to_string());
    let bad = |what: &str| AppError::BadRequest(format!("invalid {what}"));
    let mut variables: Vec<GridVariable> = Vec::new();
    for (_, v) in pairs.iter().filter(|(k, _)| k == "level") {
        let (variable, level) = v.split_once(':').ok_or_else(|| bad("level"))?;
        let level = match level {
            "master" => None,
            id => Some(id.parse().map_err(|_| bad("level"))?),
        };
        match variables.iter_mut().find(|x| x.variable == variable) {
            Some(x) => x.levels.push(level),
            None => {
                variables.push(GridVariable { variable: variable.to_string(), levels: vec![level] })
            }
        }
    }
    // "As in the master" is level 0 when chosen, so the master is the baseline cell.
    for v in &mut variables {
        v.levels.sort_by_key(Option::is_some);
    }
    Ok(GridSpec {
        master_id: field("master_id").and_then(|m| m.parse().ok()).ok_or_else(|| bad("master"))?,
        name: field("name"),
        variables,
        fractional: field("fractional").is_some(),
    })
}

/// `POST /grids`: creates the grid, or returns to the form with the reason (e.g. where two levels'
/// masks overlap).
pub async fn create(
    user: CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::EditCreative)?;
    let spec = spec_from_form(&body)?;
    let (ws, uid, master_id) = (user.workspace, user.id, spec.master_id);
    let created = state
        .blocking(move |st| {
            Ok::<_, AppError>(
                st.pool.run(|c| grids::create(c, &st.blobs, &st.settings, &spec, ws, Some(uid))),
            )
        })
        .await?;
    match created {
        Ok(g) => {
            session::flash(&session, "success", format!("Composed {} cells.", g.cells.len()));
            Ok(redirect(&format!("/grids/{}", g.id)))
        }
        Err(GridError::Invalid(msg) | GridError::Overlap(msg)) => {
            session::flash(&session, "error", msg);
            Ok(redirect(&format!("/grids?master_id={master_id}")))
        }
        Err(other) => Err(other.into()),
    }
}

/// `GET /grids/{id}`.
pub async fn show(
    req: HttpRequest,
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let (id, ws) = (path.into_inner(), user.workspace);
    let grid = state.db(move |c| grids::page(c, ws, id).map_err(AppError::from)).await?;
    render(&req, Some(&user), Page::new("grids/show.html").with("grid", &grid))
}

/// The bulk submit and review forms: optional repeated `cell` (variant ids; none = the whole
/// grid), `comment`, and for review `decision` (approve or reject).
fn bulk_form(body: &[u8]) -> Result<(Vec<i32>, String, String), AppError> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
    let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    let cells = pairs
        .iter()
        .filter(|(k, _)| k == "cell")
        .map(|(_, v)| v.parse().map_err(|_| AppError::BadRequest("invalid cell".into())))
        .collect::<Result<Vec<i32>, _>>()?;
    Ok((cells, get("comment").unwrap_or_default(), get("decision").unwrap_or_default()))
}

/// Runs a bulk action and says what it did.
async fn bulk(
    user: &CurrentUser,
    state: &web::Data<AppState>,
    session: &Session,
    id: i32,
    action: BulkAction,
    cells: Vec<i32>,
    comment: String,
) -> Result<HttpResponse, AppError> {
    let (ws, uid, st) = (user.workspace, user.id, state.clone());
    let out = state
        .db(move |c| {
            grids::bulk_review(c, ws, id, uid, action, &cells, &comment, &st.settings.review)
                .map_err(AppError::from)
        })
        .await?;
    let mut msg = format!("{} cell(s) changed.", out.changed.len());
    if !out.skipped.is_empty() {
        msg.push_str(&format!(" Left as they were: {}.", out.skipped.join("; ")));
    }
    session::flash(session, if out.changed.is_empty() { "error" } else { "success" }, msg);
    Ok(redirect(&format!("/grids/{id}")))
}

/// `POST /grids/{id}/submit`: drafts → in review.
pub async fn submit(
    user: CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i32>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::EditCreative)?;
    let (cells, comment, _) = bulk_form(&body)?;
    bulk(&user, &state, &session, path.into_inner(), BulkAction::Submit, cells, comment).await
}

/// `POST /grids/{id}/review`: approve or reject the cells in review.
pub async fn review(
    user: CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i32>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::Review)?;
    let (cells, comment, decision) = bulk_form(&body)?;
    let action = BulkAction::decision(&decision)?;
    bulk(&user, &state, &session, path.into_inner(), action, cells, comment).await
}

/// `GET /grids/{id}/export.zip`: every approved cell's image and the Meta bulk-import CSV.
pub async fn export(
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let (id, ws, st) = (path.into_inner(), user.workspace, state.clone());
    let out =
        state.db(move |c| grids::bulk_export(c, &st.blobs, ws, id).map_err(AppError::from)).await?;
    Ok(zip_response(out))
}

/// The zip as a download.
pub fn zip_response(out: grids::BulkExport) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{}\"", out.filename),
        ))
        .body(out.bytes)
}
