//! `GET /healthz`: liveness plus a database round trip, for load balancers.

use actix_web::{HttpResponse, web};
use diesel::RunQueryDsl;

use crate::db_run;
use crate::error::AppError;
use crate::state::AppState;

/// Answers 200 `{"status":"ok"}` when the database answers, else 503.
pub async fn check(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let pool = state.pool.clone();
    let db_ok = web::block(move || {
        pool.run(|c| -> Result<(), AppError> {
            db_run!(c, |c| diesel::sql_query("SELECT 1").execute(c))?;
            Ok(())
        })
    })
    .await?
    .is_ok();
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
