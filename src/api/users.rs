//! Accounts, managed by administrators.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::{Validate, ValidationError};

use crate::api::parse_id;
use crate::api::{
    CountyCode, Page, PageParams, SyncParams, if_match, not_modified, utc, with_etag,
};
use crate::auth::{self, AuthUser, Role};
use crate::db::{self, Db, users::UserWithCounties};
use crate::error::{AppError, PROBLEM_JSON, Problem};
use crate::extract::{Json, Query};
use crate::service;

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

limited! {
    body;
    /// A new account.
    #[derive(Debug, Deserialize, Validate, ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct CreateUser {
        /// A client-made id; sending the same request again answers the stored account.
        pub id: Option<Uuid>,
        /// Sign-in name.
        #[validate(custom(function = "valid_username"))]
        #[schema(pattern = "^[a-z0-9][a-z0-9._-]{2,63}$", example = "wang.fang")]
        [3, 64]
        pub username: String,
        /// Name shown to people.
        #[schema(
            pattern = r"^[^\u0000]*$",
            example = "王芳"
        )]
        [1, 100]
        pub display_name: String,
        /// Role.
        pub role: Role,
        /// Counties, for a manager or field worker (at least one); empty for the other roles.
        #[serde(default)]
        [items 13]
        pub county_codes: Vec<CountyCode>,
        /// The employer, for an employer account; absent for the other roles.
        pub employer_id: Option<Uuid>,
        /// Whether the account may sign in (default true).
        pub active: Option<bool>,
        /// At least 10 characters; never returned.
        #[schema(pattern = r"^[^\u0000]*$", write_only, format = Password)]
        [10, 128]
        pub password: String,
    }
}

limited! {
    body;
    /// Changes to an account; absent fields stay as they are. Changing the role to one without
    /// counties or without an employer clears them.
    #[derive(Debug, Deserialize, Validate, ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct UpdateUser {
        /// Name shown to people.
        #[schema(pattern = r"^[^\u0000]*$")]
        [1, 100]
        pub display_name: Option<String>,
        /// Role.
        pub role: Option<Role>,
        /// Counties (replaces the list).
        [items 13]
        pub county_codes: Option<Vec<CountyCode>>,
        /// Employer, for an employer account.
        pub employer_id: Option<Uuid>,
        /// `false` ends the account's access at once, including its refresh tokens.
        pub active: Option<bool>,
        /// A new password, at least 10 characters.
        #[schema(pattern = r"^[^\u0000]*$", write_only, format = Password)]
        [10, 128]
        pub password: Option<String>,
    }
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
    let password_hash = auth::hash_password(body.password.clone()).await?;
    let account = service::users::NewAccount {
        id: body.id.unwrap_or_else(Uuid::new_v4).to_string(),
        username: body.username,
        display_name: body.display_name,
        role: body.role,
        county_codes: body.county_codes.into_iter().map(|c| c.0).collect(),
        employer_id: body.employer_id.map(|e| e.to_string()),
        active: body.active.unwrap_or(true),
        password: body.password,
        password_hash,
    };
    let (created, row) = db
        .run(move |conn| service::users::create(conn, &caller, account))
        .await?;
    let response = UserResponse::try_from(row)?;
    let status = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(with_etag(status, response.version).json(response))
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
    let after = page.after()?;
    let limit = page.limit();
    let rows = db
        .run(move |conn| {
            service::users::list(conn, &caller, after.as_deref(), sync.since(), limit + 1)
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
    let id = id.into_inner().to_string();
    let row = db
        .run(move |conn| service::users::get(conn, &caller, &id))
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
    let id = id.into_inner().to_string();
    let version = if_match(&req)?;
    let password_hash = match body.password {
        Some(password) => Some(auth::hash_password(password).await?),
        None => None,
    };
    let changes = service::users::AccountChanges {
        display_name: body.display_name,
        role: body.role,
        county_codes: body
            .county_codes
            .map(|codes| codes.into_iter().map(|c| c.0).collect()),
        employer_id: body.employer_id.map(|e| e.to_string()),
        active: body.active,
        password_hash,
    };
    let row = db
        .run(move |conn| service::users::update(conn, &caller, &id, version, changes))
        .await?;
    let response = UserResponse::try_from(row)?;
    Ok(with_etag(HttpResponse::Ok(), response.version).json(response))
}
