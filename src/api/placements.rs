//! Placements in work (DOMAIN.md, journey step 4): reported from the field, confirmed or
//! disputed by the employer named — or, for a household, verified by a follow-up — and ended.
//!
//! Scope: staff see the placements of trainees of their counties; an employer's users see only
//! the placements that name their employer, with personal numbers masked, and nothing else.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::api::{
    CountyCode, Page, PageParams, SyncParams, idempotency_key, not_modified, parse_id,
    parse_time_key, request_digest, time_key, utc, with_etag,
};
use crate::api::{not_blank, plausible_day};
use crate::auth::{AuthUser, Role};
use crate::db::placements::Placement;
use crate::db::{self, Db};
use crate::domain::employment::{self};
use crate::domain::placement::{ContractType, PlacementStatus};
use crate::domain::rules::Rules;
use crate::domain::training::Occupation;
use crate::domain::{id_number, phone};
use crate::error::{AppError, PROBLEM_JSON, Problem};
use crate::extract::{Json, Query};
use crate::service::placements::Context;
use crate::service::{self, Idempotency};

/// The highest monthly wage believed: 100,000 yuan.
pub const MAX_MONTHLY_FEN: i64 = 10_000_000;

limited! {
    body;
    /// A household that hires directly (a nanny, a carer at home): no account, so its placements
    /// are verified by a follow-up rather than confirmed.
    #[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct Household {
        /// The contact's name.
        #[validate(custom(function = "not_blank"))]
        #[schema(
            pattern = r"^[^\u0000]*$",
            example = "张女士"
        )]
        [1, 50]
        pub name: String,
        /// The contact's mobile number (`+86`/`0086` and separators are accepted and removed).
        #[schema(example = "13800138000")]
        [1, 30]
        pub phone: String,
    }
}

limited! {
    body;
    /// A placement to report.
    #[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct CreatePlacement {
        /// A client-made id; sending the same request again answers the stored placement.
        pub id: Option<Uuid>,
        /// The trainee (of the caller's counties), who has completed a cohort.
        pub trainee_id: Uuid,
        /// A registered, active employer; or else `household`.
        pub employer_id: Option<Uuid>,
        /// A household employer without an account; or else `employer_id`.
        #[validate(nested)]
        pub household: Option<Household>,
        /// The occupation of the work.
        pub occupation: Occupation,
        /// The position, in a few words.
        #[validate(custom(function = "not_blank"))]
        #[schema(
            pattern = r"^[^\u0000]*$",
            example = "养老护理员"
        )]
        [1, 100]
        pub position: String,
        /// Where the work is.
        #[validate(custom(function = "not_blank"))]
        #[schema(
            pattern = r"^[^\u0000]*$",
            example = "北京市"
        )]
        [1, 50]
        pub work_city: String,
        /// First day of work: on or after the trainee's first completed cohort, not in the future.
        #[validate(custom(function = "plausible_day"))]
        pub start_date: NaiveDate,
        /// The monthly wage agreed, in fen: more than 0, at most 10,000,000 (100,000 yuan).
        #[validate(range(min = 1, max = 10_000_000))]
        #[schema(minimum = 1, maximum = 10_000_000, example = 450000)]
        pub monthly_wage_fen: i64,
        /// What the work rests on.
        pub contract_type: ContractType,
    }
}

/// The trainee a placement is of, with personal numbers masked for callers who do not need them.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlacedTrainee {
    /// Trainee id.
    pub id: Uuid,
    /// Real name.
    pub name: String,
    /// Identity number, or `141125********1234` when masked.
    pub id_number: String,
    /// Mobile number, or `138****5678` when masked.
    pub phone: Option<String>,
}

/// A placement.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlacementResponse {
    /// Id.
    pub id: Uuid,
    /// The trainee.
    pub trainee: PlacedTrainee,
    /// The employer, for a placement with one.
    pub employer_id: Option<Uuid>,
    /// Its name.
    pub employer_name: Option<String>,
    /// The household, for a household placement (its phone masked like the trainee's).
    pub household: Option<Household>,
    /// Occupation.
    pub occupation: Occupation,
    /// Position.
    pub position: String,
    /// Where the work is.
    pub work_city: String,
    /// First day of work.
    pub start_date: NaiveDate,
    /// Monthly wage agreed, in fen.
    pub monthly_wage_fen: i64,
    /// What the work rests on.
    pub contract_type: ContractType,
    /// `reported → confirmed | disputed → ended`; `verified` for a household after a follow-up.
    pub status: PlacementStatus,
    /// When the employer confirmed it.
    pub confirmed_at: Option<DateTime<Utc>>,
    /// When the employer disputed it.
    pub disputed_at: Option<DateTime<Utc>>,
    /// Why.
    pub dispute_reason: Option<String>,
    /// The day of the follow-up that verified a household placement.
    pub verified_on: Option<NaiveDate>,
    /// Last day of work, once ended.
    pub ended_on: Option<NaiveDate>,
    /// Why it ended.
    pub end_reason: Option<String>,
    /// The day of the latest follow-up (`null` for employers).
    pub last_follow_up_on: Option<NaiveDate>,
    /// The day follow-ups last said the person no longer works there (`null` for employers).
    pub stopped_on: Option<NaiveDate>,
    /// When the next follow-up is due, while the placement is open (`null` for employers).
    pub follow_up_due_on: Option<NaiveDate>,
    /// The version (also the `ETag`).
    pub version: i32,
    /// When reported.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

/// Whether personal numbers are shown in full or masked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum View {
    Full,
    Masked,
    /// Masked, and without what the follow-ups found: that is between the trainee and the
    /// programme.
    Employer,
}

pub(crate) fn response(
    row: Placement,
    context: &Context,
    view: View,
) -> Result<PlacementResponse, AppError> {
    let Placement {
        id,
        trainee_id,
        county_code: _,
        employer_id,
        household_name,
        household_phone,
        occupation,
        position,
        work_city,
        start_date,
        monthly_wage_fen,
        contract_type,
        status,
        confirmed_at,
        disputed_at,
        dispute_reason,
        verified_on,
        ended_on,
        end_reason,
        last_follow_up_on,
        stopped_on,
        follow_up_due_on,
        version,
        created_at,
        updated_at,
    } = row;
    let masked = view != View::Full;
    let staff = view != View::Employer;
    let mask_phone = |p: String| if masked { phone::mask(&p) } else { p };
    let (name, number, trainee_phone) = context
        .trainees
        .get(&trainee_id)
        .cloned()
        .ok_or_else(|| AppError::internal("placement of an unknown trainee"))?;
    let unknown = || AppError::internal("stored placement is unknown");
    Ok(PlacementResponse {
        id: parse_id(&id)?,
        trainee: PlacedTrainee {
            id: parse_id(&trainee_id)?,
            name,
            id_number: if masked {
                id_number::mask(&number)
            } else {
                number
            },
            phone: trainee_phone.map(mask_phone),
        },
        employer_name: employer_id
            .as_ref()
            .and_then(|e| context.employers.get(e).cloned()),
        employer_id: employer_id.as_deref().map(parse_id).transpose()?,
        household: match (household_name, household_phone) {
            (Some(name), Some(phone)) => Some(Household {
                name,
                phone: mask_phone(phone),
            }),
            _ => None,
        },
        occupation: Occupation::parse(&occupation).ok_or_else(unknown)?,
        position,
        work_city,
        start_date,
        monthly_wage_fen,
        contract_type: ContractType::parse(&contract_type).ok_or_else(unknown)?,
        status: PlacementStatus::parse(&status).ok_or_else(unknown)?,
        confirmed_at: confirmed_at.map(utc),
        disputed_at: disputed_at.map(utc),
        dispute_reason,
        verified_on,
        ended_on,
        end_reason,
        last_follow_up_on: last_follow_up_on.filter(|_| staff),
        stopped_on: stopped_on.filter(|_| staff),
        follow_up_due_on: follow_up_due_on.filter(|_| staff),
        version,
        created_at: utc(created_at),
        updated_at: utc(updated_at),
    })
}

/// How a caller reads personal numbers: employers always masked, managers in lists.
fn view_of(caller: &AuthUser, list: bool) -> View {
    match caller.role {
        Role::Employer => View::Employer,
        Role::Manager if list => View::Masked,
        _ => View::Full,
    }
}

fn answer(
    status: StatusCode,
    (row, context): (Placement, Context),
    view: View,
) -> Result<HttpResponse, AppError> {
    let body = response(row, &context, view)?;
    Ok(with_etag(HttpResponse::build(status), body.version).json(body))
}

/// Reports a placement of a trainee who has completed a cohort: with a registered employer,
/// who is then asked to confirm it, or with a household, which a follow-up verifies.
///
/// Refused (422, naming the rule) when the trainee holds an open placement already, has completed
/// no cohort, or the start is before their first completion or in the future.
#[utoipa::path(
    tag = "placements",
    request_body = CreatePlacement,
    responses(
        (status = 201, description = "Reported", body = PlacementResponse),
        (status = 200, description = "The same request again: the stored placement", body = PlacementResponse),
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 409, description = "The id is another placement's", body = Problem, content_type = PROBLEM_JSON),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, description = "A field is invalid or a rule is broken: open placement, not trained, dates",
            body = Problem, content_type = PROBLEM_JSON),
    )
)]
#[post("/placements")]
pub async fn create_placement(
    db: web::Data<Db>,
    rules: web::Data<Rules>,
    caller: AuthUser,
    Json(body): Json<CreatePlacement>,
) -> Result<HttpResponse, AppError> {
    let view = view_of(&caller, false);
    let household = match (&body.employer_id, &body.household) {
        (Some(_), None) => None,
        (None, Some(household)) => {
            let phone = phone::normalise(&household.phone).ok_or_else(|| {
                AppError::field(
                    "household.phone",
                    "invalid",
                    "is not a mainland mobile number (11 digits from 13 to 19)",
                )
            })?;
            Some((household.name.trim().to_owned(), phone))
        }
        _ => {
            return Err(AppError::field(
                "employer_id",
                "one_of",
                "name either a registered employer or a household, not both or neither",
            ));
        }
    };
    let now = db::now();
    let candidate = Placement {
        id: body.id.unwrap_or_else(Uuid::new_v4).to_string(),
        trainee_id: body.trainee_id.to_string(),
        county_code: String::new(),
        employer_id: body.employer_id.map(|e| e.to_string()),
        household_name: household.as_ref().map(|h| h.0.clone()),
        household_phone: household.map(|h| h.1),
        occupation: body.occupation.as_str().to_owned(),
        position: body.position.trim().to_owned(),
        work_city: body.work_city.trim().to_owned(),
        start_date: body.start_date,
        monthly_wage_fen: body.monthly_wage_fen,
        contract_type: body.contract_type.as_str().to_owned(),
        status: PlacementStatus::Reported.as_str().to_owned(),
        confirmed_at: None,
        disputed_at: None,
        dispute_reason: None,
        verified_on: None,
        ended_on: None,
        end_reason: None,
        last_follow_up_on: None,
        stopped_on: None,
        follow_up_due_on: Some(employment::due_on(body.start_date, None)),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let (created, row) = db
        .run(move |conn| service::placements::create(conn, &rules, &caller, candidate))
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    answer(status, row, view)
}

/// Filters of the list of placements.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlacementFilter {
    /// One trainee's.
    pub trainee_id: Option<Uuid>,
    /// In one status.
    pub status: Option<PlacementStatus>,
    /// Of trainees of one county.
    pub county: Option<CountyCode>,
}

/// Lists placements in the order they last changed: staff those of their counties, an
/// employer's users those naming their employer (personal numbers masked).
#[utoipa::path(
    tag = "placements",
    params(PageParams, SyncParams, PlacementFilter),
    responses(
        (status = 200, description = "One page of placements", body = Page<PlacementResponse>),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 422, response = crate::openapi::Invalid),
    )
)]
#[get("/placements")]
pub async fn list_placements(
    db: web::Data<Db>,
    caller: AuthUser,
    Query(page): Query<PageParams>,
    Query(sync): Query<SyncParams>,
    Query(filter): Query<PlacementFilter>,
) -> Result<HttpResponse, AppError> {
    let limit = page.limit();
    let after = page.after()?.as_deref().map(parse_time_key).transpose()?;
    let filter = db::placements::Filter {
        trainee_id: filter.trainee_id.map(|t| t.to_string()),
        status: filter.status.map(|s| s.as_str().to_owned()),
        county: filter.county.map(|c| c.0),
        since: sync.since(),
    };
    let view = view_of(&caller, true);
    let (rows, context) = db
        .run(move |conn| service::placements::list(conn, &caller, &filter, after, limit + 1))
        .await?;
    let page = Page::from_rows(
        rows,
        limit,
        |p| time_key(p.updated_at, &p.id),
        |p| response(p, &context, view),
    )?;
    Ok(HttpResponse::Ok().json(page))
}

/// One placement (404 outside the caller's counties, or for an employer not named on it).
#[utoipa::path(
    tag = "placements",
    params(
        ("id" = Uuid, Path, description = "Placement id"),
        ("If-None-Match" = Option<String>, Header, description = "An ETag read before: 304 when unchanged"),
    ),
    responses(
        (status = 200, description = "The placement", body = PlacementResponse, headers(("ETag" = String, description = "The version"))),
        (status = 304, description = "Unchanged since the ETag sent"),
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[get("/placements/{id}")]
pub async fn get_placement(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner().to_string();
    let view = view_of(&caller, false);
    let row = db
        .run(move |conn| service::placements::get(conn, &caller, &id))
        .await?;
    if let Some(response) = not_modified(&req, row.0.version) {
        return Ok(response);
    }
    answer(StatusCode::OK, row, view)
}

limited! {
    body;
    /// A dispute of a placement.
    #[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct DisputePlacement {
        /// Why the employer disputes it.
        #[validate(custom(function = "not_blank"))]
        #[schema(
            pattern = r"^[^\u0000]*$",
            example = "查无此人"
        )]
        [1, 500]
        pub reason: String,
    }
}

limited! {
    body;
    /// The end of a placement.
    #[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct EndPlacement {
        /// The last day of work: from the start, not in the future.
        #[validate(custom(function = "plausible_day"))]
        pub ended_on: NaiveDate,
        /// Why, in a few words.
        #[validate(custom(function = "not_blank"))]
        #[schema(
            pattern = r"^[^\u0000]*$",
            example = "合同期满"
        )]
        [1, 500]
        pub reason: String,
    }
}

/// The body of an action.
enum Action {
    Confirm,
    Dispute(DisputePlacement),
    End(EndPlacement),
}

impl Action {
    fn name(&self) -> &'static str {
        match self {
            Self::Confirm => "confirm",
            Self::Dispute(_) => "dispute",
            Self::End(_) => "end",
        }
    }

    fn into_service(self) -> service::placements::Action {
        match self {
            Self::Confirm => service::placements::Action::Confirm,
            Self::Dispute(body) => service::placements::Action::Dispute {
                reason: body.reason.trim().to_owned(),
            },
            Self::End(body) => service::placements::Action::End {
                on: body.ended_on,
                reason: body.reason.trim().to_owned(),
            },
        }
    }

    fn digest(&self, operation: &str) -> Result<String, AppError> {
        match self {
            Self::Confirm => request_digest(operation, &()),
            Self::Dispute(body) => request_digest(operation, body),
            Self::End(body) => request_digest(operation, body),
        }
    }
}

/// Runs an action on a placement: the `Idempotency-Key` is read here, the rest is the service's.
async fn act(
    req: &HttpRequest,
    db: &Db,
    rules: Rules,
    caller: AuthUser,
    id: Uuid,
    action: Action,
) -> Result<HttpResponse, AppError> {
    let view = view_of(&caller, false);
    let id = id.to_string();
    let key = match idempotency_key(req)? {
        Some(key) => {
            let operation = format!("POST /api/v1/placements/{id}/{}", action.name());
            let digest = action.digest(&operation)?;
            Some(Idempotency {
                key,
                operation,
                digest,
            })
        }
        None => None,
    };
    let action = action.into_service();
    let row = db
        .run(move |conn| service::placements::act(conn, &rules, &caller, &id, action, key.as_ref()))
        .await?;
    answer(StatusCode::OK, row, view)
}

/// The employer named confirms the placement: it then counts as work. Only from `reported`
/// (409 otherwise); a retry with the same `Idempotency-Key` answers the placement as it is.
#[utoipa::path(
    tag = "placements",
    params(
        ("id" = Uuid, Path, description = "Placement id"),
        ("Idempotency-Key" = Option<String>, Header, description = "A key of the client's (say a UUID): a retry with the same key answers the placement as it is; another request under the key is refused (409)",
            pattern = "^[!-~]{1,200}$"),
    ),
    responses(
        (status = 200, description = "Confirmed", body = PlacementResponse),
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, description = "Not reported (confirmed or disputed already), or the key was used for another request",
            body = Problem, content_type = PROBLEM_JSON),
    )
)]
#[post("/placements/{id}/confirm")]
pub async fn confirm_placement(
    req: HttpRequest,
    db: web::Data<Db>,
    rules: web::Data<Rules>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    act(&req, &db, **rules, caller, id.into_inner(), Action::Confirm).await
}

/// The employer named disputes the placement, with a reason: it never counts. Only from
/// `reported` (409 otherwise); safe to retry with an `Idempotency-Key`.
#[utoipa::path(
    tag = "placements",
    params(
        ("id" = Uuid, Path, description = "Placement id"),
        ("Idempotency-Key" = Option<String>, Header, description = "A key of the client's (say a UUID): a retry with the same key and body answers the placement as it is; another body under the key is refused (409)",
            pattern = "^[!-~]{1,200}$"),
    ),
    request_body = DisputePlacement,
    responses(
        (status = 200, description = "Disputed", body = PlacementResponse),
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, description = "Not reported (confirmed or disputed already), or the key was used for another request",
            body = Problem, content_type = PROBLEM_JSON),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, description = "The reason is missing or too long", body = Problem, content_type = PROBLEM_JSON),
    )
)]
#[post("/placements/{id}/dispute")]
pub async fn dispute_placement(
    req: HttpRequest,
    db: web::Data<Db>,
    rules: web::Data<Rules>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    Json(body): Json<DisputePlacement>,
) -> Result<HttpResponse, AppError> {
    act(
        &req,
        &db,
        **rules,
        caller,
        id.into_inner(),
        Action::Dispute(body),
    )
    .await
}

/// Records that the job ended, by its last day. The same end again answers the placement as it
/// is; another end of an ended placement is refused (409).
#[utoipa::path(
    tag = "placements",
    params(
        ("id" = Uuid, Path, description = "Placement id"),
        ("Idempotency-Key" = Option<String>, Header, description = "A key of the client's (say a UUID): a retry with the same key and body answers the placement as it is; another body under the key is refused (409)",
            pattern = "^[!-~]{1,200}$"),
    ),
    request_body = EndPlacement,
    responses(
        (status = 200, description = "Ended", body = PlacementResponse),
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, description = "Ended already on another day, or the key was used for another request",
            body = Problem, content_type = PROBLEM_JSON),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, description = "A date out of range, or before a follow-up that found them at work", body = Problem,
            content_type = PROBLEM_JSON),
    )
)]
#[post("/placements/{id}/end")]
pub async fn end_placement(
    req: HttpRequest,
    db: web::Data<Db>,
    rules: web::Data<Rules>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    Json(body): Json<EndPlacement>,
) -> Result<HttpResponse, AppError> {
    act(
        &req,
        &db,
        **rules,
        caller,
        id.into_inner(),
        Action::End(body),
    )
    .await
}
