//! Organisations: training providers, evaluation agencies and employers, one table with a kind.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::AnyConnection;
use super::schema::organisations;

/// One organisation row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = organisations)]
pub struct Organisation {
    /// UUID.
    pub id: String,
    /// Registered name.
    pub name: String,
    /// City, e.g. 北京市.
    pub city: Option<String>,
    /// County code, for organisations in Lüliang.
    pub county_code: Option<String>,
    /// Whether new records may name it.
    pub active: bool,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// When created.
    pub created_at: NaiveDateTime,
    /// When last changed.
    pub updated_at: NaiveDateTime,
    /// `provider`, `agency` or `employer`.
    pub kind: String,
    /// Unified social credit code (GB 32100).
    pub credit_code: Option<String>,
    /// Contact person.
    pub contact_name: Option<String>,
    /// Contact phone, normalised.
    pub contact_phone: Option<String>,
}

/// Changes to an organisation; `None` leaves a column as it is, `Some(None)` clears it.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = organisations)]
pub struct OrganisationChanges {
    /// Registered name.
    pub name: Option<String>,
    /// Credit code.
    pub credit_code: Option<String>,
    /// City.
    pub city: Option<Option<String>>,
    /// County.
    pub county_code: Option<Option<String>>,
    /// Contact person.
    pub contact_name: Option<Option<String>>,
    /// Contact phone.
    pub contact_phone: Option<Option<String>>,
    /// Active.
    pub active: Option<bool>,
}

/// Stores a new organisation.
pub fn insert(conn: &mut AnyConnection, organisation: &Organisation) -> QueryResult<()> {
    diesel::insert_into(organisations::table)
        .values(organisation)
        .execute(conn)
        .map(drop)
}

/// One organisation of `kind` by id, restricted to `only` when the caller is bound to one.
pub fn find(
    conn: &mut AnyConnection,
    kind: &str,
    id: &str,
    only: Option<&str>,
) -> QueryResult<Option<Organisation>> {
    let mut query = organisations::table
        .filter(organisations::id.eq(id.to_owned()))
        .filter(organisations::kind.eq(kind.to_owned()))
        .select(Organisation::as_select())
        .into_boxed();
    if let Some(only) = only {
        query = query.filter(organisations::id.eq(only.to_owned()));
    }
    query.first(conn).optional()
}

/// One organisation by id, whatever its kind (for telling a replayed create from a clash).
pub fn find_any(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<Organisation>> {
    organisations::table
        .find(id)
        .select(Organisation::as_select())
        .first(conn)
        .optional()
}

/// Whether an organisation of `kind` exists, and whether it is active: `None` when absent.
pub fn is_active(conn: &mut AnyConnection, kind: &str, id: &str) -> QueryResult<Option<bool>> {
    organisations::table
        .filter(organisations::id.eq(id))
        .filter(organisations::kind.eq(kind))
        .select(organisations::active)
        .first(conn)
        .optional()
}

/// The id of the organisation of `kind` holding `credit_code`.
pub fn id_of_credit_code(
    conn: &mut AnyConnection,
    kind: &str,
    credit_code: &str,
) -> QueryResult<Option<String>> {
    organisations::table
        .filter(organisations::kind.eq(kind))
        .filter(organisations::credit_code.eq(credit_code))
        .select(organisations::id)
        .first(conn)
        .optional()
}

/// What a list is filtered by.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only the one an employer account is bound to.
    pub only: Option<String>,
    /// Only active, or only inactive, ones.
    pub active: Option<bool>,
    /// Only this county.
    pub county: Option<String>,
    /// Changed at or after.
    pub since: Option<NaiveDateTime>,
}

/// Up to `limit` organisations of `kind` in `(updated_at, id)` order after `after`.
pub fn list(
    conn: &mut AnyConnection,
    kind: &str,
    filter: &Filter,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<Organisation>> {
    let mut query = organisations::table
        .filter(organisations::kind.eq(kind.to_owned()))
        .select(Organisation::as_select())
        .order((organisations::updated_at, organisations::id))
        .limit(limit)
        .into_boxed();
    if let Some(only) = &filter.only {
        query = query.filter(organisations::id.eq(only.clone()));
    }
    if let Some(active) = filter.active {
        query = query.filter(organisations::active.eq(active));
    }
    if let Some(county) = &filter.county {
        query = query.filter(organisations::county_code.eq(county.clone()));
    }
    if let Some(since) = filter.since {
        query = query.filter(organisations::updated_at.ge(since));
    }
    if let Some((at, id)) = after {
        query = query.filter(
            organisations::updated_at
                .gt(at)
                .or(organisations::updated_at
                    .eq(at)
                    .and(organisations::id.gt(id))),
        );
    }
    query.load(conn)
}

/// Applies `changes` if the organisation is still at `version`; returns whether it was.
pub fn update(
    conn: &mut AnyConnection,
    id: &str,
    version: i32,
    changes: &OrganisationChanges,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        organisations::table.filter(
            organisations::id
                .eq(id)
                .and(organisations::version.eq(version)),
        ),
    )
    .set((
        changes,
        organisations::version.eq(version + 1),
        organisations::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}
