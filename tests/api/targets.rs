//! The year's targets for the city and the counties.

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::support::{Actor, TestApp, TestResponse};

const ALL: [&str; 13] = [
    "141102", "141121", "141122", "141123", "141124", "141125", "141126", "141127", "141128",
    "141129", "141130", "141181", "141182",
];

fn liulin_2023() -> Value {
    json!({"scope": "141125", "trained": 900, "certification_rate": 90, "employed": 540})
}

async fn put(app: &TestApp, actor: &Actor, year: &str, body: &Value) -> TestResponse {
    app.put_as(actor, &format!("/api/v1/targets/{year}"), body)
        .await
}

async fn scopes(app: &TestApp, actor: &Actor, year: &str) -> Vec<String> {
    let body = app
        .get_as(actor, &format!("/api/v1/targets/{year}"))
        .await
        .ok_json(200);
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["scope"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn a_target_is_set_replaced_and_sent_again_without_change() {
    let app = TestApp::spawn().await;
    let manager = app.manager(&["141125"]).await;
    let set = put(&app, &manager, "2023", &liulin_2023()).await;
    assert_eq!(set.header("etag"), "\"1\"");
    let body = set.ok_json(201);
    assert_eq!(body["certification_rate"], 90.0);
    assert_eq!(body["intermediate_trained"], Value::Null);
    // The same target again changes nothing.
    let again = put(&app, &manager, "2023", &liulin_2023())
        .await
        .ok_json(200);
    assert_eq!(again["version"], 1);
    assert_eq!(again["updated_at"], body["updated_at"]);
    let mut raised = liulin_2023();
    raised["certification_rate"] = json!(92.5);
    raised["intermediate_trained"] = json!(120);
    let replaced = put(&app, &manager, "2023", &raised).await.ok_json(200);
    assert_eq!(replaced["version"], 2);
    assert_eq!(replaced["certification_rate"], 92.5);
    assert_eq!(replaced["intermediate_trained"], 120);
    // With If-Match, only over the version named.
    let stale = app
        .request(Method::PUT, "/api/v1/targets/2023")
        .auth(&manager)
        .header("if-match", "\"1\"")
        .json(&liulin_2023())
        .await;
    stale.problem(412, "/problems/precondition-failed");
    app.request(Method::PUT, "/api/v1/targets/2023")
        .auth(&manager)
        .header("if-match", "")
        .json(&liulin_2023())
        .await
        .problem(400, "/problems/malformed-request");
    app.request(Method::PUT, "/api/v1/targets/2023")
        .auth(&manager)
        .header("if-match", "\"2\"")
        .json(&liulin_2023())
        .await
        .ok_json(200);
    // Another year is another target.
    put(&app, &manager, "2024", &liulin_2023())
        .await
        .ok_json(201);
    assert_eq!(scopes(&app, &manager, "2023").await, ["141125"]);
}

#[actix_web::test]
async fn managers_set_and_read_the_targets_of_their_own_scope() {
    let app = TestApp::spawn().await;
    let liulin = app.manager(&["141125"]).await;
    let city = app.manager(&ALL).await;
    let admin = app.admin().await;
    let mut city_target = liulin_2023();
    city_target["scope"] = json!("city");
    city_target["trained"] = json!(12_000);
    put(&app, &liulin, "2023", &city_target)
        .await
        .invalid_rule("scope", "outside_your_counties");
    let mut lishi = liulin_2023();
    lishi["scope"] = json!("141102");
    put(&app, &liulin, "2023", &lishi)
        .await
        .invalid_rule("scope", "outside_your_counties");
    put(&app, &city, "2023", &city_target).await.ok_json(201);
    put(&app, &admin, "2023", &lishi).await.ok_json(201);
    put(&app, &liulin, "2023", &liulin_2023())
        .await
        .ok_json(201);
    assert_eq!(scopes(&app, &liulin, "2023").await, ["141125"]);
    assert_eq!(
        scopes(&app, &city, "2023").await,
        ["city", "141102", "141125"]
    );
    assert_eq!(
        scopes(&app, &admin, "2023").await,
        ["city", "141102", "141125"]
    );
    let worker = app.field_staff(&["141125"]).await;
    app.get_as(&worker, "/api/v1/targets/2023")
        .await
        .problem(403, "/problems/forbidden");
    put(&app, &worker, "2023", &liulin_2023())
        .await
        .problem(403, "/problems/forbidden");
}

#[actix_web::test]
async fn bad_targets_are_refused_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    put(&app, &admin, "2015", &liulin_2023())
        .await
        .invalid_field("year", "range");
    let cases = [
        ("scope", json!("141199"), "unknown_scope"),
        ("scope", json!("Liulin"), "unknown_scope"),
        ("certification_rate", json!(100.5), "range"),
        ("certification_rate", json!(-1), "range"),
        ("certification_rate", json!(90.125), "precision"),
        ("trained", json!(-1), "range"),
        ("employed", json!(10_000_001), "range"),
    ];
    for (field, value, code) in cases {
        let mut body = liulin_2023();
        body[field] = value;
        put(&app, &admin, "2023", &body)
            .await
            .invalid_field(field, code);
    }
    assert!(scopes(&app, &admin, "2023").await.is_empty());
}

#[actix_web::test]
async fn two_first_settings_of_one_target_at_once_both_land_one_after_the_other() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let tasks: Vec<_> = [900, 950]
        .into_iter()
        .map(|trained| {
            let (app, admin) = (app.clone(), admin.clone());
            let mut body = liulin_2023();
            body["trained"] = json!(trained);
            actix_web::rt::spawn(async move { put(&app, &admin, "2023", &body).await.status })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 201]);
    let targets = app
        .get_as(&admin, "/api/v1/targets/2023")
        .await
        .ok_json(200);
    assert_eq!(targets["items"][0]["version"], 2);
}
