//! Providers, agencies and employers: the credit code, one record per code and kind, the mobile
//! conventions, and who sees what.

use serde_json::{Value, json};

use crate::support::{TestApp, credit_code};

fn provider_body() -> Value {
    json!({
        "name": "吕梁市护理职业培训学校",
        "credit_code": credit_code(),
        "county_code": "141102",
        "contact_name": "李老师",
        "contact_phone": "+86 138-0013-8000",
    })
}

async fn count(app: &TestApp, collection: &str) -> usize {
    let admin = app.admin().await;
    let page = app
        .get_as(&admin, &format!("/api/v1/{collection}?limit=200"))
        .await
        .ok_json(200);
    page["items"].as_array().unwrap().len()
}

#[actix_web::test]
async fn a_provider_is_registered_with_its_credit_code_and_contact_normalised() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let mut body = provider_body();
    let code = body["credit_code"].as_str().unwrap().to_owned();
    body["credit_code"] = json!(code.to_ascii_lowercase());
    let created = app
        .post_as(&admin, "/api/v1/providers", &body)
        .await
        .ok_json(201);
    assert_eq!(created["kind"], "provider");
    assert_eq!(created["credit_code"], code.to_ascii_uppercase());
    assert_eq!(created["contact_phone"], "13800138000");
    assert_eq!(created["active"], true);
    assert_eq!(created["version"], 1);
    let path = format!("/api/v1/providers/{}", created["id"].as_str().unwrap());
    let read = app.get_as(&admin, &path).await.ok_json(200);
    assert_eq!(read, created);
    // A provider is not an agency or an employer.
    let id = created["id"].as_str().unwrap();
    app.get_as(&admin, &format!("/api/v1/agencies/{id}"))
        .await
        .problem(404, "/problems/not-found");
    app.get_as(&admin, &format!("/api/v1/employers/{id}"))
        .await
        .problem(404, "/problems/not-found");
}

#[actix_web::test]
async fn a_bad_credit_code_or_no_place_is_422_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let good = credit_code();
    let last = good.chars().last().unwrap();
    let wrong_check = format!("{}{}", &good[..17], if last == '0' { '1' } else { '0' });
    for (code, error) in [
        (wrong_check.as_str(), "check_character"),
        (&good[..17], "length"),
        ("91141125MA0ZZZZZI1", "format"),
    ] {
        let mut body = provider_body();
        body["credit_code"] = json!(code);
        app.post_as(&admin, "/api/v1/agencies", &body)
            .await
            .invalid_field("credit_code", error);
    }
    let mut body = provider_body();
    body.as_object_mut().unwrap().remove("county_code");
    app.post_as(&admin, "/api/v1/agencies", &body)
        .await
        .invalid_field("county_code", "required");
    let mut body = provider_body();
    body["contact_phone"] = json!("12345");
    app.post_as(&admin, "/api/v1/agencies", &body)
        .await
        .invalid_field("contact_phone", "format");
    assert_eq!(count(&app, "agencies").await, 0);
}

#[actix_web::test]
async fn one_record_per_credit_code_and_kind_and_replays_answer_the_stored_one() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let mut body = provider_body();
    body["id"] = json!(uuid::Uuid::new_v4());
    let first = app
        .post_as(&admin, "/api/v1/employers", &body)
        .await
        .ok_json(201);
    for _ in 0..2 {
        let again = app
            .post_as(&admin, "/api/v1/employers", &body)
            .await
            .ok_json(200);
        assert_eq!(again, first);
    }
    let mut changed = body.clone();
    changed["name"] = json!("另一个名字");
    app.post_as(&admin, "/api/v1/employers", &changed)
        .await
        .problem(409, "/problems/conflict");
    let mut other_id = body.clone();
    other_id["id"] = json!(uuid::Uuid::new_v4());
    let taken = app
        .post_as(&admin, "/api/v1/employers", &other_id)
        .await
        .problem(409, "/problems/conflict");
    assert_eq!(taken["existing_id"], first["id"]);
    assert_eq!(count(&app, "employers").await, 1);
    // The same organisation may also be a training provider.
    app.post_as(&admin, "/api/v1/providers", &other_id)
        .await
        .ok_json(201);
}

#[actix_web::test]
async fn changes_need_the_version_and_an_inactive_provider_runs_no_new_cohort() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let created = app
        .post_as(&admin, "/api/v1/providers", &provider_body())
        .await
        .ok_json(201);
    let path = format!("/api/v1/providers/{}", created["id"].as_str().unwrap());
    app.patch_as(&admin, &path, "", &json!({"active": false}))
        .await
        .problem(428, "/problems/precondition-required");
    app.patch_as(&admin, &path, "\"7\"", &json!({"active": false}))
        .await
        .problem(412, "/problems/precondition-failed");
    app.patch_as(&admin, &path, "\"1\"", &json!({"county_code": null}))
        .await
        .invalid_field("county_code", "required");
    let changed = app
        .patch_as(
            &admin,
            &path,
            "\"1\"",
            &json!({"active": false, "city": "吕梁市", "county_code": null, "contact_phone": null}),
        )
        .await
        .ok_json(200);
    assert_eq!(changed["version"], 2);
    assert_eq!(changed["active"], false);
    assert_eq!(changed["county_code"], Value::Null);
    assert_eq!(changed["contact_phone"], Value::Null);
    assert_eq!(changed["contact_name"], "李老师");
    let inactive = app
        .post_as(
            &admin,
            "/api/v1/cohorts",
            &crate::support::builders::new_cohort(created["id"].as_str().unwrap(), "141125"),
        )
        .await
        .problem(422, "/problems/rule-violated");
    assert_eq!(inactive["errors"][0]["field"], "provider_id");
    let listed = app
        .get_as(&admin, "/api/v1/providers?active=true")
        .await
        .ok_json(200);
    assert_eq!(listed["items"], json!([]));
}

#[actix_web::test]
async fn an_employer_account_is_bound_to_an_employer_not_to_a_provider() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let provider = app.organisation("providers", "培训学校").await;
    let refused = app
        .post_as(
            &admin,
            "/api/v1/users",
            &json!({
                "username": "boundwrong", "display_name": "错", "role": "employer",
                "employer_id": provider, "password": "a-good-long-password",
            }),
        )
        .await;
    refused.invalid_field("employer_id", "unknown_employer");
}
