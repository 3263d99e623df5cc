//! Enrolments and the daily register: a trainee takes a place in a cohort, attends, and
//! completes or drops out. Every write to a cohort's enrolments runs in one transaction that
//! first locks the cohort, so places, the register and completions cannot interleave.
//!
//! Scope: the cohort must be in the caller's counties to enrol, take the register, complete or
//! drop; an enrolment is read by callers of the cohort's county or of the trainee's.

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::api::{
    Page, PageParams, SyncAction, SyncApplied, SyncContext, SyncKind, SyncParams, idempotency_key,
    not_modified, parse_id, parse_time_key, request_digest, time_key, utc, visible, with_etag,
};
use crate::auth::AuthUser;
use crate::db::enrolments::{Enrolment, Register};
use crate::db::{self, Db};
use crate::domain::rules::Rules;
use crate::domain::today_in_china;
use crate::domain::training::EnrolmentStatus;
use crate::error::{AppError, PROBLEM_JSON, Problem};
use crate::extract::Json;
use crate::service::{self, Idempotency, sync};

limited! {
    body;
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
        #[schema(pattern = r"^[^\u0000]*$")]
        [1, 500]
        pub override_reason: Option<String>,
    }
}

/// Completion of a cohort.
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteEnrolment {
    /// The day of completion: from the cohort's first day, not in the future.
    pub completed_on: NaiveDate,
}

limited! {
    body;
    /// Leaving a cohort before its end.
    #[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct DropEnrolment {
        /// The day they left, not in the future.
        pub dropped_on: NaiveDate,
        /// Why, in a few words.
        #[schema(
            pattern = r"^[^\u0000]*$",
            example = "外出务工"
        )]
        [1, 500]
        pub reason: String,
    }
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
            status: service::enrolments::status_of(&status)?,
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

fn answer(created: bool, row: Enrolment) -> Result<HttpResponse, AppError> {
    let response = EnrolmentResponse::try_from(row)?;
    let status = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(with_etag(status, response.version).json(response))
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
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, description = "The id is another enrolment's", body = Problem, content_type = PROBLEM_JSON),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, description = "Against a rule: full, closed, enrolled already or elsewhere, unknown trainee",
            body = Problem, content_type = PROBLEM_JSON),
    )
)]
#[post("/cohorts/{id}/enrolments")]
pub async fn create_enrolment(
    db: web::Data<Db>,
    rules: Rules,
    caller: AuthUser,
    cohort_id: web::Path<Uuid>,
    Json(body): Json<CreateEnrolment>,
) -> Result<HttpResponse, AppError> {
    let id = body.id.unwrap_or_else(Uuid::new_v4);
    let cohort_id = cohort_id.into_inner();
    let (created, row) = db
        .run(move |conn| create_with(conn, &rules, &caller, cohort_id, body, id))
        .await?;
    answer(created, row)
}

/// Enrols as `body` says in cohort `cohort_id`, under `id`: the create endpoint's work, and a
/// pushed operation's.
fn create_with(
    conn: &mut db::AnyConnection,
    rules: &Rules,
    caller: &crate::access::Caller,
    cohort_id: Uuid,
    body: CreateEnrolment,
    id: Uuid,
) -> Result<(bool, Enrolment), AppError> {
    let today = today_in_china();
    let now = db::now();
    let dated = body.enrolled_on.is_some();
    let candidate = Enrolment {
        id: id.to_string(),
        cohort_id: cohort_id.to_string(),
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
    service::enrolments::create(conn, rules, caller, candidate, dated)
}

/// Lists the enrolments of a cohort of the caller's counties, in the order they last changed.
#[utoipa::path(
    tag = "training",
    params(("id" = Uuid, Path, description = "Cohort id"), PageParams, SyncParams),
    responses(
        (status = 200, description = "One page of enrolments", body = Page<EnrolmentResponse>),
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 422, response = crate::openapi::Invalid),
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
    let cohort_id = cohort_id.into_inner().to_string();
    let after = page.after()?.as_deref().map(parse_time_key).transpose()?;
    let limit = page.limit();
    let since = sync.since();
    let rows = db
        .run(move |conn| {
            service::enrolments::of_cohort(conn, &caller, &cohort_id, since, after, limit + 1)
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
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[get("/enrolments/{id}")]
pub async fn get_enrolment(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner().to_string();
    let row = db
        .run(move |conn| service::enrolments::get(conn, &caller, &id))
        .await?;
    if let Some(response) = not_modified(&req, row.version) {
        return Ok(response);
    }
    answer(false, row)
}

/// The body of an action, with what the rules need.
enum ActionInput {
    Complete(CompleteEnrolment),
    Drop(DropEnrolment),
}

/// Runs an action on an enrolment: the `Idempotency-Key` is read here, the rest is the service's.
async fn act(
    req: &HttpRequest,
    db: &Db,
    rules: Rules,
    caller: AuthUser,
    id: Uuid,
    input: ActionInput,
) -> Result<HttpResponse, AppError> {
    let id = id.to_string();
    let (name, _) = action_of(&input);
    let key = match idempotency_key(req)? {
        Some(key) => {
            let operation = format!("POST /api/v1/enrolments/{id}/{name}");
            let digest = match &input {
                ActionInput::Complete(body) => request_digest(&operation, body)?,
                ActionInput::Drop(body) => request_digest(&operation, body)?,
            };
            Some(Idempotency {
                key,
                operation,
                digest,
            })
        }
        None => None,
    };
    let (_, action) = action_of(&input);
    let row = db
        .run(move |conn| service::enrolments::act(conn, &rules, &caller, &id, action, key.as_ref()))
        .await?;
    answer(false, row)
}

/// The action's name and what the service is asked.
fn action_of(input: &ActionInput) -> (&'static str, service::enrolments::Action) {
    match input {
        ActionInput::Complete(body) => (
            "complete",
            service::enrolments::Action::Complete {
                on: body.completed_on,
            },
        ),
        ActionInput::Drop(body) => (
            "drop",
            service::enrolments::Action::Drop {
                on: body.dropped_on,
                reason: body.reason.clone(),
            },
        ),
    }
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
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, description = "The Idempotency-Key was used for a different request", body = Problem, content_type = PROBLEM_JSON),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, description = "Too little attendance, a date out of range, or finished already", body = Problem, content_type = PROBLEM_JSON),
    )
)]
#[post("/enrolments/{id}/complete")]
pub async fn complete_enrolment(
    req: HttpRequest,
    db: web::Data<Db>,
    rules: Rules,
    caller: AuthUser,
    id: web::Path<Uuid>,
    Json(body): Json<CompleteEnrolment>,
) -> Result<HttpResponse, AppError> {
    act(
        &req,
        &db,
        rules,
        caller,
        id.into_inner(),
        ActionInput::Complete(body),
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
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, description = "The Idempotency-Key was used for a different request", body = Problem, content_type = PROBLEM_JSON),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, description = "A date out of range, or finished already", body = Problem, content_type = PROBLEM_JSON),
    )
)]
#[post("/enrolments/{id}/drop")]
pub async fn drop_enrolment(
    req: HttpRequest,
    db: web::Data<Db>,
    rules: Rules,
    caller: AuthUser,
    id: web::Path<Uuid>,
    Json(body): Json<DropEnrolment>,
) -> Result<HttpResponse, AppError> {
    act(
        &req,
        &db,
        rules,
        caller,
        id.into_inner(),
        ActionInput::Drop(body),
    )
    .await
}

limited! {
    body;
    /// A day's register: who was present.
    #[derive(Debug, Deserialize, Validate, ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct TakeRegister {
        /// The enrolments present that day (of this cohort); everyone else was absent.
        [items 1000]
        pub present: Vec<Uuid>,
    }
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
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
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
    let (cohort_id, day) = path.into_inner();
    let response = db
        .run(move |conn| register_with(conn, &caller, cohort_id, day, body))
        .await?;
    Ok(HttpResponse::Ok().json(response))
}

/// Takes the register of `body`: the endpoint's work, and a pushed operation's.
fn register_with(
    conn: &mut db::AnyConnection,
    caller: &crate::access::Caller,
    cohort_id: Uuid,
    day: NaiveDate,
    body: TakeRegister,
) -> Result<RegisterResponse, AppError> {
    let present: Vec<String> = body.present.iter().map(Uuid::to_string).collect();
    let (register, present) =
        service::enrolments::take_register(conn, caller, &cohort_id.to_string(), day, present)?;
    register_response(register, present)
}

/// Enrolments in offline sync: the record as `GET /enrolments/{id}` answers it; pushes
/// enrol, complete and drop.
pub fn sync_kind() -> SyncKind {
    SyncKind {
        kind: sync::Kind::Enrolment,
        schema: "EnrolmentResponse",
        load: |conn, ctx, id| {
            visible(
                service::enrolments::get(conn, &ctx.caller, id)
                    .and_then(EnrolmentResponse::try_from),
            )
        },
        actions: &[
            SyncAction {
                name: "create",
                body: "CreateEnrolment",
                path_ids: &["cohort_id"],
                apply: |conn, ctx, mut op| {
                    let cohort_id = op.take_id("cohort_id")?;
                    let body: CreateEnrolment = op.body()?;
                    let id = op.same_id(body.id)?;
                    let (created, row) =
                        create_with(conn, &ctx.rules, &ctx.caller, cohort_id, body, id)?;
                    SyncApplied::of(created, &EnrolmentResponse::try_from(row)?)
                },
            },
            SyncAction {
                name: "complete",
                body: "CompleteEnrolment",
                path_ids: &[],
                apply: |conn, ctx, op| {
                    let input = ActionInput::Complete(op.body()?);
                    act_synced(conn, ctx, op.id, &input)
                },
            },
            SyncAction {
                name: "drop",
                body: "DropEnrolment",
                path_ids: &[],
                apply: |conn, ctx, op| {
                    let input = ActionInput::Drop(op.body()?);
                    act_synced(conn, ctx, op.id, &input)
                },
            },
        ],
    }
}

/// A pushed action on an enrolment: the push's `(device, op)` stands for the key.
fn act_synced(
    conn: &mut db::AnyConnection,
    ctx: &SyncContext,
    id: Uuid,
    input: &ActionInput,
) -> Result<SyncApplied, AppError> {
    let (_, action) = action_of(input);
    let row =
        service::enrolments::act(conn, &ctx.rules, &ctx.caller, &id.to_string(), action, None)?;
    SyncApplied::of(false, &EnrolmentResponse::try_from(row)?)
}

/// A cohort's register of a day in offline sync: the record as `GET
/// /cohorts/{id}/attendance/{date}` answers it; pushes take it (`put`, replacing the day).
pub fn attendance_sync_kind() -> SyncKind {
    SyncKind {
        kind: sync::Kind::AttendanceDay,
        schema: "RegisterResponse",
        load: |conn, ctx, id| {
            let Some((cohort, day)) = id.split_once('/') else {
                return Ok(None);
            };
            let Ok(day) = day.parse::<NaiveDate>() else {
                return Ok(None);
            };
            visible(
                service::enrolments::register(conn, &ctx.caller, cohort, day)
                    .and_then(|(register, present)| register_response(register, present)),
            )
        },
        actions: &[SyncAction {
            name: "put",
            body: "TakeRegister",
            path_ids: &["cohort_id", "date"],
            apply: |conn, ctx, mut op| {
                let cohort_id = op.take_id("cohort_id")?;
                let day = match op.body.remove("date") {
                    Some(serde_json::Value::String(day)) => day.parse::<NaiveDate>().ok(),
                    _ => None,
                }
                .ok_or_else(|| {
                    AppError::field("body.date", "invalid", "must be a date YYYY-MM-DD")
                })?;
                let expected = super::sync_day_id(cohort_id, &day.to_string());
                if op.id != expected {
                    return Err(AppError::field(
                        "id",
                        "invalid",
                        format!("must be the day's id in its cohort, {expected}"),
                    ));
                }
                let body: TakeRegister = op.body()?;
                SyncApplied::of(
                    false,
                    &register_with(conn, &ctx.caller, cohort_id, day, body)?,
                )
            },
        }],
    }
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
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[get("/cohorts/{id}/attendance/{date}")]
pub async fn get_register(
    db: web::Data<Db>,
    caller: AuthUser,
    path: web::Path<(Uuid, NaiveDate)>,
) -> Result<HttpResponse, AppError> {
    let (cohort_id, day) = path.into_inner();
    let cohort_id = cohort_id.to_string();
    let (register, present) = db
        .run(move |conn| service::enrolments::register(conn, &caller, &cohort_id, day))
        .await?;
    Ok(HttpResponse::Ok().json(register_response(register, present)?))
}
