//! `AppError`: the one error type at the HTTP edge.
//!
//! Its `error_response` is JSON (`{"error": "..."}`), which is what the API returns. For browser
//! pages, [`crate::web::error_pages`] turns 4xx/5xx responses into rendered error pages.

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, ResponseError};

/// Every way a request can fail.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A page needs a login: redirect there and come back to `next`.
    #[error("login required")]
    LoginRequired {
        /// Path to return to after login.
        next: String,
    },
    /// The API needs a valid bearer token.
    #[error("missing or invalid bearer token")]
    Unauthorized,
    /// Logged in, but the role does not allow it.
    #[error("{0}")]
    Forbidden(String),
    /// No such thing.
    #[error("{0}")]
    NotFound(String),
    /// The input is malformed.
    #[error("{0}")]
    BadRequest(String),
    /// The input conflicts with the current state.
    #[error("{0}")]
    Conflict(String),
    /// The upload is too big.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The input is well-formed but cannot be processed (bad CSV row, bad image).
    #[error("{0}")]
    Unprocessable(String),
    /// Too many attempts.
    #[error("too many attempts; wait a minute and try again")]
    TooManyRequests,
    /// Anything else; details go to the log, not to the client.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl AppError {
    /// Wraps any error as an internal one.
    pub fn internal(err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        AppError::Internal(err.into())
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(err: diesel::result::Error) -> Self {
        match err {
            diesel::result::Error::NotFound => AppError::NotFound("not found".into()),
            other => AppError::internal(other),
        }
    }
}

impl From<crate::db::DbError> for AppError {
    fn from(err: crate::db::DbError) -> Self {
        match err {
            crate::db::DbError::Query(q) => q.into(),
            other => AppError::internal(other),
        }
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(err: actix_web::error::BlockingError) -> Self {
        AppError::internal(err)
    }
}

impl From<tera::Error> for AppError {
    fn from(err: tera::Error) -> Self {
        AppError::internal(err)
    }
}

impl From<actix_session::SessionInsertError> for AppError {
    fn from(err: actix_session::SessionInsertError) -> Self {
        AppError::internal(err)
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::LoginRequired { .. } => StatusCode::SEE_OTHER,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::LoginRequired { next } = self {
            let target = format!(
                "/login?next={}",
                url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
            );
            return HttpResponse::SeeOther().insert_header((LOCATION, target)).finish();
        }
        if let AppError::Internal(source) = self {
            tracing::error!(error = %source, cause = ?source.source(), "internal error");
        }
        let mut res = HttpResponse::build(self.status_code())
            .json(serde_json::json!({ "error": self.to_string() }));
        // Kept so the HTML error page can show the same message.
        res.extensions_mut().insert(ErrorMessage(self.to_string()));
        res
    }
}

/// The user-facing message of an error response, for the HTML error page.
#[derive(Debug, Clone)]
pub struct ErrorMessage(pub String);

impl From<crate::services::experiments::ExperimentError> for AppError {
    fn from(err: crate::services::experiments::ExperimentError) -> Self {
        use crate::services::experiments::ExperimentError;
        match err {
            ExperimentError::Invalid(msg) => AppError::Unprocessable(msg),
            ExperimentError::Db(e) => e.into(),
            ExperimentError::Pool(e) => e.into(),
            ExperimentError::Stats(e) => AppError::Unprocessable(e.to_string()),
        }
    }
}

impl From<crate::services::masters::MasterError> for AppError {
    fn from(err: crate::services::masters::MasterError) -> Self {
        use crate::services::masters::MasterError;
        match err {
            MasterError::Invalid(msg) => AppError::Unprocessable(msg),
            MasterError::Image(e) => AppError::Unprocessable(format!("image refused: {e}")),
            MasterError::NoSuchPicture => AppError::NotFound(err.to_string()),
            MasterError::Db(e) => e.into(),
            other => AppError::internal(other),
        }
    }
}

impl From<crate::services::variants::VariantError> for AppError {
    fn from(err: crate::services::variants::VariantError) -> Self {
        use crate::services::variants::VariantError;
        match err {
            VariantError::Invalid(msg) => AppError::Unprocessable(msg),
            VariantError::NotReady(msg) => AppError::Conflict(msg),
            VariantError::Image(e) => AppError::Unprocessable(format!("image refused: {e}")),
            VariantError::Db(e) => e.into(),
            other => AppError::internal(other),
        }
    }
}

impl From<crate::services::grids::GridError> for AppError {
    fn from(err: crate::services::grids::GridError) -> Self {
        use crate::services::grids::GridError;
        match err {
            GridError::Invalid(msg) | GridError::Overlap(msg) => AppError::Unprocessable(msg),
            GridError::Variant(e) => e.into(),
            GridError::Review(e) => e.into(),
            GridError::Experiment(e) => e.into(),
            GridError::Imaging(e) => AppError::Unprocessable(format!("image refused: {e}")),
            GridError::Db(e) => e.into(),
            other => AppError::internal(other),
        }
    }
}

impl From<crate::services::formats::FormatError> for AppError {
    fn from(err: crate::services::formats::FormatError) -> Self {
        use crate::services::formats::FormatError;
        match err {
            FormatError::Invalid(msg) => AppError::Unprocessable(msg),
            FormatError::Geometry(e) => AppError::Unprocessable(e.to_string()),
            FormatError::Variant(e) => e.into(),
            FormatError::Blob(e) => e.into(),
            FormatError::Db(e) => e.into(),
        }
    }
}

impl From<crate::services::review::ReviewError> for AppError {
    fn from(err: crate::services::review::ReviewError) -> Self {
        use crate::services::review::ReviewError;
        match err {
            ReviewError::BadDecision => AppError::BadRequest(err.to_string()),
            ReviewError::Conflict(msg) => AppError::Conflict(msg),
            ReviewError::NotAllowed(msg) => AppError::Forbidden(msg),
            ReviewError::Db(e) => e.into(),
            other => AppError::internal(other),
        }
    }
}

impl From<crate::services::import_uploads::UploadError> for AppError {
    fn from(err: crate::services::import_uploads::UploadError) -> Self {
        use crate::services::import_uploads::UploadError;
        match err {
            UploadError::NotYours => AppError::NotFound(err.to_string()),
            other => AppError::internal(other),
        }
    }
}

impl From<crate::blobs::BlobError> for AppError {
    fn from(err: crate::blobs::BlobError) -> Self {
        AppError::internal(err)
    }
}

impl From<crate::services::import_jobs::ImportJobError> for AppError {
    fn from(err: crate::services::import_jobs::ImportJobError) -> Self {
        use crate::services::import_jobs::ImportJobError;
        match err {
            ImportJobError::Invalid(msg) => AppError::BadRequest(msg),
            ImportJobError::NotFound => AppError::NotFound(err.to_string()),
            ImportJobError::Db(e) => e.into(),
        }
    }
}

impl From<crate::services::imports::ImportServiceError> for AppError {
    fn from(err: crate::services::imports::ImportServiceError) -> Self {
        use crate::services::imports::ImportServiceError;
        match err {
            ImportServiceError::Parse(_) | ImportServiceError::TooLarge(_) => {
                AppError::Unprocessable(err.to_string())
            }
            ImportServiceError::Db(e) => e.into(),
            ImportServiceError::Pool(e) => e.into(),
            ImportServiceError::UploadGone => AppError::NotFound(err.to_string()),
            ImportServiceError::Blobs(e) => AppError::internal(e),
        }
    }
}
