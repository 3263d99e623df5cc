//! The change feed offline sync reads, and what pushed operations answered.
//!
//! The feed holds one row per record and scope: the record's latest change as seen from that
//! scope (a county code, [`EVERY_STAFF`], `employer:<id>`, `user:<id>`). A write deletes the
//! row and inserts it again, so the row moves to the end and the feed never grows by more than
//! the records it names.
//!
//! **Positions follow commit order.** A reader who has read up to position P must never later
//! find a change below P, so a transaction that began first but commits last must take the
//! later position:
//! - on PostgreSQL, [`lock`] takes a transaction-level advisory lock just before the rows are
//!   written, at the very end of the write's transaction, and holds it to the commit. The
//!   positions (an identity column) are drawn under the lock, so the transaction drawing later
//!   commits later; the lock is released only after the commit is visible to every new
//!   snapshot.
//! - on SQLite one transaction writes at a time and holds its write lock to the commit; the
//!   feed is written while holding it (`AUTOINCREMENT`, so a position is never used twice).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::AnyConnection;
use super::schema::{
    assessments, attendance_registers, certificates, change_feed, cohorts, enrolments, follow_ups,
    income_thresholds, organisations, placements, sync_horizon, sync_ops, trainees, users,
};

/// The scope of records every staff role may read (organisations).
pub const EVERY_STAFF: &str = "*";

/// The scope of an employer's placements.
pub fn employer_scope(employer_id: &str) -> String {
    format!("employer:{employer_id}")
}

/// The scope of an account.
pub fn user_scope(user_id: &str) -> String {
    format!("user:{user_id}")
}

/// One row of the feed.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = change_feed)]
pub struct FeedRow {
    /// Where the change is in commit order.
    pub position: i64,
    /// The kind of record.
    pub kind: String,
    /// The record's id (`<cohort id>/<day>` for an attendance day).
    pub entity_id: String,
    /// The scope the row is for.
    pub scope: String,
    /// `put`, `leave` or `delete`.
    pub action: String,
    /// When (UTC).
    pub changed_at: NaiveDateTime,
    /// `<account>/<device>` when the change is the record a pushed operation answered.
    pub origin: Option<String>,
}

/// Holds the feed to the end of the transaction, so that positions follow commit order (see
/// the module's documentation). Call it once, after every other lock the write takes.
pub fn lock(conn: &mut AnyConnection) -> QueryResult<()> {
    if let AnyConnection::Postgresql(c) = conn {
        // An arbitrary key of this application's own: "feed" in ASCII.
        diesel::sql_query("SELECT pg_advisory_xact_lock(1717921124)").execute(c)?;
    }
    Ok(())
}

/// Takes SQLite's write lock at the start of a transaction that reads before it writes (a
/// push): a transaction that has read cannot take the lock later once another has written, so
/// it would fail instead of waiting its turn. PostgreSQL's writers need no such step.
pub fn take_write_lock(conn: &mut AnyConnection) -> QueryResult<()> {
    if let AnyConnection::Sqlite(c) = conn {
        diesel::sql_query("UPDATE sync_horizon SET pruned_through = pruned_through").execute(c)?;
    }
    Ok(())
}

/// The rows `kind`/`entity_id` has in the feed: `(scope, action)`.
pub fn rows_of(
    conn: &mut AnyConnection,
    kind: &str,
    entity_id: &str,
) -> QueryResult<Vec<(String, String)>> {
    change_feed::table
        .filter(change_feed::kind.eq(kind))
        .filter(change_feed::entity_id.eq(entity_id))
        .select((change_feed::scope, change_feed::action))
        .load(conn)
}

/// One row to write.
#[derive(Debug, Clone)]
pub struct NewRow {
    /// The kind of record.
    pub kind: &'static str,
    /// The record's id.
    pub entity_id: String,
    /// The scope.
    pub scope: String,
    /// `put`, `leave` or `delete`.
    pub action: &'static str,
    /// The pushing device, when the change is the record its operation answered.
    pub origin: Option<String>,
}

/// Writes `rows`, in their order: each record's row in its scope moves to the end of the feed.
/// The new rows go in by hundreds, one statement each.
pub fn write(conn: &mut AnyConnection, rows: &[NewRow], at: NaiveDateTime) -> QueryResult<()> {
    for row in rows {
        diesel::delete(
            change_feed::table
                .filter(change_feed::kind.eq(row.kind))
                .filter(change_feed::entity_id.eq(&row.entity_id))
                .filter(change_feed::scope.eq(&row.scope)),
        )
        .execute(conn)?;
    }
    for chunk in rows.chunks(200) {
        let values: Vec<_> = chunk
            .iter()
            .map(|row| {
                (
                    change_feed::kind.eq(row.kind),
                    change_feed::entity_id.eq(&row.entity_id),
                    change_feed::scope.eq(&row.scope),
                    change_feed::action.eq(row.action),
                    change_feed::changed_at.eq(at),
                    change_feed::origin.eq(row.origin.as_deref()),
                )
            })
            .collect();
        crate::with_conn!(conn, |c| diesel::insert_into(change_feed::table)
            .values(&values)
            .execute(c))?;
    }
    Ok(())
}

/// The latest position written, or the pruning horizon when the feed is empty.
pub fn head(conn: &mut AnyConnection) -> QueryResult<i64> {
    let last: Option<i64> = change_feed::table
        .select(diesel::dsl::max(change_feed::position))
        .first(conn)?;
    Ok(last.unwrap_or(0).max(horizon(conn)?))
}

/// The last position whose tombstones were pruned: a cursor below it cannot be continued.
pub fn horizon(conn: &mut AnyConnection) -> QueryResult<i64> {
    sync_horizon::table
        .select(sync_horizon::pruned_through)
        .first(conn)
}

/// Up to `limit` rows after `after`, in `scopes` and of `kinds`, in position order.
pub fn page(
    conn: &mut AnyConnection,
    after: i64,
    scopes: &[String],
    kinds: &[&str],
    limit: i64,
) -> QueryResult<Vec<FeedRow>> {
    change_feed::table
        .filter(change_feed::position.gt(after))
        .filter(change_feed::scope.eq_any(scopes))
        .filter(change_feed::kind.eq_any(kinds))
        .order(change_feed::position)
        .limit(limit)
        .select(FeedRow::as_select())
        .load(conn)
}

/// Prunes the tombstones (`leave`, `delete`) written before `before`, and moves the horizon
/// to the last position pruned; answers how many were pruned.
pub fn prune(conn: &mut AnyConnection, before: NaiveDateTime) -> QueryResult<usize> {
    let last: Option<i64> = change_feed::table
        .filter(change_feed::action.ne("put"))
        .filter(change_feed::changed_at.lt(before))
        .select(diesel::dsl::max(change_feed::position))
        .first(conn)?;
    let Some(last) = last else { return Ok(0) };
    let pruned = diesel::delete(
        change_feed::table
            .filter(change_feed::action.ne("put"))
            .filter(change_feed::position.le(last)),
    )
    .execute(conn)?;
    diesel::update(sync_horizon::table.filter(sync_horizon::pruned_through.lt(last)))
        .set(sync_horizon::pruned_through.eq(last))
        .execute(conn)?;
    Ok(pruned)
}

/// The scopes a record is in now: empty when it is gone.
pub fn scopes_of(conn: &mut AnyConnection, kind: &str, id: &str) -> QueryResult<Vec<String>> {
    let mut scopes: Vec<String> = match kind {
        "trainee" => trainees::table
            .find(id)
            .select(trainees::county_code)
            .load(conn)?,
        "cohort" => cohorts::table
            .find(id)
            .select(cohorts::county_code)
            .load(conn)?,
        "enrolment" => enrolments::table
            .inner_join(cohorts::table)
            .inner_join(trainees::table)
            .filter(enrolments::id.eq(id))
            .select((cohorts::county_code, trainees::county_code))
            .load::<(String, String)>(conn)?
            .into_iter()
            .flat_map(|(a, b)| [a, b])
            .collect(),
        "attendance_day" => {
            let Some((cohort, day)) = id.split_once('/') else {
                return Ok(Vec::new());
            };
            let Ok(day) = day.parse::<chrono::NaiveDate>() else {
                return Ok(Vec::new());
            };
            attendance_registers::table
                .inner_join(cohorts::table)
                .filter(attendance_registers::cohort_id.eq(cohort))
                .filter(attendance_registers::day.eq(day))
                .select(cohorts::county_code)
                .load(conn)?
        }
        "assessment" => assessments::table
            .inner_join(
                enrolments::table
                    .inner_join(cohorts::table)
                    .inner_join(trainees::table),
            )
            .filter(assessments::id.eq(id))
            .select((cohorts::county_code, trainees::county_code))
            .load::<(String, String)>(conn)?
            .into_iter()
            .flat_map(|(a, b)| [a, b])
            .collect(),
        "certificate" => certificates::table
            .inner_join(trainees::table)
            .filter(certificates::id.eq(id))
            .select(trainees::county_code)
            .load(conn)?,
        "placement" => placements::table
            .find(id)
            .select((placements::county_code, placements::employer_id))
            .load::<(String, Option<String>)>(conn)?
            .into_iter()
            .flat_map(|(county, employer)| {
                std::iter::once(county).chain(employer.map(|e| employer_scope(&e)))
            })
            .collect(),
        "follow_up" => follow_ups::table
            .inner_join(placements::table.on(placements::id.eq(follow_ups::placement_id)))
            .filter(follow_ups::id.eq(id))
            .select(placements::county_code)
            .load(conn)?,
        "organisation" => organisations::table
            .find(id)
            .select(organisations::id)
            .load::<String>(conn)?
            .into_iter()
            .map(|_| EVERY_STAFF.to_owned())
            .collect(),
        "income_threshold" => income_thresholds::table
            .find(id)
            .select(income_thresholds::county_code)
            .load(conn)?,
        "account" => users::table
            .find(id)
            .select(users::id)
            .load::<String>(conn)?
            .iter()
            .map(|u| user_scope(u))
            .collect(),
        _ => Vec::new(),
    };
    scopes.sort();
    scopes.dedup();
    Ok(scopes)
}

/// The records whose scopes follow a trainee's county: `(kind, id)`.
pub fn of_trainee(conn: &mut AnyConnection, id: &str) -> QueryResult<Vec<(&'static str, String)>> {
    let mut out = Vec::new();
    let enrolled: Vec<String> = enrolments::table
        .filter(enrolments::trainee_id.eq(id))
        .select(enrolments::id)
        .load(conn)?;
    let assessed: Vec<String> = assessments::table
        .filter(assessments::enrolment_id.eq_any(&enrolled))
        .select(assessments::id)
        .load(conn)?;
    let certified: Vec<String> = certificates::table
        .filter(certificates::trainee_id.eq(id))
        .select(certificates::id)
        .load(conn)?;
    let placed: Vec<String> = placements_of_trainee(conn, id)?
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    let followed: Vec<String> = follow_ups::table
        .filter(follow_ups::placement_id.eq_any(&placed))
        .select(follow_ups::id)
        .load(conn)?;
    out.extend(enrolled.into_iter().map(|e| ("enrolment", e)));
    out.extend(assessed.into_iter().map(|e| ("assessment", e)));
    out.extend(certified.into_iter().map(|e| ("certificate", e)));
    out.extend(placed.into_iter().map(|e| ("placement", e)));
    out.extend(followed.into_iter().map(|e| ("follow_up", e)));
    Ok(out)
}

/// The placements of trainee `id`: `(kind, id)`.
pub fn placements_of_trainee(
    conn: &mut AnyConnection,
    id: &str,
) -> QueryResult<Vec<(&'static str, String)>> {
    let placed: Vec<String> = placements::table
        .filter(placements::trainee_id.eq(id))
        .select(placements::id)
        .load(conn)?;
    Ok(placed.into_iter().map(|p| ("placement", p)).collect())
}

/// The placements with employer `id`: `(kind, id)`.
pub fn placements_of_employer(
    conn: &mut AnyConnection,
    id: &str,
) -> QueryResult<Vec<(&'static str, String)>> {
    let placed: Vec<String> = placements::table
        .filter(placements::employer_id.eq(id))
        .select(placements::id)
        .load(conn)?;
    Ok(placed.into_iter().map(|p| ("placement", p)).collect())
}

/// The records whose scopes follow a cohort's county: `(kind, id)`.
pub fn of_cohort(conn: &mut AnyConnection, id: &str) -> QueryResult<Vec<(&'static str, String)>> {
    let enrolled: Vec<String> = enrolments::table
        .filter(enrolments::cohort_id.eq(id))
        .select(enrolments::id)
        .load(conn)?;
    let assessed: Vec<String> = assessments::table
        .filter(assessments::enrolment_id.eq_any(&enrolled))
        .select(assessments::id)
        .load(conn)?;
    let days: Vec<chrono::NaiveDate> = attendance_registers::table
        .filter(attendance_registers::cohort_id.eq(id))
        .select(attendance_registers::day)
        .load(conn)?;
    let mut out: Vec<(&'static str, String)> = Vec::new();
    out.extend(enrolled.into_iter().map(|e| ("enrolment", e)));
    out.extend(assessed.into_iter().map(|e| ("assessment", e)));
    out.extend(
        days.into_iter()
            .map(|d| ("attendance_day", format!("{id}/{d}"))),
    );
    Ok(out)
}

/// What a pushed operation answered the first time.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sync_ops)]
pub struct StoredOp {
    /// The HTTP status of the operation's answer.
    pub status: i32,
    /// The answer: `{"record": …}` or `{"problem": …}`, as JSON.
    pub result: String,
}

/// The answer stored for `(actor, device, op)`, if any.
pub fn stored_op(
    conn: &mut AnyConnection,
    actor_id: &str,
    device_id: &str,
    op_id: &str,
) -> QueryResult<Option<StoredOp>> {
    sync_ops::table
        .find((actor_id, device_id, op_id))
        .select(StoredOp::as_select())
        .first(conn)
        .optional()
}

/// Stores the answer to `(actor, device, op)`; a unique violation when it is stored already.
pub fn store_op(
    conn: &mut AnyConnection,
    actor_id: &str,
    device_id: &str,
    op_id: &str,
    answer: &StoredOp,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(sync_ops::table)
        .values((
            sync_ops::actor_id.eq(actor_id),
            sync_ops::device_id.eq(device_id),
            sync_ops::op_id.eq(op_id),
            sync_ops::status.eq(answer.status),
            sync_ops::result.eq(&answer.result),
            sync_ops::created_at.eq(at),
        ))
        .execute(conn)
        .map(drop)
}
