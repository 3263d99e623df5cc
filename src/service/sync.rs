//! Offline sync: the change feed each write records, the pull that reads it, and the push
//! that applies a device's queued operations.
//!
//! Every write's [`super::UnitOfWork`] names the records it changed; at its commit
//! [`record`] moves each record's feed rows to the end of the feed (one per scope the record
//! is in, a `leave` tombstone for a scope it has left). [`pull`] pages the feed after a
//! position, within the caller's scopes, and answers each record's state as the caller may see
//! it now. [`push`] runs a batch of operations in one transaction, each in its own savepoint,
//! through the same service functions as their endpoints.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

use diesel::Connection;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::UnitOfWork;
use crate::access::{Caller, Role};
use crate::db::{self, AnyConnection, feed};
use crate::error::AppError;

/// The kinds of record the feed carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A trainee.
    Trainee,
    /// A cohort.
    Cohort,
    /// An enrolment.
    Enrolment,
    /// A cohort's register of one day.
    AttendanceDay,
    /// An assessment.
    Assessment,
    /// A certificate.
    Certificate,
    /// A placement.
    Placement,
    /// A follow-up.
    FollowUp,
    /// A training provider, evaluation agency or employer.
    Organisation,
    /// A county's income threshold.
    IncomeThreshold,
    /// The caller's own account.
    Account,
}

impl Kind {
    /// Every kind, in the order documented.
    pub const ALL: [Kind; 11] = [
        Kind::Trainee,
        Kind::Cohort,
        Kind::Enrolment,
        Kind::AttendanceDay,
        Kind::Assessment,
        Kind::Certificate,
        Kind::Placement,
        Kind::FollowUp,
        Kind::Organisation,
        Kind::IncomeThreshold,
        Kind::Account,
    ];

    /// The kind's name in the feed and the protocol.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Trainee => "trainee",
            Kind::Cohort => "cohort",
            Kind::Enrolment => "enrolment",
            Kind::AttendanceDay => "attendance_day",
            Kind::Assessment => "assessment",
            Kind::Certificate => "certificate",
            Kind::Placement => "placement",
            Kind::FollowUp => "follow_up",
            Kind::Organisation => "organisation",
            Kind::IncomeThreshold => "income_threshold",
            Kind::Account => "account",
        }
    }

    /// The kind named `name`.
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The operation whose access rule says who may read records of this kind.
    fn read_operation(self) -> &'static str {
        match self {
            Kind::Trainee => "get_trainee",
            Kind::Cohort => "get_cohort",
            Kind::Enrolment | Kind::Assessment => "get_enrolment",
            Kind::AttendanceDay => "get_register",
            Kind::Certificate => "list_certificates",
            Kind::Placement => "get_placement",
            Kind::FollowUp => "list_follow_ups",
            Kind::Organisation => "get_provider",
            Kind::IncomeThreshold => "get_income_threshold",
            Kind::Account => "get_me",
        }
    }
}

/// The feed id of cohort `cohort_id`'s register of `day`.
pub fn attendance_day_key(cohort_id: &str, day: chrono::NaiveDate) -> String {
    format!("{cohort_id}/{day}")
}

/// A change as a unit of work keeps it: the record, and the device whose pushed operation
/// answered it (if that is all that changed it).
type Changed = (Kind, String, Option<String>);

thread_local! {
    /// The changes of units of work run inside an outer one (the operations of a push), kept
    /// for the outer one to record at its commit: the feed is written once per transaction,
    /// at its end, where its lock belongs. `None` when no unit of work is open on this thread.
    static CARRIED: RefCell<Option<Vec<Changed>>> = const { RefCell::new(None) };
}

/// Opens a unit of work on this thread: `true` for the outermost, which records the feed.
pub(super) fn open_unit() -> bool {
    CARRIED.with(|carried| {
        let mut carried = carried.borrow_mut();
        if carried.is_none() {
            *carried = Some(Vec::new());
            true
        } else {
            false
        }
    })
}

/// Closes the outermost unit of work on this thread, whatever happened in it.
pub(super) fn close_unit() {
    CARRIED.with(|carried| carried.borrow_mut().take());
}

/// Keeps a nested unit's changes for the outermost.
pub(super) fn carry(changes: Vec<(Kind, String)>) {
    CARRIED.with(|carried| {
        if let Some(carried) = carried.borrow_mut().as_mut() {
            carried.extend(changes.into_iter().map(|(k, id)| (k, id, None)));
        }
    });
}

/// How many changes are carried: a mark to go back to when a savepoint rolls back.
fn carried_mark() -> usize {
    CARRIED.with(|carried| carried.borrow().as_ref().map_or(0, Vec::len))
}

/// Forgets the changes carried since `mark` (their savepoint rolled back), or marks those of
/// record `kind`/`id` as what the operation answered `origin`.
fn settle_carried(mark: usize, outcome: Result<(Kind, &str, &str), ()>) {
    CARRIED.with(|carried| {
        let mut carried = carried.borrow_mut();
        let Some(carried) = carried.as_mut() else {
            return;
        };
        match outcome {
            Err(()) => carried.truncate(mark),
            Ok((kind, id, origin)) => {
                for entry in carried.iter_mut().skip(mark) {
                    if entry.0 == kind && entry.1 == id {
                        entry.2 = Some(origin.to_owned());
                    }
                }
            }
        }
    });
}

/// The outermost unit's changes: its own and those carried from nested ones.
pub(super) fn take_all(own: Vec<(Kind, String)>) -> Vec<Changed> {
    let mut all = CARRIED.with(|carried| {
        carried
            .borrow_mut()
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    });
    all.extend(own.into_iter().map(|(k, id)| (k, id, None)));
    all
}

/// Records `changes` in the feed, at the end of the transaction that made them, and answers
/// the last position written. A record whose scopes changed (a trainee or a cohort moved to
/// another county) takes the records whose scopes follow it along.
pub fn record(conn: &mut AnyConnection, changes: Vec<Changed>) -> Result<Option<i64>, AppError> {
    if changes.is_empty() {
        return Ok(None);
    }
    // A record keeps the pushing device as its origin only if every change to it was the
    // record an operation of that device answered.
    let mut records: BTreeMap<(Kind, String), Option<String>> = BTreeMap::new();
    let mut order = Vec::new();
    for (kind, id, origin) in changes {
        match records.get_mut(&(kind, id.clone())) {
            Some(kept) => {
                if *kept != origin {
                    *kept = None;
                }
            }
            None => {
                order.push((kind, id.clone()));
                records.insert((kind, id), origin);
            }
        }
    }
    // First what to write, read without the feed's lock (the records are the transaction's
    // own, locked by its writes); then the lock, held to the commit, and the rows: the lock is
    // held for the writes alone, so that writers queue on it as briefly as they can.
    let mut rows: Vec<feed::NewRow> = Vec::new();
    let mut queue: VecDeque<(Kind, String)> = order.into();
    let mut done = BTreeSet::new();
    while let Some((kind, id)) = queue.pop_front() {
        if !done.insert((kind, id.clone())) {
            continue;
        }
        let origin = records.get(&(kind, id.clone())).cloned().flatten();
        let now_in = feed::scopes_of(conn, kind.as_str(), &id)?;
        let had = feed::rows_of(conn, kind.as_str(), &id)?;
        for scope in &now_in {
            rows.push(feed::NewRow {
                kind: kind.as_str(),
                entity_id: id.clone(),
                scope: scope.clone(),
                action: "put",
                origin: origin.clone(),
            });
        }
        let mut moved = false;
        for (scope, action) in &had {
            if now_in.contains(scope) {
                continue;
            }
            if action == "put" {
                moved = true;
                rows.push(feed::NewRow {
                    kind: kind.as_str(),
                    entity_id: id.clone(),
                    scope: scope.clone(),
                    action: if now_in.is_empty() { "delete" } else { "leave" },
                    origin: None,
                });
            }
        }
        let had_any = had.iter().any(|(_, action)| action == "put");
        moved |= had_any && now_in.iter().any(|s| !had.iter().any(|(h, _)| h == s));
        // A placement's record shows its trainee's name and numbers and its employer's name:
        // it changes with them. A move takes every record that follows the county along.
        let followers = match kind {
            Kind::Trainee if moved => feed::of_trainee(conn, &id)?,
            Kind::Trainee if had_any => feed::placements_of_trainee(conn, &id)?,
            Kind::Cohort if moved => feed::of_cohort(conn, &id)?,
            Kind::Organisation if had_any => feed::placements_of_employer(conn, &id)?,
            _ => Vec::new(),
        };
        for (kind, id) in followers {
            if let Some(kind) = Kind::parse(kind) {
                queue.push_back((kind, id));
            }
        }
    }
    feed::lock(conn)?;
    feed::write(conn, &rows, db::now())?;
    Ok(Some(feed::head(conn)?))
}

/// The scopes `caller` reads the feed in.
pub fn scopes(caller: &Caller) -> Vec<String> {
    let mut scopes = match caller.role {
        Role::Admin => crate::domain::COUNTY_CODES
            .iter()
            .map(|c| (*c).to_owned())
            .collect(),
        Role::Manager | Role::FieldStaff => caller.county_codes.clone(),
        Role::Employer => caller
            .employer_id
            .iter()
            .map(|e| feed::employer_scope(e))
            .collect(),
    };
    if caller.role != Role::Employer {
        scopes.push(feed::EVERY_STAFF.to_owned());
    }
    scopes.push(feed::user_scope(&caller.id));
    scopes.sort();
    scopes
}

/// The kinds `caller` may read.
pub fn kinds(caller: &Caller) -> Vec<Kind> {
    Kind::ALL
        .into_iter()
        .filter(|k| caller.may(k.read_operation()).is_ok())
        .filter(|k| caller.role != Role::Employer || matches!(k, Kind::Placement | Kind::Account))
        .collect()
}

/// A digest of what `caller` may read: a cursor issued under another answers 410.
pub fn scope_digest(caller: &Caller) -> String {
    let mut hasher = Sha256::new();
    hasher.update(caller.id.as_bytes());
    hasher.update(caller.role.as_str().as_bytes());
    for scope in scopes(caller) {
        hasher.update(b"\0");
        hasher.update(scope.as_bytes());
    }
    let digest = hasher.finalize();
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// Where a reader of the feed is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// The last position read.
    pub after: i64,
    /// The feed's head when the reader started from nothing: tombstones up to it are of
    /// records the reader never had, and are skipped.
    pub snapshot_until: i64,
}

/// What happened to a record, as a reader sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The record as it is now.
    Put,
    /// The record is gone.
    Delete,
    /// The record is no longer the reader's to see (it left the reader's scope).
    Revoke,
}

/// One change read from the feed.
#[derive(Debug, Clone)]
pub struct Change {
    /// The kind of record.
    pub kind: Kind,
    /// The record's feed id.
    pub id: String,
    /// What happened.
    pub action: Action,
    /// The record as the reader may see it, for `Put`.
    pub record: Option<Value>,
}

/// One page of the feed.
#[derive(Debug, Clone)]
pub struct Pulled {
    /// The changes, in commit order, one per record.
    pub changes: Vec<Change>,
    /// Where to read on from.
    pub next: Position,
    /// Whether more changes follow already.
    pub has_more: bool,
}

/// Reads a record of `kind` as `caller` may see it: `None` when it is not theirs to see.
pub type Load<'a> =
    dyn FnMut(&mut AnyConnection, Kind, &str) -> Result<Option<Value>, AppError> + 'a;

/// Up to `limit` changes after `from` (a snapshot of everything in scope when `None`), in
/// commit order, skipping the records `device` pushed itself. All is read in one transaction,
/// so the records answered are those of the positions read.
pub fn pull(
    conn: &mut AnyConnection,
    caller: &Caller,
    from: Option<Position>,
    device: Option<&str>,
    limit: i64,
    load: &mut Load<'_>,
) -> Result<Pulled, AppError> {
    let scopes = scopes(caller);
    let kinds = kinds(caller);
    let kind_names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    let origin = device.map(|d| origin_of(caller, d));
    conn.transaction(|c| {
        read_consistently(c)?;
        let from = match from {
            Some(from) => {
                let horizon = feed::horizon(c)?;
                if from.after < horizon && from.snapshot_until < horizon {
                    return Err(AppError::Gone(
                        "The cursor is older than the changes kept; start again without one".into(),
                    ));
                }
                from
            }
            None => Position {
                after: 0,
                snapshot_until: feed::head(c)?,
            },
        };
        let mut rows = feed::page(c, from.after, &scopes, &kind_names, limit + 1)?;
        let has_more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let last = rows.last().map_or(from.after, |r| r.position);
        // One change per record: the latest of the page.
        let mut latest: BTreeMap<(String, String), i64> = BTreeMap::new();
        for row in &rows {
            latest.insert((row.kind.clone(), row.entity_id.clone()), row.position);
        }
        let mut changes = Vec::new();
        for row in rows {
            if latest.get(&(row.kind.clone(), row.entity_id.clone())) != Some(&row.position) {
                continue;
            }
            let in_snapshot = row.position <= from.snapshot_until;
            // The device holds what its pushes answered, unless it is starting again.
            if !in_snapshot && origin.is_some() && row.origin == origin {
                continue;
            }
            let Some(kind) = Kind::parse(&row.kind) else {
                continue;
            };
            let change = if row.action == "delete" {
                Change {
                    kind,
                    id: row.entity_id,
                    action: Action::Delete,
                    record: None,
                }
            } else {
                match load(c, kind, &row.entity_id)? {
                    Some(record) => Change {
                        kind,
                        id: row.entity_id,
                        action: Action::Put,
                        record: Some(record),
                    },
                    None => Change {
                        kind,
                        id: row.entity_id,
                        action: Action::Revoke,
                        record: None,
                    },
                }
            };
            // A reader starting from nothing never had what left before it started.
            if in_snapshot && change.action != Action::Put {
                continue;
            }
            changes.push(change);
        }
        Ok(Pulled {
            changes,
            next: Position {
                after: last,
                snapshot_until: from.snapshot_until,
            },
            has_more,
        })
    })
}

/// On PostgreSQL, one snapshot for the whole read (SQLite's read transaction is one).
fn read_consistently(conn: &mut AnyConnection) -> Result<(), AppError> {
    if let AnyConnection::Postgresql(c) = conn {
        use diesel::RunQueryDsl;
        diesel::sql_query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(c)?;
    }
    Ok(())
}

/// The origin a device's pushed records carry.
fn origin_of(caller: &Caller, device: &str) -> String {
    format!("{}/{device}", caller.id)
}

/// One pushed operation.
#[derive(Debug, Clone)]
pub struct Op {
    /// The device's id for the operation.
    pub op_id: String,
    /// The kind of record.
    pub kind: String,
    /// What to do.
    pub action: String,
    /// The record's id.
    pub id: String,
    /// The version the change is based on, for updates.
    pub base_version: Option<i32>,
    /// The body its endpoint takes.
    pub body: Value,
}

/// What an operation answered: its status, and the record or the problem as JSON.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The HTTP status its endpoint would answer.
    pub status: u16,
    /// `{"record": …}`, or `{"problem": …}` (and `record` for a stale version).
    pub body: Value,
    /// The record the operation answered, when it succeeded: `(kind, feed id)`.
    pub record: Option<(Kind, String)>,
}

/// Applies one operation on the connection given, through the same service function as its
/// endpoint: its answer (a 4xx too), or an error for a fault (5xx) that fails the whole push.
pub type Apply<'a> = dyn FnMut(&mut AnyConnection, &Op) -> Result<Answer, AppError> + 'a;

/// A push's answers, in the order of its operations, and the feed position that includes it.
#[derive(Debug, Clone)]
pub struct Pushed {
    /// One answer per operation, and whether it was stored before (a replay).
    pub answers: Vec<(Answer, bool)>,
    /// The last feed position the push wrote (or the head when it wrote nothing).
    pub position: i64,
}

/// Runs `ops` from `device`, in order. `object` mode (`atomic` false): each operation in its
/// own transaction, so that a push holds no lock longer than one operation does (a long
/// transaction would hold the county's report counts for its whole length, and queue every
/// other writer of the county behind it); a fault (5xx) stops the push there, and the retry
/// answers the operations applied already as stored. `atomic`: all in one transaction, each in
/// a savepoint; the first refused operation rolls all back (the others answer 424). An
/// operation stored before for this account and device answers as it did and runs no more.
pub fn push(
    conn: &mut AnyConnection,
    caller: &Caller,
    device: &str,
    atomic: bool,
    ops: &[Op],
    apply: &mut Apply<'_>,
) -> Result<Pushed, AppError> {
    let mut batch = Batch {
        caller,
        device,
        origin: origin_of(caller, device),
        atomic,
        answers: Vec::with_capacity(ops.len()),
        refused: false,
        raced: false,
    };
    let mut position = None;
    if atomic {
        let result = UnitOfWork::run(conn, |outer| batch.run(outer, ops, apply));
        match result {
            Ok(written) => position = written,
            Err(_) if batch.refused => {
                // Nothing was applied: the refused operation's answer stands; the others that
                // ran were rolled back with it, and those after it never ran.
                let failed = batch.answers.len() - 1;
                for (answer, replay) in batch.answers.iter_mut().take(failed) {
                    if !*replay {
                        *answer = not_applied();
                    }
                }
                while batch.answers.len() < ops.len() {
                    batch.answers.push((not_applied(), false));
                }
            }
            Err(error) => return Err(error),
        }
    } else {
        for op in ops {
            let before = batch.answers.len();
            match UnitOfWork::run(conn, |outer| {
                batch.run(outer, std::slice::from_ref(op), apply)
            }) {
                Ok(written) => position = position.max(written),
                // The same push sent at once stored this operation first: its answer is this
                // one's, and what this one did is rolled back.
                Err(_) if batch.raced => {
                    batch.raced = false;
                    batch.answers.truncate(before);
                    let stored = feed::stored_op(conn, &caller.id, device, &op.op_id)?
                        .ok_or_else(|| AppError::unavailable("the same push is being applied"))?;
                    batch.answers.push((replayed(stored)?, true));
                }
                Err(error) => return Err(error),
            }
        }
    }
    let position = match position {
        Some(position) => position,
        None => feed::head(conn)?,
    };
    Ok(Pushed {
        answers: batch.answers,
        position,
    })
}

/// A push as it runs: who sends it, and the answers so far.
struct Batch<'a> {
    caller: &'a Caller,
    device: &'a str,
    origin: String,
    atomic: bool,
    answers: Vec<(Answer, bool)>,
    refused: bool,
    /// Another request stored an answer of this device first (the same push sent twice at once).
    raced: bool,
}

impl Batch<'_> {
    /// Runs `ops` in the transaction of `outer`, each in a savepoint, and answers the last feed
    /// position they wrote.
    fn run(
        &mut self,
        outer: &mut UnitOfWork<'_>,
        ops: &[Op],
        apply: &mut Apply<'_>,
    ) -> Result<Option<i64>, AppError> {
        let (caller, device) = (self.caller, self.device);
        feed::take_write_lock(outer)?;
        let first = self.answers.len();
        for op in ops {
            if let Some(stored) = feed::stored_op(outer, &caller.id, device, &op.op_id)? {
                self.answers.push((replayed(stored)?, true));
                continue;
            }
            let mark = carried_mark();
            let mut refusal = None;
            let applied = outer.attempt(|c| {
                let answer = apply(c, op)?;
                if answer.status >= 400 {
                    // Rolls the operation's savepoint back; its answer is kept.
                    refusal = Some(answer);
                    return Err(AppError::conflict("refused"));
                }
                Ok(answer)
            });
            let answer = match (applied, refusal) {
                (Ok(answer), _) => answer,
                (Err(_), Some(answer)) => {
                    settle_carried(mark, Err(()));
                    answer
                }
                (Err(error), None) => {
                    settle_carried(mark, Err(()));
                    return Err(error);
                }
            };
            if answer.status >= 400 && self.atomic {
                self.refused = true;
                self.answers.push((answer, false));
                return Err(AppError::conflict(
                    "an operation of an atomic push was refused",
                ));
            }
            if let Some((kind, id)) = &answer.record {
                settle_carried(mark, Ok((*kind, id, &self.origin)));
            }
            self.answers.push((answer, false));
        }
        for ((answer, replay), op) in self.answers[first..].iter().zip(ops) {
            if !replay {
                // The same push sent twice at once: the first one stored it. An operation alone
                // then answers as stored (see `push`); an atomic push is told to send again,
                // and will then answer the stored answers.
                let stored = stored_answer(answer);
                let kept = outer.attempt(|c| {
                    Ok(feed::store_op(
                        c,
                        &caller.id,
                        device,
                        &op.op_id,
                        &stored,
                        db::now(),
                    )?)
                });
                if kept.is_err() {
                    self.raced = !self.atomic;
                    return Err(AppError::unavailable("the same push is being applied"));
                }
            }
        }
        let own = std::mem::take(&mut outer.changed);
        record(outer, take_all(own))
    }
}

fn stored_answer(answer: &Answer) -> feed::StoredOp {
    feed::StoredOp {
        status: i32::from(answer.status),
        result: answer.body.to_string(),
    }
}

/// The answer of an operation of an atomic push that was rolled back with the others.
fn not_applied() -> Answer {
    Answer {
        status: 424,
        body: serde_json::json!({"problem": {
            "type": "/problems/not-applied",
            "title": "Not applied",
            "status": 424,
            "detail": "Another operation of this atomic push was refused, so none was applied.",
        }}),
        record: None,
    }
}

/// An answer stored before.
fn replayed(stored: feed::StoredOp) -> Result<Answer, AppError> {
    let body = serde_json::from_str(&stored.result).map_err(AppError::internal)?;
    Ok(Answer {
        status: u16::try_from(stored.status).map_err(AppError::internal)?,
        body,
        record: None,
    })
}

/// Prunes the feed's tombstones older than `before`: a cursor from before them answers 410.
pub fn prune(conn: &mut AnyConnection, before: chrono::NaiveDateTime) -> Result<usize, AppError> {
    Ok(conn.transaction(|c| {
        // In turn with the writers of the feed, as one of them.
        feed::take_write_lock(c)?;
        feed::lock(c)?;
        feed::prune(c, before)
    })?)
}
