//! Cohorts (培训班 / 期). Reads take the caller's counties and filter by them in SQL; every
//! write that touches a cohort's enrolments starts by locking the cohort row, so enrolments,
//! the daily register and completions of one cohort happen one after another.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::AnyConnection;
use super::schema::{cohorts, enrolments};
use super::trainees::Scope;

/// One cohort row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = cohorts)]
pub struct Cohort {
    /// UUID.
    pub id: String,
    /// The programme's code for the class, e.g. `LL-2026-017` (unique).
    pub code: String,
    /// Name.
    pub name: String,
    /// The training provider.
    pub provider_id: String,
    /// Occupation.
    pub occupation: String,
    /// Skill level.
    pub level: String,
    /// County that runs it.
    pub county_code: String,
    /// Funding type.
    pub funding_type: String,
    /// Mode.
    pub mode: String,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day.
    pub end_date: NaiveDate,
    /// Days of teaching planned.
    pub planned_days: i32,
    /// Hours of teaching planned.
    pub planned_hours: i32,
    /// Places.
    pub capacity: i32,
    /// Places held by enrolments that are not dropped.
    pub places_taken: i32,
    /// `planned`, `open`, `running` or `closed`.
    pub status: String,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// When created.
    pub created_at: NaiveDateTime,
    /// When last changed.
    pub updated_at: NaiveDateTime,
}

/// Changes to a cohort; `None` leaves a column as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = cohorts)]
pub struct CohortChanges {
    /// Code.
    pub code: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Provider.
    pub provider_id: Option<String>,
    /// Occupation.
    pub occupation: Option<String>,
    /// Level.
    pub level: Option<String>,
    /// County.
    pub county_code: Option<String>,
    /// Funding type.
    pub funding_type: Option<String>,
    /// Mode.
    pub mode: Option<String>,
    /// First day.
    pub start_date: Option<NaiveDate>,
    /// Last day.
    pub end_date: Option<NaiveDate>,
    /// Planned days.
    pub planned_days: Option<i32>,
    /// Planned hours.
    pub planned_hours: Option<i32>,
    /// Places.
    pub capacity: Option<i32>,
    /// Status.
    pub status: Option<String>,
}

/// Stores a new cohort.
pub fn insert(conn: &mut AnyConnection, cohort: &Cohort) -> QueryResult<()> {
    diesel::insert_into(cohorts::table)
        .values(cohort)
        .execute(conn)
        .map(drop)
}

/// One cohort, if it exists within `scope`.
pub fn find(conn: &mut AnyConnection, id: &str, scope: &Scope) -> QueryResult<Option<Cohort>> {
    let mut query = cohorts::table
        .filter(cohorts::id.eq(id.to_owned()))
        .select(Cohort::as_select())
        .into_boxed();
    if let Scope::Counties(codes) = scope {
        query = query.filter(cohorts::county_code.eq_any(codes.clone()));
    }
    query.first(conn).optional()
}

/// The id of the cohort with `code`, in any county.
pub fn id_of_code(conn: &mut AnyConnection, code: &str) -> QueryResult<Option<String>> {
    cohorts::table
        .filter(cohorts::code.eq(code))
        .select(cohorts::id)
        .first(conn)
        .optional()
}

/// What a list is filtered by.
#[derive(Debug, Clone)]
pub struct Filter {
    /// The caller's scope.
    pub scope: Scope,
    /// One county.
    pub county: Option<String>,
    /// One provider.
    pub provider_id: Option<String>,
    /// One status.
    pub status: Option<String>,
    /// One occupation.
    pub occupation: Option<String>,
    /// One level.
    pub level: Option<String>,
    /// Changed at or after.
    pub since: Option<NaiveDateTime>,
}

/// Up to `limit` cohorts in `(updated_at, id)` order after `after`.
pub fn list(
    conn: &mut AnyConnection,
    filter: &Filter,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<Cohort>> {
    let mut query = cohorts::table
        .select(Cohort::as_select())
        .order((cohorts::updated_at, cohorts::id))
        .limit(limit)
        .into_boxed();
    if let Scope::Counties(codes) = &filter.scope {
        query = query.filter(cohorts::county_code.eq_any(codes.clone()));
    }
    if let Some(county) = &filter.county {
        query = query.filter(cohorts::county_code.eq(county.clone()));
    }
    if let Some(provider) = &filter.provider_id {
        query = query.filter(cohorts::provider_id.eq(provider.clone()));
    }
    if let Some(status) = &filter.status {
        query = query.filter(cohorts::status.eq(status.clone()));
    }
    if let Some(occupation) = &filter.occupation {
        query = query.filter(cohorts::occupation.eq(occupation.clone()));
    }
    if let Some(level) = &filter.level {
        query = query.filter(cohorts::level.eq(level.clone()));
    }
    if let Some(since) = filter.since {
        query = query.filter(cohorts::updated_at.ge(since));
    }
    if let Some((at, id)) = after {
        query = query.filter(
            cohorts::updated_at
                .gt(at)
                .or(cohorts::updated_at.eq(at).and(cohorts::id.gt(id))),
        );
    }
    query.load(conn)
}

/// Applies `changes` if the cohort is still at `version`; returns whether it was.
pub fn update(
    conn: &mut AnyConnection,
    id: &str,
    version: i32,
    changes: &CohortChanges,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let updated =
        diesel::update(cohorts::table.filter(cohorts::id.eq(id).and(cohorts::version.eq(version))))
            .set((
                changes,
                cohorts::version.eq(version + 1),
                cohorts::updated_at.eq(at),
            ))
            .execute(conn)?;
    Ok(updated == 1)
}

/// Takes the cohort's row lock for the rest of the transaction (a write that changes nothing):
/// the writes to one cohort's enrolments then queue behind each other on PostgreSQL, and on
/// SQLite the transaction holds the write lock before it reads.
pub fn lock(conn: &mut AnyConnection, id: &str) -> QueryResult<bool> {
    let locked = diesel::update(cohorts::table.filter(cohorts::id.eq(id)))
        .set(cohorts::places_taken.eq(cohorts::places_taken))
        .execute(conn)?;
    Ok(locked == 1)
}

/// [`lock`] for the cohort of an enrolment, before anything of it is read.
pub fn lock_for_enrolment(conn: &mut AnyConnection, enrolment_id: &str) -> QueryResult<bool> {
    let locked = diesel::update(
        cohorts::table.filter(
            cohorts::id.eq_any(
                enrolments::table
                    .filter(enrolments::id.eq(enrolment_id.to_owned()))
                    .select(enrolments::cohort_id),
            ),
        ),
    )
    .set(cohorts::places_taken.eq(cohorts::places_taken))
    .execute(conn)?;
    Ok(locked == 1)
}

/// Takes one place if the cohort has one free and takes enrolments; returns whether it did.
/// The cohort's version moves with its free places, so a cached copy is not served stale.
pub fn take_place(conn: &mut AnyConnection, id: &str, at: NaiveDateTime) -> QueryResult<bool> {
    let taken = diesel::update(
        cohorts::table.filter(
            cohorts::id
                .eq(id)
                .and(cohorts::places_taken.lt(cohorts::capacity))
                .and(cohorts::status.ne("closed")),
        ),
    )
    .set((
        cohorts::places_taken.eq(cohorts::places_taken + 1),
        cohorts::version.eq(cohorts::version + 1),
        cohorts::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(taken == 1)
}

/// Gives back the place of a dropped enrolment.
pub fn release_place(conn: &mut AnyConnection, id: &str, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(cohorts::table.filter(cohorts::id.eq(id).and(cohorts::places_taken.gt(0))))
        .set((
            cohorts::places_taken.eq(cohorts::places_taken - 1),
            cohorts::version.eq(cohorts::version + 1),
            cohorts::updated_at.eq(at),
        ))
        .execute(conn)
        .map(drop)
}
