//! `Idempotency-Key`s of action requests, stored in the transaction of the action they keyed.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::AnyConnection;
use super::schema::idempotency_keys;

/// One stored key.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = idempotency_keys)]
pub struct StoredKey {
    /// Who sent it: keys are per account.
    pub actor_id: String,
    /// The key as sent.
    pub key: String,
    /// Method and path of the request.
    pub operation: String,
    /// SHA-256 of the request body.
    pub request_digest: String,
    /// The resource the action changed.
    pub resource_id: String,
    /// When first used.
    pub created_at: NaiveDateTime,
}

/// The stored use of `key` by `actor_id`, if any.
pub fn find(conn: &mut AnyConnection, actor_id: &str, key: &str) -> QueryResult<Option<StoredKey>> {
    idempotency_keys::table
        .find((actor_id, key))
        .select(StoredKey::as_select())
        .first(conn)
        .optional()
}

/// Stores a key; a concurrent use of the same key fails on the primary key.
pub fn insert(conn: &mut AnyConnection, key: &StoredKey) -> QueryResult<()> {
    diesel::insert_into(idempotency_keys::table)
        .values(key)
        .execute(conn)
        .map(drop)
}
