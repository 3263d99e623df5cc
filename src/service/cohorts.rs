//! Cohorts (培训班 / 期): opening one, and changing it within its rules, each in one unit of
//! work; a change of what the reports count of a cohort refreshes its trainees.

use crate::access::Caller;
use crate::db::cohorts::{Cohort, CohortChanges};
use crate::db::trainees::Scope;
use crate::db::{self, AnyConnection, audit::Event};
use crate::domain::training::{CohortStatus, calendar_days, earliest_date};
use crate::error::{AppError, FieldError};
use crate::service::sync::Kind;
use crate::service::{Stale, UnitOfWork};

/// Checks the dates and planned days of a cohort as they would be stored.
fn check_schedule(cohort: &Cohort, errors: &mut Vec<FieldError>) {
    let earliest = earliest_date();
    if cohort.start_date < earliest {
        errors.push(FieldError::new(
            "start_date",
            "range",
            format!("must be on or after {earliest}"),
        ));
    }
    let days = calendar_days(cohort.start_date, cohort.end_date);
    if cohort.end_date < cohort.start_date {
        errors.push(FieldError::new(
            "end_date",
            "before_start",
            "must be on or after start_date",
        ));
    } else if days > 731 {
        errors.push(FieldError::new(
            "end_date",
            "range",
            "must be at most two years after start_date",
        ));
    } else if i64::from(cohort.planned_days) > days {
        errors.push(FieldError::new(
            "planned_days",
            "exceeds_dates",
            format!("must be at most the {days} days from start_date to end_date"),
        ));
    }
}

/// 422 unless `provider_id` is an active training provider.
fn check_provider(conn: &mut AnyConnection, provider_id: &str) -> Result<(), AppError> {
    match db::organisations::is_active(conn, "provider", provider_id)? {
        Some(true) => Ok(()),
        Some(false) => Err(AppError::rule(
            "provider_id",
            "inactive",
            "this provider is no longer active",
        )),
        None => Err(AppError::field(
            "provider_id",
            "unknown",
            "is not a registered training provider",
        )),
    }
}

/// 409 for a code another cohort has; the other cohort is named only when the caller may see it.
fn code_taken(
    conn: &mut AnyConnection,
    existing: String,
    scope: &Scope,
) -> Result<AppError, AppError> {
    let visible = db::cohorts::find(conn, &existing, scope)?.is_some();
    Ok(AppError::Conflict {
        detail: "Another cohort has this code".into(),
        existing_id: visible.then_some(existing),
    })
}

fn same_cohort(stored: &Cohort, candidate: &Cohort) -> bool {
    stored.code == candidate.code
        && stored.name == candidate.name
        && stored.provider_id == candidate.provider_id
        && stored.occupation == candidate.occupation
        && stored.level == candidate.level
        && stored.county_code == candidate.county_code
        && stored.funding_type == candidate.funding_type
        && stored.mode == candidate.mode
        && stored.start_date == candidate.start_date
        && stored.end_date == candidate.end_date
        && stored.planned_days == candidate.planned_days
        && stored.planned_hours == candidate.planned_hours
        && stored.capacity == candidate.capacity
}

fn replayed(conn: &mut AnyConnection, candidate: &Cohort) -> Result<Option<Cohort>, AppError> {
    match db::cohorts::find(conn, &candidate.id, &Scope::All)? {
        None => Ok(None),
        Some(stored) if same_cohort(&stored, candidate) => Ok(Some(stored)),
        Some(_) => Err(AppError::Conflict {
            detail: "This id belongs to a different cohort".into(),
            existing_id: None,
        }),
    }
}

fn cohort_event<'a>(caller: &'a Caller, action: &'a str, cohort: &'a Cohort) -> Event<'a> {
    Event {
        county_code: Some(&cohort.county_code),
        ..caller.event(action, "cohort", Some(&cohort.id))
    }
}

/// The rules a change must keep: the schedule as it would be, a known provider, a county of the
/// caller's, a code of its own, the status forward, the capacity above the places taken.
fn check_changes(
    conn: &mut AnyConnection,
    caller: &Caller,
    scope: &Scope,
    current: &Cohort,
    changes: &CohortChanges,
    status: Option<CohortStatus>,
) -> Result<(), AppError> {
    let after = Cohort {
        start_date: changes.start_date.unwrap_or(current.start_date),
        end_date: changes.end_date.unwrap_or(current.end_date),
        planned_days: changes.planned_days.unwrap_or(current.planned_days),
        ..current.clone()
    };
    let mut errors = Vec::new();
    check_schedule(&after, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    if let Some(county) = &changes.county_code {
        caller.require_county("county_code", county)?;
    }
    if let Some(provider) = &changes.provider_id {
        check_provider(conn, provider)?;
    }
    if let Some(code) = &changes.code
        && let Some(other) = db::cohorts::id_of_code(conn, code)?
        && other != current.id
    {
        return Err(code_taken(conn, other, scope)?);
    }
    if let Some(next) = status {
        let now = CohortStatus::parse(&current.status)
            .ok_or_else(|| AppError::internal("stored status is unknown"))?;
        if !now.may_become(next) {
            return Err(AppError::rule(
                "status",
                "backwards",
                format!(
                    "a cohort moves forward only: it is {} and cannot become {}",
                    now.as_str(),
                    next.as_str()
                ),
            ));
        }
    }
    let retrains = changes.level.as_ref().is_some_and(|l| *l != current.level)
        || changes
            .occupation
            .as_ref()
            .is_some_and(|o| *o != current.occupation);
    if retrains && current.places_taken > 0 {
        // Enrolments were judged (and certificates will be issued) by what the cohort teaches.
        return Err(AppError::rule(
            if changes.level.is_some() {
                "level"
            } else {
                "occupation"
            },
            "has_enrolments",
            "a cohort with enrolments keeps its occupation and level",
        ));
    }
    if let Some(capacity) = changes.capacity
        && capacity < current.places_taken
    {
        return Err(AppError::rule(
            "capacity",
            "below_places_taken",
            format!("{} places are taken already", current.places_taken),
        ));
    }
    Ok(())
}

/// Changes cohort `id` for `caller`, based on `version` (from `If-Match`), within the rules of
/// [`check_changes`]; the reports follow a change of its end, provider, occupation, level or
/// county (its trainees are counted in the cohort's county).
pub fn update(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: &str,
    version: Option<i32>,
    changes: CohortChanges,
) -> Result<Cohort, AppError> {
    caller.may("update_cohort")?;
    let scope = caller.trainee_scope()?;
    let current = db::cohorts::find(conn, id, &scope)?.ok_or(AppError::NotFound)?;
    super::check_version(version, current.version)?;
    let status = changes.status.as_deref().and_then(CohortStatus::parse);
    check_changes(conn, caller, &scope, &current, &changes, status)?;
    let now = db::now();
    // What the reports count of the cohort's trainees: its year, provider, occupation, level,
    // and the county they are counted in.
    let counted = changes.end_date.is_some()
        || changes.provider_id.is_some()
        || changes.occupation.is_some()
        || changes.level.is_some()
        || changes.county_code.is_some();
    let applied = UnitOfWork::run(conn, |c| {
        if let Some(county) = &changes.county_code {
            // A threshold of either county recorded meanwhile waits: its refresh must see this.
            db::reports::share_counties(c, &[current.county_code.clone(), county.clone()])?;
        }
        if !db::cohorts::update(c, id, current.version, &changes, now)? {
            return Ok(false);
        }
        c.changed(Kind::Cohort, id);
        if counted {
            let trainees = db::reports::ended_in_cohort(c, id)?;
            c.touch_all(&trainees, Stale::Reports);
        }
        let county = changes
            .county_code
            .as_deref()
            .unwrap_or(&current.county_code);
        c.audit(Event {
            county_code: Some(county),
            ..caller.event("update", "cohort", Some(id))
        })?;
        Ok::<_, AppError>(true)
    })?;
    if !applied {
        return Err(AppError::PreconditionFailed);
    }
    db::cohorts::find(conn, id, &Scope::All)?.ok_or(AppError::NotFound)
}

/// Opens `candidate` for `caller`: answers whether it was stored now (else it is the replay of
/// one stored) and the cohort as stored. Its schedule is checked, its county must be the
/// caller's, its provider known and its code its own.
pub fn create(
    conn: &mut AnyConnection,
    caller: &Caller,
    candidate: Cohort,
) -> Result<(bool, Cohort), AppError> {
    caller.may("create_cohort")?;
    let mut errors = Vec::new();
    check_schedule(&candidate, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    caller.require_county("county_code", &candidate.county_code)?;
    let scope = caller.trainee_scope()?;
    if let Some(stored) = replayed(conn, &candidate)? {
        return Ok((false, stored));
    }
    check_provider(conn, &candidate.provider_id)?;
    if let Some(existing) = db::cohorts::id_of_code(conn, &candidate.code)? {
        return Err(code_taken(conn, existing, &scope)?);
    }
    let stored = UnitOfWork::run(conn, |c| {
        db::cohorts::insert(c, &candidate)?;
        c.changed(Kind::Cohort, &candidate.id);
        c.audit(cohort_event(caller, "create", &candidate))
    });
    match stored {
        Ok(()) => Ok((true, candidate)),
        // The same create sent twice at once, or two cohorts given one code: the unique
        // indexes decided.
        Err(AppError::Conflict { .. }) => {
            if let Some(stored) = replayed(conn, &candidate)? {
                return Ok((false, stored));
            }
            match db::cohorts::id_of_code(conn, &candidate.code)? {
                Some(existing) => Err(code_taken(conn, existing, &scope)?),
                None => Err(AppError::conflict("A unique value of this cohort is taken")),
            }
        }
        Err(e) => Err(e),
    }
}

/// A page of the cohorts the caller may see, by `filter` (whose scope is set here).
pub fn list(
    conn: &mut AnyConnection,
    caller: &Caller,
    filter: db::cohorts::Filter,
    after: Option<(chrono::NaiveDateTime, String)>,
    limit: i64,
) -> Result<Vec<Cohort>, AppError> {
    caller.may("list_cohorts")?;
    let filter = db::cohorts::Filter {
        scope: caller.trainee_scope()?,
        ..filter
    };
    Ok(db::cohorts::list(conn, &filter, after, limit)?)
}

/// Cohort `id`, when the caller may see it (404 otherwise).
pub fn get(conn: &mut AnyConnection, caller: &Caller, id: &str) -> Result<Cohort, AppError> {
    caller.may("get_cohort")?;
    let scope = caller.trainee_scope()?;
    db::cohorts::find(conn, id, &scope)?.ok_or(AppError::NotFound)
}
