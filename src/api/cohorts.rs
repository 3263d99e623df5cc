//! Cohorts (培训班 / 期): classes run by a training provider for one occupation and level, in
//! one county, from a start to an end date. Field staff of the county and administrators keep
//! them; managers read them; employers see none.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::Connection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::api::{
    CountyCode, Page, PageParams, SyncParams, check_version, if_match, not_modified, parse_id,
    parse_time_key, time_key, utc, with_etag,
};
use crate::auth::AuthUser;
use crate::db::cohorts::{Cohort, CohortChanges, Filter};
use crate::db::trainees::Scope;
use crate::db::{self, AnyConnection, Db, audit::Event};
use crate::domain::training::{
    CohortStatus, FundingType, Level, MANDATORY_MODULES, Mode, Occupation, calendar_days,
    earliest_date,
};
use crate::error::{AppError, FieldError, PROBLEM_JSON, Problem};
use crate::extract::{Json, Query};
use crate::service::{Stale, UnitOfWork};

/// A new cohort.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCohort {
    /// A client-made id; sending the same request again answers the stored cohort.
    pub id: Option<Uuid>,
    /// The programme's code for the class (unique), e.g. `LL-2026-017`.
    #[validate(length(min = 1, max = 40))]
    #[schema(
        min_length = 1,
        max_length = 40,
        pattern = r"^[^\u0000]*$",
        example = "LL-2026-017"
    )]
    pub code: String,
    /// Name.
    #[validate(length(min = 1, max = 200))]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000]*$",
        example = "柳林县第17期养老护理员(五级)培训班"
    )]
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

/// Changes to a cohort; absent fields stay as they are.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCohort {
    /// Code.
    #[validate(length(min = 1, max = 40))]
    #[schema(min_length = 1, max_length = 40, pattern = r"^[^\u0000]*$")]
    pub code: Option<String>,
    /// Name.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200, pattern = r"^[^\u0000]*$")]
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

/// Checks the dates and planned days of a cohort as they would be stored.
fn check_schedule(cohort: &Cohort, errors: &mut Vec<FieldError>) {
    let earliest = earliest_date();
    if cohort.start_date < earliest {
        errors.push(FieldError::new(
            "start_date",
            "range",
            format!("must be on or after {earliest}"),
        ));
    }
    let days = calendar_days(cohort.start_date, cohort.end_date);
    if cohort.end_date < cohort.start_date {
        errors.push(FieldError::new(
            "end_date",
            "before_start",
            "must be on or after start_date",
        ));
    } else if days > 731 {
        errors.push(FieldError::new(
            "end_date",
            "range",
            "must be at most two years after start_date",
        ));
    } else if i64::from(cohort.planned_days) > days {
        errors.push(FieldError::new(
            "planned_days",
            "exceeds_dates",
            format!("must be at most the {days} days from start_date to end_date"),
        ));
    }
}

/// 422 unless `provider_id` is an active training provider.
fn check_provider(conn: &mut AnyConnection, provider_id: &str) -> Result<(), AppError> {
    match db::organisations::is_active(conn, "provider", provider_id)? {
        Some(true) => Ok(()),
        Some(false) => Err(AppError::rule(
            "provider_id",
            "inactive",
            "this provider is no longer active",
        )),
        None => Err(AppError::field(
            "provider_id",
            "unknown",
            "is not a registered training provider",
        )),
    }
}

/// 409 for a code another cohort has; the other cohort is named only when the caller may see it.
fn code_taken(
    conn: &mut AnyConnection,
    existing: String,
    scope: &Scope,
) -> Result<AppError, AppError> {
    let visible = db::cohorts::find(conn, &existing, scope)?.is_some();
    Ok(AppError::Conflict {
        detail: "Another cohort has this code".into(),
        existing_id: visible.then_some(existing),
    })
}

fn same_cohort(stored: &Cohort, candidate: &Cohort) -> bool {
    stored.code == candidate.code
        && stored.name == candidate.name
        && stored.provider_id == candidate.provider_id
        && stored.occupation == candidate.occupation
        && stored.level == candidate.level
        && stored.county_code == candidate.county_code
        && stored.funding_type == candidate.funding_type
        && stored.mode == candidate.mode
        && stored.start_date == candidate.start_date
        && stored.end_date == candidate.end_date
        && stored.planned_days == candidate.planned_days
        && stored.planned_hours == candidate.planned_hours
        && stored.capacity == candidate.capacity
}

fn replayed(conn: &mut AnyConnection, candidate: &Cohort) -> Result<Option<Cohort>, AppError> {
    match db::cohorts::find(conn, &candidate.id, &Scope::All)? {
        None => Ok(None),
        Some(stored) if same_cohort(&stored, candidate) => Ok(Some(stored)),
        Some(_) => Err(AppError::Conflict {
            detail: "This id belongs to a different cohort".into(),
            existing_id: None,
        }),
    }
}

fn cohort_event<'a>(caller: &'a AuthUser, action: &'a str, cohort: &'a Cohort) -> Event<'a> {
    Event {
        county_code: Some(&cohort.county_code),
        ..caller.event(action, "cohort", Some(&cohort.id))
    }
}

/// Creates a cohort in one of the caller's counties.
#[utoipa::path(
    tag = "training",
    request_body = CreateCohort,
    responses(
        (status = 201, description = "Created", body = CohortResponse),
        (status = 200, description = "The same request again: the stored cohort", body = CohortResponse),
        (status = 400, description = "The body cannot be read", body = Problem, content_type = PROBLEM_JSON),
        (status = 401, description = "Not signed in", body = Problem, content_type = PROBLEM_JSON),
        (status = 403, description = "Only field staff and administrators keep cohorts", body = Problem, content_type = PROBLEM_JSON),
        (status = 409, description = "The code is another cohort's, or the id is", body = Problem, content_type = PROBLEM_JSON),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = PROBLEM_JSON),
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
    caller.may("create_cohort")?;
    let now = db::now();
    let candidate = Cohort {
        id: body.id.unwrap_or_else(Uuid::new_v4).to_string(),
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
    let mut errors = Vec::new();
    check_schedule(&candidate, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    caller.require_county("county_code", &candidate.county_code)?;
    let scope = caller.trainee_scope()?;
    let (created, row) = db
        .run(move |conn| {
            if let Some(stored) = replayed(conn, &candidate)? {
                return Ok((false, stored));
            }
            check_provider(conn, &candidate.provider_id)?;
            if let Some(existing) = db::cohorts::id_of_code(conn, &candidate.code)? {
                return Err(code_taken(conn, existing, &scope)?);
            }
            let stored = conn.transaction(|c| {
                db::cohorts::insert(c, &candidate)?;
                db::audit::record(c, cohort_event(&caller, "create", &candidate))
            });
            match stored {
                Ok(()) => Ok((true, candidate)),
                Err(diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::UniqueViolation,
                    _,
                )) => {
                    if let Some(stored) = replayed(conn, &candidate)? {
                        return Ok((false, stored));
                    }
                    match db::cohorts::id_of_code(conn, &candidate.code)? {
                        Some(existing) => Err(code_taken(conn, existing, &scope)?),
                        None => Err(AppError::conflict("A unique value of this cohort is taken")),
                    }
                }
                Err(e) => Err(e.into()),
            }
        })
        .await?;
    let response = CohortResponse::try_from(row)?;
    let status = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(with_etag(status, response.version).json(response))
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
        (status = 401, description = "Not signed in", body = Problem, content_type = PROBLEM_JSON),
        (status = 403, description = "Employers see no cohorts", body = Problem, content_type = PROBLEM_JSON),
        (status = 422, description = "A query parameter is invalid", body = Problem, content_type = PROBLEM_JSON),
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
    let scope = caller.trainee_scope()?;
    let after = page.after()?.as_deref().map(parse_time_key).transpose()?;
    let limit = page.limit();
    let filter = Filter {
        scope,
        county: filter.county.map(|c| c.0),
        provider_id: filter.provider.map(|p| p.to_string()),
        status: filter.status.map(|s| s.as_str().to_owned()),
        occupation: filter.occupation.map(|o| o.as_str().to_owned()),
        level: filter.level.map(|l| l.as_str().to_owned()),
        since: sync.since(),
    };
    let rows = db
        .run(move |conn| Ok(db::cohorts::list(conn, &filter, after, limit + 1)?))
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
        (status = 400, description = "The id is malformed", body = Problem, content_type = PROBLEM_JSON),
        (status = 401, description = "Not signed in", body = Problem, content_type = PROBLEM_JSON),
        (status = 403, description = "Employers see no cohorts", body = Problem, content_type = PROBLEM_JSON),
        (status = 404, description = "No such cohort in the caller's counties", body = Problem, content_type = PROBLEM_JSON),
    )
)]
#[get("/cohorts/{id}")]
pub async fn get_cohort(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let scope = caller.trainee_scope()?;
    let id = id.into_inner().to_string();
    let row = db
        .run(move |conn| db::cohorts::find(conn, &id, &scope)?.ok_or(AppError::NotFound))
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
        (status = 400, description = "The body, the id or If-Match cannot be read", body = Problem, content_type = PROBLEM_JSON),
        (status = 401, description = "Not signed in", body = Problem, content_type = PROBLEM_JSON),
        (status = 403, description = "Only field staff and administrators keep cohorts", body = Problem, content_type = PROBLEM_JSON),
        (status = 404, description = "No such cohort in the caller's counties", body = Problem, content_type = PROBLEM_JSON),
        (status = 409, description = "The new code is another cohort's", body = Problem, content_type = PROBLEM_JSON),
        (status = 412, description = "The cohort changed since it was read", body = Problem, content_type = PROBLEM_JSON),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = PROBLEM_JSON),
        (status = 422, description = "A field is invalid, or the change breaks a rule", body = Problem, content_type = PROBLEM_JSON),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = PROBLEM_JSON),
    )
)]
#[patch("/cohorts/{id}")]
pub async fn update_cohort(
    req: HttpRequest,
    db: web::Data<Db>,
    rules: web::Data<crate::domain::rules::Rules>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    Json(body): Json<UpdateCohort>,
) -> Result<HttpResponse, AppError> {
    caller.may("update_cohort")?;
    let scope = caller.trainee_scope()?;
    let id = id.into_inner().to_string();
    let version = if_match(&req)?;
    let row = db
        .run(move |conn| {
            let current = db::cohorts::find(conn, &id, &scope)?.ok_or(AppError::NotFound)?;
            check_version(version, current.version)?;
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
            check_changes(conn, &caller, &scope, &current, &changes, body.status)?;
            let now = db::now();
            // What the reports count of the cohort's trainees: its year, provider, occupation.
            let counted = changes.end_date.is_some()
                || changes.provider_id.is_some()
                || changes.occupation.is_some()
                || changes.level.is_some();
            let applied = UnitOfWork::run(conn, &rules, |c| {
                if !db::cohorts::update(c, &id, current.version, &changes, now)? {
                    return Ok(false);
                }
                if counted {
                    let trainees = db::reports::ended_in_cohort(c, &id)?;
                    c.touch_all(&trainees, Stale::Reports);
                }
                let county = changes
                    .county_code
                    .as_deref()
                    .unwrap_or(&current.county_code);
                db::audit::record(
                    c,
                    Event {
                        county_code: Some(county),
                        ..caller.event("update", "cohort", Some(&id))
                    },
                )?;
                Ok::<_, AppError>(true)
            })?;
            if !applied {
                return Err(AppError::PreconditionFailed);
            }
            db::cohorts::find(conn, &id, &Scope::All)?.ok_or(AppError::NotFound)
        })
        .await?;
    let response = CohortResponse::try_from(row)?;
    Ok(with_etag(HttpResponse::Ok(), response.version).json(response))
}

/// The rules a change must keep: the schedule as it would be, a known provider, a county of the
/// caller's, a code of its own, the status forward, the capacity above the places taken.
fn check_changes(
    conn: &mut AnyConnection,
    caller: &AuthUser,
    scope: &Scope,
    current: &Cohort,
    changes: &CohortChanges,
    status: Option<CohortStatus>,
) -> Result<(), AppError> {
    let after = Cohort {
        start_date: changes.start_date.unwrap_or(current.start_date),
        end_date: changes.end_date.unwrap_or(current.end_date),
        planned_days: changes.planned_days.unwrap_or(current.planned_days),
        ..current.clone()
    };
    let mut errors = Vec::new();
    check_schedule(&after, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    if let Some(county) = &changes.county_code {
        caller.require_county("county_code", county)?;
    }
    if let Some(provider) = &changes.provider_id {
        check_provider(conn, provider)?;
    }
    if let Some(code) = &changes.code
        && let Some(other) = db::cohorts::id_of_code(conn, code)?
        && other != current.id
    {
        return Err(code_taken(conn, other, scope)?);
    }
    if let Some(next) = status {
        let now = stored(CohortStatus::parse(&current.status), "status")?;
        if !now.may_become(next) {
            return Err(AppError::rule(
                "status",
                "backwards",
                format!(
                    "a cohort moves forward only: it is {} and cannot become {}",
                    now.as_str(),
                    next.as_str()
                ),
            ));
        }
    }
    let retrains = changes.level.as_ref().is_some_and(|l| *l != current.level)
        || changes
            .occupation
            .as_ref()
            .is_some_and(|o| *o != current.occupation);
    if retrains && current.places_taken > 0 {
        // Enrolments were judged (and certificates will be issued) by what the cohort teaches.
        return Err(AppError::rule(
            if changes.level.is_some() {
                "level"
            } else {
                "occupation"
            },
            "has_enrolments",
            "a cohort with enrolments keeps its occupation and level",
        ));
    }
    if let Some(capacity) = changes.capacity
        && capacity < current.places_taken
    {
        return Err(AppError::rule(
            "capacity",
            "below_places_taken",
            format!("{} places are taken already", current.places_taken),
        ));
    }
    Ok(())
}
