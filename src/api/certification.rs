//! Assessments (评价) of completed enrolments and the certificates (证书) they issue, and
//! certificates earned before the programme. Every write keeps the trainee's eligibility
//! (the unit of work refreshes it) in the same transaction.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::api::{SyncAction, SyncApplied, SyncKind, parse_id, utc, visible};
use crate::auth::AuthUser;
use crate::db::certification::{Assessment, Certificate};
use crate::db::{self, Db};
use crate::domain::certificate_number;
use crate::domain::training::CertificateKind;
use crate::domain::training::{Level, Occupation};
use crate::error::{AppError, FieldError, PROBLEM_JSON, Problem};
use crate::extract::Json;
use crate::service::{self, sync};

/// The certificate a passed assessment issues; occupation and level are the cohort's.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssuedCertificate {
    /// `^[YS]\d{21}$` whose level digit (character 16) and year (characters 14–15) agree, or a
    /// 16-digit number of the old form.
    #[schema(
        pattern = "^([YSys][0-9]{21}|[0-9]{16})$",
        example = "Y140114110100264000123"
    )]
    pub number: String,
    /// Kind.
    pub kind: CertificateKind,
    /// Day of issue: on or after the assessment, not in the future.
    pub issued_on: NaiveDate,
}

/// A new assessment.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAssessment {
    /// A client-made id; sending the same request again answers the stored assessment.
    pub id: Option<Uuid>,
    /// The evaluation agency (active).
    pub agency_id: Uuid,
    /// The day: on or after the completion, not in the future.
    pub assessed_on: NaiveDate,
    /// Theory score, 0 to 100.
    #[validate(range(min = 0, max = 100))]
    #[schema(minimum = 0, maximum = 100)]
    pub theory_score: i32,
    /// Practical score, 0 to 100.
    #[validate(range(min = 0, max = 100))]
    #[schema(minimum = 0, maximum = 100)]
    pub practical_score: i32,
    /// Whether it was passed.
    pub passed: bool,
    /// The certificate a pass issued, stored with the assessment.
    #[validate(nested)]
    pub certificate: Option<IssuedCertificate>,
}

/// A certificate earned before the programme.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCertificate {
    /// A client-made id; sending the same request again answers the stored certificate.
    pub id: Option<Uuid>,
    /// The number, as on an issued certificate.
    #[schema(
        pattern = "^([YSys][0-9]{21}|[0-9]{16})$",
        example = "Y140114110100224000123"
    )]
    pub number: String,
    /// Kind.
    pub kind: CertificateKind,
    /// Occupation.
    pub occupation: Occupation,
    /// Level.
    pub level: Level,
    /// Day of issue, not in the future.
    pub issued_on: NaiveDate,
    /// The issuing agency, if it is registered.
    pub agency_id: Option<Uuid>,
}

/// A certificate.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateResponse {
    /// Id.
    pub id: Uuid,
    /// The holder.
    pub trainee_id: Uuid,
    /// Number.
    pub number: String,
    /// Kind.
    pub kind: CertificateKind,
    /// Occupation.
    pub occupation: Occupation,
    /// Level.
    pub level: Level,
    /// Day of issue.
    pub issued_on: NaiveDate,
    /// The issuing agency, when registered.
    pub agency_id: Option<Uuid>,
    /// `assessment` (issued by an assessment here) or `prior` (earned before).
    #[schema(example = "assessment")]
    pub source: String,
    /// The assessment that issued it.
    pub assessment_id: Option<Uuid>,
    /// When recorded.
    pub created_at: DateTime<Utc>,
}

impl TryFrom<Certificate> for CertificateResponse {
    type Error = AppError;

    fn try_from(row: Certificate) -> Result<Self, AppError> {
        let Certificate {
            id,
            trainee_id,
            number,
            kind,
            occupation,
            level,
            issued_on,
            agency_id,
            source,
            assessment_id,
            created_at,
        } = row;
        let unknown = || AppError::internal("stored certificate is unknown");
        Ok(Self {
            id: parse_id(&id)?,
            trainee_id: parse_id(&trainee_id)?,
            number,
            kind: CertificateKind::parse(&kind).ok_or_else(unknown)?,
            occupation: Occupation::parse(&occupation).ok_or_else(unknown)?,
            level: Level::parse(&level).ok_or_else(unknown)?,
            issued_on,
            agency_id: agency_id.as_deref().map(parse_id).transpose()?,
            source,
            assessment_id: assessment_id.as_deref().map(parse_id).transpose()?,
            created_at: utc(created_at),
        })
    }
}

/// An assessment, with the certificate it issued.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentResponse {
    /// Id.
    pub id: Uuid,
    /// The enrolment assessed.
    pub enrolment_id: Uuid,
    /// The agency.
    pub agency_id: Uuid,
    /// The day.
    pub assessed_on: NaiveDate,
    /// Theory score.
    pub theory_score: i32,
    /// Practical score.
    pub practical_score: i32,
    /// Passed.
    pub passed: bool,
    /// The certificate issued with it.
    pub certificate: Option<CertificateResponse>,
    /// When recorded.
    pub created_at: DateTime<Utc>,
}

fn assessment_response(
    row: Assessment,
    certificate: Option<Certificate>,
) -> Result<AssessmentResponse, AppError> {
    let Assessment {
        id,
        enrolment_id,
        agency_id,
        assessed_on,
        theory_score,
        practical_score,
        passed,
        created_at,
    } = row;
    Ok(AssessmentResponse {
        id: parse_id(&id)?,
        enrolment_id: parse_id(&enrolment_id)?,
        agency_id: parse_id(&agency_id)?,
        assessed_on,
        theory_score,
        practical_score,
        passed,
        certificate: certificate.map(CertificateResponse::try_from).transpose()?,
        created_at: utc(created_at),
    })
}

/// Records an assessment of a completed enrolment; a pass may carry its certificate, stored
/// with it. Retakes are allowed and every one is kept.
#[utoipa::path(
    tag = "certification",
    params(("id" = Uuid, Path, description = "Enrolment id")),
    request_body = CreateAssessment,
    responses(
        (status = 201, description = "Recorded", body = AssessmentResponse),
        (status = 200, description = "The same request again: the stored assessment", body = AssessmentResponse),
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, description = "The certificate number is recorded already, or the id is another assessment's",
            body = Problem, content_type = PROBLEM_JSON),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, description = "A field is invalid, or against a rule: not completed, dates out of order, a certificate without a pass",
            body = Problem, content_type = PROBLEM_JSON),
    )
)]
#[post("/enrolments/{id}/assessments")]
pub async fn create_assessment(
    db: web::Data<Db>,
    caller: AuthUser,
    enrolment_id: web::Path<Uuid>,
    Json(body): Json<CreateAssessment>,
) -> Result<HttpResponse, AppError> {
    let id = body.id.unwrap_or_else(Uuid::new_v4);
    let enrolment_id = enrolment_id.into_inner();
    let (created, response) = db
        .run(move |conn| assess_with(conn, &caller, enrolment_id, body, id))
        .await?;
    Ok(if created {
        HttpResponse::Created().json(response)
    } else {
        HttpResponse::Ok().json(response)
    })
}

/// Records the assessment of `body` under `id`: the endpoint's work, and a pushed operation's.
fn assess_with(
    conn: &mut db::AnyConnection,
    caller: &crate::access::Caller,
    enrolment_id: Uuid,
    body: CreateAssessment,
    id: Uuid,
) -> Result<(bool, AssessmentResponse), AppError> {
    let enrolment_id = enrolment_id.to_string();
    if body.certificate.is_some() && !body.passed {
        return Err(AppError::rule(
            "certificate",
            "not_passed",
            "only a passed assessment issues a certificate",
        ));
    }
    let now = db::now();
    let assessment = Assessment {
        id: id.to_string(),
        enrolment_id,
        agency_id: body.agency_id.to_string(),
        assessed_on: body.assessed_on,
        theory_score: body.theory_score,
        practical_score: body.practical_score,
        passed: body.passed,
        created_at: now,
    };
    let issued_certificate = body.certificate.map(|c| service::certification::Issued {
        number: c.number,
        kind: c.kind.as_str().to_owned(),
        issued_on: c.issued_on,
    });
    let (created, row, certificate) =
        service::certification::assess(conn, caller, assessment, issued_certificate)?;
    Ok((created, assessment_response(row, certificate)?))
}

/// Records a certificate a trainee of the caller's counties earned before the programme.
#[utoipa::path(
    tag = "certification",
    params(("id" = Uuid, Path, description = "Trainee id")),
    request_body = CreateCertificate,
    responses(
        (status = 201, description = "Recorded", body = CertificateResponse),
        (status = 200, description = "The same request again: the stored certificate", body = CertificateResponse),
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, description = "The number is recorded already, or the id is another certificate's", body = Problem,
            content_type = PROBLEM_JSON),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, description = "A field is invalid: the number disagrees with the level or year, an unknown agency",
            body = Problem, content_type = PROBLEM_JSON),
    )
)]
#[post("/trainees/{id}/certificates")]
pub async fn create_certificate(
    db: web::Data<Db>,
    caller: AuthUser,
    trainee_id: web::Path<Uuid>,
    Json(body): Json<CreateCertificate>,
) -> Result<HttpResponse, AppError> {
    let id = body.id.unwrap_or_else(Uuid::new_v4);
    let trainee_id = trainee_id.into_inner();
    let (created, response) = db
        .run(move |conn| certify_with(conn, &caller, trainee_id, body, id))
        .await?;
    Ok(if created {
        HttpResponse::Created().json(response)
    } else {
        HttpResponse::Ok().json(response)
    })
}

/// Records the prior certificate of `body` under `id`: the endpoint's work, and a pushed
/// operation's.
fn certify_with(
    conn: &mut db::AnyConnection,
    caller: &crate::access::Caller,
    trainee_id: Uuid,
    body: CreateCertificate,
    id: Uuid,
) -> Result<(bool, CertificateResponse), AppError> {
    let trainee_id = trainee_id.to_string();
    service::certification::check_day(
        "issued_on",
        body.issued_on,
        earliest_date_for_prior(),
        "1980-01-01",
    )?;
    let number = certificate_number::check(&body.number, body.level, body.issued_on).map_err(
        |(code, message)| AppError::Validation(vec![FieldError::new("number", code, message)]),
    )?;
    let candidate = Certificate {
        id: id.to_string(),
        trainee_id,
        number,
        kind: body.kind.as_str().to_owned(),
        occupation: body.occupation.as_str().to_owned(),
        level: body.level.as_str().to_owned(),
        issued_on: body.issued_on,
        agency_id: body.agency_id.map(|a| a.to_string()),
        source: "prior".into(),
        assessment_id: None,
        created_at: db::now(),
    };
    let (created, row) = service::certification::record_prior(conn, caller, candidate)?;
    Ok((created, CertificateResponse::try_from(row)?))
}

/// Assessments in offline sync: the record as `POST /enrolments/{id}/assessments` answers it;
/// pushes record them.
pub fn assessment_sync_kind() -> SyncKind {
    SyncKind {
        kind: sync::Kind::Assessment,
        schema: "AssessmentResponse",
        load: |conn, ctx, id| {
            visible(
                service::certification::get_assessment(conn, &ctx.caller, id)
                    .and_then(|(row, certificate)| assessment_response(row, certificate)),
            )
        },
        actions: &[SyncAction {
            name: "create",
            body: "CreateAssessment",
            path_ids: &["enrolment_id"],
            apply: |conn, ctx, mut op| {
                let enrolment_id = op.take_id("enrolment_id")?;
                let body: CreateAssessment = op.body()?;
                let id = op.same_id(body.id)?;
                let (created, record) = assess_with(conn, &ctx.caller, enrolment_id, body, id)?;
                SyncApplied::of(created, &record)
            },
        }],
    }
}

/// Certificates in offline sync: the record as `GET /trainees/{id}/certificates` lists it;
/// pushes record those earned before.
pub fn certificate_sync_kind() -> SyncKind {
    SyncKind {
        kind: sync::Kind::Certificate,
        schema: "CertificateResponse",
        load: |conn, ctx, id| {
            visible(
                service::certification::get_certificate(conn, &ctx.caller, id)
                    .and_then(CertificateResponse::try_from),
            )
        },
        actions: &[SyncAction {
            name: "create",
            body: "CreateCertificate",
            path_ids: &["trainee_id"],
            apply: |conn, ctx, mut op| {
                let trainee_id = op.take_id("trainee_id")?;
                let body: CreateCertificate = op.body()?;
                let id = op.same_id(body.id)?;
                let (created, record) = certify_with(conn, &ctx.caller, trainee_id, body, id)?;
                SyncApplied::of(created, &record)
            },
        }],
    }
}

/// Certificates earned before the programme may be older than it.
fn earliest_date_for_prior() -> NaiveDate {
    NaiveDate::from_ymd_opt(1980, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// The certificates of a trainee of the caller's counties, oldest first.
#[utoipa::path(
    tag = "certification",
    params(("id" = Uuid, Path, description = "Trainee id")),
    responses(
        (status = 200, description = "The certificates", body = Vec<CertificateResponse>),
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[get("/trainees/{id}/certificates")]
pub async fn list_certificates(
    db: web::Data<Db>,
    caller: AuthUser,
    trainee_id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let trainee_id = trainee_id.into_inner().to_string();
    let rows = db
        .run(move |conn| service::certification::of_trainee(conn, &caller, &trainee_id))
        .await?;
    let body = rows
        .into_iter()
        .map(CertificateResponse::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(body))
}
