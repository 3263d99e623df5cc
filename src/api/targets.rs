//! The year's targets (DOMAIN.md, Reporting): for the city or one county, how many to train,
//! the share of them to certify, how many to place in work, and optionally how many to train at
//! the intermediate and advanced levels. Liulin 2023: 900 / 90 % / 540.
//!
//! Scope: administrators set and read every target; a manager those of their counties, and the
//! city's when they are a manager of all 13 counties. Field staff and employers see none.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::api::{utc, with_etag};
use crate::auth::AuthUser;
use crate::db::targets::Target;
use crate::db::{self, Db};
use crate::domain::COUNTY_CODES;
use crate::error::{AppError, PROBLEM_JSON, Problem};
use crate::extract::Json;
use crate::service;

use crate::service::targets::CITY;

/// The first and last programme years a target may be set for.
const YEARS: std::ops::RangeInclusive<i32> = 2016..=2100;

/// A year's target for one scope.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutTarget {
    /// `city`, or a county code of Lüliang.
    #[schema(
        pattern = "^(city|14(1102|1121|1122|1123|1124|1125|1126|1127|1128|1129|1130|1181|1182))$",
        example = "141125"
    )]
    pub scope: String,
    /// Trainees to train (培训人数).
    #[validate(range(min = 0, max = 10_000_000))]
    #[schema(minimum = 0, maximum = 10_000_000, example = 900)]
    pub trained: i32,
    /// The share of the trained to certify, in percent (0 to 100, to two decimals).
    #[validate(range(min = 0.0, max = 100.0))]
    #[schema(minimum = 0, maximum = 100, example = 90)]
    pub certification_rate: f64,
    /// Trainees to place in work (就业人数).
    #[validate(range(min = 0, max = 10_000_000))]
    #[schema(minimum = 0, maximum = 10_000_000, example = 540)]
    pub employed: i32,
    /// Trainees to train at the intermediate level (L4).
    #[validate(range(min = 0, max = 10_000_000))]
    #[schema(minimum = 0, maximum = 10_000_000)]
    pub intermediate_trained: Option<i32>,
    /// Trainees to train at the advanced level (L3) and above.
    #[validate(range(min = 0, max = 10_000_000))]
    #[schema(minimum = 0, maximum = 10_000_000)]
    pub advanced_trained: Option<i32>,
}

/// A year's target for one scope, as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct TargetResponse {
    /// The programme year.
    pub year: i32,
    /// `city`, or a county code.
    pub scope: String,
    /// Trainees to train.
    pub trained: i32,
    /// The share of the trained to certify, in percent.
    pub certification_rate: f64,
    /// Trainees to place in work.
    pub employed: i32,
    /// Trainees to train at L4.
    pub intermediate_trained: Option<i32>,
    /// Trainees to train at L3 and above.
    pub advanced_trained: Option<i32>,
    /// The version (also the `ETag`).
    pub version: i32,
    /// When first set.
    pub created_at: DateTime<Utc>,
    /// When last set.
    pub updated_at: DateTime<Utc>,
}

impl From<Target> for TargetResponse {
    fn from(row: Target) -> Self {
        let Target {
            year,
            scope,
            trained,
            certification_rate_bp,
            employed,
            intermediate_trained,
            advanced_trained,
            version,
            created_at,
            updated_at,
        } = row;
        Self {
            year,
            scope,
            trained,
            certification_rate: f64::from(certification_rate_bp) / 100.0,
            employed,
            intermediate_trained,
            advanced_trained,
            version,
            created_at: utc(created_at),
            updated_at: utc(updated_at),
        }
    }
}

/// A year's targets, by scope.
#[derive(Debug, Serialize, ToSchema)]
pub struct TargetsResponse {
    /// The programme year.
    pub year: i32,
    /// The targets the caller may see, by scope (`city` first when present).
    pub items: Vec<TargetResponse>,
}

fn check_year(year: i32) -> Result<(), AppError> {
    if YEARS.contains(&year) {
        Ok(())
    } else {
        Err(AppError::field(
            "year",
            "range",
            format!(
                "must be a programme year from {} to {}",
                YEARS.start(),
                YEARS.end()
            ),
        ))
    }
}

/// The `If-Match` of a `PUT`, if sent: it must then name the current version (412 otherwise).
fn optional_if_match(req: &HttpRequest) -> Result<Option<i32>, AppError> {
    let Some(value) = req.headers().get(actix_web::http::header::IF_MATCH) else {
        return Ok(None);
    };
    if value.as_bytes().iter().all(u8::is_ascii_whitespace) {
        Err(AppError::Malformed(
            "If-Match is empty: send the ETag read, or no If-Match".into(),
        ))
    } else {
        crate::api::if_match(req)
    }
}

/// Sets a year's target for the city or a county, replacing what was set before. Sending the
/// same target again changes nothing. With `If-Match`, only over the version named (412).
#[utoipa::path(
    tag = "reports",
    params(
        ("year" = i32, Path, description = "The programme year, 2016 to 2100", minimum = 2016, maximum = 2100),
        ("If-Match" = Option<String>, Header, description = "The ETag (version) the change is based on, or `*`; optional",
            pattern = r#"^(\*|(W/)?"[0-9]+")$"#),
    ),
    request_body = PutTarget,
    responses(
        (status = 201, description = "Set for the first time", body = TargetResponse, headers(("ETag" = String, description = "The version"))),
        (status = 200, description = "Replaced, or the same again", body = TargetResponse, headers(("ETag" = String, description = "The version"))),
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 412, response = crate::openapi::PreconditionFailed),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, description = "A field is invalid, or the scope is not the caller's", body = Problem, content_type = PROBLEM_JSON),
    )
)]
#[put("/targets/{year}")]
pub async fn put_target(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: AuthUser,
    year: web::Path<i32>,
    Json(body): Json<PutTarget>,
) -> Result<HttpResponse, AppError> {
    let year = year.into_inner();
    check_year(year)?;
    let version = optional_if_match(&req)?;
    let scope = body.scope.trim().to_owned();
    if scope != CITY && !COUNTY_CODES.contains(&scope.as_str()) {
        return Err(AppError::field(
            "scope",
            "unknown_scope",
            "must be `city` or a county code of Lüliang",
        ));
    }
    service::targets::may_set(&caller, &scope)?;
    let rate = body.certification_rate * 100.0;
    if (rate - rate.round()).abs() > 1e-6 {
        return Err(AppError::field(
            "certification_rate",
            "precision",
            "has at most two decimals",
        ));
    }
    let now = db::now();
    let target = Target {
        year,
        scope,
        trained: body.trained,
        // Within 0..=10000 by the range check of the body.
        certification_rate_bp: rate.round() as i32,
        employed: body.employed,
        intermediate_trained: body.intermediate_trained,
        advanced_trained: body.advanced_trained,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let (created, row) = db
        .run(move |conn| service::targets::put(conn, &caller, target, version))
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let body = TargetResponse::from(row);
    Ok(with_etag(HttpResponse::build(status), body.version).json(body))
}

/// A year's targets that the caller may see: every scope for administrators, a manager's
/// counties (and the city, for a manager of all 13).
#[utoipa::path(
    tag = "reports",
    params(("year" = i32, Path, description = "The programme year, 2016 to 2100", minimum = 2016, maximum = 2100)),
    responses(
        (status = 200, description = "The targets", body = TargetsResponse),
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 422, description = "The year is out of range", body = Problem, content_type = PROBLEM_JSON),
    )
)]
#[get("/targets/{year}")]
pub async fn get_targets(
    db: web::Data<Db>,
    caller: AuthUser,
    year: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let year = year.into_inner();
    check_year(year)?;
    let mut rows = db
        .run(move |conn| service::targets::of_year(conn, &caller, year))
        .await?;
    // The city first, then the counties by code.
    rows.sort_by_key(|t| (t.scope != CITY, t.scope.clone()));
    Ok(HttpResponse::Ok().json(TargetsResponse {
        year,
        items: rows.into_iter().map(TargetResponse::from).collect(),
    }))
}
