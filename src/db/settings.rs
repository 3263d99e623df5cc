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
