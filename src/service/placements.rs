//! Placements (DOMAIN.md, journey step 4): reporting one, and the actions on it — the
//! employer's confirmation or dispute, and its end — each in one unit of work.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::access::Caller;
use crate::db::placements::{Placement, PlacementScope};
use crate::db::{self, AnyConnection, audit::Event};
use crate::domain::employment;
use crate::domain::placement::{
    Evidence, Lifecycle, PlacementAction, PlacementNow, Resolution, followed_up, next_state,
};
use crate::domain::today_in_china;
use crate::domain::training::EnrolmentStatus;
use crate::error::AppError;
use crate::service::sync::Kind;
use crate::service::work::employer_key;
use crate::service::{Idempotency, Stale, UnitOfWork, once};

/// What a placement response needs besides the row.
pub struct Context {
    /// Trainee id -> (name, identity number, phone).
    pub trainees: HashMap<String, (String, String, Option<String>)>,
    /// Employer id -> name.
    pub employers: HashMap<String, String>,
}

impl Context {
    /// Loads the trainees and employers of `rows`.
    pub fn load(conn: &mut AnyConnection, rows: &[Placement]) -> Result<Self, AppError> {
        let trainee_ids = rows.iter().map(|p| p.trainee_id.clone()).collect();
        let employer_ids = rows.iter().filter_map(|p| p.employer_id.clone()).collect();
        Ok(Self {
            trainees: db::placements::trainee_briefs(conn, trainee_ids)?
                .into_iter()
                .map(|(id, name, number, phone)| (id, (name, number, phone)))
                .collect(),
            employers: db::placements::employer_names(conn, employer_ids)?
                .into_iter()
                .collect(),
        })
    }
}

/// Reports `candidate` for `caller`: answers whether it was stored now (else it is the replay
/// of one stored), the placement as stored and what its answer needs.
pub fn create(
    conn: &mut AnyConnection,
    caller: &Caller,
    candidate: Placement,
) -> Result<(bool, (Placement, Context)), AppError> {
    caller.may("create_placement")?;
    let scope = caller.trainee_scope()?;
    let trainee = db::trainees::find(conn, &candidate.trainee_id, &scope)?
        .ok_or_else(|| {
            AppError::field("trainee_id", "unknown", "is not a trainee of your counties")
        })?
        .trainee;
    if let Some(stored) = replayed(conn, &candidate)? {
        let context = Context::load(conn, std::slice::from_ref(&stored))?;
        return Ok((false, (stored, context)));
    }
    not_in_future("start_date", candidate.start_date)?;
    let first_completion = db::enrolments::of_trainee(conn, &trainee.id)?
        .into_iter()
        .filter(|(e, _)| e.status == EnrolmentStatus::Completed.as_str())
        .filter_map(|(e, _)| e.completed_on)
        .min()
        .ok_or_else(|| {
            AppError::rule(
                "trainee_id",
                "not_trained",
                "has completed no cohort; a placement follows training",
            )
        })?;
    if candidate.start_date < first_completion {
        return Err(AppError::rule(
            "start_date",
            "before_training",
            format!("is before the trainee's first completed cohort, {first_completion}"),
        ));
    }
    if let Some(employer) = &candidate.employer_id {
        check_employer(conn, "employer_id", employer)?;
    }
    let stored = Placement {
        county_code: trainee.county_code.clone(),
        ..candidate.clone()
    };
    let counties = db::reports::counted_in(conn, &stored.trainee_id)?;
    let result = UnitOfWork::run(conn, |c| open(c, caller, &stored, &counties));
    let (created, row) = match result {
        Ok(()) => (true, stored),
        // Sent twice at once: the primary key decided.
        Err(AppError::Conflict { .. }) if let Some(stored) = replayed(conn, &candidate)? => {
            (false, stored)
        }
        Err(e) => return Err(e),
    };
    let context = Context::load(conn, std::slice::from_ref(&row))?;
    Ok((created, (row, context)))
}

/// Stores a new placement in the unit of work: the same work open twice (the same employer,
/// household or business; two field workers reporting one job offline) is refused, other work
/// may run beside it (two households part-time, a business and a job).
///
/// `counties` are those the trainee is counted in, read before the unit of work: SQLite takes
/// its write lock with the first write, and a read before it could not wait for the lock.
pub(super) fn open(
    c: &mut UnitOfWork<'_>,
    caller: &Caller,
    stored: &Placement,
    counties: &[String],
) -> Result<(), AppError> {
    // A threshold of a county the trainee is counted in, recorded meanwhile, waits (its
    // refresh must see this).
    db::reports::share_counties(c, counties)?;
    // One report of a piece of work: the check below sees the trainee's other placements.
    db::trainees::lock(c, &stored.trainee_id)?;
    let key = employer_key(stored);
    if let Some(same) = db::placements::open_of_trainee(c, &stored.trainee_id)?
        .into_iter()
        .find(|p| p.id != stored.id && employer_key(p) == key)
    {
        return Err(AppError::rule(
            "trainee_id",
            "open_placement",
            format!(
                "holds the open placement {} for the same work: end it before reporting it again",
                same.id
            ),
        ));
    }
    db::placements::insert(c, stored)?;
    c.changed(Kind::Placement, &stored.id);
    // A placement owes follow-ups from its start: the reports count them.
    c.touch(&stored.trainee_id, Stale::Both);
    c.audit(Event {
        county_code: Some(&stored.county_code),
        ..caller.event("create", "placement", Some(&stored.id))
    })?;
    Ok(())
}

/// An action on a placement, as its rule needs it.
#[derive(Debug, Clone)]
pub enum Action {
    /// The employer named confirms it.
    Confirm,
    /// The employer named disputes it.
    Dispute {
        /// Why (trimmed).
        reason: String,
    },
    /// A manager settles the dispute.
    Resolve {
        /// Upheld or overruled.
        outcome: Resolution,
        /// Why (trimmed).
        reason: String,
    },
    /// It ended.
    End {
        /// The last day of work.
        on: NaiveDate,
        /// Why (trimmed).
        reason: String,
    },
}

impl Action {
    /// The operation's id in the access table.
    fn operation(&self) -> &'static str {
        match self {
            Self::Confirm => "confirm_placement",
            Self::Dispute { .. } => "dispute_placement",
            Self::Resolve { .. } => "resolve_placement",
            Self::End { .. } => "end_placement",
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Self::Confirm => "confirm",
            Self::Dispute { .. } => "dispute",
            Self::Resolve { .. } => "resolve",
            Self::End { .. } => "end",
        }
    }
}

/// Runs `action` on placement `id` for `caller`, once per `Idempotency-Key`: the scope, the
/// placement's lock, the rule, the write and its consequences in one unit of work.
pub fn act(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: &str,
    action: Action,
    key: Option<&Idempotency>,
) -> Result<(Placement, Context), AppError> {
    caller.may(action.operation())?;
    let scope = match action {
        // The employer's word is the evidence: no one else may give it.
        Action::Confirm | Action::Dispute { .. } => caller.placement_scope()?,
        Action::Resolve { .. } | Action::End { .. } => {
            PlacementScope::Trainees(caller.trainee_scope()?)
        }
    };
    let row = once(
        conn,
        caller,
        key,
        id,
        |conn, resource| Ok(db::placements::find(conn, resource, &scope)?),
        |c| {
            // Lock first, read after: what the rule judges is what gets written over (and
            // SQLite's write lock is taken before any read).
            if !db::placements::lock(c, id)? {
                return Err(AppError::NotFound);
            }
            let placement = db::placements::find(c, id, &scope)?.ok_or(AppError::NotFound)?;
            let unknown = || AppError::internal("stored placement state is unknown");
            let resolution = match (&placement.resolution, &placement.resolution_reason) {
                (Some(outcome), Some(reason)) => Some((
                    Resolution::parse(outcome).ok_or_else(unknown)?,
                    reason.as_str(),
                )),
                _ => None,
            };
            let asked = match &action {
                Action::Confirm => PlacementAction::Confirm,
                Action::Dispute { reason } => PlacementAction::Dispute(reason),
                Action::Resolve { outcome, reason } => PlacementAction::Resolve(*outcome, reason),
                Action::End { on, reason } => PlacementAction::End { on: *on, reason },
            };
            let now = PlacementNow {
                lifecycle: Lifecycle::parse(&placement.lifecycle).ok_or_else(unknown)?,
                evidence: Evidence::parse(&placement.evidence).ok_or_else(unknown)?,
                dispute_reason: placement.dispute_reason.as_deref(),
                resolution,
                start_date: placement.start_date,
                ended_on: placement.ended_on,
                end_reason: placement.end_reason.as_deref(),
                last_follow_up_on: placement.last_follow_up_on,
            };
            if let Some(next) = next_state(&now, asked, today_in_china())? {
                let at = db::now();
                let mut state = placement.state();
                state.lifecycle = next.lifecycle.as_str().to_owned();
                state.evidence = next.evidence.as_str().to_owned();
                match &action {
                    Action::Confirm => state.confirmed_at = Some(at),
                    Action::Dispute { reason } => {
                        state.disputed_at = Some(at);
                        state.dispute_reason = Some(reason.clone());
                    }
                    Action::Resolve { outcome, reason } => {
                        state.resolution = Some(outcome.as_str().to_owned());
                        state.resolution_reason = Some(reason.clone());
                        state.resolved_at = Some(at);
                        state.resolved_by = Some(caller.id.clone());
                    }
                    Action::End { on, reason } => {
                        state.ended_on = Some(*on);
                        state.end_reason = Some(reason.clone());
                    }
                }
                state.follow_up_due_on = followed_up(next.lifecycle, next.evidence)
                    .then(|| employment::due_on(placement.start_date, placement.last_follow_up_on));
                if !db::placements::set_state(c, id, placement.version, &state, at)? {
                    return Err(AppError::PreconditionFailed);
                }
                c.changed(Kind::Placement, id);
                c.touch(&placement.trainee_id, Stale::Both);
                // The reasons are kept on the placement itself.
                c.audit(Event {
                    county_code: Some(&placement.county_code),
                    ..caller.event(action.name(), "placement", Some(id))
                })?;
            }
            db::placements::find_any(c, id)?.ok_or(AppError::NotFound)
        },
    )?;
    let context = Context::load(conn, std::slice::from_ref(&row))?;
    Ok((row, context))
}

/// Work is for a registered employer that is still active.
pub(super) fn check_employer(
    conn: &mut AnyConnection,
    field: &str,
    employer: &str,
) -> Result<(), AppError> {
    match db::organisations::is_active(conn, "employer", employer)? {
        None => Err(AppError::field(
            field,
            "unknown",
            "is not a registered employer",
        )),
        Some(false) => Err(AppError::rule(
            field,
            "inactive",
            "this employer is no longer active",
        )),
        Some(true) => Ok(()),
    }
}

fn not_in_future(field: &str, day: NaiveDate) -> Result<(), AppError> {
    if day > today_in_china() {
        return Err(AppError::rule(
            field,
            "future",
            format!("{day} is in the future"),
        ));
    }
    Ok(())
}

/// The answer to a create whose id is stored already: the same request again, or a clash.
fn replayed(
    conn: &mut AnyConnection,
    candidate: &Placement,
) -> Result<Option<Placement>, AppError> {
    match db::placements::find_any(conn, &candidate.id)? {
        None => Ok(None),
        Some(stored)
            if stored.trainee_id == candidate.trainee_id
                && stored.kind == candidate.kind
                && stored.business == candidate.business
                && stored.employer_id == candidate.employer_id
                && stored.household_name == candidate.household_name
                && stored.household_phone == candidate.household_phone
                && stored.occupation == candidate.occupation
                && stored.position == candidate.position
                && stored.work_city == candidate.work_city
                && stored.start_date == candidate.start_date
                && stored.monthly_wage_fen == candidate.monthly_wage_fen
                && stored.contract_type == candidate.contract_type =>
        {
            Ok(Some(stored))
        }
        Some(_) => Err(AppError::conflict(
            "This id belongs to a different placement",
        )),
    }
}

/// A page of the placements the caller may see (an employer's users: those naming their
/// employer), with what their answers need.
pub fn list(
    conn: &mut AnyConnection,
    caller: &Caller,
    filter: &db::placements::Filter,
    after: Option<(chrono::NaiveDateTime, String)>,
    limit: i64,
) -> Result<(Vec<Placement>, Context), AppError> {
    caller.may("list_placements")?;
    let scope = caller.placement_scope()?;
    let rows = db::placements::list(conn, &scope, filter, after, limit)?;
    let context = Context::load(conn, &rows)?;
    Ok((rows, context))
}

/// Placement `id`, when the caller may see it (404 otherwise), with what its answer needs.
pub fn get(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: &str,
) -> Result<(Placement, Context), AppError> {
    caller.may("get_placement")?;
    let scope = caller.placement_scope()?;
    let row = db::placements::find(conn, id, &scope)?.ok_or(AppError::NotFound)?;
    let context = Context::load(conn, std::slice::from_ref(&row))?;
    Ok((row, context))
}
