//! Importing performance CSVs: upload → preview → confirm (background) → history.

use actix_multipart::Multipart;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use analytics::import::{Field, ImportOptions, ParsedImport};

use crate::auth::{CurrentUser, Permission, session};
use crate::blobs::BlobId;
use crate::error::AppError;
use crate::services::import_jobs::{self, ImportJob, ImportProgress};
use crate::services::import_uploads as uploads;
use crate::services::imports as service;
use crate::state::AppState;
use crate::web::multipart::read_fields;
use crate::web::{Page, redirect, render};

/// Rows shown on the preview page.
const PREVIEW_ROWS: usize = 20;

/// Platform choices of the forms (`auto` detects).
const PLATFORMS: [&str; 5] = ["auto", "meta", "google", "tiktok", "generic"];

/// What the upload, re-read and confirm forms carry besides the file.
#[derive(Debug, Default)]
struct ImportRequest {
    blob: Option<String>,
    filename: String,
    platform: String,
    mapping: Vec<(String, String)>,
}

impl ImportRequest {
    /// Reads `blob`, `filename`, `platform` and `map_<field>` pairs; ignores the rest.
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut req = ImportRequest::default();
        for (k, v) in pairs {
            match k.as_str() {
                "blob" => req.blob = Some(v),
                "filename" => req.filename = clean_filename(&v),
                "platform" => req.platform = v,
                _ => {
                    if let Some(field) = k.strip_prefix("map_")
                        && !v.trim().is_empty()
                    {
                        req.mapping.push((field.to_owned(), v.trim().to_owned()));
                    }
                }
            }
        }
        req
    }

    /// Parser options; a bad platform or field name is a 400.
    fn options(&self) -> Result<ImportOptions, AppError> {
        Ok(import_jobs::options(&self.platform, &self.mapping)?)
    }
}

/// Keeps the last path component, printable, at most 200 characters.
fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    if cleaned.trim().is_empty() { "upload.csv".to_owned() } else { cleaned }
}

/// `GET /imports`: the import history.
pub async fn index(
    req: HttpRequest,
    user: CurrentUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::View)?;
    let ws = user.workspace;
    let all = state.db(move |c| service::history(c, ws).map_err(AppError::from)).await?;
    render(&req, Some(&user), Page::new("imports/index.html").with("imports", &all))
}

/// `GET /imports/new`: the upload form.
pub async fn new(req: HttpRequest, user: CurrentUser) -> Result<HttpResponse, AppError> {
    user.require(Permission::ImportData)?;
    render(&req, Some(&user), upload_page())
}

fn upload_page() -> Page {
    let fields = field_names();
    let none: [(String, String); 0] = [];
    Page::new("imports/new.html")
        .with("fields", &fields)
        .with("platforms", &PLATFORMS)
        .with("platform", "auto")
        .with("user_mapping", &none)
}

fn field_names() -> Vec<&'static str> {
    Field::ALL.iter().map(|f| f.as_str()).collect()
}

/// `POST /imports/preview` (multipart: `file`, `platform`, `map_<field>`): keeps the file as a
/// blob and shows what would be imported. Nothing is written to the database.
pub async fn preview(
    req: HttpRequest,
    user: CurrentUser,
    state: web::Data<AppState>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::ImportData)?;
    let mut fields = read_fields(payload, state.settings.max_upload_bytes).await?;
    let mut pairs = fields.text_pairs();
    pairs.push(("filename".to_owned(), fields.filename("file").unwrap_or_default().to_owned()));
    let bytes = fields
        .file("file")
        .ok_or_else(|| AppError::BadRequest("choose a CSV file to upload".into()))?;
    let request = ImportRequest::from_pairs(pairs);
    let uid = user.id;
    let id =
        state.blocking(move |st| st.pool.run(|c| uploads::keep(c, &st.blobs, uid, &bytes))).await?;
    preview_blob(&req, &user, &state, id, request).await
}

/// `POST /imports/reparse` (form: `blob`, `filename`, `platform`, `map_<field>`): previews a
/// kept upload again with another platform or column mapping.
pub async fn reparse(
    req: HttpRequest,
    user: CurrentUser,
    state: web::Data<AppState>,
    form: crate::web::Input<web::Form<Vec<(String, String)>>>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::ImportData)?;
    let form = crate::web::input(form)?;
    let request = ImportRequest::from_pairs(form.into_inner());
    let id = owned_blob_id(&state, &user, &request).await?;
    preview_blob(&req, &user, &state, id, request).await
}

/// The form's upload id, if it is one the user uploaded.
async fn owned_blob_id(
    state: &web::Data<AppState>,
    user: &CurrentUser,
    request: &ImportRequest,
) -> Result<BlobId, AppError> {
    let blob = request.blob.as_deref().unwrap_or_default();
    let id = BlobId::parse(blob)
        .map_err(|_| AppError::BadRequest("missing or invalid upload id".into()))?;
    let (uid, checked) = (user.id, id.clone());
    state.db(move |c| uploads::ensure_owned(c, uid, &checked).map_err(AppError::from)).await?;
    Ok(id)
}

/// Parses the kept blob and renders the preview, or the upload form with the errors (422).
async fn preview_blob(
    req: &HttpRequest,
    user: &CurrentUser,
    state: &web::Data<AppState>,
    id: BlobId,
    request: ImportRequest,
) -> Result<HttpResponse, AppError> {
    let opts = request.options()?;
    let (blob, ws) = (id.clone(), user.workspace);
    let outcome = state
        .blocking(move |st| Ok::<_, AppError>(service::preview_upload(st, ws, &blob, &opts)))
        .await?;
    let page = match outcome {
        Ok(parsed) => preview_page(&parsed, &id, &request),
        Err(e) if !e.is_the_files_fault() => return Err(e.into()),
        Err(e) => {
            let errors = e.to_string();
            let row_errors = match &e {
                service::ImportServiceError::Parse(p) => p.row_errors().cloned(),
                _ => None,
            };
            upload_page()
                .with("error", &errors)
                .with("row_errors", &row_errors)
                .with("blob", id.as_str())
                .with("filename", &request.filename)
                .with("platform", &request.platform)
                .with("user_mapping", &request.mapping)
                .status(StatusCode::UNPROCESSABLE_ENTITY)
        }
    };
    render(req, Some(user), page)
}

fn preview_page(parsed: &ParsedImport, id: &BlobId, request: &ImportRequest) -> Page {
    let mapping: Vec<(&str, Option<&str>)> =
        Field::ALL.iter().map(|f| (f.as_str(), parsed.mapping.get(*f))).collect();
    let rows = &parsed.rows[..parsed.rows.len().min(PREVIEW_ROWS)];
    Page::new("imports/preview.html")
        .with("blob", id.as_str())
        .with("filename", &request.filename)
        .with("platform", parsed.platform.as_str())
        .with("chosen_platform", &request.platform)
        .with("encoding", &format!("{:?}", parsed.encoding))
        .with("delimiter", &format!("{:?}", parsed.delimiter))
        .with("header_line", &parsed.header_line)
        .with("mapping", &mapping)
        .with("user_mapping", &request.mapping)
        .with("fields", &field_names())
        .with("platforms", &PLATFORMS)
        .with("rows", rows)
        .with("summary", &parsed.summary)
}

/// `POST /imports/confirm` (form as for reparse): queues the import for a worker process and
/// sends the browser to its progress page.
pub async fn confirm(
    user: CurrentUser,
    state: web::Data<AppState>,
    form: crate::web::Input<web::Form<Vec<(String, String)>>>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::ImportData)?;
    let form = crate::web::input(form)?;
    let request = ImportRequest::from_pairs(form.into_inner());
    let id = owned_blob_id(&state, &user, &request).await?;
    let job = ImportJob {
        sha256: id.as_str().to_owned(),
        filename: request.filename,
        user_id: Some(user.id),
        platform: request.platform,
        mapping: request.mapping,
    };
    let ws = user.workspace;
    let job_id = state.db(move |c| import_jobs::start(c, ws, &job).map_err(AppError::from)).await?;
    Ok(redirect(&format!("/imports/jobs/{job_id}")))
}

/// The progress of the import job in the URL, read from the database.
async fn progress_of(
    state: &AppState,
    user: &CurrentUser,
    key: &str,
) -> Result<ImportProgress, AppError> {
    let id: i32 = key.parse().map_err(|_| AppError::NotFound("no such import job".into()))?;
    let ws = user.workspace;
    state.db(move |c| import_jobs::progress(c, ws, id).map_err(AppError::from)).await
}

/// `GET /imports/jobs/{key}`: a progress bar while the import runs (meta refresh without JS);
/// on success, back to the history with a message.
pub async fn progress(
    req: HttpRequest,
    user: CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::ImportData)?;
    let key = path.into_inner();
    let p = progress_of(&state, &user, &key).await?;
    if let ImportProgress::Done { import_id, rows, inserted, updated } = p {
        session::flash(
            &session,
            "success",
            format!(
                "Imported {rows} rows: {inserted} new, {updated} updated (import #{import_id})."
            ),
        );
        return Ok(redirect("/imports"));
    }
    render(
        &req,
        Some(&user),
        Page::new("imports/progress.html").with("key", &key).with("progress", &p),
    )
}

/// `GET /imports/jobs/{key}/status`: the progress as JSON, for the page's script.
pub async fn progress_json(
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::ImportData)?;
    Ok(HttpResponse::Ok().json(progress_of(&state, &user, &path.into_inner()).await?))
}
