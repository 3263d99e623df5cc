//! Refresh tokens (stored as digests, rotated on use) and failed sign-ins.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::AnyConnection;
use super::schema::{login_failures, login_throttles, refresh_tokens};

/// One refresh token row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshToken {
    /// Row id.
    pub id: String,
    /// SHA-256 of the token, hex.
    pub token_hash: String,
    /// The sign-in this token descends from.
    pub family_id: String,
    /// Whose.
    pub user_id: String,
    /// When issued.
    pub created_at: NaiveDateTime,
    /// When it stops working.
    pub expires_at: NaiveDateTime,
    /// When it was exchanged for a new one; a second use revokes the family.
    pub spent_at: Option<NaiveDateTime>,
    /// When its family was revoked.
    pub revoked_at: Option<NaiveDateTime>,
}

/// Stores a new token of `family_id`.
pub fn insert(
    conn: &mut AnyConnection,
    token_hash: &str,
    family_id: &str,
    user_id: &str,
    created_at: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::id.eq(Uuid::new_v4().to_string()),
            refresh_tokens::token_hash.eq(token_hash),
            refresh_tokens::family_id.eq(family_id),
            refresh_tokens::user_id.eq(user_id),
            refresh_tokens::created_at.eq(created_at),
            refresh_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(drop)
}

/// The token with this digest.
pub fn find(conn: &mut AnyConnection, token_hash: &str) -> QueryResult<Option<RefreshToken>> {
    refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select(RefreshToken::as_select())
        .first(conn)
        .optional()
}

/// Marks the token with this digest spent, if nobody spent it before; returns whether this
/// call did.
pub fn spend(conn: &mut AnyConnection, token_hash: &str, at: NaiveDateTime) -> QueryResult<bool> {
    let updated = diesel::update(
        refresh_tokens::table.filter(
            refresh_tokens::token_hash
                .eq(token_hash)
                .and(refresh_tokens::spent_at.is_null()),
        ),
    )
    .set(refresh_tokens::spent_at.eq(at))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Revokes every token of a family.
pub fn revoke_family(
    conn: &mut AnyConnection,
    family_id: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(
        refresh_tokens::table.filter(
            refresh_tokens::family_id
                .eq(family_id)
                .and(refresh_tokens::revoked_at.is_null()),
        ),
    )
    .set(refresh_tokens::revoked_at.eq(at))
    .execute(conn)
    .map(drop)
}

/// Revokes every token of a user (when the account is deactivated).
pub fn revoke_user(conn: &mut AnyConnection, user_id: &str, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(
        refresh_tokens::table.filter(
            refresh_tokens::user_id
                .eq(user_id)
                .and(refresh_tokens::revoked_at.is_null()),
        ),
    )
    .set(refresh_tokens::revoked_at.eq(at))
    .execute(conn)
    .map(drop)
}

/// Writes the throttle row of `username` (creating it), which holds the write lock for the rest
/// of the transaction so that attempts of one username are counted one at a time.
pub fn touch_throttle(
    conn: &mut AnyConnection,
    username: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    let row = (
        login_throttles::username.eq(username),
        login_throttles::touched_at.eq(at),
    );
    crate::with_conn!(conn, |c| diesel::insert_into(login_throttles::table)
        .values(row)
        .on_conflict(login_throttles::username)
        .do_update()
        .set(login_throttles::touched_at.eq(at))
        .execute(c))
    .map(drop)
}

/// Records a failed sign-in for `username`.
pub fn record_failure(
    conn: &mut AnyConnection,
    username: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(login_failures::table)
        .values((
            login_failures::id.eq(Uuid::new_v4().to_string()),
            login_failures::username.eq(username),
            login_failures::failed_at.eq(at),
        ))
        .execute(conn)
        .map(drop)
}

/// The times of failed sign-ins for `username` since `since`, oldest first.
pub fn recent_failures(
    conn: &mut AnyConnection,
    username: &str,
    since: NaiveDateTime,
) -> QueryResult<Vec<NaiveDateTime>> {
    login_failures::table
        .filter(
            login_failures::username
                .eq(username)
                .and(login_failures::failed_at.ge(since)),
        )
        .order(login_failures::failed_at)
        .select(login_failures::failed_at)
        .load(conn)
}

/// Forgets the failures of `username` (after a successful sign-in) and any older than `before`.
pub fn clear_failures(
    conn: &mut AnyConnection,
    username: &str,
    before: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(
        login_failures::table.filter(
            login_failures::username
                .eq(username)
                .or(login_failures::failed_at.lt(before)),
        ),
    )
    .execute(conn)
    .map(drop)
}
