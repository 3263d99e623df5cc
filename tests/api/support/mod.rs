//! The test harness: the real server on 127.0.0.1:0 with a fresh database, and a small client.

pub mod db;
pub mod proxy;

use actix_web::http::Method;
use actix_web::http::header::HeaderMap;
use serde_json::Value;

use tracker::config::Config;
use tracker::server::Server;

pub use db::TestDatabase;

/// A running server with its own database.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    client: awc::Client,
    /// The database the server uses, deleted when the app is dropped.
    _db: TestDatabase,
}

/// The settings a test server starts with: port 0, one worker, a fixed signing secret.
pub fn test_config(database_url: &str) -> Config {
    let vars = [
        ("DATABASE_URL", database_url.to_owned()),
        ("BIND_ADDR", "127.0.0.1:0".to_owned()),
        ("HTTP_WORKERS", "1".to_owned()),
        ("DB_POOL_SIZE", "4".to_owned()),
    ];
    Config::from_lookup(|name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    })
    .expect("a valid test configuration")
}

impl TestApp {
    /// Starts a server on a fresh database.
    pub async fn spawn() -> Self {
        let db = TestDatabase::create();
        let config = test_config(&db.url);
        Self::spawn_with(db, config).await
    }

    /// Starts a server on `db` with `config`.
    pub async fn spawn_with(db: TestDatabase, config: Config) -> Self {
        let server = Server::bind(config).await.expect("the server starts");
        let address = format!("http://127.0.0.1:{}", server.port());
        actix_web::rt::spawn(server.run());
        Self {
            address,
            client: awc::Client::builder()
                .timeout(std::time::Duration::from_secs(30))
                .disable_redirects()
                .finish(),
            _db: db,
        }
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> TestResponse {
        self.request(Method::GET, path).send().await
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
