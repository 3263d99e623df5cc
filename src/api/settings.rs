//! Programme settings: the working ages, the completion share, the certified kinds, the outcome
//! cut-off and the days of work that make a trainee employed — programme policy, kept in the
//! database so that every instance counts by the same values, and changed by administrators
//! through the API.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::api::{not_blank, parse_id, utc};
use crate::auth::AuthUser;
use crate::db::Db;
use crate::db::settings::ProgrammeSettings;
use crate::domain::rules::{CertifiedKinds, Rules};
use crate::domain::training::CertificateKind;
use crate::error::AppError;
use crate::extract::Json;
use crate::service;
use crate::service::report_facts::Rebuilt;
use crate::service::settings::SettingsCache;

/// The values of the programme settings.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SettingsValues {
    /// Working age of men ends at this age (40–75; the labour-statistics age, 60).
    #[schema(minimum = 40, maximum = 75, example = 60)]
    pub retirement_age_male: u32,
    /// Working age of women ends at this age (40–75; the labour-statistics age, 55).
    #[schema(minimum = 40, maximum = 75, example = 55)]
    pub retirement_age_female: u32,
    /// The share of a cohort's planned days a trainee attends to complete it, in percent
    /// (1–100): local practice, not national policy.
    #[schema(minimum = 1, maximum = 100, example = 80)]
    pub completion_attendance_percent: u32,
    /// The certificate kinds that make a trained trainee certified (at least one).
    #[schema(min_items = 1, max_items = 3)]
    pub certified_kinds: Vec<CertificateKind>,
    /// The day of the year after a training year until which its trainees' certificates and
    /// work count for it, `MM-DD` (not `02-29`).
    #[schema(
        pattern = r"^((01|03|05|07|08|10|12)-(0[1-9]|[12][0-9]|3[01])|(04|06|09|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8]))$",
        example = "03-31"
    )]
    pub outcome_cutoff: String,
    /// The consecutive days of counting work at or above the threshold that make a trained
    /// trainee employed (1–365).
    #[schema(minimum = 1, maximum = 365, example = 30)]
    pub employment_min_days: u32,
}

/// A change of the programme settings: every value, the day, and why.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutSettings {
    /// Working age of men ends at this age (40–75; the labour-statistics age, 60).
    #[validate(range(min = 40, max = 75))]
    #[schema(minimum = 40, maximum = 75, example = 60)]
    pub retirement_age_male: u32,
    /// Working age of women ends at this age (40–75; the labour-statistics age, 55).
    #[validate(range(min = 40, max = 75))]
    #[schema(minimum = 40, maximum = 75, example = 55)]
    pub retirement_age_female: u32,
    /// The share of a cohort's planned days a trainee attends to complete it, in percent
    /// (1–100): local practice, not national policy.
    #[validate(range(min = 1, max = 100))]
    #[schema(minimum = 1, maximum = 100, example = 80)]
    pub completion_attendance_percent: u32,
    /// The certificate kinds that make a trained trainee certified (at least one).
    #[validate(length(min = 1, max = 3))]
    #[schema(min_items = 1, max_items = 3)]
    pub certified_kinds: Vec<CertificateKind>,
    /// The day of the year after a training year until which its trainees' certificates and
    /// work count for it, `MM-DD` (not `02-29`).
    #[schema(
        pattern = r"^((01|03|05|07|08|10|12)-(0[1-9]|[12][0-9]|3[01])|(04|06|09|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8]))$",
        example = "03-31"
    )]
    pub outcome_cutoff: String,
    /// The consecutive days of counting work at or above the threshold that make a trained
    /// trainee employed (1–365).
    #[validate(range(min = 1, max = 365))]
    #[schema(minimum = 1, maximum = 365, example = 30)]
    pub employment_min_days: u32,
    /// Why, in a few words (the notice, the decision).
    #[validate(custom(function = "not_blank"), length(min = 1, max = 500))]
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$",
        example = "人社部门通知：女性劳动年龄调整"
    )]
    pub reason: String,
}

/// One change of the programme settings, as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct SettingsChange {
    /// Id.
    pub id: Uuid,
    /// The values.
    #[serde(flatten)]
    pub values: SettingsValues,
    /// The day they took effect.
    pub effective_from: NaiveDate,
    /// Why.
    pub reason: String,
    /// Who (`null`: seeded from the environment at the first start).
    pub set_by: Option<Uuid>,
    /// When.
    pub set_at: DateTime<Utc>,
}

/// The settings in force and the changes before.
#[derive(Debug, Serialize, ToSchema)]
pub struct SettingsResponse {
    /// The settings every instance counts by.
    pub in_force: SettingsChange,
    /// The changes before, the latest first (up to 49).
    pub history: Vec<SettingsChange>,
}

/// The answer to a change.
#[derive(Debug, Serialize, ToSchema)]
pub struct SettingsChanged {
    /// The settings now in force.
    pub in_force: SettingsChange,
    /// The figures counted again by them (`null` when nothing changed).
    pub rebuilt: Option<Rebuilt>,
}

fn change(row: ProgrammeSettings) -> Result<SettingsChange, AppError> {
    let rules = service::settings::rules_of(&row)?;
    Ok(SettingsChange {
        id: parse_id(&row.id)?,
        values: values_of(&rules),
        effective_from: row.effective_from,
        reason: row.reason,
        set_by: row.set_by.as_deref().map(parse_id).transpose()?,
        set_at: utc(row.set_at),
    })
}

fn values_of(rules: &Rules) -> SettingsValues {
    SettingsValues {
        retirement_age_male: rules.retirement_age_male,
        retirement_age_female: rules.retirement_age_female,
        completion_attendance_percent: rules.completion_attendance_percent,
        certified_kinds: rules
            .certified_kinds
            .names()
            .into_iter()
            .filter_map(CertificateKind::parse)
            .collect(),
        outcome_cutoff: format!(
            "{:02}-{:02}",
            rules.outcome_cutoff.0, rules.outcome_cutoff.1
        ),
        employment_min_days: rules.employment_min_days,
    }
}

/// The programme settings in force, and the changes before (administrators and managers).
#[utoipa::path(
    tag = "accounts",
    responses(
        (status = 200, description = "The settings", body = SettingsResponse),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
    )
)]
#[get("/settings")]
pub async fn get_settings(db: web::Data<Db>, caller: AuthUser) -> Result<HttpResponse, AppError> {
    let (in_force, history) = db
        .run(move |conn| service::settings::get(conn, &caller))
        .await?;
    Ok(HttpResponse::Ok().json(SettingsResponse {
        in_force: change(in_force)?,
        history: history.into_iter().map(change).collect::<Result<_, _>>()?,
    }))
}

/// Changes the programme settings (administrators): stored with its reason and audited, in
/// force at once (from today, the day recorded) on every instance, and the figures of every year counted again by it in the
/// same transaction (frozen two-weekly reports stay as issued). The same values again change
/// nothing (200).
#[utoipa::path(
    tag = "accounts",
    request_body = PutSettings,
    responses(
        (status = 201, description = "Changed: in force, the figures counted again", body = SettingsChanged),
        (status = 200, description = "The values in force already: nothing changed", body = SettingsChanged),
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Invalid),
    )
)]
#[put("/settings")]
pub async fn put_settings(
    db: web::Data<Db>,
    cache: web::Data<SettingsCache>,
    caller: AuthUser,
    Json(body): Json<PutSettings>,
) -> Result<HttpResponse, AppError> {
    let outcome_cutoff = Rules::parse_cutoff(&body.outcome_cutoff).ok_or_else(|| {
        AppError::field(
            "outcome_cutoff",
            "invalid",
            "must be a day of the year as MM-DD (not 02-29), such as 03-31",
        )
    })?;
    let names: Vec<&str> = body.certified_kinds.iter().map(|k| k.as_str()).collect();
    let certified_kinds = CertifiedKinds::parse(&names.join(",")).ok_or_else(|| {
        AppError::field("certified_kinds", "invalid", "must name at least one kind")
    })?;
    let rules = Rules {
        retirement_age_male: body.retirement_age_male,
        retirement_age_female: body.retirement_age_female,
        completion_attendance_percent: body.completion_attendance_percent,
        certified_kinds,
        outcome_cutoff,
        employment_min_days: body.employment_min_days,
    };
    let reason = body.reason.trim().to_owned();
    let (created, row, rebuilt) = db
        .run(move |conn| service::settings::put(conn, &caller, rules, &reason))
        .await?;
    cache.set(rules);
    if let Some(done) = &rebuilt {
        log::info!(
            "programme settings changed; report data rebuilt: {} trainees in {:.1} s",
            done.trainees,
            done.seconds
        );
    }
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(HttpResponse::build(status).json(SettingsChanged {
        in_force: change(row)?,
        rebuilt,
    }))
}
