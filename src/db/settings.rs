//! Settings the server keeps in its own database.

use chrono::Utc;
use diesel::prelude::*;

use super::AnyConnection;
use super::schema::app_settings;

/// The key under which a generated token-signing secret is kept.
pub const JWT_SECRET_KEY: &str = "jwt_secret";

/// The key under which the reports' data records what it was computed with.
pub const REPORT_FACTS_KEY: &str = "report_facts";

/// Returns the value stored under `key`, storing `make()` first when there is none. Safe when
/// two servers start at once: the first insert wins and both read it back.
pub fn get_or_insert(
    conn: &mut AnyConnection,
    key: &str,
    make: impl FnOnce() -> String,
) -> QueryResult<String> {
    let row = (
        app_settings::key.eq(key),
        app_settings::value.eq(make()),
        app_settings::created_at.eq(Utc::now().naive_utc()),
    );
    crate::with_conn!(conn, |c| diesel::insert_into(app_settings::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c))?;
    app_settings::table
        .find(key)
        .select(app_settings::value)
        .first(conn)
}

/// The value stored under `key`, if any.
pub fn get(conn: &mut AnyConnection, key: &str) -> QueryResult<Option<String>> {
    app_settings::table
        .find(key)
        .select(app_settings::value)
        .first(conn)
        .optional()
}

/// Stores `value` under `key`, replacing what was there.
pub fn put(conn: &mut AnyConnection, key: &str, value: &str) -> QueryResult<()> {
    let row = (
        app_settings::key.eq(key),
        app_settings::value.eq(value),
        app_settings::created_at.eq(Utc::now().naive_utc()),
    );
    crate::with_conn!(conn, |c| diesel::insert_into(app_settings::table)
        .values(row)
        .on_conflict(app_settings::key)
        .do_update()
        .set(app_settings::value.eq(value))
        .execute(c))
    .map(drop)
}

/// One change of the programme settings.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::programme_settings)]
pub struct ProgrammeSettings {
    /// UUID.
    pub id: String,
    /// Working age of men ends at this age.
    pub retirement_age_male: i32,
    /// Working age of women ends at this age.
    pub retirement_age_female: i32,
    /// The share of planned days attended that completes a cohort.
    pub completion_attendance_percent: i32,
    /// The certificate kinds that certify, comma-separated.
    pub certified_kinds: String,
    /// The outcome cut-off, `MM-DD` of the year after the training year.
    pub outcome_cutoff: String,
    /// The consecutive days of work that make employed.
    pub employment_min_days: i32,
    /// The day it takes effect.
    pub effective_from: chrono::NaiveDate,
    /// Why.
    pub reason: String,
    /// Who set it (`None`: seeded from the environment at the first start).
    pub set_by: Option<String>,
    /// When.
    pub set_at: chrono::NaiveDateTime,
}

/// The settings in force: the latest change.
pub fn programme_in_force(conn: &mut AnyConnection) -> QueryResult<Option<ProgrammeSettings>> {
    use super::schema::programme_settings as p;
    p::table
        .select(ProgrammeSettings::as_select())
        .order((p::set_at.desc(), p::id.desc()))
        .first(conn)
        .optional()
}

/// The changes, the latest first.
pub fn programme_history(
    conn: &mut AnyConnection,
    limit: i64,
) -> QueryResult<Vec<ProgrammeSettings>> {
    use super::schema::programme_settings as p;
    p::table
        .select(ProgrammeSettings::as_select())
        .order((p::set_at.desc(), p::id.desc()))
        .limit(limit)
        .load(conn)
}

/// Stores a change.
pub fn insert_programme(conn: &mut AnyConnection, row: &ProgrammeSettings) -> QueryResult<()> {
    diesel::insert_into(super::schema::programme_settings::table)
        .values(row)
        .execute(conn)
        .map(drop)
}
