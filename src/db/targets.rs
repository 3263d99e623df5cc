//! The year's targets of the programme.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::AnyConnection;
use super::schema::targets;

/// One target row.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = targets, treat_none_as_null = true)]
pub struct Target {
    /// The programme year.
    pub year: i32,
    /// `city` or a county code.
    pub scope: String,
    /// Trainees to train.
    pub trained: i32,
    /// Share of the trained to certify, in basis points.
    pub certification_rate_bp: i32,
    /// Trainees to place in work.
    pub employed: i32,
    /// Trainees to train at L4.
    pub intermediate_trained: Option<i32>,
    /// Trainees to train at L3 and above.
    pub advanced_trained: Option<i32>,
    /// Version.
    pub version: i32,
    /// When first set.
    pub created_at: NaiveDateTime,
    /// When last set.
    pub updated_at: NaiveDateTime,
}

/// Starts the transaction's write first (a write that changes nothing, and matches nothing
/// while the target is new): SQLite then takes its write lock before the read that follows, so
/// two settings of one target queue instead of failing; on PostgreSQL it locks the row if any.
pub fn lock(conn: &mut AnyConnection, year: i32, scope: &str) -> QueryResult<()> {
    diesel::update(
        targets::table
            .filter(targets::year.eq(year))
            .filter(targets::scope.eq(scope.to_owned())),
    )
    .set(targets::version.eq(targets::version))
    .execute(conn)
    .map(drop)
}

/// The target of a year and scope.
pub fn find(conn: &mut AnyConnection, year: i32, scope: &str) -> QueryResult<Option<Target>> {
    targets::table
        .find((year, scope.to_owned()))
        .select(Target::as_select())
        .first(conn)
        .optional()
}

/// The targets of a year, of the scopes given (all when `None`), by scope.
pub fn of_year(
    conn: &mut AnyConnection,
    year: i32,
    scopes: Option<Vec<String>>,
) -> QueryResult<Vec<Target>> {
    let mut query = targets::table
        .filter(targets::year.eq(year))
        .select(Target::as_select())
        .order(targets::scope)
        .into_boxed();
    if let Some(scopes) = scopes {
        query = query.filter(targets::scope.eq_any(scopes));
    }
    query.load(conn)
}

/// Stores a new target.
pub fn insert(conn: &mut AnyConnection, row: &Target) -> QueryResult<()> {
    diesel::insert_into(targets::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// Replaces a target over `version`; `false` when it changed meanwhile.
pub fn replace(conn: &mut AnyConnection, row: &Target, version: i32) -> QueryResult<bool> {
    let updated = diesel::update(
        targets::table
            .filter(targets::year.eq(row.year))
            .filter(targets::scope.eq(row.scope.clone()))
            .filter(targets::version.eq(version)),
    )
    .set(row)
    .execute(conn)?;
    Ok(updated == 1)
}
