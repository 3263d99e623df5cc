//! Income thresholds: each county's urban minimum living guarantee (城市低保标准) by period,
//! the bar a placement's income must reach for the trainee to count as employed (DOMAIN.md,
//! "Employed"). None is built in; the periods of one county never overlap.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::api::{
    CountyCode, Page, PageParams, if_match, not_blank, not_modified, nullable, parse_id,
    plausible_day, utc, with_etag,
};
use crate::auth::AuthUser;
use crate::db::placements::{IncomeThreshold, ThresholdChanges};
use crate::db::{self, Db};
use crate::error::{AppError, PROBLEM_JSON, Problem};
use crate::extract::{Json, Query};
use crate::service;

limited! {
    body;
    /// A threshold to record.
    #[derive(Debug, Deserialize, Validate, ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct CreateIncomeThreshold {
        /// A client-made id; sending the same request again answers the stored threshold.
        pub id: Option<Uuid>,
        /// The county.
        pub county_code: CountyCode,
        /// The monthly amount, in fen (more than 0, at most 10,000,000).
        #[validate(range(min = 1, max = 10_000_000))]
        #[schema(minimum = 1, maximum = 10_000_000, example = 78000)]
        pub monthly_fen: i64,
        /// The first day it is in force.
        #[validate(custom(function = "plausible_day"))]
        pub valid_from: NaiveDate,
        /// The last day it is in force; absent or `null` until further notice.
        #[validate(custom(function = "plausible_day"))]
        pub valid_to: Option<NaiveDate>,
        /// Where the figure comes from (the notice that set it).
        #[validate(custom(function = "not_blank"))]
        #[schema(
            pattern = r"^[^\u0000]*$",
            example = "吕梁市民政局 2025 年城市低保标准"
        )]
        [1, 200]
        pub source: String,
    }
}

/// A threshold as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncomeThresholdResponse {
    /// Id.
    pub id: Uuid,
    /// The county.
    pub county_code: String,
    /// The monthly amount, in fen.
    pub monthly_fen: i64,
    /// First day in force.
    pub valid_from: NaiveDate,
    /// Last day in force; `null` until further notice.
    pub valid_to: Option<NaiveDate>,
    /// Where the figure comes from.
    pub source: String,
    /// The version (also the `ETag`).
    pub version: i32,
    /// When recorded.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
    /// Why an administrator last corrected its amount or dates, if one did.
    pub correction_reason: Option<String>,
    /// When.
    pub corrected_at: Option<DateTime<Utc>>,
}

impl TryFrom<IncomeThreshold> for IncomeThresholdResponse {
    type Error = AppError;

    fn try_from(row: IncomeThreshold) -> Result<Self, AppError> {
        let IncomeThreshold {
            id,
            county_code,
            monthly_fen,
            valid_from,
            valid_to,
            source,
            version,
            created_at,
            updated_at,
            correction_reason,
            corrected_at,
            corrected_by: _,
        } = row;
        Ok(Self {
            id: parse_id(&id)?,
            county_code,
            monthly_fen,
            valid_from,
            valid_to,
            source,
            version,
            created_at: utc(created_at),
            updated_at: utc(updated_at),
            correction_reason,
            corrected_at: corrected_at.map(utc),
        })
    }
}

fn answer(status: StatusCode, row: IncomeThreshold) -> Result<HttpResponse, AppError> {
    let body = IncomeThresholdResponse::try_from(row)?;
    Ok(with_etag(HttpResponse::build(status), body.version).json(body))
}

/// Records a county's threshold for a period. A period that overlaps another of the same
/// county is refused (409, naming the stored one): close the earlier period first.
#[utoipa::path(
    tag = "placements",
    request_body = CreateIncomeThreshold,
    responses(
        (status = 201, description = "Recorded", body = IncomeThresholdResponse),
        (status = 200, description = "The same request again: the stored threshold", body = IncomeThresholdResponse),
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 409, description = "The period overlaps another of the county, or the id is another threshold's",
            body = Problem, content_type = PROBLEM_JSON),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, description = "A field is invalid, the period ends before it starts, or the county is not the caller's",
            body = Problem, content_type = PROBLEM_JSON),
    )
)]
#[post("/income-thresholds")]
pub async fn create_income_threshold(
    db: web::Data<Db>,
    caller: AuthUser,
    Json(body): Json<CreateIncomeThreshold>,
) -> Result<HttpResponse, AppError> {
    let now = db::now();
    let candidate = IncomeThreshold {
        id: body.id.unwrap_or_else(Uuid::new_v4).to_string(),
        county_code: body.county_code.0,
        monthly_fen: body.monthly_fen,
        valid_from: body.valid_from,
        valid_to: body.valid_to,
        source: body.source.trim().to_owned(),
        version: 1,
        created_at: now,
        updated_at: now,
        correction_reason: None,
        corrected_at: None,
        corrected_by: None,
    };
    let (created, row) = db
        .run(move |conn| service::income_thresholds::create(conn, &caller, candidate))
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    answer(status, row)
}

limited! {
    body;
    /// A change of a threshold: close its period when the next amount is announced, or mend its
    /// source. The amount and the start are facts of the notice and do not change: a different
    /// amount is a new period.
    #[derive(Debug, Deserialize, Validate, ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct UpdateIncomeThreshold {
        /// The last day in force; `null` for until further notice.
        #[serde(default, deserialize_with = "nullable")]
        #[validate(custom(function = "plausible_day"))]
        #[schema(value_type = Option<NaiveDate>)]
        pub valid_to: Option<Option<NaiveDate>>,
        /// Where the figure comes from.
        #[validate(custom(function = "not_blank"))]
        #[schema(pattern = r"^[^\u0000]*$")]
        [1, 200]
        pub source: Option<String>,
    }
}

/// One threshold of the caller's counties.
#[utoipa::path(
    tag = "placements",
    params(
        ("id" = Uuid, Path, description = "Threshold id"),
        ("If-None-Match" = Option<String>, Header, description = "An ETag read before: 304 when unchanged"),
    ),
    responses(
        (status = 200, description = "The threshold", body = IncomeThresholdResponse, headers(("ETag" = String, description = "The version"))),
        (status = 304, description = "Unchanged since the ETag sent"),
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[get("/income-thresholds/{id}")]
pub async fn get_income_threshold(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner().to_string();
    let row = db
        .run(move |conn| service::income_thresholds::get(conn, &caller, &id))
        .await?;
    if let Some(response) = not_modified(&req, row.version) {
        return Ok(response);
    }
    answer(StatusCode::OK, row)
}

/// Closes a threshold's period (`valid_to`) or mends its source; needs `If-Match`. The period
/// may not come to overlap another of the county (409).
#[utoipa::path(
    tag = "placements",
    params(
        ("id" = Uuid, Path, description = "Threshold id"),
        ("If-Match" = String, Header, description = "The ETag (version) the change is based on, or `*`",
            pattern = r#"^(\*|(W/)?"[0-9]+")$"#),
    ),
    request_body = UpdateIncomeThreshold,
    responses(
        (status = 200, description = "Changed", body = IncomeThresholdResponse, headers(("ETag" = String, description = "The new version"))),
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, description = "The period would overlap another of the county", body = Problem, content_type = PROBLEM_JSON),
        (status = 412, response = crate::openapi::PreconditionFailed),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, description = "A field is invalid, or the period would end before it starts", body = Problem, content_type = PROBLEM_JSON),
        (status = 428, response = crate::openapi::PreconditionRequired),
    )
)]
#[patch("/income-thresholds/{id}")]
pub async fn update_income_threshold(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    Json(body): Json<UpdateIncomeThreshold>,
) -> Result<HttpResponse, AppError> {
    let version = if_match(&req)?;
    let id = id.into_inner().to_string();
    let changes = ThresholdChanges {
        valid_to: body.valid_to,
        source: body.source.map(|s| s.trim().to_owned()),
    };
    let row = db
        .run(move |conn| service::income_thresholds::update(conn, &caller, &id, version, changes))
        .await?;
    answer(StatusCode::OK, row)
}

limited! {
    body;
    /// A correction of a threshold entered wrongly: any of its amount and dates, with a reason.
    #[derive(Debug, Deserialize, Validate, ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct CorrectIncomeThreshold {
        /// The amount it should have had, in fen (more than 0, at most 10,000,000).
        #[validate(range(min = 1, max = 10_000_000))]
        #[schema(minimum = 1, maximum = 10_000_000, example = 78000)]
        pub monthly_fen: Option<i64>,
        /// The first day it should have been in force (1970–9999).
        #[validate(custom(function = "plausible_day"))]
        #[schema(value_type = Option<String>, format = Date, pattern = r"^(19[7-9][0-9]|[2-9][0-9]{3})-[0-9]{2}-[0-9]{2}$")]
        pub valid_from: Option<NaiveDate>,
        /// The last day it should have been in force (1970–9999); `null` for until further
        /// notice.
        #[serde(default, deserialize_with = "nullable")]
        #[validate(custom(function = "plausible_day"))]
        #[schema(value_type = Option<String>, format = Date, nullable, pattern = r"^(19[7-9][0-9]|[2-9][0-9]{3})-[0-9]{2}-[0-9]{2}$")]
        pub valid_to: Option<Option<NaiveDate>>,
        /// Why, in a few words: kept with the threshold.
        #[validate(custom(function = "not_blank"))]
        #[schema(
            pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$",
            example = "单位录入错误：应为780元，误录为7.80元"
        )]
        [1, 500]
        pub reason: String,
    }
}

/// Corrects a threshold entered wrongly (administrators): its amount or its dates, with a
/// reason kept on it and in the audit trail; the county's figures are counted again by it. Not
/// for a new amount announced (close the period and record the next one). The values sent are
/// the ones meant, so the same correction again, or one that changes nothing, answers the
/// threshold as it is.
#[utoipa::path(
    tag = "placements",
    params(("id" = Uuid, Path, description = "Threshold id")),
    request_body = CorrectIncomeThreshold,
    responses(
        (status = 200, description = "Corrected", body = IncomeThresholdResponse, headers(("ETag" = String, description = "The new version"))),
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, description = "The corrected period would end before it starts, or overlap another of the county", body = Problem, content_type = PROBLEM_JSON),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Invalid),
    )
)]
#[post("/income-thresholds/{id}/correct")]
pub async fn correct_income_threshold(
    db: web::Data<Db>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    Json(body): Json<CorrectIncomeThreshold>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner().to_string();
    let correction = service::income_thresholds::Correction {
        monthly_fen: body.monthly_fen,
        valid_from: body.valid_from,
        valid_to: body.valid_to,
        reason: body.reason.trim().to_owned(),
    };
    let row = db
        .run(move |conn| service::income_thresholds::correct(conn, &caller, &id, correction))
        .await?;
    answer(StatusCode::OK, row)
}

/// `?county=` of the list of thresholds.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ThresholdFilter {
    /// Only this county.
    pub county: Option<CountyCode>,
}

/// The thresholds of the caller's counties, by county and start (administrators and managers).
#[utoipa::path(
    tag = "placements",
    params(ThresholdFilter, PageParams),
    responses(
        (status = 200, description = "One page of thresholds", body = Page<IncomeThresholdResponse>),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 422, response = crate::openapi::Invalid),
    )
)]
#[get("/income-thresholds")]
pub async fn list_income_thresholds(
    db: web::Data<Db>,
    caller: AuthUser,
    Query(filter): Query<ThresholdFilter>,
    Query(page): Query<PageParams>,
) -> Result<HttpResponse, AppError> {
    let county = filter.county.map(|c| c.0);
    let limit = page.limit();
    let after = page.after()?.as_deref().map(parse_key).transpose()?;
    let rows = db
        .run(move |conn| {
            service::income_thresholds::list(conn, &caller, county.as_deref(), after, limit + 1)
        })
        .await?;
    let page = Page::from_rows(
        rows,
        limit,
        |t| format!("{}|{}|{}", t.county_code, t.valid_from, t.id),
        IncomeThresholdResponse::try_from,
    )?;
    Ok(HttpResponse::Ok().json(page))
}

/// The `(county, start, id)` position a cursor carries.
fn parse_key(key: &str) -> Result<(String, NaiveDate, String), AppError> {
    let invalid = || AppError::field("cursor", "invalid", "is not a cursor of this list");
    let mut parts = key.splitn(3, '|');
    let (Some(county), Some(from), Some(id)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(invalid());
    };
    let from = NaiveDate::parse_from_str(from, "%Y-%m-%d").map_err(|_| invalid())?;
    plausible_day(&from).map_err(|_| invalid())?;
    Ok((county.to_owned(), from, id.to_owned()))
}

/// Income thresholds in offline sync (for managers): the record as
/// `GET /income-thresholds/{id}` answers it. They are set online.
pub fn sync_kind() -> crate::api::SyncKind {
    crate::api::SyncKind {
        kind: service::sync::Kind::IncomeThreshold,
        schema: "IncomeThresholdResponse",
        load: |conn, ctx, id| {
            crate::api::visible(
                service::income_thresholds::get(conn, &ctx.caller, id)
                    .and_then(IncomeThresholdResponse::try_from),
            )
        },
        actions: &[],
    }
}
