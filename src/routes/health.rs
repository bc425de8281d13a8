//! `GET /healthz`: liveness plus a database round trip, for load balancers.

use crate::error::AppError;
use crate::state::AppState;
use actix_web::{HttpResponse, web};

/// Answers 200 `{"status":"ok"}` when the database answers, else 503.
pub async fn check(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let db_ok = state.blocking(|st| Ok::<_, AppError>(st.pool.ping().is_ok())).await?;
    let body = serde_json::json!({
        "status": if db_ok { "ok" } else { "degraded" },
        "database": if db_ok { "ok" } else { "unreachable" },
        "version": env!("CARGO_PKG_VERSION"),
    });
    Ok(if db_ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    })
}
