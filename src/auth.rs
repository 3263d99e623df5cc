//! Who is calling: passwords, access tokens (JWT), refresh tokens, and the `AuthUser`
//! extractor that every protected handler takes.
//!
//! Access tokens are HS256 JWTs that live 15 minutes. The extractor loads the account on every
//! request, so a deactivated account, or a changed role or county list, takes effect at once.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::LazyLock;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::access::Who;
pub use crate::access::{Caller, Role};
use crate::db::{self, Db};
use crate::error::AppError;

/// The `iss` of our tokens.
pub const ISSUER: &str = "luliang-tracker";
/// The `aud` of our tokens.
pub const AUDIENCE: &str = "luliang-tracker-api";
/// How long an access token lives.
pub const ACCESS_TOKEN_SECONDS: i64 = 15 * 60;
/// How long a refresh token lives: field staff may be out of signal for weeks.
pub const REFRESH_TOKEN_DAYS: i64 = 30;
/// Clock skew tolerated when checking `exp` and `nbf`.
const LEEWAY_SECONDS: u64 = 30;

/// The claims of an access token.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The account's id.
    pub sub: String,
    /// The account's role when the token was issued (the stored role is what counts).
    pub role: String,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Not before.
    pub nbf: i64,
    /// Expires.
    pub exp: i64,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
}

/// The HS256 key that signs and checks access tokens.
#[derive(Clone)]
pub struct SigningKey {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl SigningKey {
    /// A key from its bytes (at least 32; `Config` checks `JWT_SECRET`).
    pub fn new(bytes: &[u8]) -> Result<Self, String> {
        let refused = |e: jsonwebtoken::errors::Error| format!("the key is refused: {e}");
        Ok(Self {
            encoding: EncodingKey::from_secret(bytes).map_err(refused)?,
            decoding: DecodingKey::from_secret(bytes).map_err(refused)?,
        })
    }

    /// A signed access token for `user_id`, valid from `now` for 15 minutes.
    pub fn issue(&self, user_id: &str, role: Role, now: i64) -> Result<String, AppError> {
        let claims = Claims {
            sub: user_id.to_owned(),
            role: role.as_str().to_owned(),
            iat: now,
            nbf: now,
            exp: now + ACCESS_TOKEN_SECONDS,
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(AppError::internal)
    }

    /// The claims of a token this server signed and that is valid now; the algorithm is pinned
    /// to HS256, so `alg: none` and other algorithms are refused.
    pub fn verify(&self, token: &str) -> Result<Claims, AppError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_nbf = true;
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["sub", "exp", "nbf", "iat", "iss", "aud"]);
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|_| AppError::Unauthenticated("The access token is invalid or has expired."))
    }

    /// `claims` signed (HS256) with this key: a token the client cannot alter, such as a sync
    /// cursor. It carries no audience, so it never passes for an access token.
    pub fn sign(&self, claims: &impl serde::Serialize) -> Result<String, AppError> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(AppError::internal)
    }

    /// The claims of a token [`SigningKey::sign`] made; `None` when it is altered, truncated or
    /// not ours.
    pub fn read_signed<T: serde::de::DeserializeOwned>(&self, token: &str) -> Option<T> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.validate_aud = false;
        validation.set_required_spec_claims(&["sub"]);
        jsonwebtoken::decode::<T>(token, &self.decoding, &validation)
            .ok()
            .map(|data| data.claims)
    }
}

/// 48 random bytes from the operating system, hex-encoded: a generated signing secret.
pub fn random_secret() -> String {
    random_hex::<48>()
}

/// A new refresh token: 32 random bytes, hex-encoded.
pub fn new_refresh_token() -> String {
    random_hex::<32>()
}

fn random_hex<const N: usize>() -> String {
    let mut bytes = [0u8; N];
    // Without the OS random source nothing can be kept secret: refuse to go on.
    getrandom::fill(&mut bytes).expect("the operating system's random source is unavailable");
    hex(&bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The digest under which a refresh token is stored.
pub fn token_digest(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Argon2id with 19 MiB, 2 passes, 1 lane (OWASP's first recommended setting): about 20 ms a
/// hash on the release build here, within the 50 ms budget of one sign-in.
fn argon2() -> argon2::Argon2<'static> {
    let params = argon2::Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
}

/// Password hashes running at once, at most: each takes a core and 19 MiB, so more would only
/// queue on the CPU and grow memory, and a burst of sign-ins must not hold database connections.
static HASHING: LazyLock<tokio::sync::Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    tokio::sync::Semaphore::new(cores * 2)
});

/// Hashes a password on the blocking pool, at most a few at a time.
pub async fn hash_password(password: String) -> Result<String, AppError> {
    let _permit = HASHING.acquire().await.map_err(AppError::internal)?;
    web::block(move || hash_password_now(&password))
        .await
        .map_err(AppError::internal)?
}

/// Whether `password` matches `hash`, checked on the blocking pool, at most a few at a time.
pub async fn verify_password(password: String, hash: String) -> Result<bool, AppError> {
    let _permit = HASHING.acquire().await.map_err(AppError::internal)?;
    web::block(move || verify_password_now(&password, &hash))
        .await
        .map_err(AppError::internal)
}

/// Hashes a password on this thread (slow by design).
pub fn hash_password_now(password: &str) -> Result<String, AppError> {
    use argon2::PasswordHasher;
    argon2()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(AppError::internal)
}

/// Whether `password` matches `hash`, on this thread (slow by design).
pub fn verify_password_now(password: &str, hash: &str) -> bool {
    use argon2::PasswordVerifier;
    argon2().verify_password(password.as_bytes(), hash).is_ok()
}

/// A hash of a random password, checked against when the username is unknown, so that an
/// unknown user costs the same time as a wrong password.
pub static DECOY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password_now(&random_hex::<16>()).unwrap_or_default());

/// The id of one request, in its log line, its `X-Request-Id` header and its audit rows (set by
/// the request-log middleware in `server.rs`).
#[derive(Debug, Clone, Copy)]
pub struct RequestId(pub Uuid);

impl FromRequest for RequestId {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let id = req
            .extensions()
            .get::<RequestId>()
            .copied()
            .unwrap_or(RequestId(Uuid::new_v4()));
        std::future::ready(Ok(id))
    }
}

/// The signed-in caller: who is calling, as `access.rs` judges it.
pub type AuthUser = Caller;

impl FromRequest for AuthUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // The gate in front of the handler has loaded the caller already.
        if let Some(caller) = req.extensions().get::<Caller>().cloned() {
            return Box::pin(std::future::ready(Ok(caller)));
        }
        let token = bearer_token(req);
        let key = req.app_data::<web::Data<SigningKey>>().cloned();
        let db = req.app_data::<web::Data<Db>>().cloned();
        let request_id = req
            .extensions()
            .get::<RequestId>()
            .map_or_else(Uuid::new_v4, |r| r.0);
        Box::pin(async move {
            let token = token?;
            let (key, db) = key
                .zip(db)
                .ok_or_else(|| AppError::internal("app data missing"))?;
            let claims = key.verify(&token)?;
            let user = db
                .run(move |conn| Ok(db::users::find(conn, &claims.sub)?))
                .await?
                .filter(|u| u.user.active)
                .ok_or(AppError::Unauthenticated(
                    "The account does not exist or is deactivated.",
                ))?;
            let role = Role::parse(&user.user.role)
                .ok_or_else(|| AppError::internal("stored role is unknown"))?;
            Ok(AuthUser {
                id: user.user.id,
                username: user.user.username,
                role,
                county_codes: user.county_codes,
                employer_id: user.user.employer_id,
                request_id,
            })
        })
    }
}

/// Who may call each route: `(method, path template)` to the access table's entry, read from
/// the OpenAPI document's operation ids when the server starts.
#[derive(Debug, Clone, Default)]
pub struct Gate {
    routes: HashMap<(Method, String), Result<Who, String>>,
}

impl Gate {
    /// The gate of every operation in `doc`; an operation missing from the access table is
    /// refused with a 500 (and a test keeps the two equal).
    pub fn from_openapi(doc: &utoipa::openapi::OpenApi) -> Self {
        let mut routes = HashMap::new();
        for (path, item) in &doc.paths.paths {
            let operations = [
                (Method::GET, &item.get),
                (Method::PUT, &item.put),
                (Method::POST, &item.post),
                (Method::DELETE, &item.delete),
                (Method::PATCH, &item.patch),
            ];
            for (method, operation) in operations {
                let Some(operation) = operation else { continue };
                let id = operation.operation_id.clone().unwrap_or_default();
                let who = crate::access::who_may(&id).ok_or(id);
                routes.insert((method, path.clone()), who);
            }
        }
        Self { routes }
    }
}

/// Middleware: signs the caller in and checks the access table before the handler reads its
/// request, so a role that may not call an operation gets 403 whatever body it sent, and a
/// caller who is not signed in 401. The caller it loads is the one the handler's [`AuthUser`]
/// receives.
pub async fn gate(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let gate = req.app_data::<web::Data<Gate>>().cloned();
    let who = match (gate, req.match_pattern()) {
        (Some(gate), Some(pattern)) => gate.routes.get(&(req.method().clone(), pattern)).cloned(),
        _ => None,
    };
    let who = match who {
        None | Some(Ok(Who::Anyone)) => None,
        Some(Ok(who)) => Some(who),
        Some(Err(id)) => {
            let error = AppError::internal(format!("operation {id} is not in the access table"));
            return Ok(req.error_response(error).map_into_right_body());
        }
    };
    if let Some(who) = who {
        let caller = match Caller::from_request(req.request(), &mut Payload::None).await {
            Ok(caller) => caller,
            Err(error) => return Ok(req.error_response(error).map_into_right_body()),
        };
        if !who.admits(caller.role) {
            let error = crate::access::forbidden(who);
            return Ok(req.error_response(error).map_into_right_body());
        }
        req.extensions_mut().insert(caller);
    }
    Ok(next.call(req).await?.map_into_left_body())
}

fn bearer_token(req: &HttpRequest) -> Result<String, AppError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or(AppError::Unauthenticated(
            "Sign in and send Authorization: Bearer <access token>.",
        ))?;
    let value = value
        .to_str()
        .map_err(|_| AppError::Unauthenticated("The Authorization header is malformed."))?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim().to_owned())
        }
        _ => Err(AppError::Unauthenticated(
            "The Authorization header is malformed.",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_with_their_key_and_in_their_time() {
        let key = SigningKey::new(&[7; 32]).unwrap();
        let other = SigningKey::new(&[8; 32]).unwrap();
        let now = chrono::Utc::now().timestamp();
        let token = key.issue("u1", Role::Manager, now).unwrap();
        assert_eq!(key.verify(&token).unwrap().sub, "u1");
        assert!(other.verify(&token).is_err());
        // Within the leeway an expired token still passes; beyond it, not.
        let old = key
            .issue("u1", Role::Manager, now - ACCESS_TOKEN_SECONDS - 20)
            .unwrap();
        assert!(key.verify(&old).is_ok());
        let older = key
            .issue("u1", Role::Manager, now - ACCESS_TOKEN_SECONDS - 60)
            .unwrap();
        assert!(key.verify(&older).is_err());
    }

    #[test]
    fn passwords_verify_against_their_hash_only() {
        let hash = hash_password_now("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password_now("correct horse battery", &hash));
        assert!(!verify_password_now("correct horse batterx", &hash));
        assert!(!verify_password_now("anything", "not a hash"));
    }
}
