//! The test harness: the real server on 127.0.0.1:0 with a fresh database, and a small client.

pub mod builders;
pub mod db;
pub mod proxy;

use actix_web::http::Method;
use actix_web::http::header::HeaderMap;
use serde_json::Value;

use tracker::config::Config;
use tracker::server::Server;

pub use db::TestDatabase;

/// A running server with its own database.
#[derive(Clone)]
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    client: awc::Client,
    /// The database the server uses, deleted when the last app on it is dropped.
    db: std::sync::Arc<TestDatabase>,
    /// Stops the server when the last clone of this app is dropped.
    _server: std::sync::Arc<StopOnDrop>,
}

/// The signing secret of test servers, so tests can forge tokens of their own.
pub const TEST_JWT_SECRET: &str = "test-secret-of-at-least-thirty-two-bytes";
/// The first administrator's password on test servers.
pub const ADMIN_PASSWORD: &str = "test-admin-password";
/// The password test accounts get.
pub const USER_PASSWORD: &str = "a-good-long-password";

/// The settings a test server starts with: port 0, one worker, a fixed signing secret and
/// administrator password.
pub fn test_config(database_url: &str) -> Config {
    config_with(database_url, &[("JWT_SECRET", TEST_JWT_SECRET)])
}

/// Test settings plus `extra` (an empty value leaves a variable unset).
pub fn config_with(database_url: &str, extra: &[(&str, &str)]) -> Config {
    let mut vars: Vec<(String, String)> = vec![
        ("DATABASE_URL".into(), database_url.to_owned()),
        ("BIND_ADDR".into(), "127.0.0.1:0".into()),
        ("HTTP_WORKERS".into(), "1".into()),
        ("DB_POOL_SIZE".into(), "4".into()),
        ("ADMIN_PASSWORD".into(), ADMIN_PASSWORD.into()),
    ];
    vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Config::from_lookup(|name| {
        vars.iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    })
    .expect("a valid test configuration")
}

/// Stops a test server when dropped, so its workers close their database connections before
/// the test process exits (libpq's TLS teardown at exit crashes on connections still open).
pub struct StopOnDrop(actix_web::dev::ServerHandle);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        // The stop command is sent at once; the returned future only waits for it.
        drop(self.0.stop(false));
    }
}

/// A fresh valid unified social credit code (GB 32100): a Lüliang region code, random digits and
/// the check character.
pub fn credit_code() -> String {
    let digits = uuid::Uuid::new_v4().as_u128() % 1_000_000_000;
    let first17 = format!("91141125{digits:09}");
    let check = tracker::domain::credit_code::check_character(&first17).unwrap();
    format!("{first17}{check}")
}

/// A signed-in account of a test.
#[derive(Debug, Clone)]
pub struct Actor {
    /// Account id.
    pub id: String,
    /// Sign-in name.
    pub username: String,
    /// Its access token.
    pub token: String,
    /// Its refresh token.
    pub refresh_token: String,
}

impl TestApp {
    /// Starts a server on a fresh database.
    pub async fn spawn() -> Self {
        let db = TestDatabase::create();
        let config = test_config(&db.url);
        Self::spawn_with(db, config).await
    }

    /// Another server on the same database (a restart), with `config`.
    pub async fn restart(&self, config: Config) -> Self {
        let server = Server::bind(config).await.expect("the server starts again");
        let address = format!("http://127.0.0.1:{}", server.port());
        let stop = std::sync::Arc::new(StopOnDrop(server.handle()));
        actix_web::rt::spawn(server.run());
        Self {
            address,
            client: self.client.clone(),
            db: self.db.clone(),
            _server: stop,
        }
    }

    /// Starts a server on `db` with `config`.
    pub async fn spawn_with(db: TestDatabase, config: Config) -> Self {
        let server = Server::bind(config).await.expect("the server starts");
        let address = format!("http://127.0.0.1:{}", server.port());
        let stop = std::sync::Arc::new(StopOnDrop(server.handle()));
        actix_web::rt::spawn(server.run());
        Self {
            address,
            _server: stop,
            client: awc::Client::builder()
                .timeout(std::time::Duration::from_secs(30))
                .disable_redirects()
                .finish(),
            db: std::sync::Arc::new(db),
        }
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> TestResponse {
        self.request(Method::GET, path).send().await
    }

    /// The `DATABASE_URL` of this app's database.
    pub fn database_url(&self) -> &str {
        &self.db.url
    }

    /// `GET path` as `actor`.
    pub async fn get_as(&self, actor: &Actor, path: &str) -> TestResponse {
        self.request(Method::GET, path).auth(actor).send().await
    }

    /// `POST path` with a JSON body as `actor`.
    pub async fn post_as(&self, actor: &Actor, path: &str, body: &Value) -> TestResponse {
        self.request(Method::POST, path)
            .auth(actor)
            .json(body)
            .await
    }

    /// `PUT path` with a JSON body as `actor`.
    pub async fn put_as(&self, actor: &Actor, path: &str, body: &Value) -> TestResponse {
        self.request(Method::PUT, path).auth(actor).json(body).await
    }

    /// `PATCH path` with a JSON body as `actor`, with `If-Match: etag` unless `etag` is empty.
    pub async fn patch_as(
        &self,
        actor: &Actor,
        path: &str,
        etag: &str,
        body: &Value,
    ) -> TestResponse {
        let mut request = self.request(Method::PATCH, path).auth(actor);
        if !etag.is_empty() {
            request = request.header("if-match", etag);
        }
        request.json(body).await
    }

    /// Signs in; the raw answer.
    pub async fn login(&self, username: &str, password: &str) -> TestResponse {
        self.request(Method::POST, "/api/v1/auth/login")
            .json(&serde_json::json!({"username": username, "password": password}))
            .await
    }

    /// Signs in and returns the actor.
    pub async fn sign_in(&self, username: &str, password: &str) -> Actor {
        let tokens = self.login(username, password).await.ok_json(200);
        let me = self
            .request(Method::GET, "/api/v1/me")
            .header(
                "authorization",
                &format!("Bearer {}", tokens["access_token"].as_str().unwrap()),
            )
            .send()
            .await
            .ok_json(200);
        Actor {
            id: me["id"].as_str().unwrap().to_owned(),
            username: username.to_owned(),
            token: tokens["access_token"].as_str().unwrap().to_owned(),
            refresh_token: tokens["refresh_token"].as_str().unwrap().to_owned(),
        }
    }

    /// The first administrator, signed in.
    pub async fn admin(&self) -> Actor {
        self.sign_in("admin", ADMIN_PASSWORD).await
    }

    /// Creates an account through the admin API and signs it in.
    pub async fn user(&self, role: &str, counties: &[&str], employer_id: Option<&str>) -> Actor {
        let admin = self.admin().await;
        let username = format!(
            "{}-{}",
            role.replace('_', "-"),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let body = serde_json::json!({
            "username": username,
            "display_name": format!("Test {role}"),
            "role": role,
            "county_codes": counties,
            "employer_id": employer_id,
            "password": USER_PASSWORD,
        });
        self.post_as(&admin, "/api/v1/users", &body)
            .await
            .ok_json(201);
        self.sign_in(&username, USER_PASSWORD).await
    }

    /// A field worker of `counties`, signed in.
    pub async fn field_staff(&self, counties: &[&str]) -> Actor {
        self.user("field_staff", counties, None).await
    }

    /// A manager of `counties`, signed in.
    pub async fn manager(&self, counties: &[&str]) -> Actor {
        self.user("manager", counties, None).await
    }

    /// A user of `employer_id`, signed in.
    pub async fn employer_user(&self, employer_id: &str) -> Actor {
        self.user("employer", &[], Some(employer_id)).await
    }

    /// Registers an employer (as the administrator) and returns its id.
    pub async fn employer(&self, name: &str) -> String {
        self.organisation("employers", name).await
    }

    /// Registers an organisation in `collection` (`providers`, `agencies`, `employers`) as the
    /// administrator, with a fresh valid credit code, and returns its id.
    pub async fn organisation(&self, collection: &str, name: &str) -> String {
        let admin = self.admin().await;
        let body = self
            .post_as(
                &admin,
                &format!("/api/v1/{collection}"),
                &serde_json::json!({
                    "name": name, "city": "太原市", "credit_code": credit_code(),
                }),
            )
            .await
            .ok_json(201);
        body["id"].as_str().unwrap().to_owned()
    }

    /// A request to build further.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder<'_> {
        RequestBuilder {
            request: self
                .client
                .request(method, format!("{}{path}", self.address)),
            _app: self,
        }
    }
}

/// A request under construction.
pub struct RequestBuilder<'a> {
    request: awc::ClientRequest,
    _app: &'a TestApp,
}

impl RequestBuilder<'_> {
    /// Sends `actor`'s access token.
    pub fn auth(self, actor: &Actor) -> Self {
        self.header("authorization", &format!("Bearer {}", actor.token))
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.request = self.request.insert_header((name, value));
        self
    }

    /// Sends with no body.
    pub async fn send(self) -> TestResponse {
        TestResponse::read(self.request.send().await).await
    }

    /// Sends `body` as JSON.
    pub async fn json(self, body: &Value) -> TestResponse {
        TestResponse::read(self.request.send_json(body).await).await
    }

    /// Sends raw bytes with a content type.
    pub async fn body(self, content_type: &str, body: impl Into<Vec<u8>>) -> TestResponse {
        let body: Vec<u8> = body.into();
        TestResponse::read(
            self.request
                .insert_header(("content-type", content_type))
                .send_body(body)
                .await,
        )
        .await
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct TestResponse {
    /// The status code.
    pub status: u16,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Vec<u8>,
}

impl TestResponse {
    async fn read<S>(response: Result<awc::ClientResponse<S>, awc::error::SendRequestError>) -> Self
    where
        S: futures_core::Stream<
                Item = Result<actix_web::web::Bytes, actix_web::error::PayloadError>,
            > + Unpin,
    {
        let mut response = response.expect("the request reaches the server");
        let body = response
            .body()
            .limit(16 * 1024 * 1024)
            .await
            .expect("the body is read");
        Self {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: body.to_vec(),
        }
    }

    /// The value of a header, or "" when absent.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "the body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// Asserts a status and a JSON body, and returns the body.
    pub fn ok_json(&self, status: u16) -> Value {
        assert_eq!(
            self.status,
            status,
            "unexpected status; body: {}",
            String::from_utf8_lossy(&self.body)
        );
        assert!(
            self.header("content-type").starts_with("application/json"),
            "content type {}",
            self.header("content-type")
        );
        self.json()
    }

    /// Asserts an RFC 9457 problem of `status` and `type_`, and returns it.
    pub fn problem(&self, status: u16, type_: &str) -> Value {
        assert_eq!(
            self.status,
            status,
            "unexpected status; body: {}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(self.header("content-type"), "application/problem+json");
        let body = self.json();
        assert_eq!(body["type"], type_, "{body}");
        assert_eq!(body["status"], status, "{body}");
        assert!(
            body["title"].as_str().is_some_and(|t| !t.is_empty()),
            "{body}"
        );
        assert!(
            body["detail"].as_str().is_some_and(|t| !t.is_empty()),
            "{body}"
        );
        body
    }

    /// Asserts a 422 rule violation whose errors name `field` with `code`.
    pub fn invalid_rule(&self, field: &str, code: &str) -> Value {
        let body = self.problem(422, "/problems/rule-violated");
        let errors = body["errors"].as_array().expect("errors");
        assert!(
            errors
                .iter()
                .any(|e| e["field"] == field && e["code"] == code),
            "expected {field}/{code} in {body}"
        );
        body
    }

    /// Asserts a 422 validation problem whose errors name `field` with `code`.
    pub fn invalid_field(&self, field: &str, code: &str) -> Value {
        let body = self.problem(422, "/problems/validation");
        let errors = body["errors"].as_array().expect("errors");
        assert!(
            errors
                .iter()
                .any(|e| e["field"] == field && e["code"] == code),
            "expected {field}/{code} in {body}"
        );
        body
    }
}
