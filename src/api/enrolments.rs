//! Enrolments and the daily register: a trainee takes a place in a cohort, attends, and
//! completes or drops out. Every write to a cohort's enrolments runs in one transaction that
//! first locks the cohort, so places, the register and completions cannot interleave.
//!
//! Scope: the cohort must be in the caller's counties to enrol, take the register, complete or
//! drop; an enrolment is read by callers of the cohort's county or of the trainee's.

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::Connection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::api::{
    Page, PageParams, SyncParams, idempotency_key, not_modified, parse_id, parse_time_key,
    replayed_key, request_digest, time_key, utc, with_etag,
};
use crate::auth::{AuthUser, Role};
use crate::db::cohorts::Cohort;
use crate::db::enrolments::{Enrolment, EnrolmentState, Register};
use crate::db::idempotency::StoredKey;
use crate::db::trainees::Scope;
use crate::db::trainees::Trainee;
use crate::db::{self, AnyConnection, Db, audit::Event};
use crate::domain::id_number::age_on;
use crate::domain::rules::Rules;
use crate::domain::today_in_china;
use crate::domain::training::{
    CohortStatus, EnrolmentStatus, Level, Occupation, earliest_date, required_days,
};
use crate::error::{AppError, FieldError, PROBLEM_JSON, Problem};
use crate::extract::Json;
use crate::service::{Stale, UnitOfWork};

/// A trainee to enrol.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEnrolment {
    /// A client-made id; sending the same request again answers the stored enrolment.
    pub id: Option<Uuid>,
    /// The trainee (of the caller's counties).
    pub trainee_id: Uuid,
    /// The day they joined (default: today), as the app recorded it offline; not in the
    /// future and not after the cohort's last day.
    pub enrolled_on: Option<NaiveDate>,
    /// For a cohort of L4 or above, a manager may enrol a trainee who is not eligible for its
    /// level, giving the reason; it is kept on the enrolment and in the audit trail. Field staff
    /// cannot (403).
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500, pattern = r"^[^\u0000]*$")]
    pub override_reason: Option<String>,
}

/// Completion of a cohort.
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteEnrolment {
    /// The day of completion: from the cohort's first day, not in the future.
    pub completed_on: NaiveDate,
}

/// Leaving a cohort before its end.
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DropEnrolment {
    /// The day they left, not in the future.
    pub dropped_on: NaiveDate,
    /// Why, in a few words.
    #[validate(length(min = 1, max = 500))]
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"^[^\u0000]*$",
        example = "外出务工"
    )]
    pub reason: String,
}

/// A trainee's place in a cohort.
#[derive(Debug, Serialize, ToSchema)]
pub struct EnrolmentResponse {
    /// Id.
    pub id: Uuid,
    /// The cohort.
    pub cohort_id: Uuid,
    /// The trainee.
    pub trainee_id: Uuid,
    /// `enrolled → in_training → completed | dropped`.
    pub status: EnrolmentStatus,
    /// The day of enrolment (China time).
    pub enrolled_on: NaiveDate,
    /// Days present in the register.
    pub attended_days: i32,
    /// Day of completion.
    pub completed_on: Option<NaiveDate>,
    /// Day of leaving.
    pub dropped_on: Option<NaiveDate>,
    /// Why they left.
    pub drop_reason: Option<String>,
    /// Why a manager enrolled them past the level gate.
    pub override_reason: Option<String>,
    /// The version (also the `ETag`).
    pub version: i32,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<Enrolment> for EnrolmentResponse {
    type Error = AppError;

    fn try_from(row: Enrolment) -> Result<Self, AppError> {
        let Enrolment {
            id,
            cohort_id,
            trainee_id,
            status,
            enrolled_on,
            attended_days,
            completed_on,
            dropped_on,
            drop_reason,
            version,
            created_at,
            updated_at,
            override_reason,
        } = row;
        Ok(Self {
            id: parse_id(&id)?,
            cohort_id: parse_id(&cohort_id)?,
            trainee_id: parse_id(&trainee_id)?,
            status: status_of(&status)?,
            enrolled_on,
            attended_days,
            completed_on,
            dropped_on,
            drop_reason,
            override_reason,
            version,
            created_at: utc(created_at),
            updated_at: utc(updated_at),
        })
    }
}

fn status_of(stored: &str) -> Result<EnrolmentStatus, AppError> {
    EnrolmentStatus::parse(stored).ok_or_else(|| AppError::internal("stored status is unknown"))
}

fn answer(created: bool, row: Enrolment) -> Result<HttpResponse, AppError> {
    let response = EnrolmentResponse::try_from(row)?;
    let status = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(with_etag(status, response.version).json(response))
}

fn enrolment_event<'a>(
    caller: &'a AuthUser,
    action: &'a str,
    enrolment_id: &'a str,
    cohort: &'a Cohort,
) -> Event<'a> {
    Event {
        county_code: Some(&cohort.county_code),
        ..caller.event(action, "enrolment", Some(enrolment_id))
    }
}

/// The level gate: enrolling in a cohort of L4 or above needs eligibility for that level
/// (DOMAIN.md, Progression), unless a manager overrides it with a reason. Returns whether the
/// gate was overridden.
fn check_level_gate(
    conn: &mut AnyConnection,
    cohort: &Cohort,
    trainee: &Trainee,
    override_reason: Option<&str>,
) -> Result<bool, AppError> {
    let (Some(occupation), Some(level)) = (
        Occupation::parse(&cohort.occupation),
        Level::parse(&cohort.level),
    ) else {
        return Err(AppError::internal("stored cohort is unknown"));
    };
    let missing = crate::service::ladder::gate(conn, trainee, occupation, level)?;
    if missing.is_empty() {
        return Ok(false);
    }
    if override_reason.is_some() {
        return Ok(true);
    }
    let errors = missing
        .iter()
        .map(|line| {
            FieldError::new(
                "trainee_id",
                "not_eligible",
                format!(
                    "not eligible for {} by {}: needs {}",
                    level.as_str(),
                    line.id,
                    line.missing.join("; ")
                ),
            )
        })
        .collect();
    Err(AppError::Rule(errors))
}

/// The answer to a create whose id is stored already.
///
/// `dated` says whether the request named its `enrolled_on`: one that did not took the day it
/// was first sent, so a retry on a later day is still the same request.
fn replayed(
    conn: &mut AnyConnection,
    candidate: &Enrolment,
    dated: bool,
) -> Result<Option<Enrolment>, AppError> {
    match db::enrolments::find_any(conn, &candidate.id)? {
        None => Ok(None),
        Some(stored)
            if stored.cohort_id == candidate.cohort_id
                && stored.trainee_id == candidate.trainee_id
                && (!dated || stored.enrolled_on == candidate.enrolled_on)
                // A reason is kept only where the gate needed it.
                && (stored.override_reason.is_none()
                    || stored.override_reason == candidate.override_reason) =>
        {
            Ok(Some(stored))
        }
        Some(_) => Err(AppError::Conflict {
            detail: "This id belongs to a different enrolment".into(),
            existing_id: None,
        }),
    }
}

fn already_enrolled() -> AppError {
    AppError::rule(
        "trainee_id",
        "already_enrolled",
        "is enrolled in this cohort already",
    )
}

/// Why a cohort gave no place: closed or full.
fn no_place(cohort: &Cohort) -> AppError {
    if cohort.status == CohortStatus::Closed.as_str() {
        AppError::rule("cohort", "closed", "this cohort is closed to enrolments")
    } else {
        AppError::rule(
            "cohort",
            "full",
            format!("all {} places of this cohort are taken", cohort.capacity),
        )
    }
}

/// Enrols a trainee in a cohort.
///
/// Refused (422, naming the rule) when the cohort is closed or full, when the trainee is enrolled
/// in it already or is in another running cohort, or is outside working age.
#[utoipa::path(
    tag = "training",
    params(("id" = Uuid, Path, description = "Cohort id")),
    request_body = CreateEnrolment,
    responses(
        (status = 201, description = "Enrolled", body = EnrolmentResponse),
        (status = 200, description = "The same request again: the stored enrolment", body = EnrolmentResponse),
        (status = 400, description = "The body or the id cannot be read", body = Problem, content_type = PROBLEM_JSON),
        (status = 401, description = "Not signed in", body = Problem, content_type = PROBLEM_JSON),
        (status = 403, description = "Employers enrol no one", body = Problem, content_type = PROBLEM_JSON),
        (status = 404, description = "No such cohort in the caller's counties", body = Problem, content_type = PROBLEM_JSON),
        (status = 409, description = "The id is another enrolment's", body = Problem, content_type = PROBLEM_JSON),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = PROBLEM_JSON),
        (status = 422, description = "Against a rule: full, closed, enrolled already or elsewhere, unknown trainee",
            body = Problem, content_type = PROBLEM_JSON),
    )
)]
#[post("/cohorts/{id}/enrolments")]
pub async fn create_enrolment(
    db: web::Data<Db>,
    rules: web::Data<Rules>,
    caller: AuthUser,
    cohort_id: web::Path<Uuid>,
    Json(body): Json<CreateEnrolment>,
) -> Result<HttpResponse, AppError> {
    caller.may("create_enrolment")?;
    if body.override_reason.is_some() {
        // Overriding the level gate is a manager's decision.
        caller.require(&[Role::Admin, Role::Manager])?;
    }
    let scope = caller.trainee_scope()?;
    let retirement_age = rules.retirement_age;
    let today = today_in_china();
    let now = db::now();
    let dated = body.enrolled_on.is_some();
    let candidate = Enrolment {
        id: body.id.unwrap_or_else(Uuid::new_v4).to_string(),
        cohort_id: cohort_id.into_inner().to_string(),
        trainee_id: body.trainee_id.to_string(),
        status: EnrolmentStatus::Enrolled.as_str().to_owned(),
        enrolled_on: body.enrolled_on.unwrap_or(today),
        attended_days: 0,
        completed_on: None,
        dropped_on: None,
        drop_reason: None,
        version: 1,
        created_at: now,
        updated_at: now,
        override_reason: body.override_reason,
    };
    let (created, row) = db
        .run(move |conn| {
            let cohort =
                db::cohorts::find(conn, &candidate.cohort_id, &scope)?.ok_or(AppError::NotFound)?;
            if let Some(stored) = replayed(conn, &candidate, dated)? {
                return Ok((false, stored));
            }
            not_in_future("enrolled_on", candidate.enrolled_on)?;
            if candidate.enrolled_on > cohort.end_date {
                return Err(AppError::rule(
                    "enrolled_on",
                    "after_end",
                    format!("is after the cohort's last day, {}", cohort.end_date),
                ));
            }
            let trainee = db::trainees::find(conn, &candidate.trainee_id, &scope)?
                .ok_or_else(|| {
                    AppError::field("trainee_id", "unknown", "is not a trainee of your counties")
                })?
                .trainee;
            let age = age_on(trainee.birth_date, candidate.enrolled_on);
            if !(16..retirement_age).contains(&age) {
                return Err(AppError::rule(
                    "trainee_id",
                    "age",
                    format!(
                        "is {age} years old; trainees are enrolled from 16 to {}",
                        retirement_age - 1
                    ),
                ));
            }
            let stored = UnitOfWork::run(conn, &rules, |c| {
                // One enrolment of a trainee at a time: the checks below then see the others.
                db::trainees::lock(c, &candidate.trainee_id)?;
                if db::enrolments::of_trainee_in(c, &cohort.id, &candidate.trainee_id)?.is_some() {
                    return Err(already_enrolled());
                }
                if let Some(code) =
                    db::enrolments::running_elsewhere(c, &candidate.trainee_id, &cohort.id)?
                {
                    return Err(AppError::rule(
                        "trainee_id",
                        "in_another_running_cohort",
                        format!("is in training in the running cohort {code}"),
                    ));
                }
                let overridden =
                    check_level_gate(c, &cohort, &trainee, candidate.override_reason.as_deref())?;
                if !db::cohorts::take_place(c, &cohort.id, now)? {
                    let current =
                        db::cohorts::find(c, &cohort.id, &Scope::All)?.ok_or(AppError::NotFound)?;
                    return Err(no_place(&current));
                }
                let stored = Enrolment {
                    // Kept only when it was needed.
                    override_reason: candidate.override_reason.clone().filter(|_| overridden),
                    ..candidate.clone()
                };
                db::enrolments::insert(c, &stored)?;
                c.touch(&stored.trainee_id, Stale::Eligibility);
                c.audit(enrolment_event(&caller, "create", &stored.id, &cohort))?;
                if overridden {
                    db::audit::record(
                        c,
                        enrolment_event(&caller, "override_level_gate", &stored.id, &cohort),
                    )?;
                }
                Ok(stored)
            });
            match stored {
                Ok(stored) => Ok((true, stored)),
                // Sent twice at once: the unique indexes decided which one enrolled.
                Err(AppError::Conflict { .. }) => match replayed(conn, &candidate, dated)? {
                    Some(stored) => Ok((false, stored)),
                    None => Err(already_enrolled()),
                },
                Err(e) => Err(e),
            }
        })
        .await?;
    answer(created, row)
}

/// Lists the enrolments of a cohort of the caller's counties, in the order they last changed.
#[utoipa::path(
    tag = "training",
    params(("id" = Uuid, Path, description = "Cohort id"), PageParams, SyncParams),
    responses(
        (status = 200, description = "One page of enrolments", body = Page<EnrolmentResponse>),
        (status = 400, description = "The id is malformed", body = Problem, content_type = PROBLEM_JSON),
        (status = 401, description = "Not signed in", body = Problem, content_type = PROBLEM_JSON),
        (status = 403, description = "Employers see no enrolments", body = Problem, content_type = PROBLEM_JSON),
        (status = 404, description = "No such cohort in the caller's counties", body = Problem, content_type = PROBLEM_JSON),
        (status = 422, description = "A query parameter is invalid", body = Problem, content_type = PROBLEM_JSON),
    )
)]
#[get("/cohorts/{id}/enrolments")]
pub async fn list_enrolments(
    db: web::Data<Db>,
    caller: AuthUser,
    cohort_id: web::Path<Uuid>,
    crate::extract::Query(page): crate::extract::Query<PageParams>,
    crate::extract::Query(sync): crate::extract::Query<SyncParams>,
) -> Result<HttpResponse, AppError> {
    let scope = caller.trainee_scope()?;
    let cohort_id = cohort_id.into_inner().to_string();
    let after = page.after()?.as_deref().map(parse_time_key).transpose()?;
    let limit = page.limit();
    let since = sync.since();
    let rows = db
        .run(move |conn| {
            db::cohorts::find(conn, &cohort_id, &scope)?.ok_or(AppError::NotFound)?;
            Ok(db::enrolments::list_for_cohort(
                conn,
                &cohort_id,
                since,
                after,
                limit + 1,
            )?)
        })
        .await?;
    let page = Page::from_rows(
        rows,
        limit,
        |e| time_key(e.updated_at, &e.id),
        EnrolmentResponse::try_from,
    )?;
    Ok(HttpResponse::Ok().json(page))
}

/// One enrolment, seen by callers of the cohort's county or of the trainee's.
#[utoipa::path(
    tag = "training",
    params(
        ("id" = Uuid, Path, description = "Enrolment id"),
        ("If-None-Match" = Option<String>, Header, description = "An ETag read before: 304 when unchanged"),
    ),
    responses(
        (status = 200, description = "The enrolment", body = EnrolmentResponse, headers(("ETag" = String, description = "The version"))),
        (status = 304, description = "Unchanged since the ETag sent"),
        (status = 400, description = "The id is malformed", body = Problem, content_type = PROBLEM_JSON),
        (status = 401, description = "Not signed in", body = Problem, content_type = PROBLEM_JSON),
        (status = 403, description = "Employers see no enrolments", body = Problem, content_type = PROBLEM_JSON),
        (status = 404, description = "No such enrolment in the caller's counties", body = Problem, content_type = PROBLEM_JSON),
    )
)]
#[get("/enrolments/{id}")]
pub async fn get_enrolment(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let scope = caller.trainee_scope()?;
    let id = id.into_inner().to_string();
    let row = db
        .run(move |conn| db::enrolments::find(conn, &id, &scope)?.ok_or(AppError::NotFound))
        .await?;
    if let Some(response) = not_modified(&req, row.version) {
        return Ok(response);
    }
    answer(false, row)
}

/// How one action changes an enrolment: the new state, or `None` when the enrolment is in
/// that state already with the same data (a retry without a key).
type Transition =
    fn(&Enrolment, &Cohort, &ActionInput, &Rules) -> Result<Option<EnrolmentState>, AppError>;

/// The body of an action, with what the rules need.
enum ActionInput {
    Complete(CompleteEnrolment),
    Drop(DropEnrolment),
}

/// Runs an action on an enrolment: the `Idempotency-Key`, the scope, the cohort's lock, the rule
/// and the write with its audit row, in one transaction.
#[allow(clippy::too_many_arguments)]
async fn act(
    req: &HttpRequest,
    db: &Db,
    rules: Rules,
    caller: AuthUser,
    id: Uuid,
    action: &'static str,
    input: ActionInput,
    transition: Transition,
) -> Result<HttpResponse, AppError> {
    caller.may(&format!("{action}_enrolment"))?;
    let scope = caller.trainee_scope()?;
    let key = idempotency_key(req)?;
    let id = id.to_string();
    let operation = format!("POST /api/v1/enrolments/{id}/{action}");
    let digest = match &input {
        ActionInput::Complete(body) => request_digest(&operation, body)?,
        ActionInput::Drop(body) => request_digest(&operation, body)?,
    };
    let row = db
        .run(move |conn| {
            let replay = |conn: &mut AnyConnection| -> Result<Option<Enrolment>, AppError> {
                let Some(key) = &key else { return Ok(None) };
                match replayed_key(conn, &caller.id, key, &operation, &digest)? {
                    Some(resource) => Ok(db::enrolments::find(conn, &resource, &scope)?),
                    None => Ok(None),
                }
            };
            if let Some(row) = replay(conn)? {
                return Ok(row);
            }
            let result = UnitOfWork::run(conn, &rules, |c| {
                // Lock first, read after: what the rule judges is what gets written over.
                if !db::cohorts::lock_for_enrolment(c, &id)? {
                    return Err(AppError::NotFound);
                }
                let enrolment = db::enrolments::find_any(c, &id)?.ok_or(AppError::NotFound)?;
                let cohort = db::cohorts::find(c, &enrolment.cohort_id, &scope)?
                    .ok_or(AppError::NotFound)?;
                if let Some(state) = transition(&enrolment, &cohort, &input, &rules)? {
                    let now = db::now();
                    if !db::enrolments::set_state(c, &id, enrolment.version, &state, now)? {
                        return Err(AppError::PreconditionFailed);
                    }
                    if state.status == EnrolmentStatus::Dropped.as_str() {
                        db::cohorts::release_place(c, &cohort.id, now)?;
                    }
                    c.touch(&enrolment.trainee_id, Stale::Both);
                    c.audit(enrolment_event(&caller, action, &id, &cohort))?;
                }
                if let Some(key) = &key {
                    db::idempotency::insert(
                        c,
                        &StoredKey {
                            actor_id: caller.id.clone(),
                            key: key.clone(),
                            operation: operation.clone(),
                            request_digest: digest.clone(),
                            resource_id: id.clone(),
                            created_at: db::now(),
                        },
                    )?;
                }
                db::enrolments::find_any(c, &id)?.ok_or(AppError::NotFound)
            });
            match result {
                // The same key sent twice at once: the first stored it; answer as a retry.
                Err(AppError::Conflict { .. }) if key.is_some() => replay(conn)?
                    .ok_or_else(|| AppError::conflict("This Idempotency-Key is in use")),
                other => other,
            }
        })
        .await?;
    answer(false, row)
}

fn not_in_future(field: &str, day: NaiveDate) -> Result<(), AppError> {
    let today = today_in_china();
    if day > today {
        return Err(AppError::field(
            field,
            "future",
            format!("{day} is in the future"),
        ));
    }
    if day < earliest_date() {
        return Err(AppError::field(
            field,
            "range",
            format!("must be on or after {}", earliest_date()),
        ));
    }
    Ok(())
}

fn complete_transition(
    enrolment: &Enrolment,
    cohort: &Cohort,
    input: &ActionInput,
    rules: &Rules,
) -> Result<Option<EnrolmentState>, AppError> {
    let ActionInput::Complete(body) = input else {
        return Err(AppError::internal("complete called with another body"));
    };
    match status_of(&enrolment.status)? {
        EnrolmentStatus::Completed if enrolment.completed_on == Some(body.completed_on) => {
            return Ok(None);
        }
        EnrolmentStatus::Completed | EnrolmentStatus::Dropped => {
            return Err(AppError::rule(
                "status",
                "finished",
                format!("the enrolment is {} already", enrolment.status),
            ));
        }
        EnrolmentStatus::Enrolled | EnrolmentStatus::InTraining => {}
    }
    not_in_future("completed_on", body.completed_on)?;
    let first = cohort.start_date.max(enrolment.enrolled_on);
    if body.completed_on < first {
        return Err(AppError::rule(
            "completed_on",
            "before_start",
            format!("is before the cohort's first day or the enrolment, {first}"),
        ));
    }
    let needed = required_days(cohort.planned_days, rules.completion_attendance_percent);
    if enrolment.attended_days < needed {
        return Err(AppError::rule(
            "attended_days",
            "insufficient_attendance",
            format!(
                "attended {} days; completion needs {needed} ({} % of the {} planned)",
                enrolment.attended_days, rules.completion_attendance_percent, cohort.planned_days
            ),
        ));
    }
    Ok(Some(EnrolmentState {
        status: EnrolmentStatus::Completed.as_str().to_owned(),
        attended_days: enrolment.attended_days,
        completed_on: Some(body.completed_on),
        dropped_on: None,
        drop_reason: None,
    }))
}

fn drop_transition(
    enrolment: &Enrolment,
    _cohort: &Cohort,
    input: &ActionInput,
    _rules: &Rules,
) -> Result<Option<EnrolmentState>, AppError> {
    let ActionInput::Drop(body) = input else {
        return Err(AppError::internal("drop called with another body"));
    };
    match status_of(&enrolment.status)? {
        EnrolmentStatus::Dropped
            if enrolment.dropped_on == Some(body.dropped_on)
                && enrolment.drop_reason.as_deref() == Some(body.reason.as_str()) =>
        {
            return Ok(None);
        }
        EnrolmentStatus::Completed | EnrolmentStatus::Dropped => {
            return Err(AppError::rule(
                "status",
                "finished",
                format!("the enrolment is {} already", enrolment.status),
            ));
        }
        EnrolmentStatus::Enrolled | EnrolmentStatus::InTraining => {}
    }
    not_in_future("dropped_on", body.dropped_on)?;
    if body.dropped_on < enrolment.enrolled_on {
        return Err(AppError::rule(
            "dropped_on",
            "before_enrolment",
            format!("is before the enrolment, {}", enrolment.enrolled_on),
        ));
    }
    Ok(Some(EnrolmentState {
        status: EnrolmentStatus::Dropped.as_str().to_owned(),
        attended_days: enrolment.attended_days,
        completed_on: None,
        dropped_on: Some(body.dropped_on),
        drop_reason: Some(body.reason.clone()),
    }))
}

/// Records that a trainee completed their cohort. Needs the attendance the cohort plans (the
/// `COMPLETION_ATTENDANCE_PERCENT` share of its planned days). Safe to retry: the same
/// completion again, or the same `Idempotency-Key` and body, answers the enrolment as it is.
#[utoipa::path(
    tag = "training",
    params(
        ("id" = Uuid, Path, description = "Enrolment id"),
        ("Idempotency-Key" = Option<String>, Header, description = "A key of the client's (say a UUID): a retry with the same key and body answers the enrolment as it is; another body under the key is refused (409)",
            pattern = "^[!-~]{1,200}$"),
    ),
    request_body = CompleteEnrolment,
    responses(
        (status = 200, description = "Completed", body = EnrolmentResponse),
        (status = 400, description = "The body, the id or the key cannot be read", body = Problem, content_type = PROBLEM_JSON),
        (status = 401, description = "Not signed in", body = Problem, content_type = PROBLEM_JSON),
        (status = 403, description = "Only field staff and administrators record completion", body = Problem, content_type = PROBLEM_JSON),
        (status = 404, description = "No such enrolment in a cohort of the caller's counties", body = Problem, content_type = PROBLEM_JSON),
        (status = 409, description = "The Idempotency-Key was used for a different request", body = Problem, content_type = PROBLEM_JSON),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = PROBLEM_JSON),
        (status = 422, description = "Too little attendance, a date out of range, or finished already", body = Problem, content_type = PROBLEM_JSON),
    )
)]
#[post("/enrolments/{id}/complete")]
pub async fn complete_enrolment(
    req: HttpRequest,
    db: web::Data<Db>,
    rules: web::Data<Rules>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    Json(body): Json<CompleteEnrolment>,
) -> Result<HttpResponse, AppError> {
    act(
        &req,
        &db,
        **rules,
        caller,
        id.into_inner(),
        "complete",
        ActionInput::Complete(body),
        complete_transition,
    )
    .await
}

/// Records that a trainee left their cohort. The record stays, with the day and the reason,
/// and the place is freed. Safe to retry like completion.
#[utoipa::path(
    tag = "training",
    params(
        ("id" = Uuid, Path, description = "Enrolment id"),
        ("Idempotency-Key" = Option<String>, Header, description = "A key of the client's (say a UUID): a retry with the same key and body answers the enrolment as it is; another body under the key is refused (409)",
            pattern = "^[!-~]{1,200}$"),
    ),
    request_body = DropEnrolment,
    responses(
        (status = 200, description = "Dropped", body = EnrolmentResponse),
        (status = 400, description = "The body, the id or the key cannot be read", body = Problem, content_type = PROBLEM_JSON),
        (status = 401, description = "Not signed in", body = Problem, content_type = PROBLEM_JSON),
        (status = 403, description = "Only field staff and administrators record drop-outs", body = Problem, content_type = PROBLEM_JSON),
        (status = 404, description = "No such enrolment in a cohort of the caller's counties", body = Problem, content_type = PROBLEM_JSON),
        (status = 409, description = "The Idempotency-Key was used for a different request", body = Problem, content_type = PROBLEM_JSON),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = PROBLEM_JSON),
        (status = 422, description = "A date out of range, or finished already", body = Problem, content_type = PROBLEM_JSON),
    )
)]
#[post("/enrolments/{id}/drop")]
pub async fn drop_enrolment(
    req: HttpRequest,
    db: web::Data<Db>,
    rules: web::Data<Rules>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    Json(body): Json<DropEnrolment>,
) -> Result<HttpResponse, AppError> {
    act(
        &req,
        &db,
        **rules,
        caller,
        id.into_inner(),
        "drop",
        ActionInput::Drop(body),
        drop_transition,
    )
    .await
}

/// A day's register: who was present.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TakeRegister {
    /// The enrolments present that day (of this cohort); everyone else was absent.
    #[validate(length(max = 1000))]
    #[schema(max_items = 1000)]
    pub present: Vec<Uuid>,
}

/// A day's register as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegisterResponse {
    /// The cohort.
    pub cohort_id: Uuid,
    /// The day.
    pub date: NaiveDate,
    /// The enrolments present, sorted.
    pub present: Vec<Uuid>,
    /// How many were present.
    pub present_count: i32,
    /// When the register was last taken (UTC).
    pub recorded_at: DateTime<Utc>,
}

fn register_response(
    register: Register,
    present: Vec<String>,
) -> Result<RegisterResponse, AppError> {
    let Register {
        cohort_id,
        day,
        present_count,
        recorded_by: _,
        recorded_at,
    } = register;
    Ok(RegisterResponse {
        cohort_id: parse_id(&cohort_id)?,
        date: day,
        present: present
            .iter()
            .map(|p| parse_id(p))
            .collect::<Result<_, _>>()?,
        present_count,
        recorded_at: utc(recorded_at),
    })
}

/// Checks a register against the cohort and its enrolments; every wrong entry is named.
fn check_register(
    cohort: &Cohort,
    day: NaiveDate,
    present: &[String],
    enrolments: &[Enrolment],
) -> Result<(), AppError> {
    if day < cohort.start_date || day > cohort.end_date {
        return Err(AppError::rule(
            "date",
            "outside_cohort",
            format!(
                "is outside the cohort's dates, {} to {}",
                cohort.start_date, cohort.end_date
            ),
        ));
    }
    if day > today_in_china() {
        return Err(AppError::rule(
            "date",
            "future",
            format!("{day} is in the future"),
        ));
    }
    let mut errors = Vec::new();
    for (i, id) in present.iter().enumerate() {
        let field = format!("present[{i}]");
        match enrolments.iter().find(|e| &e.id == id) {
            None => errors.push(FieldError::new(
                field,
                "not_in_cohort",
                "is not an enrolment of this cohort",
            )),
            Some(e) if e.dropped_on.is_some_and(|d| d <= day) => errors.push(FieldError::new(
                field,
                "dropped",
                "had left the cohort by that day",
            )),
            Some(e) if e.completed_on.is_some_and(|d| d < day) => errors.push(FieldError::new(
                field,
                "completed",
                "had completed the cohort before that day",
            )),
            Some(_) => {}
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Rule(errors))
    }
}

/// The state of an enrolment after a day's presence changed by `delta` (+1 or −1); its status
/// follows for enrolments still going (`enrolled` until the first day present).
fn with_attendance(enrolment: &Enrolment, delta: i32) -> Result<EnrolmentState, AppError> {
    let attended_days = (enrolment.attended_days + delta).max(0);
    let status = match status_of(&enrolment.status)? {
        s if s.is_active() && attended_days > 0 => EnrolmentStatus::InTraining,
        s if s.is_active() => EnrolmentStatus::Enrolled,
        s => s,
    };
    Ok(EnrolmentState {
        status: status.as_str().to_owned(),
        attended_days,
        completed_on: enrolment.completed_on,
        dropped_on: enrolment.dropped_on,
        drop_reason: enrolment.drop_reason.clone(),
    })
}

/// Takes a day's register: the enrolments present, everyone else absent. It replaces whatever
/// was recorded for that day, so sending it again changes nothing.
#[utoipa::path(
    tag = "training",
    params(
        ("id" = Uuid, Path, description = "Cohort id"),
        ("date" = NaiveDate, Path, description = "The day, within the cohort's dates and not in the future"),
    ),
    request_body = TakeRegister,
    responses(
        (status = 200, description = "The register as stored", body = RegisterResponse),
        (status = 400, description = "The body, the id or the date cannot be read", body = Problem, content_type = PROBLEM_JSON),
        (status = 401, description = "Not signed in", body = Problem, content_type = PROBLEM_JSON),
        (status = 403, description = "Only field staff and administrators take the register", body = Problem, content_type = PROBLEM_JSON),
        (status = 404, description = "No such cohort in the caller's counties", body = Problem, content_type = PROBLEM_JSON),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = PROBLEM_JSON),
        (status = 422, description = "The day is outside the cohort's dates or in the future, or an entry is not a current enrolment of it",
            body = Problem, content_type = PROBLEM_JSON),
    )
)]
#[put("/cohorts/{id}/attendance/{date}")]
pub async fn take_register(
    db: web::Data<Db>,
    caller: AuthUser,
    path: web::Path<(Uuid, NaiveDate)>,
    Json(body): Json<TakeRegister>,
) -> Result<HttpResponse, AppError> {
    caller.may("take_register")?;
    let scope = caller.trainee_scope()?;
    let (cohort_id, day) = path.into_inner();
    let cohort_id = cohort_id.to_string();
    let mut present: Vec<String> = body.present.iter().map(Uuid::to_string).collect();
    let response = db
        .run(move |conn| {
            conn.transaction(|c| {
                if !db::cohorts::lock(c, &cohort_id)? {
                    return Err(AppError::NotFound);
                }
                let cohort = db::cohorts::find(c, &cohort_id, &scope)?.ok_or(AppError::NotFound)?;
                let enrolments = db::enrolments::all_of_cohort(c, &cohort.id)?;
                check_register(&cohort, day, &present, &enrolments)?;
                present.sort();
                present.dedup();
                let before = db::enrolments::present_on(c, &cohort.id, day)?;
                let now = db::now();
                for enrolment in &enrolments {
                    let was = before.binary_search(&enrolment.id).is_ok();
                    let is = present.binary_search(&enrolment.id).is_ok();
                    let delta = match (was, is) {
                        (false, true) => {
                            db::enrolments::mark_present(c, &enrolment.id, day)?;
                            1
                        }
                        (true, false) => {
                            // Completion was judged on these days: they stay.
                            if enrolment.completed_on.is_some_and(|d| day <= d) {
                                return Err(AppError::rule(
                                    "present",
                                    "completed",
                                    format!(
                                        "enrolment {} completed on a count that included this day",
                                        enrolment.id
                                    ),
                                ));
                            }
                            db::enrolments::mark_absent(c, &enrolment.id, day)?;
                            -1
                        }
                        _ => continue,
                    };
                    let state = with_attendance(enrolment, delta)?;
                    if !db::enrolments::set_state(c, &enrolment.id, enrolment.version, &state, now)?
                    {
                        return Err(AppError::PreconditionFailed);
                    }
                }
                let register = Register {
                    cohort_id: cohort.id.clone(),
                    day,
                    present_count: i32::try_from(present.len()).map_err(AppError::internal)?,
                    recorded_by: Some(caller.id.clone()),
                    recorded_at: now,
                };
                db::enrolments::save_register(c, &register)?;
                db::audit::record(
                    c,
                    Event {
                        county_code: Some(&cohort.county_code),
                        ..caller.event("take_register", "cohort", Some(&cohort.id))
                    },
                )?;
                register_response(register, present)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(response))
}

/// A day's register as taken (404 when it was not taken that day).
#[utoipa::path(
    tag = "training",
    params(
        ("id" = Uuid, Path, description = "Cohort id"),
        ("date" = NaiveDate, Path, description = "The day"),
    ),
    responses(
        (status = 200, description = "The register", body = RegisterResponse),
        (status = 400, description = "The id or the date cannot be read", body = Problem, content_type = PROBLEM_JSON),
        (status = 401, description = "Not signed in", body = Problem, content_type = PROBLEM_JSON),
        (status = 403, description = "Employers see no registers", body = Problem, content_type = PROBLEM_JSON),
        (status = 404, description = "No such cohort in the caller's counties, or no register that day", body = Problem,
            content_type = PROBLEM_JSON),
    )
)]
#[get("/cohorts/{id}/attendance/{date}")]
pub async fn get_register(
    db: web::Data<Db>,
    caller: AuthUser,
    path: web::Path<(Uuid, NaiveDate)>,
) -> Result<HttpResponse, AppError> {
    let scope = caller.trainee_scope()?;
    let (cohort_id, day) = path.into_inner();
    let cohort_id = cohort_id.to_string();
    let response = db
        .run(move |conn| {
            db::cohorts::find(conn, &cohort_id, &scope)?.ok_or(AppError::NotFound)?;
            let register =
                db::enrolments::register(conn, &cohort_id, day)?.ok_or(AppError::NotFound)?;
            let present = db::enrolments::present_on(conn, &cohort_id, day)?;
            register_response(register, present)
        })
        .await?;
    Ok(HttpResponse::Ok().json(response))
}
