//! The audit trail: who did what when.

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::api::{Page, PageParams, parse_time_key, time_key, utc};
use crate::auth::AuthUser;
use crate::db::{self, Db, audit::AuditEntry};
use crate::error::AppError;
use crate::extract::Query;
use crate::service;

limited! {
    query;
    /// Filters of the audit trail.
    #[derive(Debug, Deserialize, Validate, IntoParams)]
    #[into_params(parameter_in = Query)]
    pub struct AuditFilter {
        /// Only this kind of record: `user`, `employer`, `session`, …
        #[param(pattern = r"^[^\u0000]*$")]
        [1, 50]
        pub entity: Option<String>,
        /// Only this record.
        pub entity_id: Option<Uuid>,
        /// Only what this account did.
        pub actor: Option<Uuid>,
        /// Only at or after this time (RFC 3339, in the years 1970–9999).
        #[validate(custom(function = "crate::api::plausible_time"))]
        #[param(value_type = Option<String>, format = DateTime, pattern = "^(19[7-9][0-9]|[2-9][0-9]{3})-")]
        pub since: Option<DateTime<Utc>>,
    }
}

/// One audit entry. It names records by id and carries no personal data.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryResponse {
    /// Entry id.
    pub id: Uuid,
    /// The account that acted; absent for a failed sign-in.
    pub actor: Option<Uuid>,
    /// What was done: `create`, `update`, `sign_in`, `sign_in_failed`, `sign_out`, `refresh`, …
    pub action: String,
    /// The kind of record.
    pub entity: String,
    /// The record's id.
    pub entity_id: Option<String>,
    /// The county of the record, for records that belong to one.
    pub county_code: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
    /// The request that did it (its `X-Request-Id`).
    pub request_id: Option<String>,
}

impl TryFrom<AuditEntry> for AuditEntryResponse {
    type Error = AppError;

    fn try_from(row: AuditEntry) -> Result<Self, AppError> {
        let AuditEntry {
            id,
            actor_id,
            action,
            entity,
            entity_id,
            county_code,
            at,
            request_id,
        } = row;
        Ok(Self {
            id: crate::api::parse_id(&id)?,
            actor: actor_id.as_deref().map(crate::api::parse_id).transpose()?,
            action,
            entity,
            entity_id,
            county_code,
            at: utc(at),
            request_id,
        })
    }
}

/// The audit trail, newest first. Administrators see all of it; a manager sees the records of
/// their counties and their own actions.
#[utoipa::path(
    tag = "accounts",
    operation_id = "list_audit",
    params(PageParams, AuditFilter),
    responses(
        (status = 200, description = "One page of entries", body = Page<AuditEntryResponse>),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 422, response = crate::openapi::Invalid),
    )
)]
#[get("/audit")]
pub async fn list_audit(
    db: web::Data<Db>,
    caller: AuthUser,
    Query(page): Query<PageParams>,
    Query(filter): Query<AuditFilter>,
) -> Result<HttpResponse, AppError> {
    let before = page.after()?.as_deref().map(parse_time_key).transpose()?;
    let limit = page.limit();
    let filter = db::audit::Filter {
        entity: filter.entity,
        entity_id: filter.entity_id.map(|id| id.to_string()),
        actor_id: filter.actor.map(|id| id.to_string()),
        since: filter.since.map(|t| t.naive_utc()),
        scope: None,
    };
    let rows = db
        .run(move |conn| service::audit::list(conn, &caller, filter, before, limit + 1))
        .await?;
    let page = Page::from_rows(
        rows,
        limit,
        |e| time_key(e.at, &e.id),
        AuditEntryResponse::try_from,
    )?;
    Ok(HttpResponse::Ok().json(page))
}
