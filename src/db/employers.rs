//! Employers: the minimal record employer accounts are bound to.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::AnyConnection;
use super::schema::employers;

/// One employer row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = employers)]
pub struct Employer {
    /// UUID.
    pub id: String,
    /// Registered name.
    pub name: String,
    /// City of the workplace, e.g. 北京市.
    pub city: Option<String>,
    /// County code, for employers in Lüliang.
    pub county_code: Option<String>,
    /// Whether placements may name it.
    pub active: bool,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// When created.
    pub created_at: NaiveDateTime,
    /// When last changed.
    pub updated_at: NaiveDateTime,
}

/// Stores a new employer.
pub fn insert(conn: &mut AnyConnection, employer: &Employer) -> QueryResult<()> {
    diesel::insert_into(employers::table)
        .values(employer)
        .execute(conn)
        .map(drop)
}

/// One employer by id, restricted to `only` when the caller is bound to one employer.
pub fn find(
    conn: &mut AnyConnection,
    id: &str,
    only: Option<&str>,
) -> QueryResult<Option<Employer>> {
    let mut query = employers::table
        .filter(employers::id.eq(id.to_owned()))
        .select(Employer::as_select())
        .into_boxed();
    if let Some(only) = only {
        query = query.filter(employers::id.eq(only.to_owned()));
    }
    query.first(conn).optional()
}

/// Whether an employer exists.
pub fn exists(conn: &mut AnyConnection, id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(employers::table.find(id))).get_result(conn)
}

/// Up to `limit` employers in id order after `after`, restricted to `only` when given.
pub fn list(
    conn: &mut AnyConnection,
    after: Option<&str>,
    only: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<Employer>> {
    let mut query = employers::table
        .select(Employer::as_select())
        .order(employers::id)
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(employers::id.gt(after.to_owned()));
    }
    if let Some(only) = only {
        query = query.filter(employers::id.eq(only.to_owned()));
    }
    query.load(conn)
}
