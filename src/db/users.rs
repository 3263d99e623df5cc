//! Accounts and the counties each one works in.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::AnyConnection;
use super::schema::{user_counties, users};

/// One account row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    /// UUID.
    pub id: String,
    /// Unique sign-in name.
    pub username: String,
    /// Name shown to people.
    pub display_name: String,
    /// `admin`, `manager`, `field_staff` or `employer`.
    pub role: String,
    /// For employer accounts: the employer.
    pub employer_id: Option<String>,
    /// A deactivated account can do nothing.
    pub active: bool,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// When created.
    pub created_at: NaiveDateTime,
    /// When last changed.
    pub updated_at: NaiveDateTime,
}

/// A new account.
#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    /// UUID.
    pub id: &'a str,
    /// Unique sign-in name.
    pub username: &'a str,
    /// Name shown to people.
    pub display_name: &'a str,
    /// Role name.
    pub role: &'a str,
    /// For employer accounts.
    pub employer_id: Option<&'a str>,
    /// Whether it may sign in.
    pub active: bool,
    /// Argon2id PHC string.
    pub password_hash: &'a str,
    /// 1.
    pub version: i32,
    /// Now.
    pub created_at: NaiveDateTime,
    /// Now.
    pub updated_at: NaiveDateTime,
}

/// Changes to an account; `None` leaves a column as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    /// New display name.
    pub display_name: Option<String>,
    /// New role.
    pub role: Option<String>,
    /// New employer binding (`Some(None)` clears it).
    pub employer_id: Option<Option<String>>,
    /// Activate or deactivate.
    pub active: Option<bool>,
    /// New password hash.
    pub password_hash: Option<String>,
}

/// An account with its counties.
#[derive(Debug, Clone)]
pub struct UserWithCounties {
    /// The account.
    pub user: User,
    /// Its county codes, sorted.
    pub county_codes: Vec<String>,
}

/// Whether any account exists (the first start creates the administrator).
pub fn any(conn: &mut AnyConnection) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(users::table.select(users::id))).get_result(conn)
}

/// Inserts an account and its counties.
pub fn insert(
    conn: &mut AnyConnection,
    user: &NewUser<'_>,
    counties: &[String],
) -> QueryResult<()> {
    diesel::insert_into(users::table)
        .values(user)
        .execute(conn)?;
    set_counties(conn, user.id, counties)
}

/// Replaces the counties of an account.
pub fn set_counties(
    conn: &mut AnyConnection,
    user_id: &str,
    counties: &[String],
) -> QueryResult<()> {
    diesel::delete(user_counties::table.filter(user_counties::user_id.eq(user_id)))
        .execute(conn)?;
    // One insert per row: the multi-backend compiles no multi-row insert, and an account has
    // at most 13 counties.
    for code in counties {
        diesel::insert_into(user_counties::table)
            .values((
                user_counties::user_id.eq(user_id),
                user_counties::county_code.eq(code),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// One account by id, with its counties in the same query: every request loads its caller so.
pub fn find(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<UserWithCounties>> {
    let rows: Vec<(User, Option<String>)> = users::table
        .left_join(user_counties::table)
        .filter(users::id.eq(id))
        .order(user_counties::county_code)
        .select((User::as_select(), user_counties::county_code.nullable()))
        .load(conn)?;
    let mut rows = rows.into_iter();
    let Some((user, first)) = rows.next() else {
        return Ok(None);
    };
    let county_codes = first
        .into_iter()
        .chain(rows.filter_map(|(_, code)| code))
        .collect();
    Ok(Some(UserWithCounties { user, county_codes }))
}

/// One account by username.
pub fn find_by_username(conn: &mut AnyConnection, username: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::username.eq(username))
        .select(User::as_select())
        .first(conn)
        .optional()
}

/// Up to `limit` accounts in username order after `after`, changed at or after `since`.
pub fn list(
    conn: &mut AnyConnection,
    after: Option<&str>,
    since: Option<NaiveDateTime>,
    limit: i64,
) -> QueryResult<Vec<UserWithCounties>> {
    let mut query = users::table
        .select(User::as_select())
        .order(users::username)
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(users::username.gt(after.to_owned()));
    }
    if let Some(since) = since {
        query = query.filter(users::updated_at.ge(since));
    }
    let rows = query.load(conn)?;
    with_counties(conn, rows)
}

fn with_counties(conn: &mut AnyConnection, rows: Vec<User>) -> QueryResult<Vec<UserWithCounties>> {
    let ids: Vec<&str> = rows.iter().map(|u| u.id.as_str()).collect();
    let pairs: Vec<(String, String)> = user_counties::table
        .filter(user_counties::user_id.eq_any(ids))
        .order((user_counties::user_id, user_counties::county_code))
        .load(conn)?;
    let mut by_user: HashMap<String, Vec<String>> = HashMap::new();
    for (user_id, code) in pairs {
        by_user.entry(user_id).or_default().push(code);
    }
    Ok(rows
        .into_iter()
        .map(|user| {
            let county_codes = by_user.remove(&user.id).unwrap_or_default();
            UserWithCounties { user, county_codes }
        })
        .collect())
}

/// Applies `changes` if the account is still at `version`; returns whether it was.
pub fn update(
    conn: &mut AnyConnection,
    id: &str,
    version: i32,
    changes: &UserChanges,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let target = users::table.filter(users::id.eq(id).and(users::version.eq(version)));
    // An empty changeset is an error in diesel; the version and time always change.
    let updated = diesel::update(target)
        .set((users::version.eq(version + 1), users::updated_at.eq(at)))
        .execute(conn)?;
    if updated == 1
        && (changes.display_name.is_some()
            || changes.role.is_some()
            || changes.employer_id.is_some()
            || changes.active.is_some()
            || changes.password_hash.is_some())
    {
        diesel::update(users::table.find(id))
            .set(changes)
            .execute(conn)?;
    }
    Ok(updated == 1)
}

/// Holds the account's row to the end of the transaction (PostgreSQL; SQLite's writers queue
/// already): shared by what issues its tokens (a sign-in, an exchange), exclusive by what
/// revokes them. So a revocation waits for an exchange under way and then sees the token it
/// made, and an exchange that comes after waits for the revocation and then sees it.
pub fn hold(conn: &mut AnyConnection, id: &str, exclusive: bool) -> QueryResult<()> {
    if let AnyConnection::Postgresql(c) = conn {
        let query = users::table
            .filter(users::id.eq(id.to_owned()))
            .select(users::id);
        if exclusive {
            query.for_update().load::<String>(c)?;
        } else {
            query.for_share().load::<String>(c)?;
        }
    }
    Ok(())
}
