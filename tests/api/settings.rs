//! Programme settings kept in the database: seeded from the environment on a first start only,
//! changed by an administrator through the API, read by every instance, and the figures counted
//! again once by them.

use chrono::{Datelike, Duration};
use serde_json::{Value, json};

use crate::support::builders::{Trained, id_number, new_trainee, today};
use crate::support::{TEST_JWT_SECRET, config_with};

fn defaults() -> Value {
    json!({
        "retirement_age_male": 60, "retirement_age_female": 55,
        "completion_attendance_percent": 80,
        "certified_kinds": ["skill_level", "special_ability"], "outcome_cutoff": "03-31",
        "employment_min_days": 30,
    })
}

fn with(changes: Value) -> Value {
    let mut body = defaults();
    for (k, v) in changes.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

#[actix_web::test]
async fn a_setting_changed_through_the_api_is_what_every_instance_counts_by() {
    // Trained 60 days ago, at work since the day after at the threshold: employed.
    let t = Trained::new(60).await;
    t.threshold(100_000, "2020-01-01", None).await.ok_json(201);
    let id = t.placed().await;
    t.act(&t.boss, &id, "confirm", "", serde_json::json!({}))
        .await
        .ok_json(200);
    let admin = t.app().admin().await;
    let year = t.completed_on.year();
    let report = format!("/api/v1/reports/programme?year={year}&county=141125");
    let employed = |report: &Value| report["figures"]["employed"]["value"].clone();
    let a = t.app();
    assert_eq!(employed(&a.get_as(&admin, &report).await.ok_json(200)), 1);

    // Seeded from the environment at the first start.
    let seeded = a.get_as(&admin, "/api/v1/settings").await.ok_json(200);
    assert_eq!(seeded["in_force"]["retirement_age_female"], 55);
    assert_eq!(seeded["in_force"]["set_by"], Value::Null);
    assert_eq!(seeded["history"], json!([]));

    // A second instance started on the same database with other values in its environment
    // neither uses them nor counts the figures again.
    let b = a
        .restart(config_with(
            a.database_url(),
            &[
                ("JWT_SECRET", TEST_JWT_SECRET),
                ("RETIREMENT_AGE_FEMALE", "45"),
                ("EMPLOYMENT_MIN_DAYS", "90"),
            ],
        ))
        .await;
    let on_b = b.get_as(&admin, "/api/v1/settings").await.ok_json(200);
    assert_eq!(on_b["in_force"], seeded["in_force"]);
    assert_eq!(employed(&b.get_as(&admin, &report).await.ok_json(200)), 1);

    // The administrator changes them on the first instance: ninety days make employed now.
    let changed = a
        .request(actix_web::http::Method::PUT, "/api/v1/settings")
        .auth(&admin)
        .json(&with(json!({
            "employment_min_days": 90, "retirement_age_female": 50,
            "reason": "县人社局通知：稳定就业按90天计",
        })))
        .await
        .ok_json(201);
    assert_eq!(changed["in_force"]["employment_min_days"], 90);
    assert_eq!(changed["in_force"]["effective_from"], today().to_string());
    assert_eq!(changed["in_force"]["set_by"], admin.id.as_str());
    assert!(changed["rebuilt"]["trainees"].as_i64().unwrap() >= 1);
    // The second instance reads them (after its second of keeping what it read) ...
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1100)).await;
    let on_b = b.get_as(&admin, "/api/v1/settings").await.ok_json(200);
    assert_eq!(on_b["in_force"]["employment_min_days"], 90);
    assert_eq!(on_b["history"].as_array().unwrap().len(), 1);
    // ... counts by them ...
    assert_eq!(employed(&b.get_as(&admin, &report).await.ok_json(200)), 0);
    assert_eq!(employed(&a.get_as(&admin, &report).await.ok_json(200)), 0);
    // ... and judges by them: a woman of 52 is past working age now, one of 49 is not.
    let worker = b.field_staff(&["141125"]).await;
    let born = |years: i32| {
        (today() - Duration::days(365 * i64::from(years) + 30))
            .format("%Y%m%d")
            .to_string()
    };
    let mut woman = new_trainee("141125");
    woman["id_number"] = json!(id_number("141125", &born(52), true));
    b.post_as(&worker, "/api/v1/trainees", &woman)
        .await
        .invalid_field("id_number", "age");
    woman["id_number"] = json!(id_number("141125", &born(49), true));
    b.post_as(&worker, "/api/v1/trainees", &woman)
        .await
        .ok_json(201);

    // The same values again change nothing.
    let again = a
        .request(actix_web::http::Method::PUT, "/api/v1/settings")
        .auth(&admin)
        .json(&with(json!({
            "employment_min_days": 90, "retirement_age_female": 50, "reason": "再次提交",
        })))
        .await
        .ok_json(200);
    assert_eq!(again["rebuilt"], Value::Null);
    assert_eq!(again["in_force"]["id"], changed["in_force"]["id"]);
    // The audit trail has the change.
    let audit = a
        .get_as(&admin, "/api/v1/audit?entity=programme_settings")
        .await
        .ok_json(200);
    assert_eq!(audit["items"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn settings_out_of_range_are_refused_whole_and_take_effect_today() {
    let t = Trained::new(10).await;
    let a = t.app();
    let admin = a.admin().await;
    let put = |body: Value| {
        let (a, admin) = (a.clone(), admin.clone());
        async move {
            a.request(actix_web::http::Method::PUT, "/api/v1/settings")
                .auth(&admin)
                .json(&body)
                .await
        }
    };
    put(with(json!({"outcome_cutoff": "02-29", "reason": "x"})))
        .await
        .invalid_field("outcome_cutoff", "invalid");
    put(with(json!({"certified_kinds": [], "reason": "x"})))
        .await
        .invalid_field("certified_kinds", "length");
    put(with(json!({"retirement_age_female": 30, "reason": "x"})))
        .await
        .invalid_field("retirement_age_female", "range");
    // The day is today's: a change takes effect when it is made.
    put(with(json!({"effective_from": "2020-01-01", "reason": "x"})))
        .await
        .invalid_field("effective_from", "unknown_field");
    put(with(json!({"outcome_cutoff": "04-31", "reason": "x"})))
        .await
        .invalid_field("outcome_cutoff", "invalid");
    put(with(json!({"employment_min_days": 60, "reason": "   "})))
        .await
        .invalid_field("reason", "blank");
    put(defaults()).await.invalid_field("reason", "required");
    // 30.0 is the whole number 30 (as JSON Schema reads it): the values in force, no change.
    put(with(json!({"employment_min_days": 30.0, "reason": "x"})))
        .await
        .ok_json(200);
    let half = put(with(json!({"employment_min_days": 30.5, "reason": "x"}))).await;
    assert_eq!(half.status, 422, "{}", half.json());
    // A manager reads them, and may not change them.
    let manager = a.manager(&["141125"]).await;
    let read = a.get_as(&manager, "/api/v1/settings").await.ok_json(200);
    assert_eq!(read["in_force"]["employment_min_days"], 30);
    a.request(actix_web::http::Method::PUT, "/api/v1/settings")
        .auth(&manager)
        .json(&with(json!({"employment_min_days": 60, "reason": "x"})))
        .await
        .problem(403, "/problems/forbidden");
    let after = a.get_as(&admin, "/api/v1/settings").await.ok_json(200);
    assert_eq!(after["history"], json!([]));
}
