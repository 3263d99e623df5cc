//! Accounts: creating one and changing one (role, counties, employer, activity, password),
//! each in one unit of work; deactivation and a new password end the account's sessions.

use crate::access::{Caller, Role};
use crate::auth;
use crate::db::users::UserWithCounties;
use crate::db::{self, AnyConnection};
use crate::error::{AppError, FieldError};
use crate::service::sync::Kind;
use crate::service::{UnitOfWork, check_version};

/// An account to create, as the request gives it (the password already hashed).
pub struct NewAccount {
    /// Its id (the client's, or a new one).
    pub id: String,
    /// The sign-in name.
    pub username: String,
    /// The name shown.
    pub display_name: String,
    /// Its role.
    pub role: Role,
    /// Its counties (managers and field staff).
    pub county_codes: Vec<String>,
    /// Its employer (employer accounts).
    pub employer_id: Option<String>,
    /// Whether it may sign in.
    pub active: bool,
    /// The password, to tell a replay of the same request from another.
    pub password: String,
    /// The password's hash.
    pub password_hash: String,
}

/// A change to an account; `None` keeps what is stored.
pub struct AccountChanges {
    /// A new name shown.
    pub display_name: Option<String>,
    /// A new role.
    pub role: Option<Role>,
    /// New counties.
    pub county_codes: Option<Vec<String>>,
    /// A new employer.
    pub employer_id: Option<String>,
    /// Activation or deactivation.
    pub active: Option<bool>,
    /// A new password's hash.
    pub password_hash: Option<String>,
}

/// Checks that role, counties and employer fit together and exist; returns the sorted,
/// de-duplicated county codes.
fn check_binding(
    conn: &mut AnyConnection,
    role: Role,
    county_codes: &[String],
    employer_id: Option<&str>,
) -> Result<Vec<String>, AppError> {
    let mut errors = Vec::new();
    let mut codes: Vec<String> = county_codes.to_vec();
    codes.sort();
    codes.dedup();
    if role.is_county_scoped() {
        if codes.is_empty() {
            errors.push(FieldError::new(
                "county_codes",
                "required",
                "a manager or field worker needs at least one county",
            ));
        }
    } else if !codes.is_empty() {
        errors.push(FieldError::new(
            "county_codes",
            "not_allowed",
            "only managers and field workers have counties",
        ));
    }
    match (role, employer_id) {
        (Role::Employer, None) => {
            errors.push(FieldError::new(
                "employer_id",
                "required",
                "an employer account needs its employer",
            ));
        }
        (Role::Employer, Some(id))
            if db::organisations::is_active(conn, "employer", id)?.is_none() =>
        {
            errors.push(FieldError::new(
                "employer_id",
                "unknown_employer",
                "no such employer",
            ));
        }
        (Role::Employer, Some(_)) | (_, None) => {}
        (_, Some(_)) => {
            errors.push(FieldError::new(
                "employer_id",
                "not_allowed",
                "only employer accounts have an employer",
            ));
        }
    }
    if errors.is_empty() {
        Ok(codes)
    } else {
        Err(AppError::Validation(errors))
    }
}

/// Whether a replayed create carries the same account as the stored one.
fn same_account(stored: &UserWithCounties, account: &NewAccount) -> bool {
    let mut codes = account.county_codes.clone();
    codes.sort();
    codes.dedup();
    let user = &stored.user;
    user.username == account.username
        && user.display_name == account.display_name
        && user.role == account.role.as_str()
        && user.employer_id == account.employer_id
        && user.active == account.active
        && stored.county_codes == codes
        && auth::verify_password_now(&account.password, &user.password_hash)
}

/// Creates `account` for `caller`: answers whether it was stored now (else it is the replay of
/// one stored) and the account as stored.
pub fn create(
    conn: &mut AnyConnection,
    caller: &Caller,
    account: NewAccount,
) -> Result<(bool, UserWithCounties), AppError> {
    caller.may("create_user")?;
    let id = account.id.clone();
    if let Some(existing) = db::users::find(conn, &id)? {
        return if same_account(&existing, &account) {
            Ok((false, existing))
        } else {
            Err(AppError::Conflict {
                detail: "This id belongs to a different account".into(),
                existing_id: Some(id),
            })
        };
    }
    let codes = check_binding(
        conn,
        account.role,
        &account.county_codes,
        account.employer_id.as_deref(),
    )?;
    if let Some(other) = db::users::find_by_username(conn, &account.username)? {
        return Err(AppError::Conflict {
            detail: "The username is taken".into(),
            existing_id: Some(other.id),
        });
    }
    let now = db::now();
    UnitOfWork::run(conn, |c| {
        db::users::insert(
            c,
            &db::users::NewUser {
                id: &id,
                username: &account.username,
                display_name: &account.display_name,
                role: account.role.as_str(),
                employer_id: account.employer_id.as_deref(),
                active: account.active,
                password_hash: &account.password_hash,
                version: 1,
                created_at: now,
                updated_at: now,
            },
            &codes,
        )?;
        c.changed(Kind::Account, &id);
        c.audit(caller.event("create", "user", Some(&id)))
    })?;
    let row = db::users::find(conn, &id)?.ok_or(AppError::NotFound)?;
    Ok((true, row))
}

/// Changes account `id` for `caller`, based on `version` (from `If-Match`). An administrator
/// may not deactivate or demote their own account.
pub fn update(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: &str,
    version: Option<i32>,
    changes: AccountChanges,
) -> Result<UserWithCounties, AppError> {
    caller.may("update_user")?;
    let current = db::users::find(conn, id)?.ok_or(AppError::NotFound)?;
    check_version(version, current.user.version)?;
    let version = current.user.version;
    if id == caller.id
        && (changes.active == Some(false) || changes.role.is_some_and(|r| r != Role::Admin))
    {
        return Err(AppError::rule(
            if changes.active == Some(false) {
                "active"
            } else {
                "role"
            },
            "own_account",
            "an administrator cannot deactivate or demote their own account",
        ));
    }
    let stored_role =
        Role::parse(&current.user.role).ok_or_else(|| AppError::internal("stored role"))?;
    let role = changes.role.unwrap_or(stored_role);
    let employer_id = match (role, changes.employer_id) {
        (_, Some(e)) => Some(e),
        (Role::Employer, None) => current.user.employer_id.clone(),
        (_, None) => None,
    };
    let county_codes: Vec<String> = match (&changes.county_codes, role.is_county_scoped()) {
        (Some(codes), _) => codes.clone(),
        (None, true) => current.county_codes.clone(),
        (None, false) => Vec::new(),
    };
    let codes = check_binding(conn, role, &county_codes, employer_id.as_deref())?;
    let new_password = changes.password_hash.is_some();
    let stored = db::users::UserChanges {
        display_name: changes.display_name,
        role: changes.role.map(|r| r.as_str().to_owned()),
        employer_id: Some(employer_id),
        active: changes.active,
        password_hash: changes.password_hash,
    };
    let now = db::now();
    let applied = UnitOfWork::run(conn, |c| {
        if !db::users::update(c, id, version, &stored, now)? {
            return Ok(false);
        }
        c.changed(Kind::Account, id);
        if codes != current.county_codes {
            db::users::set_counties(c, id, &codes)?;
        }
        // Deactivation, and a new password (perhaps because the old one leaked), end every
        // session of the account.
        if changes.active == Some(false) || new_password {
            db::tokens::revoke_user(c, id, now)?;
        }
        c.audit(caller.event("update", "user", Some(id)))?;
        Ok(true)
    })?;
    if !applied {
        return Err(AppError::PreconditionFailed);
    }
    db::users::find(conn, id)?.ok_or(AppError::NotFound)
}

/// A page of the accounts in username order.
pub fn list(
    conn: &mut AnyConnection,
    caller: &Caller,
    after: Option<&str>,
    since: Option<chrono::NaiveDateTime>,
    limit: i64,
) -> Result<Vec<UserWithCounties>, AppError> {
    caller.may("list_users")?;
    Ok(db::users::list(conn, after, since, limit)?)
}

/// Account `id`.
pub fn get(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: &str,
) -> Result<UserWithCounties, AppError> {
    caller.may("get_user")?;
    db::users::find(conn, id)?.ok_or(AppError::NotFound)
}
