//! Loading tera once and rendering pages with the common context (user, CSRF token, flashes).

use actix_session::SessionExt;
use actix_web::http::header::{CONTENT_TYPE, LOCATION};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use tera::{Context, Tera};

use crate::auth::{CurrentUser, Permission, session};
use crate::error::AppError;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/templates.rs"));
}

/// Loads every template embedded at build time. Autoescape is on for `.html`, tera's default.
pub fn load_templates() -> Result<Tera, tera::Error> {
    let mut tera = Tera::default();
    tera.add_raw_templates(embedded::TEMPLATES.iter().copied())?;
    tera.autoescape_on(vec![".html"]);
    Ok(tera)
}

/// What a template may show about the logged-in user and what they can do.
#[derive(Debug, Serialize)]
struct UserView<'a> {
    id: i32,
    email: &'a str,
    role: &'a str,
    can_edit_creative: bool,
    can_review: bool,
    can_import: bool,
    can_manage_experiments: bool,
    can_administer: bool,
}

/// A page about to be rendered: a template name and its context.
pub struct Page {
    template: &'static str,
    context: Context,
    status: actix_web::http::StatusCode,
}

impl Page {
    /// A page rendering `template`.
    pub fn new(template: &'static str) -> Self {
        Self { template, context: Context::new(), status: actix_web::http::StatusCode::OK }
    }

    /// Adds a value to the context.
    pub fn with<T: Serialize + ?Sized>(mut self, key: &str, value: &T) -> Self {
        self.context.insert(key, value);
        self
    }

    /// Sets the HTTP status (e.g. 422 for a form with errors).
    pub fn status(mut self, status: actix_web::http::StatusCode) -> Self {
        self.status = status;
        self
    }
}

/// Renders `page` with the common context for `req`.
pub fn render(
    req: &HttpRequest,
    user: Option<&CurrentUser>,
    page: Page,
) -> Result<HttpResponse, AppError> {
    let state = req
        .app_data::<actix_web::web::Data<crate::state::AppState>>()
        .ok_or_else(|| AppError::internal("application state missing"))?;
    let sess = req.get_session();
    let mut ctx = page.context;
    ctx.insert("csrf_token", &session::csrf_token(&sess));
    ctx.insert("flashes", &session::take_flashes(&sess));
    ctx.insert("request_path", req.path());
    ctx.insert("app_version", env!("CARGO_PKG_VERSION"));
    if let Some(u) = user {
        ctx.insert(
            "current_user",
            &UserView {
                id: u.id,
                email: &u.email,
                role: u.role.as_str(),
                can_edit_creative: u.can(Permission::EditCreative),
                can_review: u.can(Permission::Review),
                can_import: u.can(Permission::ImportData),
                can_manage_experiments: u.can(Permission::ManageExperiments),
                can_administer: u.can(Permission::Administer),
            },
        );
    }
    let body = state.templates.render(page.template, &ctx)?;
    Ok(HttpResponse::build(page.status)
        .insert_header((CONTENT_TYPE, "text/html; charset=utf-8"))
        .body(body))
}

/// A 303 redirect (the right answer to a successful form POST).
pub fn redirect(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((LOCATION, location.to_string())).finish()
}
