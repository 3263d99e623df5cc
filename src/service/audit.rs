//! The audit trail, read within the caller's scope.

use crate::access::{Caller, Role};
use crate::db::{self, AnyConnection};
use crate::error::AppError;

/// A page of the audit trail, newest first, by `filter`: managers see what happened in their
/// counties and what they did themselves.
pub fn list(
    conn: &mut AnyConnection,
    caller: &Caller,
    filter: db::audit::Filter,
    before: Option<(chrono::NaiveDateTime, String)>,
    limit: i64,
) -> Result<Vec<db::audit::AuditEntry>, AppError> {
    caller.may("list_audit")?;
    let filter = db::audit::Filter {
        scope: (caller.role == Role::Manager)
            .then(|| (caller.county_codes.clone(), caller.id.clone())),
        ..filter
    };
    Ok(db::audit::list(conn, &filter, before, limit)?)
}
