//! The ladder as the API explains it: each trainee's standing per occupation, the eligibility
//! kept for managers' lists of candidates, and the level gate on enrolment.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::api::{CountyCode, Page, PageParams, parse_id};
use crate::auth::AuthUser;
use crate::db::certification::Eligibility;
use crate::db::trainees::Trainee;
use crate::db::{self, AnyConnection, Db};
use crate::domain::employment;
use crate::domain::progression::{self, Held, Record, Schooling, Standing, WorkPeriod};
use crate::domain::today_in_china;
use crate::domain::training::{Level, Occupation};
use crate::error::{AppError, PROBLEM_JSON, Problem};
use crate::extract::Query;

/// The schooling the ladder counts, from the trainee's education and whether it was in care.
fn schooling(trainee: &Trainee) -> Schooling {
    if !trainee.education_in_care {
        return Schooling::None;
    }
    match trainee.education.as_deref() {
        Some("secondary_vocational") => Schooling::Vocational,
        Some("higher_vocational") => Schooling::HigherVocational,
        Some("technician_college") => Schooling::TechnicianCollege,
        Some("college" | "bachelor") => Schooling::College,
        _ => Schooling::None,
    }
}

/// Relevant work: the periods of confirmed or verified placements (every occupation of the
/// programme is care work), each until it ended or until follow-ups said the person no longer
/// works there. A reported or disputed placement does not count. Declared work before the
/// programme (`prior_care_work_months`) is counted by [`records`].
fn relevant_work(conn: &mut AnyConnection, trainee_id: &str) -> Result<Vec<WorkPeriod>, AppError> {
    Ok(crate::api::placements::facts_of_trainee(conn, trainee_id)?
        .iter()
        .filter_map(employment::work_period)
        .map(|(start, end)| WorkPeriod { start, end })
        .collect())
}

/// A record with the trainee's own facts and no certificates or completions yet.
fn blank_record(trainee: &Trainee, work: Vec<WorkPeriod>) -> Record {
    Record {
        certificates: Vec::new(),
        completed_cohort_on: None,
        work,
        prior_work_months: u32::try_from(trainee.prior_care_work_months).unwrap_or(0),
        schooling: schooling(trainee),
    }
}

/// What the ladder needs to know of a trainee, per occupation they hold a certificate of or have
/// an enrolment in, with their relevant `work` (from [`relevant_work`]).
fn records(
    conn: &mut AnyConnection,
    trainee: &Trainee,
    work: &[WorkPeriod],
) -> Result<BTreeMap<&'static str, (Occupation, Record)>, AppError> {
    let blank = |occupation| (occupation, blank_record(trainee, work.to_vec()));
    let mut out: BTreeMap<&'static str, (Occupation, Record)> = BTreeMap::new();
    for certificate in db::certification::of_trainee(conn, &trainee.id)? {
        let (Some(occupation), Some(level)) = (
            Occupation::parse(&certificate.occupation),
            Level::parse(&certificate.level),
        ) else {
            return Err(AppError::internal("stored certificate is unknown"));
        };
        let entry = out
            .entry(occupation.as_str())
            .or_insert_with(|| blank(occupation));
        // The ladder climbs by skill-level certificates (职业技能等级证书) only.
        if certificate.kind == "skill_level" {
            entry.1.certificates.push(Held {
                level,
                issued_on: certificate.issued_on,
            });
        }
    }
    for (enrolment, cohort) in db::enrolments::of_trainee(conn, &trainee.id)? {
        let occupation = Occupation::parse(&cohort.occupation)
            .ok_or_else(|| AppError::internal("stored occupation is unknown"))?;
        let entry = out
            .entry(occupation.as_str())
            .or_insert_with(|| blank(occupation));
        if let Some(on) = enrolment.completed_on {
            entry.1.completed_cohort_on =
                Some(entry.1.completed_cohort_on.map_or(on, |d| d.min(on)));
        }
    }
    Ok(out)
}

/// Recomputes the eligibility kept for one trainee; run in the transaction of every write that
/// changes what it is computed from.
pub fn refresh(conn: &mut AnyConnection, trainee_id: &str) -> Result<(), AppError> {
    // Writes about one person queue here, so each refresh reads what the last one wrote.
    db::trainees::lock(conn, trainee_id)?;
    let trainee = db::trainees::find(conn, trainee_id, &db::trainees::Scope::All)?
        .ok_or(AppError::NotFound)?
        .trainee;
    let today = today_in_china();
    let now = db::now();
    let work = relevant_work(conn, &trainee.id)?;
    let mut records = records(conn, &trainee, &work)?;
    // Elderly care (养老护理员) is the programme's own occupation: everyone is weighed for it, so
    // that declared work or schooling alone can make a candidate.
    records
        .entry(Occupation::ElderlyCare.as_str())
        .or_insert_with(|| {
            (
                Occupation::ElderlyCare,
                blank_record(&trainee, work.clone()),
            )
        });
    let mut rows = Vec::new();
    for (occupation, record) in records.into_values() {
        let held = progression::standing(occupation, &record, today).current_level;
        // Every level above the one held: schooling or long work may skip a rung.
        let mut level = match held {
            None => Some(Level::L5),
            Some(held) => progression::next(held),
        };
        while let Some(target) = level {
            let (met, lines) = progression::eligibility(target, &record, today);
            let from = if met.is_some() {
                Some(today)
            } else {
                lines.iter().filter_map(|l| l.met_from).min()
            };
            if let Some(eligible_from) = from {
                rows.push(Eligibility {
                    trainee_id: trainee.id.clone(),
                    occupation: occupation.as_str().to_owned(),
                    level: target.as_str().to_owned(),
                    eligible_from,
                    updated_at: now,
                    county_code: trainee.county_code.clone(),
                });
            }
            level = progression::next(target);
        }
    }
    db::certification::replace_eligibility(conn, &trainee.id, &rows)?;
    Ok(())
}

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
        (status = 400, description = "The id is malformed", body = Problem, content_type = PROBLEM_JSON),
        (status = 401, description = "Not signed in", body = Problem, content_type = PROBLEM_JSON),
        (status = 403, description = "Employers see no trainees", body = Problem, content_type = PROBLEM_JSON),
        (status = 404, description = "No such trainee in the caller's counties", body = Problem, content_type = PROBLEM_JSON),
    )
)]
#[get("/trainees/{id}/progression")]
pub async fn get_progression(
    db: web::Data<Db>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let scope = caller.trainee_scope()?;
    let id = id.into_inner().to_string();
    let today = today_in_china();
    let standings = db
        .run(move |conn| {
            let trainee = db::trainees::find(conn, &id, &scope)?
                .ok_or(AppError::NotFound)?
                .trainee;
            let work = relevant_work(conn, &trainee.id)?;
            Ok(records(conn, &trainee, &work)?
                .into_values()
                .map(|(occupation, record)| progression::standing(occupation, &record, today))
                .collect::<Vec<_>>())
        })
        .await?;
    let body: Vec<ProgressionResponse> = standings.into_iter().map(Into::into).collect();
    Ok(HttpResponse::Ok().json(body))
}

/// The level gate: enrolling in a cohort of L4 or above needs eligibility for that level.
/// Returns the lines missing (none when eligible or below L4).
pub fn gate(
    conn: &mut AnyConnection,
    trainee: &Trainee,
    occupation: Occupation,
    level: Level,
) -> Result<Vec<MissingLine>, AppError> {
    if matches!(level, Level::L5) {
        return Ok(Vec::new());
    }
    let work = relevant_work(conn, &trainee.id)?;
    let record = match records(conn, trainee, &work)?.remove(occupation.as_str()) {
        Some((_, record)) => record,
        None => blank_record(trainee, work),
    };
    let (met, lines) = progression::eligibility(level, &record, today_in_china());
    if met.is_some() {
        return Ok(Vec::new());
    }
    Ok(lines
        .into_iter()
        .map(|l| MissingLine {
            line: l.id.to_owned(),
            needs: l.missing,
            met_from: l.met_from,
        })
        .collect())
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
        (status = 401, description = "Not signed in", body = Problem, content_type = PROBLEM_JSON),
        (status = 403, description = "Employers see no trainees", body = Problem, content_type = PROBLEM_JSON),
        (status = 422, description = "A query parameter is invalid", body = Problem, content_type = PROBLEM_JSON),
    )
)]
#[get("/progression/candidates")]
pub async fn list_candidates(
    db: web::Data<Db>,
    caller: AuthUser,
    Query(filter): Query<CandidateFilter>,
    Query(page): Query<PageParams>,
) -> Result<HttpResponse, AppError> {
    let scope = caller.trainee_scope()?;
    let after = page.after()?;
    let limit = page.limit();
    let occupation = filter.occupation.unwrap_or(Occupation::ElderlyCare);
    let level = filter.level;
    let county = filter.county.map(|c| c.0);
    let today = today_in_china();
    let rows = db
        .run(move |conn| {
            Ok(db::certification::candidates(
                conn,
                occupation.as_str(),
                level.as_str(),
                today,
                &scope,
                county.as_deref(),
                after.as_deref(),
                limit + 1,
            )?)
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
