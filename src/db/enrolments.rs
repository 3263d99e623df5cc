//! Enrolments and the daily register. An enrolment is seen by callers of the cohort's county or
//! of the trainee's county; it is changed only within a transaction that holds the cohort's lock
//! ([`super::cohorts::lock`]).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::AnyConnection;
use super::schema::{attendance, attendance_registers, cohorts, enrolments, trainees};
use super::trainees::Scope;

/// One enrolment row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = enrolments)]
pub struct Enrolment {
    /// UUID.
    pub id: String,
    /// The cohort.
    pub cohort_id: String,
    /// The trainee.
    pub trainee_id: String,
    /// `enrolled`, `in_training`, `completed` or `dropped`.
    pub status: String,
    /// The day of enrolment (China time).
    pub enrolled_on: NaiveDate,
    /// Days present, kept with the register.
    pub attended_days: i32,
    /// Day of completion.
    pub completed_on: Option<NaiveDate>,
    /// Day of leaving.
    pub dropped_on: Option<NaiveDate>,
    /// Why they left.
    pub drop_reason: Option<String>,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// When created.
    pub created_at: NaiveDateTime,
    /// When last changed.
    pub updated_at: NaiveDateTime,
    /// Why a manager let a trainee in who is not eligible for the cohort's level.
    pub override_reason: Option<String>,
}

/// A new state of an enrolment, written by [`set_state`].
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = enrolments, treat_none_as_null = true)]
pub struct EnrolmentState {
    /// Status.
    pub status: String,
    /// Days present.
    pub attended_days: i32,
    /// Day of completion.
    pub completed_on: Option<NaiveDate>,
    /// Day of leaving.
    pub dropped_on: Option<NaiveDate>,
    /// Why they left.
    pub drop_reason: Option<String>,
}

/// Stores a new enrolment.
pub fn insert(conn: &mut AnyConnection, enrolment: &Enrolment) -> QueryResult<()> {
    diesel::insert_into(enrolments::table)
        .values(enrolment)
        .execute(conn)
        .map(drop)
}

/// One enrolment by id, whatever the scope.
pub fn find_any(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<Enrolment>> {
    enrolments::table
        .find(id)
        .select(Enrolment::as_select())
        .first(conn)
        .optional()
}

/// One enrolment, if the cohort's county or the trainee's county is within `scope`.
pub fn find(conn: &mut AnyConnection, id: &str, scope: &Scope) -> QueryResult<Option<Enrolment>> {
    let mut query = enrolments::table
        .inner_join(cohorts::table)
        .inner_join(trainees::table)
        .filter(enrolments::id.eq(id.to_owned()))
        .select(Enrolment::as_select())
        .into_boxed();
    if let Scope::Counties(codes) = scope {
        query = query.filter(
            cohorts::county_code
                .eq_any(codes.clone())
                .or(trainees::county_code.eq_any(codes.clone())),
        );
    }
    query.first(conn).optional()
}

/// The enrolment of `trainee_id` in `cohort_id`, if any.
pub fn of_trainee_in(
    conn: &mut AnyConnection,
    cohort_id: &str,
    trainee_id: &str,
) -> QueryResult<Option<Enrolment>> {
    enrolments::table
        .filter(enrolments::cohort_id.eq(cohort_id))
        .filter(enrolments::trainee_id.eq(trainee_id))
        .select(Enrolment::as_select())
        .first(conn)
        .optional()
}

/// The code of another running cohort in which the trainee is enrolled or training, if any.
pub fn running_elsewhere(
    conn: &mut AnyConnection,
    trainee_id: &str,
    cohort_id: &str,
) -> QueryResult<Option<String>> {
    enrolments::table
        .inner_join(cohorts::table)
        .filter(enrolments::trainee_id.eq(trainee_id))
        .filter(enrolments::cohort_id.ne(cohort_id))
        .filter(enrolments::status.eq_any(["enrolled", "in_training"]))
        .filter(cohorts::status.eq("running"))
        .select(cohorts::code)
        .first(conn)
        .optional()
}

/// Up to `limit` enrolments of a cohort in `(updated_at, id)` order after `after`.
pub fn list_for_cohort(
    conn: &mut AnyConnection,
    cohort_id: &str,
    since: Option<NaiveDateTime>,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<Enrolment>> {
    let mut query = enrolments::table
        .filter(enrolments::cohort_id.eq(cohort_id.to_owned()))
        .select(Enrolment::as_select())
        .order((enrolments::updated_at, enrolments::id))
        .limit(limit)
        .into_boxed();
    if let Some(since) = since {
        query = query.filter(enrolments::updated_at.ge(since));
    }
    if let Some((at, id)) = after {
        query = query.filter(
            enrolments::updated_at
                .gt(at)
                .or(enrolments::updated_at.eq(at).and(enrolments::id.gt(id))),
        );
    }
    query.load(conn)
}

/// Every enrolment of a cohort (at most its capacity), for the register.
pub fn all_of_cohort(conn: &mut AnyConnection, cohort_id: &str) -> QueryResult<Vec<Enrolment>> {
    enrolments::table
        .filter(enrolments::cohort_id.eq(cohort_id))
        .select(Enrolment::as_select())
        .load(conn)
}

/// What a trainee's timeline shows of a cohort.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cohorts)]
pub struct CohortSummary {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Occupation.
    pub occupation: String,
    /// Level.
    pub level: String,
    /// Planned days.
    pub planned_days: i32,
}

/// The enrolments of one trainee with their cohorts, oldest first.
pub fn of_trainee(
    conn: &mut AnyConnection,
    trainee_id: &str,
) -> QueryResult<Vec<(Enrolment, CohortSummary)>> {
    enrolments::table
        .inner_join(cohorts::table)
        .filter(enrolments::trainee_id.eq(trainee_id))
        .order((enrolments::enrolled_on, enrolments::created_at))
        .select((Enrolment::as_select(), CohortSummary::as_select()))
        .load(conn)
}

/// Writes a new state if the enrolment is still at `version`; returns whether it was.
pub fn set_state(
    conn: &mut AnyConnection,
    id: &str,
    version: i32,
    state: &EnrolmentState,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        enrolments::table.filter(enrolments::id.eq(id).and(enrolments::version.eq(version))),
    )
    .set((
        state,
        enrolments::version.eq(version + 1),
        enrolments::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// The enrolments of a cohort marked present on `day`.
pub fn present_on(
    conn: &mut AnyConnection,
    cohort_id: &str,
    day: NaiveDate,
) -> QueryResult<Vec<String>> {
    attendance::table
        .inner_join(enrolments::table)
        .filter(enrolments::cohort_id.eq(cohort_id))
        .filter(attendance::day.eq(day))
        .order(attendance::enrolment_id)
        .select(attendance::enrolment_id)
        .load(conn)
}

/// The last day an enrolment was marked present, if any.
pub fn last_present_day(
    conn: &mut AnyConnection,
    enrolment_id: &str,
) -> QueryResult<Option<NaiveDate>> {
    attendance::table
        .filter(attendance::enrolment_id.eq(enrolment_id))
        .order(attendance::day.desc())
        .select(attendance::day)
        .first(conn)
        .optional()
}

/// Marks an enrolment present on `day`.
pub fn mark_present(
    conn: &mut AnyConnection,
    enrolment_id: &str,
    day: NaiveDate,
) -> QueryResult<()> {
    diesel::insert_into(attendance::table)
        .values((
            attendance::enrolment_id.eq(enrolment_id),
            attendance::day.eq(day),
        ))
        .execute(conn)
        .map(drop)
}

/// Removes an enrolment's presence on `day`.
pub fn mark_absent(
    conn: &mut AnyConnection,
    enrolment_id: &str,
    day: NaiveDate,
) -> QueryResult<()> {
    diesel::delete(
        attendance::table.filter(
            attendance::enrolment_id
                .eq(enrolment_id)
                .and(attendance::day.eq(day)),
        ),
    )
    .execute(conn)
    .map(drop)
}

/// One day's register as taken.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = attendance_registers)]
pub struct Register {
    /// The cohort.
    pub cohort_id: String,
    /// The day.
    pub day: NaiveDate,
    /// How many were present.
    pub present_count: i32,
    /// Who took it.
    pub recorded_by: Option<String>,
    /// When it was last taken (UTC).
    pub recorded_at: NaiveDateTime,
}

/// Replaces the record that a day's register was taken.
pub fn save_register(conn: &mut AnyConnection, register: &Register) -> QueryResult<()> {
    diesel::delete(
        attendance_registers::table.filter(
            attendance_registers::cohort_id
                .eq(&register.cohort_id)
                .and(attendance_registers::day.eq(register.day)),
        ),
    )
    .execute(conn)?;
    diesel::insert_into(attendance_registers::table)
        .values(register)
        .execute(conn)
        .map(drop)
}

/// The record of a day's register, if it was taken.
pub fn register(
    conn: &mut AnyConnection,
    cohort_id: &str,
    day: NaiveDate,
) -> QueryResult<Option<Register>> {
    attendance_registers::table
        .find((cohort_id, day))
        .select(Register::as_select())
        .first(conn)
        .optional()
}
