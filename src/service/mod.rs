//! The service layer: what each operation does, below HTTP and above the tables.
//!
//! A write runs in one [`UnitOfWork`]: the service function writes through it, says which
//! trainees its change touches, and at commit the unit of work does, once, what every write
//! implies — each touched trainee locked (in id order) and its derived data refreshed: the
//! eligibility the ladder keeps ([`ladder`]) and what the trainee adds to the reports
//! ([`report_facts`]); then the records it changed enter the change feed offline sync reads
//! ([`sync`]). Nothing else refreshes derived data or writes the feed, so no write can forget
//! either.

pub mod audit;
pub mod certification;
pub mod cohorts;
pub mod enrolments;
pub mod follow_ups;
pub mod income_thresholds;
pub mod ladder;
pub mod organisations;
pub mod placements;
pub mod reference;
pub mod report_facts;
pub mod reports;
pub mod sessions;
pub mod settings;
pub mod sync;
pub mod targets;
pub mod trainees;
pub mod users;
pub mod work;

use std::collections::BTreeMap;
use std::ops::{Deref, DerefMut};

use diesel::Connection;

use crate::access::Caller;
use crate::db::{self, AnyConnection};
use crate::error::AppError;

/// 412 unless `expected` (the `If-Match` header's) allows `current`.
pub fn check_version(expected: Option<i32>, current: i32) -> Result<(), AppError> {
    match expected {
        Some(version) if version != current => Err(AppError::PreconditionFailed),
        _ => Ok(()),
    }
}

/// What a change to a trainee's records makes stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stale {
    /// The eligibility on the ladder (certificates, completions, counting work, schooling).
    Eligibility,
    /// What the trainee adds to the reports (enrolments, assessments, placements, thresholds).
    Reports,
    /// Both.
    Both,
}

impl Stale {
    fn eligibility(self) -> bool {
        matches!(self, Self::Eligibility | Self::Both)
    }

    fn reports(self) -> bool {
        matches!(self, Self::Reports | Self::Both)
    }
}

/// One write's transaction and its consequences. Writes go through it (it derefs to the
/// connection); [`UnitOfWork::touch`] names the trainees whose derived data the write changes.
pub struct UnitOfWork<'c> {
    conn: &'c mut AnyConnection,
    /// Trainee id -> (eligibility stale, reports stale).
    touched: BTreeMap<String, (bool, bool)>,
    /// The records changed, for the change feed.
    changed: Vec<(sync::Kind, String)>,
}

/// Closes this thread's outermost unit of work when it ends, however it ends.
struct Outermost;

impl Drop for Outermost {
    fn drop(&mut self) {
        sync::close_unit();
    }
}

impl<'c> UnitOfWork<'c> {
    /// Runs `work` in one transaction and, if it succeeds, the consequences of what it touched
    /// before the commit; if either fails, nothing is written.
    pub fn run<T>(
        conn: &mut AnyConnection,
        work: impl FnOnce(&mut UnitOfWork<'_>) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        // A unit run inside another (an operation of a sync push) is a savepoint of it; its
        // changes enter the feed with the outer one's, at the end of the one transaction.
        let outermost = sync::open_unit();
        // Lazily: an `Outermost` made and dropped would close the unit it is nested in.
        let _close = outermost.then(|| Outermost);
        conn.transaction(|c| {
            let mut unit = UnitOfWork {
                conn: c,
                touched: BTreeMap::new(),
                changed: Vec::new(),
            };
            let out = work(&mut unit)?;
            unit.finish(outermost)?;
            Ok(out)
        })
    }

    /// Names a record this write changed: it enters the change feed at commit.
    pub fn changed(&mut self, kind: sync::Kind, id: &str) {
        self.changed.push((kind, id.to_owned()));
    }

    /// Runs `work` in a savepoint: if it fails, what it wrote is undone and the unit goes on.
    pub fn attempt<T>(
        &mut self,
        work: impl FnOnce(&mut AnyConnection) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        self.conn.transaction(work)
    }

    /// Marks `trainee_id`'s derived data stale: refreshed once, at commit, whatever touched it.
    pub fn touch(&mut self, trainee_id: &str, stale: Stale) {
        let entry = self.touched.entry(trainee_id.to_owned()).or_default();
        entry.0 |= stale.eligibility();
        entry.1 |= stale.reports();
    }

    /// [`UnitOfWork::touch`] for many trainees.
    pub fn touch_all<'a>(
        &mut self,
        trainee_ids: impl IntoIterator<Item = &'a String>,
        stale: Stale,
    ) {
        for id in trainee_ids {
            self.touch(id, stale);
        }
    }

    /// Appends an audit row of this write.
    pub fn audit(&mut self, event: db::audit::Event<'_>) -> Result<(), AppError> {
        db::audit::record(self.conn, event)?;
        Ok(())
    }

    /// The consequences: every touched trainee locked in id order (after whatever the write
    /// holds: a placement, a county, a cohort), so that refreshes of one person queue and each
    /// reads what the last one kept; then each refreshed once.
    fn finish(self, outermost: bool) -> Result<(), AppError> {
        let UnitOfWork {
            conn,
            touched,
            changed,
        } = self;
        for id in touched.keys() {
            db::trainees::lock(conn, id)?;
        }
        for (id, _) in touched.iter().filter(|(_, (eligibility, _))| *eligibility) {
            ladder::refresh(conn, id)?;
        }
        let reports: Vec<String> = touched
            .into_iter()
            .filter(|(_, (_, reports))| *reports)
            .map(|(id, _)| id)
            .collect();
        if !reports.is_empty() {
            // Counted by the settings in the database, whatever this instance last read.
            let rules = settings::load_for_counting(conn)?;
            report_facts::refresh(conn, &reports, &rules)?;
        }
        // Last: the feed's lock is held from here to the commit.
        if outermost {
            sync::record(conn, sync::take_all(changed))?;
        } else {
            sync::carry(changed);
        }
        Ok(())
    }
}

/// An action's `Idempotency-Key`: the key, the operation it was sent to, and a digest of the
/// request, to tell a retry from another request under the same key.
#[derive(Debug, Clone)]
pub struct Idempotency {
    /// The client's key.
    pub key: String,
    /// `METHOD path` of the action.
    pub operation: String,
    /// A digest of the operation and its body.
    pub digest: String,
}

/// What a key seen before says: `Some(resource id)` for a retry of the same request (answer the
/// resource as it is now), 409 for a different request under the same key, `None` for a new
/// key.
fn replayed_key(
    conn: &mut AnyConnection,
    caller: &Caller,
    key: &Idempotency,
) -> Result<Option<String>, AppError> {
    match db::idempotency::find(conn, &caller.id, &key.key)? {
        None => Ok(None),
        Some(stored)
            if stored.operation == key.operation && stored.request_digest == key.digest =>
        {
            Ok(Some(stored.resource_id))
        }
        Some(_) => Err(AppError::conflict(
            "This Idempotency-Key was used for a different request",
        )),
    }
}

/// Runs an action on `resource_id` once per `Idempotency-Key`: a retry answers the resource as
/// `reload` reads it now; otherwise `work` runs in a unit of work that also stores the key, and
/// a key stored meanwhile by the same request sent twice at once answers as a retry.
pub fn once<T>(
    conn: &mut AnyConnection,
    caller: &Caller,
    key: Option<&Idempotency>,
    resource_id: &str,
    reload: impl Fn(&mut AnyConnection, &str) -> Result<Option<T>, AppError>,
    work: impl FnOnce(&mut UnitOfWork<'_>) -> Result<T, AppError>,
) -> Result<T, AppError> {
    let replay = |conn: &mut AnyConnection| -> Result<Option<T>, AppError> {
        let Some(key) = key else { return Ok(None) };
        match replayed_key(conn, caller, key)? {
            Some(resource) => reload(conn, &resource),
            None => Ok(None),
        }
    };
    if let Some(row) = replay(conn)? {
        return Ok(row);
    }
    let result = UnitOfWork::run(conn, |c| {
        let out = work(c)?;
        if let Some(key) = key {
            db::idempotency::insert(
                c,
                &db::idempotency::StoredKey {
                    actor_id: caller.id.clone(),
                    key: key.key.clone(),
                    operation: key.operation.clone(),
                    request_digest: key.digest.clone(),
                    resource_id: resource_id.to_owned(),
                    created_at: db::now(),
                },
            )?;
        }
        Ok(out)
    });
    match result {
        // The same key sent twice at once: the first stored it; answer as a retry.
        Err(error @ AppError::Conflict { .. }) if key.is_some() => match replay(conn)? {
            Some(row) => Ok(row),
            None => Err(error),
        },
        other => other,
    }
}

impl Deref for UnitOfWork<'_> {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        self.conn
    }
}

impl DerefMut for UnitOfWork<'_> {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        self.conn
    }
}
