//! Training providers, evaluation agencies and employers: registering one (one record per
//! credit code and kind) and changing one, each in one unit of work.

use crate::access::{Caller, Role};
use crate::db::organisations::{Organisation, OrganisationChanges};
use crate::db::{self, AnyConnection};
use crate::domain::organisation::Kind;
use crate::error::{AppError, FieldError};
use crate::service::sync;
use crate::service::{UnitOfWork, check_version};

pub fn no_place() -> FieldError {
    FieldError::new(
        "county_code",
        "required",
        "give the county (in Lüliang) or the city",
    )
}

/// 409 for a credit code held by another organisation of the same kind.
fn code_taken(kind: Kind, existing_id: String) -> AppError {
    AppError::Conflict {
        detail: format!(
            "An organisation of kind `{}` with this credit code is registered already",
            kind.as_str()
        ),
        existing_id: Some(existing_id),
    }
}

fn same_organisation(stored: &Organisation, candidate: &Organisation) -> bool {
    stored.kind == candidate.kind
        && stored.name == candidate.name
        && stored.credit_code == candidate.credit_code
        && stored.city == candidate.city
        && stored.county_code == candidate.county_code
        && stored.contact_name == candidate.contact_name
        && stored.contact_phone == candidate.contact_phone
}

/// The stored record for a replayed create, 409 for an id used by a different record, `None`
/// for a new id.
fn replayed(
    conn: &mut AnyConnection,
    candidate: &Organisation,
) -> Result<Option<Organisation>, AppError> {
    match db::organisations::find_any(conn, &candidate.id)? {
        None => Ok(None),
        Some(stored) if same_organisation(&stored, candidate) => Ok(Some(stored)),
        Some(_) => Err(AppError::Conflict {
            detail: "This id belongs to a different organisation".into(),
            existing_id: None,
        }),
    }
}

/// Registers `candidate`, an organisation of `kind`, for `caller`: answers whether it was
/// stored now (else it is the replay of one stored) and the organisation as stored.
pub fn create(
    conn: &mut AnyConnection,
    caller: &Caller,
    kind: Kind,
    candidate: Organisation,
) -> Result<(bool, Organisation), AppError> {
    caller.may(&format!("create_{}", kind.as_str()))?;
    if let Some(stored) = replayed(conn, &candidate)? {
        return Ok((false, stored));
    }
    let code = candidate.credit_code.as_deref().unwrap_or_default();
    if let Some(existing) = db::organisations::id_of_credit_code(conn, kind.as_str(), code)? {
        return Err(code_taken(kind, existing));
    }
    let stored = UnitOfWork::run(conn, |c| {
        db::organisations::insert(c, &candidate)?;
        c.changed(sync::Kind::Organisation, &candidate.id);
        c.audit(caller.event("create", kind.as_str(), Some(&candidate.id)))
    });
    match stored {
        Ok(()) => Ok((true, candidate)),
        // A concurrent create of the same id or code won the unique index.
        Err(AppError::Conflict { .. }) => {
            if let Some(stored) = replayed(conn, &candidate)? {
                return Ok((false, stored));
            }
            match db::organisations::id_of_credit_code(conn, kind.as_str(), code)? {
                Some(existing) => Err(code_taken(kind, existing)),
                None => Err(AppError::conflict("A unique value of this record is taken")),
            }
        }
        Err(e) => Err(e),
    }
}

/// Changes organisation `id` of `kind` for `caller`, based on `version` (from `If-Match`): it
/// keeps a city or a county, and a credit code of its own.
#[allow(clippy::too_many_arguments)]
pub fn update(
    conn: &mut AnyConnection,
    caller: &Caller,
    kind: Kind,
    id: &str,
    version: Option<i32>,
    changes: OrganisationChanges,
) -> Result<Organisation, AppError> {
    caller.may(&format!("update_{}", kind.as_str()))?;
    let current =
        db::organisations::find(conn, kind.as_str(), id, None)?.ok_or(AppError::NotFound)?;
    check_version(version, current.version)?;
    let city = changes.city.clone().unwrap_or(current.city.clone());
    let county = match &changes.county_code {
        Some(c) => c.clone(),
        None => current.county_code.clone(),
    };
    if city.is_none() && county.is_none() {
        return Err(AppError::Validation(vec![no_place()]));
    }
    if let Some(code) = &changes.credit_code
        && let Some(other) = db::organisations::id_of_credit_code(conn, kind.as_str(), code)?
        && other != id
    {
        return Err(code_taken(kind, other));
    }
    let applied = UnitOfWork::run(conn, |c| {
        if !db::organisations::update(c, id, current.version, &changes, db::now())? {
            return Ok(false);
        }
        c.changed(sync::Kind::Organisation, id);
        c.audit(caller.event("update", kind.as_str(), Some(id)))?;
        Ok(true)
    })?;
    if !applied {
        return Err(AppError::PreconditionFailed);
    }
    db::organisations::find(conn, kind.as_str(), id, None)?.ok_or(AppError::NotFound)
}
/// For an employer account, the one employer it may see (and 403 for other kinds); `None` for
/// the other roles.
fn visible_to(caller: &Caller, kind: Kind) -> Result<Option<String>, AppError> {
    match (caller.role, kind) {
        (Role::Employer, Kind::Employer) => caller
            .employer_id
            .clone()
            .map(Some)
            .ok_or_else(|| AppError::internal("employer account without employer")),
        (Role::Employer, _) => Err(crate::access::forbidden(crate::access::Who::Roles(&[
            Role::Admin,
            Role::Manager,
            Role::FieldStaff,
        ]))),
        _ => Ok(None),
    }
}

/// A page of the organisations of `kind` the caller may see, by `filter` (an employer
/// account's own employer only).
pub fn list(
    conn: &mut AnyConnection,
    caller: &Caller,
    kind: Kind,
    filter: db::organisations::Filter,
    after: Option<(chrono::NaiveDateTime, String)>,
    limit: i64,
) -> Result<Vec<Organisation>, AppError> {
    caller.may(&format!("list_{}", plural(kind)))?;
    let filter = db::organisations::Filter {
        only: visible_to(caller, kind)?,
        ..filter
    };
    Ok(db::organisations::list(
        conn,
        kind.as_str(),
        &filter,
        after,
        limit,
    )?)
}

/// Organisation `id` of `kind`, when the caller may see it (404 otherwise).
pub fn get(
    conn: &mut AnyConnection,
    caller: &Caller,
    kind: Kind,
    id: &str,
) -> Result<Organisation, AppError> {
    caller.may(&format!("get_{}", kind.as_str()))?;
    let only = visible_to(caller, kind)?;
    db::organisations::find(conn, kind.as_str(), id, only.as_deref())?.ok_or(AppError::NotFound)
}

/// The collection's name of a kind, as in its list operation.
fn plural(kind: Kind) -> &'static str {
    match kind {
        Kind::Provider => "providers",
        Kind::Agency => "agencies",
        Kind::Employer => "employers",
    }
}

/// Organisation `id`, whatever its kind, when the caller may see it (404 otherwise).
pub fn get_any(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: &str,
) -> Result<Organisation, AppError> {
    let row = db::organisations::find_any(conn, id)?.ok_or(AppError::NotFound)?;
    let kind =
        Kind::parse(&row.kind).ok_or_else(|| AppError::internal("stored kind is unknown"))?;
    get(conn, caller, kind, id)
}
