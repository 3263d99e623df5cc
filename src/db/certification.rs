//! Assessments, certificates and the eligibility kept for the ladder.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::AnyConnection;
use super::schema::{assessments, certificates, cohorts, eligibility, enrolments, trainees};
use super::trainees::{Scope, Trainee};

/// One assessment row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = assessments)]
pub struct Assessment {
    /// UUID.
    pub id: String,
    /// The completed enrolment assessed.
    pub enrolment_id: String,
    /// The evaluation agency.
    pub agency_id: String,
    /// The day.
    pub assessed_on: NaiveDate,
    /// Theory, 0–100.
    pub theory_score: i32,
    /// Practical, 0–100.
    pub practical_score: i32,
    /// Whether it was passed.
    pub passed: bool,
    /// When recorded.
    pub created_at: NaiveDateTime,
}

/// One certificate row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = certificates)]
pub struct Certificate {
    /// UUID.
    pub id: String,
    /// The holder.
    pub trainee_id: String,
    /// The number (unique).
    pub number: String,
    /// `skill_level`, `special_ability` or `training`.
    pub kind: String,
    /// Occupation.
    pub occupation: String,
    /// Level.
    pub level: String,
    /// Day of issue.
    pub issued_on: NaiveDate,
    /// The issuing agency, when known.
    pub agency_id: Option<String>,
    /// `assessment` or `prior`.
    pub source: String,
    /// The assessment that issued it.
    pub assessment_id: Option<String>,
    /// When recorded.
    pub created_at: NaiveDateTime,
}

/// Stores an assessment.
pub fn insert_assessment(conn: &mut AnyConnection, row: &Assessment) -> QueryResult<()> {
    diesel::insert_into(assessments::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// One assessment by id.
pub fn find_assessment(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<Assessment>> {
    assessments::table
        .find(id)
        .select(Assessment::as_select())
        .first(conn)
        .optional()
}

/// Stores a certificate.
pub fn insert_certificate(conn: &mut AnyConnection, row: &Certificate) -> QueryResult<()> {
    diesel::insert_into(certificates::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// One certificate by id.
pub fn find_certificate(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<Certificate>> {
    certificates::table
        .find(id)
        .select(Certificate::as_select())
        .first(conn)
        .optional()
}

/// The certificate an assessment issued, if any.
pub fn certificate_of(
    conn: &mut AnyConnection,
    assessment_id: &str,
) -> QueryResult<Option<Certificate>> {
    certificates::table
        .filter(certificates::assessment_id.eq(assessment_id))
        .select(Certificate::as_select())
        .first(conn)
        .optional()
}

/// The certificate with `number`: its id and holder.
pub fn holder_of_number(
    conn: &mut AnyConnection,
    number: &str,
) -> QueryResult<Option<(String, String)>> {
    certificates::table
        .filter(certificates::number.eq(number))
        .select((certificates::id, certificates::trainee_id))
        .first(conn)
        .optional()
}

/// A trainee's certificates, oldest first.
pub fn of_trainee(conn: &mut AnyConnection, trainee_id: &str) -> QueryResult<Vec<Certificate>> {
    certificates::table
        .filter(certificates::trainee_id.eq(trainee_id))
        .order((certificates::issued_on, certificates::id))
        .select(Certificate::as_select())
        .load(conn)
}

/// A trainee's assessments with the enrolment's cohort occupation and level, oldest first.
pub fn assessments_of_trainee(
    conn: &mut AnyConnection,
    trainee_id: &str,
) -> QueryResult<Vec<(Assessment, String)>> {
    assessments::table
        .inner_join(enrolments::table)
        .filter(enrolments::trainee_id.eq(trainee_id))
        .order((assessments::assessed_on, assessments::created_at))
        .select((Assessment::as_select(), enrolments::cohort_id))
        .load(conn)
}

/// One row of kept eligibility.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = eligibility)]
pub struct Eligibility {
    /// The trainee.
    pub trainee_id: String,
    /// The occupation.
    pub occupation: String,
    /// A level above the one held.
    pub level: String,
    /// The day from which they are eligible for it.
    pub eligible_from: NaiveDate,
    /// When computed.
    pub updated_at: NaiveDateTime,
    /// The trainee's county, for the candidates of one county.
    pub county_code: String,
}

/// Replaces a trainee's kept eligibility.
pub fn replace_eligibility(
    conn: &mut AnyConnection,
    trainee_id: &str,
    rows: &[Eligibility],
) -> QueryResult<()> {
    diesel::delete(eligibility::table.filter(eligibility::trainee_id.eq(trainee_id)))
        .execute(conn)?;
    for row in rows {
        diesel::insert_into(eligibility::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// A candidate for a level: the trainee and the day they became eligible.
pub type Candidate = (Trainee, NaiveDate);

/// Up to `limit` trainees within `scope` (and `county`) eligible on `today` for `level` of
/// `occupation` and not enrolled (other than dropped) in a cohort of it, in trainee id order
/// after `after`. A lookup of kept rows by index, not a recomputation.
#[allow(clippy::too_many_arguments)]
pub fn candidates(
    conn: &mut AnyConnection,
    occupation: &str,
    level: &str,
    today: NaiveDate,
    scope: &Scope,
    county: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<Candidate>> {
    let enrolled_in_level = enrolments::table
        .inner_join(cohorts::table)
        .filter(cohorts::occupation.eq(occupation.to_owned()))
        .filter(cohorts::level.eq(level.to_owned()))
        .filter(enrolments::status.ne("dropped"))
        .select(enrolments::trainee_id);
    let mut query = eligibility::table
        .inner_join(trainees::table)
        .filter(eligibility::occupation.eq(occupation.to_owned()))
        .filter(eligibility::level.eq(level.to_owned()))
        .filter(eligibility::eligible_from.le(today))
        .filter(diesel::dsl::not(
            eligibility::trainee_id.eq_any(enrolled_in_level),
        ))
        .order(eligibility::trainee_id)
        .limit(limit)
        .select((Trainee::as_select(), eligibility::eligible_from))
        .into_boxed();
    if let Scope::Counties(codes) = scope {
        query = query.filter(eligibility::county_code.eq_any(codes.clone()));
    }
    if let Some(county) = county {
        query = query.filter(eligibility::county_code.eq(county.to_owned()));
    }
    if let Some(after) = after {
        query = query.filter(eligibility::trainee_id.gt(after.to_owned()));
    }
    query.load(conn)
}
