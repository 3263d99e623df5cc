//! Accounts, managed by administrators.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use diesel::Connection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::{Validate, ValidationError};

use crate::api::parse_id;
use crate::api::{
    CountyCode, Page, PageParams, SyncParams, check_version, if_match, not_modified, utc, with_etag,
};
use crate::auth::{self, AuthUser, Role};
use crate::db::{self, AnyConnection, Db, users::UserWithCounties};
use crate::error::{AppError, FieldError, PROBLEM_JSON, Problem};
use crate::extract::{Json, Query};

/// Sign-in names: lower-case letters, digits, `.`, `_` and `-`, 3 to 64 characters.
pub const USERNAME_PATTERN: &str = "^[a-z0-9][a-z0-9._-]{2,63}$";

fn valid_username(name: &str) -> Result<(), ValidationError> {
    if crate::domain::username::username_chars_ok(name) {
        Ok(())
    } else {
        Err(ValidationError::new("pattern").with_message(
            "must be lower-case letters, digits, '.', '_' or '-', starting with a letter or digit"
                .into(),
        ))
    }
}

/// A new account.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    /// A client-made id; sending the same request again answers the stored account.
    pub id: Option<Uuid>,
    /// Sign-in name.
    #[validate(length(min = 3, max = 64), custom(function = "valid_username"))]
    #[schema(pattern = "^[a-z0-9][a-z0-9._-]{2,63}$", example = "wang.fang")]
    pub username: String,
    /// Name shown to people.
    #[validate(length(min = 1, max = 100))]
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000]*$",
        example = "王芳"
    )]
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Counties, for a manager or field worker (at least one); empty for the other roles.
    #[serde(default)]
    #[validate(length(max = 13))]
    #[schema(max_items = 13)]
    pub county_codes: Vec<CountyCode>,
    /// The employer, for an employer account; absent for the other roles.
    pub employer_id: Option<Uuid>,
    /// Whether the account may sign in (default true).
    pub active: Option<bool>,
    /// At least 10 characters; never returned.
    #[validate(length(min = 10, max = 128))]
    #[schema(min_length = 10, max_length = 128, pattern = r"^[^\u0000]*$", write_only, format = Password)]
    pub password: String,
}

/// Changes to an account; absent fields stay as they are. Changing the role to one without
/// counties or without an employer clears them.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    /// Name shown to people.
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100, pattern = r"^[^\u0000]*$")]
    pub display_name: Option<String>,
    /// Role.
    pub role: Option<Role>,
    /// Counties (replaces the list).
    #[validate(length(max = 13))]
    #[schema(max_items = 13)]
    pub county_codes: Option<Vec<CountyCode>>,
    /// Employer, for an employer account.
    pub employer_id: Option<Uuid>,
    /// `false` ends the account's access at once, including its refresh tokens.
    pub active: Option<bool>,
    /// A new password, at least 10 characters.
    #[validate(length(min = 10, max = 128))]
    #[schema(min_length = 10, max_length = 128, pattern = r"^[^\u0000]*$", write_only, format = Password)]
    pub password: Option<String>,
}

/// An account as administrators see it (never its password).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserResponse {
    /// Account id.
    pub id: Uuid,
    /// Sign-in name.
    pub username: String,
    /// Name shown to people.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Counties of a manager or field worker.
    pub county_codes: Vec<String>,
    /// Employer of an employer account.
    pub employer_id: Option<Uuid>,
    /// Whether the account may sign in.
    pub active: bool,
    /// Send as `If-Match` (or use the `ETag`) to change it.
    pub version: i32,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<UserWithCounties> for UserResponse {
    type Error = AppError;

    fn try_from(row: UserWithCounties) -> Result<Self, AppError> {
        let UserWithCounties { user, county_codes } = row;
        let db::users::User {
            id,
            username,
            display_name,
            role,
            employer_id,
            active,
            password_hash: _,
            version,
            created_at,
            updated_at,
        } = user;
        Ok(Self {
            id: parse_id(&id)?,
            username,
            display_name,
            role: Role::parse(&role).ok_or_else(|| AppError::internal("stored role is unknown"))?,
            county_codes,
            employer_id: employer_id.as_deref().map(parse_id).transpose()?,
            active,
            version,
            created_at: utc(created_at),
            updated_at: utc(updated_at),
        })
    }
}

/// Checks that role, counties and employer fit together and exist; returns the sorted,
/// de-duplicated county codes.
fn check_binding(
    conn: &mut AnyConnection,
    role: Role,
    county_codes: &[CountyCode],
    employer_id: Option<&str>,
) -> Result<Vec<String>, AppError> {
    let mut errors = Vec::new();
    let mut codes: Vec<String> = county_codes.iter().map(|c| c.0.clone()).collect();
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

/// Creates an account.
#[utoipa::path(
    tag = "accounts",
    operation_id = "create_user",
    request_body = CreateUser,
    responses(
        (status = 201, description = "Created", body = UserResponse, headers(("ETag" = String, description = "The version"))),
        (status = 200, description = "The same request again: the stored account", body = UserResponse),
        (status = 400, response = crate::openapi::Malformed),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 409, description = "The username is taken, or the id is used by a different account", body = Problem,
            content_type = PROBLEM_JSON),
        (status = 422, response = crate::openapi::Invalid),
    )
)]
#[post("/users")]
pub async fn create_user(
    db: web::Data<Db>,
    caller: AuthUser,
    Json(body): Json<CreateUser>,
) -> Result<HttpResponse, AppError> {
    caller.may("create_user")?;
    let hash = auth::hash_password(body.password.clone()).await?;
    let (created, row) = db
        .run(move |conn| {
            let id = body.id.unwrap_or_else(Uuid::new_v4).to_string();
            let employer_id = body.employer_id.map(|e| e.to_string());
            if let Some(existing) = db::users::find(conn, &id)? {
                return if same_account(&existing, &body, employer_id.as_deref()) {
                    Ok((false, existing))
                } else {
                    Err(AppError::Conflict {
                        detail: "This id belongs to a different account".into(),
                        existing_id: Some(id),
                    })
                };
            }
            let codes = check_binding(conn, body.role, &body.county_codes, employer_id.as_deref())?;
            if let Some(other) = db::users::find_by_username(conn, &body.username)? {
                return Err(AppError::Conflict {
                    detail: "The username is taken".into(),
                    existing_id: Some(other.id),
                });
            }
            let now = db::now();
            conn.transaction(|c| {
                db::users::insert(
                    c,
                    &db::users::NewUser {
                        id: &id,
                        username: &body.username,
                        display_name: &body.display_name,
                        role: body.role.as_str(),
                        employer_id: employer_id.as_deref(),
                        active: body.active.unwrap_or(true),
                        password_hash: &hash,
                        version: 1,
                        created_at: now,
                        updated_at: now,
                    },
                    &codes,
                )?;
                db::audit::record(c, caller.event("create", "user", Some(&id)))
            })?;
            let row = db::users::find(conn, &id)?.ok_or(AppError::NotFound)?;
            Ok((true, row))
        })
        .await?;
    let response = UserResponse::try_from(row)?;
    let status = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(with_etag(status, response.version).json(response))
}

/// Whether a replayed create carries the same account as the stored one.
fn same_account(stored: &UserWithCounties, body: &CreateUser, employer_id: Option<&str>) -> bool {
    let mut codes: Vec<String> = body.county_codes.iter().map(|c| c.0.clone()).collect();
    codes.sort();
    codes.dedup();
    let user = &stored.user;
    user.username == body.username
        && user.display_name == body.display_name
        && user.role == body.role.as_str()
        && user.employer_id.as_deref() == employer_id
        && user.active == body.active.unwrap_or(true)
        && stored.county_codes == codes
        && auth::verify_password_now(&body.password, &user.password_hash)
}

/// Lists accounts in username order.
#[utoipa::path(
    tag = "accounts",
    operation_id = "list_users",
    params(PageParams, SyncParams),
    responses(
        (status = 200, description = "One page of accounts", body = Page<UserResponse>),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 422, response = crate::openapi::Invalid),
    )
)]
#[get("/users")]
pub async fn list_users(
    db: web::Data<Db>,
    caller: AuthUser,
    Query(page): Query<PageParams>,
    Query(sync): Query<SyncParams>,
) -> Result<HttpResponse, AppError> {
    caller.may("list_users")?;
    let after = page.after()?;
    let limit = page.limit();
    let rows = db
        .run(move |conn| {
            Ok(db::users::list(
                conn,
                after.as_deref(),
                sync.since(),
                limit + 1,
            )?)
        })
        .await?;
    let page = Page::from_rows(
        rows,
        limit,
        |r| r.user.username.clone(),
        UserResponse::try_from,
    )?;
    Ok(HttpResponse::Ok().json(page))
}

/// One account.
#[utoipa::path(
    tag = "accounts",
    operation_id = "get_user",
    params(
        ("id" = Uuid, Path, description = "Account id"),
        ("If-None-Match" = Option<String>, Header, description = "An ETag read before: 304 when unchanged"),
    ),
    responses(
        (status = 200, description = "The account", body = UserResponse, headers(("ETag" = String, description = "The version"))),
        (status = 304, description = "Unchanged since the ETag sent"),
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[get("/users/{id}")]
pub async fn get_user(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    caller.may("get_user")?;
    let id = id.into_inner().to_string();
    let row = db
        .run(move |conn| db::users::find(conn, &id)?.ok_or(AppError::NotFound))
        .await?;
    if let Some(response) = not_modified(&req, row.user.version) {
        return Ok(response);
    }
    let response = UserResponse::try_from(row)?;
    Ok(with_etag(HttpResponse::Ok(), response.version).json(response))
}

/// Changes an account. Needs `If-Match` with the version read.
#[utoipa::path(
    tag = "accounts",
    operation_id = "update_user",
    params(
        ("id" = Uuid, Path, description = "Account id"),
        ("If-Match" = String, Header, description = "The ETag (version) the change is based on, or `*`",
            pattern = r#"^(\*|(W/)?"[0-9]+")$"#),
    ),
    request_body = UpdateUser,
    responses(
        (status = 200, description = "Changed", body = UserResponse, headers(("ETag" = String, description = "The new version"))),
        (status = 400, response = crate::openapi::Malformed),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 412, response = crate::openapi::PreconditionFailed),
        (status = 422, description = "A field is invalid, or the change breaks a rule", body = Problem,
            content_type = PROBLEM_JSON),
        (status = 428, response = crate::openapi::PreconditionRequired),
    )
)]
#[patch("/users/{id}")]
pub async fn update_user(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    Json(body): Json<UpdateUser>,
) -> Result<HttpResponse, AppError> {
    caller.may("update_user")?;
    let id = id.into_inner().to_string();
    let version = if_match(&req)?;
    let password_hash = match body.password.clone() {
        Some(password) => Some(auth::hash_password(password).await?),
        None => None,
    };
    let row = db
        .run(move |conn| {
            let current = db::users::find(conn, &id)?.ok_or(AppError::NotFound)?;
            check_version(version, current.user.version)?;
            let version = current.user.version;
            if id == caller.id
                && (body.active == Some(false) || body.role.is_some_and(|r| r != Role::Admin))
            {
                return Err(AppError::rule(
                    if body.active == Some(false) {
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
            let role = body.role.unwrap_or(stored_role);
            let employer_id = match (role, body.employer_id) {
                (_, Some(e)) => Some(e.to_string()),
                (Role::Employer, None) => current.user.employer_id.clone(),
                (_, None) => None,
            };
            let county_codes: Vec<CountyCode> = match (&body.county_codes, role.is_county_scoped())
            {
                (Some(codes), _) => codes.clone(),
                (None, true) => current
                    .county_codes
                    .iter()
                    .cloned()
                    .map(CountyCode)
                    .collect(),
                (None, false) => Vec::new(),
            };
            let codes = check_binding(conn, role, &county_codes, employer_id.as_deref())?;
            let changes = db::users::UserChanges {
                display_name: body.display_name.clone(),
                role: body.role.map(|r| r.as_str().to_owned()),
                employer_id: Some(employer_id),
                active: body.active,
                password_hash,
            };
            let now = db::now();
            let applied = conn.transaction(|c| {
                if !db::users::update(c, &id, version, &changes, now)? {
                    return Ok(false);
                }
                if codes != current.county_codes {
                    db::users::set_counties(c, &id, &codes)?;
                }
                // Deactivation, and a new password (perhaps because the old one leaked), end
                // every session of the account.
                if body.active == Some(false) || body.password.is_some() {
                    db::tokens::revoke_user(c, &id, now)?;
                }
                db::audit::record(c, caller.event("update", "user", Some(&id)))?;
                Ok::<_, diesel::result::Error>(true)
            })?;
            if !applied {
                return Err(AppError::PreconditionFailed);
            }
            db::users::find(conn, &id)?.ok_or(AppError::NotFound)
        })
        .await?;
    let response = UserResponse::try_from(row)?;
    Ok(with_etag(HttpResponse::Ok(), response.version).json(response))
}
