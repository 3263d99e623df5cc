//! Recording a follow-up (回访): the rules of its day, the placement's state it moves (a visit
//! or a call that finds the person at work there verifies it), the new work it may have found,
//! the replay of a follow-up sent twice, and its consequences, in one unit of work.

use chrono::{Duration, NaiveDate};

use crate::access::Caller;
use crate::db::placements::{FollowUp, Placement, PlacementScope, PlacementState};
use crate::db::{self, AnyConnection, audit::Event};
use crate::domain::placement::{
    Channel, Evidence, Lifecycle, PlacementAction, PlacementNow, WorkKind, field_verified,
    followed_up, next_state,
};
use crate::domain::{Refusal, employment, today_in_china};
use crate::error::AppError;
use crate::service::placements::{check_employer, open};
use crate::service::sync::Kind;
use crate::service::work::{employer_key, evidence, facts};
use crate::service::{Stale, UnitOfWork};

/// Work a follow-up found the person in, elsewhere than the placement followed up: it ends that
/// placement the day before and opens this one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWork {
    /// A client-made id for the new placement.
    pub id: Option<String>,
    /// Its kind.
    pub kind: WorkKind,
    /// A registered employer, for `employer`.
    pub employer_id: Option<String>,
    /// A household's name and normalised phone, for `household`.
    pub household: Option<(String, String)>,
    /// The business, for `self_employed`.
    pub business: Option<String>,
    /// The occupation; default: the old placement's.
    pub occupation: Option<String>,
    /// The position; default: the old placement's.
    pub position: Option<String>,
    /// Where; default: the old placement's.
    pub work_city: Option<String>,
    /// Its first day.
    pub started_on: NaiveDate,
    /// Its monthly income, in fen.
    pub monthly_income_fen: i64,
    /// What it rests on; default: none written (`unwritten`).
    pub contract_type: Option<String>,
}

/// Records `candidate` on its placement for `caller`; `timed` says whether the phone named its
/// `recorded_at`. Answers whether it was stored now (else it is the replay of one stored) and
/// the follow-up as stored.
pub fn record(
    conn: &mut AnyConnection,
    caller: &Caller,
    candidate: FollowUp,
    new_work: Option<NewWork>,
    timed: bool,
) -> Result<(bool, FollowUp), AppError> {
    caller.may("create_follow_up")?;
    let scope = PlacementScope::Trainees(caller.trainee_scope()?);
    let now = candidate.received_at;
    let placement =
        db::placements::find(conn, &candidate.placement_id, &scope)?.ok_or(AppError::NotFound)?;
    if let Some(stored) = replayed(conn, &candidate, new_work.as_ref(), timed)? {
        return Ok((false, stored));
    }
    if let Some(work) = &new_work {
        if !candidate.still_employed || candidate.same_employer {
            return Err(AppError::field(
                "new_work",
                "contradiction",
                "is given only when still_employed is true and same_employer false",
            ));
        }
        if work.started_on > candidate.followed_up_on {
            return Err(AppError::rule(
                "new_work.started_on",
                "after_follow_up",
                format!(
                    "is after the follow-up of {}, which found the person there",
                    candidate.followed_up_on
                ),
            ));
        }
        if let Some(employer) = &work.employer_id {
            check_employer(conn, "new_work.employer_id", employer)?;
        }
    }
    let mut candidate = candidate;
    let new_placement = new_work
        .as_ref()
        .map(|work| new_placement(&placement, work, &candidate));
    candidate.new_placement_id = new_placement.as_ref().map(|p| p.id.clone());
    let counties = db::reports::counted_in(conn, &placement.trainee_id)?;
    let stored = UnitOfWork::run(conn, |c| {
        // Lock, then judge the day against the placement as it is now: an end that
        // committed meanwhile is seen.
        if !db::placements::lock(c, &placement.id)? {
            return Err(AppError::NotFound);
        }
        let placement = db::placements::find_any(c, &placement.id)?.ok_or(AppError::NotFound)?;
        // The same follow-up sent twice at once: the first may have committed meanwhile (and,
        // with new work, ended the placement the day before it).
        if db::placements::find_follow_up(c, &candidate.id)?.is_some() {
            return Err(AppError::conflict("recorded meanwhile"));
        }
        check_day(&placement, candidate.followed_up_on)?;
        if let Some(new) = &new_placement {
            // The new work ends the old the day before it started: the placement is locked, so
            // this is judged against what it is now.
            end_before(&placement, new)?;
            if employer_key(new) == employer_key(&placement) {
                return Err(AppError::field(
                    "new_work",
                    "same_work",
                    "is the placement followed up; send same_employer true instead",
                ));
            }
            // The follow-up names the new placement: store that first.
            open(c, caller, new, &counties)?;
        }
        db::placements::insert_follow_up(c, &candidate)?;
        c.changed(Kind::FollowUp, &candidate.id);
        // Its evidence, last follow-up or end changes with every follow-up.
        c.changed(Kind::Placement, &placement.id);
        let follow_ups = db::placements::follow_ups_of(c, &placement.id)?;
        let mut state = after_follow_ups(&placement, &follow_ups)?;
        if let Some(new) = &new_placement
            && placement.lifecycle == Lifecycle::Open.as_str()
        {
            state.lifecycle = Lifecycle::Ended.as_str().to_owned();
            state.ended_on = new.start_date.pred_opt();
            state.end_reason = Some(format!(
                "回访发现已到新岗位 (found in new work by the follow-up of {})",
                candidate.followed_up_on
            ));
            state.follow_up_due_on = None;
        }
        let work_changed = state.stopped_on != placement.stopped_on
            || state.evidence != placement.evidence
            || state.lifecycle != placement.lifecycle;
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
        Err(AppError::Conflict { .. })
            if let Some(stored) = replayed(conn, &candidate, new_work.as_ref(), timed)? =>
        {
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
    new_work: Option<&NewWork>,
    timed: bool,
) -> Result<Option<FollowUp>, AppError> {
    let same_work = |stored: &FollowUp| match (new_work, &stored.new_placement_id) {
        (None, None) => true,
        (Some(work), Some(id)) => work.id.as_ref().is_none_or(|own| own == id),
        _ => false,
    };
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
                && (!timed || stored.recorded_at == candidate.recorded_at)
                && same_work(&stored) =>
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

/// The placement a follow-up's new work opens: for the same trainee, from the day it started,
/// evidenced by the follow-up when it was a visit or a call.
fn new_placement(old: &Placement, work: &NewWork, follow_up: &FollowUp) -> Placement {
    let by_field = Channel::parse(&follow_up.channel).is_some_and(Channel::is_field_evidence);
    let at = follow_up.received_at;
    Placement {
        id: work
            .id
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
        trainee_id: old.trainee_id.clone(),
        county_code: old.county_code.clone(),
        kind: work.kind.as_str().to_owned(),
        employer_id: work.employer_id.clone(),
        household_name: work.household.as_ref().map(|h| h.0.clone()),
        household_phone: work.household.as_ref().map(|h| h.1.clone()),
        business: work.business.clone(),
        occupation: work
            .occupation
            .clone()
            .unwrap_or_else(|| old.occupation.clone()),
        position: work
            .position
            .clone()
            .unwrap_or_else(|| old.position.clone()),
        work_city: work
            .work_city
            .clone()
            .unwrap_or_else(|| old.work_city.clone()),
        start_date: work.started_on,
        monthly_wage_fen: work.monthly_income_fen,
        contract_type: work
            .contract_type
            .clone()
            .unwrap_or_else(|| "unwritten".to_owned()),
        lifecycle: Lifecycle::Open.as_str().to_owned(),
        evidence: if by_field {
            Evidence::FieldVerified
        } else {
            Evidence::Unverified
        }
        .as_str()
        .to_owned(),
        confirmed_at: None,
        disputed_at: None,
        dispute_reason: None,
        verified_on: by_field.then_some(follow_up.followed_up_on),
        resolution: None,
        resolution_reason: None,
        resolved_at: None,
        resolved_by: None,
        ended_on: None,
        end_reason: None,
        // The follow-up found the person there: it is this work's latest, and the next is due
        // 30 days after it.
        last_follow_up_on: Some(follow_up.followed_up_on),
        stopped_on: None,
        follow_up_due_on: Some(employment::due_on(
            work.started_on,
            Some(follow_up.followed_up_on),
        )),
        version: 1,
        created_at: at,
        updated_at: at,
    }
}

/// The old placement ends the day before the new work started: on or after its start and its
/// latest follow-up. One that ended already must have ended before.
fn end_before(old: &Placement, new: &Placement) -> Result<(), AppError> {
    let field = "new_work.started_on";
    let Some(last_day) = new.start_date.checked_sub_signed(Duration::days(1)) else {
        return Err(AppError::field(field, "invalid", "is not a day worked"));
    };
    if let Some(ended_on) = old.ended_on {
        return if ended_on <= last_day {
            Ok(())
        } else {
            Err(AppError::rule(
                field,
                "before_end",
                format!("is on or before the placement's end, {ended_on}"),
            ))
        };
    }
    let now = PlacementNow {
        lifecycle: Lifecycle::Open,
        evidence: evidence(old),
        dispute_reason: None,
        resolution: None,
        start_date: old.start_date,
        ended_on: None,
        end_reason: None,
        last_follow_up_on: old.last_follow_up_on,
    };
    let end = PlacementAction::End {
        on: last_day,
        reason: "",
    };
    match next_state(&now, end, today_in_china()) {
        Ok(_) => Ok(()),
        Err(Refusal::Rule(_, code, message)) => Err(AppError::rule(
            field,
            code,
            format!("ends the placement the day before; that day {message}"),
        )),
        Err(other) => Err(other.into()),
    }
}

/// What a placement keeps from its follow-ups: the latest day, the day they stopped working
/// there (the latest word wins), its verification by the first visit or call that found the
/// person at work there (also one that reached the server after the placement was ended: the
/// app syncs late, and the work it found counts), and when the next follow-up is due while it
/// is followed up.
fn after_follow_ups(
    placement: &Placement,
    follow_ups: &[FollowUp],
) -> Result<PlacementState, AppError> {
    let facts = facts(placement, follow_ups);
    let mut state = placement.state();
    state.last_follow_up_on = follow_ups.iter().map(|f| f.followed_up_on).max();
    state.stopped_on = employment::stopped_on(&facts.follow_ups);
    let unknown = || AppError::internal("stored placement state is unknown");
    let mut now = Evidence::parse(&placement.evidence).ok_or_else(unknown)?;
    if let Some(first) = follow_ups
        .iter()
        .filter(|f| f.still_employed && f.same_employer)
        .filter(|f| Channel::parse(&f.channel).is_some_and(Channel::is_field_evidence))
        .map(|f| f.followed_up_on)
        .min()
    {
        state.verified_on = Some(placement.verified_on.map_or(first, |day| day.min(first)));
        now = field_verified(now);
        state.evidence = now.as_str().to_owned();
    }
    let lifecycle = Lifecycle::parse(&placement.lifecycle).ok_or_else(unknown)?;
    state.follow_up_due_on = followed_up(lifecycle, now)
        .then(|| employment::due_on(placement.start_date, state.last_follow_up_on));
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

/// Follow-up `id`, when the caller may see its placement (404 otherwise).
pub fn get(conn: &mut AnyConnection, caller: &Caller, id: &str) -> Result<FollowUp, AppError> {
    caller.may("list_follow_ups")?;
    let scope = PlacementScope::Trainees(caller.trainee_scope()?);
    let follow_up = db::placements::find_follow_up(conn, id)?.ok_or(AppError::NotFound)?;
    db::placements::find(conn, &follow_up.placement_id, &scope)?.ok_or(AppError::NotFound)?;
    Ok(follow_up)
}
