//! Follow-ups (回访, DOMAIN.md journey step 5): facts recorded from the field, often offline,
//! append-only. A correction is a new follow-up; nothing is edited or deleted. Each one keeps
//! the phone's clock (`recorded_at`) and the server's (`received_at`), and updates in the same
//! transaction what the placement keeps from them: the latest day, whether the person stopped
//! working there, its verification by a visit or a call, and when the next one is due. One that
//! finds the person in new work may carry it: the placement ends and the new one opens.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::api::{Business, Household, SyncAction, SyncApplied, SyncKind, visible, work_of};
use crate::api::{
    CountyCode, Page, PageParams, not_blank, parse_id, parse_time_key, plausible_day,
    plausible_time, time_key, utc,
};
use crate::auth::{AuthUser, Role};
use crate::db::placements::FollowUp;
use crate::db::{self, Db};
use crate::domain::placement::{Channel, ContractType, Evidence, WorkKind};
use crate::domain::training::Occupation;
use crate::domain::{phone, today_in_china};
use crate::error::{AppError, PROBLEM_JSON, Problem};
use crate::extract::{Json, Query};
use crate::service::{self, sync};

limited! {
    body;
    /// New work a follow-up found the person in: the placement followed up ends the day before
    /// it started, and this one opens — field-verified when the follow-up was a visit or a call.
    #[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct NewWork {
        /// A client-made id for the new placement.
        pub id: Option<Uuid>,
        /// `employer`, `household` or `self_employed`; may be left out, as the one of
        /// `employer_id`, `household` and `business` given says it.
        pub kind: Option<WorkKind>,
        /// A registered, active employer.
        pub employer_id: Option<Uuid>,
        /// A household that hires directly.
        #[validate(nested)]
        pub household: Option<Household>,
        /// The business, for self-employment.
        #[validate(nested)]
        pub business: Option<Business>,
        /// The occupation; default: the placement's followed up.
        pub occupation: Option<Occupation>,
        /// The position; default: the placement's followed up.
        #[validate(custom(function = "not_blank"))]
        #[schema(pattern = r"^[^\u0000]*$", example = "住家护理员")]
        [1, 100]
        pub position: Option<String>,
        /// Where; default: the placement's followed up.
        #[validate(custom(function = "not_blank"))]
        #[schema(pattern = r"^[^\u0000]*$", example = "太原市")]
        [1, 50]
        pub work_city: Option<String>,
        /// Its first day: after the placement's start and latest follow-up, at the latest the
        /// follow-up's day.
        #[validate(custom(function = "plausible_day"))]
        pub started_on: NaiveDate,
        /// Its monthly income (wage, or self-employed income), in fen: 1 to 10,000,000.
        #[validate(range(min = 1, max = 10_000_000))]
        #[schema(minimum = 1, maximum = 10_000_000, example = 500000)]
        pub monthly_income_fen: i64,
        /// What it rests on; default `unwritten`.
        pub contract_type: Option<ContractType>,
    }
}

limited! {
    body;
    /// A follow-up to record.
    #[derive(Debug, Deserialize, Validate, ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct CreateFollowUp {
        /// A client-made id (the phone records follow-ups offline): sending it again is a no-op.
        pub id: Option<Uuid>,
        /// The day of the follow-up: from the placement's start, not in the future, and not after
        /// its end once it ended.
        #[validate(custom(function = "plausible_day"))]
        pub followed_up_on: NaiveDate,
        /// How the person was reached.
        pub channel: Channel,
        /// Whether they are in work.
        pub still_employed: bool,
        /// Whether they work for the placement's employer (false when not in work).
        pub same_employer: bool,
        /// Monthly income reported, in fen (0 to 10,000,000), when asked.
        #[validate(range(min = 0, max = 10_000_000))]
        #[schema(minimum = 0, maximum = 10_000_000, example = 480000)]
        pub monthly_income_fen: Option<i64>,
        /// A note.
        #[schema(pattern = r"^[^\u0000]*$")]
        [0, 500]
        pub note: Option<String>,
        /// When the phone recorded it, by its own clock (RFC 3339); default: when received.
        #[validate(custom(function = "plausible_time"))]
        #[schema(value_type = Option<String>, format = DateTime)]
        pub recorded_at: Option<DateTime<Utc>>,
        /// The new work the person was found in (with `still_employed` true and `same_employer`
        /// false).
        #[validate(nested)]
        pub new_work: Option<NewWork>,
    }
}

/// A follow-up as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUpResponse {
    /// Id.
    pub id: Uuid,
    /// The placement.
    pub placement_id: Uuid,
    /// The day of the follow-up.
    pub followed_up_on: NaiveDate,
    /// How the person was reached.
    pub channel: Channel,
    /// In work.
    pub still_employed: bool,
    /// At the placement's employer.
    pub same_employer: bool,
    /// Monthly income reported, in fen.
    pub monthly_income_fen: Option<i64>,
    /// Note.
    pub note: Option<String>,
    /// The phone's clock (UTC).
    pub recorded_at: DateTime<Utc>,
    /// The server's clock when it arrived (UTC).
    pub received_at: DateTime<Utc>,
    /// The account that sent it.
    pub recorded_by: Option<Uuid>,
    /// The placement its new work opened.
    pub new_placement_id: Option<Uuid>,
}

impl TryFrom<FollowUp> for FollowUpResponse {
    type Error = AppError;

    fn try_from(row: FollowUp) -> Result<Self, AppError> {
        let FollowUp {
            id,
            placement_id,
            followed_up_on,
            channel,
            still_employed,
            same_employer,
            monthly_income_fen,
            note,
            recorded_at,
            received_at,
            recorded_by,
            new_placement_id,
        } = row;
        Ok(Self {
            id: parse_id(&id)?,
            placement_id: parse_id(&placement_id)?,
            followed_up_on,
            channel: Channel::parse(&channel)
                .ok_or_else(|| AppError::internal("stored channel is unknown"))?,
            still_employed,
            same_employer,
            monthly_income_fen,
            note,
            recorded_at: utc(recorded_at),
            received_at: utc(received_at),
            recorded_by: recorded_by.as_deref().map(parse_id).transpose()?,
            new_placement_id: new_placement_id.as_deref().map(parse_id).transpose()?,
        })
    }
}

/// Records a follow-up of an open or ended placement of the caller's counties. Append-only:
/// a replay of the same id and body answers the stored follow-up (200), another body under the
/// id is refused (409).
#[utoipa::path(
    tag = "placements",
    params(("id" = Uuid, Path, description = "Placement id")),
    request_body = CreateFollowUp,
    responses(
        (status = 201, description = "Recorded", body = FollowUpResponse),
        (status = 200, description = "The same follow-up again: the stored one", body = FollowUpResponse),
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, description = "The id is another follow-up's", body = Problem, content_type = PROBLEM_JSON),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, description = "A field is invalid, or the day is before the start, after the end or in the future",
            body = Problem, content_type = PROBLEM_JSON),
    )
)]
#[post("/placements/{id}/follow-ups")]
pub async fn create_follow_up(
    db: web::Data<Db>,
    caller: AuthUser,
    placement_id: web::Path<Uuid>,
    Json(body): Json<CreateFollowUp>,
) -> Result<HttpResponse, AppError> {
    let id = body.id.unwrap_or_else(Uuid::new_v4);
    let placement_id = placement_id.into_inner();
    let (created, response) = db
        .run(move |conn| record_with(conn, &caller, placement_id, body, id))
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(HttpResponse::build(status).json(response))
}

/// Records the follow-up of `body` under `id`: the endpoint's work, and a pushed operation's.
fn record_with(
    conn: &mut db::AnyConnection,
    caller: &crate::access::Caller,
    placement_id: Uuid,
    body: CreateFollowUp,
    id: Uuid,
) -> Result<(bool, FollowUpResponse), AppError> {
    if body.same_employer && !body.still_employed {
        return Err(AppError::field(
            "same_employer",
            "contradiction",
            "cannot be true when still_employed is false",
        ));
    }
    let new_work = body.new_work.map(new_work).transpose()?;
    let now = db::now();
    let timed = body.recorded_at.is_some();
    let candidate = FollowUp {
        id: id.to_string(),
        placement_id: placement_id.to_string(),
        followed_up_on: body.followed_up_on,
        channel: body.channel.as_str().to_owned(),
        still_employed: body.still_employed,
        same_employer: body.same_employer,
        monthly_income_fen: body.monthly_income_fen,
        note: body
            .note
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty()),
        recorded_at: body
            .recorded_at
            .map_or(now, |t| db::truncate(t.naive_utc())),
        received_at: now,
        recorded_by: Some(caller.id.clone()),
        new_placement_id: None,
    };
    let (created, row) = service::follow_ups::record(conn, caller, candidate, new_work, timed)?;
    Ok((created, FollowUpResponse::try_from(row)?))
}

/// Follow-ups in offline sync: the record as `GET /placements/{id}/follow-ups` lists it;
/// pushes record them (append-only: they never conflict).
pub fn sync_kind() -> SyncKind {
    SyncKind {
        kind: sync::Kind::FollowUp,
        schema: "FollowUpResponse",
        load: |conn, ctx, id| {
            visible(
                service::follow_ups::get(conn, &ctx.caller, id)
                    .and_then(FollowUpResponse::try_from),
            )
        },
        actions: &[SyncAction {
            name: "create",
            body: "CreateFollowUp",
            path_ids: &["placement_id"],
            apply: |conn, ctx, mut op| {
                let placement_id = op.take_id("placement_id")?;
                let body: CreateFollowUp = op.body()?;
                let id = op.same_id(body.id)?;
                let (created, record) = record_with(conn, &ctx.caller, placement_id, body, id)?;
                SyncApplied::of(created, &record)
            },
        }],
    }
}

/// The new work of a follow-up, as the service takes it.
fn new_work(body: NewWork) -> Result<service::follow_ups::NewWork, AppError> {
    let work = work_of(
        "new_work.",
        body.kind,
        body.employer_id,
        body.household.as_ref(),
        body.business.as_ref(),
    )?;
    Ok(service::follow_ups::NewWork {
        id: body.id.map(|id| id.to_string()),
        kind: work.kind,
        employer_id: work.employer_id,
        household: work.household,
        business: work.business,
        occupation: body.occupation.map(|o| o.as_str().to_owned()),
        position: body.position.map(|p| p.trim().to_owned()),
        work_city: body.work_city.map(|c| c.trim().to_owned()),
        started_on: body.started_on,
        monthly_income_fen: body.monthly_income_fen,
        contract_type: body.contract_type.map(|c| c.as_str().to_owned()),
    })
}

/// The follow-ups of a placement of the caller's counties, in the order they arrived.
#[utoipa::path(
    tag = "placements",
    params(("id" = Uuid, Path, description = "Placement id"), PageParams),
    responses(
        (status = 200, description = "One page of follow-ups", body = Page<FollowUpResponse>),
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 422, response = crate::openapi::Invalid),
    )
)]
#[get("/placements/{id}/follow-ups")]
pub async fn list_follow_ups(
    db: web::Data<Db>,
    caller: AuthUser,
    placement_id: web::Path<Uuid>,
    Query(page): Query<PageParams>,
) -> Result<HttpResponse, AppError> {
    let placement_id = placement_id.into_inner().to_string();
    let limit = page.limit();
    let after = page.after()?.as_deref().map(parse_time_key).transpose()?;
    let rows = db
        .run(move |conn| service::follow_ups::list(conn, &caller, &placement_id, after, limit + 1))
        .await?;
    let page = Page::from_rows(
        rows,
        limit,
        |f| time_key(f.received_at, &f.id),
        FollowUpResponse::try_from,
    )?;
    Ok(HttpResponse::Ok().json(page))
}

/// `?county=&before=` of the worklist.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DueParams {
    /// Only this county (of the caller's).
    pub county: Option<CountyCode>,
    /// Due on or before this day (default: today, China time).
    #[validate(custom(function = "plausible_day"))]
    #[param(value_type = Option<String>, format = Date)]
    pub before: Option<NaiveDate>,
}

/// A placement whose follow-up is due, with who to call.
#[derive(Debug, Serialize, ToSchema)]
pub struct DueFollowUp {
    /// The placement.
    pub placement_id: Uuid,
    /// The trainee.
    pub trainee_id: Uuid,
    /// Their name.
    pub trainee_name: String,
    /// Their mobile number (masked for managers).
    pub phone: Option<String>,
    /// Their county.
    pub county_code: String,
    /// `employer`, `household` or `self_employed`.
    pub kind: WorkKind,
    /// The employer, for an employer's placement.
    pub employer_name: Option<String>,
    /// The household's contact, for a household placement.
    pub household_name: Option<String>,
    /// The business, for self-employment.
    pub business: Option<String>,
    /// The placement's evidence: a visit or a call that finds the person at work verifies
    /// unverified work.
    pub evidence: Evidence,
    /// First day of work.
    pub start_date: NaiveDate,
    /// The day of the latest follow-up, if any.
    pub last_follow_up_on: Option<NaiveDate>,
    /// The day the follow-up fell due: 30 days after the latest (or the start).
    pub due_on: NaiveDate,
}

/// The worklist: open placements of the caller's counties whose latest follow-up (or start) is
/// 30 days or more before `before`, the longest overdue first.
#[utoipa::path(
    tag = "placements",
    params(DueParams, PageParams),
    responses(
        (status = 200, description = "One page of the worklist", body = Page<DueFollowUp>),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 422, response = crate::openapi::Invalid),
    )
)]
#[get("/follow-ups/due")]
pub async fn list_due_follow_ups(
    db: web::Data<Db>,
    caller: AuthUser,
    Query(params): Query<DueParams>,
    Query(page): Query<PageParams>,
) -> Result<HttpResponse, AppError> {
    let county = params.county.map(|c| c.0);
    let before = params.before.unwrap_or_else(today_in_china);
    let limit = page.limit();
    let after = page.after()?.as_deref().map(parse_due_key).transpose()?;
    let masked = caller.role == Role::Manager;
    let rows = db
        .run(move |conn| {
            service::follow_ups::due(conn, &caller, county.as_deref(), before, after, limit + 1)
        })
        .await?;
    let page = Page::from_rows(
        rows,
        limit,
        |d| {
            format!(
                "{}|{}",
                d.placement.follow_up_due_on.unwrap_or(before),
                d.placement.id
            )
        },
        |d| {
            Ok(DueFollowUp {
                placement_id: parse_id(&d.placement.id)?,
                trainee_id: parse_id(&d.placement.trainee_id)?,
                trainee_name: d.trainee_name,
                phone: d
                    .trainee_phone
                    .map(|p| if masked { phone::mask(&p) } else { p }),
                county_code: d.placement.county_code,
                employer_name: d.employer_name,
                kind: WorkKind::parse(&d.placement.kind)
                    .ok_or_else(|| AppError::internal("stored kind is unknown"))?,
                household_name: d.placement.household_name,
                business: d.placement.business,
                evidence: Evidence::parse(&d.placement.evidence)
                    .ok_or_else(|| AppError::internal("stored evidence is unknown"))?,
                start_date: d.placement.start_date,
                last_follow_up_on: d.placement.last_follow_up_on,
                due_on: d.placement.follow_up_due_on.unwrap_or(before),
            })
        },
    )?;
    Ok(HttpResponse::Ok().json(page))
}

/// The `(due day, placement id)` position a worklist cursor carries.
fn parse_due_key(key: &str) -> Result<(NaiveDate, String), AppError> {
    let invalid = || AppError::field("cursor", "invalid", "is not a cursor of this list");
    let (day, id) = key.split_once('|').ok_or_else(invalid)?;
    let day = NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| invalid())?;
    plausible_day(&day).map_err(|_| invalid())?;
    Ok((day, id.to_owned()))
}
