//! Assessments and certificates (评价, 证书): an assessment of a completed enrolment, with the
//! certificate a pass issues, and a certificate earned before the programme; each in one unit
//! of work, after which the ladder and the reports follow.

use chrono::NaiveDate;
use uuid::Uuid;

use crate::access::Caller;
use crate::db::certification::{Assessment, Certificate};
use crate::db::trainees::Scope;
use crate::db::{self, AnyConnection, audit::Event};
use crate::domain::certificate_number;
use crate::domain::today_in_china;
use crate::domain::training::{EnrolmentStatus, Level, earliest_date};
use crate::error::{AppError, FieldError};
use crate::service::sync::Kind;
use crate::service::{Stale, UnitOfWork};

/// A certificate a passed assessment issues, as the request names it.
#[derive(Debug, Clone)]
pub struct Issued {
    /// Its number, as typed.
    pub number: String,
    /// Its kind's stored name.
    pub kind: String,
    /// The day it was issued.
    pub issued_on: NaiveDate,
}

pub fn check_day(
    field: &str,
    day: NaiveDate,
    not_before: NaiveDate,
    what: &str,
) -> Result<(), AppError> {
    if day > today_in_china() {
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
    if day < not_before {
        return Err(AppError::rule(
            field,
            "out_of_order",
            format!("must be on or after {what}, {not_before}"),
        ));
    }
    Ok(())
}

/// 422 unless `agency_id` is an active evaluation agency.
fn check_agency(conn: &mut AnyConnection, agency_id: &str) -> Result<(), AppError> {
    match db::organisations::is_active(conn, "agency", agency_id)? {
        Some(true) => Ok(()),
        Some(false) => Err(AppError::rule(
            "agency_id",
            "inactive",
            "this agency is no longer active",
        )),
        None => Err(AppError::field(
            "agency_id",
            "unknown",
            "is not a registered evaluation agency",
        )),
    }
}

/// 409 for a number another certificate has; the holder's certificate is named only when the
/// caller may see its holder.
fn number_taken(
    conn: &mut AnyConnection,
    number: &str,
    scope: &Scope,
) -> Result<Option<AppError>, AppError> {
    let Some((existing, holder)) = db::certification::holder_of_number(conn, number)? else {
        return Ok(None);
    };
    let visible = db::trainees::find(conn, &holder, scope)?.is_some();
    Ok(Some(AppError::Conflict {
        detail: "A certificate with this number is recorded already".into(),
        existing_id: visible.then_some(existing),
    }))
}

/// The stored assessment (with its certificate) for a replayed create, 409 for an id used by a
/// different one, `None` for a new id.
fn replayed_assessment(
    conn: &mut AnyConnection,
    assessment: &Assessment,
    issued: Option<&(String, NaiveDate)>,
) -> Result<Option<(Assessment, Option<Certificate>)>, AppError> {
    let Some(stored) = db::certification::find_assessment(conn, &assessment.id)? else {
        return Ok(None);
    };
    let certificate = db::certification::certificate_of(conn, &stored.id)?;
    let same = stored.enrolment_id == assessment.enrolment_id
        && stored.agency_id == assessment.agency_id
        && stored.assessed_on == assessment.assessed_on
        && stored.theory_score == assessment.theory_score
        && stored.practical_score == assessment.practical_score
        && stored.passed == assessment.passed
        && certificate.as_ref().map(|c| (&c.number, &c.issued_on))
            == issued.map(|(number, on)| (number, on));
    if same {
        Ok(Some((stored, certificate)))
    } else {
        Err(AppError::Conflict {
            detail: "This id belongs to a different assessment".into(),
            existing_id: None,
        })
    }
}

/// Records `assessment` of its enrolment for `caller`, with the certificate `issued` when it
/// passed: answers whether it was stored now (else it is the replay of one stored), the
/// assessment and its certificate.
pub fn assess(
    conn: &mut AnyConnection,
    caller: &Caller,
    assessment: Assessment,
    issued_certificate: Option<Issued>,
) -> Result<(bool, Assessment, Option<Certificate>), AppError> {
    caller.may("create_assessment")?;
    let scope = caller.trainee_scope()?;
    let now = assessment.created_at;
    let enrolment =
        db::enrolments::find(conn, &assessment.enrolment_id, &scope)?.ok_or(AppError::NotFound)?;
    let issued = issued_certificate
        .as_ref()
        .map(|c| (c.number.trim().to_ascii_uppercase(), c.issued_on));
    if let Some((stored, certificate)) = replayed_assessment(conn, &assessment, issued.as_ref())? {
        return Ok((false, stored, certificate));
    }
    let Some(completed_on) = enrolment
        .completed_on
        .filter(|_| enrolment.status == EnrolmentStatus::Completed.as_str())
    else {
        return Err(AppError::rule(
            "enrolment",
            "not_completed",
            format!(
                "only a completed enrolment is assessed; this one is {}",
                enrolment.status
            ),
        ));
    };
    check_day(
        "assessed_on",
        assessment.assessed_on,
        completed_on,
        "the completion",
    )?;
    check_agency(conn, &assessment.agency_id)?;
    let cohort =
        db::cohorts::find(conn, &enrolment.cohort_id, &Scope::All)?.ok_or(AppError::NotFound)?;
    let level =
        Level::parse(&cohort.level).ok_or_else(|| AppError::internal("stored level is unknown"))?;
    let certificate = match &issued_certificate {
        None => None,
        Some(issued) => {
            check_day(
                "certificate.issued_on",
                issued.issued_on,
                assessment.assessed_on,
                "the assessment",
            )?;
            let number = certificate_number::check(&issued.number, level, issued.issued_on)
                .map_err(|(code, message)| {
                    AppError::Validation(vec![FieldError::new("certificate.number", code, message)])
                })?;
            if let Some(conflict) = number_taken(conn, &number, &scope)? {
                return Err(conflict);
            }
            Some(Certificate {
                id: Uuid::new_v4().to_string(),
                trainee_id: enrolment.trainee_id.clone(),
                number,
                kind: issued.kind.clone(),
                occupation: cohort.occupation.clone(),
                level: cohort.level.clone(),
                issued_on: issued.issued_on,
                agency_id: Some(assessment.agency_id.clone()),
                source: "assessment".into(),
                assessment_id: Some(assessment.id.clone()),
                created_at: now,
            })
        }
    };
    let stored = UnitOfWork::run(conn, |c| {
        db::certification::insert_assessment(c, &assessment)?;
        c.changed(Kind::Assessment, &assessment.id);
        if let Some(certificate) = &certificate {
            db::certification::insert_certificate(c, certificate)?;
            c.changed(Kind::Certificate, &certificate.id);
        }
        c.touch(&enrolment.trainee_id, Stale::Both);
        c.audit(Event {
            county_code: Some(&cohort.county_code),
            ..caller.event("create", "assessment", Some(&assessment.id))
        })?;
        Ok::<_, AppError>(())
    });
    match stored {
        Ok(()) => Ok((true, assessment, certificate)),
        // The same request sent twice at once: the first one stored it.
        Err(AppError::Conflict { .. })
            if let Some((stored, certificate)) =
                replayed_assessment(conn, &assessment, issued.as_ref())? =>
        {
            Ok((false, stored, certificate))
        }
        Err(e) => Err(e),
    }
}

/// Records `candidate`, a certificate earned before the programme, for `caller`: answers
/// whether it was stored now (else it is the replay of one stored) and the certificate.
pub fn record_prior(
    conn: &mut AnyConnection,
    caller: &Caller,
    candidate: Certificate,
) -> Result<(bool, Certificate), AppError> {
    caller.may("create_certificate")?;
    let scope = caller.trainee_scope()?;
    let trainee = db::trainees::find(conn, &candidate.trainee_id, &scope)?
        .ok_or(AppError::NotFound)?
        .trainee;
    if let Some(stored) = db::certification::find_certificate(conn, &candidate.id)? {
        let same = stored.trainee_id == candidate.trainee_id
            && stored.number == candidate.number
            && stored.kind == candidate.kind
            && stored.occupation == candidate.occupation
            && stored.level == candidate.level
            && stored.issued_on == candidate.issued_on
            && stored.agency_id == candidate.agency_id;
        return if same {
            Ok((false, stored))
        } else {
            Err(AppError::Conflict {
                detail: "This id belongs to a different certificate".into(),
                existing_id: None,
            })
        };
    }
    if let Some(agency) = &candidate.agency_id {
        check_agency(conn, agency)?;
    }
    if let Some(conflict) = number_taken(conn, &candidate.number, &scope)? {
        return Err(conflict);
    }
    UnitOfWork::run(conn, |c| {
        db::certification::insert_certificate(c, &candidate)?;
        c.changed(Kind::Certificate, &candidate.id);
        c.touch(&candidate.trainee_id, Stale::Both);
        c.audit(Event {
            county_code: Some(&trainee.county_code),
            ..caller.event("create", "certificate", Some(&candidate.id))
        })?;
        Ok::<_, AppError>(())
    })?;
    Ok((true, candidate))
}

/// The certificates of trainee `trainee_id`, when the caller may see them (404 otherwise).
pub fn of_trainee(
    conn: &mut AnyConnection,
    caller: &Caller,
    trainee_id: &str,
) -> Result<Vec<Certificate>, AppError> {
    caller.may("list_certificates")?;
    let scope = caller.trainee_scope()?;
    db::trainees::find(conn, trainee_id, &scope)?.ok_or(AppError::NotFound)?;
    Ok(db::certification::of_trainee(conn, trainee_id)?)
}

/// Assessment `id` and the certificate it awarded, when the caller may see its enrolment (404
/// otherwise).
pub fn get_assessment(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: &str,
) -> Result<(Assessment, Option<Certificate>), AppError> {
    caller.may("get_enrolment")?;
    let scope = caller.trainee_scope()?;
    let assessment = db::certification::find_assessment(conn, id)?.ok_or(AppError::NotFound)?;
    db::enrolments::find(conn, &assessment.enrolment_id, &scope)?.ok_or(AppError::NotFound)?;
    let certificate = db::certification::certificate_of(conn, &assessment.id)?;
    Ok((assessment, certificate))
}

/// Certificate `id`, when the caller may see its holder (404 otherwise).
pub fn get_certificate(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: &str,
) -> Result<Certificate, AppError> {
    caller.may("list_certificates")?;
    let scope = caller.trainee_scope()?;
    let certificate = db::certification::find_certificate(conn, id)?.ok_or(AppError::NotFound)?;
    db::trainees::find(conn, &certificate.trainee_id, &scope)?.ok_or(AppError::NotFound)?;
    Ok(certificate)
}
