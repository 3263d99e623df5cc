//! Sessions: the sign-in attempt and its throttle, a session's start, the exchange of a
//! refresh token (spent once; a spent one back revokes its family) and sign-out. Each runs in
//! its own transaction: on SQLite its first statement is a write, so concurrent attempts queue
//! on the write lock; on PostgreSQL what issues an account's tokens holds its row shared and
//! what revokes them holds it alone, so a revocation and an exchange never overlap.

use chrono::TimeDelta;
use diesel::Connection;
use uuid::Uuid;

use crate::access::{Caller, Role};
use crate::auth::{self, REFRESH_TOKEN_DAYS};
use crate::db::users::UserWithCounties;
use crate::db::{self, AnyConnection, audit::Event};
use crate::error::AppError;

/// Failed sign-ins allowed for one username within [`THROTTLE_WINDOW_MINUTES`].
pub const MAX_FAILED_SIGN_INS: usize = 5;
/// The throttling window.
pub const THROTTLE_WINDOW_MINUTES: i64 = 15;

/// Records a sign-in attempt as a failure and returns the account, unless the username has
/// failed more than [`MAX_FAILED_SIGN_INS`] times within the window (429). The attempts of one
/// username are serialised by a write to its throttle row, so concurrent guesses are counted
/// one after another and cannot slip past the limit together.
pub fn begin_attempt(
    conn: &mut AnyConnection,
    username: &str,
) -> Result<Option<db::users::User>, AppError> {
    let now = db::now();
    let window = TimeDelta::minutes(THROTTLE_WINDOW_MINUTES);
    conn.transaction(|c| {
        db::tokens::touch_throttle(c, username, now)?;
        let earlier = db::tokens::recent_failures(c, username, now - window)?;
        if earlier.len() >= MAX_FAILED_SIGN_INS {
            let oldest_that_counts = earlier[earlier.len() - MAX_FAILED_SIGN_INS];
            let wait = (oldest_that_counts + window - now).num_seconds().max(1);
            return Err(AppError::TooManyRequests(wait.unsigned_abs()));
        }
        db::tokens::record_failure(c, username, now)?;
        Ok(db::users::find_by_username(c, username)?)
    })
}

fn store_refresh_token(
    conn: &mut AnyConnection,
    token: &str,
    family: &str,
    user_id: &str,
    now: chrono::NaiveDateTime,
) -> diesel::QueryResult<()> {
    let expires = now + TimeDelta::days(REFRESH_TOKEN_DAYS);
    db::tokens::insert(
        conn,
        &auth::token_digest(token),
        family,
        user_id,
        now,
        expires,
    )
}

/// What became of a refresh token presented for exchange.
pub enum Exchange {
    /// A new refresh token for the account.
    Renewed {
        user_id: String,
        role: Role,
        token: String,
    },
    /// Not a live token.
    Refused,
    /// A spent token came back: someone holds a copy. The whole family is revoked.
    Reused,
    /// A spent token came back while the account was held shared: run again holding it alone,
    /// so that the revocation sees every token of the family (nothing was written).
    HoldAlone,
}

/// Exchanges refresh `token` for a new one, in one transaction. The account is held (shared)
/// first: a revocation of the user or the family (a password reset, a deactivation, a sign-out,
/// a reuse) holds it alone, so the two never overlap, and after a revocation returns no token
/// of what it revoked works.
pub fn exchange(
    conn: &mut AnyConnection,
    token: &str,
    request_id: Uuid,
) -> Result<Exchange, AppError> {
    let mut alone = false;
    loop {
        match conn.transaction(|c| exchange_in(c, token, request_id, alone))? {
            Exchange::HoldAlone if !alone => alone = true,
            Exchange::HoldAlone => return Ok(Exchange::Refused),
            done => return Ok(done),
        }
    }
}

fn exchange_in(
    conn: &mut AnyConnection,
    token: &str,
    request_id: Uuid,
    alone: bool,
) -> diesel::QueryResult<Exchange> {
    let now = db::now();
    let digest = auth::token_digest(token);
    if matches!(conn, AnyConnection::Postgresql(_))
        && let Some(row) = db::tokens::find(conn, &digest)?
    {
        // A spent token is a reuse: its family is to be revoked, which needs the account alone.
        db::users::hold(conn, &row.user_id, alone || row.spent_at.is_some())?;
    }
    // Spend: on SQLite the first statement, a write, takes the write lock at once; on
    // PostgreSQL the row lock makes a concurrent exchange of the same token wait, then find it
    // spent. Either way exactly one exchange wins.
    let spent_now = db::tokens::spend(conn, &digest, now)?;
    let Some(row) = db::tokens::find(conn, &digest)? else {
        return Ok(Exchange::Refused);
    };
    if row.revoked_at.is_some() || row.expires_at <= now {
        return Ok(Exchange::Refused);
    }
    if !spent_now {
        // A spent token came back: someone holds a copy of it.
        db::tokens::revoke_family(conn, &row.family_id, now)?;
        db::audit::record(
            conn,
            Event {
                actor_id: Some(&row.user_id),
                action: "refresh_token_reused",
                entity: "session",
                entity_id: Some(&row.family_id),
                county_code: None,
                request_id: Some(request_id),
            },
        )?;
        return Ok(Exchange::Reused);
    }
    let user = db::users::find(conn, &row.user_id)?.filter(|u| u.user.active);
    let Some(role) = user.and_then(|u| Role::parse(&u.user.role)) else {
        return Ok(Exchange::Refused);
    };
    let new_token = auth::new_refresh_token();
    store_refresh_token(conn, &new_token, &row.family_id, &row.user_id, now)?;
    db::audit::record(
        conn,
        Event {
            actor_id: Some(&row.user_id),
            action: "refresh",
            entity: "session",
            entity_id: Some(&row.family_id),
            county_code: None,
            request_id: Some(request_id),
        },
    )?;
    Ok(Exchange::Renewed {
        user_id: row.user_id,
        role,
        token: new_token,
    })
}

/// Records a failed sign-in (no account is named: the name may not exist).
pub fn failed(conn: &mut AnyConnection, request_id: Uuid) -> Result<(), AppError> {
    Ok(db::audit::record(
        conn,
        Event {
            actor_id: None,
            action: "sign_in_failed",
            entity: "session",
            entity_id: None,
            county_code: None,
            request_id: Some(request_id),
        },
    )?)
}

/// Starts a session of `user_id`, who signed in as `username`: clears the name's failures and
/// answers a new refresh token (a new family).
pub fn start(
    conn: &mut AnyConnection,
    username: &str,
    user_id: &str,
    request_id: Uuid,
) -> Result<String, AppError> {
    let now = db::now();
    let window = TimeDelta::minutes(THROTTLE_WINDOW_MINUTES);
    let token = auth::new_refresh_token();
    conn.transaction(|c| {
        db::tokens::clear_failures(c, username, now - window)?;
        // A revocation of the account under way (a password reset) sees this session, or this
        // one waits for it.
        db::users::hold(c, user_id, false)?;
        let family = Uuid::new_v4().to_string();
        store_refresh_token(c, &token, &family, user_id, now)?;
        db::audit::record(
            c,
            Event {
                actor_id: Some(user_id),
                action: "sign_in",
                entity: "session",
                entity_id: Some(&family),
                county_code: None,
                request_id: Some(request_id),
            },
        )
    })?;
    Ok(token)
}

/// Ends the session of refresh `token`, when it is the caller's own (else nothing happens).
pub fn end(conn: &mut AnyConnection, caller: &Caller, token: &str) -> Result<(), AppError> {
    let row = db::tokens::find(conn, &auth::token_digest(token))?;
    // Only the caller's own tokens: a token of someone else is left alone, silently.
    let Some(row) = row.filter(|r| r.user_id == caller.id) else {
        return Ok(());
    };
    // Writes only inside the transaction: on SQLite it then never has to upgrade a read.
    conn.transaction(|c| {
        // Alone with the account: an exchange of the family under way finishes first, and the
        // revocation then sees the token it made.
        db::users::hold(c, &caller.id, true)?;
        db::tokens::revoke_family(c, &row.family_id, db::now())?;
        db::audit::record(c, caller.event("sign_out", "session", Some(&row.family_id)))
    })?;
    Ok(())
}

/// The caller's own account.
pub fn account(conn: &mut AnyConnection, id: &str) -> Result<UserWithCounties, AppError> {
    db::users::find(conn, id)?.ok_or(AppError::NotFound)
}
