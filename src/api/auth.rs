//! Signing in and out: access tokens, rotating refresh tokens, and who am I.

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::api::parse_id;
use crate::auth::{self, ACCESS_TOKEN_SECONDS, AuthUser, DECOY_HASH, RequestId, Role, SigningKey};
use crate::db::Db;
use crate::error::{AppError, PROBLEM_JSON, Problem};
use crate::extract::Json;
use crate::service::sessions;

pub use crate::service::sessions::{MAX_FAILED_SIGN_INS, THROTTLE_WINDOW_MINUTES};

limited! {
    body;
    /// Username and password.
    #[derive(Debug, Deserialize, Validate, ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct LoginRequest {
        /// The account's sign-in name.
        #[schema(
            pattern = r"^[^\u0000]*$",
            example = "admin"
        )]
        [1, 64]
        pub username: String,
        /// The account's password.
        #[schema(pattern = r"^[^\u0000]*$", format = Password)]
        [1, 128]
        pub password: String,
    }
}

limited! {
    body;
    /// A refresh token to exchange or revoke.
    #[derive(Debug, Deserialize, Validate, ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct RefreshRequest {
        /// The `refresh_token` of the last sign-in or refresh.
        #[schema(pattern = r"^[^\u0000]*$")]
        [1, 256]
        pub refresh_token: String,
    }
}

/// A new pair of tokens.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds the access token lives (900).
    #[schema(example = 900)]
    pub expires_in: i64,
    /// Exchange it at `/api/v1/auth/refresh` for a new pair; it works once, for 30 days.
    pub refresh_token: String,
}

/// The signed-in account.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeResponse {
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
}

/// Signs in with a username and password.
///
/// More than five failed attempts for one username within 15 minutes answer 429 with
/// `Retry-After`. An unknown username and a wrong password answer the same.
#[utoipa::path(
    tag = "accounts",
    operation_id = "login",
    security(()),
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 400, response = crate::openapi::Malformed),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 422, response = crate::openapi::Invalid),
        (status = 429, description = "Too many failed attempts", body = Problem, content_type = PROBLEM_JSON),
    )
)]
#[post("/auth/login")]
pub async fn login(
    db: web::Data<Db>,
    key: web::Data<SigningKey>,
    request_id: RequestId,
    Json(body): Json<LoginRequest>,
) -> Result<HttpResponse, AppError> {
    let username = body.username.trim().to_lowercase();
    let request_id = request_id.0;

    // 1. Count the attempt as a failure until it proves otherwise (or refuse it: throttled).
    let name = username.clone();
    let user = db
        .run(move |conn| sessions::begin_attempt(conn, &name))
        .await?;

    // 2. Check the password without holding a database connection.
    let accepted = match &user {
        Some(user) => {
            auth::verify_password(body.password.clone(), user.password_hash.clone()).await?
                && user.active
        }
        None => {
            // The same work as for a real account, so timing does not tell which names exist.
            auth::verify_password(body.password.clone(), DECOY_HASH.clone()).await?;
            false
        }
    };

    // 3. Record the outcome.
    let Some(user) = user.filter(|_| accepted) else {
        db.run(move |conn| sessions::failed(conn, request_id))
            .await?;
        return Err(AppError::Unauthenticated(
            "The username or password is wrong.",
        ));
    };
    let role =
        Role::parse(&user.role).ok_or_else(|| AppError::internal("stored role is unknown"))?;
    let user_id = user.id.clone();
    let new_token = db
        .run(move |conn| sessions::start(conn, &username, &user_id, request_id))
        .await?;
    Ok(HttpResponse::Ok().json(token_pair(&key, &user.id, role, new_token)?))
}

fn token_pair(
    key: &SigningKey,
    user_id: &str,
    role: Role,
    refresh: String,
) -> Result<TokenResponse, AppError> {
    Ok(TokenResponse {
        access_token: key.issue(user_id, role, chrono::Utc::now().timestamp())?,
        token_type: "Bearer".into(),
        expires_in: ACCESS_TOKEN_SECONDS,
        refresh_token: refresh,
    })
}

/// Exchanges a refresh token for a new pair; the old one is spent.
///
/// Presenting a spent token again revokes every token descended from the same sign-in.
#[utoipa::path(
    tag = "accounts",
    operation_id = "refresh_token",
    security(()),
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new pair", body = TokenResponse),
        (status = 400, response = crate::openapi::Malformed),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 422, response = crate::openapi::Invalid),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh_token(
    db: web::Data<Db>,
    key: web::Data<SigningKey>,
    request_id: RequestId,
    Json(body): Json<RefreshRequest>,
) -> Result<HttpResponse, AppError> {
    let outcome = db
        .run(move |conn| sessions::exchange(conn, &body.refresh_token, request_id.0))
        .await?;
    match outcome {
        sessions::Exchange::Renewed {
            user_id,
            role,
            token,
        } => Ok(HttpResponse::Ok().json(token_pair(&key, &user_id, role, token)?)),
        sessions::Exchange::Refused | sessions::Exchange::HoldAlone => {
            Err(AppError::Unauthenticated("The refresh token is not valid."))
        }
        sessions::Exchange::Reused => Err(AppError::Unauthenticated(
            "The refresh token was already used; every session from that sign-in is ended.",
        )),
    }
}

/// Signs out: revokes the refresh token and every token of its sign-in.
#[utoipa::path(
    tag = "accounts",
    operation_id = "logout",
    request_body = RefreshRequest,
    responses(
        (status = 204, description = "Signed out (also when the token was already invalid)"),
        (status = 400, response = crate::openapi::Malformed),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 422, response = crate::openapi::Invalid),
    )
)]
#[post("/auth/logout")]
pub async fn logout(
    db: web::Data<Db>,
    user: AuthUser,
    Json(body): Json<RefreshRequest>,
) -> Result<HttpResponse, AppError> {
    db.run(move |conn| sessions::end(conn, &user, &body.refresh_token))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The signed-in account.
#[utoipa::path(
    tag = "accounts",
    operation_id = "get_me",
    responses(
        (status = 200, description = "The account", body = MeResponse),
        (status = 401, response = crate::openapi::Unauthenticated),
    )
)]
#[get("/me")]
pub async fn get_me(db: web::Data<Db>, user: AuthUser) -> Result<HttpResponse, AppError> {
    let response = db.run(move |conn| me(conn, &user)).await?;
    Ok(HttpResponse::Ok().json(response))
}

/// The caller's account as `GET /me` answers it.
fn me(conn: &mut crate::db::AnyConnection, caller: &AuthUser) -> Result<MeResponse, AppError> {
    let row = sessions::account(conn, &caller.id)?;
    Ok(MeResponse {
        id: parse_id(&row.user.id)?,
        username: row.user.username,
        display_name: row.user.display_name,
        role: caller.role,
        county_codes: row.county_codes,
        employer_id: row.user.employer_id.as_deref().map(parse_id).transpose()?,
    })
}

/// The caller's own account in offline sync: the record as `GET /me` answers it.
pub fn sync_kind() -> crate::api::SyncKind {
    crate::api::SyncKind {
        kind: crate::service::sync::Kind::Account,
        schema: "MeResponse",
        load: |conn, ctx, id| {
            if id != ctx.caller.id {
                return Ok(None);
            }
            crate::api::visible(me(conn, &ctx.caller))
        },
        actions: &[],
    }
}
