//! Signing in and out: access tokens, rotating refresh tokens, and who am I.

use actix_web::{HttpResponse, get, post, web};
use chrono::TimeDelta;
use diesel::Connection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::api::parse_id;
use crate::auth::{
    self, ACCESS_TOKEN_SECONDS, AuthUser, DECOY_HASH, REFRESH_TOKEN_DAYS, RequestId, Role,
    SigningKey,
};
use crate::db::{self, AnyConnection, Db, audit::Event};
use crate::error::{AppError, PROBLEM_JSON, Problem};
use crate::extract::Json;

/// Failed sign-ins allowed for one username within [`THROTTLE_WINDOW_MINUTES`].
pub const MAX_FAILED_SIGN_INS: usize = 5;
/// The throttling window.
pub const THROTTLE_WINDOW_MINUTES: i64 = 15;

/// Username and password.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The account's sign-in name.
    #[validate(length(min = 1, max = 64))]
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\u0000]*$",
        example = "admin"
    )]
    pub username: String,
    /// The account's password.
    #[validate(length(min = 1, max = 128))]
    #[schema(min_length = 1, max_length = 128, pattern = r"^[^\u0000]*$", format = Password)]
    pub password: String,
}

/// A refresh token to exchange or revoke.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The `refresh_token` of the last sign-in or refresh.
    #[validate(length(min = 1, max = 256))]
    #[schema(min_length = 1, max_length = 256, pattern = r"^[^\u0000]*$")]
    pub refresh_token: String,
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
    let user = db.run(move |conn| begin_attempt(conn, &name)).await?;

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
        db.run(move |conn| {
            Ok(db::audit::record(
                conn,
                Event {
                    actor_id: None,
                    action: "sign_in_failed",
                    entity: "session",
                    entity_id: None,
                    county_code: None,
                    request_id: Some(request_id),
                },
            )?)
        })
        .await?;
        return Err(AppError::Unauthenticated(
            "The username or password is wrong.",
        ));
    };
    let role =
        Role::parse(&user.role).ok_or_else(|| AppError::internal("stored role is unknown"))?;
    let new_token = auth::new_refresh_token();
    let refresh = new_token.clone();
    let user_id = user.id.clone();
    db.run(move |conn| {
        let now = db::now();
        let window = TimeDelta::minutes(THROTTLE_WINDOW_MINUTES);
        Ok(conn.transaction(|c| {
            db::tokens::clear_failures(c, &username, now - window)?;
            let family = Uuid::new_v4().to_string();
            store_refresh_token(c, &refresh, &family, &user_id, now)?;
            db::audit::record(
                c,
                Event {
                    actor_id: Some(&user_id),
                    action: "sign_in",
                    entity: "session",
                    entity_id: Some(&family),
                    county_code: None,
                    request_id: Some(request_id),
                },
            )
        })?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(token_pair(&key, &user.id, role, new_token)?))
}

/// Records a sign-in attempt as a failure and returns the account, unless the username has
/// failed more than [`MAX_FAILED_SIGN_INS`] times within the window (429). The attempts of one
/// username are serialised by a write to its throttle row, so concurrent guesses are counted
/// one after another and cannot slip past the limit together.
fn begin_attempt(
    conn: &mut AnyConnection,
    username: &str,
) -> Result<Option<db::users::User>, AppError> {
    let now = db::now();
    let window = TimeDelta::minutes(THROTTLE_WINDOW_MINUTES);
    conn.transaction(|c| {
        db::tokens::touch_throttle(c, username, now)?;
        let earlier = db::tokens::recent_failures(c, username, now - window)?;
        if earlier.len() >= MAX_FAILED_SIGN_INS {
            let oldest_that_counts = earlier[earlier.len() - MAX_FAILED_SIGN_INS];
            let wait = (oldest_that_counts + window - now).num_seconds().max(1);
            return Err(AppError::TooManyRequests(wait.unsigned_abs()));
        }
        db::tokens::record_failure(c, username, now)?;
        Ok(db::users::find_by_username(c, username)?)
    })
}

fn store_refresh_token(
    conn: &mut AnyConnection,
    token: &str,
    family: &str,
    user_id: &str,
    now: chrono::NaiveDateTime,
) -> diesel::QueryResult<()> {
    let expires = now + TimeDelta::days(REFRESH_TOKEN_DAYS);
    db::tokens::insert(
        conn,
        &auth::token_digest(token),
        family,
        user_id,
        now,
        expires,
    )
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

/// What became of a refresh token presented for exchange.
enum Exchange {
    Renewed {
        user_id: String,
        role: Role,
        token: String,
    },
    Refused,
    /// A spent token came back: someone holds a copy. The whole family is revoked.
    Reused,
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
        .run(move |conn| Ok(conn.transaction(|c| exchange(c, &body.refresh_token, request_id.0))?))
        .await?;
    match outcome {
        Exchange::Renewed {
            user_id,
            role,
            token,
        } => Ok(HttpResponse::Ok().json(token_pair(&key, &user_id, role, token)?)),
        Exchange::Refused => Err(AppError::Unauthenticated("The refresh token is not valid.")),
        Exchange::Reused => Err(AppError::Unauthenticated(
            "The refresh token was already used; every session from that sign-in is ended.",
        )),
    }
}

fn exchange(
    conn: &mut AnyConnection,
    token: &str,
    request_id: Uuid,
) -> diesel::QueryResult<Exchange> {
    let now = db::now();
    let digest = auth::token_digest(token);
    // Spend first: a write as the first statement takes the write lock on SQLite at once, and
    // on PostgreSQL the row lock makes a concurrent exchange of the same token wait, then find
    // it spent. Either way exactly one exchange wins.
    let spent_now = db::tokens::spend(conn, &digest, now)?;
    let Some(row) = db::tokens::find(conn, &digest)? else {
        return Ok(Exchange::Refused);
    };
    if row.revoked_at.is_some() || row.expires_at <= now {
        return Ok(Exchange::Refused);
    }
    if !spent_now {
        // A spent token came back: someone holds a copy of it.
        db::tokens::revoke_family(conn, &row.family_id, now)?;
        db::audit::record(
            conn,
            Event {
                actor_id: Some(&row.user_id),
                action: "refresh_token_reused",
                entity: "session",
                entity_id: Some(&row.family_id),
                county_code: None,
                request_id: Some(request_id),
            },
        )?;
        return Ok(Exchange::Reused);
    }
    let user = db::users::find(conn, &row.user_id)?.filter(|u| u.user.active);
    let Some(role) = user.and_then(|u| Role::parse(&u.user.role)) else {
        return Ok(Exchange::Refused);
    };
    let new_token = auth::new_refresh_token();
    store_refresh_token(conn, &new_token, &row.family_id, &row.user_id, now)?;
    db::audit::record(
        conn,
        Event {
            actor_id: Some(&row.user_id),
            action: "refresh",
            entity: "session",
            entity_id: Some(&row.family_id),
            county_code: None,
            request_id: Some(request_id),
        },
    )?;
    Ok(Exchange::Renewed {
        user_id: row.user_id,
        role,
        token: new_token,
    })
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
    db.run(move |conn| {
        let row = db::tokens::find(conn, &auth::token_digest(&body.refresh_token))?;
        // Only the caller's own tokens: a token of someone else is left alone, silently.
        let Some(row) = row.filter(|r| r.user_id == user.id) else {
            return Ok(());
        };
        // Writes only inside the transaction: on SQLite it then never has to upgrade a read.
        conn.transaction(|c| {
            db::tokens::revoke_family(c, &row.family_id, db::now())?;
            db::audit::record(c, user.event("sign_out", "session", Some(&row.family_id)))
        })?;
        Ok(())
    })
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
    let id = user.id.clone();
    let row = db
        .run(move |conn| db::users::find(conn, &id)?.ok_or(AppError::NotFound))
        .await?;
    Ok(HttpResponse::Ok().json(MeResponse {
        id: parse_id(&row.user.id)?,
        username: row.user.username,
        display_name: row.user.display_name,
        role: user.role,
        county_codes: row.county_codes,
        employer_id: row.user.employer_id.as_deref().map(parse_id).transpose()?,
    }))
}
