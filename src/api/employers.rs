//! Employers: the minimal record that employer accounts and placements name.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use diesel::Connection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::api::parse_id;
use crate::api::{CountyCode, Page, PageParams, not_modified, utc, with_etag};
use crate::auth::{AuthUser, Role};
use crate::db::{self, Db, employers::Employer};
use crate::error::{AppError, PROBLEM_JSON, Problem};
use crate::extract::{Json, Query};

/// A new employer.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEmployer {
    /// A client-made id; sending the same request again answers the stored employer.
    pub id: Option<Uuid>,
    /// Registered name.
    #[validate(length(min = 1, max = 200))]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000]*$",
        example = "吕梁市康养护理院"
    )]
    pub name: String,
    /// City of the workplace.
    #[validate(length(min = 1, max = 50))]
    #[schema(
        min_length = 1,
        max_length = 50,
        pattern = r"^[^\u0000]*$",
        example = "北京市"
    )]
    pub city: Option<String>,
    /// County, for an employer in Lüliang.
    pub county_code: Option<CountyCode>,
}

/// An employer.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmployerResponse {
    /// Employer id.
    pub id: Uuid,
    /// Registered name.
    pub name: String,
    /// City of the workplace.
    pub city: Option<String>,
    /// County, for an employer in Lüliang.
    pub county_code: Option<String>,
    /// Whether placements may name it.
    pub active: bool,
    /// The version (also the `ETag`).
    pub version: i32,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<Employer> for EmployerResponse {
    type Error = AppError;

    fn try_from(row: Employer) -> Result<Self, AppError> {
        let Employer {
            id,
            name,
            city,
            county_code,
            active,
            version,
            created_at,
            updated_at,
        } = row;
        Ok(Self {
            id: parse_id(&id)?,
            name,
            city,
            county_code,
            active,
            version,
            created_at: utc(created_at),
            updated_at: utc(updated_at),
        })
    }
}

/// Registers an employer.
#[utoipa::path(
    tag = "employers",
    operation_id = "create_employer",
    request_body = CreateEmployer,
    responses(
        (status = 201, description = "Created", body = EmployerResponse),
        (status = 200, description = "The same request again: the stored employer", body = EmployerResponse),
        (status = 400, description = "The body cannot be read", body = Problem, content_type = PROBLEM_JSON),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = PROBLEM_JSON),
        (status = 401, description = "Not signed in", body = Problem, content_type = PROBLEM_JSON),
        (status = 403, description = "Only administrators register employers (reference data)", body = Problem,
            content_type = PROBLEM_JSON),
        (status = 409, description = "The id is used by a different employer", body = Problem, content_type = PROBLEM_JSON),
        (status = 422, description = "A field is invalid", body = Problem, content_type = PROBLEM_JSON),
    )
)]
#[post("/employers")]
pub async fn create_employer(
    db: web::Data<Db>,
    caller: AuthUser,
    Json(body): Json<CreateEmployer>,
) -> Result<HttpResponse, AppError> {
    caller.require(&[Role::Admin])?;
    let (created, row) = db
        .run(move |conn| {
            let id = body.id.unwrap_or_else(Uuid::new_v4).to_string();
            let county_code = body.county_code.map(|c| c.0);
            if let Some(existing) = db::employers::find(conn, &id, None)? {
                let same = existing.name == body.name
                    && existing.city == body.city
                    && existing.county_code == county_code;
                return if same {
                    Ok((false, existing))
                } else {
                    Err(AppError::Conflict {
                        detail: "This id belongs to a different employer".into(),
                        existing_id: Some(id),
                    })
                };
            }
            let now = db::now();
            let row = Employer {
                id: id.clone(),
                name: body.name,
                city: body.city,
                county_code,
                active: true,
                version: 1,
                created_at: now,
                updated_at: now,
            };
            conn.transaction(|c| {
                db::employers::insert(c, &row)?;
                db::audit::record(c, caller.event("create", "employer", Some(&id)))
            })?;
            Ok((true, row))
        })
        .await?;
    let response = EmployerResponse::try_from(row)?;
    let status = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(with_etag(status, response.version).json(response))
}

/// Lists employers; an employer account sees only its own.
#[utoipa::path(
    tag = "employers",
    operation_id = "list_employers",
    params(PageParams),
    responses(
        (status = 200, description = "One page of employers", body = Page<EmployerResponse>),
        (status = 401, description = "Not signed in", body = Problem, content_type = PROBLEM_JSON),
        (status = 422, description = "A query parameter is invalid", body = Problem, content_type = PROBLEM_JSON),
    )
)]
#[get("/employers")]
pub async fn list_employers(
    db: web::Data<Db>,
    caller: AuthUser,
    Query(page): Query<PageParams>,
) -> Result<HttpResponse, AppError> {
    let after = page.after()?;
    let limit = page.limit();
    let only = own_employer(&caller)?;
    let rows = db
        .run(move |conn| {
            Ok(db::employers::list(
                conn,
                after.as_deref(),
                only.as_deref(),
                limit + 1,
            )?)
        })
        .await?;
    let page = Page::from_rows(rows, limit, |e| e.id.clone(), EmployerResponse::try_from)?;
    Ok(HttpResponse::Ok().json(page))
}

/// One employer; an employer account sees only its own (404 for any other).
#[utoipa::path(
    tag = "employers",
    operation_id = "get_employer",
    params(
        ("id" = Uuid, Path, description = "Employer id"),
        ("If-None-Match" = Option<String>, Header, description = "An ETag read before: 304 when unchanged"),
    ),
    responses(
        (status = 200, description = "The employer", body = EmployerResponse),
        (status = 304, description = "Unchanged since the ETag sent"),
        (status = 400, description = "The id is malformed", body = Problem, content_type = PROBLEM_JSON),
        (status = 401, description = "Not signed in", body = Problem, content_type = PROBLEM_JSON),
        (status = 404, description = "No such employer, or not yours", body = Problem, content_type = PROBLEM_JSON),
    )
)]
#[get("/employers/{id}")]
pub async fn get_employer(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner().to_string();
    let only = own_employer(&caller)?;
    let row = db
        .run(move |conn| db::employers::find(conn, &id, only.as_deref())?.ok_or(AppError::NotFound))
        .await?;
    if let Some(response) = not_modified(&req, row.version) {
        return Ok(response);
    }
    let response = EmployerResponse::try_from(row)?;
    Ok(with_etag(HttpResponse::Ok(), response.version).json(response))
}

/// For an employer account, the one employer it may see; `None` for the other roles.
fn own_employer(caller: &AuthUser) -> Result<Option<String>, AppError> {
    match caller.role {
        Role::Employer => caller
            .employer_id
            .clone()
            .map(Some)
            .ok_or_else(|| AppError::internal("employer account without employer")),
        _ => Ok(None),
    }
}
