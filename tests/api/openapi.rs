//! The API contract: served, browsable offline, and committed as `openapi/openapi.json`.

use crate::support::TestApp;

const COMMITTED: &str = "openapi/openapi.json";

/// The document the code generates, as it is committed: pretty JSON with a final newline.
fn generated() -> String {
    let doc = tracker::routes::openapi();
    let mut text = serde_json::to_string_pretty(&doc).expect("the document serialises");
    text.push('\n');
    text
}

/// Fails when the committed contract differs from the code. `UPDATE_OPENAPI=1 cargo test
/// openapi` writes the file anew.
#[test]
fn the_committed_contract_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(COMMITTED);
    let generated = generated();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).expect("write openapi/openapi.json");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{COMMITTED} is stale: run `UPDATE_OPENAPI=1 cargo test openapi` and commit it"
    );
}

#[actix_web::test]
async fn the_server_serves_the_same_document() {
    let app = TestApp::spawn().await;
    let served = app.get("/api-docs/openapi.json").await.ok_json(200);
    let generated: serde_json::Value = serde_json::from_str(&generated()).unwrap();
    assert_eq!(served, generated);
    assert!(served["openapi"].as_str().unwrap().starts_with("3."));
}

#[test]
fn every_operation_has_an_id_a_tag_and_documented_errors() {
    let doc: serde_json::Value = serde_json::from_str(&generated()).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.contains_key("/api/v1/counties"));
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let where_ = format!("{method} {path}");
            assert!(op["operationId"].is_string(), "{where_}: operationId");
            assert!(
                op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{where_}: tags"
            );
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|s| s.starts_with('2')),
                "{where_}: a 2xx"
            );
            for (status, response) in responses {
                // A shared response is referenced: check the component it names.
                let response = match response["$ref"].as_str() {
                    Some(reference) => {
                        let name = reference
                            .strip_prefix("#/components/responses/")
                            .unwrap_or_else(|| panic!("{where_}: {reference}"));
                        &doc["components"]["responses"][name]
                    }
                    None => response,
                };
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        response["content"]["application/problem+json"].is_object(),
                        "{where_}: {status} must be problem+json"
                    );
                }
            }
        }
    }
}

#[actix_web::test]
async fn interactive_docs_are_served_with_their_assets() {
    let app = TestApp::spawn().await;
    let redirect = app.get("/docs").await;
    assert!(
        matches!(redirect.status, 301 | 302 | 307 | 308),
        "{}",
        redirect.status
    );
    assert_eq!(redirect.header("location"), "/docs/");

    let page = app.get("/docs/").await;
    assert_eq!(page.status, 200);
    let html = String::from_utf8(page.body.clone()).unwrap();
    // Everything the page loads comes from this server: no CDN, so it works offline.
    assert!(!html.contains("https://"), "external asset in the page");
    for asset in [
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "swagger-initializer.js",
    ] {
        assert!(html.contains(asset), "{asset} is referenced");
        let response = app.get(&format!("/docs/{asset}")).await;
        assert_eq!(response.status, 200, "{asset}");
        assert!(response.body.len() > 100, "{asset} has content");
    }
    let init = app.get("/docs/swagger-initializer.js").await;
    assert!(String::from_utf8_lossy(&init.body).contains("/api-docs/openapi.json"));
}
