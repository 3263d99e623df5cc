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

#[actix_web::test]
async fn malformed_json_is_400_and_names_what_is_wrong() {
    let app = TestApp::spawn().await;
    for body in [
        "{\"username\": ",
        "not json",
        "",
        "{\"username\": \"a\", \"password\": \"b\"} trailing",
    ] {
        app.request(Method::POST, "/api/v1/auth/login")
            .body("application/json", body)
            .await
            .problem(400, "/problems/malformed-request");
    }
}

#[actix_web::test]
async fn wrong_types_missing_and_unknown_fields_are_422_naming_the_field() {
    let app = TestApp::spawn().await;
    for (body, field, code) in [
        (
            r#"{"username": 5, "password": "x"}"#,
            "username",
            "invalid_type",
        ),
        (r#"{"username": "admin"}"#, "password", "required"),
        (
            r#"{"username": "admin", "password": "x", "remember": true}"#,
            "remember",
            "unknown_field",
        ),
        (r#"{"username": "", "password": "x"}"#, "username", "length"),
        (r#"[1, 2]"#, "body", "invalid_type"),
    ] {
        app.request(Method::POST, "/api/v1/auth/login")
            .body("application/json", body)
            .await
            .invalid_field(field, code);
    }
}

#[actix_web::test]
async fn a_missing_body_is_400_and_a_body_that_is_not_json_is_415() {
    let app = TestApp::spawn().await;
    app.request(Method::POST, "/api/v1/auth/login")
        .send()
        .await
        .problem(400, "/problems/malformed-request");
    app.request(Method::POST, "/api/v1/auth/login")
        .body("text/plain", r#"{"username": "admin", "password": "x"}"#)
        .await
        .problem(415, "/problems/unsupported-media-type");
}

#[actix_web::test]
async fn a_body_over_1_mib_is_413_and_the_server_carries_on() {
    let app = TestApp::spawn().await;
    let big = format!(
        r#"{{"username": "{}", "password": "x"}}"#,
        "a".repeat(1024 * 1024 + 10)
    );
    app.request(Method::POST, "/api/v1/auth/login")
        .body("application/json", big)
        .await
        .problem(413, "/problems/payload-too-large");
    app.get("/healthz").await.ok_json(200);
}

#[actix_web::test]
async fn a_malformed_path_id_is_400() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.get_as(&admin, "/api/v1/users/not-a-uuid")
        .await
        .problem(400, "/problems/malformed-request");
    app.get_as(&admin, &format!("/api/v1/users/{}", uuid::Uuid::new_v4()))
        .await
        .problem(404, "/problems/not-found");
}

#[actix_web::test]
async fn the_nul_character_is_refused_on_both_engines() {
    let app = TestApp::spawn().await;
    app.request(Method::POST, "/api/v1/auth/login")
        .body(
            "application/json",
            r#"{"username": "ad\u0000min", "password": "x"}"#,
        )
        .await
        .invalid_field("username", "invalid_character");
    let admin = app.admin().await;
    app.get_as(&admin, "/api/v1/audit?entity=%00")
        .await
        .invalid_field("entity", "invalid_character");
    app.post_as(
        &admin,
        "/api/v1/employers",
        &serde_json::json!({"name": "a\u{0}b", "credit_code": crate::support::credit_code(), "city": "太原市"}),
    )
    .await
    .invalid_field("name", "invalid_character");
}

#[actix_web::test]
async fn a_whole_number_written_with_a_zero_fraction_is_an_integer() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    // 78000.0 is the integer 78000 to JSON Schema, and so to the API.
    let created = app
        .post_as(
            &admin,
            "/api/v1/income-thresholds",
            &serde_json::json!({"county_code": "141125", "monthly_fen": 78000.0,
                               "valid_from": "2024-01-01", "source": "柳林县民政局"}),
        )
        .await
        .ok_json(201);
    assert_eq!(created["monthly_fen"], 78000);
    // A fraction is not a whole number: refused, naming the field.
    app.post_as(
        &admin,
        "/api/v1/income-thresholds",
        &serde_json::json!({"county_code": "141126", "monthly_fen": 78000.5,
                           "valid_from": "2024-01-01", "source": "石楼县民政局"}),
    )
    .await
    .invalid_field("monthly_fen", "invalid_type");
}
