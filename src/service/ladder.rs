//! The ladder's data: the eligibility kept per trainee for managers' lists of candidates, and
//! the level gate on enrolment (DOMAIN.md, "Progression").

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::db::certification::Eligibility;
use crate::db::trainees::Trainee;
use crate::db::{self, AnyConnection};
use crate::domain::employment;
use crate::domain::progression::{self, Held, Record, Schooling, WorkPeriod};
use crate::domain::today_in_china;
use crate::domain::training::{Level, Occupation};
use crate::error::AppError;

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
    Ok(super::work::facts_of_trainee(conn, trainee_id)?
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

/// Where a trainee stands on the ladder of each occupation they hold a certificate of or have an
/// enrolment in.
pub fn standings(
    conn: &mut AnyConnection,
    trainee: &Trainee,
    today: NaiveDate,
) -> Result<Vec<progression::Standing>, AppError> {
    let work = relevant_work(conn, &trainee.id)?;
    Ok(records(conn, trainee, &work)?
        .into_values()
        .map(|(occupation, record)| progression::standing(occupation, &record, today))
        .collect())
}

/// Recomputes the eligibility kept for one trainee, locked by the unit of work.
pub(super) fn refresh(conn: &mut AnyConnection, trainee_id: &str) -> Result<(), AppError> {
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

/// The level gate: enrolling in a cohort of L4 or above needs eligibility for that level.
/// Returns the lines missing (none when eligible or below L4).
pub fn gate(
    conn: &mut AnyConnection,
    trainee: &Trainee,
    occupation: Occupation,
    level: Level,
) -> Result<Vec<progression::Line>, AppError> {
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
    Ok(lines)
}

/// Where trainee `id` stands on each ladder, when the caller may see them (404 otherwise).
pub fn standings_of(
    conn: &mut AnyConnection,
    caller: &crate::access::Caller,
    id: &str,
) -> Result<Vec<progression::Standing>, AppError> {
    caller.may("get_progression")?;
    let scope = caller.trainee_scope()?;
    let trainee = db::trainees::find(conn, id, &scope)?
        .ok_or(AppError::NotFound)?
        .trainee;
    standings(conn, &trainee, today_in_china())
}

/// A page of the trainees of the caller's counties (or `county`) eligible on `today` for
/// `(occupation, level)` and not enrolled in it.
pub fn candidates(
    conn: &mut AnyConnection,
    caller: &crate::access::Caller,
    (occupation, level): (Occupation, Level),
    today: NaiveDate,
    county: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<db::certification::Candidate>, AppError> {
    caller.may("list_candidates")?;
    let scope = caller.trainee_scope()?;
    Ok(db::certification::candidates(
        conn,
        occupation.as_str(),
        level.as_str(),
        today,
        &scope,
        county,
        after,
        limit,
    )?)
}
