//! The audit trail: one row per write, in the write's own transaction.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::schema::audit_log;
use super::{AnyConnection, now};

/// One audit row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    /// Row id.
    pub id: String,
    /// The user who acted; none for a failed sign-in.
    pub actor_id: Option<String>,
    /// What was done: `create`, `update`, `sign_in`, `sign_in_failed`, …
    pub action: String,
    /// The kind of record: `user`, `employer`, `session`, …
    pub entity: String,
    /// The record's id.
    pub entity_id: Option<String>,
    /// The county of the record, for records that belong to one.
    pub county_code: Option<String>,
    /// When (UTC).
    pub at: NaiveDateTime,
    /// The request that did it.
    pub request_id: Option<String>,
}

/// What is written: ids and names only, never personal data.
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    /// The acting user.
    pub actor_id: Option<&'a str>,
    /// What was done.
    pub action: &'a str,
    /// The kind of record.
    pub entity: &'a str,
    /// The record's id.
    pub entity_id: Option<&'a str>,
    /// The county of the record, so county managers see what happens in their counties.
    pub county_code: Option<&'a str>,
    /// The request's id.
    pub request_id: Option<Uuid>,
}

/// Appends one row. Call it inside the transaction of the write it records.
pub fn record(conn: &mut AnyConnection, event: Event<'_>) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::id.eq(Uuid::new_v4().to_string()),
            audit_log::actor_id.eq(event.actor_id),
            audit_log::action.eq(event.action),
            audit_log::entity.eq(event.entity),
            audit_log::entity_id.eq(event.entity_id),
            audit_log::county_code.eq(event.county_code),
            audit_log::at.eq(now()),
            audit_log::request_id.eq(event.request_id.map(|id| id.to_string())),
        ))
        .execute(conn)
        .map(drop)
}

/// Filters of the audit list.
#[derive(Debug, Default)]
pub struct Filter {
    /// Only this kind of record.
    pub entity: Option<String>,
    /// Only this record.
    pub entity_id: Option<String>,
    /// Only this actor.
    pub actor_id: Option<String>,
    /// Only at or after this time.
    pub since: Option<NaiveDateTime>,
    /// For a county manager: only rows of these counties, or done by `own_id`.
    pub scope: Option<(Vec<String>, String)>,
}

/// Up to `limit` rows, newest first, strictly after the `(at, id)` position `before`.
pub fn list(
    conn: &mut AnyConnection,
    filter: &Filter,
    before: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<AuditEntry>> {
    let mut query = audit_log::table
        .select(AuditEntry::as_select())
        .order((audit_log::at.desc(), audit_log::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some(entity) = &filter.entity {
        query = query.filter(audit_log::entity.eq(entity.clone()));
    }
    if let Some(entity_id) = &filter.entity_id {
        query = query.filter(audit_log::entity_id.eq(entity_id.clone()));
    }
    if let Some(actor_id) = &filter.actor_id {
        query = query.filter(audit_log::actor_id.eq(actor_id.clone()));
    }
    if let Some(since) = filter.since {
        query = query.filter(audit_log::at.ge(since));
    }
    if let Some((counties, own_id)) = &filter.scope {
        query = query.filter(
            audit_log::county_code
                .eq_any(counties.clone())
                .or(audit_log::actor_id.eq(own_id.clone())),
        );
    }
    if let Some((at, id)) = before {
        query = query.filter(
            audit_log::at
                .lt(at)
                .or(audit_log::at.eq(at).and(audit_log::id.lt(id))),
        );
    }
    query.load(conn)
}
