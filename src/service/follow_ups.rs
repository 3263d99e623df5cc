//! Recording a follow-up (回访): the rules of its day, the placement's state it moves, the
//! replay of a follow-up sent twice, and its consequences, in one unit of work.

use chrono::NaiveDate;

use crate::access::Caller;
use crate::db::placements::{FollowUp, Placement, PlacementScope, PlacementState};
use crate::db::{self, AnyConnection, audit::Event};
use crate::domain::employment;
use crate::domain::placement::PlacementStatus;
use crate::domain::rules::Rules;
use crate::domain::today_in_china;
use crate::error::AppError;
use crate::service::work::facts;
use crate::service::{Stale, UnitOfWork};

/// Records `candidate` on its placement for `caller`; `timed` says whether the phone named its
/// `recorded_at`. Answers whether it was stored now (else it is the replay of one stored) and
/// the follow-up as stored.
pub fn record(
    conn: &mut AnyConnection,
    rules: &Rules,
    caller: &Caller,
    candidate: FollowUp,
    timed: bool,
) -> Result<(bool, FollowUp), AppError> {
    caller.may("create_follow_up")?;
    let scope = PlacementScope::Trainees(caller.trainee_scope()?);
    let now = candidate.received_at;
    let placement =
        db::placements::find(conn, &candidate.placement_id, &scope)?.ok_or(AppError::NotFound)?;
    if let Some(stored) = replayed(conn, &candidate, timed)? {
        return Ok((false, stored));
    }
    let stored = UnitOfWork::run(conn, rules, |c| {
        // Lock, then judge the day against the placement as it is now: an end that
        // committed meanwhile is seen.
        if !db::placements::lock(c, &placement.id)? {
            return Err(AppError::NotFound);
        }
        let placement = db::placements::find_any(c, &placement.id)?.ok_or(AppError::NotFound)?;
        check_day(&placement, candidate.followed_up_on)?;
        db::placements::insert_follow_up(c, &candidate)?;
        let follow_ups = db::placements::follow_ups_of(c, &placement.id)?;
        let state = after_follow_ups(&placement, &follow_ups)?;
        let work_changed =
            state.stopped_on != placement.stopped_on || state.verified_on != placement.verified_on;
        if state != placement.state()
            && !db::placements::set_state(c, &placement.id, placement.version, &state, now)?
        {
            return Err(AppError::PreconditionFailed);
        }
        // Every follow-up counts in the reports: income, completeness, work stopped;
        // the ladder counts evidenced work until follow-ups say it stopped.
        c.touch(
            &placement.trainee_id,
            if work_changed {
                Stale::Both
            } else {
                Stale::Reports
            },
        );
        c.audit(Event {
            county_code: Some(&placement.county_code),
            ..caller.event("create", "follow_up", Some(&candidate.id))
        })?;
        Ok(())
    });
    match stored {
        Ok(()) => Ok((true, candidate)),
        // Sent twice at once: the first one stored it.
        Err(AppError::Conflict { .. }) if let Some(stored) = replayed(conn, &candidate, timed)? => {
            Ok((false, stored))
        }
        Err(e) => Err(e),
    }
}

/// The answer to a create whose id is stored already. `timed` says whether the request named
/// its `recorded_at`: one that did not took the time it first arrived.
fn replayed(
    conn: &mut AnyConnection,
    candidate: &FollowUp,
    timed: bool,
) -> Result<Option<FollowUp>, AppError> {
    match db::placements::find_follow_up(conn, &candidate.id)? {
        None => Ok(None),
        Some(stored)
            if stored.placement_id == candidate.placement_id
                && stored.followed_up_on == candidate.followed_up_on
                && stored.channel == candidate.channel
                && stored.still_employed == candidate.still_employed
                && stored.same_employer == candidate.same_employer
                && stored.monthly_income_fen == candidate.monthly_income_fen
                && stored.note == candidate.note
                && (!timed || stored.recorded_at == candidate.recorded_at) =>
        {
            Ok(Some(stored))
        }
        Some(_) => Err(AppError::conflict(
            "This id belongs to a different follow-up",
        )),
    }
}

/// A follow-up is dated from the placement's start, not in the future, and not after its end.
fn check_day(placement: &Placement, day: NaiveDate) -> Result<(), AppError> {
    if day > today_in_china() {
        return Err(AppError::rule(
            "followed_up_on",
            "future",
            format!("{day} is in the future"),
        ));
    }
    if day < placement.start_date {
        return Err(AppError::rule(
            "followed_up_on",
            "before_start",
            format!("is before the placement's start, {}", placement.start_date),
        ));
    }
    if let Some(ended_on) = placement.ended_on.filter(|end| day > *end) {
        return Err(AppError::rule(
            "followed_up_on",
            "after_end",
            format!("is after the placement ended, on {ended_on}"),
        ));
    }
    Ok(())
}

/// What a placement keeps from its follow-ups: the latest day, the day they stopped working
/// there (the latest word wins), a household's verification by the first follow-up that found
/// the person at work, and when the next follow-up is due while it is open.
fn after_follow_ups(
    placement: &Placement,
    follow_ups: &[FollowUp],
) -> Result<PlacementState, AppError> {
    let facts = facts(placement, follow_ups);
    let mut state = placement.state();
    state.last_follow_up_on = follow_ups.iter().map(|f| f.followed_up_on).max();
    state.stopped_on = employment::stopped_on(&facts.follow_ups);
    let status = PlacementStatus::parse(&placement.status)
        .ok_or_else(|| AppError::internal("stored status is unknown"))?;
    // A household placement is verified by its first follow-up at work, also one that reached
    // the server after the placement was ended (the app syncs late): the work it found counts.
    if placement.household_name.is_some()
        && placement.verified_on.is_none()
        && matches!(status, PlacementStatus::Reported | PlacementStatus::Ended)
        && let Some(first) = facts
            .follow_ups
            .iter()
            .filter(|f| f.works_there())
            .map(|f| f.on)
            .min()
    {
        if status == PlacementStatus::Reported {
            state.status = PlacementStatus::Verified.as_str().to_owned();
        }
        state.verified_on = Some(first);
    }
    let open = PlacementStatus::parse(&state.status).is_some_and(PlacementStatus::is_open);
    state.follow_up_due_on =
        open.then(|| employment::due_on(placement.start_date, state.last_follow_up_on));
    Ok(state)
}

/// A page of the follow-ups of placement `placement_id`, when the caller may see it.
pub fn list(
    conn: &mut AnyConnection,
    caller: &Caller,
    placement_id: &str,
    after: Option<(chrono::NaiveDateTime, String)>,
    limit: i64,
) -> Result<Vec<FollowUp>, AppError> {
    caller.may("list_follow_ups")?;
    let scope = PlacementScope::Trainees(caller.trainee_scope()?);
    db::placements::find(conn, placement_id, &scope)?.ok_or(AppError::NotFound)?;
    Ok(db::placements::list_follow_ups(
        conn,
        placement_id,
        after,
        limit,
    )?)
}

/// The worklist: a page of the open placements of the caller's counties (or `county`) whose
/// follow-up is due before `before`, the longest overdue first.
pub fn due(
    conn: &mut AnyConnection,
    caller: &Caller,
    county: Option<&str>,
    before: NaiveDate,
    after: Option<(NaiveDate, String)>,
    limit: i64,
) -> Result<Vec<db::placements::Due>, AppError> {
    caller.may("list_due_follow_ups")?;
    let counties = caller.counties_within(county)?;
    Ok(db::placements::due(conn, counties, before, after, limit)?)
}
