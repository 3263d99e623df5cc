//! Framework errors answer problem+json like every other error.

use actix_web::http::Method;

use crate::support::TestApp;

#[actix_web::test]
async fn unknown_routes_are_404_problems() {
    let app = TestApp::spawn().await;
    for path in [
        "/nope",
        "/api/v1/nope",
        "/api/v1/counties/",
        "/api/v2/counties",
    ] {
        let body = app.get(path).await.problem(404, "/problems/not-found");
        assert!(body.get("errors").is_none());
    }
}

#[actix_web::test]
async fn wrong_methods_are_405_with_allow() {
    let app = TestApp::spawn().await;
    for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
        for path in ["/api/v1/counties", "/healthz", "/readyz"] {
            let response = app.request(method.clone(), path).send().await;
            response.problem(405, "/problems/method-not-allowed");
            assert_eq!(response.header("allow"), "GET", "{method} {path}");
        }
    }
}

#[actix_web::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::spawn().await;
    let first = app.get("/api/v1/counties").await;
    let second = app.get("/nope").await;
    let (a, b) = (first.header("x-request-id"), second.header("x-request-id"));
    assert!(uuid::Uuid::parse_str(a).is_ok(), "{a}");
    assert!(uuid::Uuid::parse_str(b).is_ok(), "{b}");
    assert_ne!(a, b);
}
