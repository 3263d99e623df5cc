//! Placements in work (DOMAIN.md, "Placements and evidence"): one piece of work each — for a
//! registered employer, a household, or self-employment — reported from the field, open until
//! it ends; and apart from that, its evidence: confirmed or disputed by the employer named,
//! verified by a visit or a call that found the person at work, a dispute settled by a manager.
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
    Business, Household, SyncAction, SyncApplied, SyncContext, SyncKind, not_blank, plausible_day,
    visible, work_of,
};
use crate::api::{
    CountyCode, Page, PageParams, SyncParams, idempotency_key, not_modified, parse_id,
    parse_time_key, request_digest, time_key, utc, with_etag,
};
use crate::auth::{AuthUser, Role};
use crate::db::placements::Placement;
use crate::db::{self, Db};
use crate::domain::employment::{self};
use crate::domain::placement::{ContractType, Evidence, Lifecycle, Resolution, WorkKind};
use crate::domain::training::Occupation;
use crate::domain::{id_number, phone};
use crate::error::{AppError, PROBLEM_JSON, Problem};
use crate::extract::{Json, Query};
use crate::service::placements::Context;
use crate::service::{self, Idempotency, sync};

/// The highest monthly wage believed: 100,000 yuan.
pub const MAX_MONTHLY_FEN: i64 = 10_000_000;

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
        /// `employer`, `household` or `self_employed`; may be left out, as the one of
        /// `employer_id`, `household` and `business` given says it.
        pub kind: Option<WorkKind>,
        /// A registered, active employer (kind `employer`).
        pub employer_id: Option<Uuid>,
        /// A household that hires directly, without an account (kind `household`).
        #[validate(nested)]
        pub household: Option<Household>,
        /// The business, for self-employment (kind `self_employed`).
        #[validate(nested)]
        pub business: Option<Business>,
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
        /// The monthly wage agreed (or, self-employed, the income declared), in fen: more than
        /// 0, at most 10,000,000 (100,000 yuan).
        #[validate(range(min = 1, max = 10_000_000))]
        #[schema(minimum = 1, maximum = 10_000_000, example = 450000)]
        pub monthly_wage_fen: i64,
        /// What the work rests on (self-employment: `unwritten`).
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
    /// `employer`, `household` or `self_employed`.
    pub kind: WorkKind,
    /// The employer, for a placement with one.
    pub employer_id: Option<Uuid>,
    /// Its name.
    pub employer_name: Option<String>,
    /// The household, for a household placement (its phone masked like the trainee's).
    pub household: Option<Household>,
    /// The business, for self-employment.
    pub business: Option<Business>,
    /// Occupation.
    pub occupation: Occupation,
    /// Position.
    pub position: String,
    /// Where the work is.
    pub work_city: String,
    /// First day of work.
    pub start_date: NaiveDate,
    /// Monthly wage agreed (self-employed: income declared), in fen.
    pub monthly_wage_fen: i64,
    /// What the work rests on.
    pub contract_type: ContractType,
    /// `open` until it ends, then `ended`.
    pub lifecycle: Lifecycle,
    /// `unverified`, `employer_confirmed`, `field_verified` or `disputed`: only confirmed and
    /// field-verified work counts. Evidence may come after the end; it covers the period worked.
    pub evidence: Evidence,
    /// When the employer confirmed it.
    pub confirmed_at: Option<DateTime<Utc>>,
    /// When the employer disputed it.
    pub disputed_at: Option<DateTime<Utc>>,
    /// Why.
    pub dispute_reason: Option<String>,
    /// The day of the first visit or call that found the person at work there.
    pub verified_on: Option<NaiveDate>,
    /// How a manager settled the dispute: `upheld` (it does not count) or `overruled` (it counts
    /// as field-verified).
    pub resolution: Option<Resolution>,
    /// Why.
    pub resolution_reason: Option<String>,
    /// When.
    pub resolved_at: Option<DateTime<Utc>>,
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
        kind,
        employer_id,
        household_name,
        household_phone,
        business,
        occupation,
        position,
        work_city,
        start_date,
        monthly_wage_fen,
        contract_type,
        lifecycle,
        evidence,
        confirmed_at,
        disputed_at,
        dispute_reason,
        verified_on,
        resolution,
        resolution_reason,
        resolved_at,
        resolved_by: _,
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
        kind: WorkKind::parse(&kind).ok_or_else(unknown)?,
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
        business: business.map(|description| Business { description }),
        occupation: Occupation::parse(&occupation).ok_or_else(unknown)?,
        position,
        work_city,
        start_date,
        monthly_wage_fen,
        contract_type: ContractType::parse(&contract_type).ok_or_else(unknown)?,
        lifecycle: Lifecycle::parse(&lifecycle).ok_or_else(unknown)?,
        evidence: Evidence::parse(&evidence).ok_or_else(unknown)?,
        confirmed_at: confirmed_at.map(utc),
        disputed_at: disputed_at.map(utc),
        dispute_reason,
        verified_on,
        resolution: resolution
            .as_deref()
            .map(|r| Resolution::parse(r).ok_or_else(unknown))
            .transpose()?,
        resolution_reason,
        resolved_at: resolved_at.map(utc),
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

/// Reports a piece of work of a trainee who has completed a cohort: for a registered employer,
/// who is then asked to confirm it; for a household; or self-employment. A visit or a call that
/// finds the person at work verifies any kind. A trainee may hold several open placements (two
/// households part-time, a business and a job).
///
/// Refused (422, naming the rule) when the same work (employer, household or business) is open
/// already for the trainee, the trainee has completed no cohort, or the start is before their
/// first completion or in the future.
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
        (status = 422, description = "A field is invalid or a rule is broken: the same work open, not trained, dates",
            body = Problem, content_type = PROBLEM_JSON),
    )
)]
#[post("/placements")]
pub async fn create_placement(
    db: web::Data<Db>,
    caller: AuthUser,
    Json(body): Json<CreatePlacement>,
) -> Result<HttpResponse, AppError> {
    let view = view_of(&caller, false);
    let id = body.id.unwrap_or_else(Uuid::new_v4);
    let (created, row) = db
        .run(move |conn| create_with(conn, &caller, body, id))
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    answer(status, row, view)
}

/// Reports the placement of `body` under `id`: the create endpoint's work, and a pushed
/// operation's.
fn create_with(
    conn: &mut db::AnyConnection,
    caller: &crate::access::Caller,
    body: CreatePlacement,
    id: Uuid,
) -> Result<(bool, (Placement, Context)), AppError> {
    let work = work_of(
        "",
        body.kind,
        body.employer_id,
        body.household.as_ref(),
        body.business.as_ref(),
    )?;
    let now = db::now();
    let candidate = Placement {
        id: id.to_string(),
        trainee_id: body.trainee_id.to_string(),
        county_code: String::new(),
        kind: work.kind.as_str().to_owned(),
        employer_id: work.employer_id,
        household_name: work.household.as_ref().map(|h| h.0.clone()),
        household_phone: work.household.map(|h| h.1),
        business: work.business,
        occupation: body.occupation.as_str().to_owned(),
        position: body.position.trim().to_owned(),
        work_city: body.work_city.trim().to_owned(),
        start_date: body.start_date,
        monthly_wage_fen: body.monthly_wage_fen,
        contract_type: body.contract_type.as_str().to_owned(),
        lifecycle: Lifecycle::Open.as_str().to_owned(),
        evidence: Evidence::Unverified.as_str().to_owned(),
        confirmed_at: None,
        disputed_at: None,
        dispute_reason: None,
        verified_on: None,
        resolution: None,
        resolution_reason: None,
        resolved_at: None,
        resolved_by: None,
        ended_on: None,
        end_reason: None,
        last_follow_up_on: None,
        stopped_on: None,
        follow_up_due_on: Some(employment::due_on(body.start_date, None)),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    service::placements::create(conn, caller, candidate)
}

/// Placements in offline sync: the record as `GET /placements/{id}` answers it (an employer's
/// masked as there); pushes report them and carry the actions on them.
pub fn sync_kind() -> SyncKind {
    fn acted(
        conn: &mut db::AnyConnection,
        ctx: &SyncContext,
        id: Uuid,
        action: Action,
    ) -> Result<SyncApplied, AppError> {
        // The push's `(device, op)` stands for the Idempotency-Key.
        let row = service::placements::act(
            conn,
            &ctx.caller,
            &id.to_string(),
            action.into_service(),
            None,
        )?;
        SyncApplied::of(
            false,
            &response(row.0, &row.1, view_of(&ctx.caller, false))?,
        )
    }
    SyncKind {
        kind: sync::Kind::Placement,
        schema: "PlacementResponse",
        load: |conn, ctx, id| {
            visible(
                service::placements::get(conn, &ctx.caller, id).and_then(|(row, context)| {
                    response(row, &context, view_of(&ctx.caller, false))
                }),
            )
        },
        actions: &[
            SyncAction {
                name: "create",
                body: "CreatePlacement",
                path_ids: &[],
                apply: |conn, ctx, op| {
                    let body: CreatePlacement = op.body()?;
                    let id = op.same_id(body.id)?;
                    let (created, (row, context)) = create_with(conn, &ctx.caller, body, id)?;
                    let view = view_of(&ctx.caller, false);
                    SyncApplied::of(created, &response(row, &context, view)?)
                },
            },
            SyncAction {
                name: "confirm",
                body: "",
                path_ids: &[],
                apply: |conn, ctx, op| acted(conn, ctx, op.id, Action::Confirm),
            },
            SyncAction {
                name: "dispute",
                body: "DisputePlacement",
                path_ids: &[],
                apply: |conn, ctx, op| acted(conn, ctx, op.id, Action::Dispute(op.body()?)),
            },
            SyncAction {
                name: "resolve",
                body: "ResolvePlacement",
                path_ids: &[],
                apply: |conn, ctx, op| acted(conn, ctx, op.id, Action::Resolve(op.body()?)),
            },
            SyncAction {
                name: "end",
                body: "EndPlacement",
                path_ids: &[],
                apply: |conn, ctx, op| acted(conn, ctx, op.id, Action::End(op.body()?)),
            },
        ],
    }
}

/// Filters of the list of placements.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlacementFilter {
    /// One trainee's.
    pub trainee_id: Option<Uuid>,
    /// Open or ended.
    pub lifecycle: Option<Lifecycle>,
    /// With one evidence.
    pub evidence: Option<Evidence>,
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
        lifecycle: filter.lifecycle.map(|l| l.as_str().to_owned()),
        evidence: filter.evidence.map(|e| e.as_str().to_owned()),
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
    /// A manager's settlement of a dispute.
    #[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct ResolvePlacement {
        /// `upheld`: the employer is right, the placement does not count. `overruled`: the
        /// field's evidence stands, the placement counts as field-verified.
        pub outcome: Resolution,
        /// Why, in a few words: kept with the placement.
        #[validate(custom(function = "not_blank"))]
        #[schema(
            pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$",
            example = "上门核实：本人在该院工作，有工资流水"
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
    Resolve(ResolvePlacement),
    End(EndPlacement),
}

impl Action {
    fn name(&self) -> &'static str {
        match self {
            Self::Confirm => "confirm",
            Self::Dispute(_) => "dispute",
            Self::Resolve(_) => "resolve",
            Self::End(_) => "end",
        }
    }

    fn into_service(self) -> service::placements::Action {
        match self {
            Self::Confirm => service::placements::Action::Confirm,
            Self::Dispute(body) => service::placements::Action::Dispute {
                reason: body.reason.trim().to_owned(),
            },
            Self::Resolve(body) => service::placements::Action::Resolve {
                outcome: body.outcome,
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
            Self::Resolve(body) => request_digest(operation, body),
            Self::End(body) => request_digest(operation, body),
        }
    }
}

/// Runs an action on a placement: the `Idempotency-Key` is read here, the rest is the service's.
async fn act(
    req: &HttpRequest,
    db: &Db,
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
        .run(move |conn| service::placements::act(conn, &caller, &id, action, key.as_ref()))
        .await?;
    answer(StatusCode::OK, row, view)
}

/// The employer named confirms the placement, open or ended: it then counts as work, for the
/// period worked. Unverified or field-verified work may be confirmed; confirming again answers
/// the placement as it is. Refused (409) once the employer disputed it (a manager settles
/// that).
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
        (status = 409, description = "Disputed, or settled by a manager, or the key was used for another request",
            body = Problem, content_type = PROBLEM_JSON),
    )
)]
#[post("/placements/{id}/confirm")]
pub async fn confirm_placement(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    act(&req, &db, caller, id.into_inner(), Action::Confirm).await
}

/// The employer named disputes the placement, open or ended, with a reason: it does not count,
/// also over field verification, until a manager settles the dispute. Refused (409) once the
/// employer confirmed it or a manager settled it; the same dispute again answers the placement
/// as it is.
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
        (status = 409, description = "Confirmed, disputed for another reason, settled, or the key was used for another request",
            body = Problem, content_type = PROBLEM_JSON),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, description = "The reason is missing or too long", body = Problem, content_type = PROBLEM_JSON),
    )
)]
#[post("/placements/{id}/dispute")]
pub async fn dispute_placement(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    Json(body): Json<DisputePlacement>,
) -> Result<HttpResponse, AppError> {
    act(&req, &db, caller, id.into_inner(), Action::Dispute(body)).await
}

/// A manager settles an employer's dispute, with a reason kept on the placement: `upheld`, it
/// does not count; `overruled`, it counts as field-verified. Once: the same settlement again
/// answers the placement as it is, another is refused (409).
#[utoipa::path(
    tag = "placements",
    params(
        ("id" = Uuid, Path, description = "Placement id"),
        ("Idempotency-Key" = Option<String>, Header, description = "A key of the client's (say a UUID): a retry with the same key and body answers the placement as it is; another body under the key is refused (409)",
            pattern = "^[!-~]{1,200}$"),
    ),
    request_body = ResolvePlacement,
    responses(
        (status = 200, description = "Settled", body = PlacementResponse),
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, description = "Not disputed, settled otherwise already, or the key was used for another request",
            body = Problem, content_type = PROBLEM_JSON),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, description = "The outcome or the reason is missing or invalid", body = Problem, content_type = PROBLEM_JSON),
    )
)]
#[post("/placements/{id}/resolve")]
pub async fn resolve_placement(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    Json(body): Json<ResolvePlacement>,
) -> Result<HttpResponse, AppError> {
    act(&req, &db, caller, id.into_inner(), Action::Resolve(body)).await
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
    caller: AuthUser,
    id: web::Path<Uuid>,
    Json(body): Json<EndPlacement>,
) -> Result<HttpResponse, AppError> {
    act(&req, &db, caller, id.into_inner(), Action::End(body)).await
}
