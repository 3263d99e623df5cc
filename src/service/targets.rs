//! The year's targets per scope (the city or a county): setting one, in one unit of work, and
//! reading those the caller may see.

use crate::access::{Caller, Role};
use crate::db::targets::Target;
use crate::db::{self, AnyConnection, audit::Event};
use crate::error::AppError;
use crate::service::{UnitOfWork, check_version};

/// The scope of the whole city.
pub const CITY: &str = "city";

/// The scopes a caller may set and read: `None` for all (administrators).
fn scopes_of(caller: &Caller) -> Result<Option<Vec<String>>, AppError> {
    match caller.role {
        Role::Admin => Ok(None),
        Role::Manager => {
            let mut scopes = caller.county_codes.clone();
            if caller.covers_city() {
                scopes.push(CITY.to_owned());
            }
            Ok(Some(scopes))
        }
        Role::FieldStaff | Role::Employer => {
            Err(crate::access::forbidden(crate::access::Who::Roles(&[
                Role::Admin,
                Role::Manager,
            ])))
        }
    }
}

/// 403/422 unless the caller may set the targets of `scope` (`city` or a county code).
pub fn may_set(caller: &Caller, scope: &str) -> Result<(), AppError> {
    caller.may("put_target")?;
    if scopes_of(caller)?.is_some_and(|mine| !mine.iter().any(|s| s == scope)) {
        return Err(AppError::rule(
            "scope",
            "outside_your_counties",
            "is not a scope of yours (the city's targets are set by managers of all 13 counties)",
        ));
    }
    Ok(())
}

/// Sets `target` (its year and scope) for `caller`; `version`, when sent, must be the current
/// one. Answers whether it was created and the target as stored; the same target again changes
/// nothing.
pub fn put(
    conn: &mut AnyConnection,
    caller: &Caller,
    target: Target,
    version: Option<i32>,
) -> Result<(bool, Target), AppError> {
    may_set(caller, &target.scope)?;
    let set = |conn: &mut AnyConnection| {
        UnitOfWork::run(conn, |c| {
            db::targets::lock(c, target.year, &target.scope)?;
            let current = db::targets::find(c, target.year, &target.scope)?;
            if let Some(expected) = version {
                let current_version = current.as_ref().map_or(0, |t| t.version);
                check_version(Some(expected), current_version)?;
            }
            let mut row = target.clone();
            let created = match &current {
                None => {
                    db::targets::insert(c, &row)?;
                    true
                }
                Some(current) => {
                    let same = Target {
                        version: current.version,
                        created_at: current.created_at,
                        updated_at: current.updated_at,
                        ..row.clone()
                    };
                    if same == *current {
                        // The same target again: nothing changes.
                        return Ok((false, same));
                    }
                    row.version = current.version + 1;
                    row.created_at = current.created_at;
                    if !db::targets::replace(c, &row, current.version)? {
                        return Err(AppError::PreconditionFailed);
                    }
                    false
                }
            };
            let county = (row.scope != CITY).then_some(row.scope.as_str());
            let id = format!("{}/{}", row.year, row.scope);
            c.audit(Event {
                county_code: county,
                ..caller.event("set", "target", Some(&id))
            })?;
            Ok((created, row))
        })
    };
    match set(conn) {
        // Two first settings of one target at once: the other one was stored; this one now
        // replaces it.
        Err(AppError::Conflict { .. }) => set(conn),
        other => other,
    }
}

/// The targets of `year` the caller may see.
pub fn of_year(
    conn: &mut AnyConnection,
    caller: &Caller,
    year: i32,
) -> Result<Vec<Target>, AppError> {
    caller.may("get_targets")?;
    let scopes = scopes_of(caller)?;
    Ok(db::targets::of_year(conn, year, scopes)?)
}
