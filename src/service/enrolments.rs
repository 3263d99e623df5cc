//! Enrolments (DOMAIN.md, journey step 2): enrolling a trainee in a cohort (with the level
//! gate), completing and dropping, and a day's register, each in one unit of work.

use chrono::NaiveDate;

use crate::access::{Caller, Role};
use crate::db::cohorts::Cohort;
use crate::db::enrolments::{Enrolment, EnrolmentState, Register};
use crate::db::trainees::{Scope, Trainee};
use crate::db::{self, AnyConnection, audit::Event};
use crate::domain::id_number::{Sex, age_on};
use crate::domain::rules::Rules;
use crate::domain::today_in_china;
use crate::domain::training::{
    CohortStatus, EnrolmentAction, EnrolmentNow, EnrolmentStatus, Level, Occupation,
    next_enrolment_status, recorded_day,
};
use crate::error::{AppError, FieldError};
use crate::service::sync::{Kind, attendance_day_key};
use crate::service::{Idempotency, Stale, UnitOfWork, once};

/// The status of a stored enrolment.
pub fn status_of(stored: &str) -> Result<EnrolmentStatus, AppError> {
    EnrolmentStatus::parse(stored).ok_or_else(|| AppError::internal("stored status is unknown"))
}

fn enrolment_event<'a>(
    caller: &'a Caller,
    action: &'a str,
    enrolment_id: &'a str,
    cohort: &'a Cohort,
) -> Event<'a> {
    Event {
        county_code: Some(&cohort.county_code),
        ..caller.event(action, "enrolment", Some(enrolment_id))
    }
}

/// The level gate: enrolling in a cohort of L4 or above needs eligibility for that level
/// (DOMAIN.md, Progression), unless a manager overrides it with a reason. Returns whether the
/// gate was overridden.
fn check_level_gate(
    conn: &mut AnyConnection,
    cohort: &Cohort,
    trainee: &Trainee,
    override_reason: Option<&str>,
) -> Result<bool, AppError> {
    let (Some(occupation), Some(level)) = (
        Occupation::parse(&cohort.occupation),
        Level::parse(&cohort.level),
    ) else {
        return Err(AppError::internal("stored cohort is unknown"));
    };
    let missing = crate::service::ladder::gate(conn, trainee, occupation, level)?;
    if missing.is_empty() {
        return Ok(false);
    }
    if override_reason.is_some() {
        return Ok(true);
    }
    let errors = missing
        .iter()
        .map(|line| {
            FieldError::new(
                "trainee_id",
                "not_eligible",
                format!(
                    "not eligible for {} by {}: needs {}",
                    level.as_str(),
                    line.id,
                    line.missing.join("; ")
                ),
            )
        })
        .collect();
    Err(AppError::Rule(errors))
}

/// The answer to a create whose id is stored already.
///
/// `dated` says whether the request named its `enrolled_on`: one that did not took the day it
/// was first sent, so a retry on a later day is still the same request.
fn replayed(
    conn: &mut AnyConnection,
    candidate: &Enrolment,
    dated: bool,
) -> Result<Option<Enrolment>, AppError> {
    match db::enrolments::find_any(conn, &candidate.id)? {
        None => Ok(None),
        Some(stored)
            if stored.cohort_id == candidate.cohort_id
                && stored.trainee_id == candidate.trainee_id
                && (!dated || stored.enrolled_on == candidate.enrolled_on)
                // A reason is kept only where the gate needed it.
                && (stored.override_reason.is_none()
                    || stored.override_reason == candidate.override_reason) =>
        {
            Ok(Some(stored))
        }
        Some(_) => Err(AppError::Conflict {
            detail: "This id belongs to a different enrolment".into(),
            existing_id: None,
        }),
    }
}

fn already_enrolled() -> AppError {
    AppError::rule(
        "trainee_id",
        "already_enrolled",
        "is enrolled in this cohort already",
    )
}

/// Why a cohort gave no place: closed or full.
fn no_place(cohort: &Cohort) -> AppError {
    if cohort.status == CohortStatus::Closed.as_str() {
        AppError::rule("cohort", "closed", "this cohort is closed to enrolments")
    } else {
        AppError::rule(
            "cohort",
            "full",
            format!("all {} places of this cohort are taken", cohort.capacity),
        )
    }
}

/// Checks a register against the cohort and its enrolments; every wrong entry is named.
fn check_register(
    cohort: &Cohort,
    day: NaiveDate,
    present: &[String],
    enrolments: &[Enrolment],
) -> Result<(), AppError> {
    if day < cohort.start_date || day > cohort.end_date {
        return Err(AppError::rule(
            "date",
            "outside_cohort",
            format!(
                "is outside the cohort's dates, {} to {}",
                cohort.start_date, cohort.end_date
            ),
        ));
    }
    if day > today_in_china() {
        return Err(AppError::rule(
            "date",
            "future",
            format!("{day} is in the future"),
        ));
    }
    let mut errors = Vec::new();
    for (i, id) in present.iter().enumerate() {
        let field = format!("present[{i}]");
        match enrolments.iter().find(|e| &e.id == id) {
            None => errors.push(FieldError::new(
                field,
                "not_in_cohort",
                "is not an enrolment of this cohort",
            )),
            Some(e) if day < e.enrolled_on => errors.push(FieldError::new(
                field,
                "before_enrolment",
                format!(
                    "trainee {} was enrolled on {}: not present before",
                    e.trainee_id, e.enrolled_on
                ),
            )),
            Some(e) if e.dropped_on.is_some_and(|d| d <= day) => errors.push(FieldError::new(
                field,
                "dropped",
                "had left the cohort by that day",
            )),
            Some(e) if e.completed_on.is_some_and(|d| d < day) => errors.push(FieldError::new(
                field,
                "completed",
                "had completed the cohort before that day",
            )),
            Some(_) => {}
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Rule(errors))
    }
}

/// The state of an enrolment after a day's presence changed by `delta` (+1 or −1); its status
/// follows for enrolments still going (`enrolled` until the first day present).
fn with_attendance(enrolment: &Enrolment, delta: i32) -> Result<EnrolmentState, AppError> {
    let attended_days = (enrolment.attended_days + delta).max(0);
    let status = match status_of(&enrolment.status)? {
        s if s.is_active() && attended_days > 0 => EnrolmentStatus::InTraining,
        s if s.is_active() => EnrolmentStatus::Enrolled,
        s => s,
    };
    Ok(EnrolmentState {
        status: status.as_str().to_owned(),
        attended_days,
        completed_on: enrolment.completed_on,
        dropped_on: enrolment.dropped_on,
        drop_reason: enrolment.drop_reason.clone(),
    })
}

/// Enrols `candidate` for `caller`: answers whether it was stored now (else it is the replay of
/// one stored) and the enrolment as stored. `dated` says whether the request named its day.
pub fn create(
    conn: &mut AnyConnection,
    rules: &Rules,
    caller: &Caller,
    candidate: Enrolment,
    dated: bool,
) -> Result<(bool, Enrolment), AppError> {
    caller.may("create_enrolment")?;
    if candidate.override_reason.is_some() {
        // Overriding the level gate is a manager's decision.
        caller.require(&[Role::Admin, Role::Manager])?;
    }
    let scope = caller.trainee_scope()?;
    let now = candidate.created_at;
    let cohort =
        db::cohorts::find(conn, &candidate.cohort_id, &scope)?.ok_or(AppError::NotFound)?;
    if let Some(stored) = replayed(conn, &candidate, dated)? {
        return Ok((false, stored));
    }
    recorded_day("enrolled_on", candidate.enrolled_on, today_in_china())?;
    if candidate.enrolled_on > cohort.end_date {
        return Err(AppError::rule(
            "enrolled_on",
            "after_end",
            format!("is after the cohort's last day, {}", cohort.end_date),
        ));
    }
    let trainee = db::trainees::find(conn, &candidate.trainee_id, &scope)?
        .ok_or_else(|| {
            AppError::field("trainee_id", "unknown", "is not a trainee of your counties")
        })?
        .trainee;
    let age = age_on(trainee.birth_date, candidate.enrolled_on);
    let sex = Sex::parse(&trainee.sex);
    if !rules.of_working_age(sex, age) {
        return Err(AppError::rule(
            "trainee_id",
            "age",
            format!(
                "is {age} years old; trainees are enrolled in working age, for {} from 16 to {}",
                sex.people(),
                rules.retirement_age(sex) - 1
            ),
        ));
    }
    let stored = UnitOfWork::run(conn, |c| {
        // One enrolment of a trainee at a time: the checks below then see the others.
        db::trainees::lock(c, &candidate.trainee_id)?;
        if db::enrolments::of_trainee_in(c, &cohort.id, &candidate.trainee_id)?.is_some() {
            return Err(already_enrolled());
        }
        if let Some(code) = db::enrolments::running_elsewhere(c, &candidate.trainee_id, &cohort.id)?
        {
            return Err(AppError::rule(
                "trainee_id",
                "in_another_running_cohort",
                format!("is in training in the running cohort {code}"),
            ));
        }
        let overridden =
            check_level_gate(c, &cohort, &trainee, candidate.override_reason.as_deref())?;
        if !db::cohorts::take_place(c, &cohort.id, now)? {
            let current =
                db::cohorts::find(c, &cohort.id, &Scope::All)?.ok_or(AppError::NotFound)?;
            return Err(no_place(&current));
        }
        let stored = Enrolment {
            // Kept only when it was needed.
            override_reason: candidate.override_reason.clone().filter(|_| overridden),
            ..candidate.clone()
        };
        db::enrolments::insert(c, &stored)?;
        // The cohort's places taken changed with it.
        c.changed(Kind::Enrolment, &stored.id);
        c.changed(Kind::Cohort, &cohort.id);
        c.touch(&stored.trainee_id, Stale::Eligibility);
        c.audit(enrolment_event(caller, "create", &stored.id, &cohort))?;
        if overridden {
            c.audit(enrolment_event(
                caller,
                "override_level_gate",
                &stored.id,
                &cohort,
            ))?;
        }
        Ok(stored)
    });
    match stored {
        Ok(stored) => Ok((true, stored)),
        // Sent twice at once: the unique indexes decided which one enrolled.
        Err(AppError::Conflict { .. }) => match replayed(conn, &candidate, dated)? {
            Some(stored) => Ok((false, stored)),
            None => Err(already_enrolled()),
        },
        Err(e) => Err(e),
    }
}

/// An action on an enrolment, as its rule needs it.
#[derive(Debug, Clone)]
pub enum Action {
    /// Completed on a day.
    Complete {
        /// The day of completion.
        on: NaiveDate,
    },
    /// Left on a day, for a reason.
    Drop {
        /// The day they left.
        on: NaiveDate,
        /// Why.
        reason: String,
    },
}

/// Runs `action` on enrolment `id` for `caller`, once per `Idempotency-Key`: the scope, the
/// cohort's lock, the rule, the write and its consequences in one unit of work.
pub fn act(
    conn: &mut AnyConnection,
    rules: &Rules,
    caller: &Caller,
    id: &str,
    action: Action,
    key: Option<&Idempotency>,
) -> Result<Enrolment, AppError> {
    let name = match action {
        Action::Complete { .. } => "complete",
        Action::Drop { .. } => "drop",
    };
    caller.may(&format!("{name}_enrolment"))?;
    let scope = caller.trainee_scope()?;
    let percent = rules.completion_attendance_percent;
    once(
        conn,
        caller,
        key,
        id,
        |conn, resource| Ok(db::enrolments::find(conn, resource, &scope)?),
        |c| {
            // Lock first, read after: what the rule judges is what gets written over.
            if !db::cohorts::lock_for_enrolment(c, id)? {
                return Err(AppError::NotFound);
            }
            let enrolment = db::enrolments::find_any(c, id)?.ok_or(AppError::NotFound)?;
            let cohort =
                db::cohorts::find(c, &enrolment.cohort_id, &scope)?.ok_or(AppError::NotFound)?;
            let now = EnrolmentNow {
                status: status_of(&enrolment.status)?,
                enrolled_on: enrolment.enrolled_on,
                attended_days: enrolment.attended_days,
                completed_on: enrolment.completed_on,
                dropped_on: enrolment.dropped_on,
                drop_reason: enrolment.drop_reason.as_deref(),
                last_attended: db::enrolments::last_present_day(c, id)?,
                cohort_start: cohort.start_date,
                planned_days: cohort.planned_days,
            };
            let asked = match &action {
                Action::Complete { on } => EnrolmentAction::Complete { on: *on },
                Action::Drop { on, reason } => EnrolmentAction::Drop { on: *on, reason },
            };
            if let Some(next) = next_enrolment_status(&now, asked, percent, today_in_china())? {
                let state = EnrolmentState {
                    status: next.as_str().to_owned(),
                    attended_days: enrolment.attended_days,
                    completed_on: match &action {
                        Action::Complete { on } => Some(*on),
                        Action::Drop { .. } => None,
                    },
                    dropped_on: match &action {
                        Action::Drop { on, .. } => Some(*on),
                        Action::Complete { .. } => None,
                    },
                    drop_reason: match &action {
                        Action::Drop { reason, .. } => Some(reason.clone()),
                        Action::Complete { .. } => None,
                    },
                };
                let at = db::now();
                if !db::enrolments::set_state(c, id, enrolment.version, &state, at)? {
                    return Err(AppError::PreconditionFailed);
                }
                if next == EnrolmentStatus::Dropped {
                    db::cohorts::release_place(c, &cohort.id, at)?;
                    c.changed(Kind::Cohort, &cohort.id);
                }
                c.changed(Kind::Enrolment, id);
                c.touch(&enrolment.trainee_id, Stale::Both);
                c.audit(enrolment_event(caller, name, id, &cohort))?;
            }
            db::enrolments::find_any(c, id)?.ok_or(AppError::NotFound)
        },
    )
}

/// Takes cohort `cohort_id`'s register of `day` for `caller`: the enrolments `present`,
/// everyone else absent, replacing that day's; answers the register and who was present.
pub fn take_register(
    conn: &mut AnyConnection,
    caller: &Caller,
    cohort_id: &str,
    day: NaiveDate,
    mut present: Vec<String>,
) -> Result<(Register, Vec<String>), AppError> {
    caller.may("take_register")?;
    let scope = caller.trainee_scope()?;
    UnitOfWork::run(conn, |c| {
        if !db::cohorts::lock(c, cohort_id)? {
            return Err(AppError::NotFound);
        }
        let cohort = db::cohorts::find(c, cohort_id, &scope)?.ok_or(AppError::NotFound)?;
        let enrolments = db::enrolments::all_of_cohort(c, &cohort.id)?;
        check_register(&cohort, day, &present, &enrolments)?;
        present.sort();
        present.dedup();
        let before = db::enrolments::present_on(c, &cohort.id, day)?;
        let now = db::now();
        for enrolment in &enrolments {
            let was = before.binary_search(&enrolment.id).is_ok();
            let is = present.binary_search(&enrolment.id).is_ok();
            let delta = match (was, is) {
                (false, true) => {
                    db::enrolments::mark_present(c, &enrolment.id, day)?;
                    1
                }
                (true, false) => {
                    // Completion was judged on these days: they stay.
                    if enrolment.completed_on.is_some_and(|d| day <= d) {
                        return Err(AppError::rule(
                            "present",
                            "completed",
                            format!(
                                "enrolment {} completed on a count that included this day",
                                enrolment.id
                            ),
                        ));
                    }
                    db::enrolments::mark_absent(c, &enrolment.id, day)?;
                    -1
                }
                _ => continue,
            };
            let state = with_attendance(enrolment, delta)?;
            if !db::enrolments::set_state(c, &enrolment.id, enrolment.version, &state, now)? {
                return Err(AppError::PreconditionFailed);
            }
            c.changed(Kind::Enrolment, &enrolment.id);
        }
        let register = Register {
            cohort_id: cohort.id.clone(),
            day,
            present_count: i32::try_from(present.len()).map_err(AppError::internal)?,
            recorded_by: Some(caller.id.clone()),
            recorded_at: now,
        };
        db::enrolments::save_register(c, &register)?;
        c.changed(Kind::AttendanceDay, &attendance_day_key(&cohort.id, day));
        c.audit(Event {
            county_code: Some(&cohort.county_code),
            ..caller.event("take_register", "cohort", Some(&cohort.id))
        })?;
        Ok((register, present))
    })
}

/// A page of the enrolments of cohort `cohort_id`, when the caller may see it (404 otherwise).
pub fn of_cohort(
    conn: &mut AnyConnection,
    caller: &Caller,
    cohort_id: &str,
    since: Option<chrono::NaiveDateTime>,
    after: Option<(chrono::NaiveDateTime, String)>,
    limit: i64,
) -> Result<Vec<Enrolment>, AppError> {
    caller.may("list_enrolments")?;
    let scope = caller.trainee_scope()?;
    db::cohorts::find(conn, cohort_id, &scope)?.ok_or(AppError::NotFound)?;
    Ok(db::enrolments::list_for_cohort(
        conn, cohort_id, since, after, limit,
    )?)
}

/// Enrolment `id`, when the caller may see it (404 otherwise).
pub fn get(conn: &mut AnyConnection, caller: &Caller, id: &str) -> Result<Enrolment, AppError> {
    caller.may("get_enrolment")?;
    let scope = caller.trainee_scope()?;
    db::enrolments::find(conn, id, &scope)?.ok_or(AppError::NotFound)
}

/// Cohort `cohort_id`'s register of `day` and who was present (404 when not taken that day, or
/// not the caller's to see).
pub fn register(
    conn: &mut AnyConnection,
    caller: &Caller,
    cohort_id: &str,
    day: NaiveDate,
) -> Result<(Register, Vec<String>), AppError> {
    caller.may("get_register")?;
    let scope = caller.trainee_scope()?;
    db::cohorts::find(conn, cohort_id, &scope)?.ok_or(AppError::NotFound)?;
    let register = db::enrolments::register(conn, cohort_id, day)?.ok_or(AppError::NotFound)?;
    let present = db::enrolments::present_on(conn, cohort_id, day)?;
    Ok((register, present))
}
