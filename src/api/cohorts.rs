//! Cohorts (培训班 / 期): classes run by a training provider for one occupation and level, in
//! one county, from a start to an end date. Field staff of the county and administrators keep
//! them; managers read them; employers see none.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::api::{
    CountyCode, Page, PageParams, SyncAction, SyncApplied, SyncKind, SyncParams, if_match,
    not_modified, parse_id, parse_time_key, time_key, utc, visible, with_etag,
};
use crate::auth::AuthUser;
use crate::db::cohorts::{Cohort, CohortChanges, Filter};
use crate::db::{self, Db};
use crate::domain::training::{
    CohortStatus, FundingType, Level, MANDATORY_MODULES, Mode, Occupation,
};
use crate::error::{AppError, PROBLEM_JSON, Problem};
use crate::extract::{Json, Query};
use crate::service::{self, sync};

limited! {
    body;
    /// A new cohort.
    #[derive(Debug, Deserialize, Validate, ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct CreateCohort {
        /// A client-made id; sending the same request again answers the stored cohort.
        pub id: Option<Uuid>,
        /// The programme's code for the class (unique), e.g. `LL-2026-017`.
        #[schema(
            pattern = r"^[^\u0000]*$",
            example = "LL-2026-017"
        )]
        [1, 40]
        pub code: String,
        /// Name.
        #[schema(
            pattern = r"^[^\u0000]*$",
            example = "柳林县第17期养老护理员(五级)培训班"
        )]
        [1, 200]
        pub name: String,
        /// The training provider running it (an active provider).
        pub provider_id: Uuid,
        /// Occupation taught.
        pub occupation: Occupation,
        /// Skill level taught.
        pub level: Level,
        /// County that runs it.
        pub county_code: CountyCode,
        /// How it is paid for.
        pub funding_type: FundingType,
        /// How it is taught.
        pub mode: Mode,
        /// First day (2016 or later).
        pub start_date: NaiveDate,
        /// Last day, on or after the first and at most two years after it.
        pub end_date: NaiveDate,
        /// Days of teaching planned, at most the days from start to end.
        #[validate(range(min = 1, max = 366))]
        #[schema(minimum = 1, maximum = 366, example = 26)]
        pub planned_days: i32,
        /// Hours of teaching planned.
        #[validate(range(min = 1, max = 3000))]
        #[schema(minimum = 1, maximum = 3000, example = 208)]
        pub planned_hours: i32,
        /// Places.
        #[validate(range(min = 1, max = 1000))]
        #[schema(minimum = 1, maximum = 1000, example = 50)]
        pub capacity: i32,
        /// Initial status (default `planned`).
        pub status: Option<CohortStatus>,
    }
}

limited! {
    body;
    /// Changes to a cohort; absent fields stay as they are.
    #[derive(Debug, Deserialize, Validate, ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct UpdateCohort {
        /// Code.
        #[schema(pattern = r"^[^\u0000]*$")]
        [1, 40]
        pub code: Option<String>,
        /// Name.
        #[schema(pattern = r"^[^\u0000]*$")]
        [1, 200]
        pub name: Option<String>,
        /// Provider.
        pub provider_id: Option<Uuid>,
        /// Occupation.
        pub occupation: Option<Occupation>,
        /// Level.
        pub level: Option<Level>,
        /// County (a field worker moves a cohort only between their own counties).
        pub county_code: Option<CountyCode>,
        /// Funding type.
        pub funding_type: Option<FundingType>,
        /// Mode.
        pub mode: Option<Mode>,
        /// First day.
        pub start_date: Option<NaiveDate>,
        /// Last day.
        pub end_date: Option<NaiveDate>,
        /// Planned days.
        #[validate(range(min = 1, max = 366))]
        #[schema(minimum = 1, maximum = 366)]
        pub planned_days: Option<i32>,
        /// Planned hours.
        #[validate(range(min = 1, max = 3000))]
        #[schema(minimum = 1, maximum = 3000)]
        pub planned_hours: Option<i32>,
        /// Places; not fewer than the places taken.
        #[validate(range(min = 1, max = 1000))]
        #[schema(minimum = 1, maximum = 1000)]
        pub capacity: Option<i32>,
        /// Status: forward only, `planned → open → running → closed`.
        pub status: Option<CohortStatus>,
    }
}

/// A cohort.
#[derive(Debug, Serialize, ToSchema)]
pub struct CohortResponse {
    /// Id.
    pub id: Uuid,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Training provider.
    pub provider_id: Uuid,
    /// Occupation.
    pub occupation: Occupation,
    /// Level.
    pub level: Level,
    /// County.
    pub county_code: String,
    /// Funding type.
    pub funding_type: FundingType,
    /// Mode.
    pub mode: Mode,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day.
    pub end_date: NaiveDate,
    /// Planned days.
    pub planned_days: i32,
    /// Planned hours.
    pub planned_hours: i32,
    /// Places.
    pub capacity: i32,
    /// Places held by enrolments that are not dropped.
    pub places_taken: i32,
    /// Status.
    pub status: CohortStatus,
    /// Modules every cohort teaches: safety, fire safety, law, Mandarin (安全、消防、法制、普通话).
    #[schema(example = json!(["safety", "fire_safety", "law", "mandarin"]))]
    pub mandatory_modules: Vec<String>,
    /// The version (also the `ETag`).
    pub version: i32,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

fn stored<T>(value: Option<T>, what: &str) -> Result<T, AppError> {
    value.ok_or_else(|| AppError::internal(format!("stored {what} is unknown")))
}

impl TryFrom<Cohort> for CohortResponse {
    type Error = AppError;

    fn try_from(row: Cohort) -> Result<Self, AppError> {
        let Cohort {
            id,
            code,
            name,
            provider_id,
            occupation,
            level,
            county_code,
            funding_type,
            mode,
            start_date,
            end_date,
            planned_days,
            planned_hours,
            capacity,
            places_taken,
            status,
            version,
            created_at,
            updated_at,
        } = row;
        Ok(Self {
            id: parse_id(&id)?,
            code,
            name,
            provider_id: parse_id(&provider_id)?,
            occupation: stored(Occupation::parse(&occupation), "occupation")?,
            level: stored(Level::parse(&level), "level")?,
            county_code,
            funding_type: stored(FundingType::parse(&funding_type), "funding type")?,
            mode: stored(Mode::parse(&mode), "mode")?,
            start_date,
            end_date,
            planned_days,
            planned_hours,
            capacity,
            places_taken,
            status: stored(CohortStatus::parse(&status), "status")?,
            mandatory_modules: MANDATORY_MODULES.iter().map(|m| m.to_string()).collect(),
            version,
            created_at: utc(created_at),
            updated_at: utc(updated_at),
        })
    }
}

/// Creates a cohort in one of the caller's counties.
#[utoipa::path(
    tag = "training",
    request_body = CreateCohort,
    responses(
        (status = 201, description = "Created", body = CohortResponse),
        (status = 200, description = "The same request again: the stored cohort", body = CohortResponse),
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 409, description = "The code is another cohort's, or the id is", body = Problem, content_type = PROBLEM_JSON),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, description = "A field is invalid: dates out of order, an unknown provider, a county not the caller's",
            body = Problem, content_type = PROBLEM_JSON),
    )
)]
#[post("/cohorts")]
pub async fn create_cohort(
    db: web::Data<Db>,
    caller: AuthUser,
    Json(body): Json<CreateCohort>,
) -> Result<HttpResponse, AppError> {
    let id = body.id.unwrap_or_else(Uuid::new_v4);
    let (created, response) = db
        .run(move |conn| create_with(conn, &caller, body, id))
        .await?;
    let status = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(with_etag(status, response.version).json(response))
}

/// Opens the cohort of `body` under `id`: the create endpoint's work, and a pushed operation's.
fn create_with(
    conn: &mut db::AnyConnection,
    caller: &crate::access::Caller,
    body: CreateCohort,
    id: Uuid,
) -> Result<(bool, CohortResponse), AppError> {
    let now = db::now();
    let candidate = Cohort {
        id: id.to_string(),
        code: body.code,
        name: body.name,
        provider_id: body.provider_id.to_string(),
        occupation: body.occupation.as_str().to_owned(),
        level: body.level.as_str().to_owned(),
        county_code: body.county_code.0,
        funding_type: body.funding_type.as_str().to_owned(),
        mode: body.mode.as_str().to_owned(),
        start_date: body.start_date,
        end_date: body.end_date,
        planned_days: body.planned_days,
        planned_hours: body.planned_hours,
        capacity: body.capacity,
        places_taken: 0,
        status: body
            .status
            .unwrap_or(CohortStatus::Planned)
            .as_str()
            .to_owned(),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let (created, row) = service::cohorts::create(conn, caller, candidate)?;
    Ok((created, CohortResponse::try_from(row)?))
}

/// Filters of the cohort list.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CohortFilter {
    /// Only this county.
    pub county: Option<CountyCode>,
    /// Only this provider's.
    pub provider: Option<Uuid>,
    /// Only this status.
    pub status: Option<CohortStatus>,
    /// Only this occupation.
    pub occupation: Option<Occupation>,
    /// Only this level.
    pub level: Option<Level>,
}

/// Lists cohorts of the caller's counties, in the order they last changed.
#[utoipa::path(
    tag = "training",
    params(PageParams, SyncParams, CohortFilter),
    responses(
        (status = 200, description = "One page of cohorts", body = Page<CohortResponse>),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 422, response = crate::openapi::Invalid),
    )
)]
#[get("/cohorts")]
pub async fn list_cohorts(
    db: web::Data<Db>,
    caller: AuthUser,
    Query(page): Query<PageParams>,
    Query(sync): Query<SyncParams>,
    Query(filter): Query<CohortFilter>,
) -> Result<HttpResponse, AppError> {
    let after = page.after()?.as_deref().map(parse_time_key).transpose()?;
    let limit = page.limit();
    let filter = Filter {
        scope: crate::db::trainees::Scope::All,
        county: filter.county.map(|c| c.0),
        provider_id: filter.provider.map(|p| p.to_string()),
        status: filter.status.map(|s| s.as_str().to_owned()),
        occupation: filter.occupation.map(|o| o.as_str().to_owned()),
        level: filter.level.map(|l| l.as_str().to_owned()),
        since: sync.since(),
    };
    let rows = db
        .run(move |conn| service::cohorts::list(conn, &caller, filter, after, limit + 1))
        .await?;
    let page = Page::from_rows(
        rows,
        limit,
        |c| time_key(c.updated_at, &c.id),
        CohortResponse::try_from,
    )?;
    Ok(HttpResponse::Ok().json(page))
}

/// One cohort of the caller's counties (404 for any other).
#[utoipa::path(
    tag = "training",
    params(
        ("id" = Uuid, Path, description = "Cohort id"),
        ("If-None-Match" = Option<String>, Header, description = "An ETag read before: 304 when unchanged"),
    ),
    responses(
        (status = 200, description = "The cohort", body = CohortResponse, headers(("ETag" = String, description = "The version"))),
        (status = 304, description = "Unchanged since the ETag sent"),
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[get("/cohorts/{id}")]
pub async fn get_cohort(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner().to_string();
    let row = db
        .run(move |conn| service::cohorts::get(conn, &caller, &id))
        .await?;
    if let Some(response) = not_modified(&req, row.version) {
        return Ok(response);
    }
    let response = CohortResponse::try_from(row)?;
    Ok(with_etag(HttpResponse::Ok(), response.version).json(response))
}

/// Changes a cohort of the caller's counties; needs `If-Match`. The status moves forward only,
/// and the capacity cannot fall below the places taken.
#[utoipa::path(
    tag = "training",
    params(
        ("id" = Uuid, Path, description = "Cohort id"),
        ("If-Match" = String, Header, description = "The ETag (version) the change is based on, or `*`",
            pattern = r#"^(\*|(W/)?"[0-9]+")$"#),
    ),
    request_body = UpdateCohort,
    responses(
        (status = 200, description = "Changed", body = CohortResponse, headers(("ETag" = String, description = "The new version"))),
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, description = "The new code is another cohort's", body = Problem, content_type = PROBLEM_JSON),
        (status = 412, response = crate::openapi::PreconditionFailed),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, description = "A field is invalid, or the change breaks a rule", body = Problem, content_type = PROBLEM_JSON),
        (status = 428, response = crate::openapi::PreconditionRequired),
    )
)]
#[patch("/cohorts/{id}")]
pub async fn update_cohort(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    Json(body): Json<UpdateCohort>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner().to_string();
    let version = if_match(&req)?;
    let response = db
        .run(move |conn| update_with(conn, &caller, &id, version, body))
        .await?;
    Ok(with_etag(HttpResponse::Ok(), response.version).json(response))
}

/// Changes cohort `id` as `body` says, based on `version`: the update endpoint's work, and a
/// pushed operation's.
fn update_with(
    conn: &mut db::AnyConnection,
    caller: &crate::access::Caller,
    id: &str,
    version: Option<i32>,
    body: UpdateCohort,
) -> Result<CohortResponse, AppError> {
    let changes = CohortChanges {
        code: body.code,
        name: body.name,
        provider_id: body.provider_id.map(|p| p.to_string()),
        occupation: body.occupation.map(|o| o.as_str().to_owned()),
        level: body.level.map(|l| l.as_str().to_owned()),
        county_code: body.county_code.map(|c| c.0),
        funding_type: body.funding_type.map(|f| f.as_str().to_owned()),
        mode: body.mode.map(|m| m.as_str().to_owned()),
        start_date: body.start_date,
        end_date: body.end_date,
        planned_days: body.planned_days,
        planned_hours: body.planned_hours,
        capacity: body.capacity,
        status: body.status.map(|s| s.as_str().to_owned()),
    };
    let row = service::cohorts::update(conn, caller, id, version, changes)?;
    CohortResponse::try_from(row)
}

/// Cohorts in offline sync: the record as `GET /cohorts/{id}` answers it; pushes create and
/// update them.
pub fn sync_kind() -> SyncKind {
    SyncKind {
        kind: sync::Kind::Cohort,
        schema: "CohortResponse",
        load: |conn, ctx, id| {
            visible(service::cohorts::get(conn, &ctx.caller, id).and_then(CohortResponse::try_from))
        },
        actions: &[
            SyncAction {
                name: "create",
                body: "CreateCohort",
                path_ids: &[],
                apply: |conn, ctx, op| {
                    let body: CreateCohort = op.body()?;
                    let id = op.same_id(body.id)?;
                    let (created, record) = create_with(conn, &ctx.caller, body, id)?;
                    SyncApplied::of(created, &record)
                },
            },
            SyncAction {
                name: "update",
                body: "UpdateCohort",
                path_ids: &[],
                apply: |conn, ctx, op| {
                    let body: UpdateCohort = op.body()?;
                    let id = op.id.to_string();
                    let record = update_with(conn, &ctx.caller, &id, op.version()?, body)?;
                    SyncApplied::of(false, &record)
                },
            },
        ],
    }
}
