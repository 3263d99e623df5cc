//! The ladder as the API explains it: each trainee's standing per occupation, the eligibility
//! kept for managers' lists of candidates, and the level gate on enrolment.

use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::api::{CountyCode, Page, PageParams, parse_id};
use crate::auth::AuthUser;
use crate::db::Db;
use crate::domain::progression::Standing;
use crate::domain::today_in_china;
use crate::domain::training::{Level, Occupation};
use crate::error::AppError;
use crate::extract::Query;
use crate::service::ladder;

/// What is missing for one line of the table.
#[derive(Debug, Serialize, ToSchema)]
pub struct MissingLine {
    /// The line: `L4.work_24_months_since_L5`, …
    pub line: String,
    /// What it still needs, in words.
    pub needs: Vec<String>,
    /// When only time is missing: the day it will be met if the current work goes on.
    pub met_from: Option<NaiveDate>,
}

/// A trainee's standing on the ladder of one occupation.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressionResponse {
    /// The occupation.
    pub occupation: Occupation,
    /// The highest skill level certified, if any.
    pub current_level: Option<Level>,
    /// The level above it; `null` at L1.
    pub next_level: Option<Level>,
    /// Whether they may be assessed for, and enrol in a cohort of, `next_level` today.
    pub eligible: bool,
    /// The line of the table that is met.
    pub met_by: Option<String>,
    /// For each line not met, what is missing.
    pub missing: Vec<MissingLine>,
    /// The earliest day a line will be met if only time is missing.
    pub eligible_from: Option<NaiveDate>,
}

impl From<Standing> for ProgressionResponse {
    fn from(standing: Standing) -> Self {
        let Standing {
            occupation,
            current_level,
            next_level,
            eligible,
            met_by,
            missing,
            eligible_from,
        } = standing;
        Self {
            occupation,
            current_level,
            next_level,
            eligible,
            met_by: met_by.map(str::to_owned),
            missing: missing
                .into_iter()
                .map(|l| MissingLine {
                    line: l.id.to_owned(),
                    needs: l.missing,
                    met_from: l.met_from,
                })
                .collect(),
            eligible_from,
        }
    }
}

/// Where a trainee of the caller's counties stands on the ladder: one entry per occupation they
/// hold a certificate of or have an enrolment in.
#[utoipa::path(
    tag = "certification",
    params(("id" = Uuid, Path, description = "Trainee id")),
    responses(
        (status = 200, description = "One entry per occupation", body = Vec<ProgressionResponse>),
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[get("/trainees/{id}/progression")]
pub async fn get_progression(
    db: web::Data<Db>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner().to_string();
    let standings = db
        .run(move |conn| ladder::standings_of(conn, &caller, &id))
        .await?;
    let body: Vec<ProgressionResponse> = standings.into_iter().map(Into::into).collect();
    Ok(HttpResponse::Ok().json(body))
}

/// Which candidates to list.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CandidateFilter {
    /// The level of the class to fill.
    pub level: Level,
    /// The occupation (default `elderly_care`, 养老护理员).
    pub occupation: Option<Occupation>,
    /// Only this county.
    pub county: Option<CountyCode>,
}

/// A trainee eligible for a level and not yet enrolled in it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateResponse {
    /// The trainee.
    pub trainee_id: Uuid,
    /// Name.
    pub name: String,
    /// County.
    pub county_code: String,
    /// Township.
    pub township: Option<String>,
    /// The occupation.
    pub occupation: Occupation,
    /// The level they are eligible for.
    pub level: Level,
    /// Since when (for someone eligible already: since the eligibility was last computed).
    pub eligible_from: NaiveDate,
}

/// Trainees of the caller's counties eligible for a level and not yet enrolled in a cohort of
/// it — the list a manager fills an intermediate or advanced class from. Paged by trainee id.
#[utoipa::path(
    tag = "certification",
    params(CandidateFilter, PageParams),
    responses(
        (status = 200, description = "One page of candidates", body = Page<CandidateResponse>),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 422, response = crate::openapi::Invalid),
    )
)]
#[get("/progression/candidates")]
pub async fn list_candidates(
    db: web::Data<Db>,
    caller: AuthUser,
    Query(filter): Query<CandidateFilter>,
    Query(page): Query<PageParams>,
) -> Result<HttpResponse, AppError> {
    let after = page.after()?;
    let limit = page.limit();
    let occupation = filter.occupation.unwrap_or(Occupation::ElderlyCare);
    let level = filter.level;
    let county = filter.county.map(|c| c.0);
    let today = today_in_china();
    let rows = db
        .run(move |conn| {
            ladder::candidates(
                conn,
                &caller,
                (occupation, level),
                today,
                county.as_deref(),
                after.as_deref(),
                limit + 1,
            )
        })
        .await?;
    let page = Page::from_rows(
        rows,
        limit,
        |(t, _)| t.id.clone(),
        |(trainee, eligible_from)| {
            Ok(CandidateResponse {
                trainee_id: parse_id(&trainee.id)?,
                name: trainee.name,
                county_code: trainee.county_code,
                township: trainee.township,
                occupation,
                level,
                eligible_from,
            })
        },
    )?;
    Ok(HttpResponse::Ok().json(page))
}
