//! Liveness and readiness of the service.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::Db;
use crate::error::{AppError, Problem};

/// The state of the service.
#[derive(Debug, Serialize, ToSchema)]
pub struct Status {
    /// `ok` (the process answers) or `ready` (the database answers too).
    #[schema(example = "ok")]
    pub status: String,
}

/// The process is alive.
#[utoipa::path(
    tag = "service",
    operation_id = "get_health",
    security(()),
    responses((status = 200, description = "The process answers", body = Status))
)]
#[get("/healthz")]
pub async fn get_health() -> HttpResponse {
    HttpResponse::Ok().json(Status {
        status: "ok".into(),
    })
}

/// The database answers: 503 while it does not, 200 again as soon as it does.
#[utoipa::path(
    tag = "service",
    operation_id = "get_readiness",
    security(()),
    responses(
        (status = 200, description = "The database answers", body = Status),
        (status = 503, description = "The database cannot be reached", body = Problem,
            content_type = "application/problem+json"),
    )
)]
#[get("/readyz")]
pub async fn get_readiness(db: web::Data<Db>) -> Result<HttpResponse, AppError> {
    db.ping().await?;
    Ok(HttpResponse::Ok().json(Status {
        status: "ready".into(),
    }))
}
